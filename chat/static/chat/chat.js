// The chat page: what the user does becomes /ws/chat/ frames, and the frames become the page.
import { Connection } from "./connection.js";
import { copyText } from "./clipboard.js";
import { Conversation, installSidebar } from "./conversation_nav.js";
import { Replies } from "./replies.js";
import { LiveRefresh } from "./live_refresh.js";
import { Autoscroll } from "./autoscroll.js";
import { Turns } from "./turns.js";
import { frameHandlers } from "./frames.js";
import { Controls } from "./controls.js";

const byId = (id) => document.getElementById(id);
const chat = byId("chat");
const log = byId("log");
const question = byId("question");
const stopButton = byId("stop");
const regenerateButton = byId("regenerate");

const conversation = new Conversation(chat);
const autoscroll = new Autoscroll(log);
const turns = new Turns({
  log,
  emptyNote: byId("empty"),
  template: byId("turn-template"),
  autoscroll,
});
const resumeId = chat.dataset.resumeReply;
const replies = new Replies({
  turns,
  openedMidAnswer: resumeId ? turns.withReply(resumeId) : null,
});
const liveRefresh = new LiveRefresh({ replies, autoscroll });

const scheme = location.protocol === "https:" ? "wss" : "ws";
const connection = new Connection({
  url: `${scheme}://${location.host}/ws/chat/`,
  onOpen: () => {
    const resume = replies.resumeFrame();
    if (resume) connection.send(resume);
  },
  onFrame: (frame) => handlers[frame.type]?.(frame),
  onClose: () => {
    replies.connectionLost();
    controls.update();
  },
  onState: (state, text) => {
    const status = byId("status");
    status.dataset.state = state;
    status.textContent = text;
    controls.update();
  },
});

const controls = new Controls({
  chat,
  question,
  stopButton,
  regenerateButton,
  errorBox: byId("error"),
  replies,
  turns,
  conversation,
  connection,
});

const handlers = frameHandlers({
  replies,
  conversation,
  controls,
  liveRefresh,
  autoscroll,
  announce: byId("announce"),
});

// -- what the user does ----------------------------------------------------------------------

function ask({ text, regenerate = false }) {
  if (!text.trim()) return;
  if (replies.busy) {
    controls.showError("An answer is still being written: stop it or wait for it.");
    return;
  }
  if (!connection.open) {
    controls.showError("Not connected: your question stays in the box until you send it again.");
    return;
  }
  controls.showError("");
  const frame = { type: "ask", question: text, reply: newReplyId() };
  if (conversation.id) frame.conversation = conversation.id;
  if (byId("model")?.value) frame.model = byId("model").value;
  if (byId("provider")?.value) frame.provider = byId("provider").value;
  let replaces = null;
  if (regenerate) {
    frame.regenerate = true;
    replaces = turns.last();
    replaces.dataset.replacing = "true";
  }
  autoscroll.follow = true;
  replies.asked(turns.add(text), frame, replaces);
  connection.send(frame);
  if (!regenerate) question.value = "";
  controls.update();
}

function newReplyId() {
  // getRandomValues, unlike randomUUID, works on a plain-http page served to the LAN too.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

byId("ask").addEventListener("submit", (event) => {
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
  const reply = replies.current;
  if (reply && !connection.send({ type: "stop", reply: reply.id })) {
    controls.showError("Not connected: the answer cannot be stopped until the connection is back.");
  }
});
regenerateButton.addEventListener("click", () => {
  const last = turns.last();
  if (last) ask({ text: last.querySelector(".question").textContent, regenerate: true });
});
log.addEventListener("click", (event) => {
  const button = event.target.closest("button");
  if (button?.classList.contains("copy-code")) {
    copyText(button, button.closest(".code-block").querySelector("pre").textContent);
  } else if (button?.classList.contains("copy-answer")) {
    const turn = button.closest(".turn");
    const reply = replies.get(turn.dataset.reply);
    copyText(button, reply ? reply.text : turn.querySelector(".answer").dataset.raw);
  }
});
installSidebar(byId("menu"));
window.addEventListener("online", () => connection.reconnectNow());
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") connection.reconnectNow();
});

turns.showSaved();
autoscroll.scrollIfFollowing();
connection.connect();
controls.update();
