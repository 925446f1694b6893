"""Fuzz: random file trees and random upstream bytes, through real builds.

Each example is a feed project: a few files under feeds/in/ with random names
(spaces, any Unicode, bytes that are not UTF-8), random kinds and random
contents (valid articles, random bytes, valid ones truncated or garbled, huge
lines), symlinks (inside the folder, out of it, dangling, loops), FIFOs and
folders named like files; and one or two upstream feeds on a loopback server
answering with random statuses, headers and bytes, their items linking to
random pages on the same server. It is built twice: in-process by
`feedsum.pipeline.build`, then again by the CLI (`--debug`, so a feed that
fails unexpectedly shows its traceback), after the upstream changed its
answers. Whatever the input:

- no exception escapes `build`, and the CLI exits 0 or 1 with no traceback
  and no feed "not built";
- every output parses: Atom and RSS with lxml and with feedparser without
  bozo, the JSON Feed as JSON, the HTML page as HTML5;
- a build ends in bounded time (a watchdog turns a hang into a failure
  showing where it hung), and nothing from outside the feed folder is
  published.

FEEDSUM_FUZZ_EXAMPLES sets the number of examples (`make fuzz` runs many).
Network: 127.0.0.1 only. While a fuzz example builds, an audit hook
(tests/loopback_only.py) makes every other name lookup fail as an unknown name
would, and refuses any other connection, so a garbled URL can never reach a
real host.
"""

from __future__ import annotations

import contextlib
import gzip
import itertools
import json
import os
import signal
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

import feedparser
import html5lib
import lxml.etree
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedsum.cli import cli
from feedsum.config import load_feed
from feedsum.pipeline import build
from feedsum.state import State
from tests.loopback_only import guarded
from tests.test_fault_injection import PEAK_KIB, SECONDS
from tests.test_fault_injection import build as build_in_subprocess
from tests.upstream import Reply, Upstream

EXAMPLES = int(os.environ.get("FEEDSUM_FUZZ_EXAMPLES", "40"))
#: A build of a few small files and two upstreams (each request at most FETCH_TIMEOUT
#: seconds) takes well under a second; this much is a hang, or close to one.
BUILD_SECONDS = 15.0
#: The watchdog: past this, the build is interrupted where it is (a failure that shows
#: the frame it hung in) rather than the whole run hanging.
WATCHDOG_SECONDS = 40.0
FETCH_TIMEOUT = 1
SECRET = "SECRETKEY"
#: The same guard in the interpreter of a `feedsum build` subprocess.
GUARD = (
    f"import sys; sys.path.insert(0, {str(Path(__file__).resolve().parents[1])!r})\n"
    "from tests.loopback_only import install; install()\n"
)

# ---------------------------------------------------------------- contents

WORDS = (
    "the", "council", "ferry", "harbour", "bridge", "budget", "vote", "said", "on", "Monday",
    "river", "valley", "rain", "library", "opened", "readers", "train", "station", "mayor",
    "report", "week", "year", "people", "city", "new", "old", "a", "of", "to", "in", "and",
    "for", "café", "Ærø", "naïve", "東京", "Привет",
)  # fmt: skip
KINDS = {  # extension: the TOML of the source that matches it
    "txt": 'path = "in/**/*.txt"',
    "md": 'kind = "markdown"\npath = "in/**/*.md"',
    "html": 'kind = "html"\npath = "in/**/*.html"',
    "jsonl": 'kind = "jsonl"\npath = "in/**/*.jsonl"',
    "xml": 'kind = "feed"\npath = "in/**/*.xml"\nallow_private = true',
    "json": 'kind = "feed"\npath = "in/**/*.json"\nallow_private = true',
}
EXTENSIONS = sorted(KINDS)

FEED = """\
title = "Fuzz"
link = "{link}"
tag_date = 2025-01-01
timezone = "{timezone}"
{sources}

[summary]
algorithm = "{algorithm}"
sentences = 2

[fetch]
timeout = {timeout}
connect_timeout = {timeout}
max_bytes = 200_000
max_redirects = 3

[output]
max_items = 20
"""


@st.composite
def sentences(draw: st.DrawFn, most: int = 6) -> str:
    """A few sentences of words, now and then with any text inside."""
    out = []
    for _ in range(draw(st.integers(1, most))):
        words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=14))
        if draw(st.integers(0, 5)) == 0:
            words.append(draw(st.text(max_size=12)))
        out.append(" ".join(words).capitalize() + draw(st.sampled_from([".", ".", "!", "?", ""])))
    return " ".join(out)


