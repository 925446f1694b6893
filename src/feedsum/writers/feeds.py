"""Atom 1.0 and RSS 2.0 documents, written with feedgen; the dispatch to every format.

Atom entries carry the summary as `summary` and, when the feed asks for it,
the whole cleaned article as HTML `content`. RSS items carry the summary as
`description` and the article as `content:encoded`. Every date comes from
the items; nothing here reads the clock, so unchanged items give identical bytes.

Each format's own escaping rules: Atom's `title` and `summary` are
`type="text"`, so the XML escaping feedgen does is all they need. RSS's
`description` is HTML by convention (and many readers treat `title` so), so
plain text is HTML-escaped first: a summary that says `<b>` shows `<b>`
instead of turning bold, and one that mentions `<script>` never becomes one.
"""

from __future__ import annotations

import functools
import gc
import html
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, ParamSpec, TypeVar

from feedgen.feed import FeedGenerator
from lxml import etree

from feedsum import PROJECT_URL, __version__
from feedsum.config import FeedConfig
from feedsum.languages import document_language, own_language
from feedsum.model import FeedItem

GENERATOR_URI = PROJECT_URL


def feed_updated(items: Sequence[FeedItem], fallback: datetime) -> datetime:
    """The newest entry's time, not now(): unchanged input must give identical bytes."""
    return max((item.updated for item in items), default=fallback)


def to_html(paragraphs: Sequence[str]) -> str:
    """Paragraphs as escaped HTML `<p>` elements."""
    return "\n".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs)


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _without_cyclic_gc(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """Python's cyclic collector scans every live object each time it runs, and
    feedgen makes several per entry: paused, a feed of 10,000 entries costs per
    entry about what one of 1,000 does (about 5% less time at 10,000 entries)."""

    @functools.wraps(function)
    def paused(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        enabled = gc.isenabled()
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            if enabled:
                gc.enable()

    return paused


class _AtomSource:
    """A feedgen entry extension writing a complete Atom `<source>`: feedgen's own
    has only title and link, and the Atom spec wants the source's id and updated."""

    def __init__(self) -> None:
        self.fields: dict[str, str] = {}

    def extend_ns(self) -> dict[str, str]:
        return {}

    def extend_atom(self, entry: Any) -> Any:
        source = etree.SubElement(entry, "source")
        for name in ("id", "title", "updated"):
            etree.SubElement(source, name).text = self.fields[name]
        etree.SubElement(source, "link", href=self.fields["id"])
        return entry

    def extend_rss(self, item: Any) -> Any:
        return item


class _AtomLanguage:
    """A feedgen entry extension setting the entry's `xml:lang` (feedgen sets it
    on the feed only): an entry in another language than its feed says so."""

    language = ""

    def extend_ns(self) -> dict[str, str]:
        return {}

    def extend_atom(self, entry: Any) -> Any:
        entry.set("{http://www.w3.org/XML/1998/namespace}lang", self.language)
        return entry

    def extend_rss(self, item: Any) -> Any:
        return item


def render(config: FeedConfig, items: Sequence[FeedItem], fmt: str) -> bytes:
    """The feed document in `fmt` (one of RENDERERS) for items given newest first."""
    return RENDERERS[fmt](config, items)


def render_atom(config: FeedConfig, items: Sequence[FeedItem]) -> bytes:
    return _render(config, items, "atom")


def render_rss(config: FeedConfig, items: Sequence[FeedItem]) -> bytes:
    return _render(config, items, "rss")


def render_json(config: FeedConfig, items: Sequence[FeedItem]) -> bytes:
    from feedsum.writers.jsonfeed import render_json

    return render_json(config, items)


def render_html(config: FeedConfig, items: Sequence[FeedItem]) -> bytes:
    from feedsum.writers.html import render_feed_page  # Jinja2 loads only for html

    return render_feed_page(config, items)


#: Each output format's renderer: the feed's bytes from its items, newest first.
#: (`html` also has a page per local article: see feedsum.writers.html.)
RENDERERS: dict[str, Callable[[FeedConfig, Sequence[FeedItem]], bytes]] = {
    "atom": render_atom,
    "rss": render_rss,
    "json": render_json,
    "html": render_html,
}


@_without_cyclic_gc
def _render(config: FeedConfig, items: Sequence[FeedItem], fmt: str) -> bytes:
    # With no entries, a fixed date keeps the empty feed's bytes stable too.
    epoch = datetime(1970, 1, 1, tzinfo=config.timezone)
    updated = feed_updated(items, epoch)
    fg = FeedGenerator()
    fg.id(config.self_url("atom"))
    fg.title(config.title)
    fg.description(config.description)
    fg.author({"name": config.author})
    if (language := document_language(config.language)) is not None:
        fg.language(language)
    # feedgen takes RSS's channel <link> from the last link set: the site.
    fg.link(href=config.self_url(fmt), rel="self")
    fg.link(href=config.link, rel="alternate")
    fg.generator("feedsum", __version__, GENERATOR_URI)
    fg.updated(updated)
    if fmt == "rss":
        fg.pubDate(updated)
    # RSS names an author by email only; dc:creator carries a name (as most feeds do).
    creators = fmt == "rss" and any(item.author for item in items)
    if creators:
        fg.load_extension("dc", atom=False, rss=True)
    rss = fmt == "rss"
    for item in items:
        entry = fg.add_entry(order="append")  # the default prepends, in quadratic time
        entry.id(item.id)
        entry.guid(item.id, permalink=item.link is not None and item.id == item.link)
        entry.title(html.escape(item.title, quote=False) if rss else item.title)
        entry.summary(html.escape(item.summary, quote=False) if rss else item.summary)
        if config.full_content:
            entry.content(item.html or to_html(item.paragraphs), type="html")
        # The article's own URL, else its page on this site (`html`); Atom wants an
        # alternate link on an entry without content: the site, when neither exists.
        entry.link(href=item.alternate or config.link, rel="alternate")
        if item.author:
            entry.author({"name": item.author})
            if creators:
                entry.dc.dc_creator(item.author)
        for tag in item.tags:
            entry.category(term=tag)
        if item.source_url:
            # Attribution: the upstream feed (Atom <source>, RSS <source url>).
            title = item.source_title or item.source_url
            if rss:
                entry.source(url=item.source_url, title=title)
            else:
                entry.register_extension("feedsum_source", _AtomSource, atom=True, rss=False)
                entry.feedsum_source.fields = {
                    "id": item.source_url,
                    "title": title,
                    "updated": item.updated.isoformat(),
                }
        if not rss and (language := own_language(item.language, config.language)):
            entry.register_extension("feedsum_language", _AtomLanguage, atom=True, rss=False)
            entry.feedsum_language.language = language
        entry.published(item.published)
        entry.updated(item.updated)
    if fmt == "atom":
        return bytes(fg.atom_str(pretty=True))
    return bytes(fg.rss_str(pretty=True))
