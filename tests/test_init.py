"""`feedsum init`: a starter project that builds at once, and never over a file."""

from __future__ import annotations

import tomllib
from pathlib import Path

import feedparser
from click.testing import CliRunner

from feedsum.cli import cli


def test_init_then_build(tmp_path: Path) -> None:
    project = tmp_path / "town"
    result = CliRunner().invoke(
        cli, ["init", str(project), "--name", "local", "--title", 'Town "news" \\ today']
    )
    assert result.exit_code == 0, result.output
    feeds = project / "feeds"
    assert f"feedsum build --feeds {feeds}" in result.output
    assert tomllib.loads((feeds / "local.toml").read_text())["title"] == 'Town "news" \\ today'
    built = CliRunner().invoke(cli, ["build", "--feeds", str(feeds)])
    assert built.exit_code == 0, built.output
    assert "local: 1 entry, 1 new" in built.output  # one entry, said so
    (entry,) = feedparser.parse((project / "public/local.atom").read_bytes()).entries
    assert entry.title == "Welcome to your feed"


def test_init_never_overwrites_and_checks_what_it_writes(tmp_path: Path) -> None:
    assert CliRunner().invoke(cli, ["init", str(tmp_path)]).exit_code == 0
    toml = tmp_path / "feeds/news.toml"
    toml.write_text(toml.read_text() + "# mine\n")
    again = CliRunner().invoke(cli, ["init", str(tmp_path)])
    assert again.exit_code == 2 and "news.toml exists" in again.output
    assert toml.read_text().endswith("# mine\n")
    bad = CliRunner().invoke(cli, ["init", str(tmp_path / "x"), "--link", "javascript:alert(1)"])
    assert bad.exit_code == 2 and "link" in bad.output
    assert not (tmp_path / "x/feeds").exists()
    name = CliRunner().invoke(cli, ["init", str(tmp_path / "y"), "--name", "../up"])
    assert name.exit_code == 2 and not (tmp_path / "up.toml").exists()
