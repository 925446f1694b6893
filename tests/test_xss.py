"""Every XSS vector of tests/data/xss-vectors.txt, through every source kind, into
every output format: nothing a reader could run may come out.

Each source kind is built once (one article per vector, one feed per kind), and
every output is then read back with real parsers: lxml.etree (well-formed XML),
feedparser (not bozo) and lxml.html for every field a reader renders as HTML.
What these tests hold, for every entry:

- HTML fields (Atom `content`, RSS `content:encoded`) keep only
  `feedsum.safety.ALLOWED_TAGS` and `ALLOWED_ATTRIBUTES` (and `rel` on links), no
  comments, and every `href` / `src` is an absolute http(s) URL (`href` may be mailto);
- text fields hold no markup: Atom `title` / `summary` are `type="text"` with no
  child elements; RSS `title` / `description` are HTML-escaped text, which an HTML
  parser reads back as text alone;
- every URL the feed publishes (entry links, permalink guids, source URLs, self
  links) is an absolute http(s) URL: no `javascript:`, `vbscript:` or `data:`.

A failure lists every vector that broke a rule, with the rule and what survived.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import lxml.etree
import lxml.html
import pytest

from feedsum.config import load_feed
from feedsum.pipeline import BuildReport, build
from feedsum.safety import ALLOWED_ATTRIBUTES, ALLOWED_TAGS
from feedsum.state import State
from tests.upstream import Reply, Upstream

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
DATA = Path(__file__).parent / "data" / "xss-vectors.txt"


@dataclass(frozen=True, slots=True)
class Vector:
    number: int
    #: The technique: the comment line above it.
    technique: str
    text: str

    @property
    def mark(self) -> str:
        """A token naming the vector in its article's id, path and text."""
        return f"xss{self.number:03d}"


def load_vectors() -> list[Vector]:
    vectors: list[Vector] = []
    technique = ""
    for line in DATA.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            technique = line.lstrip("# ").strip()
        elif line.strip():
            vectors.append(Vector(len(vectors), technique, line))
    return vectors


VECTORS = load_vectors()
BY_MARK = {v.mark: v for v in VECTORS}
_MARK = re.compile(r"xss(\d{3})")

ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT_ENCODED = "{http://purl.org/rss/1.0/modules/content/}encoded"
DC_CREATOR = "{http://purl.org/dc/elements/1.1/}creator"
ATOM_LINK = f"{ATOM}link"
#: Every element a feedsum output may hold: a vector must never add one.
ATOM_ELEMENTS = frozenset(
    f"{ATOM}{name}"
    for name in ("feed", "id", "title", "updated", "author", "name", "link", "generator",
                 "subtitle", "entry", "summary", "content", "category", "published", "source")
)  # fmt: skip
RSS_ELEMENTS = frozenset((
    "rss", "channel", "title", "link", "description", "docs", "generator", "language",
    "lastBuildDate", "pubDate", "item", "guid", "category", "source", "author",
    CONTENT_ENCODED, DC_CREATOR, ATOM_LINK,
))  # fmt: skip
#: Schemes no URL in the output may have, wherever it is.
DANGEROUS = re.compile(r"(?i)(?:java|vb)script:|\bdata:")


# -- the articles of each source kind --------------------------------------------------


def sentence(vector: Vector) -> str:
    """An article paragraph with the vector inside, long enough to be kept as text."""
    return f"Story {vector.mark} quotes a page that said {vector.text} in its body today."


def filler(vector: Vector) -> str:
    return (
        f"The council of town {vector.mark} met on Tuesday to discuss the new bridge. "
        "Residents asked about the cost and the timetable of the works. "
        f"The mayor of {vector.mark} said the plans would be published next month."
    )


def textfile_article(vector: Vector) -> str:
    return (
        f"title Vector {vector.mark}: {vector.text}\n"
        f"id urn:xss:{vector.mark}\n"
        f"link {vector.text}\n"
        f"author {vector.text}\n"
        f" date 2025-05-{1 + vector.number % 28:02d} {sentence(vector)}\n\n{filler(vector)}\n"
    )


