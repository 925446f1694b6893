"""Fault injection: what years of cron meet, one fault per case, through a real build.

Each case puts one fault into feed `bad` (beside the conftest articles) and
builds it with feed `good` in a subprocess of `feedsum build`, as cron runs it.
Each must give: the exit code the README promises, one line naming the file or
URL at fault, no traceback, both feeds written (`bad` with its good articles),
and time and peak memory bounded. Every server is on 127.0.0.1.
"""

from __future__ import annotations

import gzip
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import feedparser
import pytest

from tests.conftest import ARTICLES, FEED_TOML, write_articles
from tests.upstream import Reply, Trickle, Upstream

# A build in a fresh interpreter that reports its own peak memory (VmHWM: a
# forked child's ru_maxrss starts at its parent's) when it exits.
BUILD = """
import atexit, os, sys

def peak():
    with open("/proc/self/status") as status:
        kib = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    with open(os.environ["PEAK_FILE"], "w") as out:
        out.write(str(kib))

atexit.register(peak)
sys.argv[0] = "feedsum"
from feedsum.cli import main
main()
"""
#: Bounds for every case: well above a clean build (~1 s, ~90 MB), far below a hang
#: or a bomb.
SECONDS = 20.0
PEAK_KIB = 350 * 1024


@dataclass(frozen=True)
class Run:
    code: int
    stderr: str
    seconds: float
    peak_kib: int


def build(root: Path, prelude: str = "") -> Run:
    """`feedsum build` of root/feeds in a fresh interpreter; `prelude` is Python run
    first in it (the fuzz tests' network guard)."""
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1] / "src")
    env["PEAK_FILE"] = str(root / "peak")
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", prelude + BUILD, "build", "--feeds", str(root / "feeds"),
         "--state", str(root / "state.db")],
        capture_output=True, text=True, timeout=60, env=env, check=False,
    )  # fmt: skip
    seconds = time.monotonic() - started
    return Run(done.returncode, done.stderr, seconds, int((root / "peak").read_text()))


@dataclass(frozen=True)
class Case:
    id: str
    #: Writes the fault into the project (feeds/ is the feed files' folder) and
    #: returns the `bad` feed's extra TOML (sources, settings).
    inject: Callable[[Path, Upstream], str]
    #: Words of the one line that names it.
    says: str
    #: What that line names (a file under feeds/, or a URL path on the server).
    names: str
    timezone: str = "UTC"
    code: int = 1


def _write(path: Path, data: bytes | str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


def _rss(items: str) -> str:
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>W</title>{items}</channel></rss>'
    )


GOOD_ITEM = (
    "<item><title>Good item</title><guid>good-1</guid><link>https://w.example.org/1</link>"
    "<description>The bridge reopened on Friday after repairs, the city said. Traffic "
    "was light. Cyclists returned first.</description></item>"
)


def jsonl_far_date(feeds: Path, _: Upstream) -> str:
    lines = [
        {"id": "j1", "title": "From 9999", "date": "9999-12-31T23:00:00-05:00",
         "text": "A date no time zone can carry. It ends the year 9999 in New York."},
        {"id": "j2", "title": "Fine", "date": "2024-03-05",
         "text": "The market reopened on Tuesday, traders said. Prices held steady."},
    ]  # fmt: skip
    _write(feeds / "in.jsonl", "".join(json.dumps(line) + "\n" for line in lines))
    return '[[sources]]\nkind = "jsonl"\npath = "in.jsonl"\n'


def json_feed_far_date(feeds: Path, _: Upstream) -> str:
    items = [
        {"id": "f1", "title": "From 9999", "date_published": "9999-12-31T23:00:00-05:00",
         "url": "https://w.example.org/f1", "content_text": "A date past the end of time."},
        {"id": "f2", "title": "Fine", "date_published": "2024-03-05T10:00:00Z",
         "url": "https://w.example.org/f2",
         "content_text": "The bridge reopened on Friday. Traffic was light."},
    ]  # fmt: skip
    feed = {"version": "https://jsonfeed.org/version/1.1", "title": "W", "items": items}
    _write(feeds / "wire.json", json.dumps(feed))
    return '[[sources]]\nkind = "feed"\npath = "wire.json"\nfull_text = "never"\n'


