"""build(feed): the one place that orders the stages.

    files -> Article -> clean -> summarize (or reuse from state) -> FeedItem
          -> Atom/RSS bytes -> atomic replace -> state

A file whose size, mtime and inode are as remembered is not even read. A bad
article becomes a SourceError in the report, next to the feed built from the
rest. State is saved only after the outputs are in place, so a crash in
between re-does work instead of losing it.
"""

from __future__ import annotations

import glob
import hashlib
import json
import logging
import os
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from functools import partial
from pathlib import Path

from feedsum import __version__
from feedsum.config import FeedConfig
from feedsum.errors import SourceError
from feedsum.model import Article, FeedItem, SummarySettings
from feedsum.sources.textfile import read_article
from feedsum.state import Entry, FeedBuild, Record, State
from feedsum.summarize import SUMMARIZER_VERSION, prepare, split_paragraphs, summarize_split
from feedsum.text import clean
from feedsum.writers.atomic import write_atomic

log = logging.getLogger(__name__)

TITLE_MAX_CHARS = 100
# Below this many articles to summarize, starting worker processes costs more than it saves.
POOL_MIN_ARTICLES = 16
_CHUNK = 8

#: Called with the number of files to read, returns a tick to call after each.
Progress = Callable[[int], Callable[[], None]]


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
    #: Files read in this build (the rest were recognised by size, mtime and inode).
    read: int
    failures: tuple[SourceError, ...]
    #: Every output file of the feed, and those whose bytes changed.
    outputs: tuple[Path, ...]
    written: tuple[Path, ...]


@dataclass(frozen=True, slots=True)
class _Context:
    """What turning a file into an entry needs besides the file: sent to workers."""

    root: str
    id_prefix: str
    timezone: tzinfo
    settings: SummarySettings


@dataclass(frozen=True, slots=True)
class _Task:
    """One file to read, and the content hash whose summary state already holds."""

    key: str
    known_hash: str | None


@dataclass(frozen=True, slots=True)
class _Outcome:
    """What reading (and, if needed, summarizing) one file gave."""

    key: str
    entry_id: str = ""
    origin: str = ""
    published: datetime | None = None
    digest: str = ""
    #: None when the content hash was the known one: nothing was summarized.
    entry: Entry | None = None
    #: SourceError's origin, problem and line (exceptions travel badly between processes).
    error: tuple[str, str, int | None] | None = None


def scan_files(config: FeedConfig) -> tuple[dict[str, str], list[SourceError]]:
    """The stamp of every regular file the sources match, by key, sorted by key.

    A key is the file's path relative to the feed file, with forward slashes.
    Hidden files (editor backups, lock files) never match. One stat per file,
    and no pathlib in the loop: this is most of what a no-change build costs.
    """
    root = str(config.root)
    stamps: dict[str, str] = {}
    errors: list[SourceError] = []
    for source in config.sources:
        for name in glob.glob(source.pattern, root_dir=root, recursive=True):
            key = name.replace(os.sep, "/")
            if key in stamps:
                continue
            path = os.path.join(root, name)
            try:
                st = os.stat(path)
            except OSError as exc:
                errors.append(SourceError(path, f"cannot read it ({exc.strerror})"))
                continue
            if stat.S_ISREG(st.st_mode):
                stamps[key] = f"{st.st_size}:{st.st_mtime_ns}:{st.st_ino}"
    return dict(sorted(stamps.items())), errors


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


def settings_key(settings: SummarySettings) -> str:
    return f"{settings.key()};v{SUMMARIZER_VERSION}"


def reader_key(config: FeedConfig) -> str:
    """The feed settings that shape an entry's id and dates, besides the file itself."""
    return f"{id_prefix(config)};{config.timezone.key}"


def id_prefix(config: FeedConfig) -> str:
    return f"tag:{config.domain},{config.tag_date.isoformat()}:"


def make_item(record: Record, entry: Entry) -> FeedItem:
    """The feed entry of a remembered article."""
    return FeedItem(
        id=record.entry_id,
        title=entry.title,
        summary=" ".join(entry.summary),
        paragraphs=entry.paragraphs,
        published=record.dated,
        updated=record.updated,
        link=entry.link,
        author=entry.author,
    )


