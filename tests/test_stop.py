"""A build stopped by a signal leaves no worker behind, and the next build runs.

Real `feedsum build --jobs 2` processes, stopped while their workers summarize:
kill -9 (the OOM killer) and SIGTERM (systemctl stop) at several points.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from feedsum.lock import BuildLock
from feedsum.sources.textfile import parse
from feedsum.state import State
from feedsum.text import clean, sentences_of
from tests.conftest import write_articles
from tests.feedtext import assert_whole

EXAMPLES = Path(__file__).resolve().parents[1] / "feeds" / "example"
ARTICLES = 800
FEED = """\
title = "Stop test"
link = "https://stop.example.org/"
sources = [{ path = "articles/*.txt" }]
"""
BUILD = [sys.executable, "-m", "feedsum", "build", "-q", "--jobs", "2"]
WORKERS = 2


@dataclass(frozen=True)
class Proc:
    """A process as /proc shows it; its start time tells a reused PID apart."""

    pid: int
    ppid: int
    state: str
    started: int


def processes() -> dict[int, Proc]:
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue  # ended while we looked
        # The command name, in parentheses, may hold spaces: the fields follow its ")".
        fields = stat.rsplit(")", 1)[1].split()
        found[int(entry)] = Proc(int(entry), int(fields[1]), fields[0], int(fields[19]))
    return found


def children(pid: int) -> list[Proc]:
    return [p for p in processes().values() if p.ppid == pid]


def alive(procs: list[Proc]) -> list[Proc]:
    """Those of `procs` still running (a zombie holds nothing: it is dead)."""
    now = processes()
    return [
        p
        for p in procs
        if p.pid in now and now[p.pid].started == p.started and now[p.pid].state != "Z"
    ]


def articles() -> dict[str, str]:
    """Dated articles (an undated one is dated by the build's clock) of example sentences."""
    pool: list[str] = []
    for path in sorted(EXAMPLES.glob("*.txt")):
        pool.extend(sentences_of(clean(parse(path.read_text(encoding="utf-8"), str(path)).body)))
    rng = random.Random(14)
    out = {}
    for i in range(ARTICLES):
        paragraphs = [" ".join(rng.sample(pool, 3)) for _ in range(6)]
        day = f"20{20 + i % 5}-{i % 12 + 1:02}-{i % 28 + 1:02}"
        out[f"a{i:04}.txt"] = f" date {day} " + "\n\n".join(paragraphs) + "\n"
    return out


def outputs(project: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((project / "public").glob("stop.*"))}


def workers_of(build: subprocess.Popen[bytes]) -> tuple[list[Proc], float]:
    """The build's worker processes, once both are running, and when that was."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        found = children(build.pid)
        if len(found) >= WORKERS:
            return found, time.monotonic()
        assert build.poll() is None, "the build ended before its workers started"
        time.sleep(0.005)
    raise AssertionError("no workers started within 20 s")


@dataclass(frozen=True)
class Reference:
    """A clean project (never built), and what building it to the end gives."""

    project: Path
    outputs: dict[str, bytes]
    #: Seconds from the workers' start to the build's end.
    work_s: float


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Reference:
    project = tmp_path_factory.mktemp("clean")
    (project / "feeds").mkdir()
    (project / "feeds/stop.toml").write_text(FEED)
    write_articles(project / "feeds/articles", articles())
    built = tmp_path_factory.mktemp("built")
    shutil.copytree(project / "feeds", built / "feeds")
    with subprocess.Popen(BUILD, cwd=built, stderr=subprocess.PIPE) as build:
        _, started = workers_of(build)
        _, err = build.communicate(timeout=60)
        work_s = time.monotonic() - started
    assert (build.returncode, err) == (0, b"")
    assert work_s > 0.3, f"the build is too quick ({work_s:.2f} s) to stop in the middle"
    return Reference(project, outputs(built), work_s)


def whole(feeds: dict[str, bytes]) -> None:
    assert_whole(feeds, "stop", 50)


# Points are shares of a whole build's work (from its workers' start to its end).
STOPS = [
    *((signal.SIGKILL, point) for point in (0.1, 0.3, 0.5)),
    *((signal.SIGTERM, point) for point in (0.1, 0.3, 0.5)),
    (signal.SIGINT, 0.3),  # ^C takes SIGTERM's path: one point is enough
]


@pytest.mark.parametrize(
    ("sig", "point"), STOPS, ids=[f"{sig.name}-{point}" for sig, point in STOPS]
)
def test_a_stopped_build_leaves_no_worker_and_the_next_build_runs(
    reference: Reference, tmp_path: Path, sig: signal.Signals, point: float
) -> None:
    shutil.copytree(reference.project / "feeds", tmp_path / "feeds")
    with subprocess.Popen(BUILD, cwd=tmp_path, stderr=subprocess.PIPE) as build:
        workers, started = workers_of(build)
        time.sleep(max(0.0, started + point * reference.work_s - time.monotonic()))
        assert build.poll() is None, "the build ended before the signal"
        signalled = time.monotonic()
        build.send_signal(sig)
        build.wait(timeout=20)
        stop_s = time.monotonic() - signalled
        try:
            # Every worker is gone: none lives on holding what it inherited.
            deadline = time.monotonic() + 2
            while alive(workers) and time.monotonic() < deadline:
                time.sleep(0.02)
            assert not alive(workers), f"workers outlived the build: {alive(workers)}"
        finally:
            for orphan in alive(workers):
                os.kill(orphan.pid, signal.SIGKILL)
        assert build.stderr is not None
        err = build.stderr.read()  # only now: an orphan would hold the pipe open
    if sig == signal.SIGKILL:
        assert build.returncode == -signal.SIGKILL
    else:
        assert build.returncode == 128 + sig
        # Sooner than finishing the work would: the workers were not waited for.
        assert stop_s < (1 - point) * reference.work_s, (stop_s, reference.work_s)
        lines = err.decode().splitlines()
        assert lines == [
            f"Stopped by {sig.name}: the feed being built was rolled back "
            "(its outputs are whole); the next build redoes it"
        ], err.decode()
    # Rolled back: the state is as before the build (empty); outputs are absent or whole.
    with State(tmp_path / ".feedsum/state.db") as state:
        assert state.last_build("stop") is None and state.records("stop") == {}
    if outputs(tmp_path):
        whole(outputs(tmp_path))
    # The lock is free at once, and the next build makes what a clean build makes.
    done = subprocess.run(BUILD, cwd=tmp_path, capture_output=True, timeout=60, check=False)
    assert (done.returncode, done.stderr) == (0, b"")
    whole(outputs(tmp_path))
    assert outputs(tmp_path) == reference.outputs


HOLD_AND_FORK = """\
import os, sys, time
from pathlib import Path
from feedsum.lock import BuildLock
with BuildLock(Path(sys.argv[1])):
    child = os.fork()
    if child == 0:
        # Past fork: the at-fork hooks have run here. Said, so the test does not
        # kill the parent before the child has even been scheduled.
        os.write(1, b"child ready\\n")  # one write each: the two lines never mix
        time.sleep(60)  # a child forked without exec, like a pool worker
        os._exit(0)
    os.write(1, f"{child}\\n".encode())
    time.sleep(60)
"""


def test_a_child_of_a_killed_lock_holder_does_not_hold_the_lock(tmp_path: Path) -> None:
    lock = tmp_path / "lock"
    argv = [sys.executable, "-c", HOLD_AND_FORK, str(lock)]
    with subprocess.Popen(argv, stdout=subprocess.PIPE, text=True) as holder:
        assert holder.stdout is not None
        lines = {holder.stdout.readline().strip() for _ in range(2)}
        lines.remove("child ready")
        child = int(lines.pop())
        holder.kill()
    try:
        # The forked child lives on (nothing here ties it to its parent)...
        assert Path(f"/proc/{child}").exists()
        # ...yet the lock is free: the fork closed the child's copy of it.
        with BuildLock(lock):
            pass
    finally:
        os.kill(child, signal.SIGKILL)
