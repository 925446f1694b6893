"""Salvage a damaged state file into a fresh one (`feedsum recover`).

Python's sqlite3 has no `.recover`, and the sqlite3 program may not be
installed, so this is done here: each table of the damaged file is read in
rowid order, a batch at a time; where a batch cannot be read, rows are taken
one by one, and a stretch of rowids on an unreadable page is skipped (found by
probing forward, then bisecting back to where reading works again). What was
read goes into a new file made with the current schema, which then replaces
the damaged one; the damaged file is kept beside it, never deleted.

Feeds' build records are not carried over: every feed is then built in full,
and a build with no record of its feed re-imports the entries of the feed's
published Atom file (see `reimport.py`), so entries whose rows were lost keep
their dates and rolled-off items stay.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from feedsum.errors import StateError
from feedsum.state import SCHEMA_VERSION, State, backup_path

#: The tables salvaged, and what is said of the one that is not. (`pages` holds
#: only back-off times: without them a failing page is tried once more, sooner;
#: `failures` only what failed last: the next build records it again.)
SALVAGED = ("articles", "sources")
# Rows per read while reading works.
_BATCH = 256
_MAX_ROWID = 2**63 - 1


@dataclass(frozen=True, slots=True)
class Salvaged:
    """What was read of one table."""

    table: str
    rows: int
    #: Rows that could not be read; None when an unreadable page hid how many.
    lost: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Recovery:
    """What `salvage` did."""

    #: Where the damaged file now is.
    kept: Path
    tables: tuple[Salvaged, ...]
    #: Feeds whose build records were dropped (each is built in full next time).
    feeds: int


def problem(path: Path) -> str | None:
    """What SQLite finds wrong with the file (its quick check), or None if it is sound."""
    try:
        with contextlib.closing(_read_only(path)) as db:
            rows = [row for (row,) in db.execute("PRAGMA quick_check(5)")]
    except sqlite3.DatabaseError as exc:
        return str(exc)
    return None if rows == ["ok"] else f"integrity check: {rows[0]}"


def backup_time(path: Path) -> datetime | None:
    """When the backup of the state at `path` was made, if it exists and is sound."""
    backup = backup_path(path)
    if not backup.is_file() or problem(backup) is not None:
        return None
    return datetime.fromtimestamp(backup.stat().st_mtime, UTC)


def salvage(path: Path, now: datetime) -> Recovery:
    """Read what can be read of the damaged state at `path` into a fresh file that
    takes its place; the damaged file is moved aside (see `Recovery.kept`)."""
    fresh = path.with_name(path.name + ".recovering")
    _remove_db(fresh)
    State(fresh).close()  # the current schema
    tables = []
    with (
        contextlib.closing(_read_only(path)) as old,
        contextlib.closing(sqlite3.connect(fresh, isolation_level=None)) as new,
    ):
        version = _version(old)
        if version > SCHEMA_VERSION:
            raise StateError(
                f"{path}: written by a newer feedsum (schema {version}); recover it with "
                "that feedsum"
            )
        new.execute("BEGIN")
        for table in SALVAGED:
            tables.append(_copy(old, new, table))
        new.execute("COMMIT")
        feeds = _count(old, "feeds") or 0
    return Recovery(kept=_swap(path, fresh, now), tables=tuple(tables), feeds=feeds)


def restore(path: Path, now: datetime) -> Path | None:
    """Put a copy of the backup (checked sound) in place of the state at `path`;
    where the replaced state was kept, or None when there was none."""
    backup = backup_path(path)
    fresh = path.with_name(path.name + ".recovering")
    _remove_db(fresh)
    shutil.copyfile(backup, fresh)
    with contextlib.closing(sqlite3.connect(fresh, isolation_level=None)) as db:
        # Builds after the backup are missing from it: every feed is built in full
        # and re-imports its published entries, as after a salvage.
        db.execute("DELETE FROM feeds")
    if path.exists():
        return _swap(path, fresh, now)
    _install(fresh, path)
    return None


def _read_only(path: Path) -> sqlite3.Connection:
    """The file opened read-only: recovering never writes to the damaged file. With
    no WAL to read (a build that ended, even killed, leaves none or an empty one),
    it is opened immutable, so that no -wal or -shm file is made beside it."""
    if not path.is_file():
        raise StateError(f"{path}: no such state file; pass --state the damaged file")
    wal = Path(f"{path}-wal")
    mode = "mode=ro" if wal.is_file() and wal.stat().st_size else "immutable=1"
    return sqlite3.connect(f"{path.resolve().as_uri()}?{mode}", uri=True)


def _version(db: sqlite3.Connection) -> int:
    try:
        (version,) = db.execute("PRAGMA user_version").fetchone()
    except sqlite3.DatabaseError:
        return 0  # the header is unreadable: nothing is newer than this feedsum
    return int(version)


def _columns(db: sqlite3.Connection, table: str) -> list[str]:
    try:
        return [row[1] for row in db.execute(f'PRAGMA table_info("{table}")')]
    except sqlite3.DatabaseError:
        return []  # the schema itself is unreadable


def _count(db: sqlite3.Connection, table: str) -> int | None:
    """The table's row count, if SQLite can still tell (it counts a table's rows
    from its smallest index, which may be intact when the table is not)."""
    try:
        (count,) = db.execute(f'SELECT count(*) FROM "{table}"').fetchone()
    except sqlite3.DatabaseError:
        return None
    return int(count)


def _copy(old: sqlite3.Connection, new: sqlite3.Connection, table: str) -> Salvaged:
    """Every readable row of `table` from `old` into `new` (columns both files have)."""
    wanted = set(_columns(new, table))
    columns = [c for c in _columns(old, table) if c in wanted]
    if not columns:
        return Salvaged(table, 0, _count(old, table))
    walk = _Walk(old, table, columns)
    insert = (
        f'INSERT OR IGNORE INTO "{table}" ({", ".join(columns)})'
        f" VALUES ({', '.join('?' * len(columns))})"
    )
    rows = sum(new.execute(insert, row).rowcount for row in walk)
    bad = walk.unreadable + walk.read - rows  # rows read but refused (a NULL in garbage)
    if not walk.skipped:
        return Salvaged(table, rows, bad)
    total = _count(old, table)
    return Salvaged(table, rows, total - rows if total is not None and total >= rows else None)


class _Walk:
    """The readable rows of one table, in rowid order, skipping what cannot be read."""

    def __init__(self, db: sqlite3.Connection, table: str, columns: list[str]) -> None:
        self.db, self.table = db, table
        self.select = f'SELECT rowid, {", ".join(columns)} FROM "{table}"'
        #: Rows read; rows whose own data could not be read; stretches skipped.
        self.read = self.unreadable = self.skipped = 0

    def __iter__(self) -> Iterator[tuple[object, ...]]:
        after: int | None = -_MAX_ROWID - 1
        while after is not None:
            try:
                batch = self.db.execute(
                    f"{self.select} WHERE rowid > ? ORDER BY rowid LIMIT ?", (after, _BATCH)
                ).fetchall()
            except sqlite3.DatabaseError:
                row, after = self._one(after)
                if row is not None:
                    self.read += 1
                    yield row
                continue
            if not batch:
                return
            self.read += len(batch)
            yield from (row[1:] for row in batch)
            after = batch[-1][0]

    def _one(self, after: int) -> tuple[tuple[object, ...] | None, int | None]:
        """The row after `after` and its rowid, read alone; None for a row that
        cannot be read; the rowid to go on from is None at the end of the table."""
        try:
            found = self.db.execute(
                f'SELECT rowid FROM "{self.table}" WHERE rowid > ? ORDER BY rowid LIMIT 1',
                (after,),
            ).fetchone()
        except sqlite3.DatabaseError:
            self.skipped += 1
            resume = self._skip(after)
            # Reading on from `resume` works, but the row `resume` itself may be
            # good too: a seek to it alone does not touch the damaged page.
            return (None, None) if resume is None else (self._at(resume), resume)
        if found is None:
            return None, None
        return self._at(int(found[0])), int(found[0])

    def _at(self, rowid: int) -> tuple[object, ...] | None:
        """The row with this rowid, or None (none there, or it cannot be read)."""
        try:
            row = self.db.execute(f"{self.select} WHERE rowid = ?", (rowid,)).fetchone()
        except sqlite3.DatabaseError:
            self.unreadable += 1
            return None
        return None if row is None else tuple(row[1:])

    def _readable(self, after: int) -> bool:
        try:
            self.db.execute(
                f'SELECT rowid FROM "{self.table}" WHERE rowid > ? ORDER BY rowid LIMIT 1',
                (after,),
            ).fetchone()
        except sqlite3.DatabaseError:
            return False
        return True

    def _skip(self, after: int) -> int | None:
        """The least rowid past `after` from which the table reads again (probing in
        doubling steps, then bisecting back); None when nothing past it reads."""
        step = 1
        while not self._readable(after + step):
            if after + 2 * step > _MAX_ROWID:
                return None
            step *= 2
        low, high = after + step // 2, after + step  # unreadable from low, readable from high
        while high - low > 1:
            middle = (low + high) // 2
            low, high = (low, middle) if self._readable(middle) else (middle, high)
        return high


def _swap(path: Path, fresh: Path, now: datetime) -> Path:
    """Move the state at `path` (and its WAL files) aside, put `fresh` in its place;
    where the old one is now."""
    kept = path.with_name(f"{path.name}.broken-{now:%Y%m%dT%H%M%S}")
    number = 1
    while kept.exists():  # never overwrite an earlier damaged file
        kept = path.with_name(f"{path.name}.broken-{now:%Y%m%dT%H%M%S}.{number}")
        number += 1
    for suffix in ("-wal", "-shm", ""):
        old = Path(f"{path}{suffix}")
        if old.exists():
            os.rename(old, f"{kept}{suffix}")
    _install(fresh, path)
    return kept


def _install(fresh: Path, path: Path) -> None:
    os.replace(fresh, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # the renames reach the disk
    finally:
        os.close(dir_fd)


def _remove_db(path: Path) -> None:
    """A leftover of an interrupted recovery (recovery holds the build lock)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
