import pytest
from playwright.sync_api import expect

from tests.browser.actions import ask, last_turn
from tests.browser.sockets import SocketTap
from tests.support.upstream import Script

pytestmark = pytest.mark.browser


def test_the_answer_grows_on_screen_delta_by_delta_before_the_reply_ends(chat, upstream):
    upstream.will_answer(Script(chunks=["Counting:", " one,", " two,", " three."], gated=True))

    ask(chat, "Count to three")

    turn = last_turn(chat)
    answer = turn.locator(".answer")
    expect(answer).to_have_text("Counting:")
    shown = "Counting:"
    for chunk in [" one,", " two,", " three."]:
        expect(turn).to_have_attribute("data-status", "streaming")
        upstream.release()
        shown += chunk
        expect(answer).to_have_text(shown)
    expect(turn).to_have_attribute("data-status", "streaming")
    upstream.release()
    expect(turn).to_have_attribute("data-status", "done")
    expect(answer).to_have_text("Counting: one, two, three.")
    expect(chat.locator("#announce")).to_have_text("The answer is complete.")


def test_live_stats_name_the_backend_and_the_pace_then_the_totals(chat, upstream):
    upstream.will_answer(
        Script(
            chunks=["Fast", " and", " steady."],
            gated=True,
            usage={"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8},
        )
    )

    ask(chat, "How fast?")

    stats = last_turn(chat).locator(".stats")
    expect(stats).to_contain_text("gpt-4")
    upstream.release()
    expect(stats).to_contain_text("first token")
    expect(stats).to_contain_text("chunks/s")
    upstream.release(2)
    expect(stats).to_contain_text("total")
    expect(stats).to_contain_text("5 in + 3 out tokens")
    expect(stats).not_to_contain_text("≈")


def test_the_model_picked_on_the_page_is_the_one_asked_upstream(chat, upstream):
    chat.get_by_label("Model").select_option("other-model")

    ask(chat, "Which model?")

    expect(last_turn(chat)).to_have_attribute("data-status", "done")
    expect(last_turn(chat).locator(".stats")).to_contain_text("other-model")
    assert upstream.exchanges[0].body["model"] == "other-model"


def test_the_provider_picked_on_the_page_is_the_one_that_answers(chat, upstream):
    chat.get_by_label("Provider").select_option("NoSuchProvider")

    ask(chat, "Which provider?")

    turn = last_turn(chat)
    expect(turn).to_have_attribute("data-status", "failed")
    expect(turn.locator(".outcome")).to_contain_text("g4f provider NoSuchProvider")
    assert upstream.exchanges == []


def test_shift_enter_is_a_new_line_and_enter_sends(chat, upstream):
    box = chat.get_by_label("Your question")
    box.fill("line one")
    box.press("Shift+Enter")
    box.press_sequentially("line two")
    expect(chat.locator("#log .turn")).to_have_count(0)

    box.press("Enter")

    expect(last_turn(chat).locator(".question")).to_have_text("line one\nline two")
    expect(box).to_have_value("")
    expect(last_turn(chat)).to_have_attribute("data-status", "done")


def test_markdown_renders_and_a_code_block_is_highlighted_with_a_working_copy_button(
    chat, upstream
):
    chat.context.grant_permissions(["clipboard-read", "clipboard-write"])
    code = "def add(a, b):\n    return a + b\n"
    upstream.will_answer(
        Script(chunks=["## Adding\n\n", "Use **this**:\n\n", "```python\n", code, "```\n"])
    )

    ask(chat, "Show me a function")

    turn = last_turn(chat)
    expect(turn).to_have_attribute("data-status", "done")
    expect(turn.locator(".rendered h2")).to_have_text("Adding")
    expect(turn.locator(".rendered strong")).to_have_text("this")
    block = turn.locator(".code-block")
    expect(block.locator("code.language-python .k").first).to_have_text("def")
    expect(block.locator("code .nf")).to_have_text("add")
    block.get_by_role("button", name="Copy").click()
    expect(block.get_by_role("button", name="Copied")).to_be_visible()
    assert chat.evaluate("navigator.clipboard.readText()") == code


def test_copy_answer_puts_the_answers_markdown_on_the_clipboard(chat, upstream):
    chat.context.grant_permissions(["clipboard-read", "clipboard-write"])
    upstream.will_answer(Script(chunks=["Plain", " and **bold**."]))

    ask(chat, "Say something")

    turn = last_turn(chat)
    expect(turn).to_have_attribute("data-status", "done")
    turn.get_by_role("button", name="Copy answer").click()
    expect(turn.get_by_role("button", name="Copied")).to_be_visible()
    assert chat.evaluate("navigator.clipboard.readText()") == "Plain and **bold**."


def test_a_half_written_code_block_already_shows_as_code(chat, upstream):
    upstream.will_answer(
        Script(chunks=["```python\n", "import os\n", "print(os.sep)\n"], gated=True)
    )

    ask(chat, "Some code")
    upstream.release(2)

    turn = last_turn(chat)
    expect(turn.locator(".rendered code.language-python")).to_contain_text("print(os.sep)")
    expect(turn).to_have_attribute("data-status", "streaming")
    upstream.release()
    expect(turn).to_have_attribute("data-status", "done")


def test_stop_halts_the_answer_keeps_its_text_and_closes_the_upstream_request(chat, upstream):
    upstream.will_answer(Script(chunks=["Partial", " answer", " never", " finished"], gated=True))

    ask(chat, "Tell me a long story")
    upstream.release()
    turn = last_turn(chat)
    expect(turn.locator(".answer")).to_have_text("Partial answer")

    chat.get_by_role("button", name="Stop").click()

    expect(turn).to_have_attribute("data-status", "stopped")
    expect(turn.locator(".outcome")).to_have_text("Stopped: the answer so far is kept.")
    assert upstream.exchanges[0].closed.wait(10)
    expect(turn.locator(".answer")).to_have_text("Partial answer")
    expect(chat.get_by_role("button", name="Stop")).to_be_disabled()


def test_regenerate_replaces_the_last_answer(chat, upstream):
    upstream.will_answer(Script(chunks=["First", " try."]), Script(chunks=["Second", " try."]))
    ask(chat, "Try twice")
    expect(last_turn(chat)).to_have_attribute("data-status", "done")

    chat.get_by_role("button", name="Regenerate").click()

    expect(chat.locator("#log .turn")).to_have_count(1)
    expect(last_turn(chat).locator(".answer")).to_have_text("Second try.")
    expect(last_turn(chat)).to_have_attribute("data-status", "done")
    assert upstream.exchanges[1].messages == [{"role": "user", "content": "Try twice"}]


def test_a_failed_reply_keeps_its_text_marked_cut_off(chat, upstream):
    upstream.will_answer(Script(chunks=["Half", " of it"], fault="drop"))

    ask(chat, "Will this fail?")

    turn = last_turn(chat)
    expect(turn).to_have_attribute("data-status", "failed")
    expect(turn.locator(".answer")).to_have_text("Half of it")
    expect(turn.locator(".outcome")).to_contain_text("Cut off")


def test_the_view_follows_the_answer_until_the_reader_scrolls_up(chat, upstream):
    chat.set_viewport_size({"width": 900, "height": 600})
    upstream.will_answer(Script(chunks=[f"Line {n}\n\n" for n in range(80)], gated=True))
    ask(chat, "A long one")
    upstream.release(39)
    answer = last_turn(chat).locator(".answer")
    expect(answer).to_contain_text("Line 39")
    chat.wait_for_function(f"() => {BELOW_VIEW} < 2")

    chat.locator("#log").hover()
    chat.mouse.wheel(0, -600)
    chat.wait_for_function(f"() => {BELOW_VIEW} > 300")
    upstream.release(41)  # the last 40 lines and the ending
    expect(last_turn(chat)).to_have_attribute("data-status", "done")
    expect(answer).to_contain_text("Line 79")

    assert chat.evaluate(BELOW_VIEW) > 300


# How far the end of the conversation is below what the reader sees, in pixels.
BELOW_VIEW = (
    "(log => log.scrollHeight - log.scrollTop - log.clientHeight)(document.getElementById('log'))"
)


def test_escape_stops_the_answer_being_written(chat, upstream):
    upstream.will_answer(Script(chunks=["Stop", " me", " now"], gated=True))
    ask(chat, "Go on")
    upstream.release()
    turn = last_turn(chat)
    expect(turn.locator(".answer")).to_have_text("Stop me")

    chat.keyboard.press("Escape")

    expect(turn).to_have_attribute("data-status", "stopped")
    expect(turn.locator(".answer")).to_have_text("Stop me")
    assert upstream.exchanges[0].closed.wait(10)


def test_the_last_question_can_be_edited_and_sent_again_in_place_of_its_turn(chat, upstream):
    upstream.will_answer(
        Script(chunks=["Blue."]), Script(chunks=["Paris."]), Script(chunks=["Rome."])
    )
    ask(chat, "Sky colour?")
    expect(last_turn(chat)).to_have_attribute("data-status", "done")
    ask(chat, "Capital of France?")
    expect(last_turn(chat)).to_have_attribute("data-status", "done")
    box = chat.get_by_label("Your question")
    # Up in the empty box brings the last question back to edit; Escape gives the edit up.
    box.press("ArrowUp")
    expect(box).to_have_value("Capital of France?")
    box.press("Escape")
    expect(box).to_have_value("")
    expect(chat.get_by_role("button", name="Edit question")).to_have_count(1)

    last_turn(chat).get_by_role("button", name="Edit question").click()
    expect(box).to_have_value("Capital of France?")
    box.fill("Capital of Italy?")
    box.press("Enter")

    expect(last_turn(chat).locator(".answer")).to_have_text("Rome.")
    expect(last_turn(chat)).to_have_attribute("data-status", "done")
    expect(chat.locator("#log .question")).to_have_text(["Sky colour?", "Capital of Italy?"])
    expect(box).to_have_value("")
    assert upstream.exchanges[2].messages == [
        {"role": "user", "content": "Sky colour?"},
        {"role": "assistant", "content": "Blue."},
        {"role": "user", "content": "Capital of Italy?"},
    ]
    chat.reload()
    expect(chat.locator("#log .question")).to_have_text(["Sky colour?", "Capital of Italy?"])


def test_a_question_over_the_servers_limit_is_not_sent_and_stays_in_the_box(chat, upstream):
    question = "x" * 16_001
    box = chat.get_by_label("Your question")
    box.fill(question)

    box.press("Enter")

    expect(chat.get_by_role("alert")).to_contain_text("16,001 characters long; the limit is 16,000")
    expect(box).to_have_value(question)
    expect(chat.locator("#log .turn")).to_have_count(0)
    assert upstream.exchanges == []


# Where the character `mark` is drawn, and whether it is inside a code block.
WHERE = """(answer, mark) => {
  const walker = document.createTreeWalker(answer, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const at = walker.currentNode.data.indexOf(mark);
    if (at < 0) continue;
    const range = document.createRange();
    range.setStart(walker.currentNode, at);
    range.setEnd(walker.currentNode, at + 1);
    const box = range.getBoundingClientRect();
    const inCode = Boolean(walker.currentNode.parentElement.closest("pre code"));
    return { top: Math.round(box.top), left: Math.round(box.left), inCode };
  }
  return null;
}"""


def tapped_and_connected(page) -> SocketTap:
    """The chat page, its socket open, with every frame the server sends it passing a tap."""
    tap = SocketTap(page)
    page.goto("/")
    page.locator("#status[data-state='connected']").wait_for()
    return tap


def test_the_line_being_written_stays_in_its_code_block_where_the_next_rendering_puts_it(
    page, upstream
):
    tap = tapped_and_connected(page)
    upstream.will_answer(
        Script(
            chunks=["```python\n", "def add(a, b):\n", "    return a", " + b", "\n```\n"],
            gated=True,
        )
    )
    ask(page, "Some code")
    upstream.release(2)
    turn = last_turn(page)
    answer, tail = turn.locator(".answer"), turn.locator(".tail")
    expect(turn.locator("pre code")).to_contain_text("return a")
    expect(tail).to_have_text("")  # all of it rendered so far
    tap.hold("html")

    upstream.release()

    expect(tail).to_have_text("+ b")
    before = answer.evaluate(WHERE, "+")
    line = answer.evaluate(WHERE, "r")  # of "return"
    assert before["inCode"]
    assert before["top"] == line["top"]  # on the line it continues, not on one of its own
    assert before["left"] > line["left"]
    # The cursor is drawn right after the tail, in the block.
    assert tail.evaluate("t => getComputedStyle(t, '::after').display") == "inline-block"
    tap.let_through()
    expect(tail).to_have_text("")
    assert answer.evaluate(WHERE, "+") == before
    upstream.release(2)
    expect(turn).to_have_attribute("data-status", "done")


def test_text_after_a_code_blocks_closing_fence_goes_below_the_block_before_it_is_rendered(
    page, upstream
):
    tap = tapped_and_connected(page)
    upstream.will_answer(
        Script(
            chunks=["```python\n", "x = 1\n", "y = 2\n```\n\nAfter the code.", " More."],
            gated=True,
        )
    )
    ask(page, "Some code")
    upstream.release(1)  # the first piece goes out at once, and one more
    turn = last_turn(page)
    expect(turn.locator("pre code")).to_contain_text("x = 1")
    tap.hold("html")

    upstream.release(1)

    expect(turn.locator(".answer")).to_contain_text("After the code.")
    expect(turn.locator("pre")).to_contain_text("y = 2")
    expect(turn.locator("pre")).not_to_contain_text("After the code.")
    expect(turn.locator("pre")).not_to_contain_text("```")
    tap.let_through()
    upstream.release(2)  # the last piece, and the end
    expect(turn).to_have_attribute("data-status", "done")
    expect(turn.locator(".rendered p")).to_have_text("After the code. More.")


def test_the_space_between_rendered_text_and_the_text_after_it_is_kept(page, upstream):
    tap = tapped_and_connected(page)
    upstream.will_answer(Script(chunks=["one ", "two ", "three ", "four"], gated=True))
    ask(page, "Count")
    upstream.release(1)  # the first piece goes out at once, and one more
    turn = last_turn(page)
    expect(turn.locator(".rendered p")).to_have_text("one two")
    tap.hold("html")

    upstream.release(1)

    expect(turn.locator(".answer")).to_have_text("one two three")
    tap.let_through()
    upstream.release(2)  # the last piece, and the end
    expect(turn).to_have_attribute("data-status", "done")
