"""Feed files: parse_feed defaults and errors, load_feed, find_feeds."""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedsum.config import FeedConfig, SourceConfig, find_feeds, load_feed, parse_feed
from feedsum.errors import ConfigError
from feedsum.model import Length, SummarySettings
from feedsum.safety import xml_text
from feedsum.summarize import ALGORITHMS

BASE: dict[str, str] = {
    "title": '"My feed"',
    "link": '"https://example.org/blog/"',
    "sources": '[{ path = "articles/*.txt" }]',
}


def feed_toml(
    top: dict[str, str | None] | None = None,
    summary: str = "",
    output: str = "",
) -> str:
    """A feed file: BASE with `top` overrides (None drops a key), then [summary], [output]."""
    values: dict[str, str | None] = {**BASE, **(top or {})}
    lines = [f"{key} = {value}" for key, value in values.items() if value is not None]
    if summary:
        lines += ["", "[summary]", summary]
    if output:
        lines += ["", "[output]", output]
    return "\n".join(lines) + "\n"


def write_feed(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def parse_text(path: Path, text: str) -> FeedConfig:
    return parse_feed(path, tomllib.loads(text))


@pytest.fixture
def feed_path(tmp_path: Path) -> Path:
    """Where the feed file would live: <tmp>/feeds/news.toml (parse_feed needs no file)."""
    return tmp_path / "feeds" / "news.toml"


# --- a valid feed -----------------------------------------------------------------------------


def test_minimal_feed_gets_documented_defaults(tmp_path: Path) -> None:
    path = write_feed(tmp_path / "feeds", "news", feed_toml())
    config = load_feed(path)

    assert config.name == "news"
    assert config.path == path
    assert config.root == tmp_path / "feeds"
    assert config.title == "My feed"
    assert config.link == "https://example.org/blog/"
    assert config.description == "My feed"
    assert config.base_url == "https://example.org/blog/"
    assert config.author == "example.org"
    assert config.language == "en"
    assert config.timezone.key == "UTC"
    assert config.tag_date == date(2024, 1, 1)
    assert config.sources == (SourceConfig(pattern="articles/*.txt", kind="textfile"),)
    assert config.summary == SummarySettings(
        algorithm="newsrank", length=Length(kind="sentences", value=3), language="english"
    )
    assert config.output_dir == tmp_path / "public"
    assert ".." not in config.output_dir.parts
    assert config.formats == ("atom", "rss", "json", "html")
    assert config.templates is None
    assert config.max_items == 50
    assert config.full_content is True
    assert config.domain == "example.org"
    assert config.self_url("rss") == "https://example.org/blog/news.rss"
    assert config.self_url("atom") == "https://example.org/blog/news.atom"


def test_output_dir_is_normalised_for_a_relative_feed_path() -> None:
    config = parse_text(Path("feeds") / "news.toml", feed_toml())
    assert config.output_dir == Path("public")
    config = parse_text(Path("feeds") / "news.toml", feed_toml(output='dir = "out/./site"'))
    assert config.output_dir == Path("feeds") / "out" / "site"


def test_self_url_uses_base_url_with_or_without_trailing_slash(feed_path: Path) -> None:
    for base in ('"https://cdn.example.com/feeds/"', '"https://cdn.example.com/feeds"'):
        config = parse_text(feed_path, feed_toml({"base_url": base}))
        assert config.self_url("atom") == "https://cdn.example.com/feeds/news.atom"
        # The domain (used in tag: ids) follows link, not base_url.
        assert config.domain == "example.org"


def test_explicit_values_are_kept(feed_path: Path) -> None:
    text = feed_toml(
        {
            "description": '"All the news"',
            "author": '"News desk"',
            "language": '"fr"',
            "timezone": '"Europe/Paris"',
            "tag_date": "2023-05-06",
            "sources": '[{ path = "a/*.txt" }, { path = "b/*.txt", kind = "textfile" }]',
        },
        summary='algorithm = "textrank"\nratio = 0.25',
        output='dir = "site"\nformats = ["rss"]\nmax_items = 7\nfull_content = false',
    )
    config = parse_text(feed_path, text)
    assert config.description == "All the news"
    assert config.author == "News desk"
    assert config.language == "fr"
    assert config.timezone.key == "Europe/Paris"
    assert config.tag_date == date(2023, 5, 6)
    assert [s.pattern for s in config.sources] == ["a/*.txt", "b/*.txt"]
    assert config.summary.algorithm == "textrank"
    assert config.summary.length == Length(kind="ratio", value=0.25)
    assert config.output_dir == feed_path.parent / "site"
    assert config.formats == ("rss",)
    assert config.max_items == 7
    assert config.full_content is False


@pytest.mark.parametrize(
    ("summary", "length"),
    [
        ("sentences = 1", Length(kind="sentences", value=1)),
        ("sentences = 50", Length(kind="sentences", value=50)),
        ("ratio = 1", Length(kind="ratio", value=1.0)),
        ("words = 120", Length(kind="words", value=120)),
    ],
)
def test_summary_length_limits_accepted(feed_path: Path, summary: str, length: Length) -> None:
    assert parse_text(feed_path, feed_toml(summary=summary)).summary.length == length


@pytest.mark.parametrize(
    ("summary", "ranked"),
    [
        ("", 300),
        ("max_sentences = 0", 0),
        ("max_sentences = 50", 50),
        ("max_sentences = 5000", 5000),
    ],
)
def test_max_sentences_accepted(feed_path: Path, summary: str, ranked: int) -> None:
    config = parse_text(feed_path, feed_toml(summary=summary or 'algorithm = "lexrank"'))
    assert config.summary.max_sentences == ranked


# --- errors -----------------------------------------------------------------------------------

ERRORS = [
    pytest.param(feed_toml({"title": None}), "title", ["missing", "add title ="], id="no-title"),
    pytest.param(
        feed_toml({"link": '"ftp://example.org/"'}), "link", ["http(s) URL"], id="ftp-link"
    ),
    pytest.param(feed_toml({"link": '"example.org"'}), "link", ["http(s) URL"], id="relative-link"),
    pytest.param(
        feed_toml(summary="sentences = 0"), "summary.sentences", ["from 1 to 50"], id="sent-0"
    ),
    pytest.param(
        feed_toml(summary="sentences = 51"), "summary.sentences", ["from 1 to 50"], id="sent-51"
    ),
    pytest.param(
        feed_toml(summary="max_sentences = 49"),
        "summary.max_sentences",
        ["got 49", "0 (rank every sentence) or a whole number from 50 to 100_000"],
        id="max-sentences-49",
    ),
    pytest.param(
        feed_toml(summary="max_sentences = -1"),
        "summary.max_sentences",
        ["got -1", "from 50 to 100_000"],
        id="max-sentences-negative",
    ),
    pytest.param(
        feed_toml(summary='max_sentences = "300"'),
        "summary.max_sentences",
        ["got '300'", "whole number"],
        id="max-sentences-string",
    ),
    pytest.param(
        feed_toml(summary="sentences = true"),
        "summary.sentences",
        ["got True", "whole number"],
        id="sent-bool",
    ),
    pytest.param(
        feed_toml(summary="sentences = 3\nratio = 0.5"),
        "summary.ratio",
        ["both sentences and ratio", "keep one"],
        id="sent-and-ratio",
    ),
    pytest.param(
        feed_toml(summary="ratio = 0"),
        "summary.ratio",
        ["above 0 and at most 1"],
        id="ratio-0",
    ),
    pytest.param(
        feed_toml(summary="ratio = 1.5"),
        "summary.ratio",
        ["above 0 and at most 1"],
        id="ratio-1.5",
    ),
    pytest.param(
        feed_toml(summary='algorithm = "bogus"'),
        "summary.algorithm",
        ["'bogus'", "use one of:", "lexrank", "textrank", "lead"],
        id="bad-algorithm",
    ),
    pytest.param(
        feed_toml({"titel": '"Typo"'}),
        "titel",
        ["unknown key", "title, link"],
        id="unknown-top-key",
    ),
    pytest.param(
        feed_toml(summary="sentnces = 3"),
        "summary.sentnces",
        ["unknown key", "sentences"],
        id="unknown-summary-key",
    ),
    pytest.param(
        feed_toml({"timezone": '"Mars/Olympus_Mons"'}),
        "timezone",
        ["Mars/Olympus_Mons", "IANA name"],
        id="bad-timezone",
    ),
    pytest.param(
        feed_toml(output="formats = []"),
        "output.formats",
        ['non-empty list from "atom", "rss"'],
        id="formats-empty",
    ),
    pytest.param(
        feed_toml(output='formats = ["pdf"]'),
        "output.formats",
        ["'pdf'", '"atom", "rss"'],
        id="formats-pdf",
    ),
    pytest.param(
        feed_toml(output='formats = ["atom", "atom"]'),
        "output.formats",
        ["each once"],
        id="formats-duplicate",
    ),
    pytest.param(
        feed_toml(output="max_items = 0"), "output.max_items", ["at least 1"], id="max-items-0"
    ),
    pytest.param(
        feed_toml({"sources": '[{ path = "/srv/articles/*.txt" }]'}),
        "sources[0].path",
        ["relative to the feed file"],
        id="absolute-source",
    ),
    pytest.param(
        feed_toml({"sources": "[]"}), "sources", ["empty", "at least one"], id="no-sources"
    ),
]


@pytest.mark.parametrize(("text", "key", "fragments"), ERRORS)
def test_config_errors_name_file_key_and_fix(
    feed_path: Path, text: str, key: str, fragments: list[str]
) -> None:
    with pytest.raises(ConfigError) as info:
        parse_text(feed_path, text)
    message = str(info.value)
    assert message.startswith(f"{feed_path}: {key}: "), message
    assert info.value.key == key
    assert info.value.path == str(feed_path)
    for fragment in fragments:
        assert fragment in message, (fragment, message)


def test_tag_date_must_be_a_date_not_a_datetime(feed_path: Path) -> None:
    # A TOML datetime is a Python datetime, a subclass of date: it must still be refused,
    # or entry ids become "tag:example.org,2024-01-01T10:00:00:..." (not RFC 4151).
    with pytest.raises(ConfigError) as info:
        parse_text(feed_path, feed_toml({"tag_date": "2024-01-01T10:00:00"}))
    assert str(info.value).startswith(f"{feed_path}: tag_date: ")


def test_load_feed_invalid_toml(tmp_path: Path) -> None:
    path = write_feed(tmp_path, "broken", 'title = "unterminated\nlink = "x"\n')
    with pytest.raises(ConfigError) as info:
        load_feed(path)
    assert str(info.value).startswith(f"{path}: not valid TOML")
    assert "fix the syntax" in str(info.value)


def test_load_feed_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.toml"
    with pytest.raises(ConfigError) as info:
        load_feed(path)
    assert str(info.value).startswith(f"{path}: no such feed file")
    assert info.value.key == ""


def test_load_feed_reports_key_errors_with_the_real_path(tmp_path: Path) -> None:
    path = write_feed(tmp_path / "feeds", "news", feed_toml(output="max_items = 0"))
    with pytest.raises(ConfigError, match=r"output\.max_items") as info:
        load_feed(path)
    assert str(info.value).startswith(f"{path}: output.max_items: ")


# --- find_feeds -------------------------------------------------------------------------------


@pytest.fixture
def feeds_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "feeds"
    for name in ("zeta", "alpha", "mid"):
        write_feed(folder, name, feed_toml())
    (folder / "notes.txt").write_text("not a feed\n", encoding="utf-8")
    return folder


def test_find_feeds_all_sorted(feeds_dir: Path) -> None:
    assert find_feeds(feeds_dir) == (
        feeds_dir / "alpha.toml",
        feeds_dir / "mid.toml",
        feeds_dir / "zeta.toml",
    )


def test_find_feeds_named_with_or_without_suffix(feeds_dir: Path) -> None:
    assert find_feeds(feeds_dir, ("zeta", "alpha.toml")) == (
        feeds_dir / "zeta.toml",
        feeds_dir / "alpha.toml",
    )


def test_find_feeds_unknown_name_lists_known_ones(feeds_dir: Path) -> None:
    with pytest.raises(ConfigError) as info:
        find_feeds(feeds_dir, ("alpha", "nope"))
    message = str(info.value)
    assert message.startswith(f"{feeds_dir / 'nope.toml'}: no such feed")
    assert "use one of: alpha, mid, zeta" in message


def test_find_feeds_missing_folder(tmp_path: Path) -> None:
    folder = tmp_path / "nowhere"
    with pytest.raises(ConfigError) as info:
        find_feeds(folder)
    assert str(info.value).startswith(f"{folder}: no such feeds folder")


def test_find_feeds_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"no feed files \(\*\.toml\)"):
        find_feeds(tmp_path)


