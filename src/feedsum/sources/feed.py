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
import re
import xml.sax
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from typing import Any
from urllib.parse import urljoin

from feedsum.errors import SourceError
from feedsum.model import Article
from feedsum.sources import Item, htmltext, loads_json, out_of_range, stamp, utc

#: A summary shorter than this, with no content, is a teaser of the linked article.
TEASER_WORDS = 120

# feedparser is meant to flag a malformed feed, not raise, yet it raises on a
# numeric character reference it cannot turn into a character (a lone surrogate,
# past U+10FFFF: kurtmckee/feedparser#591) and on a few other inputs (#599).
# Such references become U+FFFD first, as an HTML parser makes them; whatever
# else it raises on is a SourceError naming the source, like an unreadable feed.
_CHARREF = re.compile(rb"&#(?:[xX]0*([0-9a-fA-F]+)|0*([0-9]+));")


def _charref(match: re.Match[bytes]) -> bytes:
    hexadecimal, decimal = match.groups()
    digits = hexadecimal or decimal
    if len(digits) <= 7:  # 8 digits or more are past U+10FFFF (and int() of many is slow)
        code = int(digits, 16 if hexadecimal else 10)
        if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
            return match[0]
    return b"&#xFFFD;"


@dataclass(frozen=True, slots=True)
class _Upstream:
    """The feed being read: named in errors and in each entry's attribution."""

    origin: str
    source: str
    title: str | None
    url: str | None


#: One entry read into (its upstream data, its title, its date); ValueError if it is bad.
_Read = Callable[[], tuple[dict[str, Any], str, datetime | None]]


#: The tags (and escaped tags: feedparser sanitizes items' HTML) a feed may hold:
#: about 7 s of feedparser's time, 7 times a 1 MB feed of 200 whole articles
#: with links and emphasis (66,000 tags, 1 s).
MAX_TAGS = 500_000


def parse(
    data: bytes, *, origin: str, source: str, url: str | None = None
) -> tuple[list[Item], list[SourceError], list[str]]:
    """The items of a feed document; `url` (where it was fetched) resolves relative links.

    Also what went wrong in items (each skipped), and warnings: a document that
    is not well-formed XML but whose items feedparser's loose parser still read
    is read so, with one warning naming it (not a failure: no back-off).
    """
    if data.lstrip()[:1] == b"{":
        return (*_json_feed(data, origin=origin, source=source, url=url), [])
    # feedparser spends about 10 µs per tag, its items' escaped HTML included: a
    # feed of deeply nested elements took minutes, on every build. Counting first
    # costs a millisecond a megabyte.
    tags = data.count(b"<") + data.count(b"&lt;")
    if tags > MAX_TAGS:
        raise SourceError(
            origin,
            f"{tags:,} tags, over the {MAX_TAGS:,} a feed is read with (seconds of "
            "parsing on every build); ask for a shorter feed or leave it out",
        )
    import feedparser

    data, bare = _escape_ampersands(_CHARREF.sub(_charref, data))
    # A file object, never bytes or str: feedparser would take those for a path or URL.
    try:
        parsed = feedparser.parse(
            io.BytesIO(data),
            response_headers={"content-location": url or ""},
            sanitize_html=True,
        )
    except Exception as exc:  # see _CHARREF: an upstream's bytes must not end the build
        raise SourceError(
            origin, f"feedparser cannot read it ({type(exc).__name__}: {exc}); check the source"
        ) from exc
    problem = parsed.get("bozo_exception")
    if parsed.get("bozo") and not parsed.entries:
        raise SourceError(origin, f"not a valid feed ({problem}); check the URL or the file")
    if not parsed.get("version") and not parsed.entries:
        raise SourceError(origin, "not an RSS, Atom or JSON feed; check the URL or the file")
    feed = parsed.feed
    self_link = next(
        (link.get("href") for link in feed.get("links", []) if link.get("rel") == "self"), None
    )
    upstream = _Upstream(
        origin, source, htmltext.text(feed.get("title", "")) or None,
        url or self_link or feed.get("link"),
    )  # fmt: skip
    items, errors = _collect(upstream, [partial(_from_parsed, entry) for entry in parsed.entries])
    faults = [f'{bare} unescaped "&" read as "&amp;"'] if bare else []
    if isinstance(problem, xml.sax.SAXParseException):
        # No line number: feedparser has rewritten the DOCTYPE, so they would mislead.
        faults.insert(0, problem.getMessage())
        if not items:  # nothing recovered: a broken document, not a quirky one
            raise SourceError(origin, f"not a valid feed ({faults[0]}); check the URL or the file")
    if not faults:
        return items, errors, []
    # feedparser's loose parser never expands a DOCTYPE's entities: an undefined or
    # external one (billion laughs, XXE) stays its literal "&name;".
    warning = (
        f"{origin}: not well-formed XML ({'; '.join(faults)}); "
        f"its {len(items)} items were read leniently"
    )
    return items, errors, [warning]