def markdown_article(vector: Vector) -> str:
    front = {
        "title": f"Vector {vector.mark}: {vector.text}",
        "id": f"urn:xss:{vector.mark}",
        "link": vector.text,
        "author": vector.text,
        "tags": [vector.text],
    }
    # JSON is YAML: every vector is quoted and escaped as it must be.
    lines = "".join(f"{key}: {json.dumps(value)}\n" for key, value in front.items())
    return (
        f"---\n{lines}---\n{sentence(vector)}\n\n{filler(vector)}\n\n{vector.text}\n\n"
        f"See [the source](javascript:alert({vector.number})), "
        f"[the map](/maps/{vector.mark}), ![a photo](data:image/png;base64,iVBORw0KGgo=) "
        f"and [the archive](vbscript:msgbox({vector.number})) for {vector.mark}.\n"
    )


def html_page(vector: Vector, canonical: str | None) -> str:
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>Vector {vector.mark}: {vector.text}</title>
<meta name="author" content="{html.escape(vector.text)}">{link}</head>
<body><nav><a href="/">Home</a> | <a href="/news">News</a> | <a href="/sport">Sport</a></nav>
<article><h2>Bridge works in town {vector.mark}</h2>
<p>{sentence(vector)}</p>
<p>The council of town {vector.mark} met on Tuesday to discuss the new bridge over the river,
which has been closed to lorries since the floods of last winter.</p>
<p>Residents asked about the cost and the timetable of the works, and several said the
detour through the old town added half an hour to every journey.</p>
<p>The mayor said the plans for {vector.mark} would be published next month {vector.text}
and that the works should be finished before the end of the year.</p>
<p>Engineers from the regional office will inspect the piers again in the spring.</p>
</article><footer>Copyright Town Post. All rights reserved.</footer></body></html>
"""


def jsonl_line(vector: Vector) -> str:
    return json.dumps({
        "id": f"urn:xss:{vector.mark}",
        "title": f"Vector {vector.mark}: {vector.text}",
        "link": vector.text,
        "author": vector.text,
        "tags": [vector.text, "xss"],
        "date": f"2025-05-{1 + vector.number % 28:02d}",
        "text": f"{sentence(vector)}\n\n{filler(vector)}",
    })  # fmt: skip


def content_html(vector: Vector) -> str:
    """An upstream item's HTML: the vector raw, between real paragraphs."""
    # The vector comes after the first paragraph: one that swallows what follows it
    # (an unclosed <script>) must not leave the item without text, and so out of the feed.
    return (
        f"<p>{filler(vector)}</p><p>{sentence(vector)}</p>{vector.text}"
        f'<p>Read <a href="/more/{vector.mark}">more</a> or '
        f'<a href="javascript:alert({vector.number})">this</a>.</p>'
    )


def rss_feed(vectors: list[Vector], link: str) -> bytes:
    items = []
    for v in vectors:
        # Every fifth item has no <link>, only a permalink guid: feedparser takes it for one.
        where = (
            f'<guid isPermaLink="true">javascript:alert({v.number})</guid>'
            if v.number % 5 == 0
            else f"<link>javascript:alert({v.number})</link><guid>urn:xss:{v.mark}</guid>"
        )
        items.append(
            f"<item><title>{html.escape(f'Vector {v.mark}: {v.text}')}</title>{where}"
            f"<author>{html.escape(v.text)}</author>"
            f"<category>{html.escape(v.text)}</category>"
            f"<pubDate>Thu, {1 + v.number % 28:02d} May 2025 08:00:00 GMT</pubDate>"
            f"<description>{html.escape(sentence(v))}</description>"
            f"<content:encoded>{html.escape(content_html(v))}</content:encoded></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        f"<title>Wire &lt;script&gt;alert(1)&lt;/script&gt;</title><link>{html.escape(link)}</link>"
        "<description>d</description>" + "".join(items) + "</channel></rss>"
    ).encode()


