"""The markdown dialect of answers and how its HTML is made safe.

Model output is untrusted: markdown-it never passes raw HTML through (it shows as text), and
nh3 then keeps only the tags, attributes, classes and link schemes the page needs, so no
answer can run script, carry a style or make the browser load anything.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape

import nh3
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.token import STANDARD_TYPES
from pygments.util import ClassNotFound

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "s", "del",
    "blockquote", "ul", "ol", "li", "a", "code", "pre", "span",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "ol": {"start"},
    "code": {"class"},
    "span": {"class"},
    "th": {"class"},
    "td": {"class"},
}
LINK_SCHEMES = ("http://", "https://", "mailto:")
LINK_REL = "noopener noreferrer nofollow"

_TOKEN_CLASSES = frozenset(name for name in STANDARD_TYPES.values() if name)
_ALIGN_CLASSES = frozenset({"align-left", "align-center", "align-right"})
_LANGUAGE_CLASS = re.compile(r"language-[\w+#.-]{1,40}")
_FORMATTER = HtmlFormatter(nowrap=True)


def sanitise(markup: str) -> str:
    """What of markdown-it's HTML may reach the page."""
    return CLEANER.clean(markup)


def _highlight(code: str, language: str, _attrs: str) -> str:
    """Pygments spans inside `<pre><code class="language-…">`; "" lets markdown-it escape it."""
    if not _LANGUAGE_CLASS.fullmatch(f"language-{language}"):
        return ""
    try:
        lexer = get_lexer_by_name(language)
    except ClassNotFound:
        return ""
    spans = highlight(code, lexer, _FORMATTER)
    return f'<pre><code class="language-{escape(language)}">{spans}</code></pre>'


def _alignment_as_class(state: StateCore) -> None:
    # markdown-it aligns table cells with a style attribute, which the sanitiser drops.
    for token in state.tokens:
        if token.type not in ("th_open", "td_open"):
            continue
        style = token.attrGet("style")
        if isinstance(style, str) and style.startswith("text-align:"):
            token.attrs.pop("style")
            token.attrSet("class", "align-" + style.removeprefix("text-align:"))


def _image_as_link(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    # No answer may make the browser fetch anything: an image becomes a link to it.
    token = tokens[idx]
    source = str(token.attrGet("src") or "")
    label = self.renderInlineAsText(token.children or [], options, env) or source
    return f'<a href="{escape(source)}">{escape(label)}</a>'


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "class":
        allowed = {
            "span": _TOKEN_CLASSES,
            "th": _ALIGN_CLASSES,
            "td": _ALIGN_CLASSES,
        }.get(tag)
        if allowed is not None:
            kept = [name for name in value.split() if name in allowed]
            return " ".join(kept) or None
        if tag == "code":
            return value if _LANGUAGE_CLASS.fullmatch(value) else None
        return None
    if tag == "a" and attribute == "href":
        return value if value.lower().startswith(LINK_SCHEMES) else None
    return value


_PARTIAL_DELIMITER_ROW = re.compile(r"\s*\|[\s|:-]*")


def complete_partial_table(text: str) -> str:
    """Finish a table's half-typed `|---|--` row so the header shows as a table meanwhile."""
    head, _, last = text.rpartition("\n")
    above, _, header = head.rpartition("\n")
    starts_table = not above.rpartition("\n")[2].lstrip().startswith("|")
    is_header = header.lstrip().startswith("|") and starts_table
    if not is_header or not _PARTIAL_DELIMITER_ROW.fullmatch(last):
        return text
    columns = len(header.strip().strip("|").split("|"))
    return f"{head}\n|{'---|' * columns}"


MARKDOWN = MarkdownIt("commonmark", {"html": False, "highlight": _highlight}).enable(
    ["table", "strikethrough"]
)
MARKDOWN.core.ruler.push("alignment_as_class", _alignment_as_class)
MARKDOWN.add_render_rule("image", _image_as_link)
# Built once: answers are rendered block by block, many times a second across replies.
CLEANER = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    attribute_filter=_keep_attribute,
    url_schemes={"http", "https", "mailto"},
    link_rel=LINK_REL,
    strip_comments=True,
)
