"""A feed's own last Atom output, read back when the state knows nothing of it.

The state is what keeps an undated article's date (its first sighting) and an
item that rolled off its upstream; a lost, moved or salvaged state forgets
both. The published Atom file still shows them, exactly as they were: each
entry's id, dates, title, link, author, tags, summary, content and source.
`pipeline.build` reads it when the feed has no recorded build, and gives new
records the dates their entries were published with, and entries no source
offers any more their records back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from feedsum.config import FeedConfig
from feedsum.sources import htmltext
from feedsum.state import Entry

_ATOM = "{http://www.w3.org/2005/Atom}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Published:
    """One entry of the feed's last Atom output."""

    id: str
    published: datetime
    updated: datetime
    #: What the entry showed; rendered again, it gives the same Atom and RSS.
    entry: Entry

    def dates(self, now: datetime) -> tuple[datetime, datetime | None]:
        """First seen and changed, for a record made anew of this entry: its entry
        then shows the published and updated times it showed before."""
        first_seen = min(self.published, now)
        return first_seen, (self.updated if self.updated > first_seen else None)


def published_entries(config: FeedConfig) -> dict[str, Published]:
    """The entries of the feed's Atom output by id; none when the feed has no Atom
    output, or it cannot be read (it is then as if the feed were new)."""
    if "atom" not in config.formats:
        return {}
    try:
        data = (config.output_dir / f"{config.name}.atom").read_bytes()
    except OSError:
        return {}
    return parse_atom(data, config.link)


def parse_atom(data: bytes, site: str) -> dict[str, Published]:
    """The entries of an Atom document as feedsum writes it; an entry without an
    id or dates is left out. `site` is the link an entry without one was given."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        return {}
    found: dict[str, Published] = {}
    for element in root.iterfind(f"{_ATOM}entry"):
        entry = _entry(element, site)
        if entry is not None:
            found.setdefault(entry.id, entry)
    return found


def _entry(element: Any, site: str) -> Published | None:
    """One `<entry>` (an lxml element) as written by feedsum's Atom renderer."""

    def text(path: str) -> str | None:
        value: str | None = element.findtext(path)
        return value or None

    entry_id, published = text(f"{_ATOM}id"), text(f"{_ATOM}published")
    updated = text(f"{_ATOM}updated")
    if not (entry_id and published and updated):
        return None
    try:
        dates = datetime.fromisoformat(published), datetime.fromisoformat(updated)
    except ValueError:
        return None
    link = next(
        (
            a.get("href")
            for a in element.iterfind(f"{_ATOM}link")
            if a.get("rel", "alternate") == "alternate"
        ),
        None,
    )
    html, summary = text(f"{_ATOM}content"), text(f"{_ATOM}summary")
    return Published(
        id=entry_id,
        published=dates[0],
        updated=dates[1],
        entry=Entry(
            title=text(f"{_ATOM}title") or "",
            # The site stands in for a missing link when the feed is written.
            link=None if link == site else link,
            author=text(f"{_ATOM}author/{_ATOM}name"),
            paragraphs=tuple(htmltext.paragraphs(html) if html else [summary or ""]),
            summary=(summary,) if summary else (),
            tags=tuple(c.get("term") for c in element.iterfind(f"{_ATOM}category")),
            html=html,
            source_title=text(f"{_ATOM}source/{_ATOM}title"),
            source_url=text(f"{_ATOM}source/{_ATOM}id"),
            # Written where it differs from the feed's: restored, it stays so.
            language=element.get("{http://www.w3.org/XML/1998/namespace}lang"),
        ),
    )
