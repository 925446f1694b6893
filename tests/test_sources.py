"""Local source kinds (markdown, html, jsonl, a feed file), their errors, and the
feed-file keys that configure sources, filters and fetching."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import feedparser
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from feedsum.cli import cli
from feedsum.config import load_feed, parse_feed
from feedsum.errors import ConfigError, SourceError
from feedsum.pipeline import BuildReport, build
from feedsum.sources import feed, htmltext, jsonl, markdown, textfile
from feedsum.sources import html as html_source
from feedsum.state import State

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
PARIS = ZoneInfo("Europe/Paris")

BODY = (
    "The river festival opens on Friday with forty boats, the organisers said. "
    "Tickets sold out within a week.\n\n"
    "The parade starts at the old mill at noon. Bands from five towns will play."
)

MARKDOWN = f"""---
title: River festival opens
date: 2025-05-30
author: Events desk
tags: [culture, river]
link: https://local.example.org/festival
---
{BODY}

<script>alert("x")</script> and *emphasis*.
"""

PAGE = """<!doctype html><html><head><title>Orchard harvest | Valley Post</title>
<meta property="og:title" content="Orchard harvest starts early">
<meta name="author" content="Farm desk">
<meta property="article:published_time" content="2025-05-28T07:00:00Z">
<link rel="canonical" href="https://valley.example.org/orchard"></head>
<body><nav><a href="/">Home</a> | <a href="/farm">Farming</a> | <a href="/sport">Sport</a></nav>
<div class="advert">Subscribe now for half price!</div>
<article><h1>Orchard harvest starts early</h1>
<p>Growers in the valley began picking apples two weeks early after a warm spring,
the cooperative said on Wednesday.</p>
<p>The crop is expected to be the largest in a decade, with more than 9,000 tonnes
picked by October.</p>
<p>Seasonal workers arrived from three countries to help with the early start.</p>
</article><footer>Copyright Valley Post. All rights reserved.</footer></body></html>
"""

LINES = [
    '{"id": "j-1", "title": "Market hall reopens", "text": "The market hall reopened on '
    'Monday after repairs. Forty stalls are back.", "date": "2025-05-20", "tags": ["town"]}',
    '{"title": "No text here"}',
    "not json at all",
    '{"link": "https://j.example.org/2", "text": "The tram line extension was approved by '
    'the council on Tuesday. Work starts in June.", "date": "2025-05-21T10:30:00+02:00"}',
    "",
    '{"text": "A line with neither id nor link still gets a stable id. It is hashed."}',
]

RSS = b"""<?xml version="1.0"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<title>Local wire</title><link>https://wire.example.org/</link><description>d</description>
<item><title>Wire story</title><link>https://wire.example.org/1</link>
<guid>https://wire.example.org/1</guid><pubDate>Thu, 29 May 2025 08:00:00 GMT</pubDate>
<content:encoded><![CDATA[<p>The coastal road will close for three nights next week for
resurfacing, the highways agency said.</p><p>Diversions will be signposted.</p>]]>
</content:encoded></item></channel></rss>
"""

FEED = """\
title = "Local digest"
link = "https://digest.example.net/"
tag_date = 2025-01-01
timezone = "Europe/Paris"

[[sources]]
kind = "markdown"
path = "md/*.md"

[[sources]]
kind = "html"
path = "pages/*.html"

[[sources]]
kind = "jsonl"
path = "lines.jsonl"

[[sources]]
kind = "feed"
path = "wire.xml"
full_text = "never"

