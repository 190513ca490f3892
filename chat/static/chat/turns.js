// The conversation's turns on the page, each a question, its answer and a line on how it ended.
import { decorateCode, showStats } from "./reply.js";

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

  last() {
    const turns = this.log.querySelectorAll(".turn");
    return turns[turns.length - 1] ?? null;
  }

  withReply(id) {
    return this.log.querySelector(`.turn[data-reply="${CSS.escape(id)}"]`);
  }

  // The turns the server wrote into the page carry their stats as data for this script to show,
  // and their code blocks still need Copy buttons.
  showSaved() {
    for (const stats of this.log.querySelectorAll(".stats")) {
      let facts = {};
      try {
        facts = JSON.parse(stats.dataset.stats || "{}");
      } catch {
        // shown without numbers
      }
      showStats(stats, facts);
    }
    decorateCode(this.log);
  }
}

export function setOutcome(turn, status, note) {
  turn.dataset.status = status;
  turn.querySelector(".answer").setAttribute("aria-busy", String(status === "streaming"));
  turn.querySelector(".outcome").textContent = note;
}
