"""The safety boundary: what no feed may carry, and what a reader's HTML may hold."""

from __future__ import annotations

from pathlib import Path

import lxml.etree
import lxml.html
import pytest

from feedsum.model import Article
from feedsum.safety import ALLOWED_TAGS, http_url, safe_article, sanitize_html, xml_text


def _xml_allows(char: str) -> bool:
    """XML 1.0's Char production, written out from the spec."""
    code = ord(char)
    return (
        code in (0x9, 0xA, 0xD)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )


def _noncharacter(char: str) -> bool:
    code = ord(char)
    return 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE


def test_every_code_point_class_is_kept_removed_or_replaced() -> None:
    for code in range(0x110000):
        char = chr(code)
        got = xml_text(char)
        if 0xD800 <= code <= 0xDFFF:
            assert got == "\ufffd", hex(code)  # a lone surrogate: a replacement character
        elif code == 0x85:
            assert got == " "  # NEL is a line break: words stay apart
        elif not _xml_allows(char) or 0x7F <= code <= 0x9F or _noncharacter(char):
            assert got == "", hex(code)
        else:
            assert got == char, hex(code)


def test_kept_text_is_what_lxml_accepts() -> None:
    # Every character xml_text keeps, in one string, is text lxml will write.
    kept = "".join(xml_text(chr(code)) for code in range(0x110000))
    element = lxml.etree.Element("t")
    element.text = kept.replace("\r", "")
    assert lxml.etree.fromstring(lxml.etree.tostring(element)).text == element.text


def test_text_without_them_is_returned_as_it_is() -> None:
    text = "Mr. & Mrs. Smith <b>paid</b> €12 — 😀 \t ok\r\n"
    assert xml_text(text) is text


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "/about",
        "images/roof.png",
        "//evil.example/x",
        "ftp://files.example.org/a",
        "mailto:desk@example.org",
        "http:///no-host",
        "http://[::1/bad",
        "https://example.org/a b",
        "",
    ],
)
def test_only_absolute_http_urls_are_published(url: str) -> None:
    assert http_url(url) is None


def test_http_urls_are_kept() -> None:
    for url in ("https://example.org/a?b=1&c=2#d", "HTTP://EXAMPLE.ORG/", "http://[2001:db8::1]/"):
        assert http_url(url) == url
    assert http_url(" https://example.org/\x07 ") == "https://example.org/"


def _elements(fragment: str) -> list[lxml.html.HtmlElement]:
    root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    return [e for e in root.iter() if e is not root and isinstance(e.tag, str)]


def test_html_keeps_links_and_images_made_absolute() -> None:
    got = sanitize_html(
        '<p>See <a href="programme.pdf">the programme</a>, <a href="/map">the map</a> and '
        '<img src="images/roof.png" alt="the roof">.</p>',
        "https://town.example.org/news/story.html",
    )
    links = {e.get("href") for e in _elements(got) if e.tag == "a"}
    assert links == {"https://town.example.org/news/programme.pdf", "https://town.example.org/map"}
    (image,) = (e for e in _elements(got) if e.tag == "img")
    assert image.get("src") == "https://town.example.org/news/images/roof.png"
    assert all(e.get("rel") == "noopener noreferrer" for e in _elements(got) if e.tag == "a")
    assert "the programme" in got and "the map" in got


def test_html_loses_scripts_handlers_and_foreign_schemes() -> None:
    got = sanitize_html(
        '<script>alert(1)</script><p onclick="x()" style="color:red">Hi</p>'
        '<a href="javascript:alert(1)">j</a><a href="data:text/html,x">d</a>'
        '<img src=x onerror="alert(1)"><iframe src="https://e.org/"></iframe>'
        "<style>p{}</style><h1>Top</h1><h2>Sub</h2>",
        "https://example.org/",
    )
    assert "alert" not in got and "style" not in got and "iframe" not in got
    for element in _elements(got):
        assert element.tag in ALLOWED_TAGS
        assert not [a for a in element.attrib if a.startswith("on") or a == "style"]
        for attribute in ("href", "src"):
            value = element.get(attribute)
            assert value is None or value.startswith("https://example.org/")
    assert "<h2>Sub</h2>" in got and "Top" in got  # h1 is the entry's title: its text stays


