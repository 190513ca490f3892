"""What the model receives with a question: the conversation as stored, within a budget."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chat.models import Turn

Message = dict[str, str]


def messages_for(turns: list[Turn], question: str, budget: int) -> tuple[list[Message], int]:
    """The messages the model receives for a question, and how many earlier turns were left out.

    The newest turns that fit the budget (in characters, the question included) go as they are
    stored; older ones are left out. A turn with no answer is left out too: a question without
    its answer would leave two user messages in a row, which some chat templates refuse.
    """
    room = budget - len(question)
    kept: list[Turn] = []
    left_out = len(turns)
    for index in range(len(turns) - 1, -1, -1):
        turn = turns[index]
        if not turn.answer:
            continue
        room -= len(turn.question) + len(turn.answer)
        if room < 0:
            break
        kept.append(turn)
        left_out = index
    messages: list[Message] = []
    for turn in reversed(kept):
        messages.append({"role": "user", "content": turn.question})
        messages.append({"role": "assistant", "content": turn.answer})
    messages.append({"role": "user", "content": question})
    return messages, left_out
