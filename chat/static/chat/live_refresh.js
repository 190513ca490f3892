// While an answer streams, what follows the text (the live stats line, and the view when it
// follows the newest text) catches up once per painted frame, however fast deltas come; and
// once a second when none come, so that a stall shows as a falling rate, not a frozen one.
import { showStats } from "./stats.js";

const STALL_CHECK_MS = 1000;

export class LiveRefresh {
  constructor({ replies, autoscroll }) {
    this.replies = replies;
    this.autoscroll = autoscroll;
    this.queued = new Set();
    this.timer = null;
  }

  queue(reply) {
    if (this.queued.size === 0) requestAnimationFrame(() => this.refresh());
    this.queued.add(reply);
  }

  // Keep the current reply's stats moving until no reply streams.
  watch() {
    if (this.timer !== null) return;
    this.timer = setInterval(() => {
      if (this.replies.current) {
        this.queue(this.replies.current);
      } else {
        clearInterval(this.timer);
        this.timer = null;
      }
    }, STALL_CHECK_MS);
  }

  refresh() {
    for (const reply of this.queued) {
      // A reply that ended meanwhile already shows its final stats.
      if (reply !== this.replies.current) continue;
      const { model, provider } = reply;
      showStats(reply.stats, { model, provider, ...reply.liveStats() });
    }
    this.queued.clear();
    this.autoscroll.scrollIfFollowing();
  }
}