# A bare "&" (AT&T, Q&A) is the commonest fault of hand-made feeds, and the loose
# parser would take it for an entity reference and print "AT&T;". So every "&"
# that starts no reference is escaped first, outside CDATA sections and comments
# (where "&" is text); an unterminated one runs to the end, so one pass is linear.
_AMPERSAND = re.compile(
    rb"(<!\[CDATA\[.*?(?:\]\]>|\Z)|<!--.*?(?:-->|\Z))"
    rb"|&(?!#[0-9]+;|#[xX][0-9a-fA-F]+;|[A-Za-z_:][-A-Za-z0-9_.:]*;)",
    re.DOTALL,
)


def _escape_ampersands(data: bytes) -> tuple[bytes, int]:
    """`data` with each bare "&" as "&amp;", and how many there were. A document
    with NUL bytes is UTF-16 or UTF-32, where a byte pattern cannot see characters:
    it is left to feedparser as it is."""
    if b"&" not in data or b"\0" in data:
        return data, 0
    count = 0

    def escape(match: re.Match[bytes]) -> bytes:
        nonlocal count
        if match[1]:
            return match[1]
        count += 1
        return b"&amp;"

    return _AMPERSAND.sub(escape, data), count


def _from_parsed(entry: Any) -> tuple[dict[str, Any], str, datetime | None]:
    """An RSS or Atom entry as feedparser gives it."""
    raw_title = entry.get("title", "")
    is_html = "html" in entry.get("title_detail", {}).get("type", "")
    # dict.get: feedparser's own get() maps a missing `updated` to `published`, warning.
    when = dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed")
    upstream = {
        "id": entry.get("id"),
        "title": raw_title,
        "link": entry.get("link"),
        "author": entry.get("author"),
        "published": dict.get(entry, "published"),
        "updated": dict.get(entry, "updated"),
        "summary": entry.get("summary", ""),
        "content": [c.get("value", "") for c in entry.get("content", [])],
        "tags": [t.get("term") for t in entry.get("tags", [])],
    }
    return upstream, htmltext.text(raw_title) if is_html else raw_title.strip(), _utc(when)


def _json_feed(
    data: bytes, *, origin: str, source: str, url: str | None
) -> tuple[list[Item], list[SourceError]]:
    """JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1)."""
    try:
        feed = loads_json(data)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise SourceError(origin, f"not valid JSON ({exc}); check the URL or the file") from exc
    if not isinstance(feed, dict) or not str(feed.get("version", "")).startswith(
        "https://jsonfeed.org/version/"
    ):
        raise SourceError(origin, "not a JSON Feed (no jsonfeed.org version); check the source")
    raw_items = feed.get("items")
    if not isinstance(raw_items, list):
        raise SourceError(origin, "a JSON Feed without an items list; check the source")
    title, feed_url, home = (
        value if isinstance(value := feed.get(key), str) and value.strip() else None
        for key in ("title", "feed_url", "home_page_url")
    )
    upstream = _Upstream(origin, source, title and title.strip(), url or feed_url or home)
    return _collect(upstream, [partial(_from_json, raw, url or feed_url) for raw in raw_items])


