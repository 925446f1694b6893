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


def assert_whole(feeds: dict[str, bytes], name: str, entries: int) -> None:
    """`feeds` (file name -> bytes) are a feed's four outputs, each complete with
    `entries` entries: no half-written or missing file."""
    import json

    import feedparser

    assert set(feeds) == {f"{name}.{fmt}" for fmt in ("atom", "rss", "json", "html")}, set(feeds)
    for fmt in ("atom", "rss"):
        parsed = feedparser.parse(feeds[f"{name}.{fmt}"])
        assert not parsed.bozo, parsed.get("bozo_exception")
        assert len(parsed.entries) == entries
    assert len(json.loads(feeds[f"{name}.json"])["items"]) == entries
    page = feeds[f"{name}.html"].decode()
    assert page.rstrip().endswith("</html>") and page.count('<li id="e-') == entries
