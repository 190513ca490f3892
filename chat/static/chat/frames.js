// What each frame from the server does to the page (docs/protocol.md, "Server to client").
import { outcomeOf } from "./outcome.js";
import { showStats } from "./stats.js";
import { setOutcome } from "./turns.js";

export function frameHandlers({
  replies, turns, conversation, controls, liveRefresh, autoscroll, announce, onConflict,
}) {
  function finish(reply, frame) {
    const { status, note } = outcomeOf(frame);
    reply.ended(frame);
    setOutcome(reply.turn, status, note);
    // Failed answers too keep who was asked and what is known of them.
    const live = reply.liveStats();
    showStats(reply.stats, {
      provider: frame.provider ?? reply.provider,
      model: frame.model ?? reply.model,
      first_token_ms: live.first_token_ms,
      ...(frame.stats ?? {}),
      chunks_per_second: frame.stats?.chunks_per_second ?? live.chunks_per_second,
      usage: frame.usage,
      usage_reported: frame.usage_reported,
    });
    // Screen readers hear that the answer ended, not every piece of it as it streams.
    announce.textContent = note || "The answer is complete.";
    replies.finished(reply);
    controls.update();
    autoscroll.scrollIfFollowing();
  }

  function piece(frame, reasoning) {
    const reply = replies.get(frame.reply);
    if (!reply) return;
    reply.addPiece(frame.seq, frame.content, { reasoning });
    liveRefresh.queue(reply);
  }

  const handlers = {
    start(frame) {
      const reply = replies.started(frame);
      reply.model = frame.model;
      reply.provider = frame.provider;
      setOutcome(reply.turn, "streaming", "");
      showStats(reply.stats, { model: frame.model, provider: frame.provider, ...reply.liveStats() });
      if (frame.conversation) {
        conversation.show(frame.conversation, frame.title);
      }
      turns.markLeftOut(frame.left_out, reply.turn);
      liveRefresh.watch();
      controls.update();
    },

    reasoning: (frame) => piece(frame, true),
    delta: (frame) => piece(frame, false),

    html(frame) {
      const reply = replies.get(frame.reply);
      if (!reply) return;
      reply.showHtml(frame);
      autoscroll.scrollIfFollowing();
    },

    done(frame) {
      const reply = replies.get(frame.reply);
      if (reply) finish(reply, frame);
    },

    error(frame) {
      const reply = frame.reply ? replies.get(frame.reply) : null;
      if (reply) {
        finish(reply, frame);
      } else if (replies.refuses(frame)) {
        const refused = replies.refused(frame);
        controls.notSent(refused);
        // Another tab asked since this page looked: show what the conversation is now.
        if (frame.code === "conflict") onConflict();
      } else if (frame.code === "conflict") {
        // The page is behind its conversation (another tab regenerated a turn it shows).
        onConflict();
      } else if (frame.reply == null) {
        controls.showError(frame.message);
      }
    },
  };

  return (frame) => handlers[frame.type]?.(frame);
}