def _from_json(raw: Any, base: str | None) -> tuple[dict[str, Any], str, datetime | None]:
    """A JSON Feed item; a field of the wrong type counts as absent."""
    if not isinstance(raw, dict):
        raise ValueError("is not an object")

    def text(key: str) -> str:
        value = raw.get(key)
        return value if isinstance(value, str) else ""

    authors = raw.get("authors") or [raw.get("author")]
    authors = authors if isinstance(authors, list) else []
    names = [a["name"] for a in authors if isinstance(a, dict) and isinstance(a.get("name"), str)]
    link = text("url") or text("external_url")
    content = text("content_html")
    if not content and text("content_text"):
        # Plain text: its blank lines are its paragraphs.
        content = "".join(f"<p>{_escape(p)}</p>" for p in text("content_text").split("\n\n"))
    entry_id = raw.get("id")
    tags = raw.get("tags")
    upstream = {
        "id": str(entry_id) if isinstance(entry_id, str | int) and str(entry_id) else None,
        "title": text("title"),
        "link": (urljoin(base, link) if base and link else link) or None,
        "author": ", ".join(names) or None,
        "published": text("date_published"),
        "updated": text("date_modified"),
        "summary": text("summary"),
        "content": [content] if content else [],
        "tags": [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else [],
    }
    when = text("date_published") or text("date_modified")
    return upstream, text("title").strip(), _rfc3339(when)


def _collect(feed: _Upstream, entries: Sequence[_Read]) -> tuple[list[Item], list[SourceError]]:
    """Every good entry's item, the first of each id (an upstream may repeat one),
    and an error naming each bad entry by its position."""
    items: dict[str, Item] = {}
    errors = []
    for number, read in enumerate(entries, start=1):
        try:
            item = _item(*read(), feed=feed, number=number)
        except ValueError as exc:
            errors.append(SourceError(feed.origin, f"item {number} {exc}; it is skipped"))
            continue
        items.setdefault(item.key, item)
    return list(items.values()), errors


def _item(
    upstream: dict[str, Any], title: str, published: datetime | None, *, feed: _Upstream,
    number: int,
) -> Item:  # fmt: skip
    link = upstream.get("link") or None
    entry_id = upstream.get("id") or link
    if not entry_id:
        # Neither guid nor link (rare): the id is the item's text, as a URI.
        entry_id = "urn:feedsum:" + stamp([title, upstream.get("summary"), upstream.get("content")])
    content = [c for c in upstream.get("content") or [] if c]
    paragraphs = [p for html in content for p in htmltext.paragraphs(html)]
    teaser = False
    if not paragraphs:
        content = [upstream.get("summary") or ""]
        paragraphs = htmltext.paragraphs(content[0])
        teaser = sum(len(p.split()) for p in paragraphs) < TEASER_WORDS
    if not paragraphs and not link:
        raise ValueError("has no text and no link")
    article = Article(
        id=entry_id,
        origin=link or f"{feed.origin} item {number}",
        body="\n\n".join(paragraphs),
        title=title or None,
        link=link,
        author=(upstream.get("author") or "").strip() or None,
        published=published,
        tags=tuple(t.strip() for t in upstream.get("tags") or [] if t and t.strip()),
        # The item's HTML as the entry's content, links and images kept (sanitized
        # at the safety boundary, like every article's).
        html="\n".join(content) if paragraphs else None,
        source_title=feed.title,
        source_url=feed.url,
        teaser=teaser and link is not None,
    )
    return Item(key=f"{feed.source}#{entry_id}", stamp=stamp(upstream), article=article)


def _utc(when: Any) -> datetime | None:
    """feedparser's UTC time tuple as a datetime."""
    if not when:
        return None
    year, month, day, hour, minute, second = when[:6]
    try:
        moved = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:  # feedparser moves 9999-12-31T23:00-05:00 to the year 10000
        raise out_of_range(f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}Z") from None
    return utc(moved, UTC)


def _escape(text: str) -> str:
    import html

    return html.escape(text, quote=False)


def _rfc3339(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"has a bad date {value!r}") from None
    return utc(when, UTC)


def expand(article: Article, body: bytes, final_url: str) -> Article:
    """A teaser made whole from its fetched page; page metadata fills what the item lacks."""
    from feedsum.sources.html import extract

    page = extract(body, article.link or final_url, url=final_url)
    published = article.published
    if published is None and page.published is not None:
        with suppress(ValueError):  # a page's metadata out of range: the item is undated
            published = utc(page.published, UTC)
    return replace(
        article,
        body="\n\n".join(page.paragraphs),
        html=page.html,
        title=article.title or page.title,
        author=article.author or page.author,
        published=published,
        tags=article.tags or page.tags,
        teaser=False,
    )