DATES = st.one_of(
    st.dates().map(lambda d: d.isoformat()),
    st.sampled_from(["0001-01-01", "9999-12-31", "2024-02-30", "2024-13-01", "20240301", "x"]),
)
RFC822 = st.one_of(
    st.datetimes(timezones=st.just(UTC)).map(lambda d: d.strftime("%a, %d %b %Y %H:%M:%S GMT")),
    st.sampled_from(["Fri, 31 Dec 9999 23:59:59 -0500", "yesterday", "", "0"]),
)


@dataclass
class Links:
    """Where items link to: pages on the server, and what else a feed may name."""

    pages: list[str]

    def strategy(self) -> st.SearchStrategy[str]:
        # Never a host name: a garbled one could only be looked up, and is refused.
        return st.one_of(
            st.sampled_from(self.pages),
            st.sampled_from(["", "javascript:alert(1)", "p0", "/nowhere", "mailto:a@b"]),
        )


def _text_article(draw: st.DrawFn, links: Links) -> str:
    head = ""
    if draw(st.booleans()):
        head += f"title {draw(sentences(1))}\n"
    if draw(st.booleans()):
        head += f"link {draw(links.strategy())}\n"
    if draw(st.booleans()):
        head += f"author {draw(st.sampled_from(WORDS))}\n"
    body = "\n\n".join(draw(st.lists(sentences(), min_size=1, max_size=4)))
    return f"{head} date {draw(DATES)} {body}\n"


def _markdown(draw: st.DrawFn, links: Links) -> str:
    front = draw(
        st.sampled_from(
            [
                "",
                "---\ntitle: {t}\ndate: {d}\nlink: {l}\ntags: [a, b]\n---\n",
                '+++\ntitle = "{t}"\ndate = {d}\n+++\n',
                "---\ntitle: [unclosed\n---\n",
            ]
        )
    )
    front = front.format(t=draw(sentences(1)).replace('"', ""), d=draw(DATES),
                         l=draw(links.strategy()))  # fmt: skip
    paragraphs = draw(st.lists(sentences(), min_size=1, max_size=4))
    return front + "# " + draw(sentences(1)) + "\n\n" + "\n\n".join(paragraphs) + "\n"


def _html(draw: st.DrawFn, links: Links) -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in draw(st.lists(sentences(), min_size=1, max_size=5)))
    canonical = draw(links.strategy())
    return (
        f'<html><head><title>{draw(sentences(1))}</title><link rel="canonical" '
        f'href="{canonical}"></head><body><nav>Home</nav><article>{paragraphs}'
        f'<a href="{draw(links.strategy())}">more</a></article></body></html>'
    )


def _jsonl(draw: st.DrawFn, links: Links) -> str:
    lines = []
    for _ in range(draw(st.integers(1, 4))):
        line: dict[str, object] = {"text": draw(sentences())}
        for key, value in (
            ("title", sentences(1)),
            ("date", DATES),
            ("link", links.strategy()),
            ("id", st.text(max_size=8)),
            ("tags", st.lists(st.text(max_size=5), max_size=2)),
        ):
            if draw(st.booleans()):
                line[key] = draw(value)
        lines.append(json.dumps(line, ensure_ascii=draw(st.booleans())))
    return "\n".join(lines) + "\n"


def _items(draw: st.DrawFn, links: Links) -> list[dict[str, str]]:
    return [
        {
            "id": f"i{n}-{draw(st.integers(0, 3))}",
            "title": draw(sentences(1)),
            "link": draw(links.strategy()),
            "date": draw(RFC822),
            # Short: a teaser, whose linked page is fetched (full_text = "auto").
            "text": draw(sentences(8)) if draw(st.booleans()) else draw(sentences(2)),
        }
        for n in range(draw(st.integers(0, 4)))
    ]


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _rss(draw: st.DrawFn, links: Links) -> str:
    items = "".join(
        f"<item><title>{_esc(i['title'])}</title><guid>{_esc(i['id'])}</guid>"
        f"<link>{_esc(i['link'])}</link><pubDate>{i['date']}</pubDate>"
        f"<description>{_esc(i['text'])}</description></item>"
        for i in _items(draw, links)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Up</title>'
        f"<link>{_esc(draw(links.strategy()))}</link>{items}</channel></rss>"
    )


def _atom(draw: st.DrawFn, links: Links) -> str:
    entries = "".join(
        f"<entry><title>{_esc(i['title'])}</title><id>{_esc(i['id'])}</id>"
        f'<link href="{_esc(i["link"])}"/><updated>2025-05-0{n % 9 + 1}T10:00:00Z</updated>'
        f"<summary>{_esc(i['text'])}</summary></entry>"
        for n, i in enumerate(_items(draw, links))
    )
    return (
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Up</title>'
        f"<id>urn:up</id><updated>2025-05-01T00:00:00Z</updated>{entries}</feed>"
    )


