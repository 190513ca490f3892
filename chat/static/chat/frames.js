// What each frame from the server does to the page (docs/protocol.md, "Server to client").
import { outcomeOf } from "./outcome.js";
import { showStats } from "./reply.js";
import { setOutcome } from "./turns.js";

export function frameHandlers({
  replies, conversation, controls, liveRefresh, autoscroll, announce,
}) {
  function finish(reply, frame) {
    const { status, note } = outcomeOf(frame);
    if (typeof frame.text === "string" && frame.text !== reply.text) reply.replaceText(frame.text);
    reply.answer.dataset.raw = reply.text;
    setOutcome(reply.turn, status, note);
    // Screen readers hear that the answer ended, not every piece of it as it streams.
    announce.textContent = note || "The answer is complete.";
    replies.finished(reply);
    controls.update();
    autoscroll.scrollIfFollowing();
  }

  return {
    start(frame) {
      const reply = replies.started(frame);
      reply.model = frame.model;
      reply.provider = frame.provider;
      setOutcome(reply.turn, "streaming", "");
      showStats(reply.stats, { model: frame.model, provider: frame.provider });
      if (frame.conversation) {
        conversation.show(frame.conversation, frame.title);
      }
      controls.update();
    },

    delta(frame) {
      const reply = replies.get(frame.reply);
      if (!reply) return;
      reply.addDelta(frame.seq, frame.content);
      liveRefresh.queue(reply);
    },

    html(frame) {
      const reply = replies.get(frame.reply);
      if (!reply) return;
      reply.showHtml(frame.upto, frame.html);
      autoscroll.scrollIfFollowing();
    },

    done(frame) {
      const reply = replies.get(frame.reply);
      if (!reply) return;
      finish(reply, frame);
      const live = reply.liveStats();
      showStats(reply.stats, {
        provider: frame.provider ?? reply.provider,
        model: frame.model ?? reply.model,
        first_token_ms: live.first_token_ms,
        total_ms: performance.now() - reply.startedAt,
        ...(frame.stats ?? {}),
        chunks_per_second: frame.stats?.chunks_per_second ?? live.chunks_per_second,
        usage: frame.usage,
      });
    },

    error(frame) {
      const reply = frame.reply ? replies.get(frame.reply) : null;
      if (reply) {
        finish(reply, frame);
        return;
      }
      const refused = replies.refused(frame);
      if (refused) {
        controls.notSent(refused);
      } else {
        controls.showError(frame.message);
      }
    },
  };
}
