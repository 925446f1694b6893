"""What feedsum remembers between runs, in SQLite (stdlib sqlite3, WAL mode).

Per feed and article: the entry id, a hash of the content, the file's stamp
(size, mtime, inode), the summary and the settings that made it, what the
entry shows, when the article was first seen and when its content last
changed. Per feed: what the last build wrote and when.

The schema version lives in `PRAGMA user_version`; each step up is one
migration, run in a transaction, and a file from a newer feedsum is refused.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from feedsum.errors import StateDamaged, StateError, os_problem

# One tuple of statements per schema version; never edit a published step.
_MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: articles and their summaries.
    (
        """
        CREATE TABLE articles (
            feed         TEXT NOT NULL,
            key          TEXT NOT NULL,   -- the article's path relative to the feed file
            entry_id     TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            settings     TEXT NOT NULL,   -- what made the summary (algorithm, length, ...)
            summary      TEXT NOT NULL,   -- JSON list of the selected sentences
            first_seen   TEXT NOT NULL,   -- ISO 8601 UTC
            changed      TEXT,            -- ISO 8601 UTC, NULL while as first seen
            PRIMARY KEY (feed, key)
        )
        """,
    ),
    # 2: skip unchanged files without reading them; remember each feed's last build.
    (
        "ALTER TABLE articles ADD COLUMN stamp TEXT NOT NULL DEFAULT ''",  # size:mtime_ns:inode
        "ALTER TABLE articles ADD COLUMN reader TEXT NOT NULL DEFAULT ''",  # id prefix, time zone
        # The `date` header (ISO 8601 UTC), NULL when the article has none.
        "ALTER TABLE articles ADD COLUMN published TEXT",
        # JSON of Entry but its summary: title, link, author, paragraphs.
        "ALTER TABLE articles ADD COLUMN entry TEXT NOT NULL DEFAULT '{}'",
        """
        CREATE TABLE feeds (
            name         TEXT PRIMARY KEY,
            fingerprint  TEXT NOT NULL,   -- hash of what the outputs were rendered from
            scan         TEXT NOT NULL,   -- hash of the feed's settings and every file's stamp
            built_at     TEXT NOT NULL,   -- ISO 8601 UTC
            entries      INTEGER NOT NULL,
            failed       INTEGER NOT NULL,
            last_error   TEXT             -- the first failure of the last build, if any
        )
        """,
    ),
    # 3: upstream sources (feeds, JSON Lines) and what dedup, filters and ageing need.
    (
        "ALTER TABLE articles ADD COLUMN link TEXT",
        # Hash of the cleaned text alone: the same article from two upstreams.
        "ALTER TABLE articles ADD COLUMN text_hash TEXT NOT NULL DEFAULT ''",
        # 1 when the feed's include/exclude filters keep it out (it is not summarized).
        "ALTER TABLE articles ADD COLUMN excluded INTEGER NOT NULL DEFAULT 0",
        # When the oldest shown entry ages out of max_age_days (ISO 8601 UTC), if ever.
        "ALTER TABLE feeds ADD COLUMN expires TEXT",
        """
        CREATE TABLE sources (
            feed          TEXT NOT NULL,
            source        TEXT NOT NULL,   -- the URL or path as the feed file gives it
            items         TEXT NOT NULL,   -- JSON {key: stamp}, most recently offered first
            etag          TEXT,
            last_modified TEXT,
            url           TEXT,            -- where the last fetch ended, after redirects
            failures      INTEGER NOT NULL DEFAULT 0,  -- in a row, for the back-off
            retry_at      TEXT,            -- ISO 8601 UTC; no fetch before then
            last_error    TEXT,
            checked_at    TEXT,            -- ISO 8601 UTC of the last attempt
            PRIMARY KEY (feed, source)
        )
        """,
    ),
    # 4: teaser items' pages that failed and may work later, backing off like sources.
    (
        """
        CREATE TABLE pages (
            feed       TEXT NOT NULL,
            url        TEXT NOT NULL,
            failures   INTEGER NOT NULL,  -- in a row, for the back-off
            retry_at   TEXT NOT NULL,     -- ISO 8601 UTC; not fetched before then
            last_error TEXT NOT NULL,
            PRIMARY KEY (feed, url)
        )
        """,
    ),
    # 5: what failed in a feed's builds, and since when: `feedsum explain` says it.
    (
        """
        CREATE TABLE failures (
            feed      TEXT NOT NULL,
            place     TEXT NOT NULL,   -- the file (and line) or URL at fault
            problem   TEXT NOT NULL,
            first     TEXT NOT NULL,   -- ISO 8601 UTC of the first build it failed in
            last      TEXT NOT NULL,   -- and of the latest
            PRIMARY KEY (feed, place, problem)
        )
        """,
    ),
)
SCHEMA_VERSION = len(_MIGRATIONS)
PAGE_SIZE = 16_384  # bytes; see State._migrate
#: An entry's JSON and its summary's JSON, as stored.
Encoded = tuple[str, str]
# Keys per `IN (...)` query, well under SQLite's limit on bound parameters.
_BATCH = 500
#: A build copies the state to `<state>.backup` when the copy is older than this.
BACKUP_EVERY = timedelta(hours=1)
# SQLite's result codes for a file that is itself broken: malformed, or not a database.
_DAMAGE_CODES = frozenset({sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB})


def is_damage(exc: sqlite3.Error) -> bool:
    """Whether SQLite says the file is corrupt, as opposed to busy, full or unreadable
    (those pass; damage stays until the file is recovered)."""
    code = getattr(exc, "sqlite_errorcode", None) or 0
    return code & 0xFF in _DAMAGE_CODES  # the primary code of an extended one


def backup_path(path: Path) -> Path:
    """Where builds keep the online backup of the state at `path`."""
    return path.with_name(path.name + ".backup")


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    """What a feed entry shows of an article, kept so unchanged files are not re-read."""

    title: str
    link: str | None
    author: str | None
    paragraphs: tuple[str, ...]
    summary: tuple[str, ...]
    tags: tuple[str, ...] = ()
    html: str | None = None
    source_title: str | None = None
    source_url: str | None = None
    #: The article's language (BCP 47), when its source named or detected one.
    language: str | None = None

    def encode(self) -> Encoded:
        """The entry as its two JSON columns: made where the entry is (a worker), so
        that the process saving the build only stores strings."""
        return self.to_json(), json.dumps(self.summary, ensure_ascii=False)

    def to_json(self) -> str:
        """Everything but the summary, which has its own column; unset extras left out."""
        data: dict[str, Any] = {
            "title": self.title,
            "link": self.link,
            "author": self.author,
            "paragraphs": self.paragraphs,
        }
        extras = {
            "tags": self.tags,
            "html": self.html,
            "source_title": self.source_title,
            "source_url": self.source_url,
            "language": self.language,
        }
        data.update((k, v) for k, v in extras.items() if v)
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str, summary: str) -> Entry:
        """An entry from its JSON and its summary's JSON (kept in its own column)."""
        data = json.loads(text)
        return cls(
            title=data["title"],
            link=data["link"],
            author=data["author"],
            paragraphs=tuple(data["paragraphs"]),
            summary=tuple(json.loads(summary)),
            tags=tuple(data.get("tags", ())),
            html=data.get("html"),
            source_title=data.get("source_title"),
            source_url=data.get("source_url"),
            language=data.get("language"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Record:
    """What is remembered of one article of one feed, without its (large) entry."""

    key: str
    entry_id: str
    content_hash: str
    #: The summary settings (and summarizer version) that made the summary.
    settings: str
    #: The file's size:mtime_ns:inode when it was last read.
    stamp: str
    #: The feed settings that shaped the entry id and dates when it was read.
    reader: str
    first_seen: datetime
    #: When the content last changed; None while it is as first seen.
    changed: datetime | None = None
    #: The article's `date` header; None when it has none.
    published: datetime | None = None
    #: The article's own URL, and a hash of its cleaned text: for dedup.
    link: str | None = None
    text_hash: str = ""
    #: Kept out by the feed's filters (and so never summarized).
    excluded: bool = False

    @property
    def dated(self) -> datetime:
        """The entry's published time: the date header, or else the first sighting."""
        return self.published or self.first_seen

    @property
    def updated(self) -> datetime:
        """The entry's updated time: the last change, never before it was published."""
        return max(self.dated, self.changed) if self.changed else self.dated


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedBuild:
    """The last build of one feed."""

    name: str
    fingerprint: str
    #: Equal scans (settings and file stamps) mean nothing can have changed.
    scan: str
    built_at: datetime
    entries: int
    failed: int
    last_error: str | None = None
    #: When the oldest shown entry ages out (max_age_days): a rebuild is due then.
    expires: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceState:
    """What is remembered of one upstream source (a feed URL or a JSON Lines file)."""

    source: str
    #: Item key -> stamp, as of the last good read: kept when the next read fails.
    items: dict[str, str]
    etag: str | None = None
    last_modified: str | None = None
    #: Where the last fetch ended, after redirects.
    url: str | None = None
    #: Failures in a row; the back-off doubles with each.
    failures: int = 0
    retry_at: datetime | None = None
    last_error: str | None = None
    checked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class PageState:
    """A teaser item's page whose last fetches failed in a way that may pass."""

    url: str
    failures: int
    retry_at: datetime
    last_error: str


class State:
    """The state database; use as a context manager to close it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, isolation_level=None)
            self._migrate()
        except OSError as exc:
            raise StateError(
                f"{path}: cannot create the state database ({os_problem(exc)}); "
                "pass --state a path in a writable folder"
            ) from exc
        except sqlite3.DatabaseError as exc:
            if is_damage(exc):
                raise StateDamaged(path, str(exc)) from exc
            raise StateError(
                f"{path}: not a usable feedsum state database ({exc}); move it aside and "
                "build again (undated articles will then be dated by the new first sight)"
            ) from exc

    def _migrate(self) -> None:
        (version,) = self._db.execute("PRAGMA user_version").fetchone()
        if version > SCHEMA_VERSION:
            self._db.close()
            raise StateError(
                f"{self.path}: written by a newer feedsum (schema {version}, this one "
                f"knows up to {SCHEMA_VERSION}); upgrade feedsum, or pass another --state"
            )
        # Entries are a few KB of JSON: on SQLite's default 4 KB pages most take a
        # page of their own or spill onto overflow pages. With 16 KB pages the
        # 10,000-article bench state is a quarter smaller and commits in about half
        # the time.
        # It takes effect only in a new file (an existing one keeps its pages).
        self._db.execute(f"PRAGMA page_size = {PAGE_SIZE}")
        # Only a file we understand is switched to WAL: a newer one stays as it was.
        self._db.execute("PRAGMA journal_mode=WAL")
        for step in range(version, SCHEMA_VERSION):
            with self._db:
                self._db.execute("BEGIN IMMEDIATE")
                for statement in _MIGRATIONS[step]:
                    self._db.execute(statement)
                self._db.execute(f"PRAGMA user_version = {step + 1}")

    def __enter__(self) -> State:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    def check(self) -> None:
        """Raise StateDamaged unless SQLite's quick check finds every page sound.

        Reads the whole file (a few hundred ms for 10,000 articles): a build
        meets only the pages it needs, so damage elsewhere would go unseen.
        """
        try:
            problems = [row for (row,) in self._db.execute("PRAGMA quick_check(5)")]
        except sqlite3.DatabaseError as exc:
            if is_damage(exc):
                raise StateDamaged(self.path, str(exc)) from exc
            raise
        if problems != ["ok"]:
            raise StateDamaged(self.path, f"integrity check: {problems[0]}")

    def backup(self, now: datetime, every: timedelta = BACKUP_EVERY) -> Path | None:
        """Copy the state, checked sound, to `backup_path` unless the copy there is
        younger than `every`; the path written, or None. The copy's mtime is set to
        `now`, so the rate follows the builds' clock. A temp file and a rename: a
        crash leaves the old backup whole."""
        target = backup_path(self.path)
        with contextlib.suppress(FileNotFoundError):
            made = datetime.fromtimestamp(target.stat().st_mtime, UTC)
            if abs(now - made) < every:  # abs: a clock set back does not stop backups
                return None
        self.check()  # never replace a good backup with a damaged copy
        tmp = target.with_name(target.name + ".tmp")
        tmp.unlink(missing_ok=True)
        copy = sqlite3.connect(tmp)
        try:
            self._db.backup(copy)
        finally:
            copy.close()
        with open(tmp, "rb") as written:
            os.fsync(written.fileno())
        os.replace(tmp, target)
        os.utime(target, (now.timestamp(), now.timestamp()))
        return target

    def records(self, feed: str) -> dict[str, Record]:
        """Every remembered article of `feed`, by key."""
        rows = self._db.execute(
            "SELECT key, entry_id, content_hash, settings, stamp, reader, first_seen, changed,"
            " published, link, text_hash, excluded FROM articles WHERE feed = ?",
            (feed,),
        )
        return {row[0]: _record(row) for row in rows}

    def entries(self, feed: str, keys: Iterable[str]) -> dict[str, Entry]:
        """The stored entries of the given articles of `feed` (only those are decoded)."""
        wanted = list(keys)
        found: dict[str, Entry] = {}
        for start in range(0, len(wanted), _BATCH):
            batch = wanted[start : start + _BATCH]
            rows = self._db.execute(
                "SELECT key, entry, summary FROM articles"
                f" WHERE feed = ? AND key IN ({', '.join('?' * len(batch))})",
                (feed, *batch),
            )
            found.update((key, Entry.from_json(e, summary)) for key, e, summary in rows)
        return found

    def save(
        self,
        feed: str,
        records: Iterable[tuple[Record, Entry | None]],
        build: FeedBuild,
        sources: Iterable[SourceState] = (),
    ) -> None:
        """Store changed records (with their entry, or None to keep the stored one),
        the state of upstream sources and the feed's build, in one transaction."""
        with self.transaction():
            for record, entry in records:
                self.put(feed, record, entry.encode() if entry else None)
            self.finish(feed, build, sources)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction: committed if the block ends normally, else rolled back.

        A build stores each record as its article is done, while others are
        still being summarized, and commits once its outputs are in place.
        """
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            yield

    def put(self, feed: str, record: Record, entry: Encoded | None) -> None:
        """Store one record, with its entry (as `Entry.encode` gives it) or, with
        None, keeping the stored one. Inside `transaction`."""
        values = (
            record.entry_id,
            record.content_hash,
            record.settings,
            record.stamp,
            record.reader,
            record.first_seen.isoformat(),
            _iso(record.changed),
            _iso(record.published),
            record.link,
            record.text_hash,
            int(record.excluded),
            feed,
            record.key,
        )
        if entry is None:
            self._db.execute(
                "UPDATE articles SET entry_id = ?, content_hash = ?, settings = ?,"
                " stamp = ?, reader = ?, first_seen = ?, changed = ?, published = ?,"
                " link = ?, text_hash = ?, excluded = ? WHERE feed = ? AND key = ?",
                values,
            )
        else:
            self._db.execute(
                "INSERT OR REPLACE INTO articles (entry_id, content_hash, settings,"
                " stamp, reader, first_seen, changed, published, link, text_hash,"
                " excluded, feed, key, entry, summary)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*values, *entry),
            )

    def finish(self, feed: str, build: FeedBuild, sources: Iterable[SourceState] = ()) -> None:
        """Store the state of upstream sources and the feed's build. Inside `transaction`."""
        for source in sources:
            self._db.execute(
                "INSERT OR REPLACE INTO sources (feed, source, items, etag, last_modified,"
                " url, failures, retry_at, last_error, checked_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    feed,
                    source.source,
                    json.dumps(source.items),
                    source.etag,
                    source.last_modified,
                    source.url,
                    source.failures,
                    _iso(source.retry_at),
                    source.last_error,
                    _iso(source.checked_at),
                ),
            )
        self._db.execute(
            "INSERT OR REPLACE INTO feeds (name, fingerprint, scan, built_at, entries,"
            " failed, last_error, expires) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                build.name,
                build.fingerprint,
                build.scan,
                build.built_at.isoformat(),
                build.entries,
                build.failed,
                build.last_error,
                _iso(build.expires),
            ),
        )

    def last_build(self, feed: str) -> FeedBuild | None:
        row = self._db.execute(
            "SELECT name, fingerprint, scan, built_at, entries, failed, last_error, expires"
            " FROM feeds WHERE name = ?",
            (feed,),
        ).fetchone()
        if row is None:
            return None
        name, fingerprint, scan, built_at, entries, failed, last_error, expires = row
        return FeedBuild(
            name=name,
            fingerprint=fingerprint,
            scan=scan,
            built_at=datetime.fromisoformat(built_at),
            entries=entries,
            failed=failed,
            last_error=last_error,
            expires=_when(expires),
        )

    def sources(self, feed: str) -> dict[str, SourceState]:
        """What is remembered of each upstream source of `feed`, by source."""
        rows = self._db.execute(
            "SELECT source, items, etag, last_modified, url, failures, retry_at, last_error,"
            " checked_at FROM sources WHERE feed = ?",
            (feed,),
        )
        return {
            source: SourceState(
                source=source,
                items=json.loads(items),
                etag=etag,
                last_modified=last_modified,
                url=url,
                failures=failures,
                retry_at=_when(retry_at),
                last_error=last_error,
                checked_at=_when(checked_at),
            )
            for (
                source,
                items,
                etag,
                last_modified,
                url,
                failures,
                retry_at,
                last_error,
                checked_at,
            ) in rows
        }

    def put_failures(self, feed: str, failed: Iterable[tuple[str, str]], now: datetime) -> None:
        """This build's failures as (place, problem): each keeps the time it began;
        those that did not recur are forgotten. Inside `transaction`."""
        current = set(failed)
        rows = self._db.execute("SELECT place, problem FROM failures WHERE feed = ?", (feed,))
        self._db.executemany(
            "DELETE FROM failures WHERE feed = ? AND place = ? AND problem = ?",
            [(feed, *old) for old in rows.fetchall() if old not in current],
        )
        self._db.executemany(
            "INSERT INTO failures (feed, place, problem, first, last) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (feed, place, problem) DO UPDATE SET last = excluded.last",
            [
                (feed, place, problem, now.isoformat(), now.isoformat())
                for place, problem in current
            ],
        )

    def failures(self, feed: str) -> list[tuple[str, str, datetime, datetime]]:
        """(place, problem, first, last) of what failed in `feed`'s last build."""
        rows = self._db.execute(
            "SELECT place, problem, first, last FROM failures WHERE feed = ? ORDER BY place",
            (feed,),
        )
        return [
            (p, q, datetime.fromisoformat(f), datetime.fromisoformat(la)) for p, q, f, la in rows
        ]

    def pages(self, feed: str) -> dict[str, PageState]:
        """The pages of `feed`'s items that are backing off, by URL."""
        rows = self._db.execute(
            "SELECT url, failures, retry_at, last_error FROM pages WHERE feed = ?", (feed,)
        )
        return {
            url: PageState(url, failures, datetime.fromisoformat(retry_at), last_error)
            for url, failures, retry_at, last_error in rows
        }

    def put_pages(self, feed: str, failed: Iterable[PageState], done: Iterable[str]) -> None:
        """Remember pages that failed again; forget those that worked or failed for
        good (`done`). Inside `transaction`."""
        self._db.executemany(
            "DELETE FROM pages WHERE feed = ? AND url = ?", [(feed, url) for url in done]
        )
        self._db.executemany(
            "INSERT OR REPLACE INTO pages (feed, url, failures, retry_at, last_error)"
            " VALUES (?, ?, ?, ?, ?)",
            [(feed, p.url, p.failures, p.retry_at.isoformat(), p.last_error) for p in failed],
        )

    def forget(self, feed: str, keep: Iterable[str], sources: Iterable[str] = ()) -> int:
        """Drop the records of `feed` whose key is not in `keep`, and the upstream
        sources not in `sources`; the number of records dropped."""
        kept, still = set(keep), set(sources)
        keys = [k for (k,) in self._db.execute("SELECT key FROM articles WHERE feed = ?", (feed,))]
        gone = [(feed, k) for k in keys if k not in kept]
        refs = [
            s for (s,) in self._db.execute("SELECT source FROM sources WHERE feed = ?", (feed,))
        ]
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany("DELETE FROM articles WHERE feed = ? AND key = ?", gone)
            self._db.executemany(
                "DELETE FROM sources WHERE feed = ? AND source = ?",
                [(feed, s) for s in refs if s not in still],
            )
        return len(gone)

    def feeds(self) -> list[str]:
        """Every feed with remembered articles or builds."""
        rows = self._db.execute("SELECT feed FROM articles UNION SELECT name FROM feeds")
        return sorted(name for (name,) in rows)

    def forget_feed(self, feed: str) -> int:
        """Drop everything remembered of `feed`; the number of articles dropped."""
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            count = self._db.execute("DELETE FROM articles WHERE feed = ?", (feed,)).rowcount
            self._db.execute("DELETE FROM feeds WHERE name = ?", (feed,))
            self._db.execute("DELETE FROM sources WHERE feed = ?", (feed,))
            self._db.execute("DELETE FROM pages WHERE feed = ?", (feed,))
            self._db.execute("DELETE FROM failures WHERE feed = ?", (feed,))
        return int(count)


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when else None


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _record(row: tuple[Any, ...]) -> Record:
    """A Record from a row of `records`' SELECT."""
    key, entry_id, content_hash, settings, stamp, reader, first_seen, changed, published = row[:9]
    link, text_hash, excluded = row[9:]
    return Record(
        key=key,
        entry_id=entry_id,
        content_hash=content_hash,
        settings=settings,
        stamp=stamp,
        reader=reader,
        first_seen=datetime.fromisoformat(first_seen),
        changed=_when(changed),
        published=_when(published),
        link=link,
        text_hash=text_hash,
        excluded=bool(excluded),
    )