[summary]
algorithm = "lead"
sentences = 1
"""


def test_markdown_front_matter_and_body() -> None:
    article = markdown.parse(MARKDOWN, origin="a.md", default_id="tag:x", timezone=PARIS)
    assert article.title == "River festival opens"
    assert article.published == datetime(2025, 5, 29, 22, 0, tzinfo=UTC)  # midnight in Paris
    assert article.tags == ("culture", "river") and article.author == "Events desk"
    assert article.id == article.link == "https://local.example.org/festival"
    assert article.body.startswith("The river festival opens on Friday")
    assert article.html is not None
    assert "<em>emphasis</em>" in article.html
    assert "<script>" not in article.html and "&lt;script&gt;" in article.html


def test_markdown_toml_front_matter_and_heading_title() -> None:
    text = '+++\ndate = 2025-05-01T10:00:00Z\nid = "m-1"\n+++\n# The heading\n\nA body line.\n'
    article = markdown.parse(text, origin="b.md", default_id="tag:x", timezone=PARIS)
    assert (article.title, article.id, article.body) == ("The heading", "m-1", "A body line.")
    assert article.published == datetime(2025, 5, 1, 10, 0, tzinfo=UTC)
    plain = markdown.parse("Just text.\n", origin="c.md", default_id="tag:c", timezone=PARIS)
    assert (plain.title, plain.id, plain.published) == (None, "tag:c", None)


def test_markdown_tables_render() -> None:
    text = "A table follows.\n\n| city | boats |\n| --- | --- |\n| Malmö | 40 |\n"
    article = markdown.parse(text, origin="t.md", default_id="tag:t", timezone=PARIS)
    assert article.html is not None and "<td>Malmö</td>" in article.html
    assert "Malmö" in article.body


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("---\ntitle: [unclosed\n---\nBody.\n", "c.md:2: front matter is not valid YAML"),
        ("---\ntitle: x\nBody.\n", "c.md:1: front matter opened with --- is never closed"),
        ("---\ncolour: red\n---\nBody.\n", "c.md: unknown front matter colour"),
        ("---\ndate: someday\n---\nBody.\n", "write it as YYYY-MM-DD"),
        ("+++\ntitle = \n+++\nBody.\n", "c.md:2: front matter is not valid TOML"),
        ("---\ntitle: T\n---\n\n", "c.md: the article has no body text"),
    ],
)
def test_markdown_errors_name_the_file_and_line(text: str, message: str) -> None:
    with pytest.raises(SourceError) as error:
        markdown.parse(text, origin="c.md", default_id="tag:c", timezone=PARIS)
    assert message in str(error.value)


def test_html_page_article_is_extracted(tmp_path: Path) -> None:
    page = tmp_path / "orchard.html"
    page.write_text(PAGE, encoding="utf-8")
    article = html_source.read_article(page, key="orchard.html", id_prefix="tag:x:", timezone=PARIS)
    assert article.title == "Orchard harvest starts early"
    assert article.id == article.link == "https://valley.example.org/orchard"
    assert article.author == "Farm desk"
    assert article.published == datetime(2025, 5, 27, 22, 0, tzinfo=UTC)
    assert article.body.startswith("Growers in the valley began picking apples")
    for boilerplate in ("Subscribe", "Copyright", "Sport", "Orchard harvest starts early"):
        assert boilerplate not in article.body


def test_html_without_an_article_is_an_error(tmp_path: Path) -> None:
    page = tmp_path / "empty.html"
    page.write_text('<html><body><img src="a.png"></body></html>', encoding="utf-8")
    with pytest.raises(SourceError, match=r"empty\.html: no article text found"):
        html_source.read_article(page, key="empty.html", id_prefix="tag:x:", timezone=PARIS)


def test_jsonl_names_bad_lines_and_keeps_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "lines.jsonl"
    path.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    items, errors = jsonl.read_items(path, key="lines.jsonl", id_prefix="tag:x:", timezone=PARIS)
    assert [str(e) for e in errors] == [
        f"{path}:2: no 'text'; every line needs the article text",
        f"{path}:3: not valid JSON (Expecting value); fix the line",
    ]
    first, second, third = (item.article for item in items)
    assert (first.id, first.tags) == ("j-1", ("town",))
    assert first.published == datetime(2025, 5, 19, 22, 0, tzinfo=UTC)
    assert second.id == "https://j.example.org/2"
    assert second.published == datetime(2025, 5, 21, 8, 30, tzinfo=UTC)
    assert third.id.startswith("tag:x:lines.jsonl#")
    again, _ = jsonl.read_items(path, key="lines.jsonl", id_prefix="tag:x:", timezone=PARIS)
    assert [i.article.id for i in again] == [i.article.id for i in items]


def test_html_fragments_become_paragraphs() -> None:
    fragment = "<p>One <b>bold</b> line.</p><ul><li>A</li></ul>Tail<script>x()</script>"
    assert htmltext.paragraphs(fragment) == ["One bold line.", "A", "Tail"]
    assert htmltext.text("<b>Fish &amp; chips</b>") == "Fish & chips"


def local_project(tmp_path: Path) -> Path:
    feeds = tmp_path / "feeds"
    (feeds / "md").mkdir(parents=True)
    (feeds / "pages").mkdir()
    (feeds / "md" / "festival.md").write_text(MARKDOWN, encoding="utf-8")
    (feeds / "pages" / "orchard.html").write_text(PAGE, encoding="utf-8")
    (feeds / "lines.jsonl").write_text("\n".join(LINES) + "\n", encoding="utf-8")
    (feeds / "wire.xml").write_bytes(RSS)
    (feeds / "digest.toml").write_text(FEED, encoding="utf-8")
    return tmp_path


def run(project: Path, now: datetime = NOW) -> BuildReport:
    config = load_feed(project / "feeds" / "digest.toml")
    with State(project / ".feedsum" / "state.db") as state:
        return build(config, state, now)


def test_local_kinds_merge_into_one_feed(tmp_path: Path) -> None:
    project = local_project(tmp_path)
    report = run(project)
    assert len(report.failures) == 2  # the two bad JSON lines, named
    assert report.entries == 6
    atom = feedparser.parse((project / "public" / "digest.atom").read_bytes())
    assert not atom.bozo
    got = {e.title: e for e in atom.entries}
    assert set(got) >= {"River festival opens", "Orchard harvest starts early",
                        "Market hall reopens", "Wire story"}  # fmt: skip
    festival = got["River festival opens"]
    assert "<em>emphasis</em>" in festival.content[0].value
    assert {t.term for t in festival.tags} == {"culture", "river"}
    assert (
        festival.summary
        == "The river festival opens on Friday with forty boats, the organisers said."
    )
    assert got["Wire story"].source.title == "Local wire"
    assert got["Wire story"].summary.startswith("The coastal road will close")
    # Nothing changed: nothing is processed again.
    assert run(project).summarized == 0


def test_a_filter_change_applies_to_remembered_articles(tmp_path: Path) -> None:
    project = local_project(tmp_path)
    run(project)
    toml = project / "feeds" / "digest.toml"
    toml.write_text(toml.read_text() + '\n[filter]\nexclude = { tags = "^culture$" }\n')
    report = run(project)
    assert report.entries == 5
    atom = feedparser.parse((project / "public" / "digest.atom").read_bytes())
    assert "River festival opens" not in {e.title for e in atom.entries}


def test_gc_forgets_items_of_a_removed_source(tmp_path: Path) -> None:
    project = local_project(tmp_path)
    run(project)
    toml = project / "feeds" / "digest.toml"
    toml.write_text(toml.read_text().replace('path = "lines.jsonl"', 'path = "none.jsonl"'))
    result = CliRunner().invoke(
        cli,
        ["gc", "--feeds", str(project / "feeds"), "--state", str(project / ".feedsum/state.db")],
    )
    assert result.exit_code == 0, result.output
    assert "digest: forgot 3 removed articles" in result.output
    with State(project / ".feedsum" / "state.db") as state:
        assert set(state.sources("digest")) == {"wire.xml"}


BASE = {
    "title": "T",
    "link": "https://example.org/",
    "sources": [{"url": "https://upstream.example.org/feed.xml"}],
}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"filter": {"include": {"title": "(unclosed"}}},
         "feed.toml: filter.include.title: not a valid regular expression"),
        ({"filter": {"exclude": {"text": ["ok", "[z-a]"]}}},
         "feed.toml: filter.exclude.text[1]: not a valid regular expression"),
        ({"filter": {"include": {"body": "x"}}},
         "filter.include.body: unknown field; use one of: title, text, author, tags"),
        ({"filter": {"max_age_days": -1}}, "filter.max_age_days: got -1"),
        ({"sources": [{"path": "a/*.rst", "kind": "rst"}]}, "sources[0].kind: got 'rst'"),
        ({"sources": [{"url": "ftp://x/feed"}]}, "sources[0].url: got 'ftp://x/feed'"),
        ({"sources": [{"url": "https://x/f", "path": "f.xml"}]},
         "sources[0].path: both url and path are set"),
        ({"sources": [{"url": "https://x/f", "full_text": "yes"}]},
         "sources[0].full_text: got 'yes'; use \"auto\", \"always\" or \"never\""),
        ({"sources": [{"path": "a/*.md", "kind": "markdown", "full_text": "auto"}]},
         "sources[0].full_text: unknown key"),
        ({"fetch": {"timeout": 0}}, "fetch.timeout: got 0"),
        ({"fetch": {"max_bytes": 10}}, "fetch.max_bytes: got 10"),
    ],
)  # fmt: skip
def test_config_errors_name_the_key(extra: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_feed(Path("feed.toml"), {**BASE, **extra})
    assert message in str(error.value)


def test_source_defaults() -> None:
    config = parse_feed(Path("feeds/f.toml"), BASE)
    (source,) = config.sources
    assert (source.kind, source.url, source.full_text) == (
        "feed", "https://upstream.example.org/feed.xml", "auto"
    )  # fmt: skip
    assert config.fetch.max_bytes == 10_000_000 and config.fetch.timeout == 30
    assert config.filters.max_age_days == 0 and not config.filters.include


def test_rss_1_0_and_0_91_are_read() -> None:
    rdf = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://rdf.example.org/"><title>RDF wire</title>
<link>https://rdf.example.org/</link><description>d</description></channel>
<item rdf:about="https://rdf.example.org/1"><title>One</title><link>https://rdf.example.org/1</link>
<description>The first item of an RSS 1.0 feed.</description><dc:date>2025-05-02T10:00:00Z</dc:date>
</item></rdf:RDF>"""
    old = b"""<rss version="0.91"><channel><title>Old wire</title><link>https://o.example/</link>
<description>d</description><item><title>Two</title><link>https://o.example/2</link>
<description>An item of an RSS 0.91 feed.</description></item></channel></rss>"""
    (first,), errors, _ = feed.parse(rdf, origin="rdf.xml", source="rdf.xml")
    assert not errors
    assert (first.article.id, first.article.source_title) == (
        "https://rdf.example.org/1",
        "RDF wire",
    )
    assert first.article.published == datetime(2025, 5, 2, 10, 0, tzinfo=UTC)
    (second,), _, _ = feed.parse(old, origin="old.xml", source="old.xml")
    assert second.article.body == "An item of an RSS 0.91 feed."
    assert second.key == "old.xml#https://o.example/2"


