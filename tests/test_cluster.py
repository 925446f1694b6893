"""`feedsum build --cluster`: a real Dask LocalCluster of 2 worker processes on
127.0.0.1 summarizes, the driver keeps state and writes; the bytes are those of
`--jobs 1`, a worker killed mid-build included."""

from __future__ import annotations

import filecmp
import gzip
import json
import logging
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from feedsum.cli import cli
from feedsum.config import load_feed
from feedsum.pipeline import build
from feedsum.state import State
from feedsum.summarize import SUMMARIZER_VERSION

distributed = pytest.importorskip("distributed")

FEED = """\
title = "Cluster feed"
link = "https://news.example.net/"
sources = [{ path = "articles/*.txt" }]

[summary]
sentences = 2

[output]
max_items = 300  # every article's summary is in the bytes compared
formats = ["atom", "rss", "json"]
"""

SUBJECTS = (
    "The harbour ferry", "The town council", "A new library", "The hospital", "Farmers",
    "The museum", "Commuters", "The school board", "The mayor", "Local traders", "The police",
    "A storm",
)  # fmt: skip
VERBS = (
    "will run", "voted on", "opened", "hired staff for", "moved", "showed", "complained about",
    "approved", "announced", "closed", "reported", "delayed",
)  # fmt: skip
OBJECTS = (
    "the old bridge", "its night shifts", "eighty thousand books", "the spring budget",
    "a painting from 1950", "the river road", "the market hall", "three new buses",
    "the harbour wall", "twelve classrooms", "the station car park", "a flood warning",
)  # fmt: skip
WHEN = ("on Monday", "next spring", "this week", "after the fire", "before the vote", "at dawn")


def synthetic(rng: random.Random) -> str:
    """One article: 3 to 5 paragraphs of 2 to 4 made-up sentences, none repeated.

    (No sentence twice: NewsRank ranks two equal sentences by the rounding of
    its sums, which depends on the articles a process summarized before.)
    """
    count = sum(rng.randint(2, 4) for _ in range(rng.randint(3, 5)))
    made: list[str] = []
    while len(made) < count:
        words = (rng.choice(SUBJECTS), rng.choice(VERBS), rng.choice(OBJECTS), rng.choice(WHEN))
        sentence = " ".join(words) + "."
        if sentence not in made:
            made.append(sentence)
    paragraphs, start = [], 0
    while start < len(made):
        size = rng.randint(2, 4)
        paragraphs.append(" ".join(made[start : start + size]))
        start += size
    return "\n\n".join(paragraphs)


def make_project(root: Path, articles: int, seed: int = 19) -> Path:
    rng = random.Random(seed)
    folder = root / "feeds" / "articles"
    folder.mkdir(parents=True)
    (root / "feeds" / "cluster.toml").write_text(FEED, encoding="utf-8")
    for i in range(articles):
        day = f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}"
        text = f" date {day} {synthetic(rng)}\n"
        (folder / f"{i:04d}.txt").write_text(text, encoding="utf-8")
    return root


def same_tree(a: Path, b: Path) -> bool:
    """Every file under a and b, byte for byte (names and contents)."""
    left = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    right = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    return left == right and all(filecmp.cmp(a / p, b / p, shallow=False) for p in left)


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """A LocalCluster shared by the module: its scheduler's address."""
    with distributed.LocalCluster(
        n_workers=2,
        processes=True,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address=None,
        silence_logs=logging.ERROR,
    ) as cluster:
        yield cluster.scheduler_address


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """300 articles built with --jobs 1: the bytes every cluster build must give."""
    root = make_project(tmp_path_factory.mktemp("reference"), 300)
    done = CliRunner().invoke(cli, ["build", "-q", "--jobs", "1", "--feeds", str(root / "feeds")])
    assert done.exit_code == 0, done.output
    return root


def copy_sources(reference: Path, to: Path) -> Path:
    shutil.copytree(reference / "feeds", to / "feeds")
    return to


