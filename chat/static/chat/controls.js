// The question form's buttons and the error line: what the user can do at this moment, and why
// the last thing they tried did not work.

export class Controls {
  constructor({
    chat, question, stopButton, regenerateButton, errorBox, // what it changes
    replies, turns, conversation, connection, // what it reads to decide
  }) {
    Object.assign(this, { chat, question, stopButton, regenerateButton, errorBox });
    Object.assign(this, { replies, turns, conversation, connection });
  }

  update() {
    const busy = this.replies.busy;
    const last = this.turns.last();
    this.stopButton.disabled = !this.replies.current;
    const canReplace = !busy && this.connection.open && Boolean(this.conversation.id) && Boolean(last);
    this.regenerateButton.disabled = !canReplace;
    // Only the last question can be edited and sent again, and only when it could be regenerated.
    for (const turn of this.turns.all()) {
      turn.querySelector(".edit-question").hidden = !(canReplace && turn === last);
    }
    this.chat.classList.toggle("busy", busy);
  }

  showError(message) {
    this.errorBox.textContent = message;
    this.errorBox.hidden = !message;
  }

  // A question the server never got goes back into an empty box, ready to send again.
  notSent({ ask, reason }) {
    if (!this.question.value.trim()) this.question.value = ask.frame.question;
    this.showError(`Your question was not sent: ${reason}`);
    this.update();
  }
}
