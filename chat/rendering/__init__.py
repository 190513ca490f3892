"""Answers' markdown as safe HTML: the dialect (`markdown`), block by block (`blocks`), within
a budget (`budget`), shared by the sockets following a reply (`live`), off the event loop
(`offloop`)."""

from chat.rendering.budget import render_markdown

__all__ = ["render_markdown"]
