"""A character's two UTF-16 halves sent in two pieces, put back together; a half alone shown as
the replacement character."""

from chat.upstream.surrogates import REPLACEMENT, SurrogatePairs, whole


def test_a_pair_cut_between_two_pieces_comes_out_whole_in_the_second():
    pairs = SurrogatePairs()

    assert [pairs.feed("hi \ud83d"), pairs.feed("\ude00 there"), pairs.finish()] == [
        "hi ",
        "😀 there",
        "",
    ]


def test_the_answer_and_the_thinking_keep_their_halves_apart():
    pairs = SurrogatePairs()

    assert pairs.feed("a\ud83d") == "a"
    assert pairs.feed("b\ud83e", reasoning=True) == "b"
    assert pairs.feed("\udd14", reasoning=True) == "🤔"
    assert pairs.feed("\ude00") == "😀"


def test_a_half_left_alone_is_the_replacement_character():
    pairs = SurrogatePairs()

    assert pairs.feed("end \ud83d") == "end "
    assert pairs.finish() == REPLACEMENT
    assert whole("a \udc00 b \ud800") == f"a {REPLACEMENT} b {REPLACEMENT}"
    assert whole("plain é 😀") == "plain é 😀"
