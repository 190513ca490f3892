"""What the model receives: the newest turns that fit the budget, as stored, then the question."""

from chat.context import messages_for
from chat.models import Turn


def turn(question: str, answer: str) -> Turn:
    return Turn(question=question, answer=answer)


def test_every_turn_goes_as_stored_when_all_fit():
    turns = [turn("Tell me a joke.", "A joke."), turn("Why?", "Because.  \n\n\n")]

    messages, left_out = messages_for(turns, "Tell me a joke.", budget=1_000)

    assert messages == [
        {"role": "user", "content": "Tell me a joke."},
        {"role": "assistant", "content": "A joke."},
        {"role": "user", "content": "Why?"},
        {"role": "assistant", "content": "Because.  \n\n\n"},
        {"role": "user", "content": "Tell me a joke."},
    ]
    assert left_out == 0


def test_the_oldest_turns_are_left_out_past_the_budget():
    turns = [turn("a" * 10, "b" * 10), turn("c" * 10, "d" * 10), turn("e" * 10, "f" * 10)]

    # Room for the question (5) and two turns of 20 characters each, not three.
    messages, left_out = messages_for(turns, "q" * 5, budget=45)

    assert [message["content"][0] for message in messages] == ["c", "d", "e", "f", "q"]
    assert left_out == 1


def test_a_turn_without_an_answer_is_left_out_so_two_questions_never_follow_each_other():
    turns = [turn("first", "answered"), turn("second", ""), turn("third", "answered too")]

    messages, left_out = messages_for(turns, "fourth", budget=1_000)

    assert [message["content"] for message in messages] == [
        "first",
        "answered",
        "third",
        "answered too",
        "fourth",
    ]
    assert left_out == 0


def test_a_question_alone_over_the_budget_goes_without_any_earlier_turn():
    messages, left_out = messages_for([turn("a", "b")], "q" * 50, budget=10)

    assert messages == [{"role": "user", "content": "q" * 50}]
    assert left_out == 1
