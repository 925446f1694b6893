"""Feeds a reader can trust: any text in any field of any source gives valid feeds
that carry that text; links survive, made absolute; ids cannot be taken over."""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path

import feedparser
import lxml.etree
import lxml.html
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedsum.config import load_feed
from feedsum.pipeline import BuildReport, build
from feedsum.safety import xml_text
from feedsum.state import State
from feedsum.text import clean

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)

FEED = """\
title = "Trust"
link = "https://trust.example.org/"
tag_date = 2025-01-01
{sources}

[summary]
algorithm = "lead"
sentences = 1

[output]
dir = "out"
max_items = 500
"""
EVERY_KIND = """\
[[sources]]
path = "t/*.txt"
[[sources]]
kind = "markdown"
path = "m/*.md"
[[sources]]
kind = "html"
path = "h/*.html"
[[sources]]
kind = "jsonl"
path = "j.jsonl"
[[sources]]
kind = "feed"
path = "f.json"
"""


def _build(root: Path, now: datetime = NOW) -> BuildReport:
    with State(root / "state.db") as state:
        return build(load_feed(root / "trust.toml"), state, now)


def _outputs(root: Path) -> dict[str, bytes]:
    return {fmt: (root / f"out/trust.{fmt}").read_bytes() for fmt in ("atom", "rss")}


def _toml_string(text: str) -> str:
    """A TOML basic string holding `text` (control characters as \\u escapes)."""
    escaped = "".join(
        f"\\u{ord(c):04X}" if ord(c) < 0x20 or ord(c) == 0x7F else "\\" + c if c in '"\\' else c
        for c in text
    )
    return f'"{escaped}"'


def _collapse(text: str) -> str:
    return " ".join(text.split())


# Any string, lone surrogates included (JSON can spell them); files hold decoded text,
# which never has a surrogate nor NUL (a file with NUL bytes is refused as binary),
# and a text header is one line.
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=40)
FILE_TEXT = st.text(
    st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=40
)
LINE_TEXT = FILE_TEXT.map(lambda t: t.replace("\n", " ").replace("\r", " "))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)  # each example is a build of five sources
@given(any_text=ANY_TEXT, file_text=FILE_TEXT, line=LINE_TEXT)
def test_any_text_in_any_field_of_any_source_gives_valid_feeds_carrying_it(
    any_text: str, file_text: str, line: str
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "trust.toml").write_text(FEED.format(sources=EVERY_KIND), encoding="utf-8")
        # Each source's text its own: equal texts would be one article (dedup).
        sentence = f"The council of Tee said {file_text} on Monday."
        (root / "t").mkdir()
        (root / "t/a.txt").write_text(
            f"title T {line}\nauthor {line or 'x'}\n date 2025-05-01 {sentence}\n",
            encoding="utf-8",
        )
        (root / "m").mkdir()
        (root / "m/a.md").write_text(
            f"+++\ntitle = {_toml_string('M ' + file_text)}\n"
            f"tags = [{_toml_string(file_text)}]\nauthor = {_toml_string(file_text)}\n+++\n"
            f"The council met on Monday.\n\n{file_text}\n",
            encoding="utf-8",
        )
        (root / "h").mkdir()
        (root / "h/a.html").write_text(
            f"<html><head><title>H {escape(file_text)}</title></head><body><article>"
            f"<p>The council met on Monday to agree the budget for the year.</p>"
            f"<p>{escape(sentence)} The vote was close, members said afterwards.</p>"
            "</article></body></html>",
            encoding="utf-8",
        )
        jsonl = {
            "id": f"j{any_text}",
            "title": f"J {any_text}",
            "text": f"The council of Jay said {any_text} on Monday.",
            "author": any_text or None,
            "tags": [any_text],
            "link": f"https://j.example.org/{any_text}",
        }
        (root / "j.jsonl").write_text(json.dumps(jsonl) + "\n", encoding="ascii")
        item = {
            "id": f"f{any_text}",
            "title": f"F {any_text}",
            "content_text": f"The council of Eff said {any_text} on Monday.",
            "authors": [{"name": any_text}],
            "tags": [any_text],
            "url": "https://f.example.org/1",
        }
        feed = {"version": "https://jsonfeed.org/version/1.1", "title": any_text, "items": [item]}
        (root / "f.json").write_text(json.dumps(feed), encoding="ascii")

        report = _build(root)
        assert not [f for f in report.failures if "no article text" not in str(f)]

        outputs = _outputs(root)
        for fmt, data in outputs.items():
            lxml.etree.fromstring(data)
            parsed = feedparser.parse(data)
            assert not parsed.bozo, (fmt, parsed.get("bozo_exception"))
            text = data.decode("utf-8")
            assert xml_text(text) == text, fmt  # nothing forbidden anywhere
        # Titles as lxml reads them: feedparser "repairs" some text ("Â¡" reads as "¡").
        atom_ns = "{http://www.w3.org/2005/Atom}"
        tree = lxml.etree.fromstring(outputs["atom"])
        titles = {_collapse(t.text or "") for t in tree.findall(f"{atom_ns}entry/{atom_ns}title")}
        for title in (f"T {line}", f"M {file_text}", f"J {any_text}", f"F {any_text}"):
            assert _collapse(xml_text(title)) in titles
        contents = " ".join(
            _collapse(c.text or "") for c in tree.findall(f"{atom_ns}entry/{atom_ns}content")
        )
        for body in (f"The council of Jay said {any_text} on Monday.", sentence):
            for paragraph in clean(xml_text(body)):
                assert _collapse(escape(paragraph, quote=False)) in contents


