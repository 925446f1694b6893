from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from feedsum.errors import StateDamaged, StateError
from feedsum.state import (
    _MIGRATIONS,
    PAGE_SIZE,
    SCHEMA_VERSION,
    Entry,
    FeedBuild,
    Record,
    SourceState,
    State,
)

T0 = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)

V1_SCHEMA = """
CREATE TABLE articles (
    feed TEXT NOT NULL, key TEXT NOT NULL, entry_id TEXT NOT NULL,
    content_hash TEXT NOT NULL, settings TEXT NOT NULL, summary TEXT NOT NULL,
    first_seen TEXT NOT NULL, changed TEXT, PRIMARY KEY (feed, key));
INSERT INTO articles VALUES ('f', 'a.txt', 'tag:x,2024:a.txt', 'h1', 's', '["One."]',
    '2025-01-02T03:04:05+00:00', NULL);
PRAGMA user_version = 1;
"""


def record(key: str = "a.txt", **changes: object) -> Record:
    values: dict[str, object] = {
        "key": key,
        "entry_id": f"id:{key}",
        "content_hash": "h",
        "settings": "s",
        "stamp": "1:2:3",
        "reader": "r",
        "first_seen": T0,
    }
    values.update(changes)
    return Record(**values)  # type: ignore[arg-type]


ENTRY = Entry(
    title="Café <opens>",
    link=None,
    author="Zoë",
    paragraphs=("First paragraph.", "Second."),
    summary=("First paragraph.",),
)


def build_row(name: str = "f") -> FeedBuild:
    return FeedBuild(name=name, fingerprint="fp", scan="sc", built_at=T0, entries=1, failed=0)


def test_records_and_entries_round_trip(tmp_path: Path) -> None:
    with State(tmp_path / "s.db") as state:
        state.save("f", [(record(changed=T0), ENTRY)], build_row())
    with State(tmp_path / "s.db") as state:  # a new process, as the next cron run
        assert state.records("f") == {"a.txt": record(changed=T0)}
        assert state.entries("f", ["a.txt", "missing.txt"]) == {"a.txt": ENTRY}
        assert state.entries("f", ["a.txt"]) == {"a.txt": ENTRY}
        assert state.last_build("f") == build_row()
        assert state.records("other") == {}


def test_a_transaction_that_fails_stores_nothing(tmp_path: Path) -> None:
    with State(tmp_path / "s.db") as state:
        state.save("f", [(record(), ENTRY)], build_row())
        with pytest.raises(OSError), state.transaction():
            state.put("f", record("b.txt"), ENTRY.encode())
            state.put("f", record(stamp="9:9:9"), None)
            raise OSError("the outputs could not be written")
    with State(tmp_path / "s.db") as state:  # what the next build finds
        assert state.records("f") == {"a.txt": record()}


def test_saving_without_an_entry_keeps_the_stored_one(tmp_path: Path) -> None:
    with State(tmp_path / "s.db") as state:
        state.save("f", [(record(), ENTRY)], build_row())
        state.save("f", [(record(stamp="9:9:9"), None)], build_row())
        assert state.records("f")["a.txt"].stamp == "9:9:9"
        assert state.entries("f", ["a.txt"])["a.txt"] == ENTRY


def test_wal_mode(tmp_path: Path) -> None:
    State(tmp_path / "s.db").close()
    with sqlite3.connect(tmp_path / "s.db") as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_a_new_file_has_large_pages_and_an_old_one_keeps_its_own(tmp_path: Path) -> None:
    with State(tmp_path / "new.db") as state:
        state.save("f", [(record(), ENTRY)], build_row())
    with sqlite3.connect(tmp_path / "old.db") as db:
        db.executescript(V1_SCHEMA)  # SQLite's default pages, as older feedsums made
    with State(tmp_path / "old.db") as state:
        state.save("f", [(record("b.txt"), ENTRY)], build_row())
        assert set(state.records("f")) == {"a.txt", "b.txt"}
    for name, size in (("new.db", PAGE_SIZE), ("old.db", 4096)):
        with sqlite3.connect(tmp_path / name) as db:
            assert db.execute("PRAGMA page_size").fetchone() == (size,)
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_a_version_1_file_is_migrated_in_place(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with sqlite3.connect(path) as db:
        db.executescript(V1_SCHEMA)
    with State(path) as state:
        (old,) = state.records("f").values()
        assert old.entry_id == "tag:x,2024:a.txt" and old.first_seen == T0
        assert old.stamp == ""  # never matches a file: it is read once more
        assert state.last_build("f") is None
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)


