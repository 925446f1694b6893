"""OPML: feeds.opml out, a reader's export in (`feedsum opml import`), and the
round trip: export, import, build gives the same sources and entries."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner, Result

from feedsum.cli import cli
from feedsum.config import load_feed
from feedsum.serve import make_server
from tests.test_jsonfeed import ROOT

READER_EXPORT = """\
<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0">
  <head><title>My subscriptions</title></head>
  <body>
    <outline text="News" title="News">
      <outline type="rss" text="Valley Post" title="Valley Post"
               xmlUrl="https://valleypost.example.org/feed.xml" htmlUrl="https://valleypost.example.org/"/>
      <outline type="rss" text="Wire" xmlUrl="https://wire.example.org/rss"/>
    </outline>
    <outline type="rss" text="Valley Post again" xmlUrl="https://valleypost.example.org/feed.xml"/>
    <outline type="rss" text="A script" xmlUrl="javascript:alert(1)"/>
    <outline type="rss" title="Blog &amp; notes" xmlUrl="http://blog.example.net/atom.xml"/>
  </body>
</opml>
"""


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def test_import_keeps_titles_and_drops_duplicates(tmp_path: Path) -> None:
    export = tmp_path / "subs.opml"
    export.write_text(READER_EXPORT)
    result = run("opml", "import", str(export), "--name", "digest", "--feeds", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert f"wrote {tmp_path / 'digest.toml'}: 3 sources" in result.output
    assert f"{export}:10: https://valleypost.example.org/feed.xml is listed again" in result.output
    assert "(first at line 7)" in result.output
    assert f"{export}:11: xmlUrl 'javascript:alert(1)' is not an http(s) URL" in result.output
    config = load_feed(tmp_path / "digest.toml")
    assert config.title == "My subscriptions"
    assert [(s.kind, s.url) for s in config.sources] == [
        ("feed", "https://valleypost.example.org/feed.xml"),
        ("feed", "https://wire.example.org/rss"),
        ("feed", "http://blog.example.net/atom.xml"),
    ]
    text = (tmp_path / "digest.toml").read_text()
    assert "# Valley Post\n[[sources]]" in text and "# Blog & notes\n" in text
    # An existing feed file is never overwritten.
    again = run("opml", "import", str(export), "--name", "digest", "--feeds", str(tmp_path))
    assert again.exit_code == 1 and "exists; pass --name" in again.output


@pytest.mark.parametrize(
    "text, where, problem",
    [
        ("<opml>\n<head>\n</opml>", ":3:", "not well-formed XML"),
        ("<rss version='2.0'/>", ":1:", "not <opml>"),
        ("<opml><body><outline text='x'/></body></opml>", "opml:", "no subscriptions"),
        ('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><opml><body>'
         '<outline xmlUrl="https://a.example/&e;"/></body></opml>', ":1:", "external entity"),
    ],
)  # fmt: skip
def test_a_broken_export_is_named_by_line(
    tmp_path: Path, text: str, where: str, problem: str
) -> None:
    export = tmp_path / "bad.opml"
    export.write_text(text)
    result = run("opml", "import", str(export), "--feeds", str(tmp_path / "feeds"))
    assert result.exit_code == 1 and problem in result.output and where in result.output
    assert "root:" not in result.output
    assert not (tmp_path / "feeds/bad.toml").exists()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """The example and digest feeds built for a site on 127.0.0.1, served by `serve`."""
    project = tmp_path / "site"
    shutil.copytree(ROOT / "feeds", project / "feeds")
    server = make_server(project / "feeds", "127.0.0.1", 0, quiet=True)  # root set below
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    server.server_close()
    for name in ("example", "digest"):
        toml = project / "feeds" / f"{name}.toml"
        text = toml.read_text().replace('base_url = "https://example.org/feeds/"\n', "")
        toml.write_text(text.replace("\ntitle =", f'\nbase_url = "{base}"\ntitle =', 1))
    built = run("build", "--feeds", str(project / "feeds"))
    assert built.exit_code == 0, built.output
    server = make_server(project / "public", "127.0.0.1", int(base.rsplit(":", 1)[1][:-1]), True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield project, base
    finally:
        server.shutdown()
        server.server_close()


def test_export_import_build_gives_the_same_sources_and_entries(
    served: tuple[Path, str],
) -> None:
    project, base = served
    exported = project / "public/feeds.opml"
    mine = tmp = project / "mine"
    result = run(
        "opml", "import", str(exported), "--name", "everything", "--feeds", str(tmp),
        "--allow-private", "--link", "https://me.example.org/",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    config = load_feed(mine / "everything.toml")
    assert [s.url for s in config.sources] == [f"{base}digest.atom", f"{base}example.atom"]
    toml = mine / "everything.toml"
    toml.write_text(toml.read_text() + '\n[output]\ndir = "out"\n')
    built = run("build", "--feeds", str(mine), "--state", str(project / "mine.db"))
    assert built.exit_code == 0, built.output
    merged = feedparser.parse((mine / "out/everything.atom").read_bytes())
    upstream = [
        feedparser.parse((project / f"public/{name}.atom").read_bytes()).entries
        for name in ("digest", "example")
    ]
    assert {e.id for e in merged.entries} == {e.id for feed in upstream for e in feed}
    assert {e.title for e in merged.entries} == {e.title for feed in upstream for e in feed}
    # Each entry names the feed it came from, and links where that feed linked.
    links = {e.id: e.link for feed in upstream for e in feed}
    assert all(e.link == links[e.id] for e in merged.entries)
    assert {e.source.title for e in merged.entries} == {"Valley digest", "feedsum example news"}
