"""What a feed reader shows of a feedparser field: HTML rendered to its text."""

from __future__ import annotations

from typing import Any

import lxml.html


def shown(entry: Any, field: str) -> str:
    """The text a reader displays for `entry.<field>` (`title`, `summary`): the value
    itself when feedparser says it is plain text, else the text of that HTML."""
    value: str = entry.get(field, "")
    detail = entry.get(f"{field}_detail", {})
    if "html" not in detail.get("type", "text/plain") or not value.strip():
        return value
    text: str = lxml.html.fragment_fromstring(value, create_parent="div").text_content()
    return text