def test_character_references_feedparser_raises_on_become_u_fffd() -> None:
    # A lone surrogate and two past U+10FFFF made feedparser raise (its #591): one
    # such upstream ended the whole build with a traceback.
    rss = b"""<rss version="2.0"><channel><title>W &#xD800;</title><item>
<title>A &#55296; B &#x110000; C &#99999999999999; D &#x41; &#0000065;</title>
<link>https://w.example/1</link><description>Text of the item, long enough.</description>
</item></channel></rss>"""
    (item,), errors, _ = feed.parse(rss, origin="w.xml", source="w.xml")
    assert not errors
    assert item.article.title == "A \ufffd B \ufffd C \ufffd D A A"
    assert item.article.source_title == "W \ufffd"


def test_a_feed_feedparser_cannot_read_is_a_source_error() -> None:
    # feedparser passes a DOCTYPE entity value to re.sub as a template (its #599).
    doc = b"""<!DOCTYPE rss [
<!ENTITY path "C:\\data">
]>
<rss version="2.0"><channel><title>&path;</title></channel></rss>"""
    with pytest.raises(SourceError, match=r"^d\.xml: feedparser cannot read it \(error: bad"):
        feed.parse(doc, origin="d.xml", source="d.xml")


def test_lone_surrogates_in_json_become_u_fffd(tmp_path: Path) -> None:
    # JSON may escape a lone surrogate, which UTF-8 (the state, the feeds) cannot hold.
    doc = (
        '{"version": "https://jsonfeed.org/version/1.1", "title": "J\\ud800", "items": ['
        '{"id": "1", "title": "a\\udc00 \\ud83d\\ude00 \\\\ud800", "content_text": "Body."}]}'
    )
    (item,), errors, _ = feed.parse(doc.encode(), origin="j.json", source="j.json")
    assert not errors
    assert item.article.title == "a\ufffd \U0001f600 \\ud800"  # a pair stays; \\ is text
    assert item.article.source_title == "J\ufffd"
    path = tmp_path / "l.jsonl"
    path.write_text(
        '{"text": "Body \\ud800 text."}\n' + "[" * 100_000 + "\n" + '{"text": "Fine."}\n',
        encoding="utf-8",
    )
    items, errors = jsonl.read_items(path, key="l.jsonl", id_prefix="x:", timezone=UTC)
    assert [i.article.body for i in items] == ["Body \ufffd text.", "Fine."]
    assert [str(e) for e in errors] == [f"{path}:2: JSON nested too deep to read; fix the line"]
    for item in items:
        item.article.body.encode("utf-8")


