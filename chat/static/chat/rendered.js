// The server's rendering of an answer, kept up to date by `html` frames (docs/protocol.md).
// The page asks for frames that carry only what changed: each top-level element of the
// rendering is one block of the answer, and a frame's `from` says how many of them stay; its
// `html` replaces everything after those. A frame without `from` is the whole rendering.

// What the page asks for in its ask, resume and watch frames.
export const RENDER = "changes";

export function applyHtml(rendered, frame) {
  const keep = Number.isInteger(frame.from) ? frame.from : 0;
  if (keep === 0) {
    rendered.innerHTML = frame.html;
    return;
  }
  // Past the kept elements (the text after each stays with it), everything goes.
  let elements = 0;
  let node = rendered.firstChild;
  while (node && !(node.nodeType === Node.ELEMENT_NODE && elements++ === keep)) {
    node = node.nextSibling;
  }
  while (node) {
    const next = node.nextSibling;
    node.remove();
    node = next;
  }
  rendered.insertAdjacentHTML("beforeend", frame.html);
}
