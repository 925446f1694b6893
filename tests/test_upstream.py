"""Upstream feeds fetched from a real HTTP server on 127.0.0.1 (never anywhere else)."""

from __future__ import annotations

import gzip
import html
import json
import time
import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import Message
from email.utils import format_datetime
from pathlib import Path

import brotli
import feedparser
import pytest
from click.testing import CliRunner, Result

from feedsum import PROJECT_URL, __version__
from feedsum.cli import cli
from feedsum.config import FetchConfig, load_feed
from feedsum.fetch import Fetcher, FetchError
from feedsum.pipeline import BuildReport, build
from feedsum.state import State
from tests.upstream import Reply, Route, Upstream

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
TOPICS = ("harbour", "library", "railway", "orchard", "bridge", "museum", "market", "school")


def story(n: int, words: int = 160) -> str:
    """Distinct article text of about `words` words, in paragraphs."""
    topic = TOPICS[n % len(TOPICS)]
    sentences = [
        f"The {topic} project number {n} reached stage {i} on Tuesday, officials said."
        if i % 3 == 0
        else f"Residents near the {topic} asked question {i} about plan {n} at the meeting."
        if i % 3 == 1
        else f"Engineers expect the {topic} work for plan {n} to take {i + 2} more weeks."
        for i in range(words // 12)
    ]
    return "\n\n".join(" ".join(sentences[i : i + 3]) for i in range(0, len(sentences), 3))


def paragraphs_html(text: str) -> str:
    return "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n\n"))


def rss(items: list[dict[str, str]], title: str = "Upstream RSS") -> bytes:
    out = []
    for item in items:
        parts = [f"<title>{html.escape(item['title'])}</title>"]
        if "link" in item:
            parts.append(f"<link>{item['link']}</link>")
        if "guid" in item:
            parts.append(f'<guid isPermaLink="false">{item["guid"]}</guid>')
        if "date" in item:
            parts.append(f"<pubDate>{item['date']}</pubDate>")
        if "author" in item:
            parts.append(f"<dc:creator>{item['author']}</dc:creator>")
        if "tag" in item:
            parts.append(f"<category>{item['tag']}</category>")
        if "summary" in item:
            parts.append(f"<description>{html.escape(item['summary'])}</description>")
        if "text" in item:
            parts.append(
                f"<content:encoded><![CDATA[{paragraphs_html(item['text'])}]]></content:encoded>"
            )
        out.append("<item>" + "".join(parts) + "</item>")
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        f"<title>{title}</title><link>http://127.0.0.1/</link><description>d</description>"
        + "".join(out)
        + "</channel></rss>"
    ).encode()


def atom(items: list[dict[str, str]], title: str = "Upstream Atom") -> bytes:
    out = [
        f"<entry><id>{i['guid']}</id><title>{html.escape(i['title'])}</title>"
        f'<link href="{i["link"]}"/><updated>{i["date"]}</updated>'
        f"<published>{i['date']}</published><author><name>{i['author']}</name></author>"
        f'<content type="html">{html.escape(paragraphs_html(i["text"]))}</content></entry>'
        for i in items
    ]
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<id>urn:upstream:atom</id><title>{title}</title><updated>2025-05-01T00:00:00Z</updated>"
        + "".join(out)
        + "</feed>"
    ).encode()


def json_feed(items: list[dict[str, str]], title: str = "Upstream JSON") -> bytes:
    return json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": title,
            "items": [
                {
                    "id": i["guid"],
                    "url": i["link"],
                    "title": i["title"],
                    "content_text": i["text"],
                    "date_published": i["date"],
                    "authors": [{"name": i["author"]}],
                    "tags": [i["tag"]],
                }
                for i in items
            ],
        }
    ).encode()


def rfc822(day: int) -> str:
    return format_datetime(datetime(2025, 5, day, 9, 0, tzinfo=UTC), usegmt=True)


def rss_item(n: int, **extra: str) -> dict[str, str]:
    return {
        "title": f"RSS story {n}",
        "link": f"https://rss.example.org/{n}",
        "guid": f"rss-{n}",
        "date": rfc822(n),
        "author": f"Writer {n}",
        "tag": "news",
        "text": story(n),
        **extra,
    }


