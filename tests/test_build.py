"""End to end: feed files and articles in, feeds out, read back by feedparser."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest

from feedsum.config import load_feed
from feedsum.pipeline import BuildReport, build, derive_title
from feedsum.sources import MAX_ARTICLE_BYTES
from feedsum.sources.textfile import parse
from feedsum.state import State
from feedsum.summarize import summarize
from feedsum.text import clean, sentences_of
from tests.conftest import ARTICLES, SEED
from tests.feedtext import shown

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
LATER = datetime(2025, 6, 2, 8, 30, tzinfo=UTC)


def run(project: Path, now: datetime = NOW, feed: str = "test") -> BuildReport:
    config = load_feed(project / "feeds" / f"{feed}.toml")
    with State(project / ".feedsum" / "state.db") as state:
        return build(config, state, now)


def parsed(project: Path, fmt: str) -> feedparser.FeedParserDict:
    result = feedparser.parse((project / "public" / f"test.{fmt}").read_bytes())
    assert not result.bozo, result.get("bozo_exception")
    return result


def by_title(result: feedparser.FeedParserDict) -> dict[str, feedparser.FeedParserDict]:
    """Entries by the title a reader shows (RSS titles are HTML, Atom's text)."""
    return {shown(entry, "title"): entry for entry in result.entries}


def test_build_writes_valid_atom_and_rss(project: Path) -> None:
    report = run(project)
    assert report.entries == 3 and report.new == 3 and not report.failures
    formats = {project / f"public/test.{fmt}" for fmt in ("atom", "rss", "json", "html")}
    pages = {project / f"public/test/articles-{name[:-4]}.html" for name in ARTICLES}
    assert set(report.written) == formats | pages and set(report.outputs) == formats
    for fmt in ("atom", "rss"):
        feed = parsed(project, fmt)
        assert len(feed.entries) == 3
        assert feed.feed.title == "Test feed"
        links = {link.rel: link.href for link in feed.feed.links}
        assert links["self"] == f"https://news.example.net/feeds/test.{fmt}"
        assert links["alternate"] == "https://news.example.net/"
    atom = parsed(project, "atom")
    assert atom.feed.generator == "feedsum"
    assert atom.feed.language == "en"


def test_entries_match_what_the_pipeline_produced(project: Path) -> None:
    run(project)
    config = load_feed(project / "feeds" / "test.toml")
    atom = by_title(parsed(project, "atom"))
    rss = by_title(parsed(project, "rss"))
    for name, text in ARTICLES.items():
        article = parse(text, name)
        paragraphs = clean(article.body)
        title = article.fields.get("title") or derive_title(sentences_of(paragraphs)[0])
        expected = summarize(paragraphs, config.summary, article.fields.get("title")).text
        assert atom[title].summary == expected
        assert shown(rss[title], "summary") == expected
        assert atom[title].id == f"tag:news.example.net,2024-01-01:articles/{name}"
        assert rss[title].id == atom[title].id
        # The full article as HTML content, captions and tail removed.
        content = atom[title].content[0].value
        assert content.count("<p>") == len(paragraphs)
        assert "Port Authority" not in content and "RELATED" not in content


def test_dates_come_from_the_date_header_or_first_sight(project: Path) -> None:
    run(project)
    atom = parsed(project, "atom")
    published = {e.id.rsplit(":", 1)[1]: e.published for e in atom.entries}
    assert published["articles/a-harbour.txt"] == "2024-03-01T00:00:00+00:00"
    assert published["articles/b-library.txt"] == "2024-03-02T00:00:00+00:00"
    assert published["articles/c-undated.txt"] == NOW.isoformat()
    # Newest first; the feed is as new as its newest entry, not the clock.
    assert [e.id.rsplit("/", 1)[1] for e in atom.entries] == [
        "c-undated.txt",
        "b-library.txt",
        "a-harbour.txt",
    ]
    assert atom.feed.updated == NOW.isoformat()


def test_title_header_is_escaped_not_interpreted(project: Path) -> None:
    run(project)
    for fmt in ("atom", "rss"):
        titles = by_title(parsed(project, fmt))
        assert "A library opens & <everyone> comes" in titles
    raw = (project / "public/test.atom").read_text(encoding="utf-8")
    assert "&amp; &lt;everyone&gt;" in raw and "€12 million" in raw


def test_second_build_is_byte_identical_and_rewrites_nothing(project: Path) -> None:
    run(project)
    outputs = sorted((project / "public").rglob("*.*"))
    assert len(outputs) == 4 + 3
    before = [(p.read_bytes(), p.stat().st_mtime_ns) for p in outputs]
    report = run(project, LATER)
    assert report.written == () and report.summarized == 0 and report.new == 0
    assert [(p.read_bytes(), p.stat().st_mtime_ns) for p in outputs] == before


def test_editing_an_article_keeps_its_id_and_moves_updated(project: Path) -> None:
    run(project)
    first = {e.id: e for e in parsed(project, "atom").entries}
    path = project / "feeds/articles/a-harbour.txt"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("300 passengers.", "300 passengers. A late correction was added."))
    report = run(project, LATER)
    assert report.changed == 1 and report.summarized == 1 and report.new == 0
    second = {e.id: e for e in parsed(project, "atom").entries}
    assert second.keys() == first.keys()
    edited = "tag:news.example.net,2024-01-01:articles/a-harbour.txt"
    assert second[edited].updated == LATER.isoformat()
    assert second[edited].published == first[edited].published
    assert "A late correction was added." in second[edited].content[0].value
    for entry_id in first.keys() - {edited}:
        assert second[entry_id].updated == first[entry_id].updated


