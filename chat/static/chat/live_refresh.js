// While deltas stream in, what follows the text (the live stats line, and the view when it
// follows the newest text) catches up once per painted frame, however fast deltas come.
import { showStats } from "./reply.js";

export class LiveRefresh {
  constructor({ replies, autoscroll }) {
    this.replies = replies;
    this.autoscroll = autoscroll;
    this.queued = new Set();
  }

  queue(reply) {
    if (this.queued.size === 0) requestAnimationFrame(() => this.refresh());
    this.queued.add(reply);
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