def newest_first(records: Iterable[Record], max_items: int) -> list[Record]:
    """The records a feed shows: newest first, ties broken by entry id."""
    return sorted(records, key=lambda r: (-r.dated.timestamp(), r.entry_id))[:max_items]


def _process(context: _Context, task: _Task) -> _Outcome:
    """Read, clean and hash one file; summarize it unless its hash is the known one.

    All of an article's work happens here, so that --jobs spreads all of it.
    """
    path = Path(context.root) / task.key
    try:
        article = read_article(
            path, key=task.key, id_prefix=context.id_prefix, timezone=context.timezone
        )
        paragraphs = clean(article.body)
        if not paragraphs:
            raise SourceError(
                article.origin, "no article text left after removing captions; add text"
            )
    except SourceError as error:
        return _Outcome(task.key, error=(error.origin, error.problem, error.line))
    digest = content_hash(article, paragraphs)
    found = _Outcome(
        task.key,
        entry_id=article.id,
        origin=article.origin,
        published=article.published,
        digest=digest,
    )
    if digest == task.known_hash:
        return found
    split = split_paragraphs(paragraphs)
    summary = summarize_split(split, context.settings, article.title)
    entry = Entry(
        title=article.title or derive_title(split[0][0]),
        link=article.link,
        author=article.author,
        paragraphs=paragraphs,
        summary=summary.sentences,
    )
    return replace(found, entry=entry)


def _run(
    tasks: Sequence[_Task], context: _Context, jobs: int, tick: Callable[[], None]
) -> Iterator[_Outcome]:
    """The outcome of every task, in order; in worker processes when it pays."""
    work = partial(_process, context)
    if jobs <= 1 or len(tasks) < POOL_MIN_ARTICLES:
        for task in tasks:
            yield work(task)
            tick()
        return
    # Load sumy and nltk before the fork: workers inherit them instead of each
    # importing them again.
    prepare(context.settings)
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for outcome in pool.map(work, tasks, chunksize=_CHUNK):
            yield outcome
            tick()


def _feed_settings(config: FeedConfig) -> bytes:
    """Every feed setting that shapes the outputs, besides the articles."""
    settings = (
        __version__, config.title, config.link, config.description, config.base_url,
        config.author, config.language, config.formats, config.full_content, config.name,
        config.max_items, str(config.output_dir), reader_key(config), settings_key(config.summary),
    )  # fmt: skip
    return repr(settings).encode()


def _scan_digest(config: FeedConfig, stamps: dict[str, str]) -> str:
    """Equal for two builds when no setting and no file stamp differs between them."""
    digest = hashlib.sha256(_feed_settings(config))
    for key, stamp in stamps.items():
        digest.update(f"\0{key}\0{stamp}".encode())
    return digest.hexdigest()


def _fingerprint(config: FeedConfig, shown: Sequence[Record]) -> str:
    """A hash of everything the outputs are rendered from: equal means equal bytes."""
    digest = hashlib.sha256(_feed_settings(config))
    for r in shown:
        # content_hash covers the entry's text, settings its summary.
        digest.update(
            f"\0{r.entry_id}\0{r.content_hash}\0{r.settings}\0{r.dated}\0{r.updated}".encode()
        )
    return digest.hexdigest()


def _one_per_id(
    config: FeedConfig, records: Iterable[Record]
) -> tuple[list[Record], list[SourceError]]:
    """One record per entry id: the first file (by path) keeps it, later ones are errors."""
    owner: dict[str, Record] = {}
    clashes = []
    for record in sorted(records, key=lambda r: r.key):
        first = owner.setdefault(record.entry_id, record)
        if first is not record:
            clashes.append(
                SourceError(
                    str(config.root / record.key),
                    f"entry id {record.entry_id!r} is already used by "
                    f"{config.root / first.key}; give one of them another id",
                )
            )
    return list(owner.values()), clashes


