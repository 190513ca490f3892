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
    this.regenerateButton.disabled = busy || !this.connection.open || !this.conversation.id
      || !last || last.dataset.status === "unsent";
    this.chat.classList.toggle("busy", busy);
  }

  showError(message) {
    this.errorBox.textContent = message;
    this.errorBox.hidden = !message;
  }

  // A question the server never got goes back into an empty box, ready to send again; a
  // regenerate has nothing to give back, its question is still on the page.
  notSent({ ask, reason }) {
    if (!ask.replaces && !this.question.value.trim()) this.question.value = ask.frame.question;
    this.showError(`Your question was not sent: ${reason}`);
    this.update();
  }
}