def _local_and_upstream(root: Path, item_id: str, item_date: str) -> None:
    (root / "t").mkdir()
    (root / "t/a.txt").write_text(
        " date 2025-05-20 The ferry timetable changes in June, the port said.\n",
        encoding="utf-8",
    )
    rss = f"""<?xml version="1.0"?><rss version="2.0"><channel><title>Other</title>
<link>https://other.example.org/</link><description>d</description>
<item><title>Taken</title><guid isPermaLink="false">{item_id}</guid>
<pubDate>{item_date}</pubDate><description>Buy cheap watches here. Limited offer for
readers of this feed only.</description></item></channel></rss>"""
    (root / "wire.xml").write_text(rss, encoding="utf-8")
    sources = '[[sources]]\npath = "t/*.txt"\n[[sources]]\nkind = "feed"\npath = "wire.xml"\n'
    (root / "trust.toml").write_text(FEED.format(sources=sources), encoding="utf-8")


def test_an_upstream_item_cannot_take_over_a_local_articles_id(tmp_path: Path) -> None:
    local_id = "tag:trust.example.org,2025-01-01:t/a.txt"
    _local_and_upstream(tmp_path, local_id, "Thu, 01 May 2025 08:00:00 GMT")  # dated earlier
    report = _build(tmp_path, NOW)
    (failure,) = report.failures
    assert str(failure) == (
        f"wire.xml#{local_id}: entry id {local_id!r} is already used by "
        f"{tmp_path / 't/a.txt'} (seen first); the entry stays that one's"
    )
    (entry,) = feedparser.parse(_outputs(tmp_path)["atom"]).entries
    assert entry.id == local_id and "ferry" in entry.summary
    # Later builds keep it so; the takeover is reported each time it is tried.
    report = _build(tmp_path, NOW + timedelta(hours=1))
    (entry,) = feedparser.parse(_outputs(tmp_path)["atom"]).entries
    assert "ferry" in entry.summary and len(report.failures) == 1


def test_the_same_article_under_one_id_is_a_copy_not_a_clash(tmp_path: Path) -> None:
    upstream = """<?xml version="1.0"?><rss version="2.0"><channel><title>{t}</title>
<link>https://{t}.example.org/</link><description>d</description>
<item><title>Bridge</title><guid isPermaLink="false">urn:story:1</guid>
<description>The bridge reopens on Friday after repairs, the council said.</description>
</item></channel></rss>"""
    for name in ("one", "two"):
        (tmp_path / f"{name}.xml").write_text(upstream.format(t=name), encoding="utf-8")
    sources = "".join(f'[[sources]]\nkind = "feed"\npath = "{n}.xml"\n' for n in ("one", "two"))
    (tmp_path / "trust.toml").write_text(FEED.format(sources=sources), encoding="utf-8")
    report = _build(tmp_path)
    assert not report.failures and report.entries == 1


