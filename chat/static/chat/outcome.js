// How a reply's final frame (`done` or `error`) leaves its turn: a status the page styles and a
// sentence for the reader. templates/chat/turn.html writes the stopped and cut-off sentences
// for saved turns too: the two must agree until final frames carry their own.

const DONE_NOTES = {
  stopped: "Stopped: the answer so far is kept.",
  length: "Ended at the length limit.",
};

export function outcomeOf(frame) {
  return { status: statusOf(frame), note: noteFor(frame) };
}

function statusOf(frame) {
  if (frame.type === "error") return "failed";
  return frame.finish_reason === "stopped" ? "stopped" : "done";
}

function noteFor(frame) {
  if (frame.type === "error") {
    return frame.code === "not_found"
      ? "This reply can no longer be followed."
      : `Cut off: ${frame.message}`;
  }
  return DONE_NOTES[frame.finish_reason] ?? "";
}
