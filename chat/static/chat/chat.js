// Renders what /ws/chat/ delivers; model output is only ever inserted as text.
"use strict";

(() => {
  const log = document.getElementById("log");
  const form = document.getElementById("ask");
  const question = document.getElementById("question");
  const stopButton = document.getElementById("stop");
  const status = document.getElementById("status");
  const errorBox = document.getElementById("error");
  const answers = new Map();
  let socket = null;
  let streaming = false;

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${location.host}/ws/chat/`);
    socket.addEventListener("open", () => { status.textContent = "connected"; });
    socket.addEventListener("close", () => {
      status.textContent = "disconnected";
      setStreaming(false);
    });
    socket.addEventListener("message", (event) => handle(JSON.parse(event.data)));
  }

  function setStreaming(value) {
    streaming = value;
    stopButton.disabled = !value;
  }

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = !message;
  }

  function addTurn(text) {
    const turn = document.createElement("article");
    turn.className = "turn";
    const asked = document.createElement("p");
    asked.className = "question";
    asked.textContent = text;
    const answer = document.createElement("div");
    answer.className = "answer";
    turn.append(asked, answer);
    log.append(turn);
    return answer;
  }

  let pending = null;
  function handle(frame) {
    if (frame.type === "start") {
      answers.set(frame.reply, pending);
      pending.dataset.reply = frame.reply;
    } else if (frame.type === "delta") {
      answers.get(frame.reply)?.append(document.createTextNode(frame.content));
    } else if (frame.type === "done") {
      const answer = answers.get(frame.reply);
      if (answer && frame.finish_reason === "stopped") answer.classList.add("stopped");
      setStreaming(false);
    } else if (frame.type === "error") {
      const answer = frame.reply ? answers.get(frame.reply) : null;
      if (answer) { answer.classList.add("failed"); setStreaming(false); }
      else if (pending && !pending.dataset.reply) { pending.closest(".turn").remove(); setStreaming(false); }
      showError(frame.message);
    }
  }

  function send() {
    const text = question.value;
    if (!text.trim() || streaming || socket.readyState !== WebSocket.OPEN) return;
    showError("");
    pending = addTurn(text);
    socket.send(JSON.stringify({ type: "ask", question: text }));
    question.value = "";
    setStreaming(true);
  }

  form.addEventListener("submit", (event) => { event.preventDefault(); send(); });
  question.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); send(); }
  });
  stopButton.addEventListener("click", () => socket.send(JSON.stringify({ type: "stop" })));
  connect();
})();
