"""The html format and the site around the feeds: pages per feed and per local
article, the index and feeds.opml; valid HTML5, links that resolve, entries of
local articles linking to their page with their ids unchanged."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import feedparser
import html5lib
import lxml.etree
import lxml.html
import pytest
from click.testing import CliRunner

from feedsum.cli import cli
from tests.language_samples import SAMPLES
from tests.test_jsonfeed import ROOT

FORMATS = ("atom", "rss", "json", "html")


def build(project: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["build", "--feeds", str(project / "feeds"), *args])
    assert result.exit_code == 0, result.output
    return result.output


def copy_feeds(project: Path) -> Path:
    shutil.copytree(ROOT / "feeds", project / "feeds")
    return project


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = copy_feeds(tmp_path_factory.mktemp("site"))
    build(project)
    return project / "public"


def pages(public: Path) -> list[Path]:
    return sorted(public.rglob("*.html"))


def html5(path: Path) -> lxml.etree._Element:
    """The page parsed by html5lib in strict mode: a parse error (by the WHATWG
    algorithm, what every browser runs) fails the test."""
    parser = html5lib.HTMLParser(
        strict=True, tree=html5lib.getTreeBuilder("lxml"), namespaceHTMLElements=False
    )
    document = parser.parse(path.read_bytes())
    root: lxml.etree._Element = document.getroot()
    return root


def test_every_page_is_valid_html5_with_charset_lang_title_and_no_script(site: Path) -> None:
    found = pages(site)
    assert len(found) == 1 + 2 + 14 + 4  # index, two feed pages, 14 + 4 article pages
    for path in found:
        text = path.read_text(encoding="utf-8")
        assert text.startswith("<!DOCTYPE html>\n"), path
        root = html5(path)
        assert root.get("lang") == "en", path
        assert root.find("head/meta[@charset='utf-8']") is not None, path
        assert (root.findtext("head/title") or "").strip(), path
        assert root.find("head/meta[@name='viewport']") is not None, path
        # No JavaScript: no script element, no event handler attribute.
        assert not list(root.iter("script")), path
        assert not [a for e in root.iter() for a in e.attrib if a.startswith("on")], path
        assert "prefers-color-scheme: dark" in text


def test_relative_links_resolve_to_files_that_exist(site: Path) -> None:
    for path in pages(site):
        root = html5(path)
        hrefs = [a.get("href") for a in root.iter("a", "link") if a.get("href")]
        for href in hrefs:
            if urlsplit(href).scheme:
                assert urlsplit(href).scheme in ("http", "https"), (path, href)
                continue
            target = Path(urljoin(path.as_uri(), href.split("#")[0])[len("file://") :])
            assert target.is_file(), (path, href)


@pytest.mark.parametrize("name", ["example", "digest"])
def test_the_feed_page_shows_every_entry_newest_first(site: Path, name: str) -> None:
    atom = feedparser.parse((site / f"{name}.atom").read_bytes())
    root = html5(site / f"{name}.html")
    shown = [
        (li.findtext("h2") or "".join(li.find("h2").itertext()), li.findtext("p[@class='summary']"))
        for li in root.iterfind(".//ol[@class='entries']/li")
    ]
    assert shown == [(e.title, e.summary) for e in atom.entries]
    discovered = {
        link.get("type"): link.get("href") for link in root.iterfind("head/link[@rel='alternate']")
    }
    assert discovered == {
        "application/atom+xml": f"{name}.atom",
        "application/rss+xml": f"{name}.rss",
        "application/feed+json": f"{name}.json",
    }


def test_dates_are_shown_in_the_feeds_time_zone(site: Path) -> None:
    root = html5(site / "digest.html")
    times = {t.get("datetime"): t.text for t in root.iter("time")}
    # The digest's zone is Europe/Stockholm: a date-only note is its midnight there.
    assert any(stamp.endswith("+02:00") for stamp in times), times
    assert all(text and stamp.startswith(text[:10]) for stamp, text in times.items())


def test_local_articles_link_to_their_page_and_keep_their_ids(tmp_path: Path) -> None:
    # An old feed file (atom and rss only) keeps its two formats and no pages...
    project = copy_feeds(tmp_path)
    toml = project / "feeds/example.toml"
    four = toml.read_text()
    toml.write_text(four.replace('"atom", "rss", "json", "html"', '"atom", "rss"'))
    build(project, "example")
    public = project / "public"
    assert sorted(p.name for p in public.iterdir()) == [
        "example.atom", "example.rss", "feeds.opml", "index.html",
    ]  # fmt: skip
    before = feedparser.parse((public / "example.atom").read_bytes()).entries
    # ...and given html, its entries link to their pages, with the same ids and dates.
    toml.write_text(four)
    build(project, "example")
    after = feedparser.parse((public / "example.atom").read_bytes()).entries
    assert [(e.id, e.published, e.updated) for e in after] == [
        (e.id, e.published, e.updated) for e in before
    ]
    for was, now in zip(before, after, strict=True):
        if was.link != "https://example.org/":  # the one article with a link keeps it
            assert now.link == was.link
            continue
        assert now.link.startswith("https://example.org/feeds/example/"), now.link
        page = public / now.link.removeprefix("https://example.org/feeds/")
        root = html5(page)
        assert root.findtext(".//article/h1") == now.title
        assert root.findtext(".//article/p[@class='summary']") == now.summary
        # The full cleaned article: each paragraph of the entry's content.
        shown = " ".join(root.find(".//article").itertext())
        content = lxml.html.fragment_fromstring(now.content[0].value, create_parent="div")
        assert all(p.text_content() in shown for p in content.iter("p"))
    rss = feedparser.parse((public / "example.rss").read_bytes()).entries
    assert [e.link for e in rss] == [e.link for e in after]


def test_every_output_is_byte_identical_on_rebuild(tmp_path: Path) -> None:
    project = copy_feeds(tmp_path)
    build(project)
    public = project / "public"
    first = {p: p.read_bytes() for p in sorted(public.rglob("*")) if p.is_file()}
    assert {p.suffix for p in first} == {".atom", ".rss", ".json", ".html", ".opml"}
    build(project, "--force")
    assert {p: p.read_bytes() for p in sorted(public.rglob("*")) if p.is_file()} == first
    # A lost state: the feeds' own Atom keeps every date, so the bytes are the same.
    shutil.rmtree(project / ".feedsum")
    build(project)
    assert {p: p.read_bytes() for p in sorted(public.rglob("*")) if p.is_file()} == first


def test_titles_and_summaries_are_escaped_and_content_sanitized(project: Path) -> None:
    (project / "feeds/articles/x-script.txt").write_text(
        'title <script>alert("t")</script> & <b>bold</b>\n date 2024-05-01 '
        "A story says <img src=x onerror=alert(1)> here. It is plain text, always.\n"
    )
    build(project)
    page = (project / "public/test/articles-x-script.html").read_text()
    assert "<script" not in page and "<img" not in page and "<b>" not in page
    assert "&lt;script&gt;" in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<script" not in (project / "public/test.html").read_text()
    items = json.loads((project / "public/test.json").read_text())["items"]
    item = next(i for i in items if i["id"].endswith("x-script.txt"))
    assert item["title"] == '<script>alert("t")</script> & <b>bold</b>'


def test_a_templates_folder_overrides_a_page_and_a_change_rerenders(project: Path) -> None:
    templates = project / "feeds/templates"
    templates.mkdir()
    (templates / "article.html").write_text(
        '{% extends "base.html" %}{% block title %}{{ entry.title }}{% endblock %}'
        "{% block body %}<main><h1>Ours: {{ entry.title }}</h1>{{ entry.content }}</main>"
        "{% endblock %}\n"
    )
    toml = project / "feeds/test.toml"
    toml.write_text(toml.read_text() + '\n[output]\ntemplates = "templates"\n')
    build(project)
    page = project / "public/test/articles-b-library.html"
    assert "<h1>Ours: A library opens &amp; &lt;everyone&gt; comes</h1>" in page.read_text()
    html5(page)
    # The feed page still comes from feedsum's own template.
    assert '<ol class="entries">' in (project / "public/test.html").read_text()
    (templates / "article.html").write_text(
        (templates / "article.html").read_text().replace("Ours:", "Mine:")
    )
    output = build(project)
    assert f"wrote {page}" in output and "Mine:" in page.read_text()


def test_a_broken_template_names_its_file_and_line(project: Path) -> None:
    templates = project / "feeds/templates"
    templates.mkdir()
    (templates / "feed.html").write_text('{% extends "base.html" %}\n{% block body %}\n{{ oops(\n')
    toml = project / "feeds/test.toml"
    toml.write_text(toml.read_text() + '\n[output]\ntemplates = "templates"\n')
    result = CliRunner().invoke(cli, ["build", "--feeds", str(project / "feeds")])
    assert result.exit_code == 1
    assert "test.toml: output.templates: template" in result.output
    assert "feed.html:3" in result.output and "fix the template" in result.output
    assert not (project / "public/test.atom").exists()  # no format written without the others


def test_a_missing_templates_folder_is_a_feed_file_error(project: Path) -> None:
    toml = project / "feeds/test.toml"
    toml.write_text(toml.read_text() + '\n[output]\ntemplates = "nowhere"\n')
    result = CliRunner().invoke(cli, ["build", "--feeds", str(project / "feeds")])
    assert result.exit_code == 2
    assert "output.templates" in result.output and "no such folder" in result.output


def test_the_index_and_opml_list_every_feed(site: Path) -> None:
    root = html5(site / "index.html")
    titles = [h2.xpath("string()") for h2 in root.iterfind(".//li/h2")]
    assert titles == ["Valley digest", "feedsum example news"]
    opml = lxml.etree.fromstring((site / "feeds.opml").read_bytes())
    assert opml.get("version") == "2.0"
    outlines = opml.findall("body/outline")
    assert [(o.get("text"), o.get("xmlUrl")) for o in outlines] == [
        ("Valley digest", "https://news.example.org/digest/digest.atom"),
        ("feedsum example news", "https://example.org/feeds/example.atom"),
    ]


def test_right_to_left_text_gets_dir_auto_on_every_page(project: Path) -> None:
    # An Arabic article in an English feed: the browser picks each element's
    # direction from its first strong letter (dir="auto"), not the page's.
    paragraphs, _ = SAMPLES["ar"]
    title = "خط حافلات سريع جديد في عمان"
    (project / "feeds/articles/d-arabic.txt").write_text(
        f"title {title}\n date 2024-03-04 " + "\n\n".join(paragraphs) + "\n", encoding="utf-8"
    )
    build(project)
    public = project / "public"
    article = html5(public / "test/articles-d-arabic.html")
    assert article.find(".//article").get("dir") == "auto"
    heading = article.find(".//article/h1")
    assert heading.get("dir") == "auto" and heading.text == title
    summary = article.find(".//article/p[@class='summary']")
    assert summary.get("dir") == "auto" and summary.text and summary.text.startswith("أعلنت")
    entry = next(
        li for li in html5(public / "test.html").iter("li") if li.findtext("h2/a") == title
    )
    assert entry.find("h2").get("dir") == "auto"
    assert entry.find("p[@class='summary']").get("dir") == "auto"
    # Left-to-right articles are unchanged by it: every entry's title and summary has it.
    feed_page = html5(public / "test.html")
    assert all(h.get("dir") == "auto" for h in feed_page.iter("h2"))
    # The feed's own title and description, and the index's, too.
    assert feed_page.find(".//header/h1").get("dir") == "auto"
    index = html5(public / "index.html")
    assert all(h.get("dir") == "auto" for h in index.iter("h2"))
