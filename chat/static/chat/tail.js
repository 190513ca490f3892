// Where the text the server has not rendered yet goes: at the end of the rendering's last
// paragraph, list item or code block, so that it reads on from there and the next rendering,
// which takes it in, moves nothing. In a code block that is still open, the line being written
// stays on its line, indented, with the cursor (drawn after the tail) right after it; once the
// text closes the block, what follows its closing fence goes below it.

const CONTINUED_BLOCKS = new Set([
  "P", "UL", "OL", "LI", "BLOCKQUOTE", "PRE", "CODE", "H1", "H2", "H3", "H4", "H5", "H6",
]);
// A line of three or more backticks or tildes alone: the end of a fenced code block.
const CLOSING_FENCE = /(^|\n) {0,3}(`{3,}|~{3,})[ \t]*(?=\n|$)/;

// Whether the tail, placed in a code block, holds the line that closes it.
export function closesCode(tail) {
  return Boolean(tail.parentElement?.closest("pre")) && CLOSING_FENCE.test(tail.textContent);
}

// `renderedText`: the answer's text that `rendered` shows; the tail holds the text after it.
// Returns what takes the tail out again and leaves the rendering as the server sent it, for
// the next frame to build on.
export function placeTail(rendered, tail, renderedText) {
  const block = lastTextBlock(rendered);
  const added = [];
  let trimmed = null;
  if (block.tagName === "CODE" || block.tagName === "PRE") {
    const rest = tail.textContent;
    const fence = CLOSING_FENCE.exec(rest);
    let inside = tail;
    if (fence) {
      // The block's last lines go in it; from its closing fence on, the tail stays below it.
      inside = document.createTextNode(rest.slice(0, fence.index));
      added.push(inside);
      tail.textContent = rest.slice(fence.index + fence[0].length).replace(/^\n/, "");
    }
    block.append(inside);
    if (!renderedText.endsWith("\n")) {
      // The highlighter ends every code line with a newline, the line still being written
      // too: the text goes on on that line, so the newline is not there yet.
      const last = lastTextBefore(block, inside);
      if (last?.data.endsWith("\n")) {
        last.data = last.data.slice(0, -1);
        trimmed = last;
      }
    }
  } else {
    // Markdown drops the space that ends a paragraph: it goes back between the two, or the
    // rendered text's last word and the tail's first (now or once it comes) would read as one.
    if (/\s$/.test(renderedText)) {
      const space = document.createTextNode(" ");
      block.append(space);
      added.push(space);
    }
    block.append(tail);
  }
  return () => {
    if (trimmed) trimmed.data += "\n";
    for (const node of added) node.remove();
    tail.remove();
  };
}

function lastTextBlock(root) {
  let block = root;
  for (;;) {
    let next = block.lastElementChild;
    // A code block the page has given its Copy button (`decorateCode`) continues in its pre.
    if (next?.classList.contains("code-block")) next = next.querySelector("pre");
    if (!next || !CONTINUED_BLOCKS.has(next.tagName)) return block;
    block = next;
  }
}

function lastTextBefore(block, tail) {
  const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
  let last = null;
  while (walker.nextNode()) {
    if (!tail.contains(walker.currentNode) && walker.currentNode.data) last = walker.currentNode;
  }
  return last;
}
