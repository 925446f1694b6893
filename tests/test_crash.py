"""kill -9 a real `feedsum build` at many points: feeds stay whole, the next run recovers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import feedparser

from tests.conftest import write_articles
from tests.feedtext import assert_whole as assert_whole_outputs

KILLS = 50
ARTICLES = 60
FEED = """\
title = "Crash test"
link = "https://crash.example.org/"
sources = [{ path = "articles/*.txt" }]
[summary]
algorithm = "lead"
"""


BUILD = [sys.executable, "-m", "feedsum", "build", "-q", "--jobs", "1"]


def build_to_the_end(project: Path) -> None:
    done = subprocess.run(BUILD, cwd=project, capture_output=True, timeout=60, check=False)
    assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")


def outputs(project: Path) -> dict[str, bytes]:
    # The feeds only: a build killed mid-write may leave its hidden temp file,
    # which the next run removes (checked below).
    return {p.name: p.read_bytes() for p in sorted((project / "public").glob("crash.*"))}


def edit(project: Path, round_: int) -> str:
    """Change one article so that the next build has outputs to rewrite."""
    marker = f"Correction number {round_} was issued."
    path = project / "feeds/articles" / f"a{round_ % ARTICLES:03}.txt"
    path.write_text(path.read_text().split(" Correction")[0].rstrip("\n") + f" {marker}\n")
    return marker


def assert_whole(feeds: dict[str, bytes]) -> None:
    assert_whole_outputs(feeds, "crash", 50)


def test_kill_9_at_many_points(tmp_path: Path) -> None:
    (tmp_path / "feeds").mkdir()
    (tmp_path / "feeds/crash.toml").write_text(FEED)
    write_articles(
        tmp_path / "feeds/articles",
        {
            f"a{i:03}.txt": f" date 2024-{i % 12 + 1:02}-{i % 28 + 1:02} Story {i} opens. "
            f"It goes on.\n\nA second paragraph of story {i}.\n"
            for i in range(ARTICLES)
        },
    )
    started = time.perf_counter()
    build_to_the_end(tmp_path)
    whole_run_s = time.perf_counter() - started
    for round_ in range(KILLS):
        before = outputs(tmp_path)
        marker = edit(tmp_path, round_)
        with subprocess.Popen(BUILD, cwd=tmp_path, stderr=subprocess.DEVNULL) as child:
            # Kill points sweep from early start-up to just past the end of a run.
            time.sleep(whole_run_s * (0.2 + 0.9 * round_ / KILLS))
            child.send_signal(signal.SIGKILL)
        after = outputs(tmp_path)
        for name, data in after.items():
            # Either the old bytes, or a complete new feed.
            if data != before[name]:
                assert_whole({**before, name: data})
        assert_whole(after)
        # The next run finishes cleanly and carries the edit.
        build_to_the_end(tmp_path)
        final = outputs(tmp_path)
        assert_whole(final)
        # No temp file of a killed run survives the next one.
        assert not [p for p in os.listdir(tmp_path / "public") if p.endswith(".tmp")]
        if f"a{round_ % ARTICLES:03}" in "".join(
            e.id for e in feedparser.parse(final["crash.atom"]).entries
        ):
            assert marker in final["crash.atom"].decode()
