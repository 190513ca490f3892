// What the user does: ask (Send, or Enter in the box), stop, regenerate, and the copy buttons.
import { copyText } from "./clipboard.js";

export function installActions({
  form, question, stopButton, regenerateButton, log, pickers, // what the user works
  connection, replies, turns, conversation, controls, autoscroll, // what the actions use
}) {
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
    if (pickers.model?.value) frame.model = pickers.model.value;
    if (pickers.provider?.value) frame.provider = pickers.provider.value;
    let replaces = null;
    if (regenerate) {
      // Named, so that the server can refuse it if another tab has asked since this one looked.
      replaces = turns.last();
      frame.regenerate = replaces.dataset.reply;
      replaces.dataset.replacing = "true";
    }
    autoscroll.follow = true;
    replies.asked(turns.add(text), frame, replaces);
    connection.send(frame);
    if (!regenerate) question.value = "";
    controls.update();
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
    const reply = replies.current;
    if (reply && !connection.send({ type: "stop", reply: reply.id })) {
      controls.showError(
        "Not connected: the answer cannot be stopped until the connection is back.",
      );
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
}

function newReplyId() {
  // getRandomValues, unlike randomUUID, works on a plain-http page served to the LAN too.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