def upstream_far_date(_: Path, upstream: Upstream) -> str:
    far = (
        "<item><title>From 9999</title><guid>far</guid><link>https://w.example.org/far</link>"
        "<pubDate>9999-12-31T23:00:00-05:00</pubDate>"
        "<description>A date past the end of time.</description></item>"
    )
    upstream.routes["/far.xml"] = Reply(200, _rss(far + GOOD_ITEM).encode())
    url = upstream.url("/far.xml")
    return f'[[sources]]\nurl = "{url}"\nfull_text = "never"\nallow_private = true\n'


def text_year_one(feeds: Path, _: Upstream) -> str:
    _write(feeds / "articles/z-old.txt", " date 0001-01-01 The oldest news there is. It "
           "was midnight in Stockholm, a year before the calendar could say so.\n")  # fmt: skip
    return ""


def markdown_year_one(feeds: Path, _: Upstream) -> str:
    _write(feeds / "notes/old.md", "---\ntitle: Old\ndate: 0001-01-01\n---\nThe oldest "
           "news there is. Stockholm was an hour ahead of it.\n")  # fmt: skip
    return '[[sources]]\nkind = "markdown"\npath = "notes/*.md"\n'


def name_not_utf8(feeds: Path, _: Upstream) -> str:
    folder = os.fsencode(feeds / "articles")
    with open(os.path.join(folder, b"caf\xe9.txt"), "wb") as out:
        out.write(b" date 2024-03-09 The cafe reopened. Its name is Latin-1 on disk.\n")
    return ""


def fifo(name: str, kind: str) -> Callable[[Path, Upstream], str]:
    def inject(feeds: Path, _: Upstream) -> str:
        os.mkfifo(feeds / name)  # reading it would wait forever for a writer
        return f'[[sources]]\nkind = "{kind}"\npath = "{name}"\n' if kind else ""

    return inject


def device_as_jsonl(feeds: Path, _: Upstream) -> str:
    (feeds / "zero.jsonl").symlink_to("/dev/zero")  # read whole, it never ends
    return '[[sources]]\nkind = "jsonl"\npath = "zero.jsonl"\nfollow_symlinks = true\n'


def socket_as_markdown(feeds: Path, _: Upstream) -> str:
    (feeds / "notes").mkdir()
    with socket.socket(socket.AF_UNIX) as unix:
        unix.bind(str(feeds / "notes/s.md"))
    return '[[sources]]\nkind = "markdown"\npath = "notes/*.md"\n'


def symlink_out(feeds: Path, _: Upstream) -> str:
    secret = feeds.parent / "private/keys.txt"
    _write(secret, "title Secret\n date 2024-03-01 The private key is SECRETKEY. Nobody "
           "outside may read it.\n")  # fmt: skip
    (feeds / "articles/keys.txt").symlink_to(secret)
    return ""


def feed_file_too_big(feeds: Path, _: Upstream) -> str:
    _write(feeds / "wire.xml", _rss(GOOD_ITEM * 2000))  # ~400 KB
    return '[[sources]]\nkind = "feed"\npath = "wire.xml"\n\n[fetch]\nmax_bytes = 100_000\n'


def gzip_bomb(_: Path, upstream: Upstream) -> str:
    bomb = gzip.compress(bytes(200 << 20), compresslevel=9)  # 200 MiB of zeros, ~200 KB
    upstream.routes["/bomb.xml"] = Reply(200, bomb, {"Content-Encoding": "gzip"})
    url = upstream.url("/bomb.xml")
    return f'[[sources]]\nurl = "{url}"\nallow_private = true\n'


