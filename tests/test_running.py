"""Living with feedsum under cron: sources that match nothing, and local files offline."""

from __future__ import annotations

import shutil
from pathlib import Path

import feedparser
from click.testing import CliRunner, Result

from feedsum.cli import cli
from tests.conftest import FEED_TOML
from tests.upstream import Reply, Upstream

ARTICLES = 'sources = [{ path = "articles/*.txt" }]'


def build(project: Path, *args: str) -> Result:
    state = str(project / "state.db")
    args = ("build", "--feeds", str(project / "feeds"), "--state", state, *args)
    return CliRunner().invoke(cli, args)


def test_a_pattern_that_matches_nothing_is_named_and_exits_1(tmp_path: Path) -> None:
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    (feeds / "x.toml").write_text(FEED_TOML.replace("articles/*.txt", "nothere/*.txt"))
    result = build(tmp_path)
    assert result.exit_code == 1
    (line,) = [line for line in result.stderr.splitlines() if "matches no file" in line]
    assert "nothere/*.txt" in line and "allow_empty = true" in line
    # Said to be fine: no warning, exit 0, an empty feed.
    toml = FEED_TOML.replace(ARTICLES, 'sources = [{ path = "nothere/*.txt", allow_empty = true }]')
    (feeds / "x.toml").write_text(toml)
    result = build(tmp_path)
    assert result.exit_code == 0 and "matches no file" not in result.stderr
    assert feedparser.parse((tmp_path / "public/x.atom").read_bytes()).entries == []


def test_a_feed_whose_sources_vanish_keeps_its_outputs_until_forced(project: Path) -> None:
    assert build(project).exit_code == 0
    before = (project / "public/test.atom").read_bytes(), (project / "public/test.rss").read_bytes()
    shutil.rmtree(project / "feeds/articles")  # a mount that is gone, a moved folder
    result = build(project)
    assert result.exit_code == 1
    assert "test: its sources now give no entries (it had 3); its outputs are kept" in result.stderr
    after = (project / "public/test.atom").read_bytes(), (project / "public/test.rss").read_bytes()
    assert after == before
    assert build(project).exit_code == 1  # said again: the fault is still there
    # --force publishes the empty feed (with the pattern's warning).
    result = build(project, "--force")
    assert result.exit_code == 1 and "matches no file" in result.stderr
    assert feedparser.parse((project / "public/test.atom").read_bytes()).entries == []


def test_a_feed_filtered_to_nothing_is_written_empty(project: Path) -> None:
    assert build(project).exit_code == 0
    toml = project / "feeds/test.toml"
    toml.write_text(toml.read_text() + '\n[filter]\nexclude = { text = "." }\n')
    assert build(project).exit_code == 0  # every article is still read: that empty is true
    assert feedparser.parse((project / "public/test.atom").read_bytes()).entries == []


def test_a_saved_feed_file_stays_offline_unless_asked(tmp_path: Path, upstream: Upstream) -> None:
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    teaser = (
        f"<item><title>Teaser</title><guid>t1</guid><link>{upstream.url('/page')}</link>"
        "<description>A short teaser. Read more.</description></item>"
    )
    (feeds / "wire.xml").write_text(
        f'<rss version="2.0"><channel><title>W</title>{teaser}</channel></rss>'
    )
    wire = 'sources = [{ kind = "feed", path = "wire.xml", allow_private = true }]'
    (feeds / "d.toml").write_text(FEED_TOML.replace(ARTICLES, wire))
    result = build(tmp_path)
    assert result.exit_code == 0, result.stderr
    assert upstream.requests == []  # not even a connection
    (entry,) = feedparser.parse((tmp_path / "public/d.atom").read_bytes()).entries
    assert entry.title == "Teaser"
    # Asked to: full_text = "auto" fetches the teaser's page.
    asked = wire.replace("}]", ', full_text = "auto" }]')
    (feeds / "d.toml").write_text(FEED_TOML.replace(ARTICLES, asked))
    build(tmp_path, "--force")
    assert [r.path for r in upstream.requests] == ["/page"]


def test_cron_hears_of_a_failure_when_it_begins_changes_or_clears(
    tmp_path: Path, upstream: Upstream
) -> None:
    upstream.routes["/up"] = Reply(503, b"busy")
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    url = upstream.url("/up")
    up = f'sources = [{{ url = "{url}", allow_private = true, full_text = "never" }}]'
    (feeds / "u.toml").write_text(FEED_TOML.replace(ARTICLES, up))
    first = build(tmp_path, "-q")
    assert first.exit_code == 1 and "HTTP 503" in first.stderr
    # Backing off, the same failure: cron (-q) hears nothing, and the exit is 0...
    second = build(tmp_path, "-q")
    assert (second.exit_code, second.stderr) == (0, "")
    # ...while a person running it sees it, and status shows it.
    shown = build(tmp_path)
    assert shown.exit_code == 0 and "Still: " in shown.stderr and "HTTP 503" in shown.stderr
    state = str(tmp_path / "state.db")
    status = CliRunner().invoke(cli, ["status", "--feeds", str(feeds), "--state", state])
    assert "1 failure(s) in a row" in status.output and "HTTP 503" in status.output
    # Tried again (--force) and failing the same way: still quiet.
    assert (build(tmp_path, "-q", "--force").exit_code, len(upstream.requests)) == (0, 2)
    # A different failure is news.
    upstream.routes["/up"] = Reply(404, b"gone")
    changed = build(tmp_path, "-q", "--force")
    assert changed.exit_code == 1 and "HTTP 404" in changed.stderr
    # And so is the end of it (a warning, exit 0).
    upstream.routes["/up"] = Reply(200, b'<rss version="2.0"><channel><title>U</title>'
                                   b"<item><title>Back</title><guid>b</guid><description>"
                                   b"Back at last. It works again.</description></item>"
                                   b"</channel></rss>")  # fmt: skip
    cleared = build(tmp_path, "-q", "--force")
    assert cleared.exit_code == 0
    assert "read again, after 3 failure(s) in a row" in cleared.stderr
