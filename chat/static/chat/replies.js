// Where the page's replies stand: the one streaming now, an ask sent but not started yet, and
// what to resume when the socket opens. The socket can drop at any point of an answer, and the
// page must neither lose the answer's text nor show it twice.
import { Reply } from "./reply.js";
import { setOutcome } from "./turns.js";

export class Replies {
  // `openedMidAnswer`: the turn of an answer the server was still writing when it sent the page.
  constructor({ turns, openedMidAnswer = null }) {
    this.turns = turns;
    this.openedMidAnswer = openedMidAnswer;
    this.byId = new Map(); // reply id -> Reply
    this.current = null; // the Reply streaming now
    this.pending = null; // an ask sent but not started yet: {turn, frame, replaces, dropped}
  }

  get busy() {
    return Boolean(this.current || this.pending);
  }

  get(id) {
    return this.byId.get(id);
  }

  // `replaces`: the turn a regenerate takes the place of once its answer starts.
  asked(turn, frame, replaces) {
    this.pending = { turn, frame, replaces };
  }

  connectionLost() {
    if (!this.pending) return;
    // The question may have reached the server before the drop: on reconnect, resuming the
    // reply id the page chose for it tells whether it did.
    this.pending.dropped = true;
    const note = "Connection lost: checking whether the question arrived…";
    setOutcome(this.pending.turn, "streaming", note);
  }

  // The frame to send once the socket is open, or null.
  resumeFrame() {
    if (this.pending?.dropped) {
      return { type: "resume", reply: this.pending.frame.reply, after: -1 };
    }
    if (!this.current && this.openedMidAnswer) {
      // Follow it from its first delta, once: after that it is the current reply like any other.
      const turn = this.openedMidAnswer;
      this.openedMidAnswer = null;
      this.current = this.track(new Reply(turn.dataset.reply, turn));
    }
    const reply = this.current;
    if (!reply) return null;
    reply.resumeFrom = reply.lastSeq;
    return { type: "resume", reply: reply.id, after: reply.lastSeq };
  }

  // The reply a start frame begins or resumes, which becomes the current one.
  started(frame) {
    let reply = this.get(frame.reply);
    if (reply) {
      if (reply.resumeFrom === -1) reply.restart();
    } else if (this.pending) {
      reply = this.track(new Reply(frame.reply, this.pending.turn));
      this.pending.replaces?.remove();
      this.pending = null;
    } else {
      // Asked from another tab: a regenerated answer takes the place of the one it replaces.
      if (frame.replaces) this.turns.withReply(frame.replaces)?.remove();
      reply = this.track(new Reply(frame.reply, this.turns.add(frame.question ?? "")));
    }
    reply.resumeFrom = null;
    this.current = reply;
    return reply;
  }

  finished(reply) {
    if (this.current === reply) this.current = null;
  }

  // An error frame of no reply on the page answers the ask in flight: the question was not
  // sent. Returns that ask and the reason, or null when no ask was in flight.
  refused(frame) {
    const ask = this.pending;
    if (!ask) return null;
    this.pending = null;
    const reason = ask.dropped && frame.code === "not_found"
      ? "the connection dropped before the question reached the server."
      : frame.message;
    if (ask.replaces) {
      ask.turn.remove();
      delete ask.replaces.dataset.replacing;
    } else {
      setOutcome(ask.turn, "unsent", `Not sent: ${reason}`);
    }
    return { ask, reason };
  }

  track(reply) {
    this.byId.set(reply.id, reply);
    return reply;
  }
}
