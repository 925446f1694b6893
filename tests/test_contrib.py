"""The deployment files name commands and options that exist, and the cron line runs."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import click

from feedsum.cli import cli

ROOT = Path(__file__).resolve().parents[1]
CONTRIB = ROOT / "contrib"


def feedsum_commands() -> list[list[str]]:
    """Every `feedsum ...` command line in contrib/, as argv after `feedsum`."""
    found = []
    for path in sorted(CONTRIB.iterdir()):
        for line in path.read_text().splitlines():
            if line.lstrip().startswith("#"):
                continue
            for match in re.finditer(r'(?:bin/feedsum|"\$FEEDSUM") ([^\n&;|]+)', line):
                found.append(shlex.split(match.group(1)))
    return found


def test_contrib_commands_and_options_exist() -> None:
    commands = feedsum_commands()
    assert len(commands) >= 2  # the crontab and the systemd service
    for argv in commands:
        command = cli.commands[argv[0]]  # KeyError: no such command
        assert isinstance(command, click.Command)
        known = {opt for param in command.params for opt in param.opts}
        for arg in argv[1:]:
            if arg.startswith("-"):
                assert arg in known, f"{argv[0]} has no option {arg}"
        # The parser accepts the whole line (values of the right type, and so on).
        command.make_context("feedsum", argv[1:])


def test_the_crontab_line_runs_quietly_from_anywhere(project: Path, tmp_path: Path) -> None:
    cron = (CONTRIB / "feedsum.cron").read_text()
    (line,) = [x for x in cron.splitlines() if re.match(r"^[*\d/,-]+ ", x)]
    command = line.split(maxsplit=5)[5]
    # Run it as cron would: in a shell, in a folder that is neither the project's
    # nor the venv's, with this machine's feedsum and a test project.
    elsewhere = tmp_path / "cron-home"
    elsewhere.mkdir()
    done = subprocess.run(
        ["sh", "-c", command],
        env={
            "FEEDSUM": f"{Path(sys.executable).parent}/feedsum",
            "FEEDS": str(project / "feeds"),
            "PATH": "/usr/bin:/bin",
        },
        cwd=elsewhere,
        capture_output=True,
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")
    assert (project / "public/test.atom").is_file()
    assert (project / ".feedsum/state.db").is_file() and list(elsewhere.iterdir()) == []


def test_the_service_names_its_paths() -> None:
    service = (CONTRIB / "feedsum.service").read_text()
    assert "WorkingDirectory" not in service
    (exec_start,) = [x for x in service.splitlines() if x.startswith("ExecStart=")]
    argv = shlex.split(exec_start.removeprefix("ExecStart="))
    assert Path(argv[0]).is_absolute() and Path(argv[argv.index("--feeds") + 1]).is_absolute()


def test_the_systemd_units_fit_together() -> None:
    service = (CONTRIB / "feedsum.service").read_text()
    timer = (CONTRIB / "feedsum.timer").read_text()
    assert "Type=oneshot" in service and "SuccessExitStatus=75 143" in service
    assert "OnUnitActiveSec=" in timer and "WantedBy=timers.target" in timer


def test_the_readme_shows_the_tested_crontab_line() -> None:
    cron_line = next(
        x for x in (CONTRIB / "feedsum.cron").read_text().splitlines() if x.startswith("*/")
    )
    assert cron_line in (ROOT / "README.md").read_text()
