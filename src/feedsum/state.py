"""What feedsum remembers between runs, in SQLite (stdlib sqlite3).

Per feed and article: the entry id, a hash of the content, the summary and
the settings that made it, when the article was first seen and when its
content last changed. The schema version lives in `PRAGMA user_version`;
each step up is one migration, and a file from a newer feedsum is refused.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from feedsum.errors import StateError

# One tuple of statements per schema version; never edit a published step.
_MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: articles and their summaries.
    (
        """
    CREATE TABLE articles (
        feed         TEXT NOT NULL,
        key          TEXT NOT NULL,   -- where the article lives, relative to the feed file
        entry_id     TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        settings     TEXT NOT NULL,   -- SummarySettings.key() that made the summary
        summary      TEXT NOT NULL,   -- JSON list of the selected sentences
        first_seen   TEXT NOT NULL,   -- ISO 8601 UTC
        changed      TEXT,            -- ISO 8601 UTC, NULL while unchanged since first seen
        PRIMARY KEY (feed, key)
    )
    """,
    ),
)
SCHEMA_VERSION = len(_MIGRATIONS)


@dataclass(frozen=True, slots=True, kw_only=True)
class Record:
    """What is remembered of one article of one feed."""

    key: str
    entry_id: str
    content_hash: str
    settings: str
    summary: tuple[str, ...]
    first_seen: datetime
    #: When the content last changed; None while it is as first seen.
    changed: datetime | None = None


class State:
    """The state database; use as a context manager to close it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(path, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise StateError(
                f"{path}: not a usable feedsum state database ({exc}); "
                "move it aside and rebuild (published dates of undated articles restart)"
            ) from exc

    def _migrate(self) -> None:
        (version,) = self._db.execute("PRAGMA user_version").fetchone()
        if version > SCHEMA_VERSION:
            raise StateError(
                f"{self.path}: written by a newer feedsum (schema {version}, "
                f"this one knows {SCHEMA_VERSION}); upgrade feedsum to use it"
            )
        for step in range(version, SCHEMA_VERSION):
            with self._db:
                self._db.execute("BEGIN")
                for statement in _MIGRATIONS[step]:
                    self._db.execute(statement)
                self._db.execute(f"PRAGMA user_version = {step + 1}")

    def __enter__(self) -> State:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    def records(self, feed: str) -> dict[str, Record]:
        """Every remembered article of `feed`, by key."""
        rows = self._db.execute(
            "SELECT key, entry_id, content_hash, settings, summary, first_seen, changed"
            " FROM articles WHERE feed = ?",
            (feed,),
        )
        return {
            key: Record(
                key=key,
                entry_id=entry_id,
                content_hash=content_hash,
                settings=settings,
                summary=tuple(json.loads(summary)),
                first_seen=datetime.fromisoformat(first_seen),
                changed=datetime.fromisoformat(changed) if changed else None,
            )
            for key, entry_id, content_hash, settings, summary, first_seen, changed in rows
        }

    def save(self, feed: str, records: Iterable[Record]) -> None:
        """Insert or replace records of `feed` in one transaction."""
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT OR REPLACE INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        feed,
                        r.key,
                        r.entry_id,
                        r.content_hash,
                        r.settings,
                        json.dumps(r.summary, ensure_ascii=False),
                        r.first_seen.isoformat(),
                        r.changed.isoformat() if r.changed else None,
                    )
                    for r in records
                ],
            )