def make_project(tmp_path: Path, sources: str, extra: str = "") -> Path:
    feeds = tmp_path / "feeds"
    feeds.mkdir(exist_ok=True)
    (feeds / "digest.toml").write_text(
        f"""\
title = "Digest"
link = "https://digest.example.net/"
tag_date = 2025-01-01
{sources}

[summary]
algorithm = "lead"
sentences = 2

[fetch]
timeout = 1.5
connect_timeout = 1
max_bytes = 200000
{extra}
""",
        encoding="utf-8",
    )
    return tmp_path


def source(url: str, full_text: str = "auto") -> str:
    # The test server is on 127.0.0.1: a source must opt in to reach it.
    return f'[[sources]]\nurl = "{url}"\nfull_text = "{full_text}"\nallow_private = true\n'


def run(project: Path, now: datetime = NOW, force: bool = False) -> BuildReport:
    config = load_feed(project / "feeds" / "digest.toml")
    with State(project / ".feedsum" / "state.db") as state:
        return build(config, state, now, force=force)


def command(project: Path, name: str) -> Result:
    """`feedsum NAME` on the project's feeds and state, as cron would run it."""
    state = str(project / ".feedsum" / "state.db")
    return CliRunner().invoke(cli, [name, "--feeds", str(project / "feeds"), "--state", state])


def entries(project: Path, fmt: str = "atom") -> list[feedparser.FeedParserDict]:
    result = feedparser.parse((project / "public" / f"digest.{fmt}").read_bytes())
    assert not result.bozo, result.get("bozo_exception")
    return list(result.entries)


def titles(project: Path) -> set[str]:
    return {e.title for e in entries(project)}


def etagged(body: bytes, etag: str) -> Route:
    """A route answering 304 to a request that sends back its ETag."""

    def reply(headers: Message) -> Reply:
        if headers.get("If-None-Match") == etag:
            return Reply(304)
        return Reply(200, body, {"ETag": etag, "Content-Type": "application/rss+xml"})

    return reply


def test_three_formats_merge_with_attribution(tmp_path: Path, upstream: Upstream) -> None:
    atom_items = [
        {
            "guid": f"urn:atom:{n}",
            "title": f"Atom story {n}",
            "link": f"https://atom.example.org/{n}",
            "date": f"2025-05-{n:02d}T08:00:00Z",
            "author": "Atom Author",
            "text": story(n),
        }
        for n in (11, 12)
    ]
    json_items = [{**i, "guid": f"json-{n}", "title": f"JSON story {n}", "tag": "json",
                   "link": f"https://json.example.org/{n}", "text": story(n)}
                  for n, i in zip((21, 22), atom_items, strict=True)]  # fmt: skip
    upstream.routes["/rss"] = Reply(200, rss([rss_item(1), rss_item(2)]))
    upstream.routes["/atom"] = Reply(200, atom(atom_items))
    upstream.routes["/json"] = Reply(200, json_feed(json_items))
    project = make_project(
        tmp_path, source(upstream.url("/rss")) + source(upstream.url("/atom"))
        + source(upstream.url("/json"))
    )  # fmt: skip
    report = run(project)
    assert not report.failures and report.entries == 6
    for fmt in ("atom", "rss"):
        got = {e.title: e for e in entries(project, fmt)}
        assert set(got) == {"RSS story 1", "RSS story 2", "Atom story 11", "Atom story 12",
                            "JSON story 21", "JSON story 22"}  # fmt: skip
        first = got["RSS story 1"]
        assert first.link == "https://rss.example.org/1"
        assert first.published_parsed[:4] == (2025, 5, 1, 9)
        assert first.author == "Writer 1"
        assert first.tags[0].term == "news"
        # The summary is the article's own first sentences (lead, 2).
        assert first.summary.startswith("The library project number 1 reached stage 0")
    atom_entries = {e.title: e for e in entries(project, "atom")}
    assert atom_entries["Atom story 11"].source.title == "Upstream Atom"
    assert atom_entries["Atom story 11"].author == "Atom Author"
    rss_xml = (project / "public" / "digest.rss").read_text(encoding="utf-8")
    assert f'<source url="{upstream.url("/json")}">Upstream JSON</source>' in rss_xml
    agent = upstream.hits("/rss")[0].headers["User-Agent"]
    assert agent == f"feedsum/{__version__} (+{PROJECT_URL})"


