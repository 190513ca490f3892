"""Thinking sent inline between <think> tags, told apart from the answer however it is split."""

import pytest

from chat.upstream.think_tags import ThinkTags


def split(*chunks: str) -> list[tuple[bool, str]]:
    """Each piece, merged with the one before when of the same kind, as a reader sees them."""
    tags = ThinkTags()
    pieces = [piece for chunk in chunks for piece in tags.feed(chunk)] + tags.finish()
    merged: list[tuple[bool, str]] = []
    for thinking, text in pieces:
        if merged and merged[-1][0] == thinking:
            merged[-1] = (thinking, merged[-1][1] + text)
        else:
            merged.append((thinking, text))
    return merged


@pytest.mark.parametrize(
    "chunks",
    [
        ["<think>Let me see.</think>\n\nIt is 4."],
        ["<thi", "nk>Let me", " see.</th", "ink>\n", "\nIt is", " 4."],
        ["<", "t", "h", "i", "n", "k", ">", "Let me see.", "<", "/", "think>", "\n\n", "It is 4."],
        ["\n<think>", "Let me see.", "</think>It is 4."],
    ],
    ids=["whole", "tags split", "a character at a time", "leading newline"],
)
def test_thinking_at_the_start_is_split_from_the_answer_however_the_chunks_fall(chunks):
    assert split(*chunks) == [(True, "Let me see."), (False, "It is 4.")]


def test_thinking_is_given_out_as_it_comes_not_held_to_the_end():
    tags = ThinkTags()

    assert tags.feed("<think>First") == [(True, "First")]
    assert tags.feed(" thought</thi") == [(True, " thought")]  # the tag's start is held
    assert tags.feed("nk>Answer") == [(False, "Answer")]


def test_an_answer_without_thinking_passes_through_at_once():
    tags = ThinkTags()

    assert tags.feed("Hello") == [(False, "Hello")]
    assert tags.feed(" <think> is a tag") == [(False, " <think> is a tag")]


def test_what_only_looked_like_the_start_of_a_tag_is_answer_text():
    assert split("<th", "e end>") == [(False, "<the end>")]
    assert split("<thi") == [(False, "<thi")]


def test_thinking_cut_off_before_its_tag_closes_stays_thinking():
    assert split("<think>Hmm", ", let me", " see</th") == [(True, "Hmm, let me see</th")]


def test_a_tag_later_in_the_answer_is_the_answers_text():
    assert split("Use ", "<think>", " tags") == [(False, "Use <think> tags")]
