"""The embedded default feed that `make run` builds."""

from __future__ import annotations

import shutil
from pathlib import Path

import feedparser
from click.testing import CliRunner

from feedsum.cli import cli

ROOT = Path(__file__).resolve().parents[1]


def test_the_example_feed_builds_one_entry_per_article(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "feeds", tmp_path / "feeds")
    articles = sorted((tmp_path / "feeds/example").glob("*.txt"))
    assert len(articles) >= 12
    result = CliRunner().invoke(cli, ["build", "--feeds", str(tmp_path / "feeds")])
    assert result.exit_code == 0, result.output
    assert f"example: {len(articles)} entries, {len(articles)} new" in result.output
    for fmt in ("atom", "rss"):
        parsed = feedparser.parse((tmp_path / f"public/example.{fmt}").read_bytes())
        assert not parsed.bozo and len(parsed.entries) == len(articles)
    atom = feedparser.parse((tmp_path / "public/example.atom").read_bytes())
    text = " ".join(e.summary + e.content[0].value + e.title for e in atom.entries)
    # The variety the examples promise survives into the feed, escaped and intact.
    assert "Night trains return to the valley line" in {e.title for e in atom.entries}
    assert "Malmö" in text and "São Paulo" in text and "€45" in text
    assert "x < 10 && y > 3" in text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    assert "Photo: Lena Varga" not in text and "RELATED CONTENT" not in text
    assert "Mr. & Mrs. Lindqvist" in text
    by_link = {e.get("link"): e for e in atom.entries}
    assert by_link["https://news.example.org/2025/harbour-ferry"].author == "Coastal desk"