# Any feed file TOML can hold: parse_feed accepts it or raises a ConfigError that
# names the file, never another exception (a traceback in a cron mail). Valid
# tables with one key given any value (a typo, a wrong type), or none.
_STRINGS = [
    *("newsrank", "sumy:lexrank", "textfile", "feed", "auto", "never", "atom", "rss"),
    *("Not/AZone", "../x", "(", "[a-z]+", "http://", "ftp://x.org/", "mailto:a@b.c"),
    *("english", "title", "text", "", " ", "a\x00b", "../" * 40, "*" * 300),
]
_SCALARS = st.one_of(
    st.sampled_from(_STRINGS),
    st.integers(min_value=-1, max_value=400),
    st.booleans(),
    st.text(max_size=8),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False),
    st.dates(),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(_STRINGS) | st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)
_URL = st.just("https://x.org/feed")
# Text a feed can carry: a control character is a ConfigError (tested below).
_TEXT = st.text().filter(lambda t: xml_text(t) == t)
_VALID: dict[str, dict[str, st.SearchStrategy[Any]]] = {
    "": {
        "title": _TEXT.filter(str.strip),
        "base_url": _URL,
        "description": _TEXT,
        "author": _TEXT,
        "language": st.just("en"),
        "timezone": st.sampled_from(["UTC", "Europe/Paris"]),
        "tag_date": st.dates(),
    },
    "summary": {
        "algorithm": st.sampled_from(sorted(ALGORITHMS)),
        "sentences": st.integers(1, 50),
        "language": st.just("english"),
        "max_sentences": st.just(0) | st.integers(50, 5000),
    },
    "output": {
        "dir": st.just("public"),
        "formats": st.sampled_from([["atom"], ["rss"], ["atom", "rss"]]),
        "max_items": st.integers(1, 500),
        "full_content": st.booleans(),
    },
    "filter": {
        "include": st.just({"title": "[a-z]+"}),
        "exclude": st.just({"text": ["spam", "(?i)sponsored"]}),
        "max_age_days": st.integers(0, 365),
    },
    "fetch": {
        "timeout": st.floats(0.1, 60.0),
        "connect_timeout": st.floats(0.1, 60.0),
        "max_bytes": st.integers(1024, 10**8),
        "max_redirects": st.integers(0, 10),
    },
    "sources[0]": {"kind": st.sampled_from(["textfile", "markdown", "html", "jsonl"])},
}
_KEYS = sorted(
    {key for table in _VALID.values() for key in table} | {"link", "sources", "path", "junk"}
)


