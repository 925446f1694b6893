"""What one build may spend on an upstream: pages per build, items per source."""

from __future__ import annotations

import shutil
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

from tests.test_upstream import NOW, make_project, paragraphs_html, rss, run, source, story, titles
from tests.upstream import Reply, Upstream


def dated(hours: int) -> str:
    return format_datetime(NOW - timedelta(hours=hours), usegmt=True)


def teasers(upstream: Upstream, count: int) -> list[dict[str, str]]:
    """Teaser items, newest (t0) first, each with its page on the server."""
    items = []
    for n in range(count):
        page = f"<html><body><article>{paragraphs_html(story(n))}</article></body></html>"
        upstream.routes[f"/page/{n}"] = Reply(200, page.encode())
        items.append({"title": f"t{n}", "link": upstream.url(f"/page/{n}"), "guid": f"t{n}",
                      "date": dated(n), "summary": "A teaser. Read more."})  # fmt: skip
    return items


def pages_asked(upstream: Upstream) -> list[str]:
    return [r.path for r in upstream.requests if r.path.startswith("/page/")]


def test_pages_past_the_budget_wait_for_the_next_build_newest_first(
    tmp_path: Path, upstream: Upstream
) -> None:
    upstream.routes["/rss"] = Reply(200, rss(list(reversed(teasers(upstream, 5)))))
    project = make_project(tmp_path, source(upstream.url("/rss")), "page_budget = 2")
    report = run(project)
    assert sorted(pages_asked(upstream)) == ["/page/0", "/page/1"]  # the two newest
    assert titles(project) == {"t0", "t1"}
    assert not report.failures
    assert report.warnings == (
        "3 item(s) wait for their page until the next build: past [fetch] page_budget = 2 "
        "pages per build",
    )
    # The next cron run goes on where this one stopped, though nothing changed upstream.
    run(project, NOW + timedelta(minutes=5))
    assert sorted(pages_asked(upstream)) == [f"/page/{n}" for n in range(4)]
    report = run(project, NOW + timedelta(minutes=10))
    assert titles(project) == {f"t{n}" for n in range(5)} and not report.warnings
    assert len(pages_asked(upstream)) == 5  # each page once


def test_a_failing_page_backs_off_and_does_not_spend_the_budget(
    tmp_path: Path, upstream: Upstream
) -> None:
    items = teasers(upstream, 3)
    upstream.routes["/page/0"] = Reply(503, b"busy")
    upstream.routes["/rss"] = Reply(200, rss(items))
    project = make_project(tmp_path, source(upstream.url("/rss")), "page_budget = 2")
    run(project)  # t0 fails, t1 is fetched, t2 waits for the budget
    assert titles(project) == {"t1"}
    report = run(project, NOW + timedelta(minutes=1))  # t0 rests: t2 gets its place
    assert titles(project) == {"t1", "t2"} and not report.failures
    assert pages_asked(upstream).count("/page/0") == 1
    # Back-off doubles: 10 minutes after the first failure, 20 after the second.
    run(project, NOW + timedelta(minutes=10))
    assert pages_asked(upstream).count("/page/0") == 2
    run(project, NOW + timedelta(minutes=29))
    assert pages_asked(upstream).count("/page/0") == 2
    run(project, NOW + timedelta(minutes=30))
    assert pages_asked(upstream).count("/page/0") == 3


def test_only_the_newest_items_of_a_huge_upstream_are_taken(
    tmp_path: Path, upstream: Upstream
) -> None:
    # 5,000 items, oldest first (the newest are last in the document).
    items = [
        {"title": f"i{n}", "guid": f"i{n}", "link": f"https://w.example.org/{n}",
         "date": format_datetime(datetime(2020, 1, 1, tzinfo=UTC) + timedelta(hours=n),
                                 usegmt=True),
         "text": f"Item {n} says the council met. It agreed plan {n} after a vote."}
        for n in range(5000)
    ]  # fmt: skip
    upstream.routes["/rss"] = Reply(200, rss(items))
    project = make_project(tmp_path, source(upstream.url("/rss"), "never"))
    toml = tmp_path / "feeds/digest.toml"
    toml.write_text(toml.read_text().replace("max_bytes = 200000", "max_bytes = 5_000_000"))
    started = time.monotonic()
    report = run(project)
    assert report.summarized == 200 and report.entries == 50  # the defaults
    assert titles(project) == {f"i{n}" for n in range(4950, 5000)}
    assert time.monotonic() - started < 20
    # Set lower, from scratch (a digest keeps the items it has seen, and a lost
    # state re-imports what the feed published).
    toml.write_text(toml.read_text() + "max_items_per_source = 10\n")
    for done in (".feedsum", "public"):
        shutil.rmtree(tmp_path / done)
    report = run(project)
    assert report.summarized == report.entries == 10
    assert titles(project) == {f"i{n}" for n in range(4990, 5000)}


def test_an_item_whose_page_waits_keeps_its_last_entry(tmp_path: Path, upstream: Upstream) -> None:
    items = teasers(upstream, 1)
    upstream.routes["/rss"] = Reply(200, rss(items))
    project = make_project(tmp_path, source(upstream.url("/rss")))
    run(project)
    assert titles(project) == {"t0"}
    # The item changes upstream, and its page now fails: its entry stays as it was.
    upstream.routes["/rss"] = Reply(200, rss([{**items[0], "title": "t0, updated"}]))
    upstream.routes["/page/0"] = Reply(503, b"busy")
    report = run(project, NOW + timedelta(minutes=1))
    assert report.failures and titles(project) == {"t0"}
    upstream.routes["/page/0"] = Reply(200, b"<article>" + story(0).encode() + b"</article>")
    run(project, NOW + timedelta(minutes=11))
    assert titles(project) == {"t0, updated"}
