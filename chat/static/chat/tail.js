// Where the text the server has not rendered yet goes: at the end of the rendering's last
// paragraph, list item or code block, so that it reads on from there and the next rendering,
// which takes it in, moves nothing. In a code block that is still open, the line being written
// stays on its line, indented, with the cursor (drawn after the tail) right after it.

const CONTINUED_BLOCKS = new Set([
  "P", "UL", "OL", "LI", "BLOCKQUOTE", "PRE", "CODE", "H1", "H2", "H3", "H4", "H5", "H6",
]);

// `renderedText`: the answer's text that `rendered` shows. Returns what takes the tail out
// again and leaves the rendering as the server sent it, for the next frame to build on.
export function placeTail(rendered, tail, renderedText) {
  const block = lastTextBlock(rendered);
  block.append(tail);
  let trimmed = null;
  if (block.tagName === "CODE" && !renderedText.endsWith("\n")) {
    // The highlighter ends every code line with a newline, the line still being written too:
    // the text goes on on that line, so the newline is not there yet.
    const last = lastTextBefore(block, tail);
    if (last?.data.endsWith("\n")) {
      last.data = last.data.slice(0, -1);
      trimmed = last;
    }
  }
  return () => {
    if (trimmed) trimmed.data += "\n";
    tail.remove();
  };
}

function lastTextBlock(root) {
  let block = root;
  while (block.lastElementChild && CONTINUED_BLOCKS.has(block.lastElementChild.tagName)) {
    block = block.lastElementChild;
  }
  return block;
}

function lastTextBefore(block, tail) {
  const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
  let last = null;
  while (walker.nextNode()) {
    if (!tail.contains(walker.currentNode) && walker.currentNode.data) last = walker.currentNode;
  }
  return last;
}
