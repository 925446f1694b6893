"""Shared fixtures: a throwaway project folder with a feed and articles."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.upstream import Upstream, serve

SHARED = Path(__file__).resolve().parents[2] / "shared"
SEED = SHARED / "seeds" / "000_e1a1f62939dbe07c.txt"

FEED_TOML = """\
title = "Test feed"
link = "https://news.example.net/"
base_url = "https://news.example.net/feeds/"
author = "Test desk"
tag_date = 2024-01-01
sources = [{ path = "articles/*.txt" }]

[summary]
algorithm = "lexrank"
sentences = 2
"""

ARTICLES = {
    "a-harbour.txt": (
        " date 2024-03-01 The harbour ferry will run every hour from May, the port said on "
        "Monday. The new timetable doubles the number of crossings.\n\n"
        "Officials said demand had grown for three years. Commuters welcomed the change. "
        '"It saves me an hour a day," said one rider.\n\n'
        "Port Authority\n\n"
        "The ferry company plans to buy two more boats next year. "
        "Each boat carries 300 passengers.\n\nRELATED CONTENT:\n\nOld ferry story\n"
    ),
    "b-library.txt": (
        "title A library opens & <everyone> comes\n"
        " date 2024-03-02 The new library opened its doors on Saturday to a queue of readers. "
        "It holds 80,000 books and a café.\n\n"
        "The building cost €12 million, the council said. Its roof garden is open until dusk. "
        "Children's reading hours start next week.\n"
    ),
    "c-undated.txt": (
        "Rain is expected across the valley through the weekend, forecasters said. "
        "Rivers may rise by a metre. Farmers have moved livestock to higher ground. "
        "The warning will be reviewed on Sunday.\n"
    ),
}


@pytest.fixture
def seed_text() -> str:
    if not SEED.is_file():
        pytest.skip(f"the original seed is not at {SEED} (shared/ is absent)")
    return SEED.read_text(encoding="utf-8")


def write_articles(folder: Path, articles: dict[str, str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in articles.items():
        (folder / name).write_text(text, encoding="utf-8")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project folder: feeds/test.toml, feeds/articles/*.txt; outputs go to public/."""
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    (feeds / "test.toml").write_text(FEED_TOML, encoding="utf-8")
    write_articles(feeds / "articles", ARTICLES)
    return tmp_path


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    """A real HTTP server on 127.0.0.1 (tests/upstream.py), one per test."""
    yield from serve()


@pytest.fixture(autouse=True)
def no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loopback only: no proxy from the environment may see a test's requests."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