def internal_page(feeds: Path, upstream: Upstream) -> str:
    upstream.routes["/admin"] = Reply(200, b"<html><body><article><p>" + b"ADMINPAGE " * 200
                                      + b"</p></article></body></html>")  # fmt: skip
    teaser = (
        f"<item><title>Innocent</title><guid>t</guid><link>{upstream.url('/admin')}</link>"
        "<description>A teaser. Read more.</description></item>"
    )
    _write(feeds / "wire.xml", _rss(teaser))
    return '[[sources]]\nkind = "feed"\npath = "wire.xml"\nfull_text = "auto"  # asks for pages\n'


def nested_feed(_: Path, upstream: Upstream) -> str:
    # 9.9 MB of nested elements: feedparser took minutes and 700 MB on each build.
    depth = 1_400_000
    body = _rss(GOOD_ITEM + "<item><title>deep</title>" + "<x>" * depth + "y" + "</x>" * depth
                + "</item>")  # fmt: skip
    upstream.routes["/deep.xml"] = Reply(200, body.encode())
    url = upstream.url("/deep.xml")
    return f'[[sources]]\nurl = "{url}"\nallow_private = true\n\n[fetch]\nmax_bytes = 20_000_000\n'


CASES = [
    Case("jsonl-date-9999", jsonl_far_date, "outside the dates a feed can carry", "in.jsonl:1"),
    Case("json-feed-date-9999", json_feed_far_date, "outside the dates a feed", "wire.json"),
    Case("upstream-date-9999", upstream_far_date, "outside the dates a feed", "/far.xml"),
    Case("text-year-1-stockholm", text_year_one, "outside the dates a feed", "z-old.txt",
         timezone="Europe/Stockholm"),
    Case("markdown-year-1-stockholm", markdown_year_one, "outside the dates", "notes/old.md",
         timezone="Europe/Stockholm"),
    Case("name-not-utf8", name_not_utf8, "its name is not UTF-8; rename it", "caf\ufffd.txt"),
    Case("fifo-jsonl", fifo("in.jsonl", "jsonl"), "a FIFO, not a regular file", "in.jsonl"),
    Case("fifo-feed-file", fifo("wire.xml", "feed"), "a FIFO, not a regular file", "wire.xml"),
    Case("fifo-text", fifo("articles/z.txt", ""), "a FIFO, not a regular file", "z.txt"),
    Case("dev-zero-jsonl", device_as_jsonl, "a character device", "zero.jsonl"),
    Case("socket-markdown", socket_as_markdown, "a socket, not a regular file", "notes/s.md"),
    Case("symlink-out", symlink_out, "outside the feed file's folder: not followed", "keys.txt"),
    Case("feed-file-too-big", feed_file_too_big, "over 100,000 bytes", "wire.xml"),
    Case("gzip-bomb", gzip_bomb, "body over 10,000,000 bytes", "/bomb.xml"),
    Case("item-links-internal-page", internal_page, "a loopback address", "/admin"),
    Case("deeply-nested-feed", nested_feed, "tags, over the 500,000", "/deep.xml"),
]  # fmt: skip


def project(root: Path, case: Case, upstream: Upstream) -> Path:
    feeds = root / "feeds"
    # The bad feed's files apart from the good feed's: a fault is the bad one's alone.
    write_articles(feeds / "good", ARTICLES)
    write_articles(feeds / "articles", ARTICLES)
    good = FEED_TOML.replace("articles/*.txt", "good/*.txt")
    (feeds / "good.toml").write_text(good, encoding="utf-8")
    extra = case.inject(feeds, upstream)
    toml = FEED_TOML.replace('sources = [{ path = "articles/*.txt" }]\n', "")
    toml = toml.replace("tag_date", f'timezone = "{case.timezone}"\ntag_date')
    sources = '[[sources]]\npath = "articles/*.txt"\n' + extra
    (feeds / "bad.toml").write_text(toml + "\n" + sources, encoding="utf-8")
    return root


