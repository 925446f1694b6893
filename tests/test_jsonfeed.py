"""JSON Feed 1.1: valid by a schema written from the spec, and read back by
feedsum's own `feed` source with what the Atom feed says."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import feedparser
import jsonschema
import pytest
from click.testing import CliRunner

from feedsum.cli import cli
from feedsum.sources.feed import parse

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((Path(__file__).parent / "data/jsonfeed-1.1.schema.json").read_text())


def build(project: Path, *names: str) -> None:
    result = CliRunner().invoke(cli, ["build", "--feeds", str(project / "feeds"), *names])
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example and digest feeds, built once."""
    project = tmp_path_factory.mktemp("site")
    shutil.copytree(ROOT / "feeds", project / "feeds")
    build(project)
    return project


def validator() -> jsonschema.protocols.Validator:
    cls = jsonschema.validators.validator_for(SCHEMA)
    cls.check_schema(SCHEMA)
    return cls(SCHEMA, format_checker=cls.FORMAT_CHECKER)


@pytest.mark.parametrize("name", ["example", "digest"])
def test_the_json_feed_is_valid_json_feed_1_1(built: Path, name: str) -> None:
    feed = json.loads((built / f"public/{name}.json").read_bytes())
    validator().validate(feed)
    assert feed["feed_url"].endswith(f"/{name}.json")
    assert all(item["content_html"] and item["content_text"] for item in feed["items"])


@pytest.mark.parametrize(
    "change",
    [
        lambda f: f.update(version="https://jsonfeed.org/version/1"),
        lambda f: f["items"][0].pop("id"),
        lambda f: f["items"][0].update(date_published="3 April 2025"),
        lambda f: f["items"][0].update(url="/relative"),
        lambda f: [f["items"][0].pop(k) for k in ("content_html", "content_text")],
        lambda f: f.update(author="a string"),
    ],
)
def test_the_schema_refuses_what_the_spec_does(built: Path, change: Any) -> None:
    feed = json.loads((built / "public/example.json").read_bytes())
    change(feed)
    with pytest.raises(jsonschema.ValidationError):
        validator().validate(feed)


def test_upstream_items_carry_external_url_and_attribution(built: Path) -> None:
    feed = json.loads((built / "public/digest.json").read_bytes())
    wire = next(
        i for i in feed["items"] if i["title"] == "Rail line reopens after landslip repairs"
    )
    assert wire["external_url"] == wire["url"] and wire["url"].startswith("https://")
    assert wire["_feedsum"]["source_title"] == "Regional wire"
    assert wire["authors"] == [{"name": "Transport correspondent"}]
    # A local article without a link of its own links to its page on the site.
    pages = "https://news.example.org/digest/digest/"
    local = [i for i in feed["items"] if i["id"].startswith("tag:")]
    assert local and all(i["url"].startswith(pages) for i in local)


@pytest.mark.parametrize("name", ["example", "digest"])
def test_read_back_by_the_feed_source_it_says_what_atom_says(built: Path, name: str) -> None:
    data = (built / f"public/{name}.json").read_bytes()
    items, errors, warnings = parse(data, origin=name, source=name)
    assert (errors, warnings) == ([], [])
    atom = feedparser.parse((built / f"public/{name}.atom").read_bytes())
    assert not atom.bozo
    read = [(i.article.id, i.article.title, i.article.published) for i in items]
    shown = [(e.id, e.title, _utc(e.published)) for e in atom.entries]
    assert read == shown and len(read) >= 6
    # The links an entry opens are the same, and so is each summary.
    assert [i.article.link for i in items] == [e.link for e in atom.entries]
    summaries = [i["summary"] for i in json.loads(data)["items"]]
    assert summaries == [e.summary for e in atom.entries]


def test_a_feed_of_the_json_feed_summarizes_to_the_same_entries(built: Path) -> None:
    # The whole round trip: a feed whose source is the example's JSON Feed shows the
    # example's ids, titles, dates and links. (Not always its summaries: a derived
    # title comes back as a given one, and NewsRank weighs a given title.)
    relay = built / "feeds/relay.toml"
    relay.write_text(
        (built / "feeds/example.toml")
        .read_text()
        .replace('sources = [{ path = "example/*.txt" }]', "")
        .replace(
            "[summary]",
            '[[sources]]\nkind = "feed"\npath = "../public/example.json"\n'
            'full_text = "never"\n\n[summary]',
        )
    )
    build(built, "relay")
    ours = feedparser.parse((built / "public/example.atom").read_bytes()).entries
    again = feedparser.parse((built / "public/relay.atom").read_bytes()).entries
    fields = ("id", "title", "published", "updated", "link")
    assert [[e[f] for f in fields] for e in again] == [[e[f] for f in fields] for e in ours]


def _utc(text: str) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(text)