def _json_feed(draw: st.DrawFn, links: Links) -> str:
    items = [
        {"id": i["id"], "title": i["title"], "url": i["link"], "content_text": i["text"],
         "date_published": draw(DATES)}
        for i in _items(draw, links)
    ]  # fmt: skip
    return json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "Up",
                       "items": items})  # fmt: skip


def _feed(draw: st.DrawFn, links: Links) -> str:
    return draw(st.sampled_from([_rss, _atom, _json_feed]))(draw, links)


VALID = {"txt": _text_article, "md": _markdown, "html": _html, "jsonl": _jsonl,
         "xml": _feed, "json": _feed}  # fmt: skip


@st.composite
def garbled(draw: st.DrawFn, data: bytes) -> bytes:
    """`data` truncated, with bytes flipped, dropped or put in."""
    data = data[: draw(st.integers(0, len(data)))] if draw(st.booleans()) else data
    buffer = bytearray(data)
    for _ in range(draw(st.integers(0, 6))):
        at = draw(st.integers(0, len(buffer)))
        what = draw(st.integers(0, 2))
        if what == 0 and at < len(buffer):
            buffer[at] = draw(st.integers(0, 255))
        elif what == 1 and at < len(buffer):
            del buffer[at]
        else:
            buffer[at:at] = draw(st.binary(min_size=1, max_size=4))
    return bytes(buffer)


@st.composite
def contents(draw: st.DrawFn, extension: str, links: Links) -> bytes:
    valid = VALID[extension](draw, links).encode("utf-8")
    shape = draw(st.sampled_from(["valid", "valid", "garbled", "random", "huge", "empty"]))
    if shape == "valid":
        return valid
    if shape == "garbled":
        return draw(garbled(valid))
    if shape == "random":
        return draw(st.binary(max_size=400))
    if shape == "huge":
        # One long line: words without end, or one word without a space.
        line = draw(st.sampled_from([b"word ", b"x", b"\xe2\x80\x94", b"<p>", b'{"text": ']))
        return valid + line * draw(st.integers(1000, 40_000)) + b"\n" + valid
    return b""


# ---------------------------------------------------------------- the tree


@dataclass
class Node:
    """One entry under feeds/in/: its name (bytes) and what it is."""

    name: bytes
    what: str  # file, dir, fifo, link
    data: bytes = b""
    target: str = ""  # for a link: inside, outside, outside-dir, dangling, loop, self, dot


STEMS = st.one_of(
    st.text(st.characters(exclude_characters="/\x00", exclude_categories=["Cs"]),
            min_size=1, max_size=12).map(lambda s: s.encode("utf-8")),
    st.binary(min_size=1, max_size=12).map(lambda b: b.replace(b"/", b"_").replace(b"\x00", b"_")),
    st.sampled_from([b"a b", b" lead", b"trail ", b"-dash", b"caf\xe9", b"\xff\xfe"]),
)  # fmt: skip


@st.composite
def names(draw: st.DrawFn) -> tuple[bytes, str]:
    extension = draw(st.sampled_from(EXTENSIONS))
    return draw(STEMS) + b"." + extension.encode(), extension


@st.composite
def trees(draw: st.DrawFn, links: Links) -> list[Node]:
    nodes: dict[bytes, Node] = {}
    for _ in range(draw(st.integers(1, 6))):
        name, extension = draw(names())
        what = draw(st.sampled_from(["file"] * 6 + ["dir", "fifo", "link", "link"]))
        if what == "file" or what == "dir":
            node = Node(name, what, draw(contents(extension, links)))
        elif what == "link":
            targets = ["inside", "outside", "outside-dir", "dangling", "loop", "self", "dot"]
            node = Node(name, what, target=draw(st.sampled_from(targets)))
        else:
            node = Node(name, what)
        nodes.setdefault(name, node)
    return list(nodes.values())


