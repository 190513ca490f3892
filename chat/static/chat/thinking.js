// The thinking a reasoning model does before it answers, in a muted block above the answer:
// open and scrolling while it streams, folded to "Thought for N s" once the answer begins, and
// opened again with a click (it is a <details>). Model output: it enters only as text.

export class Thinking {
  constructor(details) {
    this.details = details;
    this.summary = details.querySelector("summary");
    this.thought = details.querySelector(".thought");
    this.folded = false;
  }

  get text() {
    return this.thought.textContent;
  }

  add(text) {
    if (this.details.hidden) {
      this.details.hidden = false;
      this.details.open = true;
      this.summary.textContent = "Thinking…";
    }
    this.thought.append(document.createTextNode(text));
    this.thought.scrollTop = this.thought.scrollHeight; // the newest thought in view
  }

  // The answer began `ms` after the thinking did: fold the thinking away, once.
  answerBegan(ms) {
    if (this.details.hidden || this.folded) return;
    this.folded = true;
    this.details.open = false;
    this.summary.textContent = thoughtFor(ms);
  }

  // The reply ended: the server's whole thinking and its time are what stays.
  ended(reasoning, ms) {
    if (typeof reasoning === "string" && reasoning !== this.text) this.thought.textContent = reasoning;
    if (!this.text) {
      this.clear();
      return;
    }
    this.details.hidden = false;
    this.summary.textContent = thoughtFor(ms);
  }

  clear() {
    this.thought.replaceChildren();
    this.details.hidden = true;
    this.details.open = false;
    this.folded = false;
  }
}

export function thoughtFor(ms) {
  if (!Number.isFinite(ms)) return "Thought";
  const seconds = ms / 1000;
  return `Thought for ${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`;
}