def test_unchanged_upstream_costs_one_304(tmp_path: Path, upstream: Upstream) -> None:
    upstream.routes["/rss"] = etagged(rss([rss_item(1), rss_item(2)]), '"v1"')
    project = make_project(tmp_path, source(upstream.url("/rss")))
    first = run(project)
    assert first.summarized == 2
    atom_bytes = (project / "public" / "digest.atom").read_bytes()
    second = run(project, NOW + timedelta(minutes=5))
    assert second.summarized == 0 and second.read == 0 and not second.written
    assert upstream.hits("/rss")[1].headers["If-None-Match"] == '"v1"'
    assert (project / "public" / "digest.atom").read_bytes() == atom_bytes


def test_last_modified_is_sent_back(tmp_path: Path, upstream: Upstream) -> None:
    stamp = "Wed, 21 May 2025 07:28:00 GMT"

    def reply(headers: Message) -> Reply:
        if headers.get("If-Modified-Since") == stamp:
            return Reply(304)
        return Reply(200, rss([rss_item(1)]), {"Last-Modified": stamp})

    upstream.routes["/rss"] = reply
    project = make_project(tmp_path, source(upstream.url("/rss")))
    run(project)
    assert run(project).summarized == 0
    assert [h.headers.get("If-Modified-Since") for h in upstream.hits("/rss")] == [None, stamp]


def test_teaser_is_expanded_from_the_page_once(tmp_path: Path, upstream: Upstream) -> None:
    text = story(5)
    page = (
        "<html><head><title>Page</title></head><body><nav>Home | World | Sport</nav>"
        f"<article><h1>Teaser story</h1>{paragraphs_html(text)}</article>"
        "<footer>Copyright Example News</footer></body></html>"
    ).encode()
    upstream.routes["/page/5"] = Reply(200, page, {"Content-Type": "text/html"})
    teaser = {"title": "Teaser story", "link": upstream.url("/page/5"), "guid": "t-5",
              "date": rfc822(5), "summary": "A short teaser. Read more."}  # fmt: skip
    upstream.routes["/rss"] = Reply(200, rss([teaser]))  # no validators: always 200
    project = make_project(tmp_path, source(upstream.url("/rss")))
    report = run(project)
    assert not report.failures
    (entry,) = entries(project)
    # The summary comes from the article on the page, not from the teaser.
    assert entry.summary.startswith("The museum project number 5 reached stage 0")
    assert "Copyright" not in entry.content[0].value and "Home" not in entry.content[0].value
    # The same item again: its page is not fetched again.
    assert run(project).summarized == 0
    assert len(upstream.hits("/page/5")) == 1
    # The item changed upstream: fetched again.
    upstream.routes["/rss"] = Reply(200, rss([{**teaser, "summary": "A new teaser."}]))
    run(project)
    assert len(upstream.hits("/page/5")) == 2


