"""Filter rules: RE2 in linear time, Python's semantics where RE2 has them, and the
patterns RE2 cannot run refused when the feed file is read."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from feedsum.config import parse_feed
from feedsum.errors import ConfigError
from feedsum.filters import Filters
from feedsum.model import Article

BASE: dict[str, Any] = {
    "title": "T",
    "link": "https://example.org/",
    "sources": [{"path": "a/*.txt"}],
}


def filters(**rules: Any) -> Filters:
    """The filters a feed file's [filter] table gives."""
    return parse_feed(Path("feeds/f.toml"), {**BASE, "filter": rules}).filters


def article(
    title: str = "A title", author: str | None = None, tags: tuple[str, ...] = ()
) -> Article:
    return Article(id="x", origin="a/x.txt", body="", title=title, author=author, tags=tags)


@pytest.mark.parametrize("pattern", ["(a+)+$", "(a|aa)+$", "(a*)*b", r"(\w+\s?)+$"])
def test_catastrophic_patterns_run_in_linear_time(pattern: str) -> None:
    # With Python's re, "(a+)+$" on 26 a's and a "!" took 8.9 s, x1.7 per extra a:
    # 40 would be hours. RE2 reads each character a bounded number of times.
    rules = filters(exclude={"text": pattern, "title": pattern})
    text = "a" * 40 + "!"
    started = time.perf_counter()
    assert rules.keeps(article(title=text), [text] * 20)  # no match: kept
    assert time.perf_counter() - started < 0.5
    long = "a" * 200_000 + "!"
    started = time.perf_counter()
    assert rules.keeps(article(title=long), [long])
    assert time.perf_counter() - started < 0.5


def test_catastrophic_pattern_still_matches_what_it_should() -> None:
    rules = filters(exclude={"text": "(a+)+$"})
    assert not rules.keeps(article(), ["b", "a" * 40])
    assert rules.keeps(article(), ["a" * 40 + "!"])


SPONSORED = {"exclude": {"title": "Sponsored"}}
ANY_CASE = {"exclude": {"title": "(?i)sponsored"}}
AD_DESK = {"include": {"author": "^Ad desk$"}}
CULTURE = {"exclude": {"tags": "^culture$"}}


@pytest.mark.parametrize(
    ("rules", "one", "kept"),
    [
        # Case-sensitive unless the pattern says (?i), as with Python's re.
        (SPONSORED, article("SPONSORED post"), True),
        (SPONSORED, article("Sponsored"), False),
        (ANY_CASE, article("Ours"), True),
        (ANY_CASE, article("a SPONSORED b"), False),
        # (?i) folds case beyond ASCII.
        ({"exclude": {"title": "(?i)été"}}, article("L'ÉTÉ arrive"), False),
        # A search, not a full match; ^ and $ anchor the whole field.
        ({"exclude": {"title": "rail"}}, article("Night trains on the rails"), False),
        (AD_DESK, article(author="Ad desk"), True),
        (AD_DESK, article(author="The Ad desk"), False),
        (AD_DESK, article(author=None), False),
        # Each tag on its own.
        (CULTURE, article(tags=("agriculture",)), True),
        (CULTURE, article(tags=("news", "culture")), False),
        # A list: any of its patterns.
        ({"exclude": {"title": ["rail", "tram"]}}, article("A tram"), False),
        ({"exclude": {"title": ["rail", "tram"]}}, article("A bus"), True),
    ],
)
def test_rules_keep_their_meaning(rules: dict[str, Any], one: Article, kept: bool) -> None:
    assert filters(**rules).keeps(one, []) is kept


def test_text_rules_search_each_paragraph() -> None:
    rules = filters(exclude={"text": "^Sponsored by"})
    assert not rules.keeps(article(), ["First paragraph.", "Sponsored by a bank."])
    assert rules.keeps(article(), ["First paragraph. Sponsored by a bank."])


@pytest.mark.parametrize(
    ("pattern", "problem", "fix"),
    [
        (r"(a)\1", "RE2 does not support backreferences", "rewrite the pattern without them"),
        (r"(?P<w>a)(?P=w)", "RE2 does not support backreferences", "without them"),
        ("foo(?=bar)", "RE2 does not support lookahead or lookbehind", "without them"),
        ("(?<!not )sponsored", "RE2 does not support lookahead or lookbehind", "without them"),
        (r"end\Z", r"RE2 cannot run it (invalid escape sequence: \Z)", "in RE2's syntax"),
        ("(unclosed", "not a valid regular expression (missing ), unterminated", "fix the pattern"),
    ],
)
def test_a_pattern_re2_cannot_run_is_a_config_error(pattern: str, problem: str, fix: str) -> None:
    with pytest.raises(ConfigError) as info:
        filters(exclude={"text": ["ok", pattern]})
    message = str(info.value)
    assert message.startswith(f"feeds/f.toml: filter.exclude.text[1]: {problem}"), message
    assert message.endswith(fix), message
    assert info.value.key == "filter.exclude.text[1]"


def test_rules_survive_pickling_to_workers() -> None:
    import pickle

    rules = filters(include={"title": "(?i)rail"})
    again = pickle.loads(pickle.dumps(rules))
    assert again.keeps(article("RAIL news"), []) and not again.keeps(article("Bus"), [])
    assert again.key() == rules.key()


def test_an_entry_dated_year_9999_never_overflows_the_age_limit() -> None:
    # An upstream may date an item 9999-12-31: its expiry is past what a datetime holds.
    from datetime import UTC, datetime

    rules = filters(max_age_days=30)
    assert rules.expires(datetime(9999, 12, 31, tzinfo=UTC)) is None
    assert rules.expires(datetime(2025, 1, 1, tzinfo=UTC)) == datetime(2025, 1, 31, tzinfo=UTC)
    assert filters().expires(datetime(2025, 1, 1, tzinfo=UTC)) is None
