"""A state that is damaged or lost costs no entry and no date.

Damage is one line and exit 65 from every command; `feedsum recover` salvages
what SQLite can read; a build with no record of its feed re-imports what the
feed last published; builds keep an hourly backup.
"""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner, Result

from feedsum.cli import EXIT_DAMAGED, cli
from feedsum.config import load_feed
from feedsum.errors import StateDamaged
from feedsum.pipeline import build
from feedsum.state import PAGE_SIZE, State, backup_path
from tests.conftest import FEED_TOML
from tests.test_state import ENTRY, build_row, record

T0 = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)
SENTENCE = (
    "The council met on Tuesday to discuss the harbour plans and the new ferry timetable "
    "for the summer season while residents asked about parking"
)
WORDS = SENTENCE.split(" ")


def many_articles(folder: Path, count: int = 60) -> None:
    """`count` distinct articles of about 2 KB each, every other one undated: a state
    of a dozen pages or more, so a page in its middle holds only some of them."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        body = " ".join(
            f"Story {i} sentence {j} says {' '.join(WORDS[(i + j) % 7 : (i + j) % 7 + 12])}."
            for j in range(20)
        )
        head = f" date 2024-0{1 + i % 9}-1{i % 10} " if i % 2 else ""
        (folder / f"s{i:03}.txt").write_text(head + body + "\n", encoding="utf-8")


def invoke(project: Path, *args: str) -> Result:
    return CliRunner().invoke(
        cli, [args[0], "--feeds", str(project / "feeds"), *args[1:]], catch_exceptions=False
    )


def damage_a_middle_page(path: Path) -> int:
    """Garbage over a leaf page of the articles table from the middle of the file;
    how many articles that page held."""
    with sqlite3.connect(path) as db:
        leaves = db.execute(
            "SELECT pageno, ncell FROM dbstat WHERE name = 'articles' AND pagetype = 'leaf'"
            " ORDER BY pageno"
        ).fetchall()
        (pages,) = db.execute("PRAGMA page_count").fetchone()
    db.close()
    page, cells = leaves[len(leaves) // 2]
    assert 2 < page < pages  # in the middle of the file, not its header or its end
    with open(path, "r+b") as file:
        file.seek((page - 1) * PAGE_SIZE)
        file.write(bytes([0xDE, 0xAD, 0xBE, 0xEF]) * (PAGE_SIZE // 4))
    return int(cells)


def atom_dates(path: Path) -> dict[str, tuple[str, str]]:
    parsed = feedparser.parse(path.read_bytes())
    assert not parsed.bozo
    return {e.id: (e.published, e.updated) for e in parsed.entries}


@pytest.fixture
def big(tmp_path: Path) -> Path:
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    (feeds / "test.toml").write_text(
        FEED_TOML.replace('algorithm = "lexrank"', 'algorithm = "lead"')
        + "\n[output]\nmax_items = 100\n",
        encoding="utf-8",
    )
    many_articles(feeds / "articles")
    return tmp_path


def test_a_damaged_page_is_one_line_and_recover_brings_back_every_entry_and_date(
    big: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert invoke(big, "build", "-q").exit_code == 0
    atom, rss = (big / "public/test.atom").read_bytes(), (big / "public/test.rss").read_bytes()
    state = big / ".feedsum/state.db"
    backup_path(state).unlink()  # this test is about salvaging; the backup has its own
    lost = damage_a_middle_page(state)
    expected = (
        f"Error: {state} is damaged (database disk image is malformed); run `feedsum recover` "
        "to salvage it (the damaged file is kept)"
    )
    monkeypatch.chdir(big)  # the default --feeds: the fix is plain `feedsum recover`
    for command in (["status"], ["gc"], ["build"]):
        (big / "feeds/articles/s005.txt").touch()  # a build that reads records
        result = CliRunner().invoke(cli, command)
        assert result.exit_code == EXIT_DAMAGED == 65, result.output
        assert result.stderr.splitlines() == [expected], command
        assert result.stdout == ""
    result = invoke(big, "recover")
    assert result.exit_code == 0, result.output
    assert f"articles: {60 - lost} rows salvaged, {lost} lost" in result.stdout
    (kept,) = state.parent.glob("state.db.broken-*")
    assert kept.name.startswith("state.db.broken-20")  # YYYYmmddTHHMMSS
    assert invoke(big, "status").stdout == "test: never built\n"
    result = invoke(big, "build")
    assert result.exit_code == 0, result.output
    assert f"test: 60 entries, {lost} new" in result.output  # the lost rows, read again
    # Same entries, same dates (the undated ones too): the very same bytes.
    assert (big / "public/test.atom").read_bytes() == atom
    assert (big / "public/test.rss").read_bytes() == rss
    assert "unchanged public/test.atom" in result.output.replace(str(big) + "/", "")


def test_a_file_that_is_not_a_database_any_more_is_damage_too(project: Path) -> None:
    assert invoke(project, "build", "-q").exit_code == 0
    state = project / ".feedsum/state.db"
    state.write_bytes(b"\0" * 100 + state.read_bytes()[100:])  # the header overwritten
    result = invoke(project, "build", "--state", str(state))
    assert result.exit_code == 65
    assert result.stderr.splitlines() == [
        f"Error: {state} is damaged (file is not a database); run `feedsum recover --state "
        f"{state}` to salvage it (the damaged file is kept)"
    ]


WIRE = """<?xml version="1.0"?>
<rss version="2.0"><channel><title>Wire</title><link>https://wire.example.org/</link>
{items}</channel></rss>
"""


def wire_item(n: int, dated: bool = True) -> str:
    date = f"<pubDate>Mon, 0{n} Jun 2025 09:00:00 GMT</pubDate>" if dated else ""
    text = " ".join(f"Wire story {n} line {i} tells of the valley railway." for i in range(8))
    return (
        f"<item><title>Wire {n}</title><link>https://wire.example.org/{n}</link>"
        f"<guid>wire-{n}</guid>{date}<category>rail</category>"
        f"<description>&lt;p&gt;{text}&lt;/p&gt;</description></item>\n"
    )


def test_a_lost_state_keeps_rolled_off_items_and_undated_dates(project: Path) -> None:
    feeds = project / "feeds"
    toml = feeds / "test.toml"
    wired = '{ path = "articles/*.txt" }, { kind = "feed", path = "wire.xml", full_text = "never" }'
    toml.write_text(toml.read_text().replace('{ path = "articles/*.txt" }', wired))
    wire = feeds / "wire.xml"
    config = load_feed(toml)
    state = project / ".feedsum/state.db"

    def run(now: datetime, *items: str) -> None:
        wire.write_text(WIRE.format(items="".join(items)), encoding="utf-8")
        with State(state) as db:
            assert not build(config, db, now).failures

    run(T0, wire_item(1), wire_item(2, dated=False))
    run(T0 + timedelta(hours=1), wire_item(3))  # 1 and 2 rolled off the wire
    outputs = {fmt: (project / f"public/test.{fmt}").read_bytes() for fmt in ("atom", "rss")}
    before = atom_dates(project / "public/test.atom")
    assert {"wire-1", "wire-2", "wire-3"} <= set(before)
    # The undated wire item and the undated article are dated by their first sighting.
    assert (
        before["wire-2"][0] == before["tag:news.example.net,2024-01-01:articles/c-undated.txt"][0]
    )
    assert before["wire-2"][0].startswith("2025-06-01T08:00")

    shutil.move(state, project / "elsewhere.db")  # lost
    run(T0 + timedelta(days=3), wire_item(3))
    for fmt, data in outputs.items():
        assert (project / f"public/test.{fmt}").read_bytes() == data, fmt
    # Restored for good: the next builds still have them, as the wire moves on.
    run(T0 + timedelta(days=4), wire_item(4))
    after = atom_dates(project / "public/test.atom")
    assert {k: after[k] for k in before} == before and "wire-4" in after
    with State(state) as db:
        assert db.records("test")["wire.xml#wire-2"].first_seen == T0


def test_backups_are_made_at_most_hourly_and_never_of_a_damaged_state(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    target = backup_path(path)
    with State(path) as state:
        state.save("f", [(record("a.txt"), ENTRY)], build_row())
        assert state.backup(T0) == target
        assert target.stat().st_mtime == T0.timestamp()
        state.save("f", [(record("b.txt"), ENTRY)], build_row())
        assert state.backup(T0 + timedelta(minutes=59)) is None  # too soon: untouched
        with State(target) as copy:
            assert set(copy.records("f")) == {"a.txt"}
        assert state.backup(T0 + timedelta(minutes=60)) == target
        with State(target) as copy:
            assert set(copy.records("f")) == {"a.txt", "b.txt"}
        long = replace(ENTRY, paragraphs=("A long paragraph. " * 200,))  # pages to damage
        state.save("f", [(record(f"{n:04}.txt"), long) for n in range(40)], build_row())
    assert not list(tmp_path.glob("*.tmp"))
    good = target.read_bytes()
    damage_a_middle_page(path)
    with State(path) as state, pytest.raises(StateDamaged, match=r"s\.db is damaged"):
        state.backup(T0 + timedelta(hours=3))
    assert target.read_bytes() == good


def test_recover_offers_and_restores_the_backup(big: Path) -> None:
    assert invoke(big, "build", "-q").exit_code == 0  # the first build makes a backup
    atom = (big / "public/test.atom").read_bytes()
    state = big / ".feedsum/state.db"
    assert backup_path(state).is_file()
    damage_a_middle_page(state)
    result = invoke(big, "recover")
    assert "a sound backup from 20" in result.stdout
    assert "`feedsum recover --from-backup` puts it in place instead" in result.stdout
    salvaged = next(state.parent.glob("state.db.broken-*"))
    result = invoke(big, "recover", "--from-backup")
    assert result.exit_code == 0, result.output
    assert "restored the backup from 20" in result.stdout
    assert salvaged.is_file() and len(list(state.parent.glob("state.db.broken-*"))) == 2
    result = invoke(big, "build")
    assert result.exit_code == 0 and "test: 60 entries, 0 new" in result.output
    assert (big / "public/test.atom").read_bytes() == atom


def test_recover_leaves_a_sound_state_alone(project: Path) -> None:
    assert invoke(project, "build", "-q").exit_code == 0
    state = project / ".feedsum/state.db"
    before = state.read_bytes()
    result = invoke(project, "recover")
    assert result.exit_code == 0 and result.stdout == f"{state} is sound; nothing to recover\n"
    assert state.read_bytes() == before and not list(state.parent.glob("*.broken-*"))
