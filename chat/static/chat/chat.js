// The chat page: speaks /ws/chat/ and shows each answer as it is written.
// Model output reaches the DOM only as text nodes or as the server's sanitised `html` frames.
"use strict";

(() => {
  const byId = (id) => document.getElementById(id);
  const chat = byId("chat");
  const log = byId("log");
  const form = byId("ask");
  const question = byId("question");
  const stopButton = byId("stop");
  const regenerateButton = byId("regenerate");
  const statusBox = byId("status");
  const errorBox = byId("error");
  const modelSelect = byId("model");
  const providerSelect = byId("provider");
  const exportLink = byId("export");
  const title = byId("title");
  const conversationList = byId("conversations");
  const menu = byId("menu");
  const sidebar = byId("sidebar");
  const emptyNote = byId("empty");
  const turnTemplate = byId("turn-template");

  const TITLE_CHARS = 60;
  const replies = new Map(); // reply id -> Reply
  let conversation = chat.dataset.conversation || null;
  let socket = null;
  let attempts = 0;
  let reconnectTimer = null;
  let pending = null; // an ask sent but not yet started: {turn, frame, replaces}
  let current = null; // the Reply streaming now
  let follow = true; // keep the newest text in view unless the user scrolled up

  // -- a reply and its turn ------------------------------------------------------------------

  class Reply {
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
      this.startedAt = performance.now();
      this.firstAt = null;
      this.chunks = 0;
      turn.dataset.reply = id;
      replies.set(id, this);
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
      this.tail.textContent = "";
    }

    addDelta(seq, content) {
      if (seq <= this.lastSeq) return; // already shown (a resume may overlap)
      this.deltas[seq] = content;
      this.lastSeq = seq;
      this.chunks += 1;
      if (this.firstAt === null) this.firstAt = performance.now();
      if (seq > this.upto) this.tail.appendChild(document.createTextNode(content));
    }

    showHtml(upto, html) {
      if (upto < this.upto) return;
      this.upto = upto;
      // Sanitised by the server (markdown-it + nh3); everything newer stays plain text.
      this.rendered.innerHTML = html;
      decorateCode(this.rendered);
      this.tail.textContent = this.deltas.slice(upto + 1).join("");
    }

    liveStats() {
      const now = performance.now();
      const streamingFor = this.firstAt === null ? 0 : (now - this.firstAt) / 1000;
      return {
        first_token_ms: this.firstAt === null ? null : this.firstAt - this.startedAt,
        chunks_per_second: streamingFor > 0 ? this.chunks / streamingFor : null,
      };
    }
  }

  function newTurn(text) {
    const turn = turnTemplate.content.firstElementChild.cloneNode(true);
    turn.querySelector(".question").textContent = text;
    setOutcome(turn, "streaming", "");
    log.insertBefore(turn, emptyNote);
    emptyNote.hidden = true;
    scrollIfFollowing();
    return turn;
  }

  function setOutcome(turn, status, note) {
    turn.dataset.status = status;
    turn.querySelector(".answer").setAttribute("aria-busy", String(status === "streaming"));
    turn.querySelector(".outcome").textContent = note;
  }

  function showStats(element, facts) {
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

  function decorateCode(root) {
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

  // -- frames from the server ----------------------------------------------------------------

  const handlers = {
    start(frame) {
      let reply = replies.get(frame.reply);
      if (reply) {
        if (reply.resumeFrom === -1) reply.restart();
      } else if (pending) {
        reply = new Reply(frame.reply, pending.turn);
        pending.replaces?.remove();
        pending = null;
      } else {
        // Another tab asked: follow its reply here too.
        reply = new Reply(frame.reply, newTurn(frame.question ?? ""));
      }
      reply.model = frame.model;
      reply.provider = frame.provider;
      setOutcome(reply.turn, "streaming", "");
      showStats(reply.stats, { model: frame.model, provider: frame.provider });
      current = reply;
      if (frame.conversation) adoptConversation(frame.conversation, frame.question);
      updateControls();
    },

    delta(frame) {
      const reply = replies.get(frame.reply);
      if (!reply) return;
      reply.addDelta(frame.seq, frame.content);
      scheduleRefresh(reply);
    },

    html(frame) {
      const reply = replies.get(frame.reply);
      if (!reply) return;
      reply.showHtml(frame.upto, frame.html);
      scrollIfFollowing();
    },

    done(frame) {
      const reply = replies.get(frame.reply);
      if (!reply) return;
      const notes = {
        stopped: ["stopped", "Stopped: the answer so far is kept."],
        length: ["done", "Ended at the length limit."],
      };
      const [status, note] = notes[frame.finish_reason] ?? ["done", ""];
      finish(reply, status, note);
      const live = reply.liveStats();
      showStats(reply.stats, {
        provider: frame.provider ?? reply.provider,
        model: frame.model ?? reply.model,
        first_token_ms: live.first_token_ms,
        total_ms: performance.now() - reply.startedAt,
        ...(frame.stats ?? {}),
        chunks_per_second: frame.stats?.chunks_per_second ?? live.chunks_per_second,
        usage: frame.usage ?? frame.stats?.usage,
      });
    },

    error(frame) {
      const reply = frame.reply ? replies.get(frame.reply) : null;
      if (reply) {
        const note = frame.code === "not_found"
          ? "This reply can no longer be followed."
          : `Cut off: ${frame.message}`;
        finish(reply, "failed", note);
      } else if (pending) {
        notSent(pending, frame.message);
      } else {
        showError(frame.message);
      }
    },
  };

  function finish(reply, status, note) {
    reply.answer.dataset.raw = reply.text;
    setOutcome(reply.turn, status, note);
    if (current === reply) current = null;
    updateControls();
    scrollIfFollowing();
  }

  function notSent(ask, reason) {
    if (ask.replaces) {
      ask.turn.remove();
      delete ask.replaces.dataset.replacing;
    } else {
      setOutcome(ask.turn, "unsent", `Not sent: ${reason}`);
      if (!question.value.trim()) question.value = ask.frame.question;
    }
    if (pending === ask) pending = null;
    showError(`Your question was not sent: ${reason}`);
    updateControls();
  }

  let refreshQueued = new Set();
  function scheduleRefresh(reply) {
    // Stats and scrolling follow the text once a frame, however fast deltas come.
    if (refreshQueued.size === 0) {
      requestAnimationFrame(() => {
        for (const queued of refreshQueued) {
          if (queued === current) showStats(queued.stats, { model: queued.model, provider: queued.provider, ...queued.liveStats() });
        }
        refreshQueued = new Set();
        scrollIfFollowing();
      });
    }
    refreshQueued.add(reply);
  }

  function adoptConversation(id, firstQuestion) {
    const url = `/c/${id}/`;
    if (conversation !== id) {
      conversation = id;
      chat.dataset.conversation = id;
      history.replaceState(null, "", url);
      title.textContent = titleFrom(firstQuestion ?? "");
      document.title = `${title.textContent} · streamdemo`;
      exportLink.href = `${url}export.md`;
      exportLink.hidden = false;
    }
    let link = conversationList.querySelector(`a[href="${url}"]`);
    if (!link) {
      link = document.createElement("a");
      link.href = url;
      link.textContent = title.textContent;
      const item = document.createElement("li");
      item.append(link);
      conversationList.prepend(item);
    }
    for (const other of conversationList.querySelectorAll("a[aria-current]")) other.removeAttribute("aria-current");
    link.setAttribute("aria-current", "page");
    conversationList.prepend(link.parentElement); // the most recently active comes first
  }

  function titleFrom(text) {
    const line = text.split(/\s+/).filter(Boolean).join(" ");
    return line.length <= TITLE_CHARS ? line : `${line.slice(0, TITLE_CHARS - 1).trimEnd()}…`;
  }

  // -- the socket ----------------------------------------------------------------------------

  function connect() {
    clearTimeout(reconnectTimer);
    reconnectTimer = null;
    setStatus("connecting", "connecting…");
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}/ws/chat/`);
    socket = ws;
    ws.addEventListener("open", () => {
      attempts = 0;
      setStatus("connected", "connected");
      resumeAfterConnect();
      updateControls();
    });
    ws.addEventListener("message", (event) => {
      let frame;
      try { frame = JSON.parse(event.data); } catch { return; }
      handlers[frame.type]?.(frame);
    });
    ws.addEventListener("close", () => {
      if (socket !== ws) return;
      socket = null;
      if (pending) notSent(pending, "the connection dropped before the answer began.");
      scheduleReconnect();
      updateControls();
    });
  }

  function resumeAfterConnect() {
    let reply = current;
    if (!reply && chat.dataset.resumeReply) {
      // This page was opened while the last answer was still being written: follow it.
      const turn = log.querySelector(`.turn[data-reply="${CSS.escape(chat.dataset.resumeReply)}"]`);
      chat.dataset.resumeReply = "";
      if (turn) reply = current = new Reply(turn.dataset.reply, turn);
    }
    if (!reply) return;
    reply.resumeFrom = reply.lastSeq;
    send({ type: "resume", reply: reply.id, after: reply.lastSeq });
  }

  function scheduleReconnect() {
    const delay = Math.min(15000, 500 * 2 ** attempts) * (0.75 + Math.random() / 2);
    attempts += 1;
    setStatus("offline", `offline, reconnecting in ${Math.ceil(delay / 1000)} s…`);
    reconnectTimer = setTimeout(connect, delay);
  }

  function reconnectNow() {
    if (!socket && reconnectTimer !== null) connect();
  }

  function setStatus(state, text) {
    statusBox.dataset.state = state;
    statusBox.textContent = text;
  }

  function send(frame) {
    if (!socket || socket.readyState !== WebSocket.OPEN) return false;
    socket.send(JSON.stringify(frame));
    return true;
  }

  // -- what the user does --------------------------------------------------------------------

  function ask({ text, regenerate = false }) {
    if (!text.trim()) return;
    if (current || pending) {
      showError("An answer is still being written: stop it or wait for it.");
      return;
    }
    if (!socket || socket.readyState !== WebSocket.OPEN) {
      showError("Not connected: your question stays in the box until you send it again.");
      return;
    }
    showError("");
    const frame = { type: "ask", question: text };
    if (conversation) frame.conversation = conversation;
    if (modelSelect?.value) frame.model = modelSelect.value;
    if (providerSelect?.value) frame.provider = providerSelect.value;
    let replaces = null;
    if (regenerate) {
      frame.regenerate = true;
      replaces = lastTurn();
      replaces.dataset.replacing = "true";
    }
    follow = true;
    pending = { turn: newTurn(text), frame, replaces };
    send(frame);
    if (!regenerate) question.value = "";
    updateControls();
  }

  function lastTurn() {
    const turns = log.querySelectorAll(".turn");
    return turns[turns.length - 1] ?? null;
  }

  function updateControls() {
    const busy = Boolean(current || pending);
    const online = Boolean(socket && socket.readyState === WebSocket.OPEN);
    stopButton.disabled = !current;
    const last = lastTurn();
    regenerateButton.disabled = busy || !online || !conversation || !last || last.dataset.status === "unsent";
    chat.classList.toggle("busy", busy);
  }

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = !message;
  }

  function scrollIfFollowing() {
    if (follow) log.scrollTop = log.scrollHeight;
  }

  function copy(button, text) {
    navigator.clipboard.writeText(text).then(
      () => flash(button, "Copied"),
      () => flash(button, "Copy failed"),
    );
  }

  function flash(button, label) {
    const original = button.dataset.label ?? button.textContent;
    button.dataset.label = original;
    button.textContent = label;
    setTimeout(() => { button.textContent = original; }, 1500);
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    ask({ text: question.value });
  });
  question.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      ask({ text: question.value });
    }
  });
  stopButton.addEventListener("click", () => {
    if (current && !send({ type: "stop", reply: current.id })) showError("Not connected: cannot stop yet.");
  });
  regenerateButton.addEventListener("click", () => {
    const last = lastTurn();
    if (last) ask({ text: last.querySelector(".question").textContent, regenerate: true });
  });
  log.addEventListener("scroll", () => {
    follow = log.scrollHeight - log.scrollTop - log.clientHeight < 48;
  });
  log.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    if (button.classList.contains("copy-code")) {
      copy(button, button.closest(".code-block").querySelector("pre").textContent);
    } else if (button.classList.contains("copy-answer")) {
      const turn = button.closest(".turn");
      const reply = replies.get(turn.dataset.reply);
      copy(button, reply ? reply.text : turn.querySelector(".answer").dataset.raw);
    }
  });
  menu.addEventListener("click", () => {
    const open = sidebar.classList.toggle("open");
    menu.setAttribute("aria-expanded", String(open));
  });
  window.addEventListener("online", reconnectNow);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") reconnectNow();
  });

  for (const stats of log.querySelectorAll(".stats")) {
    let facts = {};
    try { facts = JSON.parse(stats.dataset.stats || "{}"); } catch { /* shown without numbers */ }
    showStats(stats, facts);
  }
  decorateCode(log);
  scrollIfFollowing();
  connect();
  updateControls();
})();
