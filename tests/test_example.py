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
    result = CliRunner().invoke(cli, ["build", "--feeds", str(tmp_path / "feeds"), "example"])
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


def test_the_digest_merges_markdown_html_and_a_feed_file_offline(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "feeds", tmp_path / "feeds")
    result = CliRunner().invoke(cli, ["build", "--feeds", str(tmp_path / "feeds"), "digest"])
    assert result.exit_code == 0, result.output
    atom = feedparser.parse((tmp_path / "public/digest.atom").read_bytes())
    assert not atom.bozo
    by_title = {e.title: e for e in atom.entries}
    notes = list((tmp_path / "feeds/digest/notes").glob("*.md"))
    pages = list((tmp_path / "feeds/digest/pages").glob("*.html"))
    # Every note and page, and the wire's items but the sponsored one (filtered out).
    assert len(atom.entries) == len(notes) + len(pages) + 2
    assert not any(t.startswith("Sponsored") for t in by_title)
    wire = by_title["Rail line reopens after landslip repairs"]
    assert wire.source.title == "Regional wire" and wire.author == "Transport correspondent"
    page = by_title["Orchard harvest starts two weeks early"]
    assert "Subscribe" not in page.content[0].value and "Privacy" not in page.content[0].value
    note = by_title["Choir festival fills the cathedral"]
    assert "<strong>600 singers</strong>" in note.content[0].value
    for entry in atom.entries:
        assert len(entry.summary.split()) <= 60 or entry.summary.count(". ") == 0