def test_full_text_never_keeps_the_teaser(tmp_path: Path, upstream: Upstream) -> None:
    teaser = {"title": "T", "link": upstream.url("/page"), "guid": "t",
              "summary": "Only the teaser sentence is here. It says little."}  # fmt: skip
    upstream.routes["/rss"] = Reply(200, rss([teaser]))
    project = make_project(tmp_path, source(upstream.url("/rss"), full_text="never"))
    assert not run(project).failures
    assert entries(project)[0].summary == "Only the teaser sentence is here. It says little."
    assert not upstream.hits("/page")


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (Reply(500, b"oops"), "HTTP 500"),
        (Reply(200, rss([rss_item(9)]), delay=3.0), "timed out"),
        (Reply(200, b"<rss><channel><item><title>broken</ti></channel>"), "not a valid feed"),
        (Reply(200, b"<rss>" + b"x" * 10_000, repeat=40), "body over 200,000 bytes"),
    ],
    ids=["500", "timeout", "invalid-xml", "over-size-cap"],
)
def test_a_failing_upstream_does_not_stop_the_others(
    tmp_path: Path, upstream: Upstream, reply: Reply, reason: str
) -> None:
    upstream.routes["/good"] = Reply(200, rss([rss_item(1)]))
    upstream.routes["/bad"] = Reply(200, rss([rss_item(2)]))
    project = make_project(tmp_path, source(upstream.url("/good")) + source(upstream.url("/bad")))
    run(project)
    upstream.routes["/bad"] = reply
    report = run(project, NOW + timedelta(hours=1))
    (failure,) = report.failures
    assert upstream.url("/bad") in str(failure) and reason in str(failure)
    # The bad upstream's last good item stays; the good one is there.
    assert titles(project) == {"RSS story 1", "RSS story 2"}


def test_failure_backs_off_and_status_shows_it(tmp_path: Path, upstream: Upstream) -> None:
    upstream.routes["/busy"] = Reply(429, b"slow down", {"Retry-After": "7200"})
    upstream.routes["/good"] = Reply(200, rss([rss_item(1)]))
    project = make_project(tmp_path, source(upstream.url("/busy")) + source(upstream.url("/good")))
    report = run(project)
    assert "HTTP 429" in str(report.failures[0]) and report.entries == 1
    # Within the two hours asked for, the upstream is left alone: not a new failure.
    again = run(project, NOW + timedelta(minutes=30))
    assert len(upstream.hits("/busy")) == 1
    assert not again.failures
    (still,) = again.still
    assert "still failing, 1 time(s) in a row" in still and "2025-06-01 14:00 UTC" in still
    result = command(project, "status")
    assert result.exit_code == 0, result.output
    assert "1 failure(s) in a row, next try after 2025-06-01 14:00 UTC" in result.output
    assert "HTTP 429" in result.output
    # After the wait it is tried again, and a success clears the back-off.
    upstream.routes["/busy"] = Reply(200, rss([rss_item(3)]))
    cleared = run(project, NOW + timedelta(hours=3))
    assert not cleared.failures and not cleared.still
    assert f"{upstream.url('/busy')}: read again, after 1 failure(s) in a row" in cleared.warnings
    assert titles(project) == {"RSS story 1", "RSS story 3"}


def test_exit_code_says_a_source_failed(tmp_path: Path, upstream: Upstream) -> None:
    upstream.routes["/good"] = Reply(200, rss([rss_item(1)]))
    project = make_project(tmp_path, source(upstream.url("/good")) + source(upstream.url("/gone")))
    result = command(project, "build")
    assert result.exit_code == 1
    assert f"{upstream.url('/gone')}: HTTP 404" in result.output
    assert titles(project) == {"RSS story 1"}


def test_duplicates_across_upstreams_appear_once(tmp_path: Path, upstream: Upstream) -> None:
    one = rss_item(1)
    upstream.routes["/a"] = Reply(200, rss([one, rss_item(2)], title="A"))
    upstream.routes["/b"] = Reply(
        200,
        rss(
            [
                {**one, "date": rfc822(3)},  # same guid, later
                {**rss_item(2), "guid": "other-2", "date": rfc822(4)},  # same link
                {**rss_item(4), "guid": "other-4", "link": "https://b/4",  # same text as 5
                 "text": story(5), "date": rfc822(6)},
                {**rss_item(5), "date": rfc822(5)},
            ],
            title="B",
        ),
    )  # fmt: skip
    project = make_project(tmp_path, source(upstream.url("/a")) + source(upstream.url("/b")))
    assert not run(project).failures
    got = {e.title: e for e in entries(project)}
    # Story 5 is dated before its copy titled "RSS story 4", so it keeps the text.
    assert set(got) == {"RSS story 1", "RSS story 2", "RSS story 5"}
    assert got["RSS story 1"].source.title == "A"  # the earliest copy


