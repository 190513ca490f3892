// When a reply was asked and when its first piece came, on this page's clock. The start frame
// says how long ago both were, so a tab that joins mid-answer times the reply from the ask, as
// the asking tab does, and not from when it happened to join.

export class ReplyTiming {
  constructor() {
    this.askedAt = performance.now();
    this.firstAt = null;
  }

  started(stats) {
    const now = performance.now();
    if (Number.isFinite(stats?.elapsed_ms)) this.askedAt = now - stats.elapsed_ms;
    if (Number.isFinite(stats?.first_token_ms)) this.firstAt = this.askedAt + stats.first_token_ms;
  }

  // A piece arrived; the first one, when the start frame did not say when it came.
  pieceArrived() {
    if (this.firstAt === null) this.firstAt = performance.now();
  }

  get firstTokenMs() {
    return this.firstAt === null ? null : this.firstAt - this.askedAt;
  }

  get sinceFirstMs() {
    return this.firstAt === null ? null : performance.now() - this.firstAt;
  }

  // Pieces since the first over the time since the first. A joining tab's catch-up burst counts
  // over the time those pieces really took, and the rate falls while nothing arrives.
  rate(pieces) {
    const seconds = (this.sinceFirstMs ?? 0) / 1000;
    return pieces > 0 && seconds > 0 ? pieces / seconds : null;
  }
}
