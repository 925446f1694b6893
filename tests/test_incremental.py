"""Cron's view: what a rebuild reads, summarizes and rewrites."""

from __future__ import annotations

import os
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner

from feedsum.cli import cli
from feedsum.pipeline import _CHUNK_MAX, _CHUNK_MIN, _chunks, _Task
from tests.conftest import write_articles
from tests.test_build import LATER, NOW, parsed, run

OUTPUTS = (
    "public/test.atom", "public/test.rss", "public/test.json", "public/test.html",
    "public/test/articles-a-harbour.html",
)  # fmt: skip
FORMATS = {"test.atom", "test.rss", "test.json", "test.html"}


def snapshot(project: Path) -> list[tuple[bytes, int]]:
    return [((project / p).read_bytes(), (project / p).stat().st_mtime_ns) for p in OUTPUTS]


def test_no_change_reads_summarizes_and_rewrites_nothing(project: Path) -> None:
    run(project)
    before = snapshot(project)
    report = run(project, LATER)
    assert (report.read, report.summarized, report.written) == (0, 0, ())
    assert report.entries == 3
    assert snapshot(project) == before


def test_touched_but_unchanged_file_is_read_not_summarized(project: Path) -> None:
    run(project)
    before = snapshot(project)
    path = project / "feeds/articles/b-library.txt"
    os.utime(path, ns=(0, path.stat().st_mtime_ns + 5_000_000_000))
    report = run(project, LATER)
    assert (report.read, report.summarized, report.changed) == (1, 0, 0)
    assert snapshot(project) == before
    # The new stamp was remembered: the next build reads nothing.
    assert run(project, LATER).read == 0


def test_editing_one_article_resummarizes_exactly_one(project: Path) -> None:
    run(project)
    path = project / "feeds/articles/b-library.txt"
    path.write_text(path.read_text().replace("80,000 books", "90,000 books"))
    report = run(project, LATER)
    assert (report.read, report.summarized, report.changed, report.new) == (1, 1, 1, 0)
    # Each format, and the one article's page: the others' pages are the same bytes.
    assert {p.name for p in report.written} == {*FORMATS, "articles-b-library.html"}


def test_removed_then_restored_keeps_id_and_first_seen(project: Path) -> None:
    run(project)
    undated = project / "feeds/articles/c-undated.txt"
    text = undated.read_text()
    first = next(e for e in parsed(project, "atom").entries if "c-undated" in e.id)
    undated.unlink()
    report = run(project, LATER)
    assert report.entries == 2
    assert not any("c-undated" in e.id for e in parsed(project, "atom").entries)
    undated.write_text(text)
    report = run(project, LATER)
    assert report.new == 0 and report.entries == 3
    again = next(e for e in parsed(project, "atom").entries if "c-undated" in e.id)
    assert (
        (again.id, again.published)
        == (first.id, first.published)
        == (
            first.id,
            NOW.isoformat(),
        )
    )


def test_gc_forgets_removed_articles(project: Path) -> None:
    run(project)
    (project / "feeds/articles/c-undated.txt").unlink()
    runner = CliRunner()
    result = runner.invoke(cli, ["gc", "--feeds", str(project / "feeds")])
    assert result.exit_code == 0 and "test: forgot 1 removed articles" in result.output
    write_articles(project / "feeds/articles", {"c-undated.txt": "Back again. Now new."})
    assert run(project, LATER).new == 1


def test_force_resummarizes_all_but_keeps_dates(project: Path) -> None:
    run(project)
    first = snapshot(project)
    result = CliRunner().invoke(cli, ["build", "--force", "-v", "--feeds", str(project / "feeds")])
    assert result.exit_code == 0, result.output
    assert "3 files read, 3 summarized" in result.output
    assert [b for b, _ in snapshot(project)] == [b for b, _ in first]


def test_jobs_2_gives_the_same_bytes_as_jobs_1(tmp_path: Path, project: Path) -> None:
    # Enough articles that the process pool really runs (see POOL_MIN_ARTICLES).
    many = {
        f"n{i:02}.txt": f" date 2024-04-{i % 28 + 1:02} Story {i} begins here. "
        + " ".join(f"Sentence {j} of story {i} mentions topic {(i * j) % 7}." for j in range(9))
        for i in range(40)
    }
    write_articles(project / "feeds/articles", many)
    # An undated article is dated by first sight, which differs between runs.
    (project / "feeds/articles/c-undated.txt").unlink()
    outputs = {}
    for jobs in ("1", "2"):
        (project / ".feedsum/state.db").unlink(missing_ok=True)
        args = ["build", "-q", "--jobs", jobs, "--feeds", str(project / "feeds")]
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output
        outputs[jobs] = [(project / p).read_bytes() for p in OUTPUTS]
        parsed_feed = feedparser.parse(outputs[jobs][0])
        assert len(parsed_feed.entries) == 42
    assert outputs["1"] == outputs["2"]


@pytest.mark.parametrize(("count", "jobs"), [(16, 2), (41, 2), (10_000, 2), (999, 3)])
def test_worker_chunks_cover_every_task_in_order_and_shrink_at_the_end(
    count: int, jobs: int
) -> None:
    tasks = [_Task(f"a{i}.txt", None) for i in range(count)]
    chunks = list(_chunks(tasks, jobs))
    assert [t for chunk in chunks for t in chunk] == tasks
    sizes = [len(c) for c in chunks]
    assert max(sizes) <= _CHUNK_MAX
    assert all(s >= _CHUNK_MIN for s in sizes[:-1])  # only the last may be a remainder
    assert sizes == sorted(sizes, reverse=True)
    # The last chunks are the smallest: when one worker takes the last, the others
    # are nearly done.
    assert sum(sizes[-jobs:]) <= _CHUNK_MIN * jobs


def test_status_shows_entries_and_last_error(project: Path) -> None:
    runner = CliRunner()
    feeds = str(project / "feeds")
    assert "test: never built" in runner.invoke(cli, ["status", "--feeds", feeds]).output
    (project / "feeds/articles/zz.txt").write_bytes(b"\x00")
    runner.invoke(cli, ["build", "-q", "--feeds", feeds])
    out = runner.invoke(cli, ["status", "--feeds", feeds]).output
    assert "test: 3 entries, last built" in out and "1 failed" in out
    assert "last error:" in out and "zz.txt" in out


def test_a_failing_article_is_reported_on_every_build(project: Path) -> None:
    (project / "feeds/articles/zz-bad.txt").write_bytes(b"\x00\x01")
    assert [Path(f.origin).name for f in run(project).failures] == ["zz-bad.txt"]
    # Nothing changed, but the problem is still there: it is still reported.
    assert [Path(f.origin).name for f in run(project, LATER).failures] == ["zz-bad.txt"]


def test_a_feed_setting_change_rewrites_the_feed(project: Path) -> None:
    run(project)
    toml = project / "feeds/test.toml"
    toml.write_text(toml.read_text().replace('title = "Test feed"', 'title = "Renamed feed"'))
    report = run(project, LATER)
    assert report.summarized == 0 and len(report.written) == 4 + 3  # every page names the feed
    assert parsed(project, "atom").feed.title == "Renamed feed"
