// One answer on the page: its deltas by seq, the server's rendered html, and its stats line.
// Model output enters the DOM only as text nodes or as the server's sanitised `html`.

export class Reply {
  constructor(id, turn) {
    this.id = id;
    this.turn = turn;
    this.answer = turn.querySelector(".answer");
    this.rendered = turn.querySelector(".rendered");
    this.tail = turn.querySelector(".tail");
    this.stats = turn.querySelector(".stats");
    this.deltas = [];
    this.lastSeq = -1;
    this.upto = -1; // seq of the last delta inside `rendered`
    this.resumeFrom = null; // the `after` of the resume in flight, if any
    this.startedAt = performance.now();
    this.firstAt = null;
    this.chunks = 0;
    turn.dataset.reply = id;
  }

  get text() {
    return this.deltas.join("");
  }

  restart() {
    // A resume from -1 re-sends every delta: start the answer over.
    this.deltas = [];
    this.lastSeq = -1;
    this.upto = -1;
    this.chunks = 0;
    this.firstAt = null;
    this.rendered.replaceChildren();
    this.answer.append(this.tail);
    this.tail.textContent = "";
  }

  addDelta(seq, content) {
    if (seq <= this.lastSeq) return; // already shown: a resume may overlap
    this.deltas[seq] = content;
    this.lastSeq = seq;
    this.chunks += 1;
    if (this.firstAt === null) this.firstAt = performance.now();
    if (seq > this.upto) this.tail.appendChild(document.createTextNode(content));
  }

  showHtml(upto, html) {
    if (upto < this.upto) return;
    this.upto = upto;
    this.tail.remove();
    // Sanitised on the server (markdown-it, then nh3); newer deltas stay plain text after it.
    this.rendered.innerHTML = html;
    // The newer text continues the last paragraph, item or code block instead of starting a
    // line of its own, so the answer does not jump when the next html frame takes it in.
    lastTextBlock(this.rendered).append(this.tail);
    decorateCode(this.rendered);
    this.tail.textContent = this.deltas.slice(upto + 1).join("");
  }

  replaceText(text) {
    // The server's saved text wins over what this page pieced together (a resume from the
    // database sends it whole, without seqs).
    this.deltas = [text];
    this.lastSeq = 0;
    this.upto = -1;
    this.rendered.replaceChildren();
    this.answer.append(this.tail);
    this.tail.textContent = text;
  }

  liveStats() {
    const streamingFor = this.firstAt === null ? 0 : (performance.now() - this.firstAt) / 1000;
    return {
      first_token_ms: this.firstAt === null ? null : this.firstAt - this.startedAt,
      chunks_per_second: streamingFor > 0 ? this.chunks / streamingFor : null,
    };
  }
}

const CONTINUED_BLOCKS = new Set(["P", "UL", "OL", "LI", "BLOCKQUOTE", "PRE", "CODE", "H1", "H2", "H3", "H4", "H5", "H6"]);

function lastTextBlock(root) {
  let block = root;
  while (block.lastElementChild && CONTINUED_BLOCKS.has(block.lastElementChild.tagName)) {
    block = block.lastElementChild;
  }
  return block;
}

export function showStats(element, facts) {
  const parts = [];
  const provider = facts.provider ?? element.dataset.provider;
  const model = facts.model ?? element.dataset.model;
  if (provider) parts.push(provider);
  if (model) parts.push(model);
  if (facts.first_token_ms != null) parts.push(`first token ${formatMs(facts.first_token_ms)}`);
  if (facts.chunks_per_second != null) parts.push(`${facts.chunks_per_second.toFixed(1)} chunks/s`);
  if (facts.total_ms != null) parts.push(`total ${formatMs(facts.total_ms)}`);
  const usage = formatUsage(facts.usage);
  if (usage) parts.push(usage);
  element.textContent = parts.join(" · ");
}

function formatMs(ms) {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function formatUsage(usage) {
  if (!usage || typeof usage !== "object") return "";
  const { prompt_tokens: asked, completion_tokens: answered, total_tokens: total } = usage;
  if (Number.isFinite(asked) && Number.isFinite(answered)) {
    return `${asked} in + ${answered} out tokens`;
  }
  return Number.isFinite(total) ? `${total} tokens` : "";
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
