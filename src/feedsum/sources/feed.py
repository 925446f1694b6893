"""Upstream feeds: RSS 0.9x/1.0/2.0 and Atom (read by feedparser), and JSON Feed.

Each item becomes an Article with its upstream id (guid), link, title,
author, tags and original date, and the upstream feed's title and URL for
attribution. An item whose only text is a short summary is a teaser: with
`full_text = "auto"` its link is fetched and the article extracted from the
page (see feedsum.sources.html).
"""

from __future__ import annotations

import io
import json
import xml.sax
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

from feedsum.errors import SourceError
from feedsum.model import Article
from feedsum.sources import Item, htmltext, stamp

#: A summary shorter than this, with no content, is a teaser of the linked article.
TEASER_WORDS = 120


def parse(
    data: bytes, *, origin: str, source: str, url: str | None = None
) -> tuple[list[Item], list[SourceError]]:
    """The items of a feed document; `url` (where it was fetched) resolves relative links."""
    if data.lstrip()[:1] == b"{":
        return _json_feed(data, origin=origin, source=source, url=url)
    import feedparser

    # A file object, never bytes or str: feedparser would take those for a path or URL.
    parsed = feedparser.parse(
        io.BytesIO(data), response_headers={"content-location": url or ""}, sanitize_html=True
    )
    problem = parsed.get("bozo_exception")
    if isinstance(problem, xml.sax.SAXParseException) or (
        parsed.get("bozo") and not parsed.entries
    ):
        raise SourceError(origin, f"not a valid feed ({problem}); check the URL or the file")
    if not parsed.get("version") and not parsed.entries:
        raise SourceError(origin, "not an RSS, Atom or JSON feed; check the URL or the file")
    feed = parsed.feed
    title = htmltext.text(feed.get("title", "")) or None
    self_link = next(
        (link.get("href") for link in feed.get("links", []) if link.get("rel") == "self"), None
    )
    attribution = url or self_link or feed.get("link")
    items, errors = [], []
    for number, entry in enumerate(parsed.entries, start=1):
        content = [c.get("value", "") for c in entry.get("content", [])]
        summary = entry.get("summary", "")
        title_detail = entry.get("title_detail", {})
        raw_title = entry.get("title", "")
        # dict.get: feedparser's own get() maps a missing `updated` to `published`, warning.
        when = dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed")
        upstream = {
            "id": entry.get("id"),
            "title": raw_title,
            "link": entry.get("link"),
            "author": entry.get("author"),
            "published": dict.get(entry, "published"),
            "updated": dict.get(entry, "updated"),
            "summary": summary,
            "content": content,
            "tags": [t.get("term") for t in entry.get("tags", [])],
        }
        try:
            items.append(
                _item(
                    upstream,
                    title=htmltext.text(raw_title)
                    if "html" in title_detail.get("type", "")
                    else raw_title.strip(),
                    published=_utc(when),
                    feed_title=title,
                    attribution=attribution,
                    origin=origin,
                    source=source,
                    number=number,
                )
            )
        except SourceError as error:
            errors.append(error)
    return _unique(items, errors, origin)


def _item(
    upstream: dict[str, Any],
    *,
    title: str,
    published: datetime | None,
    feed_title: str | None,
    attribution: str | None,
    origin: str,
    source: str,
    number: int,
) -> Item:
    link = upstream.get("link") or None
    entry_id = upstream.get("id") or link
    if not entry_id:
        entry_id = f"{source}#{stamp([title, upstream.get('summary'), upstream.get('content')])}"
    content = [c for c in upstream.get("content") or [] if c]
    paragraphs = [p for html in content for p in htmltext.paragraphs(html)]
    teaser = False
    if not paragraphs:
        paragraphs = htmltext.paragraphs(upstream.get("summary") or "")
        teaser = sum(len(p.split()) for p in paragraphs) < TEASER_WORDS
    if not paragraphs and not link:
        raise SourceError(origin, f"item {number} has no text and no link; it is skipped")
    article = Article(
        id=entry_id,
        origin=link or f"{origin} item {number}",
        body="\n\n".join(paragraphs),
        title=title or None,
        link=link,
        author=(upstream.get("author") or "").strip() or None,
        published=published,
        tags=tuple(t.strip() for t in upstream.get("tags") or [] if t and t.strip()),
        source_title=feed_title,
        source_url=attribution,
        teaser=teaser and link is not None,
    )
    return Item(key=f"{source}#{entry_id}", stamp=stamp(upstream), article=article)


