// The chat page: builds the parts below and connects them. The user's actions become /ws/chat/
// frames (actions.js), and the server's frames become the page (frames.js).
import { installActions } from "./actions.js";
import { Autoscroll } from "./autoscroll.js";
import { Connection } from "./connection.js";
import { Controls } from "./controls.js";
import { Conversation, installSidebar } from "./conversation_nav.js";
import { Editing } from "./editing.js";
import { frameHandlers } from "./frames.js";
import { LiveRefresh } from "./live_refresh.js";
import { refreshLog } from "./log_refresh.js";
import { Replies } from "./replies.js";
import { Turns } from "./turns.js";

const byId = (id) => document.getElementById(id);
const chat = byId("chat");
const log = byId("log");
const question = byId("question");
const stopButton = byId("stop");
const regenerateButton = byId("regenerate");
const status = byId("status");

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
const editing = new Editing({ question, banner: byId("editing"), cancelButton: byId("cancel-edit") });

// The socket calls back only once connect() runs, below, when all it calls back into exists.
const scheme = location.protocol === "https:" ? "wss" : "ws";
const connection = new Connection({
  url: `${scheme}://${location.host}/ws/chat/`,
  onOpen: () => {
    const opening = replies.openingFrame(conversation.id);
    if (opening) connection.send(opening);
  },
  onFrame: (frame) => onFrame(frame),
  onClose: () => {
    replies.connectionLost();
    controls.update();
  },
  onState: (state, text) => {
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

const onFrame = frameHandlers({
  replies,
  turns,
  conversation,
  controls,
  liveRefresh,
  autoscroll,
  announce: byId("announce"),
  onConflict: () => refreshLog({ conversation, turns, replies, connection }).then(() => controls.update()),
});

// The sidebar hears Escape on the document, before the window's listener that stops an answer,
// and marks the key taken: an Escape that closes the sidebar stops nothing.
installSidebar(byId("menu"));
installActions({
  form: byId("ask"),
  question,
  stopButton,
  regenerateButton,
  log,
  pickers: { model: byId("model"), provider: byId("provider") },
  connection,
  replies,
  turns,
  conversation,
  controls,
  autoscroll,
  editing,
  maxQuestionChars: Number(chat.dataset.maxQuestionChars) || Infinity,
});
window.addEventListener("online", () => connection.reconnectNow());
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") connection.reconnectNow();
});

turns.showSaved();
autoscroll.scrollIfFollowing();
connection.connect();
controls.update();