def test_a_line_removed_from_jsonl_is_an_article_removed(tmp_path: Path) -> None:
    project = local_project(tmp_path)
    run(project)
    lines = project / "feeds" / "lines.jsonl"
    lines.write_text(LINES[0] + "\n", encoding="utf-8")
    report = run(project)
    assert report.entries == 4 and not report.failures


def test_json_feed_bad_items_are_named_and_skipped() -> None:
    doc = {
        "version": "https://jsonfeed.org/version/1",
        "title": "J",
        "feed_url": "https://j.example.org/feed.json",
        "items": [
            "not an object",
            {"id": "2", "content_text": "Fine.", "date_published": "yesterday"},
            {"id": "3", "url": "/three", "content_html": "<p>Three.</p>", "author": {"name": "A"}},
            {"content_text": "No id, no link: an id from the text."},
        ],
    }
    items, errors, _ = feed.parse(json.dumps(doc).encode(), origin="j.json", source="j.json")
    assert [str(e) for e in errors] == [
        "j.json: item 1 is not an object; it is skipped",
        "j.json: item 2 has a bad date 'yesterday'; it is skipped",
    ]
    three, four = (item.article for item in items)
    assert (three.link, three.author, three.body) == ("https://j.example.org/three", "A", "Three.")
    assert three.source_url == "https://j.example.org/feed.json"
    assert four.id.startswith("urn:feedsum:")


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)
_FIELDS = ("id", "url", "external_url", "title", "content_html", "content_text", "summary",
           "date_published", "date_modified", "authors", "author", "tags")  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    top=st.fixed_dictionaries(
        {}, optional={k: _JSON for k in ("title", "feed_url", "home_page_url")}
    ),
    items=st.lists(
        st.fixed_dictionaries({}, optional={k: _JSON for k in _FIELDS}) | _JSON, max_size=3
    ),
)
def test_json_feed_of_any_shape_gives_items_or_named_errors(
    top: dict[str, object], items: list[object]
) -> None:
    doc = {"version": "https://jsonfeed.org/version/1.1", **top, "items": items}
    got, errors, _ = feed.parse(json.dumps(doc).encode(), origin="j.json", source="j.json")
    assert len(got) + len(errors) <= len(items)
    assert all(str(e).startswith("j.json: item ") for e in errors)


