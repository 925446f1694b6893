"""Web pages: local `.html` files, and article pages behind feed teasers.

trafilatura finds the article in the page (navigation, ads, comments and
other boilerplate left out) and reads its title, author, date and tags from
the page's metadata. trafilatura loads on first use: it is needed only by
feeds that read pages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, tzinfo
from html import escape as html_escape
from pathlib import Path
from typing import Any

from feedsum.errors import SourceError
from feedsum.model import Article
from feedsum.sources import MAX_ARTICLE_BYTES, htmltext, read_bytes, utc

_HEADINGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))

# lxml gives up on a whole page (and trafilatura then finds no article in it)
# at one reference to a character XML forbids: &#1; &#x1B; &#xFFFE;. They are
# dropped first, as safety.xml_text drops the characters themselves.
_FORBIDDEN_REF = (
    r"&#(?:[xX]0*(?:[0-8bBcCeEfF]|1[0-9a-fA-F]|[fF]{3}[eEfF])"
    r"|0*(?:[0-8]|1[124-9]|2[0-9]|3[01]|6553[45]));"
)
_FORBIDDEN_REF_TEXT = re.compile(_FORBIDDEN_REF)
_FORBIDDEN_REF_BYTES = re.compile(_FORBIDDEN_REF.encode("ascii"))


def _inner_html(element: Any) -> str:
    """An element's children (and text) as HTML, without the element itself."""
    from lxml import etree

    head = html_escape(element.text or "", quote=False)
    return head + "".join(etree.tostring(child, encoding="unicode") for child in element)


@dataclass(frozen=True, slots=True, kw_only=True)
class Page:
    """What trafilatura found in a page."""

    paragraphs: tuple[str, ...]
    #: The article as HTML (links, images and emphasis kept; not yet sanitized).
    html: str
    title: str | None
    author: str | None
    published: date | None
    tags: tuple[str, ...]
    #: The page's canonical URL, if it declares one.
    url: str | None


def extract(data: bytes | str, origin: str, url: str | None = None) -> Page:
    """The article in an HTML page, or a SourceError when there is none."""
    import trafilatura
    from lxml import etree
    from trafilatura.htmlprocessing import build_html_output
    from trafilatura.settings import Document

    if isinstance(data, bytes):
        data = _FORBIDDEN_REF_BYTES.sub(b"", data)
    else:
        data = _FORBIDDEN_REF_TEXT.sub("", data)
    try:
        found = trafilatura.bare_extraction(
            data,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=False,
            include_links=True,
            include_images=True,
            include_formatting=True,
            deduplicate=False,
        )
        # The article as HTML; its text is taken from that HTML, so the entry's
        # content and what is summarized are one text.
        body = (
            etree.fromstring(build_html_output(found)).find("body")
            if isinstance(found, Document)
            else None
        )
    except Exception as exc:  # any page from the web: its failure must stay its own
        raise SourceError(origin, f"cannot read the page ({type(exc).__name__}: {exc})") from exc
    title = getattr(found, "title", None) or None
    if body is not None and len(body) and title:
        # trafilatura keeps the page's heading as the first element; it is the title.
        first = body[0]
        if first.tag in _HEADINGS and "".join(first.itertext()).strip() == title.strip():
            if first.tail and first.tail.strip():
                first.tail = None
            body.remove(first)
    html = "" if body is None else _inner_html(body)
    paragraphs = htmltext.paragraphs(html)
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
        html=html,
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
        try:
            published = utc(page.published, timezone)
        except ValueError as exc:
            raise SourceError(origin, f"the page's {exc}") from None
    return Article(
        id=page.url or id_prefix + key,
        origin=origin,
        body="\n\n".join(page.paragraphs),
        title=page.title,
        link=page.url,
        author=page.author,
        published=published,
        tags=page.tags,
        html=page.html,
    )
