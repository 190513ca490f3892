// What the user does: ask (Send, or Enter in the box), stop (the button, or Escape), regenerate,
// edit the last question, and the copy buttons.
import { copyText } from "./clipboard.js";
import { RENDER } from "./rendered.js";

export function installActions({
  form, question, stopButton, regenerateButton, log, pickers, // what the user works
  connection, replies, turns, conversation, controls, autoscroll, editing, maxQuestionChars,
}) {
  // `replaces`: the turn this question takes the place of (Regenerate, or an edited question).
  // Returns whether the question was sent.
  function ask({ text, replaces = null }) {
    if (!text.trim()) return false;
    const length = [...text].length; // in characters, as the server counts them
    if (length > maxQuestionChars) {
      controls.showError(
        `Your question is ${length.toLocaleString("en")} characters long; the limit is `
        + `${maxQuestionChars.toLocaleString("en")}. It stays in the box to shorten.`,
      );
      return false;
    }
    if (replies.busy) {
      controls.showError("An answer is still being written: stop it or wait for it.");
      return false;
    }
    if (!connection.open) {
      controls.showError("Not connected: your question stays in the box until you send it again.");
      return false;
    }
    controls.showError("");
    const frame = { type: "ask", question: text, reply: newReplyId(), render: RENDER };
    if (conversation.id) frame.conversation = conversation.id;
    if (pickers.model?.value) frame.model = pickers.model.value;
    if (pickers.provider?.value) frame.provider = pickers.provider.value;
    if (replaces) {
      // Named, so that the server can refuse it if another tab has asked since this one looked.
      frame.regenerate = replaces.dataset.reply;
      replaces.dataset.replacing = "true";
    }
    autoscroll.follow = true;
    replies.asked(turns.add(text), frame, replaces);
    connection.send(frame);
    controls.update();
    return true;
  }

  function askFromBox() {
    const replaces = editing.active ? editing.turn : null;
    if (ask({ text: question.value, replaces })) {
      question.value = "";
      editing.end();
    }
  }

  function stop() {
    const reply = replies.current;
    if (reply && !connection.send({ type: "stop", reply: reply.id })) {
      controls.showError(
        "Not connected: the answer cannot be stopped until the connection is back.",
      );
    }
  }

  function editLast() {
    const last = turns.last();
    if (last && !last.querySelector(".edit-question").hidden) editing.start(last);
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    askFromBox();
  });
  question.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      askFromBox();
    } else if (event.key === "ArrowUp" && !question.value && !event.isComposing) {
      event.preventDefault(); // an empty box: Up brings the last question back to edit
      editLast();
    }
  });
  // Escape that nothing else took (the sidebar closes first): stop the answer being written,
  // or else give up an edit.
  window.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || event.defaultPrevented) return;
    if (replies.current) {
      stop();
    } else if (editing.active) {
      editing.cancel();
    }
  });
  stopButton.addEventListener("click", stop);
  regenerateButton.addEventListener("click", () => {
    const last = turns.last();
    if (last && ask({ text: last.querySelector(".question").textContent, replaces: last })) {
      editing.cancel();
    }
  });
  log.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (button?.classList.contains("copy-code")) {
      copyText(button, button.closest(".code-block").querySelector("pre").textContent);
    } else if (button?.classList.contains("copy-answer")) {
      const turn = button.closest(".turn");
      const reply = replies.get(turn.dataset.reply);
      copyText(button, reply ? reply.text : turn.querySelector(".answer").dataset.raw);
    } else if (button?.classList.contains("edit-question")) {
      editLast();
    }
  });
}

function newReplyId() {
  // getRandomValues, unlike randomUUID, works on a plain-http page served to the LAN too.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