# Pieces of article files, well and badly formed: headers, front matter, JSON lines,
# feeds, byte-order marks, NULs, lone surrogates, invalid UTF-8.
_PIECES = st.sampled_from(
    [" date 2024-01-02 ", "date 2024-02-30 ", "title X\n", "id urn:x\n", "link http://x\n",
     "author A\n", "tags a, b\n", "\n\n", "Text here. ", "\ufeff", "\r\n", "\x00", "---\n",
     "+++\n", "title: t\n", "date: 2024-01-01\n", "date: [1\n", "# Head\n", "<b>x</b>",
     '{"text": 1}\n', '{"text": "Body."}\n', "{}\n", "[]\n", '"\\ud800"\n', "&#xD800;",
     "&#x110000;", "<rss version='2.0'><channel>", "<item><title>", "</title></item>",
     '{"version": "https://jsonfeed.org/version/1.1", "items": [', "]}"]
) | st.text(max_size=6)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(pieces=st.lists(_PIECES | st.binary(max_size=3), max_size=12))
def test_any_file_is_an_article_or_a_source_error(
    tmp_path_factory: pytest.TempPathFactory, pieces: list[object]
) -> None:
    data = b"".join(
        p if isinstance(p, bytes) else str(p).encode("utf-8", "surrogatepass") for p in pieces
    )
    path = tmp_path_factory.mktemp("any") / "a.txt"
    path.write_bytes(data)
    for read in (textfile.read_article, markdown.read_article):
        try:
            article = read(path, key="a.txt", id_prefix="tag:x,2024:", timezone=UTC)
        except SourceError as error:
            assert str(error).startswith(str(path))
        else:
            assert article.body.strip() and article.id
    try:
        feed.parse(data, origin="a.xml", source="a.xml")
    except SourceError as error:
        assert str(error).startswith("a.xml: ")
    try:  # a file that is no text at all is one error; else one per bad line
        items, errors = jsonl.read_items(path, key="a.jsonl", id_prefix="x:", timezone=UTC)
    except SourceError as error:
        assert str(error).startswith(str(path))
    else:
        assert all(str(e).startswith(f"{path}:") for e in errors)
        assert all(item.article.body.strip() for item in items)