def test_include_exclude_and_age(tmp_path: Path, upstream: Upstream) -> None:
    items = [rss_item(1), rss_item(2, tag="sport"), rss_item(3, title="Sponsored: buy"),
             rss_item(20)]  # fmt: skip
    upstream.routes["/rss"] = Reply(200, rss(items))
    rules = """
[filter]
include = { text = ["(?i)library", "(?i)railway", "(?i)bridge"] }
exclude = { title = "^Sponsored", tags = "sport" }
max_age_days = 20
"""
    project = make_project(tmp_path, source(upstream.url("/rss")), rules)
    report = run(project, datetime(2025, 5, 23, tzinfo=UTC))
    assert not report.failures
    # 1 (May 1) is too old by May 23; 2 is sport; 3 (an orchard) is not included,
    # and sponsored; 20 (a bridge) is kept.
    assert titles(project) == {"RSS story 20"}
    assert report.summarized == 4  # all remembered; excluded ones without a summary
    # As time passes, 20 ages out too: the next build notices with no upstream change.
    later = run(project, datetime(2025, 6, 15, tzinfo=UTC))
    assert later.entries == 0


def test_redirects_are_followed_and_loops_stopped(tmp_path: Path, upstream: Upstream) -> None:
    upstream.routes["/old"] = Reply(301, headers={"Location": upstream.url("/new")})
    upstream.routes["/new"] = Reply(200, rss([rss_item(1)]))
    upstream.routes["/loop1"] = Reply(302, headers={"Location": "/loop2"})
    upstream.routes["/loop2"] = Reply(302, headers={"Location": "/loop1"})
    project = make_project(tmp_path, source(upstream.url("/old")) + source(upstream.url("/loop1")))
    report = run(project)
    (failure,) = report.failures
    assert "redirects" in str(failure) and upstream.url("/loop1") in str(failure)
    assert len(upstream.hits("/loop1")) + len(upstream.hits("/loop2")) <= 6
    assert titles(project) == {"RSS story 1"}
    with State(project / ".feedsum" / "state.db") as state:
        remembered = state.sources("digest")
    assert remembered[upstream.url("/old")].url == upstream.url("/new")


@pytest.mark.parametrize(
    ("encoding", "compress"),
    [("gzip", gzip.compress), ("deflate", zlib.compress), ("br", brotli.compress)],
)
def test_compressed_bodies_are_decoded(
    tmp_path: Path, upstream: Upstream, encoding: str, compress: Callable[[bytes], bytes]
) -> None:
    body = compress(rss([rss_item(1)]))
    upstream.routes["/rss"] = Reply(200, body, {"Content-Encoding": encoding})
    project = make_project(tmp_path, source(upstream.url("/rss")))
    assert not run(project).failures
    assert titles(project) == {"RSS story 1"}


def test_force_fetches_at_once_despite_the_back_off(tmp_path: Path, upstream: Upstream) -> None:
    upstream.routes["/rss"] = Reply(503, b"down", {"Retry-After": "3600"})
    project = make_project(tmp_path, source(upstream.url("/rss")))
    assert run(project).failures
    upstream.routes["/rss"] = Reply(200, rss([rss_item(1)]))
    assert run(project, NOW + timedelta(minutes=5)).still  # backing off: not asked
    assert len(upstream.hits("/rss")) == 1
    assert not run(project, NOW + timedelta(minutes=6), force=True).failures
    assert len(upstream.hits("/rss")) == 2 and titles(project) == {"RSS story 1"}


def test_gzip_bomb_is_stopped_by_the_cap(tmp_path: Path, upstream: Upstream) -> None:
    body = gzip.compress(b"<rss>" + b" " * 5_000_000)
    assert len(body) < 200_000  # small on the wire, 5 MB decoded
    upstream.routes["/rss"] = Reply(200, body, {"Content-Encoding": "gzip"})
    project = make_project(tmp_path, source(upstream.url("/rss")))
    (failure,) = run(project).failures
    assert "body over 200,000 bytes" in str(failure)


