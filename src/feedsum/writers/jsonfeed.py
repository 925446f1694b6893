"""JSON Feed 1.1 (https://jsonfeed.org/version/1.1), served as application/feed+json.

Every string here crossed the safety boundary (feedsum.safety): `content_html` is
nh3's sanitized HTML, and JSON's own escaping is all the rest needs. Keys keep
the spec's order and dates come from the items, so unchanged items give
identical bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from feedsum import PROJECT_URL
from feedsum.config import FeedConfig
from feedsum.languages import document_language, own_language
from feedsum.model import FeedItem

VERSION = "https://jsonfeed.org/version/1.1"
MEDIA_TYPE = "application/feed+json"


def render_json(config: FeedConfig, items: Sequence[FeedItem]) -> bytes:
    """The feed as a JSON Feed 1.1 document, items newest first as given."""
    import json

    from feedsum.writers.feeds import to_html

    feed: dict[str, Any] = {
        "version": VERSION,
        "title": config.title,
        "home_page_url": config.link,
        "feed_url": config.self_url("json"),
        "description": config.description,
    }
    if (language := document_language(config.language)) is not None:
        feed["language"] = language
    feed["authors"] = [{"name": config.author}]
    feed["items"] = []
    for item in items:
        entry: dict[str, Any] = {"id": item.id}
        if item.alternate:
            entry["url"] = item.alternate
        if item.source_url and item.link:
            # An upstream item's article lives elsewhere: JSON Feed's external_url.
            entry["external_url"] = item.link
        entry["title"] = item.title
        entry["summary"] = item.summary
        if config.full_content:
            entry["content_html"] = item.html or to_html(item.paragraphs)
            entry["content_text"] = "\n\n".join(item.paragraphs)
        else:
            # The spec wants content_html or content_text: the summary stands in.
            entry["content_text"] = item.summary
        entry["date_published"] = item.published.isoformat()
        entry["date_modified"] = item.updated.isoformat()
        if item.tags:
            entry["tags"] = list(item.tags)
        if item.author:
            entry["authors"] = [{"name": item.author}]
        if language := own_language(item.language, config.language):
            entry["language"] = language
        if item.source_url:
            # Attribution, as Atom's <source> and RSS's <source url> carry it; an
            # extension object, which readers that do not know it ignore.
            entry["_feedsum"] = {
                "about": PROJECT_URL,
                "source_title": item.source_title or item.source_url,
                "source_url": item.source_url,
            }
        feed["items"].append(entry)
    return (json.dumps(feed, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