def entries(root: Path, name: str, fmt: str) -> list[str]:
    parsed = feedparser.parse((root / "public" / f"{name}.{fmt}").read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    return [e.title for e in parsed.entries]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_one_fault_is_one_line_and_every_feed_is_written(
    tmp_path: Path, upstream: Upstream, case: Case
) -> None:
    root = project(tmp_path, case, upstream)
    run = build(root)
    assert "Traceback" not in run.stderr, run.stderr
    assert run.code == case.code, run.stderr
    naming = [line for line in run.stderr.splitlines() if case.says in line]
    assert len(naming) == 1, run.stderr
    assert case.names in naming[0], naming
    for fmt in ("atom", "rss"):
        assert len(entries(root, "good", fmt)) == len(ARTICLES)
        shown = entries(root, "bad", fmt)
        assert len(shown) >= len(ARTICLES), shown  # the good articles beside the fault
    published = b"".join((root / "public" / f"bad.{f}").read_bytes() for f in ("atom", "rss"))
    assert b"SECRETKEY" not in published and b"ADMINPAGE" not in published
    assert run.seconds < SECONDS and run.peak_kib < PEAK_KIB, run


def test_header_trickle_ends_at_the_deadline(tmp_path: Path, upstream: Upstream) -> None:
    # One byte of header every 0.3 s: without one deadline per request it never ends.
    with Trickle(b"HTTP/1.1 200 OK\r\n", b"X-Slow: " + b"a" * 64, interval=0.3) as slow:

        def inject(_: Path, __: Upstream) -> str:
            return (
                f'[[sources]]\nurl = "{slow.url("/feed")}"\nallow_private = true\n\n'
                "[fetch]\ntimeout = 2\n"
            )

        case = Case("trickle", inject, "timed out (over 2 s in all)", "/feed")
        run = build(project(tmp_path, case, upstream))
    assert "Traceback" not in run.stderr and run.code == 1, run.stderr
    assert [line for line in run.stderr.splitlines() if case.says in line], run.stderr
    assert run.seconds < 8, run
    assert len(entries(tmp_path, "bad", "atom")) == len(ARTICLES)


def test_symlinks_inside_the_folder_are_followed_and_outside_ones_on_request(
    tmp_path: Path, upstream: Upstream
) -> None:
    def inject(feeds: Path, _: Upstream) -> str:
        _write(feeds / "shelf/inside.txt", " date 2024-03-07 The inside story. It stays home.\n")
        (feeds / "articles/inside.txt").symlink_to(feeds / "shelf/inside.txt")
        _write(feeds.parent / "outside/away.txt", " date 2024-03-08 The outside story. "
               "It lives elsewhere on purpose.\n")  # fmt: skip
        (feeds / "away").symlink_to(feeds.parent / "outside", target_is_directory=True)
        return '[[sources]]\npath = "away/*.txt"\nfollow_symlinks = true\n'

    run = build(project(tmp_path, Case("links", inject, "", ""), upstream))
    assert run.code == 0, run.stderr
    bodies = (tmp_path / "public/bad.atom").read_text()
    assert "The inside story" in bodies and "The outside story" in bodies


def test_links_to_their_own_folder_under_a_double_star_are_not_walked(
    tmp_path: Path, upstream: Upstream
) -> None:
    # glob's ** followed them: in/x/y/x/y/... down to 40 links, 2**40 paths (hung);
    # one link alone read every article 41 times.
    def inject(feeds: Path, _: Upstream) -> str:
        _write(feeds / "notes/a.md", "# Ferry\n\nThe ferry runs again. It is late today.\n")
        (feeds / "notes/x").symlink_to(".")
        (feeds / "notes/y").symlink_to(".")
        return '[[sources]]\nkind = "markdown"\npath = "notes/**/*.md"\n'

    run = build(project(tmp_path, Case("loops", inject, "", ""), upstream))
    assert run.code == 0 and run.seconds < 10, run
    assert len(entries(tmp_path, "bad", "atom")) == len(ARTICLES) + 1
    shown = len(ARTICLES) + 1
    assert f"bad: {shown} entries, {shown} new" in run.stderr  # read once, not 41 times
