"""`feedsum build --cluster`: a real Dask LocalCluster of 2 worker processes on
127.0.0.1 summarizes, the driver keeps state and writes; the bytes are those of
`--jobs 1`, a worker killed mid-build included."""

from __future__ import annotations

import filecmp
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

import pytest
from click.testing import CliRunner

from feedsum.cli import cli
from feedsum.config import load_feed
from feedsum.pipeline import build
from feedsum.state import State

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

SENTENCES = [
    "The harbour ferry will run every hour from May, the port said on Monday.",
    "The council voted to close the old bridge for repairs next spring.",
    "Farmers moved their livestock to higher ground as the river rose.",
    "A new library opened on Saturday with eighty thousand books.",
    "The hospital hired twelve more nurses for its night shifts.",
    "Commuters said the new timetable saves them an hour a day.",
    "The museum will show the painting for the first time since 1950.",
    "Officials said the budget for schools grows by four percent.",
    "Storms are expected across the valley through the weekend.",
    "The market reopened after a fire closed it for two months.",
    "It costs 12 million euros, the mayor told reporters.",
    "Each boat carries three hundred passengers and forty bicycles.",
]


def synthetic(rng: random.Random) -> str:
    """One article: 3 to 5 paragraphs of 2 to 4 sentences drawn from SENTENCES."""
    paragraphs = [
        " ".join(rng.choice(SENTENCES) for _ in range(rng.randint(2, 4)))
        for _ in range(rng.randint(3, 5))
    ]
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


@pytest.mark.parametrize("command", [["build", "--cluster", "local:2"]])
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
