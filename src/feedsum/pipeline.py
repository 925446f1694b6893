"""build(feed): the one place that orders the stages.

    files -> Article -> clean -> summarize (or reuse from state) -> FeedItem
          -> Atom/RSS bytes -> atomic replace -> state

A bad article becomes a SourceError in the report, next to the feed built
from the rest. State is saved only after the outputs are in place, so a crash
in between re-does work instead of losing it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from feedsum.config import FeedConfig
from feedsum.errors import SourceError
from feedsum.model import Article, FeedItem, SummarySettings
from feedsum.sources.textfile import read_article
from feedsum.state import Record, State
from feedsum.summarize import summarize
from feedsum.text import clean, split_sentences
from feedsum.writers.atomic import write_atomic
from feedsum.writers.feeds import render

TITLE_MAX_CHARS = 100


@dataclass(frozen=True, slots=True, kw_only=True)
class BuildReport:
    """What one build of one feed did."""

    feed: str
    #: Entries in the written feed (after max_items).
    entries: int
    #: Articles seen for the first time / whose content changed.
    new: int
    changed: int
    #: Articles summarized in this build (the rest came from state).
    summarized: int
    failures: tuple[SourceError, ...]
    #: Every output file of the feed, and those whose bytes changed.
    outputs: tuple[Path, ...]
    written: tuple[Path, ...]


def find_files(config: FeedConfig) -> list[tuple[str, Path]]:
    """(key, path) of every file the feed's sources match, sorted, each once."""
    found: dict[str, Path] = {}
    for source in config.sources:
        for path in sorted(config.root.glob(source.pattern)):
            if path.is_file():
                found.setdefault(path.relative_to(config.root).as_posix(), path)
    return sorted(found.items())


def derive_title(first_sentence: str, limit: int = TITLE_MAX_CHARS) -> str:
    """The first sentence, cut at a word boundary to at most `limit` characters."""
    if len(first_sentence) <= limit:
        return first_sentence
    cut = first_sentence[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:-\u2013\u2014")
    return cut + "\u2026"


def content_hash(article: Article, paragraphs: Sequence[str]) -> str:
    """A hash of everything the entry shows of the article (not its id or origin)."""
    published = article.published.isoformat() if article.published else None
    payload = [article.title, article.link, article.author, published, list(paragraphs)]
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()


def make_item(
    article: Article,
    paragraphs: tuple[str, ...],
    summary: tuple[str, ...],
    record: Record,
) -> FeedItem:
    """The entry for an article: its published date, or else when it was first seen."""
    published = article.published or record.first_seen
    updated = max(published, record.changed) if record.changed else published
    title = article.title or derive_title(split_sentences(paragraphs[0])[0])
    return FeedItem(
        id=article.id,
        title=title,
        summary=" ".join(summary),
        paragraphs=paragraphs,
        published=published,
        updated=updated,
        link=article.link,
        author=article.author,
        origin=article.origin,
    )


def _sort_key(item: FeedItem) -> tuple[float, str]:
    return (-item.published.timestamp(), item.id)


def build(config: FeedConfig, state: State, now: datetime) -> BuildReport:
    """Build one feed: read, summarize what is new, write every format, save state.

    `now` is when the build runs (UTC); it dates only first sightings and changes.
    """
    remembered = state.records(config.name)
    id_prefix = f"tag:{config.domain},{config.tag_date.isoformat()}:"
    settings: SummarySettings = config.summary
    failures: list[SourceError] = []
    items: list[FeedItem] = []
    to_save: list[Record] = []
    used_ids: dict[str, str] = {}
    new = changed = summarized = 0
    for key, path in find_files(config):
        try:
            article = read_article(path, key=key, id_prefix=id_prefix, timezone=config.timezone)
            paragraphs = clean(article.body)
            if not paragraphs:
                raise SourceError(
                    article.origin, "no article text left after removing captions; add text"
                )
            if article.id in used_ids:
                raise SourceError(
                    article.origin,
                    f"entry id {article.id!r} is already used by {used_ids[article.id]}; "
                    "give one of them another id or link",
                )
        except SourceError as error:
            failures.append(error)
            continue
        used_ids[article.id] = article.origin
        digest = content_hash(article, paragraphs)
        old = remembered.get(key)
        if old and old.content_hash == digest and old.settings == settings.key():
            record = old
        else:
            summary = summarize(paragraphs, settings, article.title).sentences
            summarized += 1
            if old is None:
                new += 1
                record = Record(
                    key=key,
                    entry_id=article.id,
                    content_hash=digest,
                    settings=settings.key(),
                    summary=summary,
                    first_seen=now,
                )
            else:
                edited = old.content_hash != digest
                changed += edited
                record = Record(
                    key=key,
                    entry_id=article.id,
                    content_hash=digest,
                    settings=settings.key(),
                    summary=summary,
                    first_seen=old.first_seen,
                    changed=now if edited else old.changed,
                )
            to_save.append(record)
        items.append(make_item(article, paragraphs, record.summary, record))
    items.sort(key=_sort_key)
    items = items[: config.max_items]
    outputs = tuple(config.output_dir / f"{config.name}.{fmt}" for fmt in config.formats)
    written = tuple(
        path
        for path, fmt in zip(outputs, config.formats, strict=True)
        if write_atomic(path, render(config, items, fmt))
    )
    state.save(config.name, to_save)
    return BuildReport(
        feed=config.name,
        entries=len(items),
        new=new,
        changed=changed,
        summarized=summarized,
        failures=tuple(failures),
        outputs=outputs,
        written=written,
    )
