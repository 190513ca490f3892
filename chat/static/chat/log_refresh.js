// The conversation as the server has it, for a page that fell behind another tab's: the
// conversation's own page is fetched and its turns take the place of the ones shown. A turn
// still being written there is followed from its start.

export async function refreshLog({ conversation, turns, replies, connection }) {
  if (!conversation.id) return;
  let response;
  try {
    response = await fetch(`/c/${conversation.id}/`, { headers: { Accept: "text/html" } });
  } catch {
    return; // offline: the page stays as it is, and the next ask meets the same refusal
  }
  if (!response.ok) return;
  // A parsed document runs no script; the turns' answers were sanitised on the server.
  const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
  turns.replaceAll([...fresh.querySelectorAll("#log .turn")]);
  const streaming = fresh.getElementById("chat")?.dataset.resumeReply;
  const turn = streaming ? turns.withReply(streaming) : null;
  if (turn && !replies.busy) {
    replies.follow(turn);
    const resume = replies.resumeFrame();
    if (resume) connection.send(resume);
  }
}