def test_settings_change_resummarizes_without_fetching_pages(
    tmp_path: Path, upstream: Upstream
) -> None:
    page = f"<html><body><article>{paragraphs_html(story(6))}</article></body></html>".encode()
    upstream.routes["/page"] = Reply(200, page)
    teaser = {"title": "T", "link": upstream.url("/page"), "guid": "t", "summary": "Teaser."}
    upstream.routes["/rss"] = etagged(rss([teaser]), '"v1"')
    project = make_project(tmp_path, source(upstream.url("/rss")))
    run(project)
    toml = project / "feeds" / "digest.toml"
    toml.write_text(toml.read_text().replace("sentences = 2", "sentences = 1"))
    report = run(project)
    assert report.summarized == 1 and not report.failures
    assert len(upstream.hits("/page")) == 1
    (entry,) = entries(project)
    assert (
        entry.summary == "The market project number 6 reached stage 0 on Tuesday, officials said."
    )


def test_at_most_two_requests_per_host_at_once(tmp_path: Path, upstream: Upstream) -> None:
    for n in range(6):
        upstream.routes[f"/f{n}"] = Reply(200, rss([rss_item(n + 1)]), delay=0.3)
    project = make_project(tmp_path, "".join(source(upstream.url(f"/f{n}")) for n in range(6)))
    report = run(project)
    assert not report.failures and report.entries == 6
    assert upstream.peak == 2


def test_full_text_always_fetches_every_page(tmp_path: Path, upstream: Upstream) -> None:
    page = f"<html><body><article>{paragraphs_html(story(7))}</article></body></html>".encode()
    upstream.routes["/page"] = Reply(200, page)
    # A whole article in the feed, but the page is asked for anyway.
    upstream.routes["/rss"] = Reply(200, rss([rss_item(1, link=upstream.url("/page"))]))
    project = make_project(tmp_path, source(upstream.url("/rss"), full_text="always"))
    assert not run(project).failures
    assert len(upstream.hits("/page")) == 1
    assert entries(project)[0].summary.startswith("The school project number 7")


def test_a_page_that_may_work_later_is_tried_again(tmp_path: Path, upstream: Upstream) -> None:
    teaser = {"title": "T", "link": upstream.url("/page"), "guid": "t", "summary": "Teaser."}
    upstream.routes["/page"] = Reply(503, b"busy")
    upstream.routes["/rss"] = Reply(200, rss([teaser, rss_item(1)]))
    project = make_project(tmp_path, source(upstream.url("/rss")))
    (failure,) = run(project).failures
    assert f"{upstream.url('/page')}: HTTP 503" in str(failure)
    assert upstream.url("/rss") in str(failure) and "the item waits" in str(failure)
    assert titles(project) == {"RSS story 1"}
    page = f"<html><body><article>{paragraphs_html(story(3))}</article></body></html>"
    upstream.routes["/page"] = Reply(200, page.encode())
    # It backs off as a source does: not asked again for 10 minutes, then asked.
    asked = len(upstream.requests)
    assert not run(project, NOW + timedelta(minutes=9)).failures
    assert len([r for r in upstream.requests[asked:] if r.path == "/page"]) == 0
    assert titles(project) == {"RSS story 1"}
    assert not run(project, NOW + timedelta(minutes=10)).failures
    assert titles(project) == {"RSS story 1", "T"}


def test_a_page_gone_for_good_keeps_the_teaser(tmp_path: Path, upstream: Upstream) -> None:
    teaser = {"title": "T", "link": upstream.url("/gone"), "guid": "t",
              "summary": "The teaser is all there is. It still makes an entry."}  # fmt: skip
    upstream.routes["/rss"] = Reply(200, rss([teaser]))
    project = make_project(tmp_path, source(upstream.url("/rss")))
    (failure,) = run(project).failures
    assert "HTTP 404" in str(failure) and "the feed's own text is used" in str(failure)
    assert entries(project)[0].summary == "The teaser is all there is. It still makes an entry."
    # Reported once: the item is remembered, its page not asked for again.
    assert not run(project).failures
    assert len(upstream.hits("/gone")) == 1