def test_atom_source_is_complete_and_rss_source_names_the_upstream(tmp_path: Path) -> None:
    _local_and_upstream(tmp_path, "urn:other:1", "Thu, 29 May 2025 08:00:00 GMT")
    _build(tmp_path)
    atom = lxml.etree.fromstring(_outputs(tmp_path)["atom"])
    ns = {"a": "http://www.w3.org/2005/Atom"}
    (source,) = atom.findall("a:entry/a:source", ns)
    assert source.findtext("a:id", namespaces=ns) == "https://other.example.org/"
    assert source.findtext("a:title", namespaces=ns) == "Other"
    assert source.findtext("a:updated", namespaces=ns) == "2025-05-29T08:00:00+00:00"
    assert source.find("a:link", ns).get("href") == "https://other.example.org/"
    rss = lxml.etree.fromstring(_outputs(tmp_path)["rss"])
    (rss_source,) = rss.findall("channel/item/source")
    assert rss_source.get("url") == "https://other.example.org/" and rss_source.text == "Other"


def test_upstream_html_keeps_its_links_and_images_made_absolute(tmp_path: Path) -> None:
    rss = """<?xml version="1.0"?><rss version="2.0"
 xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Fest</title>
<link>https://fest.example.org/</link><description>d</description>
<item><title>Festival</title><link>https://fest.example.org/2025/festival</link>
<content:encoded><![CDATA[<p>The festival opens on Friday. See <a href="programme.pdf">the
programme</a>, <a href="/map">the map</a> and <a href="javascript:alert(1)">this</a>.</p>
<p><img src="img/stage.jpg" alt="The stage"> Tickets are on sale now.</p>]]>
</content:encoded></item></channel></rss>"""
    (tmp_path / "fest.xml").write_text(rss, encoding="utf-8")
    sources = '[[sources]]\nkind = "feed"\npath = "fest.xml"\n'
    (tmp_path / "trust.toml").write_text(FEED.format(sources=sources), encoding="utf-8")
    _build(tmp_path)
    for fmt, data in _outputs(tmp_path).items():
        (entry,) = feedparser.parse(data).entries
        content = lxml.html.fragment_fromstring(entry.content[0].value, create_parent="div")
        links = {_collapse(a.text_content()): a.get("href") for a in content.iter("a")}
        # feedparser empties the javascript: href, which then resolves to the item's page.
        assert links == {
            "the programme": "https://fest.example.org/2025/programme.pdf",
            "the map": "https://fest.example.org/map",
            "this": "https://fest.example.org/2025/festival",
        }, fmt
        (image,) = content.iter("img")
        assert image.get("src") == "https://fest.example.org/2025/img/stage.jpg"
        assert "the map and this." in _collapse(content.text_content())  # no debris


def test_markdown_relative_urls_resolve_against_the_base_url(tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    (tmp_path / "m/roof.md").write_text(
        "# Roof repairs\n\nThe library roof is fixed. ![The roof](images/roof.png)\n\n"
        "Opening hours are [on this page](/about/hours) and [here](hours.html).\n",
        encoding="utf-8",
    )
    sources = '[[sources]]\nkind = "markdown"\npath = "m/*.md"\n'
    (tmp_path / "trust.toml").write_text(
        FEED.format(sources=sources).replace(
            "tag_date = 2025-01-01\n",
            'tag_date = 2025-01-01\nbase_url = "https://trust.example.org/feeds/"\n',
        ),
        encoding="utf-8",
    )
    _build(tmp_path)
    (entry,) = feedparser.parse(_outputs(tmp_path)["atom"]).entries
    content = lxml.html.fragment_fromstring(entry.content[0].value, create_parent="div")
    assert [a.get("href") for a in content.iter("a")] == [
        "https://trust.example.org/about/hours",
        "https://trust.example.org/feeds/hours.html",
    ]
    assert [i.get("src") for i in content.iter("img")] == [
        "https://trust.example.org/feeds/images/roof.png"
    ]


def test_a_link_with_a_query_keeps_self_and_id_urls_whole(tmp_path: Path) -> None:
    (tmp_path / "t").mkdir()
    (tmp_path / "t/a.txt").write_text("The ferry runs again. It is late.\n", encoding="utf-8")
    (tmp_path / "trust.toml").write_text(
        FEED.format(sources='sources = [{ path = "t/*.txt" }]').replace(
            "https://trust.example.org/", "https://example.org/news?id=1&lang=en"
        ),
        encoding="utf-8",
    )
    _build(tmp_path)
    for fmt, data in _outputs(tmp_path).items():
        parsed = feedparser.parse(data)
        links = {link.rel: link.href for link in parsed.feed.links}
        assert links["self"] == f"https://example.org/news/trust.{fmt}"
        assert links["alternate"] == "https://example.org/news?id=1&lang=en"
    assert feedparser.parse(_outputs(tmp_path)["atom"]).feed.id == (
        "https://example.org/news/trust.atom"
    )
