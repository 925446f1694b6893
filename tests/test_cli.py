from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from feedsum.cli import _progress_bar, cli
from feedsum.model import Length, SummarySettings
from feedsum.sources.textfile import parse
from feedsum.summarize import ALGORITHMS, summarize
from feedsum.text import clean
from tests.conftest import ARTICLES


@pytest.fixture
def runner(project: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(project)
    return CliRunner()


def test_build_prints_what_it_wrote(runner: CliRunner, project: Path) -> None:
    result = runner.invoke(cli, ["build"])
    assert result.exit_code == 0, result.output
    assert "wrote public/test.atom" in result.output
    assert "wrote public/test.rss" in result.output
    assert "test: 3 entries, 3 new, 0 changed, 0 failed" in result.output
    assert (project / ".feedsum" / "state.db").is_file()


def test_build_quiet_prints_nothing(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["build", "--quiet"])
    assert result.exit_code == 0 and result.output == ""


def test_bad_article_exits_1_and_names_the_file(runner: CliRunner, project: Path) -> None:
    (project / "feeds/articles/zz-bad.txt").write_bytes(b"\xff\xfe\x00junk")
    result = runner.invoke(cli, ["build"])
    assert result.exit_code == 1
    assert "zz-bad.txt" in result.stderr and "not a text file" in result.stderr
    assert (project / "public/test.atom").is_file()


def test_bad_config_exits_2_naming_file_and_key(runner: CliRunner, project: Path) -> None:
    toml = project / "feeds/test.toml"
    toml.write_text(toml.read_text().replace("sentences = 2", "sentences = 0"))
    result = runner.invoke(cli, ["build"])
    assert result.exit_code == 2
    assert "test.toml: summary.sentences: got 0; use a whole number from 1 to 50" in result.stderr
    assert not (project / "public").exists()


def test_a_broken_feed_file_exits_2_and_the_others_still_build(
    runner: CliRunner, project: Path
) -> None:
    (project / "feeds/broken.toml").write_text("title = 3\n")
    result = runner.invoke(cli, ["build"])
    assert result.exit_code == 2
    assert "broken.toml: title: got 3" in result.stderr
    assert "test: 3 entries, 3 new" in result.output
    assert (project / "public/test.atom").is_file()


def test_an_unwritable_output_fails_that_feed_alone(runner: CliRunner, project: Path) -> None:
    shutil.copy(project / "feeds/test.toml", project / "feeds/other.toml")
    (project / "public/test.atom").mkdir(parents=True)  # a folder where the feed goes
    result = runner.invoke(cli, ["build"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert "public/test.atom: cannot write the feed" in result.stderr
    assert "other: 3 entries, 3 new" in result.output
    assert (project / "public/other.atom").is_file() and not (project / "public/test.rss").exists()
    (project / "public/test.atom").rmdir()
    result = runner.invoke(cli, ["build"])
    assert result.exit_code == 0, result.output
    # Nothing of the failed build was saved, so this one does it all again.
    assert "test: 3 entries, 3 new" in result.output
    assert "other: 3 entries, 0 new" in result.output


def test_a_state_path_under_a_file_is_an_error_naming_it(runner: CliRunner, project: Path) -> None:
    (project / "plain").write_text("")
    result = runner.invoke(cli, ["build", "--state", "plain/state.db"])
    assert result.exit_code == 1
    assert "plain/lock: cannot create the build lock" in result.stderr
    assert "pass --state a path in a writable folder" in result.stderr
    assert not (project / "public").exists()


def test_a_state_another_program_holds_is_an_error_not_a_traceback(
    runner: CliRunner, project: Path
) -> None:
    assert runner.invoke(cli, ["build"]).exit_code == 0
    (project / "feeds/articles/new.txt").write_text(" date 2024-05-01 A new story. It ends.\n")
    with sqlite3.connect(project / ".feedsum/state.db", isolation_level=None) as other:
        other.execute("BEGIN IMMEDIATE")  # a writer that outlasts feedsum's 5 s busy timeout
        result = runner.invoke(cli, ["build"])
        other.execute("ROLLBACK")
    assert result.exit_code == 1
    assert "state.db: database is locked; nothing of the feed being built was saved" in (
        result.stderr
    )
    assert runner.invoke(cli, ["build"]).output.count("1 new") == 1  # redone


def test_unknown_feed_name_exits_2(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["build", "nosuch"])
    assert result.exit_code == 2 and "use one of: test" in result.stderr


def test_state_option_places_the_database(runner: CliRunner, project: Path) -> None:
    result = runner.invoke(cli, ["build", "--state", "elsewhere/s.db"])
    assert result.exit_code == 0
    assert (project / "elsewhere/s.db").is_file()


def test_summarize_text_and_json(runner: CliRunner, project: Path) -> None:
    path = project / "feeds/articles/a-harbour.txt"
    paragraphs = clean(parse(ARTICLES["a-harbour.txt"], "a").body)
    expected = summarize(paragraphs, SummarySettings(algorithm="luhn", length=Length(value=2)))
    result = runner.invoke(cli, ["summarize", "-a", "luhn", "-n", "2", str(path)])
    assert result.exit_code == 0
    assert result.output.splitlines() == list(expected.sentences)
    result = runner.invoke(
        cli,
        ["summarize", "-a", "luhn", "-n", "2", "--format", "json", "-"],
        input=path.read_bytes(),
    )
    data = json.loads(result.output)
    assert data["indices"] == list(expected.indices)
    assert data["sentences"] == list(expected.sentences)


def test_summarize_rejects_sentences_and_ratio(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["summarize", "-n", "2", "-r", "0.5", "-"], input=b"Hi.")
    assert result.exit_code == 2 and "not several" in result.output


def test_summarize_reports_a_bad_file(runner: CliRunner, project: Path) -> None:
    bad = project / "bad.txt"
    bad.write_bytes(b"\x00\x01")
    result = runner.invoke(cli, ["summarize", str(bad)])
    assert result.exit_code == 1 and "bad.txt" in result.stderr


def test_help_teaches_commands_algorithms_and_exit_codes(runner: CliRunner) -> None:
    top = runner.invoke(cli, ["--help"]).output
    assert "build" in top and "summarize" in top and "75" in top
    summarize_help = runner.invoke(cli, ["summarize", "--help"]).output
    for name in ALGORITHMS:
        assert name in summarize_help
    assert "Examples" in runner.invoke(cli, ["build", "--help"]).output


def test_python_dash_m_works(project: Path) -> None:
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    done = subprocess.run(
        [sys.executable, "-m", "feedsum", "build", "-q"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (project / "public/test.rss").is_file()


@contextmanager
def lock_held(lock_path: Path, seconds: float = 60) -> Iterator[subprocess.Popen[str]]:
    """A real second process holding the build lock, as a running build would."""
    code = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from feedsum.lock import BuildLock\n"
        "with BuildLock(Path(sys.argv[1])):\n"
        "    print('locked', flush=True)\n"
        "    time.sleep(float(sys.argv[2]))\n"
    )
    argv = [sys.executable, "-c", code, str(lock_path), str(seconds)]
    with subprocess.Popen(argv, stdout=subprocess.PIPE, text=True) as holder:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        try:
            yield holder
        finally:
            holder.kill()


def test_a_second_build_exits_75_while_the_lock_is_held(runner: CliRunner, project: Path) -> None:
    lock_path = project / ".feedsum" / "lock"
    with lock_held(lock_path) as holder:
        result = runner.invoke(cli, ["build"])
        assert result.exit_code == 75
        assert str(lock_path) in result.stderr and "--wait" in result.stderr
        assert f"(pid {holder.pid})" in result.stderr  # which process to look at
        assert not (project / "public").exists()
    # The holder was killed; the kernel released its lock, so the next build runs.
    result = runner.invoke(cli, ["build"])
    assert result.exit_code == 0, result.output


def test_wait_outlasts_a_short_lock(runner: CliRunner, project: Path) -> None:
    with lock_held(project / ".feedsum" / "lock", seconds=0.5) as holder:
        result = runner.invoke(cli, ["build", "--wait", "20"])
        assert holder.wait(timeout=5) == 0  # the holder finished its sleep: not killed
    assert result.exit_code == 0, result.output


def test_the_progress_bar_starts_no_thread_before_workers_fork(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # --jobs forks after the bar starts; a live thread at fork can leave a lock held.
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    before = set(threading.enumerate())
    tick = _progress_bar("test")(3)
    assert set(threading.enumerate()) == before
    for _ in range(3):
        tick()