def test_items_that_roll_off_upstream_stay(tmp_path: Path, upstream: Upstream) -> None:
    upstream.routes["/rss"] = Reply(200, rss([rss_item(1), rss_item(2)]))
    project = make_project(tmp_path, source(upstream.url("/rss")))
    run(project)
    upstream.routes["/rss"] = Reply(200, rss([rss_item(2), rss_item(3)]))
    report = run(project)
    assert report.summarized == 1
    assert titles(project) == {"RSS story 1", "RSS story 2", "RSS story 3"}


def test_the_memory_of_dropped_items_is_bounded(
    tmp_path: Path, upstream: Upstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("feedsum.scan.FEED_MEMORY", 3)
    project = make_project(tmp_path, source(upstream.url("/rss")))
    for first in (1, 3, 5):
        upstream.routes["/rss"] = Reply(200, rss([rss_item(first), rss_item(first + 1)]))
        run(project)
    # 5 and 6 are offered, 3 and 4 the most recently dropped: one of them fits.
    got = titles(project)
    assert len(got) == 3 and {"RSS story 5", "RSS story 6"} <= got
    assert "RSS story 1" not in got and "RSS story 2" not in got


def test_a_teaser_linking_elsewhere_than_http_keeps_its_text(
    tmp_path: Path, upstream: Upstream
) -> None:
    teaser = {"title": "Mail us", "link": "mailto:desk@example.org", "guid": "m",
              "summary": "Write to the desk. Letters are read every week."}  # fmt: skip
    upstream.routes["/rss"] = Reply(200, rss([teaser]))
    project = make_project(tmp_path, source(upstream.url("/rss")))
    report = run(project)
    # Not fetched, not published: left out with a warning, not a failure.
    assert not report.failures and [r.path for r in upstream.requests] == ["/rss"]
    (warning,) = report.warnings
    assert "link 'mailto:desk@example.org' is not an http(s) URL; left out" in warning
    (entry,) = entries(project)
    assert entry.summary == "Write to the desk. Letters are read every week."
    assert all("mailto" not in link.href for link in entry.links)
    assert not run(project).failures


def test_an_excluded_copy_does_not_hide_the_kept_one(tmp_path: Path, upstream: Upstream) -> None:
    early = rss_item(1, title="Sponsored: story 1")  # the earliest copy, kept out
    upstream.routes["/a"] = Reply(200, rss([early]))
    upstream.routes["/b"] = Reply(200, rss([{**rss_item(1), "guid": "b-1", "date": rfc822(2)}]))
    rules = '[filter]\nexclude = { title = "^Sponsored" }\n'
    project = make_project(tmp_path, source(upstream.url("/a")) + source(upstream.url("/b")), rules)
    assert not run(project).failures
    assert titles(project) == {"RSS story 1"}


@pytest.mark.parametrize(
    ("url", "reason"),
    [("http://[::1/x", "not a valid URL (Invalid port"), ("http:///x", "not an http(s) URL")],
)
def test_unusable_urls_fail_for_good_without_a_request(url: str, reason: str) -> None:
    with Fetcher(FetchConfig()) as client, pytest.raises(FetchError) as error:
        client.get(url)
    assert reason in str(error.value) and error.value.permanent


# --- liberal in what it reads ------------------------------------------------------------------


def raw_rss(titles: list[bytes], prolog: bytes = b"") -> bytes:
    """RSS whose item titles are written as given: unescaped, entities and all."""
    items = b"".join(
        b"<item><title>%s</title><link>https://w.example.org/%d</link><guid>w-%d</guid>"
        b"<description>%s</description></item>" % (title, n, n, html.escape(story(n)).encode())
        for n, title in enumerate(titles, start=11)
    )
    return (
        b'<?xml version="1.0" encoding="utf-8"?>\n' + prolog + b'<rss version="2.0"><channel>'
        b"<title>Quirky</title><link>https://w.example.org/</link><description>d</description>"
        + items
        + b"</channel></rss>"
    )


SUBSET = b"""<!DOCTYPE rss [
<!ELEMENT rss ANY>
<!ATTLIST rss version CDATA #IMPLIED>
]>
"""


@pytest.mark.parametrize(
    ("body", "expected", "fault"),
    [
        (raw_rss([b"AT&T buys a network", b"Q&A on rails", b"Fish & chips"]),
         {"AT&T buys a network", "Q&A on rails", "Fish & chips"}, '3 unescaped "&"'),
        (raw_rss([b"Night&nbsp;trains", b"Caf&eacute; opens", b"Plain title"]),
         {"Night\xa0trains", "Caf\xe9 opens", "Plain title"}, "undefined entity"),
        (raw_rss([b"One", b"Two", b"Three"], SUBSET),
         {"One", "Two", "Three"}, "syntax error"),
    ],
    ids=["bare-ampersand", "html-entity-without-dtd", "internal-doctype-subset"],
)  # fmt: skip
def test_a_recoverable_feed_is_read_leniently_with_one_warning(
    tmp_path: Path, upstream: Upstream, body: bytes, expected: set[str], fault: str
) -> None:
    upstream.routes["/quirky"] = Reply(200, body)
    upstream.routes["/good"] = Reply(200, rss([rss_item(1)]))
    url = upstream.url("/quirky")
    project = make_project(tmp_path, source(url) + source(upstream.url("/good")))
    result = command(project, "build")
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("Warning:")]
    assert len(warnings) == 1, result.stderr
    assert warnings[0].startswith(f"Warning: {url}: not well-formed XML (")
    assert fault in warnings[0] and warnings[0].endswith("its 3 items were read leniently")
    assert "Error" not in result.stderr and "0 failed" in result.stderr
    assert titles(project) == expected | {"RSS story 1"}
    # Not a failure: no back-off, and status shows none.
    status = command(project, "status")
    assert "failure" not in status.output and "next try" not in status.output, status.output
    # The same document again: nothing new to warn about (cron mails only on news).
    again = command(project, "build")
    assert again.exit_code == 0 and "Warning" not in again.stderr, again.stderr
    assert len(upstream.hits("/quirky")) == 2