def atom_feed(vectors: list[Vector]) -> bytes:
    entries = [
        f"<entry><id>urn:xss:{v.mark}</id>"
        f'<title type="html">{html.escape(html.escape(f"Vector {v.mark}: {v.text}"))}</title>'
        f'<link rel="alternate" href="{html.escape(v.text)}"/>'
        f'<link rel="related" href="javascript:alert({v.number})"/>'
        f"<updated>2025-05-{1 + v.number % 28:02d}T08:00:00Z</updated>"
        f"<author><name>{html.escape(v.text)}</name></author>"
        f'<category term="{html.escape(v.text)}"/>'
        f'<summary type="html">{html.escape(v.text)}</summary>'
        f'<content type="html">{html.escape(content_html(v))}</content></entry>'
        for v in vectors
    ]
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        "<id>urn:xss:atom</id><title>Atom wire</title><updated>2025-05-30T00:00:00Z</updated>"
        '<link rel="self" href="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;"/>'
        '<link rel="alternate" href="javascript:alert(1)"/>' + "".join(entries) + "</feed>"
    ).encode()


def json_feed(vectors: list[Vector]) -> bytes:
    items = [
        {
            "id": f"urn:xss:{v.mark}",
            "url": f"javascript:alert({v.number})",
            "external_url": v.text,
            "title": f"Vector {v.mark}: {v.text}",
            "content_html": content_html(v),
            "summary": v.text,
            "authors": [{"name": v.text, "url": "javascript:alert(1)"}],
            "tags": [v.text],
            "date_published": f"2025-05-{1 + v.number % 28:02d}T08:00:00Z",
        }
        for v in vectors
    ]
    return json.dumps({
        "version": "https://jsonfeed.org/version/1.1",
        "title": "JSON <script>alert(1)</script> wire",
        "feed_url": "vbscript:msgbox(1)",
        "home_page_url": "javascript:alert(1)",
        "items": items,
    }).encode()  # fmt: skip


def teaser_feed(vectors: list[Vector], upstream: Upstream) -> bytes:
    """An upstream RSS feed of teasers (with the vector) linking to pages (with it too)."""
    items = "".join(
        f"<item><title>{html.escape(f'Vector {v.mark}: {v.text}')}</title>"
        f"<link>{upstream.url(f'/page/{v.mark}')}</link><guid>urn:xss:{v.mark}</guid>"
        f"<pubDate>Thu, {1 + v.number % 28:02d} May 2025 08:00:00 GMT</pubDate>"
        f"<description>{html.escape(f'<p>Teaser of {v.mark}.</p>{v.text}')}</description></item>"
        for v in vectors
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>Teasers</title><link>{upstream.url('/')}</link><description>d</description>"
        f"{items}</channel></rss>"
    ).encode()


FEED_TOML = """\
title = "XSS {kind}"
link = "https://xss.example.net/"
base_url = "https://xss.example.net/feeds/"
author = "Test desk"
tag_date = 2025-01-01

{sources}

[summary]
algorithm = "lead"
sentences = 40

[output]
max_items = 1000

[fetch]
timeout = 5
connect_timeout = 2
"""


