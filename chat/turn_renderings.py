"""A turn's final rendering: made once when its reply ends, stored with it, and shown from there.

Page loads and resumes from the database send what is stored and render nothing; a turn saved
before renderings were stored gets its rendering the first time it is shown.
"""

from __future__ import annotations

import logging

from chat.conversations import stored
from chat.models import Turn
from chat.rendering import render_markdown
from chat.rendering.fair_queue import Shares
from chat.rendering.live import rendering_of

logger = logging.getLogger(__name__)


async def final_rendering(reply_id: str, text: str, shares: Shares = ()) -> str | None:
    """The whole answer's rendering, made once for the reply (its followers' last `html` frame
    is the same), in its turn as `shares`'s; None if it could not be made, to be made when the
    turn is first shown."""
    try:
        live = rendering_of(reply_id, shares)
        blocks = await live.final(len(text), lambda begins: text[begins:])
    except Exception:
        logger.exception("the answer of reply %s could not be rendered", reply_id)
        return None
    return "".join(blocks)


async def saved_rendering(turn: Turn) -> str:
    """The stored rendering of an ended turn's answer (read now if the turn was loaded without
    it, and then not kept on the turn: see `conversations.stored`)."""
    rendered: str | None = await stored(turn, "rendered")
    if rendered is None:
        rendered = await final_rendering(turn.reply_id, await stored(turn, "answer")) or ""
        await Turn.objects.filter(pk=turn.pk).aupdate(rendered=rendered)
        if "rendered" not in turn.get_deferred_fields():
            turn.rendered = rendered
    return rendered


def shown_rendering(turn: Turn) -> str:
    """What a page shows of a turn's answer as HTML: nothing while it streams (its text so far
    is shown as text), else the stored rendering."""
    if turn.status == Turn.Status.STREAMING:
        return ""
    if turn.rendered is None:
        # Once, in the view's thread: the event loop does not wait on it.
        turn.rendered = render_markdown(turn.answer)
        Turn.objects.filter(pk=turn.pk).update(rendered=turn.rendered)
    return turn.rendered