def test_a_broken_feed_with_nothing_recoverable_still_fails(
    tmp_path: Path, upstream: Upstream
) -> None:
    upstream.routes["/broken"] = Reply(200, b"<rss><channel><item><title>broken</ti></channel>")
    project = make_project(tmp_path, source(upstream.url("/broken")))
    report = run(project)
    (failure,) = report.failures
    assert "not a valid feed (mismatched tag); check the URL" in str(failure)
    assert not report.warnings


LOL = b"".join(b'<!ENTITY lol%d "%s">\n' % (n, (b"&lol%d;" % (n - 1)) * 10) for n in range(1, 10))
HOSTILE = {
    "billion-laughs": (b'<!DOCTYPE rss [\n<!ENTITY lol0 "lol">\n' + LOL + b"]>\n", b"&lol9;"),
    "xxe-file": (b'<!DOCTYPE rss [\n<!ENTITY xxe SYSTEM "file:///etc/passwd">\n]>\n', b"&xxe;"),
    "xxe-parameter": (
        b'<!DOCTYPE rss [\n<!ENTITY % p SYSTEM "file:///etc/passwd">\n%p;\n]>\n',
        b"&p;",
    ),
    "external-dtd": (b'<!DOCTYPE rss SYSTEM "file:///etc/passwd">\n', b"&ext;"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_entities_are_never_expanded(tmp_path: Path, upstream: Upstream, name: str) -> None:
    # Read leniently or not, a DOCTYPE's entities stay unexpanded: no billion laughs
    # (a few KB that grow to gigabytes), no local file read into a public feed.
    prolog, reference = HOSTILE[name]
    upstream.routes["/hostile"] = Reply(
        200, raw_rss([b"Story " + reference + b" here", b"Second story"], prolog)
    )
    project = make_project(tmp_path, source(upstream.url("/hostile")))
    started = time.perf_counter()
    report = run(project)
    assert time.perf_counter() - started < 10
    assert not report.failures and report.entries == 2
    for fmt in ("atom", "rss"):
        out = (project / "public" / f"digest.{fmt}").read_bytes()
        assert b"lollol" not in out and b"root:" not in out and b"/bin/" not in out
        assert len(out) < 100_000
