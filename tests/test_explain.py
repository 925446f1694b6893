"""`feedsum explain`: each fate an article can meet, and its reason."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from feedsum.cli import cli
from feedsum.config import load_feed
from feedsum.explain import Fate, explain
from feedsum.pipeline import build, known
from feedsum.state import State
from tests.upstream import Reply, Upstream

NOW = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)
FEED = """\
title = "Town"
link = "https://town.example.org/"
tag_date = 2025-01-01
sources = [{{ path = "a/*.txt" }}{extra_sources}]

[summary]
algorithm = "lead"
sentences = 1

[filter]
max_age_days = 30
exclude = {{ title = "(?i)^sponsored" }}

[output]
max_items = {max_items}
"""


def article(title: str, day: str, text: str) -> str:
    return f"title {title}\ndate {day}\n{text} It was said on the day. Nobody disagreed.\n"


def project(tmp_path: Path, max_items: int = 10, extra_sources: str = "") -> Path:
    feeds = tmp_path / "feeds"
    (feeds / "a").mkdir(parents=True, exist_ok=True)
    (feeds / "town.toml").write_text(FEED.format(max_items=max_items, extra_sources=extra_sources))
    files = {
        "new.txt": article("New bridge", "2025-06-08", "The new bridge opened."),
        "older.txt": article("Older news", "2025-06-01", "The market moved to the square."),
        "copy.txt": article("Copy", "2025-06-09", "The new bridge opened."),
        "ad.txt": article("Sponsored: chairs", "2025-06-08", "Buy our chairs today."),
        "old.txt": article("Old story", "2025-03-01", "The winter was long."),
    }
    for name, text in files.items():
        (feeds / "a" / name).write_text(text)
    return feeds


def run_and_explain(feeds: Path, now: datetime = NOW) -> list[Fate]:
    config = load_feed(feeds / "town.toml")
    with State(feeds.parent / "state.db") as state:
        build(config, state, now)
        records = state.records("town")
        fates = explain(config, records, state.entries("town", records), known(config, state)[0],
                        state.failures("town"), state.pages("town").values(), now)  # fmt: skip
    return fates


def named(fates: list[Fate], end: str, fate: str | None = None) -> Fate:
    (found,) = [f for f in fates if f.key.endswith(end) and fate in (None, f.fate)]
    return found


def test_shown_in_place(tmp_path: Path) -> None:
    fates = run_and_explain(project(tmp_path))
    assert named(fates, "a/new.txt") == Fate("shown", "a/new.txt", "entry 1 of 2", "New bridge")
    assert named(fates, "a/older.txt").why == "entry 2 of 2"


def test_excluded_names_the_rule(tmp_path: Path) -> None:
    fate = named(run_and_explain(project(tmp_path)), "ad.txt")
    assert (fate.fate, fate.why) == ("excluded", "exclude rule title = '(?i)^sponsored'")


def test_duplicate_names_the_entry_and_the_likeness(tmp_path: Path) -> None:
    fate = named(run_and_explain(project(tmp_path)), "copy.txt")
    assert (fate.fate, fate.why) == ("duplicate", "the same text as a/new.txt, dated earlier")


def test_aged_out(tmp_path: Path) -> None:
    fate = named(run_and_explain(project(tmp_path)), "old.txt")
    assert (fate.fate, fate.why) == ("aged out", "dated 2025-03-01, over max_age_days = 30")


def test_beyond_max_items(tmp_path: Path) -> None:
    fate = named(run_and_explain(project(tmp_path, max_items=1)), "older.txt")
    assert (fate.fate, fate.why) == ("beyond max_items", "newest 2, over max_items = 1")


def test_removed_from_its_source(tmp_path: Path) -> None:
    feeds = project(tmp_path)
    run_and_explain(feeds)
    (feeds / "a/older.txt").unlink()
    fate = named(run_and_explain(feeds), "older.txt")
    assert fate.fate == "removed" and "gone" in fate.why


def test_failed_says_since_when(tmp_path: Path) -> None:
    feeds = project(tmp_path)
    (feeds / "a/bad.txt").write_bytes(b"\x00binary")
    run_and_explain(feeds)
    fate = named(run_and_explain(feeds, NOW + timedelta(hours=1)), "bad.txt")
    assert fate.fate == "failed" and "NUL bytes" in fate.why
    assert "first 2025-06-10 12:00, last 2025-06-10 13:00 UTC" in fate.why


def test_clash_of_ids_across_sources(tmp_path: Path) -> None:
    line = {"id": "tag:town.example.org,2025-01-01:a/new.txt", "title": "Impostor",
            "text": "Another text. It claims the bridge.", "date": "2025-05-01"}  # fmt: skip
    feeds = project(tmp_path, extra_sources=', { kind = "jsonl", path = "in.jsonl" }')
    (feeds / "in.jsonl").write_text(json.dumps(line) + "\n")
    run_and_explain(feeds)
    fates = run_and_explain(feeds)
    fate = named(fates, "in.jsonl#tag:town.example.org,2025-01-01:a/new.txt", "clash")
    assert fate.key.startswith("in.jsonl#") and fate.title == "Impostor"
    assert "belongs to a/new.txt (seen first)" in fate.why
    # The build reported it too: it is also what failed in the last build.
    assert "is already used by" in named(fates, "a/new.txt", "failed").why


def test_waiting_for_a_page(tmp_path: Path, upstream: Upstream) -> None:
    upstream.routes["/page"] = Reply(503, b"busy")
    teaser = (f"<item><title>T</title><guid>t</guid><link>{upstream.url('/page')}</link>"
              "<description>A teaser. More soon.</description></item>")  # fmt: skip
    feeds = project(tmp_path, extra_sources=', { url = "URL", allow_private = true }')
    upstream.routes["/rss"] = Reply(
        200, f'<rss version="2.0"><channel><title>W</title>{teaser}</channel></rss>'.encode()
    )
    toml = feeds / "town.toml"
    toml.write_text(toml.read_text().replace("URL", upstream.url("/rss")))
    fate = named(run_and_explain(feeds), "/page", "waiting")
    assert fate.fate == "waiting" and "backs off until 2025-06-10 12:10 UTC" in fate.why


def test_the_command_narrows_and_speaks_json(tmp_path: Path) -> None:
    feeds = project(tmp_path)
    state = str(tmp_path / "state.db")
    assert (
        CliRunner().invoke(cli, ["build", "--feeds", str(feeds), "--state", state]).exit_code == 0
    )
    result = CliRunner().invoke(
        cli, ["explain", "town", "Sponsored", "--json", "--feeds", str(feeds), "--state", state]
    )
    assert result.exit_code == 0, result.output
    (line,) = result.output.splitlines()
    assert json.loads(line) == {
        "fate": "excluded",
        "key": "a/ad.txt",
        "why": "exclude rule title = '(?i)^sponsored'",
        "title": "Sponsored: chairs",
    }
    verbose = CliRunner().invoke(
        cli, ["build", "-v", "--force", "--feeds", str(feeds), "--state", state]
    )
    assert "town: excluded by the filter" in verbose.output and "ad.txt" in verbose.output