def test_a_version_2_file_gains_sources_dedup_and_expiry(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with sqlite3.connect(path) as db:
        for step in _MIGRATIONS[:2]:
            for statement in step:
                db.execute(statement)
        db.execute("INSERT INTO feeds VALUES ('f', 'fp', 'sc', ?, 3, 0, NULL)", (T0.isoformat(),))
        db.execute("PRAGMA user_version = 2")
    with State(path) as state:
        last = state.last_build("f")
        assert last is not None and last.expires is None and last.entries == 3
        assert state.sources("f") == {}
        kept = SourceState(source="https://u/feed", items={"k": "s"}, etag='"e"', failures=2,
                           retry_at=T0, last_error="HTTP 500", checked_at=T0)  # fmt: skip
        state.save("f", [(record(link="https://a", text_hash="t", excluded=True), ENTRY)],
                   build_row(), [kept])  # fmt: skip
    with State(path) as state:
        assert state.sources("f") == {"https://u/feed": kept}
        (again,) = state.records("f").values()
        assert (again.link, again.text_hash, again.excluded) == ("https://a", "t", True)
        assert state.entries("f", ["a.txt"])["a.txt"] == ENTRY


def test_entry_extras_round_trip_and_are_left_out_when_unset(tmp_path: Path) -> None:
    rich = Entry(
        title="T",
        link="https://l",
        author=None,
        paragraphs=("P.",),
        summary=("P.",),
        tags=("a", "b"),
        html="<p>P.</p>",
        source_title="U",
        source_url="https://u",
    )
    with State(tmp_path / "s.db") as state:
        state.save("f", [(record(), rich)], build_row())
        assert state.entries("f", ["a.txt"])["a.txt"] == rich
    assert "tags" not in ENTRY.to_json() and "html" not in ENTRY.to_json()


def test_a_file_from_a_newer_feedsum_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 99")
    before = path.read_bytes()
    with pytest.raises(StateError, match=r"newer feedsum.*upgrade feedsum"):
        State(path)
    assert path.read_bytes() == before


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    path.write_text("not sqlite at all, just text " * 100)
    with pytest.raises(
        StateDamaged, match=r"s\.db is damaged \(file is not a database\); run `feedsum recover`"
    ):
        State(path)


def test_a_path_under_a_file_is_a_state_error_naming_it(tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("")
    with pytest.raises(StateError, match=r"plain/s\.db: cannot create the state database"):
        State(tmp_path / "plain" / "s.db")


def test_forget_keeps_only_the_given_keys(tmp_path: Path) -> None:
    with State(tmp_path / "s.db") as state:
        state.save("f", [(record("a.txt"), ENTRY), (record("b.txt"), ENTRY)], build_row())
        state.save("g", [(record("a.txt"), ENTRY)], build_row("g"))
        assert state.forget("f", ["b.txt"]) == 1
        assert set(state.records("f")) == {"b.txt"}
        assert state.feeds() == ["f", "g"]
        assert state.forget_feed("g") == 1
        assert state.feeds() == ["f"]


def test_published_and_dates_of_a_record(tmp_path: Path) -> None:
    dated = record(published=T0.replace(year=2024), changed=T0)
    undated = record("b.txt")
    with State(tmp_path / "s.db") as state:
        state.save("f", [(dated, ENTRY), (undated, ENTRY)], build_row())
        assert state.records("f") == {"a.txt": dated, "b.txt": undated}
    assert (dated.dated, dated.updated) == (T0.replace(year=2024), T0)
    assert (undated.dated, undated.updated) == (T0, T0)
    # An edit dated before a (later edited-in) date header never makes updated < published.
    assert record(published=T0, changed=T0.replace(year=2020)).updated == T0


def test_entries_are_fetched_in_batches(tmp_path: Path) -> None:
    keys = [f"{i:04}.txt" for i in range(1200)]
    with State(tmp_path / "s.db") as state:
        state.save("f", [(record(k), ENTRY) for k in keys], build_row())
        assert set(state.entries("f", keys)) == set(keys)
        assert set(state.entries("f", keys[5:7])) == set(keys[5:7])