def write_tree(feeds: Path, nodes: list[Node]) -> None:
    folder = os.fsencode(feeds / "in")
    os.makedirs(folder, exist_ok=True)
    (feeds / "shelf").mkdir()
    (feeds / "shelf/inside.txt").write_text(
        " date 2025-03-01 The inside story is on the shelf. It is read through a link.\n",
        encoding="utf-8",
    )
    outside = feeds.parent / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(
        f" date 2025-03-01 The key is {SECRET}. Nobody outside may read it.\n", encoding="utf-8"
    )
    for node in nodes:
        path = os.path.join(folder, node.name)
        if node.what == "file":
            with open(path, "wb") as out:
                out.write(node.data)
        elif node.what == "dir":  # a folder named like a file, with a file inside
            os.mkdir(path)
            with open(os.path.join(path, b"inner.txt"), "wb") as out:
                out.write(node.data)
        elif node.what == "fifo":
            os.mkfifo(path)  # read, it would wait forever for a writer
        else:
            target = {
                "inside": b"../shelf/inside.txt",
                "outside": os.fsencode(outside / "secret.txt"),
                "outside-dir": os.fsencode(outside),
                "dangling": b"gone.txt",
                "loop": node.name + b".loop",
                "self": node.name,
                "dot": b".",
            }[node.target]
            os.symlink(target, path)
            if node.target == "loop":
                with contextlib.suppress(FileExistsError):
                    os.symlink(node.name, path + b".loop")


# ---------------------------------------------------------------- the upstream


@dataclass
class Site:
    """One example's routes on the shared server."""

    feeds: list[str]
    pages: list[str]
    routes: dict[str, Reply] = field(default_factory=dict)


# 1xx are rare: the server sends no final answer after one, so each costs a timeout.
STATUSES = st.one_of(
    st.sampled_from([200] * 8 + [301, 302, 304, 307, 404, 410, 429, 500, 503]),
    st.integers(200, 599),
    st.sampled_from([200] * 9 + [100, 101, 103]),
)
TOKEN = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=30)
CONTENT_TYPES = st.sampled_from([
    "application/rss+xml", "application/atom+xml; charset=utf-8", "application/feed+json",
    "text/html; charset=iso-8859-1", "text/xml; charset=nonsense", "application/octet-stream",
    "", "text/plain; charset=utf-16",
])  # fmt: skip


@st.composite
def replies(draw: st.DrawFn, site: Site, links: Links, page: bool) -> Reply:
    status = draw(STATUSES)
    valid = (_html if page else _feed)(draw, links).encode("utf-8")
    shape = draw(st.sampled_from(["valid", "valid", "valid", "garbled", "random", "empty"]))
    body = {
        "valid": valid,
        "garbled": draw(garbled(valid)),
        "random": draw(st.binary(max_size=400)),
        "empty": b"",
    }[shape]
    headers: dict[str, str] = {}
    if draw(st.booleans()):
        headers["Content-Type"] = draw(CONTENT_TYPES)
    encoding = draw(st.sampled_from(["", "", "gzip", "gzip-broken", "deflate", "br", "gzip, gzip"]))
    if encoding == "gzip":
        body = gzip.compress(body, mtime=0)
    elif encoding == "gzip-broken":
        body = draw(garbled(gzip.compress(body, mtime=0)))
        encoding = "gzip"
    if encoding:
        headers["Content-Encoding"] = encoding
    for name in ("ETag", "Last-Modified", "Retry-After", "Cache-Control"):
        if draw(st.integers(0, 3)) == 0:
            headers[name] = draw(TOKEN)
    if 300 <= status < 400 and status != 304:
        headers["Location"] = draw(
            st.sampled_from([*site.feeds, *site.pages, "", "relative", "ftp://127.0.0.1/x"])
        )
    if status < 200 or status in (204, 304):
        body = b""  # no body, as HTTP/1.1 has it (the server would send it regardless)
    return Reply(status, body, headers, repeat=draw(st.sampled_from([0, 0, 0, 2])))


@st.composite
def sites(draw: st.DrawFn, upstream: Upstream) -> Site:
    pages = [upstream.url(f"/p{n}") for n in range(3)]
    feeds = [upstream.url(f"/f{n}") for n in range(draw(st.integers(0, 2)))]
    site = Site(feeds, pages)
    links = Links(pages)
    for url in feeds + pages:
        path = url.split(str(_port(upstream)), 1)[1]
        site.routes[path] = draw(replies(site, links, page=url in pages))
    return site


def _port(upstream: Upstream) -> int:
    return int(upstream.url("/").rsplit(":", 1)[1].split("/")[0])


# ---------------------------------------------------------------- the project


@dataclass
class Project:
    root: Path
    site: Site
    nodes: list[Node]
    later: dict[str, Reply]