def _unique(
    items: list[Item], errors: list[SourceError], origin: str
) -> tuple[list[Item], list[SourceError]]:
    """The first item of each id (an upstream may repeat one)."""
    seen: dict[str, Item] = {}
    for item in items:
        seen.setdefault(item.key, item)
    return list(seen.values()), errors


def _json_feed(
    data: bytes, *, origin: str, source: str, url: str | None
) -> tuple[list[Item], list[SourceError]]:
    """JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1)."""
    try:
        feed = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SourceError(origin, f"not valid JSON ({exc}); check the URL or the file") from exc
    if not isinstance(feed, dict) or not str(feed.get("version", "")).startswith(
        "https://jsonfeed.org/version/"
    ):
        raise SourceError(origin, "not a JSON Feed (no jsonfeed.org version); check the source")
    raw_items = feed.get("items")
    if not isinstance(raw_items, list):
        raise SourceError(origin, "a JSON Feed without an items list; check the source")
    base = url or feed.get("feed_url")
    attribution = url or feed.get("feed_url") or feed.get("home_page_url")
    title = str(feed.get("title") or "").strip() or None
    items, errors = [], []
    for number, raw in enumerate(raw_items, start=1):
        if not isinstance(raw, dict):
            errors.append(SourceError(origin, f"item {number} is not an object; it is skipped"))
            continue
        authors = raw.get("authors") or ([raw["author"]] if raw.get("author") else [])
        names = [str(a["name"]) for a in authors if isinstance(a, dict) and a.get("name")]
        link = raw.get("url") or raw.get("external_url")
        content = raw.get("content_html") or ""
        if not content and raw.get("content_text"):
            # Plain text: its blank lines are its paragraphs.
            content = "".join(
                f"<p>{_escape(p)}</p>" for p in str(raw["content_text"]).split("\n\n")
            )
        when = raw.get("date_published") or raw.get("date_modified")
        upstream = {
            "id": str(raw.get("id") or "") or None,
            "title": raw.get("title"),
            "link": urljoin(base, link) if base and link else link,
            "author": ", ".join(names) or None,
            "published": raw.get("date_published"),
            "updated": raw.get("date_modified"),
            "summary": raw.get("summary") or "",
            "content": [content] if content else [],
            "tags": [t for t in raw.get("tags") or [] if isinstance(t, str)],
        }
        try:
            published = _rfc3339(when, origin, number)
            items.append(
                _item(
                    upstream,
                    title=str(raw.get("title") or "").strip(),
                    published=published,
                    feed_title=title,
                    attribution=attribution,
                    origin=origin,
                    source=source,
                    number=number,
                )
            )
        except SourceError as error:
            errors.append(error)
    return _unique(items, errors, origin)


def _utc(when: Any) -> datetime | None:
    """feedparser's UTC time tuple as a datetime."""
    if not when:
        return None
    year, month, day, hour, minute, second = when[:6]
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def _escape(text: str) -> str:
    import html

    return html.escape(text, quote=False)


def _rfc3339(value: Any, origin: str, number: int) -> datetime | None:
    if not value:
        return None
    try:
        when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise SourceError(
            origin, f"item {number} has a bad date {value!r}; it is skipped"
        ) from None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC)


def expand(article: Article, body: bytes, final_url: str) -> Article:
    """A teaser made whole from its fetched page; page metadata fills what the item lacks."""
    from feedsum.sources.html import extract

    page = extract(body, article.link or final_url, url=final_url)
    published = article.published
    if published is None and page.published is not None:
        published = datetime(
            page.published.year, page.published.month, page.published.day, tzinfo=UTC
        )
    return replace(
        article,
        body="\n\n".join(page.paragraphs),
        title=article.title or page.title,
        author=article.author or page.author,
        published=published,
        tags=article.tags or page.tags,
        teaser=False,
    )
