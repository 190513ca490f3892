// Keeps the newest text in view while an answer streams, until the reader scrolls up to read;
// scrolling back down to the end follows again.

// Closer than this to the end counts as being at the end: a reader cannot hit it exactly.
const AT_END_PX = 48;

export class Autoscroll {
  constructor(log) {
    this.log = log;
    this.follow = true;
    // Only the reader stops following: the page's own scrolls, and the browser's adjustments
    // when rendered html replaces the text above, arrive as scroll events too and must not
    // count. So a scroll on its own only resumes following; stopping takes what only a person
    // does: the wheel, a touch, a key, or a drag on the scrollbar.
    this.lastScrollTop = 0;
    this.pointerDown = false;
    log.addEventListener("scroll", () => this.scrolled());
    log.addEventListener("pointerdown", (event) => {
      this.pointerDown = event.target === log; // on the scrollbar, not on the text or a button
    });
    window.addEventListener("pointerup", () => { this.pointerDown = false; });
    log.addEventListener("wheel", (event) => {
      if (event.deltaY < 0) this.follow = false;
    }, { passive: true });
    log.addEventListener("touchmove", () => { this.follow = false; }, { passive: true });
    log.addEventListener("keydown", (event) => {
      if (["ArrowUp", "PageUp", "Home"].includes(event.key)) this.follow = false;
    });
  }

  scrollIfFollowing() {
    if (this.follow) this.log.scrollTop = this.log.scrollHeight;
  }

  scrolled() {
    const log = this.log;
    const movingDown = log.scrollTop > this.lastScrollTop;
    this.lastScrollTop = log.scrollTop;
    if (log.scrollHeight - log.scrollTop - log.clientHeight < AT_END_PX) {
      if (movingDown) this.follow = true; // back at the end by scrolling down
    } else if (this.pointerDown && !movingDown) {
      this.follow = false; // dragging the scrollbar up
    }
  }
}