def test_undated_article_keeps_its_first_seen_date(project: Path) -> None:
    run(project)
    run(project, LATER)
    undated = next(e for e in parsed(project, "atom").entries if "c-undated" in e.id)
    assert undated.published == NOW.isoformat()


def test_corrupt_article_is_reported_and_the_rest_written(project: Path) -> None:
    articles = project / "feeds/articles"
    (articles / "d-binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (articles / "e-latin1.txt").write_bytes(" date 2024-01-01 Caf\xe9 opens.".encode("latin-1"))
    (articles / "f-baddate.txt").write_text(" date 2024-02-30 Leap day news here.\n")
    report = run(project)
    failed = {Path(f.origin).name: str(f) for f in report.failures}
    assert set(failed) == {"d-binary.txt", "e-latin1.txt", "f-baddate.txt"}
    assert "not a text file" in failed["d-binary.txt"]
    assert "UTF-8" in failed["e-latin1.txt"]
    assert ":1:" in failed["f-baddate.txt"] and "2024-02-30" in failed["f-baddate.txt"]
    assert report.entries == 3
    assert len(parsed(project, "atom").entries) == 3


def test_a_file_too_big_for_an_article_is_reported_not_read(project: Path) -> None:
    # A log or a dump matched by mistake must not stall the build.
    line = b"A sentence that goes on and on. " * 1000 + b"\n"
    huge = project / "feeds/articles/z-huge.txt"
    huge.write_bytes(b" date 2024-01-01 " + line * (MAX_ARTICLE_BYTES // len(line) + 1))
    report = run(project)
    (failure,) = report.failures
    assert failure.origin.endswith("z-huge.txt")
    assert f"over {MAX_ARTICLE_BYTES:,} bytes" in str(failure) and "split it" in str(failure)
    assert report.entries == 3 and len(parsed(project, "atom").entries) == 3


def test_duplicate_ids_are_reported(project: Path) -> None:
    articles = project / "feeds/articles"
    (articles / "g-one.txt").write_text("id urn:x:1\n date 2024-05-01 One story here.\n")
    (articles / "h-two.txt").write_text("id urn:x:1\n date 2024-05-02 Two story here.\n")
    report = run(project)
    assert [Path(f.origin).name for f in report.failures] == ["h-two.txt"]
    assert "urn:x:1" in str(report.failures[0])
    assert "urn:x:1" in {e.id for e in parsed(project, "atom").entries}


def test_max_items_keeps_the_newest(project: Path) -> None:
    toml = project / "feeds/test.toml"
    toml.write_text(toml.read_text() + "\n[output]\nmax_items = 2\n")
    report = run(project)
    assert report.entries == 2
    ids = [e.id for e in parsed(project, "atom").entries]
    assert not any("a-harbour" in i for i in ids)


def test_changing_the_algorithm_resummarizes_without_touching_dates(project: Path) -> None:
    run(project)
    first = {e.id: e.updated for e in parsed(project, "atom").entries}
    toml = project / "feeds/test.toml"
    toml.write_text(toml.read_text().replace('"lexrank"', '"lead"'))
    report = run(project, LATER)
    assert report.summarized == 3 and report.changed == 0
    assert {e.id: e.updated for e in parsed(project, "atom").entries} == first


def test_the_original_seed(tmp_path: Path, seed_text: str) -> None:
    shutil.copytree(Path(__file__).parent / "data" / "seedproject", tmp_path, dirs_exist_ok=True)
    shutil.copy(SEED, tmp_path / "feeds" / "articles" / "seed.txt")
    run(tmp_path, feed="seed")
    result = feedparser.parse((tmp_path / "public/seed.atom").read_bytes())
    assert not result.bozo
    (entry,) = result.entries
    assert entry.published.startswith("2024-01-31")
    assert "Apple TV+" not in entry.summary.replace("Apple TV+ drama", "")
    assert "RELATED CONTENT" not in entry.summary
    own = sentences_of(clean(parse(seed_text, "seed").body))
    chosen = summarize(
        clean(parse(seed_text, "seed").body), load_feed(tmp_path / "feeds/seed.toml").summary
    ).sentences
    assert entry.summary == " ".join(chosen)
    assert all(s in own for s in chosen) and len(chosen) == 3


@pytest.mark.parametrize(
    "tz, expected",
    [("UTC", "2024-03-01T00:00:00+00:00"), ("Asia/Tokyo", "2024-02-29T15:00:00+00:00")],
)
def test_date_only_means_midnight_in_the_feed_time_zone(
    project: Path, tz: str, expected: str
) -> None:
    toml = project / "feeds/test.toml"
    toml.write_text(toml.read_text().replace("tag_date", f'timezone = "{tz}"\ntag_date'))
    run(project)
    entry = next(e for e in parsed(project, "atom").entries if "a-harbour" in e.id)
    assert entry.published == expected


def test_hidden_files_never_match_and_double_star_recurses(project: Path) -> None:
    articles = project / "feeds/articles"
    (articles / ".draft.txt").write_text(" date 2024-06-01 A hidden draft. Not for the feed.\n")
    (articles / "2024").mkdir()
    (articles / "2024/deep.txt").write_text(" date 2024-06-02 A story in a subfolder. It counts.\n")
    toml = project / "feeds/test.toml"
    toml.write_text(toml.read_text().replace('"articles/*.txt"', '"articles/**/*.txt"'))
    run(project)
    ids = {e.id for e in parsed(project, "atom").entries}
    assert "tag:news.example.net,2024-01-01:articles/2024/deep.txt" in ids
    assert not any(".draft" in i for i in ids) and len(ids) == 4