def test_a_build_on_the_cluster_is_byte_identical_to_jobs_1(
    scheduler: str, reference: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = copy_sources(reference, tmp_path)
    monkeypatch.chdir(root)
    done = CliRunner().invoke(cli, ["build", "-q", "--cluster", scheduler])
    assert done.exit_code == 0, done.output
    assert same_tree(reference / "public", root / "public")


def test_the_address_may_come_from_the_environment(
    scheduler: str, reference: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = copy_sources(reference, tmp_path)
    monkeypatch.chdir(root)
    monkeypatch.setenv("FEEDSUM_CLUSTER", scheduler)
    done = CliRunner().invoke(cli, ["build", "-v"])
    assert done.exit_code == 0, done.output
    assert same_tree(reference / "public", root / "public")


def test_a_worker_killed_mid_build_changes_nothing(
    scheduler: str, reference: Path, tmp_path: Path
) -> None:
    from feedsum.cluster import DaskExecutor

    root = copy_sources(reference, tmp_path)
    config = load_feed(root / "feeds" / "cluster.toml")
    killed: list[int] = []
    # Small batches: each worker holds a few when one is killed, so Dask must
    # run a dead worker's batches again elsewhere.
    with DaskExecutor(scheduler, batch_size=8) as executor:
        pids = executor.worker_pids()
        assert len(pids) == 2

        def progress(total: int) -> Callable[[], None]:
            done = [0]

            def tick() -> None:
                done[0] += 1
                if done[0] == 40:  # a fifth of the way: both workers busy
                    victim = sorted(pids.values())[0]
                    os.kill(victim, signal.SIGKILL)
                    killed.append(victim)

            return tick

        with State(root / ".feedsum" / "state.db") as state:
            report = build(config, state, datetime.now(UTC), progress=progress, executor=executor)
        assert killed and killed[0] not in executor.worker_pids().values()
    assert report.summarized == 300 and not report.failures
    assert len(report.outputs) == 3  # (the CLI writes index.html and feeds.opml besides)
    for path in report.outputs:
        assert path.read_bytes() == (reference / "public" / path.name).read_bytes()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port  # nothing listens there now


def test_an_unreachable_cluster_is_exit_2_within_the_timeout(
    reference: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = copy_sources(reference, tmp_path)
    monkeypatch.chdir(root)
    address = f"tcp://127.0.0.1:{closed_port()}"
    started = time.monotonic()
    done = CliRunner().invoke(cli, ["build", "--cluster", address, "--cluster-timeout", "2"])
    took = time.monotonic() - started
    assert done.exit_code == 2, done.output
    assert took < 2 + 3  # the timeout, and the build's own start
    line = done.output.strip().splitlines()[-1]
    assert address in line and "dask scheduler" in line
    assert not (root / "public").exists()  # nothing written, nothing saved
    # The next build (local) does all the work, as if the failed one never ran.
    again = CliRunner().invoke(cli, ["build", "-q", "--jobs", "1"])
    assert again.exit_code == 0, again.output
    assert same_tree(reference / "public", root / "public")


def run_feedsum(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, check=False
    )


def test_a_plain_build_does_not_import_the_cluster_extra(tmp_path: Path) -> None:
    make_project(tmp_path, 20)
    code = (
        "import sys\n"
        "from feedsum.cli import cli\n"
        "try:\n"
        "    cli(['build', '-q', '--jobs', '2'], prog_name='feedsum')\n"
        "except SystemExit as stop:\n"
        "    assert not stop.code, stop.code\n"
        "loaded = sorted({'dask', 'distributed', 'pyarrow'} & set(sys.modules))\n"
        "assert not loaded, loaded\n"
    )
    done = run_feedsum(code, tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "public" / "cluster.atom").is_file()


@pytest.mark.parametrize("command", [["build", "--cluster", "local:2"], ["archive"]])
def test_without_the_extra_it_says_how_to_install_it(tmp_path: Path, command: list[str]) -> None:
    make_project(tmp_path, 20)
    (tmp_path / "in.jsonl").write_text('{"id": "1", "text": "One."}\n', encoding="utf-8")
    if command == ["archive"]:
        command = ["archive", "in.jsonl", "out"]
    code = (
        "import sys\n"
        "for name in ('dask', 'distributed', 'pyarrow'):\n"
        "    sys.modules[name] = None  # as if not installed\n"
        "from feedsum.cli import cli\n"
        f"cli({command!r}, prog_name='feedsum')\n"
    )
    done = run_feedsum(code, tmp_path)
    assert done.returncode == 2, done.stderr
    assert "pip install 'feedsum[cluster]'" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "public").exists()


def test_local_n_must_be_a_number(tmp_path: Path) -> None:
    make_project(tmp_path, 1)
    done = CliRunner().invoke(
        cli, ["build", "--feeds", str(tmp_path / "feeds"), "--cluster", "local:many"]
    )
    assert done.exit_code == 2 and "local:N" in done.output


def write_corpus(path: Path, articles: int, seed: int = 5) -> None:
    """`articles` JSON Lines articles (gzipped for a .gz path)."""
    rng = random.Random(seed)
    lines = [
        json.dumps({"id": f"n{i}", "title": f"Story {i}", "text": synthetic(rng)}) + "\n"
        for i in range(articles)
    ]
    data = "".join(lines).encode()
    path.write_bytes(gzip.compress(data, mtime=0) if path.suffix == ".gz" else data)


def read_out(out: Path) -> list[dict[str, Any]]:
    import pyarrow.parquet as pq

    rows: list[dict[str, Any]] = []
    for part in sorted(out.glob("part-*.parquet")):
        rows.extend(pq.read_table(part).to_pylist())
    return rows


def test_archive_on_the_cluster_gives_summarize_s_summaries_and_resumes(
    scheduler: str, tmp_path: Path
) -> None:
    corpus, out = tmp_path / "corpus.jsonl", tmp_path / "out"
    write_corpus(corpus, 5000)
    runner = CliRunner()
    args = ["archive", str(corpus), str(out), "--cluster", scheduler, "--partition-rows", "1000"]
    done = runner.invoke(cli, args)
    assert done.exit_code == 0, done.output
    assert "5 partitions, 5 written, 0 already there" in done.output
    expected = runner.invoke(cli, ["summarize", str(corpus), "--format", "json"])
    assert expected.exit_code == 0, expected.output
    wanted = [json.loads(line) for line in expected.output.splitlines()]
    got = read_out(out)
    assert len(got) == len(wanted) == 5000
    for i, (row, summary) in enumerate(zip(got, wanted, strict=True)):
        assert row["id"] == f"n{i}"
        assert row["sentences"] == summary["indices"]
        assert row["summary"] == " ".join(summary["sentences"])
        assert row["algorithm"] == summary["algorithm"] == "newsrank"
    assert {row["summarizer_version"] for row in got} == {SUMMARIZER_VERSION}

    # A rerun after losing one partition redoes that one, and only that one.
    before = {p.name: p.stat().st_mtime_ns for p in out.glob("part-*.parquet")}
    (out / "part-00003.parquet").unlink()
    again = runner.invoke(cli, args)
    assert again.exit_code == 0, again.output
    assert "5 partitions, 1 written, 4 already there (skipped); 1000 articles" in again.output
    after = {p.name: p.stat().st_mtime_ns for p in out.glob("part-*.parquet")}
    assert after.keys() == before.keys()
    assert [n for n in after if after[n] != before[n]] == ["part-00003.parquet"]
    assert read_out(out) == got


def test_archive_locally_from_gzip_and_parquet_names_bad_lines(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    corpus = tmp_path / "corpus.jsonl.gz"
    lines = [
        '{"id": "a", "text": "The ferry runs hourly. It is new. Riders like it. So do we."}',
        "{not json",
        "",
        '{"id": "b", "title": "Rain", "text": "Rain falls. Rivers rise.", "language": "en"}',
        '{"text": "No id here."}',
        '{"id": 7, "text": "Seven. Is a number. That is fine.", "date": "2024-01-01"}',
    ]
    corpus.write_bytes(gzip.compress("\n".join(lines).encode() + b"\n"))
    out = tmp_path / "out"
    done = CliRunner().invoke(
        cli, ["archive", str(corpus), str(out), "--jobs", "1", "--partition-rows", "2"]
    )
    assert done.exit_code == 1, done.output
    errors = [line for line in done.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 2
    assert f"{corpus}:2: not valid JSON" in errors[0]
    assert f"{corpus}:5: 'id' is None" in errors[1]
    assert "3 partitions, 3 written" in done.output
    rows = read_out(out)
    assert [r["id"] for r in rows] == ["a", "b", "7"]

    # The same articles as Parquet give the same summaries.
    table = pa.table(
        {"id": ["a", "b", "7"], "text": [json.loads(lines[i])["text"] for i in (0, 3, 5)]}
    )
    pq.write_table(table, tmp_path / "corpus.parquet")
    out2 = tmp_path / "out2"
    done = CliRunner().invoke(cli, ["archive", str(tmp_path / "corpus.parquet"), str(out2), "-q"])
    assert done.exit_code == 0 and done.output == ""
    assert [(r["id"], r["summary"]) for r in read_out(out2)][::2] == [
        (r["id"], r["summary"]) for r in rows
    ][::2]  # (b has a title in the JSON Lines, which a summary may weigh)

    # Other settings on the same OUT are refused, not mixed in.
    again = CliRunner().invoke(cli, ["archive", str(corpus), str(out), "-n", "1"])
    assert again.exit_code == 2 and "other settings" in again.output


def test_archive_takes_lone_surrogates_and_auto_as_feeds_do(tmp_path: Path) -> None:
    # JSON's \ud800 escapes spell lone surrogates: no Parquet string (UTF-8) and
    # not the language detector can take them. They are replaced, as in feeds.
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(
        '{"id": "a\\ud800", "title": "T\\udfff", "text": "The council met on Monday. '
        'It approved the budget \\ud800 for roads. Work starts in May. The mayor spoke."}\n'
        '{"id": "b", "text": "Die Stadt baut z. B. Radwege. Das kostet Geld. Es hilft."}\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    done = CliRunner().invoke(
        cli, ["archive", str(corpus), str(out), "--jobs", "1", "-l", "auto", "-n", "2"]
    )
    assert done.exit_code == 0, done.output
    rows = read_out(out)
    assert [r["id"] for r in rows] == ["a\ufffd", "b"]
    assert "budget \ufffd for roads" in rows[0]["summary"]
    # Detected as German: "z. B." stays inside its sentence.
    assert rows[1]["summary"].startswith("Die Stadt baut z. B. Radwege.")
