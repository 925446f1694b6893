"""Faults in one feed stay in that feed: the others are written, the exit code says so."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import feedparser
import lxml.etree
import pytest
from click.testing import CliRunner

from feedsum.cli import cli
from feedsum.config import FeedConfig
from feedsum.model import FeedItem
from feedsum.writers import feeds
from tests.conftest import ARTICLES, FEED_TOML, write_articles


def _three_feeds(root: Path) -> Path:
    """feeds/a.toml, b.toml, c.toml, each with the conftest articles."""
    folder = root / "feeds"
    for name in "abc":
        (folder / f"{name}.toml").parent.mkdir(parents=True, exist_ok=True)
        (folder / f"{name}.toml").write_text(
            FEED_TOML.replace("articles/*.txt", f"{name}/*.txt"), encoding="utf-8"
        )
        write_articles(folder / name, ARTICLES)
    return folder


def _build(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        cli, ["build", "--feeds", str(root / "feeds"), "--state", str(root / "state.db"), *args]
    )
    return result.exit_code, result.stderr


def test_a_bell_in_one_feed_and_a_broken_renderer_in_another_stop_neither_the_third(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _three_feeds(tmp_path)
    # Feed a: an article whose title and body carry BEL, ESC and U+FFFE (lxml refused
    # them, which stopped this feed and every feed built after it).
    (tmp_path / "feeds/a/d-bell.txt").write_text(
        "title Bell \x07 in the \x1b title\ufffe\n date 2024-03-04 The bell\x07 rang twice "
        "at noon, the keeper said. Nobody knows why.\n",
        encoding="utf-8",
    )
    # Feed b: the first build works, then its RSS renderer breaks.
    assert _build(tmp_path)[0] == 0
    before = (tmp_path / "public/b.atom").read_bytes(), (tmp_path / "public/b.rss").read_bytes()
    rss = feeds.RENDERERS["rss"]

    def broken(config: FeedConfig, items: Sequence[FeedItem]) -> bytes:
        if config.name == "b":
            raise KeyError("a renderer bug")
        return rss(config, items)

    monkeypatch.setitem(feeds.RENDERERS, "rss", broken)
    for name in "abc":
        (tmp_path / f"feeds/{name}/e-new.txt").write_text(
            " date 2024-03-05 A new story arrived on Tuesday. It is short.\n", encoding="utf-8"
        )
    code, stderr = _build(tmp_path)
    assert code == 1
    (line,) = [line for line in stderr.splitlines() if line.startswith("Error")]
    assert line == (
        "Error: b: this feed was not built (KeyError: 'a renderer bug'); its previous "
        "outputs are kept; --debug shows where it failed"
    )
    assert "Traceback" not in stderr
    # b's outputs are the last good ones, both of them (the Atom one was not replaced
    # with the new entry while the RSS one kept the old).
    assert (
        (tmp_path / "public/b.atom").read_bytes(),
        (tmp_path / "public/b.rss").read_bytes(),
    ) == (before)
    for name, count in (("a", 5), ("c", 4)):
        for fmt in ("atom", "rss"):
            data = (tmp_path / f"public/{name}.{fmt}").read_bytes()
            lxml.etree.fromstring(data)
            parsed = feedparser.parse(data)
            assert not parsed.bozo and len(parsed.entries) == count
            assert b"\x07" not in data and b"\x1b" not in data and "\ufffe".encode() not in data
    titles = {e.title for e in feedparser.parse(tmp_path / "public/a.atom").entries}
    assert "Bell  in the  title" in titles
    # b's build rolled back: fixed, the next build does b's work, and only b's.
    monkeypatch.setitem(feeds.RENDERERS, "rss", rss)
    code, stderr = _build(tmp_path)
    assert code == 0 and "b: 4 entries, 1 new" in stderr and "a: 5 entries, 0 new" in stderr


def test_debug_prints_the_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _three_feeds(tmp_path)

    def broken(config: FeedConfig, items: Sequence[FeedItem]) -> bytes:
        raise RuntimeError("boom")

    monkeypatch.setitem(feeds.RENDERERS, "atom", broken)
    code, stderr = _build(tmp_path, "--debug", "a")
    assert code == 1
    assert "Error: a: this feed was not built (RuntimeError: boom)" in stderr
    assert "Traceback" in stderr and "in broken" in stderr
    assert not (tmp_path / "public/a.rss").exists()  # nothing written when one format fails