def write_sources(
    kind: str, feeds: Path, upstream: Upstream, vectors: list[Vector] = VECTORS
) -> str:
    """Write the kind's input files (an article per vector) under `feeds`; return the
    feed file's `[[sources]]`."""
    if kind in ("textfile", "markdown"):
        suffix, write = (
            (".txt", textfile_article) if kind == "textfile" else (".md", markdown_article)
        )
        (feeds / "in").mkdir()
        for v in vectors:
            (feeds / "in" / f"{v.mark}{suffix}").write_text(write(v), encoding="utf-8")
        return f'[[sources]]\nkind = "{kind}"\npath = "in/*{suffix}"\n'
    if kind == "html":
        (feeds / "in").mkdir()
        for v in vectors:
            # Half the pages name a canonical URL; the other half resolve against the feed's.
            canonical = f"https://pages.example.org/news/{v.mark}.html" if v.number % 2 else None
            (feeds / "in" / f"{v.mark}.html").write_text(html_page(v, canonical), encoding="utf-8")
        return '[[sources]]\nkind = "html"\npath = "in/*.html"\n'
    if kind == "jsonl":
        lines = "".join(jsonl_line(v) + "\n" for v in vectors)
        (feeds / "in.jsonl").write_text(lines, encoding="utf-8")
        return '[[sources]]\nkind = "jsonl"\npath = "in.jsonl"\n'
    documents = {
        "feed-rss": rss_feed(vectors, "javascript:alert('channel')"),
        "feed-atom": atom_feed(vectors),
        "feed-json": json_feed(vectors),
    }
    if kind in documents:
        (feeds / "in.feed").write_bytes(documents[kind])
        return '[[sources]]\nkind = "feed"\npath = "in.feed"\nfull_text = "never"\n'
    assert kind == "feed-url"
    # One upstream feed, by URL, with full items and teasers whose pages are fetched.
    half = len(vectors) // 2
    upstream.routes["/full.xml"] = Reply(200, rss_feed(vectors[:half], upstream.url("/")))
    upstream.routes["/teasers.xml"] = Reply(200, teaser_feed(vectors[half:], upstream))
    for v in vectors[half:]:
        page = html_page(v, None).encode()
        upstream.routes[f"/page/{v.mark}"] = Reply(200, page, {"Content-Type": "text/html"})
    # The test server is on 127.0.0.1: the sources must opt in to reach it.
    return (
        f'[[sources]]\nurl = "{upstream.url("/full.xml")}"\nallow_private = true\n'
        f'[[sources]]\nurl = "{upstream.url("/teasers.xml")}"\nfull_text = "auto"\n'
        "allow_private = true\n"
    )


KINDS = ("textfile", "markdown", "html", "jsonl", "feed-rss", "feed-atom", "feed-json", "feed-url")


@dataclass(frozen=True)
class Built:
    kind: str
    report: BuildReport
    atom: bytes
    rss: bytes

    def output(self, fmt: str) -> bytes:
        return self.atom if fmt == "atom" else self.rss


def build_kind(kind: str, project: Path, vectors: list[Vector] = VECTORS) -> Built:
    """One build of one kind into `project`: an article per vector."""
    feeds = project / "feeds"
    feeds.mkdir()
    with Upstream() as upstream:
        sources = write_sources(kind, feeds, upstream, vectors)
        (feeds / "xss.toml").write_text(FEED_TOML.format(kind=kind, sources=sources))
        with State(project / ".feedsum" / "state.db") as state:
            report = build(load_feed(feeds / "xss.toml"), state, NOW)
    public = project / "public"
    return Built(
        kind, report, (public / "xss.atom").read_bytes(), (public / "xss.rss").read_bytes()
    )


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Built]]:
    """Each kind's build, made once for the module by the first test that needs it."""
    with pytest.MonkeyPatch.context() as patch:
        # Loopback only: a proxy from the environment must not see these requests.
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
            patch.delenv(name, raising=False)
        yield _Builds(tmp_path_factory)


class _Builds(dict[str, Built]):
    def __init__(self, factory: pytest.TempPathFactory) -> None:
        super().__init__()
        self.factory = factory

    def __missing__(self, kind: str) -> Built:
        self[kind] = build_kind(kind, self.factory.mktemp(kind))
        return self[kind]


@pytest.fixture(params=KINDS)
def built(request: pytest.FixtureRequest, builds: dict[str, Built]) -> Built:
    kind: str = request.param
    return builds[kind]


# -- what a reader would see --------------------------------------------------------------


