"""`feedsum explain`: the fate of every article a feed knows, and why.

Pure over what the state remembers and what the sources offer now (files are
listed, nothing is fetched): the same steps as a build, in the same order,
each keeping the reason it leaves an article out. The words are the build's
verbose log's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime

from feedsum.config import FeedConfig
from feedsum.state import Entry, PageState, Record
from feedsum.text import clean

#: Every fate, in the order a build decides them.
FATES = ("removed", "failed", "clash", "excluded", "duplicate", "aged out", "beyond max_items",
         "shown", "waiting")  # fmt: skip


@dataclass(frozen=True, slots=True)
class Fate:
    """One article (or one failure) of a feed: what became of it, and why."""

    fate: str
    #: The article's key (its path, or an upstream's URL and item id); for a
    #: failure or a waiting page, the file or URL at fault.
    key: str
    why: str
    title: str | None = None

    def as_json(self) -> dict[str, str | None]:
        return asdict(self)


def explain(
    config: FeedConfig,
    records: Mapping[str, Record],
    entries: Mapping[str, Entry],
    offered: set[str],
    failures: Iterable[tuple[str, str, datetime, datetime]],
    pages: Iterable[PageState],
    now: datetime,
) -> list[Fate]:
    """The fates of `records` (those whose key is not `offered` now are removed),
    then of what failed in the last build and the pages that wait."""
    from feedsum.pipeline import claim_ids, from_entry, newest_first

    fates: dict[str, Fate] = {}

    def title(record: Record) -> str | None:
        entry = entries.get(record.key)
        return entry.title if entry else None

    def decide(record: Record, fate: str, why: str) -> None:
        fates.setdefault(record.key, Fate(fate, record.key, why, title(record)))

    for record in records.values():
        if record.key not in offered:
            decide(record, "removed", "its file or upstream item is gone (gc forgets it)")
    present = [r for r in records.values() if r.key not in fates]
    for record in present:
        entry = entries.get(record.key)
        if record.excluded and entry is not None:
            article = from_entry(record, entry, record.key)
            why = config.filters.why_not(article, clean(article.body)) or "the filter rules"
            decide(record, "excluded", why)
        elif record.excluded:
            decide(record, "excluded", "the filter rules")
    owners, taken = claim_ids(r for r in present if not r.excluded)
    for loser, owner in taken:
        decide(loser, "clash", f"entry id {loser.entry_id!r} belongs to {owner.key} (seen first)")
    claimed: dict[tuple[str, str], Record] = {}
    for record in sorted(owners, key=lambda r: (r.dated, r.key)):
        marks = [("id", record.entry_id), ("link", record.link), ("text", record.text_hash)]
        first = next(((how, claimed[(how, v)]) for how, v in marks if v and (how, v) in claimed),
                     None)  # fmt: skip
        if first is not None:
            how, owner = first
            decide(record, "duplicate", f"the same {how} as {owner.key}, dated earlier")
        for how, value in marks:
            if value:
                claimed.setdefault((how, value), record)
    oldest = config.filters.oldest(now)
    candidates = [r for r in owners if r.key not in fates]
    for record in candidates:
        if oldest is not None and record.dated < oldest:
            decide(record, "aged out", f"dated {record.dated:%Y-%m-%d}, over "
                   f"max_age_days = {config.filters.max_age_days}")  # fmt: skip
    ranked = newest_first((r for r in candidates if r.key not in fates), len(candidates))
    for position, record in enumerate(ranked, start=1):
        if position <= config.max_items:
            decide(record, "shown", f"entry {position} of {min(len(ranked), config.max_items)}")
        else:
            decide(record, "beyond max_items", f"newest {position}, over "
                   f"max_items = {config.max_items}")  # fmt: skip
    # By fate; within one, as decided (the shown in their places).
    out = sorted(fates.values(), key=lambda f: FATES.index(f.fate))
    out += [
        Fate(
            "failed",
            place,
            f"{problem} (first {first:%Y-%m-%d %H:%M}, last {last:%Y-%m-%d %H:%M} UTC)",
        )
        for place, problem, first, last in failures
    ]
    for page in pages:
        why = (f"its page backs off until {page.retry_at:%Y-%m-%d %H:%M} UTC after "
               f"{page.failures} failure(s): {page.last_error}")  # fmt: skip
        out.append(Fate("waiting", page.url, why))
    return out
