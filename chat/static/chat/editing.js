// Editing the last question: its text goes into the question box, and sending it replaces that
// turn under the same rule as Regenerate (the server refuses it if another tab asked since).
// Whatever the box held before comes back if the edit is cancelled.

export class Editing {
  constructor({ question, banner, cancelButton }) {
    Object.assign(this, { question, banner });
    this.turn = null;
    this.draft = "";
    cancelButton.addEventListener("click", () => {
      this.cancel();
      question.focus();
    });
  }

  get active() {
    return this.turn !== null;
  }

  start(turn) {
    if (this.turn === null) this.draft = this.question.value;
    this.end();
    this.turn = turn;
    turn.dataset.editing = "";
    this.banner.hidden = false;
    this.question.value = turn.querySelector(".question").textContent;
    this.question.focus();
    this.question.setSelectionRange(this.question.value.length, this.question.value.length);
  }

  cancel() {
    if (!this.active) return;
    this.end();
    this.question.value = this.draft;
  }

  // The edit was sent, or given up: the turn is no longer being edited.
  end() {
    if (this.turn) delete this.turn.dataset.editing;
    this.turn = null;
    this.banner.hidden = true;
  }
}