def _article(**fields: object) -> Article:
    values: dict[str, object] = {"id": "tag:x,2024:a", "origin": "a.txt", "body": "Text."}
    values.update(fields)
    return Article(**values)  # type: ignore[arg-type]


def test_every_field_of_an_article_is_made_safe() -> None:
    bell = "\x07\x1b\x7f\x9b\ufffe\ud800"
    checked = safe_article(
        _article(
            id=f"id{bell}",
            body=f"Body{bell} text.",
            title=f"Title{bell}",
            author=f"Author{bell}",
            tags=(f"tag{bell}", bell[:-1]),
            link=f"https://example.org/a{bell[:-1]}",
            html=f"<p>Body{bell} text.</p>",
            source_title=f"Wire{bell}",
            source_url="https://wire.example.org/",
        ),
        "https://feeds.example.org/",
    )
    article = checked.article
    assert article.id == "id\ufffd" and article.body == "Body\ufffd text."
    assert (article.title, article.author, article.source_title) == (
        "Title\ufffd",
        "Author\ufffd",
        "Wire\ufffd",
    )
    assert article.tags == ("tag\ufffd",)  # a tag of control characters alone is gone
    assert article.link == "https://example.org/a"
    assert article.html == "<p>Body\ufffd text.</p>"
    assert not checked.warnings
    assert safe_article(article, "https://feeds.example.org/") == checked  # idempotent


def test_a_link_that_is_not_http_is_left_out_with_a_warning() -> None:
    checked = safe_article(
        _article(link="javascript:alert(1)", source_url="data:,x", html='<a href="a">a</a>'),
        "https://feeds.example.org/f/",
    )
    assert checked.article.link is None and checked.article.source_url is None
    assert checked.warnings == (
        "a.txt: link 'javascript:alert(1)' is not an http(s) URL; left out",
        "a.txt: source URL 'data:,x' is not an http(s) URL; left out",
    )
    # Without a URL of its own, the article's relative links resolve against the feed's base.
    assert 'href="https://feeds.example.org/f/a"' in (checked.article.html or "")


def test_an_id_of_control_characters_alone_gets_a_stable_stand_in() -> None:
    first = safe_article(_article(id="\x07\x07"), "https://x.org/").article.id
    assert (
        first.startswith("urn:feedsum:")
        and first == safe_article(_article(id="\x07\x07"), "https://x.org/").article.id
    )
    assert first != safe_article(_article(id="\x07"), "https://x.org/").article.id


SCRIPT_IDS = ("javascript:alert(1)", " JavaScript:alert(1)", "java\tscript:x", "data:,x",
              "vbscript:msgbox", "file:///etc/passwd")  # fmt: skip


@pytest.mark.parametrize("script", SCRIPT_IDS)
def test_an_id_a_reader_could_run_is_replaced(script: str) -> None:
    checked = safe_article(_article(id=script), "https://x.org/")
    assert checked.article.id.startswith("urn:feedsum:")
    assert checked.article.id == safe_article(_article(id=script), "https://x.org/").article.id
    warning = f"a.txt: id {script.strip()!r} is a script URL; a stand-in is used"
    assert checked.warnings == (warning,)
    # Ids that are names stay as they are.
    for name in ("tag:example.org,2025:a", "urn:uuid:1", "https://x.org/1", "javascript-tips-1"):
        assert safe_article(_article(id=name), "https://x.org/").article.id == name


def test_readme_says_what_is_removed() -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    for words in ("C1 controls", "noncharacters", "nh3", "javascript:", "noopener"):
        assert words in readme, words