def vector_of(entry_id: str, *texts: str | None) -> str:
    """Which vector an entry carries: named by the mark in its id or text."""
    for text in (entry_id, *texts):
        found = _MARK.search(text or "")
        if found:
            vector = VECTORS[int(found[1])]
            return f"{vector.mark} [{vector.technique}] {vector.text!r}"
    return f"entry {entry_id!r}"


def fragment(markup: str) -> lxml.html.HtmlElement:
    root: lxml.html.HtmlElement = lxml.html.fragment_fromstring(markup, create_parent="div")
    return root


def html_problems(markup: str | None) -> list[str]:
    """What breaks the allowlist in an HTML field: each problem with what survived."""
    if not markup or not markup.strip():
        return []
    problems = []
    root = fragment(markup)
    for node in root.iterdescendants():
        if not isinstance(node.tag, str):  # a comment or processing instruction
            problems.append(f"non-element node kept: {lxml.html.tostring(node, encoding=str)!r}")
            continue
        shown = lxml.html.tostring(node, encoding=str)[:160]
        if node.tag not in ALLOWED_TAGS:
            problems.append(f"<{node.tag}> kept: {shown!r}")
        allowed = ALLOWED_ATTRIBUTES.get(node.tag, frozenset()) | (
            {"rel"} if node.tag == "a" else set()
        )
        for name, value in node.attrib.items():
            if name not in allowed or name.lower().startswith("on"):
                problems.append(f"attribute {name}={value!r} kept on <{node.tag}>: {shown!r}")
        for name, schemes in (("href", ("http", "https", "mailto")), ("src", ("http", "https"))):
            value = node.get(name)
            if value is not None and not absolute(value, schemes):
                problems.append(f"{name}={value!r} is not an absolute {'/'.join(schemes)} URL")
    return problems


def scheme(url: str) -> str:
    """The scheme a browser reads in `url` (WHATWG: leading and trailing C0 controls and
    spaces stripped, tabs and newlines removed anywhere), lowercased; "" if relative."""
    squeezed = re.sub(r"[\t\n\r]", "", url.strip("".join(map(chr, range(0x21)))))
    found = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*):", squeezed)
    return found[1].lower() if found else ""