@settings(max_examples=400, deadline=None)
@given(
    tables=st.fixed_dictionaries(
        {name: st.fixed_dictionaries({}, optional=keys) for name, keys in _VALID.items()}
    ),
    typo=st.none() | st.tuples(st.sampled_from(sorted(_VALID)), st.sampled_from(_KEYS), _VALUES),
)
def test_any_feed_file_is_a_config_or_a_config_error(
    tables: dict[str, dict[str, Any]], typo: tuple[str, str, Any] | None
) -> None:
    top = {"link": "https://x.org/", **tables.pop("")}
    source = {"path": "a/*.txt", **tables.pop("sources[0]")}
    if typo is not None:
        name, key, value = typo
        {**tables, "": top, "sources[0]": source}[name][key] = value
    data = {"title": "T", **top, "sources": [source], **tables}
    path = Path("/feeds/fuzz.toml")
    try:
        config = parse_feed(path, data)
    except ConfigError as error:
        assert str(error).startswith(f"{path}:")
        assert typo is not None, f"a valid feed file refused: {error}"
    else:
        assert isinstance(config, FeedConfig) and config.title.strip() and config.sources


@pytest.mark.parametrize("char", ["\x07", "\x1b", "\x7f", "\x85", "\ufffe", "\U0010ffff"])
def test_a_control_character_in_a_setting_is_named(tmp_path: Path, char: str) -> None:
    # TOML's \u escapes can spell any of them; lxml would refuse the feed's title.
    path = tmp_path / "bell.toml"
    escaped = f"\\u{ord(char):04X}" if ord(char) < 0x10000 else f"\\U{ord(char):08X}"
    path.write_text(
        f'title = "News {escaped}"\nlink = "https://x.org/"\nsources = [{{ path = "a/*.txt" }}]\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as error:
        load_feed(path)
    assert f"{path}: title: contains the control character U+{ord(char):04X}" in str(error.value)


@pytest.mark.parametrize(
    ("link", "base_url", "self_url"),
    [
        ("https://example.org/news?id=1&lang=en", None, "https://example.org/news/q.atom"),
        ("https://example.org/#top", None, "https://example.org/q.atom"),
        ("https://example.org/", "https://example.org/feeds/", "https://example.org/feeds/q.atom"),
        ("https://example.org/", "https://example.org/feeds", "https://example.org/feeds/q.atom"),
    ],
)
def test_self_urls_are_built_from_the_base_folder(
    tmp_path: Path, link: str, base_url: str | None, self_url: str
) -> None:
    base = f'base_url = "{base_url}"\n' if base_url else ""
    path = tmp_path / "q.toml"
    path.write_text(
        f'title = "Q"\nlink = "{link}"\n{base}sources = [{{ path = "a/*.txt" }}]\n',
        encoding="utf-8",
    )
    assert load_feed(path).self_url("atom") == self_url


def test_a_base_url_with_a_query_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "q.toml"
    path.write_text(
        'title = "Q"\nlink = "https://x.org/"\nbase_url = "https://x.org/f?a=1"\n'
        'sources = [{ path = "a/*.txt" }]\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"base_url: got .*without \"\?\" or \"#\""):
        load_feed(path)


# --- numbers: each key has a documented range; anything else is a ConfigError naming it -----

#: key -> (whole numbers only, allowed(value)), as the README documents them.
RANGES: dict[str, tuple[bool, Callable[[float], bool]]] = {
    "filter.max_age_days": (True, lambda n: 0 <= n <= 36_500),
    "fetch.timeout": (False, lambda n: 0 < n <= 600),
    "fetch.connect_timeout": (False, lambda n: 0 < n <= 600),
    "fetch.max_bytes": (True, lambda n: 1024 <= n <= 1_000_000_000),
    "fetch.max_redirects": (True, lambda n: 0 <= n <= 20),
    "summary.sentences": (True, lambda n: 1 <= n <= 50),
    "summary.ratio": (False, lambda n: 0 < n <= 1),
    "summary.words": (True, lambda n: 10 <= n <= 1000),
    "summary.max_sentences": (True, lambda n: n == 0 or 50 <= n <= 100_000),
    "output.max_items": (True, lambda n: 1 <= n <= 1000),
}
#: What the key's value is read back as.
READ_BACK: dict[str, Callable[[FeedConfig], object]] = {
    "filter.max_age_days": lambda c: c.filters.max_age_days,
    "fetch.timeout": lambda c: c.fetch.timeout,
    "fetch.connect_timeout": lambda c: c.fetch.connect_timeout,
    "fetch.max_bytes": lambda c: c.fetch.max_bytes,
    "fetch.max_redirects": lambda c: c.fetch.max_redirects,
    "summary.sentences": lambda c: c.summary.length.value,
    "summary.ratio": lambda c: c.summary.length.value,
    "summary.words": lambda c: c.summary.length.value,
    "summary.max_sentences": lambda c: c.summary.max_sentences,
    "output.max_items": lambda c: c.max_items,
}


def check_number(key: str, value: Any) -> None:
    """parse_feed with `key` set to `value`: the value kept if the documented range
    allows it, else a ConfigError naming the key, the value and the range."""
    table, name = key.split(".")
    data = {"title": "T", "link": "https://x.org/", "sources": [{"path": "a/*.txt"}]}
    path = Path("/feeds/numbers.toml")
    whole, allowed = RANGES[key]
    ok = (
        not isinstance(value, bool)
        and isinstance(value, int if whole else int | float)
        and allowed(value)
    )
    try:
        config = parse_feed(path, {**data, table: {name: value}})
    except ConfigError as error:
        assert not ok, f"{key} = {value!r} refused: {error}"
        message = str(error)
        assert error.key == key and message.startswith(f"{path}: {key}: got "), message
        assert repr(value)[:40] in message, message
        assert " to " in message or "at most" in message, message  # the range is said
    else:
        assert ok, f"{key} = {value!r} accepted"
        assert READ_BACK[key](config) == value


EDGES = [0, -1, 1, 10**6, 2**63 - 1, -(2**63), 10**30, 0.5, 1.5, 3.0, True, False,
         math.inf, -math.inf, math.nan, 1e-300, "3", [3]]  # fmt: skip


@pytest.mark.parametrize("value", EDGES, ids=repr)
@pytest.mark.parametrize("key", sorted(RANGES))
def test_numeric_keys_edge_values(key: str, value: Any) -> None:
    check_number(key, value)


# What TOML can hold: any 64-bit integer, any float (inf and nan too), a bool, a
# string, a date, a date-time, a time, an array or a table.
_TOML_VALUES = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.integers(min_value=-2000, max_value=200_000),
    st.floats(),
    st.floats(min_value=0, max_value=2000),
    st.booleans(),
    st.text(max_size=5),
    st.dates(),
    st.datetimes(),
    st.times(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@settings(max_examples=600, deadline=None)
@given(key=st.sampled_from(sorted(RANGES)), value=_TOML_VALUES)
def test_any_toml_value_of_a_numeric_key_is_kept_or_a_config_error(key: str, value: Any) -> None:
    check_number(key, value)


def test_a_huge_max_age_is_a_config_error_not_an_overflow(tmp_path: Path) -> None:
    # It was an OverflowError traceback at build time (now minus a million days).
    text = feed_toml() + "\n[filter]\nmax_age_days = 1000000\n"
    path = write_feed(tmp_path, "old", text)
    with pytest.raises(ConfigError) as info:
        load_feed(path)
    assert str(info.value) == (
        f"{path}: filter.max_age_days: got 1000000; "
        "use 0 (no limit) or a number of days up to 36_500"
    )


@pytest.mark.parametrize("value", ["2024-02-30", "2023-13-01", "0000-01-01", "2024-1-1"])
def test_an_impossible_tag_date_is_a_config_error_quoting_its_line(
    tmp_path: Path, value: str
) -> None:
    path = write_feed(tmp_path, "dated", feed_toml({"tag_date": value}))
    with pytest.raises(ConfigError) as info:
        load_feed(path)
    message = str(info.value)
    assert message.startswith(f"{path}: not valid TOML ("), message
    assert f": tag_date = {value}; fix the syntax there" in message, message


@pytest.mark.parametrize("value", ['"2024-01-01"', "10:00:00", "2024", "true"])
def test_a_tag_date_that_is_not_a_date_is_refused(feed_path: Path, value: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_text(feed_path, feed_toml({"tag_date": value}))
    assert str(info.value).startswith(f"{feed_path}: tag_date: got ")