@st.composite
def projects(draw: st.DrawFn, upstream: Upstream, root: Path) -> Project:
    site = draw(sites(upstream))
    links = Links(site.pages)
    nodes = draw(trees(links))
    # The second build meets another answer from some routes.
    later = {
        path: draw(replies(site, links, page="/p" in path))
        for path in site.routes
        if draw(st.booleans())
    }
    feeds = root / "feeds"
    write_tree(feeds, nodes)
    sources = "".join(f"[[sources]]\n{KINDS[e]}\n" for e in EXTENSIONS) + "".join(
        f'[[sources]]\nurl = "{url}"\nallow_private = true\nfull_text = "{ft}"\n'
        for url, ft in zip(site.feeds, itertools.cycle(["auto", "always"]), strict=False)
    )
    (feeds / "fuzz.toml").write_text(
        FEED.format(
            link=upstream.url("/"),  # relative links resolve onto the server
            timezone=draw(st.sampled_from(["UTC", "Pacific/Kiritimati", "Etc/GMT+12"])),
            algorithm=draw(st.sampled_from(["newsrank", "lead", "lexrank"])),
            sources=sources,
            timeout=FETCH_TIMEOUT,
        ),
        encoding="utf-8",
    )
    return Project(root, site, nodes, later)


# ---------------------------------------------------------------- checks


class Hang(Exception):
    """The watchdog fired: a build ran past WATCHDOG_SECONDS."""


@contextlib.contextmanager
def watchdog(seconds: float = WATCHDOG_SECONDS) -> Iterator[None]:
    def fire(_: int, frame: FrameType | None) -> None:
        raise Hang(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


#: A feed file that names no formats gets all four.
OUTPUTS = {f"fuzz.{fmt}" for fmt in ("atom", "rss", "json", "html")}


def check_outputs(root: Path) -> bytes:
    published = b""
    for fmt in ("atom", "rss"):
        data = (root / "public" / f"fuzz.{fmt}").read_bytes()
        lxml.etree.fromstring(data)
        parsed = feedparser.parse(data)
        assert not parsed.bozo, (fmt, parsed.get("bozo_exception"))
        published += data
    # JSON Feed: JSON whose items carry ids; the HTML page: an HTML5 document.
    feed = json.loads((root / "public/fuzz.json").read_bytes())
    assert all(isinstance(item["id"], str) and item["id"] for item in feed["items"])
    page = (root / "public/fuzz.html").read_bytes()
    html5lib.HTMLParser(strict=True).parse(page)
    published += page + json.dumps(feed, ensure_ascii=False).encode()
    assert SECRET.encode() not in published  # the link out of the folder was not followed
    return published


def check_cli(root: Path) -> None:
    result = CliRunner().invoke(
        cli,
        ["build", "--feeds", str(root / "feeds"), "--state", str(root / "state.db"),
         "--jobs", "1", "--debug"],
    )  # fmt: skip
    stderr = result.stderr
    assert result.exit_code in (0, 1), (result.exit_code, stderr, result.exception)
    assert "Traceback" not in stderr, stderr
    assert "this feed was not built" not in stderr, stderr


@pytest.fixture(scope="module")
def upstream() -> Iterator[Upstream]:
    with Upstream() as server:
        yield server


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_random_trees_and_upstream_bytes_build_valid_feeds(
    upstream: Upstream, data: st.DataObject
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        project = data.draw(projects(upstream, root))
        # The same paths each example (the same draws must give the same bytes).
        upstream.routes.clear()
        upstream.routes.update(project.site.routes)
        started = time.monotonic()
        with guarded(), watchdog(), State(root / "state.db") as state:
            report = build(load_feed(root / "feeds/fuzz.toml"), state, datetime.now(UTC))
        assert time.monotonic() - started < BUILD_SECONDS
        assert {p.name for p in report.outputs} == OUTPUTS
        check_outputs(root)

        # Again, through the command line, after some routes changed their answers.
        upstream.routes.update(project.later)
        started = time.monotonic()
        with guarded(), watchdog():
            check_cli(root)
        assert time.monotonic() - started < BUILD_SECONDS
        check_outputs(root)


@settings(
    max_examples=max(2, EXAMPLES // 20),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_random_projects_build_as_cron_does_in_bounded_time_and_memory(
    upstream: Upstream, data: st.DataObject
) -> None:
    """The same projects, built by `feedsum build` in a fresh interpreter, as cron runs
    it (its own forked workers included): exit 0 or 1, no traceback, the time and
    peak memory bounds of the fault-injection cases."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        project = data.draw(projects(upstream, root))
        # The same paths each example (the same draws must give the same bytes).
        upstream.routes.clear()
        upstream.routes.update(project.site.routes)
        run = build_in_subprocess(root, GUARD)
        assert "Traceback" not in run.stderr, run.stderr
        assert "this feed was not built" not in run.stderr, run.stderr
        assert run.code in (0, 1), run.stderr
        assert run.seconds < SECONDS and run.peak_kib < PEAK_KIB, run
        check_outputs(root)
