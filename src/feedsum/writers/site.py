"""Where each output of a feed lives on the site: pure names and URLs, no I/O.

    <output.dir>/<name>.atom .rss .json .html   the feed in each format
    <output.dir>/<name>/<slug>.html             one page per local article
    <output.dir>/index.html, feeds.opml         every feed of that folder

An article page's slug comes from the entry id, which never changes once
published, so a page's URL never changes either: editing, retitling or
re-dating an article keeps it. Upstream items get no page: they have their own.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import replace
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from feedsum.config import FeedConfig
from feedsum.model import FeedItem

#: Slugs longer than this are cut (and made unique by a hash of the id).
SLUG_MAX_CHARS = 80
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,8}$")


def id_prefix(config: FeedConfig) -> str:
    """The start of the ids feedsum gives local files (RFC 4151 tag URIs)."""
    return f"tag:{config.domain},{config.tag_date.isoformat()}:"


def slug(config: FeedConfig, entry_id: str) -> str:
    """A file name for the entry's page, from its id: `example/01-harbour-ferry.txt`
    (in `tag:example.org,2024-01-01:example/01-harbour-ferry.txt`) gives
    `example-01-harbour-ferry`, `https://example.org/2025/ferry.html` gives
    `2025-ferry-html`. Lowercase ASCII: the same on every file system."""
    prefix = id_prefix(config)
    name = entry_id
    if entry_id.startswith(prefix):  # a file's path: the extension says nothing
        name = _EXTENSION.sub("", entry_id[len(prefix) :])
    elif entry_id.startswith(("http://", "https://")):  # a `link`: its path says what it is
        parts = urlsplit(entry_id)
        name = f"{parts.path} {parts.query}".strip() or entry_id
    text = _NOT_SLUG.sub("-", name.lower()).strip("-")
    if not text or len(text) > SLUG_MAX_CHARS:
        return _hashed(text[: SLUG_MAX_CHARS - 9].rstrip("-"), entry_id)
    return text


def _hashed(text: str, entry_id: str) -> str:
    digest = hashlib.sha256(entry_id.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{text}-{digest}" if text else digest


def page_path(config: FeedConfig, page_slug: str) -> str:
    """The page's path relative to the output folder."""
    return f"{config.name}/{page_slug}.html"


def site_url(config: FeedConfig, relative: str) -> str:
    """The URL of a file under the output folder: relative to base_url's folder."""
    folder = urlsplit(config.base_url)
    path = f"{folder.path.rstrip('/')}/{quote(relative)}"
    return urlunsplit((folder.scheme, folder.netloc, path, "", ""))


def with_pages(config: FeedConfig, items: Sequence[FeedItem]) -> list[FeedItem]:
    """`items` with the URL of its page on each local article, when the feed has
    `html` pages. Two ids that give one slug (`a.txt`, `a.md`): the first by id
    keeps it, the others add a hash of their id."""
    if "html" not in config.formats:
        return list(items)
    slugs: dict[str, str] = {}
    taken: set[str] = set()
    for entry_id in sorted(item.id for item in items if item.source_url is None):
        name = slug(config, entry_id)
        if name in taken:
            name = _hashed(name[: SLUG_MAX_CHARS - 9], entry_id)
        taken.add(name)
        slugs[entry_id] = name
    return [
        replace(item, page=site_url(config, page_path(config, slugs[item.id])))
        if item.id in slugs
        else item
        for item in items
    ]


def relative_page(config: FeedConfig, item: FeedItem) -> str | None:
    """The item's page relative to the output folder (`example/x.html`), if it has one."""
    if item.page is None:
        return None
    folder = site_url(config, "")
    assert item.page.startswith(folder)  # made by with_pages
    return unquote(item.page[len(folder) :])