def absolute(url: str, schemes: tuple[str, ...] = ("http", "https")) -> bool:
    """`url` is absolute, of one of `schemes` as a browser reads it, with a host (for
    http(s)), and without surrounding whitespace."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return False
    if scheme(url) not in schemes or parts.scheme.lower() != scheme(url) or url != url.strip():
        return False
    return parts.scheme.lower() == "mailto" or bool(host)


def published(url: str) -> bool:
    """A URL the feed itself publishes (a link, a guid, a source): absolute http(s), and
    no dangerous scheme anywhere in it, not even in its path or query."""
    return absolute(url) and not DANGEROUS.search(re.sub(r"[\x00-\x20\x7f]", "", url))


def markup_problems(text: str | None) -> list[str]:
    """An HTML-escaped text field (RSS title, description) read as HTML: it must be
    text alone, with no element, comment or anything else but the wrapper."""
    if not text or not text.strip():
        return []
    root = fragment(text)
    return [
        f"markup in an escaped text field: {lxml.html.tostring(node, encoding=str)[:160]!r}"
        for node in root.iterdescendants()
    ]


def xml_tree(data: bytes) -> lxml.etree._Element:
    root: lxml.etree._Element = lxml.etree.fromstring(data)
    return root


def atom_problems(data: bytes) -> dict[str, list[str]]:
    """Every rule an Atom document breaks, by the vector of the entry it is in."""
    root = xml_tree(data)
    found: dict[str, list[str]] = {}

    def note(where: str, problem: str) -> None:
        found.setdefault(where, []).append(problem)

    for element in root.iter():
        if isinstance(element.tag, str) and element.tag not in ATOM_ELEMENTS:
            note("feed", f"unexpected element {element.tag}")
    for link in root.iter(f"{ATOM}link"):
        entry = link.getparent()
        while entry is not None and entry.tag != f"{ATOM}entry":
            entry = entry.getparent()
        where = "feed" if entry is None else vector_of(entry.findtext(f"{ATOM}id") or "")
        if not published(link.get("href", "")):
            note(where, f"link href {link.get('href')!r} ({link.get('rel')})")
    for entry in root.iter(f"{ATOM}entry"):
        title = entry.find(f"{ATOM}title")
        where = vector_of(
            entry.findtext(f"{ATOM}id") or "", title.text if title is not None else ""
        )
        for name in ("title", "summary"):
            for field in entry.iter(f"{ATOM}{name}"):
                if field.get("type", "text") != "text" or len(field):
                    note(where, f"Atom {name} is not plain text: {lxml.etree.tostring(field)!r}")
        for field in (*entry.iter(f"{ATOM}name"), *entry.iter(f"{ATOM}category")):
            if len(field):
                note(where, f"Atom {field.tag} holds elements")
        for source in entry.iter(f"{ATOM}source"):
            if not published(source.findtext(f"{ATOM}id") or ""):
                note(where, f"source id {source.findtext(f'{ATOM}id')!r}")
        contents = entry.findall(f"{ATOM}content")
        if not contents:
            note(where, "no content")
        for content in contents:
            if content.get("type") != "html":
                note(where, f"content type {content.get('type')!r}")
            for problem in html_problems(content.text):
                note(where, f"Atom content: {problem}")
    return found


def rss_problems(data: bytes) -> dict[str, list[str]]:
    """Every rule an RSS document breaks, by the vector of the item it is in."""
    root = xml_tree(data)
    found: dict[str, list[str]] = {}

    def note(where: str, problem: str) -> None:
        found.setdefault(where, []).append(problem)

    for element in root.iter():
        if isinstance(element.tag, str) and element.tag not in RSS_ELEMENTS:
            note("feed", f"unexpected element {element.tag}")
    channel = root.find("channel")
    assert channel is not None
    for link in channel.findall(ATOM_LINK):
        if not published(link.get("href", "")):
            note("feed", f"atom:link href {link.get('href')!r}")
    if not published(channel.findtext("link") or ""):
        note("feed", f"channel link {channel.findtext('link')!r}")
    for name in ("title", "description"):
        for problem in markup_problems(channel.findtext(name)):
            note("feed", f"channel {name}: {problem}")
    for item in channel.iter("item"):
        guid = item.find("guid")
        where = vector_of(
            guid.text or "" if guid is not None else "",
            item.findtext("title"),
            item.findtext("description"),
        )
        for name in ("title", "description"):
            for problem in markup_problems(item.findtext(name)):
                note(where, f"RSS {name}: {problem}")
        for element in item:
            if len(element) and element.tag not in ("source",):
                note(where, f"RSS {element.tag} holds elements")
        for link in item.findall("link"):
            if not published(link.text or ""):
                note(where, f"item link {link.text!r}")
        permalink = guid is not None and guid.get("isPermaLink", "true") == "true"
        if permalink and guid is not None and not published(guid.text or ""):
            note(where, f"permalink guid {guid.text!r}")
        for source in item.findall("source"):
            if not published(source.get("url", "")):
                note(where, f"source url {source.get('url')!r}")
        encoded = item.findall(CONTENT_ENCODED)
        if not encoded:
            note(where, "no content:encoded")
        for content in encoded:
            for problem in html_problems(content.text):
                note(where, f"RSS content:encoded: {problem}")
    return found


def report(found: dict[str, list[str]]) -> str:
    return "\n".join(
        f"{where}:\n" + "\n".join(f"    {problem}" for problem in problems)
        for where, problems in found.items()
    )


# -- the tests ----------------------------------------------------------------------------


def test_the_fixture_has_the_vectors_it_promises() -> None:
    assert 40 <= len(VECTORS) <= 100
    texts = [v.text for v in VECTORS]
    assert len(set(texts)) == len(texts), "a vector is listed twice"
    for needle in ("<script>", "onerror=", "jav&#x09;ascript:", "&#106;&#97;", "data:text/html",
                   ";base64,", "vbscript:", "<svg onload", "<BODY ONLOAD", "<IFRAME", "<OBJECT",
                   "<EMBED", "@import", "expression(", "url(javascript:", "HTTP-EQUIV=\"refresh\"",
                   "<BASE HREF", "<LINK REL=\"stylesheet\"", "action=", "formaction=", "autofocus",
                   "ontoggle", "<math><mtext>", "<<SCRIPT>", '<IMG """>', "//evil.example",
                   "/about", "images/x.png", "../up", "srcset=", "xlink:href", "<!--[if",
                   "<![CDATA[", "&#0;"):  # fmt: skip
        assert any(needle.lower() in t.lower() for t in texts), needle