def build(
    config: FeedConfig,
    state: State,
    now: datetime,
    *,
    force: bool = False,
    jobs: int = 1,
    progress: Progress | None = None,
) -> BuildReport:
    """Build one feed: read what changed, summarize what is new, write, save state.

    `now` is when the build runs (UTC); it dates only first sightings and
    changes. `force` re-reads and re-summarizes every article.
    """
    outputs = tuple(config.output_dir / f"{config.name}.{fmt}" for fmt in config.formats)
    stamps, failures = scan_files(config)
    scan = _scan_digest(config, stamps)
    last = state.last_build(config.name)
    if (
        not force
        and not failures
        and last is not None
        and (last.scan, last.failed) == (scan, 0)
        and all(p.is_file() for p in outputs)
    ):
        # Same settings, same files, and the last build was clean: nothing to do.
        state.save(config.name, [], replace(last, built_at=now))
        return BuildReport(
            feed=config.name,
            entries=last.entries,
            new=0,
            changed=0,
            summarized=0,
            read=0,
            failures=(),
            outputs=outputs,
            written=(),
        )

    # --force redoes the work, not the history: first-seen and change times stay.
    remembered = state.records(config.name)
    summary_key, reader = settings_key(config.summary), reader_key(config)
    kept: list[Record] = []  # unchanged, entry in state
    tasks: list[_Task] = []
    for key, stamp in stamps.items():
        old = remembered.get(key)
        if old and old.settings == summary_key and not force:
            if (old.stamp, old.reader) == (stamp, reader):
                kept.append(old)
                continue
            tasks.append(_Task(key, old.content_hash))
        else:
            tasks.append(_Task(key, None))

    context = _Context(str(config.root), id_prefix(config), config.timezone, config.summary)
    tick = progress(len(tasks)) if progress and tasks else (lambda: None)
    touched: list[Record] = []  # read again, same content: new stamp only
    fresh: list[tuple[Record, Entry]] = []
    new = changed = 0
    for outcome in _run(tasks, context, jobs, tick):
        if outcome.error:
            failures.append(SourceError(*outcome.error))
            continue
        old = remembered.get(outcome.key)
        stamp = stamps[outcome.key]
        if outcome.entry is None:
            assert old is not None  # a known hash comes from a record
            touched.append(replace(old, stamp=stamp, reader=reader, entry_id=outcome.entry_id))
            continue
        edited = old is not None and old.content_hash != outcome.digest
        new += old is None
        changed += edited
        record = Record(
            key=outcome.key,
            entry_id=outcome.entry_id,
            content_hash=outcome.digest,
            settings=summary_key,
            stamp=stamp,
            reader=reader,
            first_seen=old.first_seen if old else now,
            changed=now if edited else (old.changed if old else None),
            published=outcome.published,
        )
        fresh.append((record, outcome.entry))
        log.debug("%s: summarized %s", config.name, outcome.origin)

    unique, clashes = _one_per_id(config, [*kept, *touched, *(r for r, _ in fresh)])
    failures.extend(clashes)
    shown = newest_first(unique, config.max_items)
    fingerprint = _fingerprint(config, shown)
    written: tuple[Path, ...] = ()
    if (
        force
        or last is None
        or last.fingerprint != fingerprint
        or not all(p.is_file() for p in outputs)
    ):
        from feedsum.writers.feeds import render  # feedgen loads only when a feed changes

        # Only the entries shown are decoded: a feed of 50 out of 10,000 articles reads 50.
        entries = {r.key: e for r, e in fresh}
        entries.update(state.entries(config.name, (r.key for r in shown if r.key not in entries)))
        items = [make_item(r, entries[r.key]) for r in shown]
        written = tuple(
            path
            for path, fmt in zip(outputs, config.formats, strict=True)
            if write_atomic(path, render(config, items, fmt))
        )
    state.save(
        config.name,
        [*((r, None) for r in touched), *fresh],
        FeedBuild(
            name=config.name,
            fingerprint=fingerprint,
            scan=scan,
            built_at=now,
            entries=len(shown),
            failed=len(failures),
            last_error=str(failures[0]) if failures else None,
        ),
    )
    return BuildReport(
        feed=config.name,
        entries=len(shown),
        new=new,
        changed=changed,
        summarized=len(fresh),
        read=len(tasks),
        failures=tuple(failures),
        outputs=outputs,
        written=written,
    )


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
