"""Rendering off the event loop: in a process of its own, started when first needed."""

import pytest

from chat.rendering import offloop
from chat.rendering.blocks import render_region

LONG = "Some *text* and `code`.\n\n" * 100


async def test_a_long_text_renders_in_another_process_the_same_as_here(settings):
    settings.STREAMDEMO_RENDER_PROCESS = True
    try:
        there = await offloop.run(render_region, LONG, final=True, block_chars=10**6)
        started = offloop.running()
    finally:
        offloop.shutdown()

    assert started
    assert there == render_region(LONG, final=True, block_chars=10**6)
    assert not offloop.running()


async def test_a_short_text_renders_in_place_without_starting_a_process(settings):
    settings.STREAMDEMO_RENDER_PROCESS = True

    here = await offloop.run(render_region, "*short*", final=True, block_chars=10**6)

    assert here.blocks == ("<p><em>short</em></p>\n",)
    assert not offloop.running()


@pytest.mark.parametrize(
    "text",
    [
        "![" * 64,  # 128 characters that took 3 ms: every `[` looks for its end
        "[](" * 16,
        "_a" * 64,
        "<!--" * 20,
        "```scala\n" + '"' * 100 + "\n```",
        "~~~python\nprint()\n~~~",
        "a\n" * 100,
        "|a|b|\n|-|-|\n" + "|a|b|\n" * 20,
    ],
    ids=["images", "links", "emphasis", "tags", "code", "tilde-code", "lines", "table"],
)
async def test_a_short_text_of_costly_marks_renders_in_the_process_not_in_place(settings, text):
    settings.STREAMDEMO_RENDER_PROCESS = True
    try:
        there = await offloop.run(render_region, text, final=True, block_chars=10**6)
        started = offloop.running()
    finally:
        offloop.shutdown()

    assert started
    assert there == render_region(text, final=True, block_chars=10**6)


async def test_an_ordinary_paragraph_renders_in_place():
    paragraph = "Use `os.walk` for **every** file, or *pathlib*'s `rglob`: both recurse. " * 6

    assert len(paragraph) < offloop.INLINE_CHARS
    assert offloop.renders_in_place(paragraph)


async def test_without_a_process_a_long_text_renders_in_a_thread(settings):
    settings.STREAMDEMO_RENDER_PROCESS = False

    there = await offloop.run(render_region, LONG, final=True, block_chars=10**6)

    assert there == render_region(LONG, final=True, block_chars=10**6)
    assert not offloop.running()
