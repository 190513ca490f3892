// The conversation's turns on the page, each a question, its thinking, its answer and a line on
// how it ended.
import { decorateCode } from "./reply.js";
import { showStats } from "./stats.js";
import { thoughtFor } from "./thinking.js";

export class Turns {
  constructor({ log, emptyNote, template, autoscroll }) {
    Object.assign(this, { log, emptyNote, template, autoscroll });
  }

  add(question) {
    const turn = this.template.content.firstElementChild.cloneNode(true);
    turn.querySelector(".question").textContent = question;
    setOutcome(turn, "streaming", "");
    this.log.insertBefore(turn, this.emptyNote);
    this.emptyNote.hidden = true;
    this.autoscroll.scrollIfFollowing();
    return turn;
  }

  all() {
    return [...this.log.querySelectorAll(".turn")];
  }

  last() {
    return this.all().at(-1) ?? null;
  }

  withReply(id) {
    return this.log.querySelector(`.turn[data-reply="${CSS.escape(id)}"]`);
  }

  // The model received the latest turn without the oldest `count` turns before it.
  markLeftOut(count, latest) {
    const earlier = this.all().filter((turn) => turn !== latest);
    earlier.forEach((turn, index) => {
      turn.toggleAttribute("data-left-out", index < (Number.isInteger(count) ? count : 0));
    });
  }

  // The server's turns, in place of the ones this page shows.
  replaceAll(turns) {
    for (const turn of this.all()) turn.remove();
    for (const turn of turns) this.log.insertBefore(document.adoptNode(turn), this.emptyNote);
    this.emptyNote.hidden = turns.length > 0;
    this.showSaved();
    this.autoscroll.scrollIfFollowing();
  }

  // The turns the server wrote into the page carry their stats as data for this script to show,
  // and their code blocks still need Copy buttons.
  showSaved() {
    for (const stats of this.log.querySelectorAll(".stats:not([data-shown])")) {
      let facts = {};
      try {
        facts = JSON.parse(stats.dataset.stats || "{}");
      } catch {
        // shown without numbers
      }
      showStats(stats, facts);
      stats.dataset.shown = "";
      const summary = stats.closest(".turn").querySelector(".thinking summary");
      summary.textContent = thoughtFor(facts.thinking_ms);
    }
    decorateCode(this.log);
  }
}

export function setOutcome(turn, status, note) {
  turn.dataset.status = status;
  turn.querySelector(".answer").setAttribute("aria-busy", String(status === "streaming"));
  turn.querySelector(".outcome").textContent = note;
}