def test_every_vector_becomes_an_entry(built: Built) -> None:
    """Each vector's article is in both outputs: the other tests check them all."""
    for fmt in ("atom", "rss"):
        parsed = feedparser.parse(built.output(fmt))
        marks = {m for e in parsed.entries for m in _MARK.findall(e.get("id", "") + e.title)}
        missing = [v for v in VECTORS if f"{v.number:03d}" not in marks]
        assert not missing, f"{built.kind} {fmt}: no entry for " + ", ".join(
            f"{v.mark} {v.text!r}" for v in missing
        )
    # An article that fails is kept out safely, but then no other test sees its vector.
    assert not built.report.failures, [str(f) for f in built.report.failures]


@pytest.mark.parametrize("fmt", ["atom", "rss"])
def test_outputs_are_well_formed_and_readable(built: Built, fmt: str) -> None:
    data = built.output(fmt)
    xml_tree(data)  # raises if it is not well-formed XML
    parsed = feedparser.parse(data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == ("atom10" if fmt == "atom" else "rss20")


@pytest.mark.parametrize("fmt", ["atom", "rss"])
def test_nothing_dangerous_survives(built: Built, fmt: str) -> None:
    found = (atom_problems if fmt == "atom" else rss_problems)(built.output(fmt))
    assert not found, f"{built.kind} into {fmt}:\n{report(found)}"


def test_the_feed_carries_no_dangerous_url_anywhere(built: Built) -> None:
    """Belt and braces: every URL-shaped attribute or element of both documents."""
    bad = []
    for fmt in ("atom", "rss"):
        for element in xml_tree(built.output(fmt)).iter():
            if not isinstance(element.tag, str):
                continue
            urls = [element.get(name) for name in ("href", "url", "src")]
            if element.tag in ("link", f"{ATOM}uri") or (
                element.tag == "guid" and element.get("isPermaLink", "true") == "true"
            ):
                urls.append(element.text)
            bad += [
                f"{fmt} <{element.tag}>: {u!r}" for u in urls if u is not None and not published(u)
            ]
    assert not bad, "\n".join(bad)


def test_markdown_links_are_absolute_or_gone(builds: dict[str, Built]) -> None:
    """`[x](/maps/...)` is made absolute against the feed's base URL (the article's
    own link is a vector, so it is left out); `javascript:`, `vbscript:` and `data:`
    links and images are no links at all."""
    wrong = []
    for fmt in ("atom", "rss"):
        for entry in feedparser.parse(builds["markdown"].output(fmt)).entries:
            mark = "xss" + _MARK.findall(entry.id)[0]
            root = fragment(entry.content[0].value)
            links = {"".join(a.itertext()): a.get("href") for a in root.iter("a")}
            if links.get("the map") != f"https://xss.example.net/maps/{mark}":
                wrong.append(f"{fmt} {mark}: the map links to {links.get('the map')!r}")
            for name in ("the source", "the archive"):
                if name in links:
                    wrong.append(f"{fmt} {mark}: {name} links to {links[name]!r}")
            # markdown-it lets data:image/png through; the sanitizer drops the src.
            images = [i.get("src") for i in root.iter("img") if i.get("alt") == "a photo"]
            if any(src is not None for src in images):
                wrong.append(f"{fmt} {mark}: the photo is {images}")
    assert not wrong, "\n".join(wrong)


def normalize(text: str) -> str:
    return " ".join(text.split())


def rendered(markup: str) -> str:
    """What a reader shows of an HTML field: its text."""
    return normalize(fragment(markup).text_content()) if markup.strip() else ""


@pytest.mark.parametrize("kind", ["textfile", "jsonl"])
def test_plain_text_vectors_stay_text(kind: str, builds: dict[str, Built]) -> None:
    """An article of plain text that mentions markup shows the markup as characters:
    `<b>not bold</b>` reads `<b>not bold</b>` in every field, and nothing is bold."""
    rss = {e.id: e for e in feedparser.parse(builds[kind].rss).entries}
    atom = {e.id: e for e in feedparser.parse(builds[kind].atom).entries}
    assert rss.keys() == atom.keys() and len(rss) == len(VECTORS)
    lost = []
    for entry_id, rss_entry in rss.items():
        atom_entry = atom[entry_id]
        vector = BY_MARK["xss" + _MARK.findall(entry_id)[0]]
        want = normalize(vector.text)
        shown = {
            "RSS description": rendered(rss_entry.description),
            "RSS title": rendered(rss_entry.title),
            "RSS content:encoded": rendered(rss_entry.content[0].value),
            "Atom summary": normalize(atom_entry.summary),
            "Atom title": normalize(atom_entry.title),
            "Atom content": rendered(atom_entry.content[0].value),
        }
        for field, text in shown.items():
            expected = f"Vector {vector.mark}: {want}" if "title" in field else f"said {want} in"
            if field in ("RSS description", "Atom summary"):
                # A summary is sentences joined by spaces: where the sentence splitter cut
                # inside the vector (`<!` | `[CDATA[`) a space appears; no character may go.
                expected, text = "".join(expected.split()), "".join(text.split())
            if expected not in text:
                lost.append(f"{vector.mark} {vector.text!r}: {field} shows {text!r}")
        # The article's own HTML is its paragraphs: no element but <p> (so no <b>).
        for fmt, entry in (("RSS", rss_entry), ("Atom", atom_entry)):
            tags = {e.tag for e in fragment(entry.content[0].value).iterdescendants()} - {"p"}
            if tags:
                lost.append(f"{vector.mark} {vector.text!r}: {fmt} content holds {tags}")
    assert not lost, "\n".join(lost)


#: Character references to characters no XML may hold (C0 and C1 controls, DEL, a
#: noncharacter), in text, in an attribute and in a URL: an HTML parser (the
#: sanitizer's) turns them into the characters themselves.
CONTROL_REFERENCES = (
    "the page said &#1; &#x0E; &#x7F; &#x9B; &#xFFFE; there and "
    '<a href="https://control.example.org/&#1;x" title="&#14;">linked</a> it.'
)


@pytest.mark.parametrize("kind", ["markdown", "html", "feed-rss", "feed-atom", "feed-json"])
def test_references_to_control_characters_do_not_stop_the_feed(kind: str, tmp_path: Path) -> None:
    """One article's HTML with `&#1;` in it must not keep its whole feed from being
    written (lxml refuses such characters in a document), nor be lost itself."""
    vector = Vector(0, "control character references", CONTROL_REFERENCES)
    built = build_kind(kind, tmp_path, [vector])
    assert not built.report.failures, [str(f) for f in built.report.failures]
    for fmt in ("atom", "rss"):
        parsed = feedparser.parse(built.output(fmt))
        assert not parsed.bozo and len(parsed.entries) == 1
        assert "linked" in parsed.entries[0].content[0].value
    assert not atom_problems(built.atom) and not rss_problems(built.rss)
