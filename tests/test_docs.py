"""The README documents every command, and every command explains itself."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from feedsum.cli import EXIT_CODES_HELP, cli
from feedsum.summarize import ALGORITHMS

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_has_help_and_is_in_the_readme(name: str) -> None:
    command = cli.commands[name]
    assert command.help and len(command.help) > 40
    assert "Example" in command.help and f"feedsum {name}" in command.help  # one to copy
    assert command.epilog and "Exit codes (the same for every command)" in command.epilog
    assert f"feedsum {name}" in README
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"{name} {param.opts} has no help text"


def test_every_algorithm_is_in_the_readme() -> None:
    for name in ALGORITHMS:
        assert f"`{name}`" in README


def test_exit_codes_agree_between_help_and_readme() -> None:
    for code in ("0", "1", "2", "65", "75", "130", "143"):
        assert f"| {code} |" in README
        assert f"  {code} " in EXIT_CODES_HELP


@pytest.mark.parametrize("name", ["summarize", "eval"])
def test_help_says_what_each_algorithm_does(name: str) -> None:
    from click.testing import CliRunner

    shown = CliRunner().invoke(cli, [name, "--help"], terminal_width=200).output
    for algorithm, registered in ALGORITHMS.items():
        line = next(x for x in shown.splitlines() if x.split()[:1] == [algorithm])
        assert registered.description in line
    assert "(default)" in next(x for x in shown.splitlines() if x.split()[:1] == ["newsrank"])
