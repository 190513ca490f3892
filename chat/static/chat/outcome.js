// How a reply's final frame (`done` or `error`) leaves its turn: a status the page styles and a
// sentence for the reader. The server writes the sentence (`note`), for final frames and saved
// turns alike.

export function outcomeOf(frame) {
  return { status: statusOf(frame), note: noteFor(frame) };
}

function statusOf(frame) {
  if (frame.type === "error") return "failed";
  return frame.finish_reason === "stopped" ? "stopped" : "done";
}

function noteFor(frame) {
  // A reply the server no longer knows has no final frame, only a refusal of the resume.
  if (frame.type === "error" && frame.code === "not_found") {
    return "This reply can no longer be followed.";
  }
  return frame.note ?? "";
}
