"""Which text every store takes: none with NUL or a lone surrogate, any other."""

import pytest

from chat.storable import storable


@pytest.mark.parametrize(
    "text",
    ["", "plain", "é 😀 ☃", "\ud83d\ude00".encode("utf-16", "surrogatepass").decode("utf-16")],
)
def test_text_without_nul_or_lone_surrogates_is_storable(text):
    assert storable(text)


@pytest.mark.parametrize("text", ["a\x00b", "\ud800", "ok \udc00", "é \ud83d"])
def test_a_nul_or_a_lone_surrogate_is_not(text):
    assert not storable(text)
