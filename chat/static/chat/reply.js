// One answer on the page: its pieces by seq (thinking and answer share one sequence), the
// server's rendered html, and its timing. Model output enters the DOM only as text nodes or as
// the server's sanitised `html`.
import { applyHtml } from "./rendered.js";
import { closesCode, placeTail } from "./tail.js";
import { Thinking } from "./thinking.js";
import { ReplyTiming } from "./timing.js";

export class Reply {
  constructor(id, turn) {
    this.id = id;
    this.turn = turn;
    this.answer = turn.querySelector(".answer");
    this.rendered = turn.querySelector(".rendered");
    this.tail = turn.querySelector(".tail");
    this.stats = turn.querySelector(".stats");
    this.copyButton = turn.querySelector(".copy-answer");
    this.thinking = new Thinking(turn.querySelector(".thinking"));
    this.timing = new ReplyTiming();
    this.deltas = []; // the answer's pieces, by seq (thinking pieces leave holes)
    this.lastSeq = -1;
    this.upto = -1; // seq of the last delta inside `rendered`
    this.untail = null; // takes the tail out of `rendered`, as the server sent it
    this.resumeFrom = null; // the `after` of the resume in flight, if any
    this.model = null;
    this.provider = null;
    turn.dataset.reply = id;
  }

  get text() {
    return this.deltas.join("");
  }

  restart() {
    // A resume from -1 re-sends every piece: start the answer and the thinking over.
    this.deltas = [];
    this.lastSeq = -1;
    this.upto = -1;
    this.takeTailOut();
    this.rendered.replaceChildren();
    this.tail.textContent = "";
    this.thinking.clear();
    this.copyButton.hidden = true;
  }

  addPiece(seq, content, { reasoning = false } = {}) {
    if (seq <= this.lastSeq) return; // already shown: a resume may overlap
    this.lastSeq = seq;
    this.timing.pieceArrived();
    if (reasoning) {
      this.thinking.add(content);
      return;
    }
    if (!this.text) {
      this.thinking.answerBegan(this.timing.sinceFirstMs);
      this.copyButton.hidden = false;
    }
    this.deltas[seq] = content;
    if (seq > this.upto) {
      this.tail.appendChild(document.createTextNode(content));
      // The code block the tail is in has just been closed: what follows goes below it.
      if (this.untail && closesCode(this.tail)) this.placeTail(this.tail.textContent);
    }
  }

  showHtml(frame) {
    if (frame.upto < this.upto) return;
    this.upto = frame.upto;
    this.takeTailOut();
    // Sanitised on the server (markdown-it, then nh3); newer deltas stay plain text after it.
    applyHtml(this.rendered, frame);
    this.placeTail(this.deltas.slice(frame.upto + 1).join(""));
    decorateCode(this.rendered);
  }

  // The text after the rendering, placed where it reads on from it.
  placeTail(text) {
    this.takeTailOut();
    this.tail.textContent = text;
    const shown = this.deltas.slice(0, this.upto + 1).join("");
    this.untail = placeTail(this.rendered, this.tail, shown);
  }

  // The tail back after the rendering, where the page's own markup has it.
  takeTailOut() {
    this.untail?.();
    this.untail = null;
    this.answer.append(this.tail);
  }

  // The final frame: the server's whole text and thinking win over what this page pieced
  // together (a resume from the database sends them whole, without seqs).
  ended(frame) {
    if (typeof frame.text === "string" && frame.text !== this.text) this.replaceText(frame.text);
    // The whole answer is rendered: the rendering is left as the server made it.
    if (!this.tail.textContent) this.takeTailOut();
    this.answer.dataset.raw = this.text;
    this.copyButton.hidden = !this.text;
    this.thinking.ended(frame.reasoning, frame.stats?.thinking_ms);
  }

  replaceText(text) {
    this.deltas = [text];
    this.lastSeq = Math.max(this.lastSeq, 0);
    this.upto = -1;
    this.takeTailOut();
    this.rendered.replaceChildren();
    this.tail.textContent = text;
  }

  liveStats() {
    return {
      first_token_ms: this.timing.firstTokenMs,
      chunks_per_second: this.timing.rate(this.lastSeq + 1),
    };
  }
}

export function decorateCode(root) {
  // Each code block gets a Copy button; the server's HTML never carries buttons.
  for (const pre of root.querySelectorAll("pre")) {
    if (pre.parentElement.classList.contains("code-block")) continue;
    const block = document.createElement("div");
    block.className = "code-block";
    const copy = document.createElement("button");
    copy.type = "button";
    copy.className = "copy-code";
    copy.textContent = "Copy";
    pre.replaceWith(block);
    block.append(pre, copy);
  }
}
