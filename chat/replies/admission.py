"""Whether a question may start a reply now, and the claims that let it.

A reply starts only within the process's limit (`STREAMDEMO_MAX_REPLIES`), within its
session's (`STREAMDEMO_SESSION_REPLIES` running at once) and its address's (that many times
`STREAMDEMO_PER_ADDRESS`), under an id nobody uses, and when its conversation is not still
answering another question. Every refusal is a `Refusal`; a reply that will not start after
all gives its claims back.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError

from chat import conversations
from chat.protocol import Ask, Refusal
from chat.replies.log import ReplyInfo, ReplyLog

Groups = list[tuple[str, int]]


@dataclass(frozen=True)
class Claim:
    reply: str
    groups: Groups
    conversation: str | None


def running_groups(session: str, address: str | None) -> Groups:
    """The groups whose running replies are capped: the session's, and its address's."""
    cap = int(settings.STREAMDEMO_SESSION_REPLIES)
    groups = [(f"session:{session}", cap)]
    if address is not None:
        share = max(1, int(settings.STREAMDEMO_PER_ADDRESS))
        groups.append((f"address:{address}", cap * share))
    return groups


async def claim(
    log: ReplyLog, ask: Ask, session: str, address: str | None, running_here: int
) -> Claim:
    """The claims a new reply to `ask` needs, all made, or a `Refusal` and none made."""
    if running_here >= settings.STREAMDEMO_MAX_REPLIES:
        raise Refusal("busy", "The server is answering too many questions: try again soon.")
    reply = ask.reply or uuid.uuid4().hex
    if ask.reply:
        await _refuse_taken(log, reply, session)
    groups = running_groups(session, address)
    if not await log.claim_running(groups, reply):
        raise Refusal(
            "busy",
            "Too many of your answers are being written at once: wait for one to end, or stop one.",
        )
    if ask.conversation and not await log.claim(ask.conversation, reply):
        await log.release_running(groups, reply)
        raise Refusal(
            "busy",
            "This conversation is still answering another question (perhaps in another "
            "tab): stop it or wait for it to end.",
        )
    return Claim(reply, groups, ask.conversation)


async def open_log(log: ReplyLog, claim: Claim, info: ReplyInfo) -> None:
    """Open the reply's log; `Refusal`, and the claims given back, if that id is open already
    (the same id asked twice at once: one of them runs)."""
    if not await log.open(info):
        await give_back(log, claim)
        raise Refusal("duplicate_reply", "That reply id is already in use.", claim.reply)


async def give_back(log: ReplyLog, claim: Claim) -> None:
    """The reply will not start after all: its claims go."""
    if claim.conversation:
        await log.release(claim.conversation, claim.reply)
    await log.release_running(claim.groups, claim.reply)


async def _refuse_taken(log: ReplyLog, reply: str, session: str) -> None:
    """Refuse an id already in use; another session's is as unknown to this one as any."""
    info = await log.info(reply)
    owner = info.session if info is not None else None
    if owner is None:
        turn = await conversations.find_turn(reply)
        owner = turn.conversation.session_key if turn is not None else None
    if owner == session:
        raise Refusal("duplicate_reply", "That reply id is already in use.", reply)
    if owner is not None:
        raise _not_found(reply)


def refusal(error: Exception, reply: str) -> Refusal:
    """What a client is told when its turn could not be stored."""
    if isinstance(error, conversations.Conflict):
        return Refusal(
            "conflict",
            "This conversation has changed since this page showed it: the answer to "
            "regenerate is no longer the last one.",
        )
    if isinstance(error, IntegrityError):
        # Taken between the check and the insert: by whom, this session need not learn.
        return _not_found(reply)
    return Refusal("not_found", "There is no such conversation.")


def _not_found(reply: str) -> Refusal:
    return Refusal("not_found", "There is no such reply.", reply)
