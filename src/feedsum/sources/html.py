"""Web pages: local `.html` files, and article pages behind feed teasers.

trafilatura finds the article in the page (navigation, ads, comments and
other boilerplate left out) and reads its title, author, date and tags from
the page's metadata. trafilatura loads on first use: it is needed only by
feeds that read pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo
from pathlib import Path

from feedsum.errors import SourceError
from feedsum.model import Article
from feedsum.sources import MAX_ARTICLE_BYTES, read_bytes


@dataclass(frozen=True, slots=True, kw_only=True)
class Page:
    """What trafilatura found in a page."""

    paragraphs: tuple[str, ...]
    title: str | None
    author: str | None
    published: date | None
    tags: tuple[str, ...]
    #: The page's canonical URL, if it declares one.
    url: str | None


def extract(data: bytes | str, origin: str, url: str | None = None) -> Page:
    """The article in an HTML page, or a SourceError when there is none."""
    import trafilatura

    try:
        found = trafilatura.bare_extraction(
            data,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=False,
            deduplicate=False,
        )
    except Exception as exc:  # any page from the web: its failure must stay its own
        raise SourceError(origin, f"cannot read the page ({type(exc).__name__}: {exc})") from exc
    text = getattr(found, "text", None) or ""
    title = getattr(found, "title", None) or None
    paragraphs = [p.strip() for p in text.split("\n") if p.strip()]
    # trafilatura keeps the page's heading as the first line; it is the title.
    if paragraphs and title and paragraphs[0] == title.strip():
        paragraphs = paragraphs[1:]
    if not paragraphs:
        raise SourceError(origin, "no article text found in the page; check that it is one")
    published = None
    raw_date = getattr(found, "date", None)
    if raw_date:
        try:
            published = date.fromisoformat(str(raw_date)[:10])
        except ValueError:
            published = None
    tags = tuple(
        dict.fromkeys(
            t.strip()
            for field in ("tags", "categories")
            for t in (getattr(found, field, None) or [])
            if t.strip()
        )
    )
    return Page(
        paragraphs=tuple(paragraphs),
        title=title,
        author=getattr(found, "author", None) or None,
        published=published,
        tags=tags,
        url=getattr(found, "url", None) or None,
    )


def read_article(path: Path, *, key: str, id_prefix: str, timezone: tzinfo) -> Article:
    """Read one local HTML file; the id is its canonical URL, else `id_prefix + key`."""
    origin = str(path)
    data = read_bytes(path, MAX_ARTICLE_BYTES)
    page = extract(data, origin)
    published = None
    if page.published is not None:
        published = datetime.combine(page.published, time(), timezone).astimezone(UTC)
    return Article(
        id=page.url or id_prefix + key,
        origin=origin,
        body="\n\n".join(page.paragraphs),
        title=page.title,
        link=page.url,
        author=page.author,
        published=published,
        tags=page.tags,
    )
