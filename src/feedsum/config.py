"""Feed files: `feeds/<name>.toml` -> `FeedConfig`, validated.

Every error names the file and the key, says what was found and what is
allowed. Relative paths in a feed file are relative to the file's folder.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from feedsum.errors import ConfigError
from feedsum.filters import FIELDS, Filters, Rule, UnsupportedPattern, compile_pattern
from feedsum.languages import (
    AUTO,
    LANGUAGES,
    NEUTRAL,
    is_tag,
    read_stop_words,
    resolve,
    summary_language,
)
from feedsum.model import Length, SummarySettings
from feedsum.safety import xml_text

#: Every output format; a feed file without `formats` gets them all. Files that list
#: some (as every feed file did before json and html existed) keep what they list.
FORMATS = ("atom", "rss", "json", "html")
_T = TypeVar("_T")

# Every number a feed file may set has a range: what the program can represent
# (a date max_age_days before now; an int SQLite stores) and what makes sense.
MAX_SENTENCES = 50
MIN_WORDS, MAX_WORDS = 10, 1000
#: 0 (rank all) or from MAX_SENTENCES: a summary never lacks its sentences; the top
#: bounds one article's ranking (the score matrix is n x n).
MAX_RANKED = 100_000
#: A century: a feed's entries older than that are history, not news.
MAX_AGE_DAYS = 36_500
#: An upstream keeps at most scan.FEED_MEMORY (1000) items it has dropped, so a
#: feed of more could lose entries it shows.
MAX_ITEMS = 1000
MAX_SECONDS = 600
MIN_BYTES, MAX_BYTES = 1024, 1_000_000_000
MAX_REDIRECTS = 20
MAX_PAGE_BUDGET = 10_000
MAX_ITEMS_PER_SOURCE = 100_000


# One article per file.
FILE_KINDS = ("textfile", "markdown", "html")
# Many articles per file (or URL).
ITEM_KINDS = ("jsonl", "feed")
KINDS = FILE_KINDS + ITEM_KINDS
FULL_TEXT = ("auto", "always", "never")


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceConfig:
    """Files matched by a glob pattern (relative to the feed file), or an upstream URL."""

    kind: str = "textfile"
    #: The pattern as written in the feed file; None for a URL.
    pattern: str | None = None
    #: An upstream feed's URL (kind "feed").
    url: str | None = None
    #: For feed items: fetch the linked page when the item is only a teaser.
    full_text: str = "auto"
    #: Kind "feed": the feed and its items' pages may be on a loopback, private or
    #: otherwise non-public address (refused by default: see feedsum.netguard).
    allow_private: bool = False
    #: A `path` source: follow symlinks that lead out of the feed file's folder.
    follow_symlinks: bool = False
    #: A `path` source may match no file without a warning (exit 1 otherwise).
    allow_empty: bool = False
    #: The language of this source's articles (a BCP 47 tag, or "auto" to detect
    #: each one's); None: the feed's `language`.
    language: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchConfig:
    """How upstream feeds and pages are fetched."""

    #: Seconds for a whole request, body included; and for connecting.
    timeout: float = 30.0
    connect_timeout: float = 10.0
    #: Bodies larger than this are refused while streaming (after decompression).
    max_bytes: int = 10_000_000
    max_redirects: int = 5
    #: Teaser pages fetched per build, newest items first; the rest wait for the next.
    page_budget: int = 50
    #: The newest items taken from each upstream feed (a feed of 100,000 items
    #: would otherwise be summarized whole on every change).
    max_items_per_source: int = 200


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedConfig:
    """One feed, as its TOML file defines it."""

    #: The file name without `.toml`; names the outputs (`<name>.atom`).
    name: str
    #: The TOML file; relative paths inside it start from its folder.
    path: Path
    title: str
    #: The site the feed belongs to (the alternate link).
    link: str
    description: str
    #: Where the output files are served from (for the rel="self" link).
    base_url: str
    author: str
    language: str
    timezone: ZoneInfo
    #: The date in every tag: entry id (RFC 4151); fixed once published.
    tag_date: date
    sources: tuple[SourceConfig, ...]
    summary: SummarySettings
    output_dir: Path
    formats: tuple[str, ...]
    max_items: int
    full_content: bool
    #: A folder of Jinja2 templates overriding the packaged ones (`html` pages); None: none.
    templates: Path | None = None
    filters: Filters = field(default_factory=Filters)
    fetch: FetchConfig = field(default_factory=FetchConfig)

    @property
    def root(self) -> Path:
        return self.path.parent

    @property
    def domain(self) -> str:
        return urlsplit(self.link).hostname or "localhost"

    def self_url(self, fmt: str) -> str:
        """The URL of the feed's output in `fmt`: the file in the base URL's folder."""
        folder = urlsplit(self.base_url)
        path = f"{folder.path.rstrip('/')}/{quote(self.name)}.{fmt}"
        return urlunsplit((folder.scheme, folder.netloc, path, "", ""))


class _Table:
    """Typed access to one TOML table; each getter names the key in its error."""

    def __init__(self, path: Path, data: Mapping[str, Any], prefix: str = "") -> None:
        self.path, self.data, self.prefix = path, data, prefix
        self.used: set[str] = set()

    def error(self, key: str, problem: str, fix: str) -> ConfigError:
        return ConfigError(self.path, self.prefix + key, problem, fix)

    def get(self, key: str, kind: type[_T], default: _T | None = None, what: str = "") -> _T:
        self.used.add(key)
        if key not in self.data:
            if default is None:
                raise self.error(key, "missing", f"add {key} = {what or kind.__name__}")
            return default
        value = self.data[key]
        # bool is an int in Python; a TOML `true` is not a number.
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.error(
                key, f"got {value!r}", f"use {what or 'a ' + kind.__name__ + ' value'}"
            )
        if isinstance(value, str) and xml_text(value) != value:
            # TOML's \u escapes can spell them; no feed can carry them.
            bad = next(c for c in value if xml_text(c) != c)
            raise self.error(key, f"contains the control character U+{ord(bad):04X}", "remove it")
        return value

    def check(self, key: str, ok: Callable[[_T], bool], value: _T, fix: str) -> _T:
        if not ok(value):
            raise self.error(key, f"got {value!r}", fix)
        return value

    def whole(self, key: str, default: int, low: int, high: int, allowed: str = "") -> int:
        """An integer from `low` to `high`; `allowed` says so if the range is not that simple."""
        allowed = allowed or f"a whole number from {low:_} to {high:_}"
        value = self.get(key, int, default, what=allowed)
        return self.check(key, lambda n: low <= n <= high, value, f"use {allowed}")

    def number(self, key: str, default: float, above: float, high: float, allowed: str) -> float:
        """A number (int or float, not bool) in (above, high]; nan and inf never are."""
        self.used.add(key)
        value = self.data.get(key, default)
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not above < value <= high
        ):
            raise self.error(key, f"got {value!r}", f"use {allowed}")
        return float(value)

    def reject_unknown(self, allowed: str) -> None:
        for key in self.data:
            if key not in self.used:
                raise self.error(key, "unknown key", f"use one of: {allowed}")


def _url(table: _Table, key: str, default: str | None = None) -> str:
    value = table.get(key, str, default, what='"https://..."')
    parts = urlsplit(value)
    return table.check(
        key,
        lambda _: parts.scheme in ("http", "https") and bool(parts.hostname),
        value,
        'use an absolute http(s) URL such as "https://example.org/"',
    )


def _summary(path: Path, data: Mapping[str, Any], feed_language: str = "en") -> SummarySettings:
    """The [summary] table; its language is the feed's `language` unless it names one."""
    from feedsum.summarize import ALGORITHMS  # config depends on the registry's names only

    table = _Table(path, data, "summary.")
    algorithm = table.get("algorithm", str, SummarySettings().algorithm, what='"newsrank"')
    table.check(
        "algorithm",
        lambda a: a in ALGORITHMS,
        algorithm,
        "use one of: " + ", ".join(sorted(ALGORITHMS)),
    )
    # Set here, it must be one feedsum has resources for (or "neutral", "auto"):
    # the feed's own `language` falls back to the neutral path with a warning instead.
    names = ", ".join(language.name for language in LANGUAGES)
    given_language = table.get("language", str, "", what='"german" or "de"')
    if given_language:
        table.check(
            "language",
            lambda tag: (is_tag(tag) and resolve(tag) != NEUTRAL) or tag.lower() in (NEUTRAL, AUTO),
            given_language,
            f'use a BCP 47 tag or one of: {names}, or "{NEUTRAL}" or "{AUTO}"; or leave it '
            "out to use the feed's language",
        )
    language = summary_language(given_language or feed_language)
    given = [k for k in ("sentences", "ratio", "words") if k in data]
    if len(given) > 1:
        raise table.error(given[1], f"both {given[0]} and {given[1]} are set", "keep one of them")
    if "ratio" in data:
        ratio = table.number("ratio", 0.2, 0, 1, "a number above 0 and at most 1")
        length = Length(kind="ratio", value=ratio)
    elif "words" in data:
        length = Length(kind="words", value=table.whole("words", 0, MIN_WORDS, MAX_WORDS))
    else:
        length = Length(kind="sentences", value=table.whole("sentences", 3, 1, MAX_SENTENCES))
    # 0, or at least the most `sentences` allows: a summary never lacks its sentences.
    allowed = f"0 (rank every sentence) or a whole number from {MAX_SENTENCES} to {MAX_RANKED:_}"
    ranked = table.whole("max_sentences", SummarySettings().max_sentences, 0, MAX_RANKED, allowed)
    table.check("max_sentences", lambda n: n == 0 or n >= MAX_SENTENCES, ranked, f"use {allowed}")
    extra: frozenset[str] = frozenset()
    if "stop_words_file" in data:
        given_file = table.get("stop_words_file", str, what='"stop-words.txt"')
        file = Path(os.path.normpath(path.parent / given_file))
        try:
            extra = read_stop_words(file)
        except (OSError, UnicodeDecodeError) as error:
            problem = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
            raise table.error(
                "stop_words_file",
                f"cannot read {file}: {problem}",
                "give a UTF-8 file of one word a line, relative to the feed file",
            ) from error
    table.reject_unknown(
        "algorithm, sentences, ratio, words, language, max_sentences, stop_words_file"
    )
    return SummarySettings(
        algorithm=algorithm,
        length=length,
        language=language,
        max_sentences=ranked,
        extra_stop_words=extra,
    )


def _language(table: _Table, default: str) -> str | None:
    """A feed's or a source's `language`: a BCP 47 tag, or "auto"; `default` when
    not given ("" gives None: a source's is the feed's)."""
    if "language" not in table.data:
        return default or None
    language = table.get("language", str, what='"en", "pt-BR" or "auto"').strip()
    table.check(
        "language",
        lambda tag: is_tag(tag) or tag.lower() == AUTO,
        language,
        f'use a BCP 47 tag such as "en", "de" or "pt-BR", or "{AUTO}" to detect each '
        "article's language",
    )
    return AUTO if language.lower() == AUTO else language


def _sources(table: _Table) -> tuple[SourceConfig, ...]:
    raw = table.get("sources", list, what='[{ path = "articles/*.txt" }]')
    if not raw:
        raise table.error("sources", "empty", 'add at least one { path = "articles/*.txt" }')
    sources = []
    for index, item in enumerate(raw):
        key = f"sources[{index}]."
        if not isinstance(item, dict):
            raise table.error(f"sources[{index}]", f"got {item!r}", 'use { path = "dir/*.txt" }')
        entry = _Table(table.path, item, key)
        kind = entry.get("kind", str, "feed" if "url" in item else "textfile", what='"textfile"')
        entry.check("kind", lambda k: k in KINDS, kind, "use one of: " + ", ".join(KINDS))
        pattern = url = None
        if kind == "feed" and "url" in item:
            url = _url(entry, "url")
            if "path" in item:
                raise entry.error("path", "both url and path are set", "keep one of them")
        else:
            pattern = entry.get("path", str, what='"articles/*.txt"')
            entry.check(
                "path",
                lambda p: not Path(p).is_absolute(),
                pattern,
                "use a pattern relative to the feed file",
            )
        full_text = "auto"
        allow_private = follow_symlinks = allow_empty = False
        if pattern is not None:
            follow_symlinks = entry.get("follow_symlinks", bool, False, what="true or false")
            allow_empty = entry.get("allow_empty", bool, False, what="true or false")
        if kind == "feed":
            # A saved feed file reaches the network only if asked to.
            fallback = "auto" if url else "never"
            full_text = entry.get("full_text", str, fallback, what=f'"{fallback}"')
            entry.check(
                "full_text", lambda f: f in FULL_TEXT, full_text, 'use "auto", "always" or "never"'
            )
            allow_private = entry.get("allow_private", bool, False, what="true or false")
        language = _language(entry, "")
        known = "kind, path, url, full_text, allow_private" if kind == "feed" else "kind, path"
        entry.reject_unknown(
            known + (", follow_symlinks, allow_empty" if pattern is not None else "") + ", language"
        )
        sources.append(
            SourceConfig(
                kind=kind,
                pattern=pattern,
                url=url,
                full_text=full_text,
                allow_private=allow_private,
                follow_symlinks=follow_symlinks,
                allow_empty=allow_empty,
                language=language,
            )
        )
    return tuple(sources)


def _rules(table: _Table, key: str) -> tuple[Rule, ...]:
    """`include` or `exclude`: { field = "regex" or ["regex", ...], ... }."""
    data = table.get(key, dict, {}, what='{ title = "(?i)word" }')
    rules = []
    for name, value in data.items():
        where = f"{key}.{name}"
        if name not in FIELDS:
            raise table.error(where, "unknown field", "use one of: " + ", ".join(FIELDS))
        patterns = [value] if isinstance(value, str) else value
        if not isinstance(patterns, list) or not all(isinstance(x, str) for x in patterns):
            raise table.error(where, f"got {value!r}", "use a regex or a list of them, as strings")
        for number, pattern in enumerate(patterns):
            try:
                rules.append(Rule(name, compile_pattern(pattern)))
            except UnsupportedPattern as exc:
                at = where if isinstance(value, str) else f"{where}[{number}]"
                raise table.error(at, exc.problem, exc.fix) from exc
    return tuple(rules)


def _filters(path: Path, data: Mapping[str, Any]) -> Filters:
    table = _Table(path, data, "filter.")
    include, exclude = _rules(table, "include"), _rules(table, "exclude")
    days = table.whole(
        "max_age_days",
        0,
        0,
        MAX_AGE_DAYS,
        f"0 (no limit) or a number of days up to {MAX_AGE_DAYS:_}",
    )
    table.reject_unknown("include, exclude, max_age_days")
    return Filters(include=include, exclude=exclude, max_age_days=days)


def _fetch(path: Path, data: Mapping[str, Any]) -> FetchConfig:
    table = _Table(path, data, "fetch.")
    default = FetchConfig()

    seconds = f"a number of seconds above 0, up to {MAX_SECONDS}"
    timeout = table.number("timeout", default.timeout, 0, MAX_SECONDS, seconds)
    connect = table.number("connect_timeout", default.connect_timeout, 0, MAX_SECONDS, seconds)
    max_bytes = table.whole(
        "max_bytes", default.max_bytes, MIN_BYTES, MAX_BYTES, f"{MIN_BYTES} to {MAX_BYTES:_} bytes"
    )
    redirects = table.whole("max_redirects", default.max_redirects, 0, MAX_REDIRECTS)
    budget = table.whole("page_budget", default.page_budget, 1, MAX_PAGE_BUDGET)
    per_source = table.whole(
        "max_items_per_source", default.max_items_per_source, 1, MAX_ITEMS_PER_SOURCE
    )
    table.reject_unknown(
        "timeout, connect_timeout, max_bytes, max_redirects, page_budget, max_items_per_source"
    )
    return FetchConfig(
        timeout=timeout,
        connect_timeout=connect,
        max_bytes=max_bytes,
        max_redirects=redirects,
        page_budget=budget,
        max_items_per_source=per_source,
    )


def _output(path: Path, data: Mapping[str, Any]) -> _Output:
    table = _Table(path, data, "output.")
    # normpath: print "public/x.atom", not "feeds/../public/x.atom".
    folder = Path(
        os.path.normpath(path.parent / table.get("dir", str, "../public", what='"../public"'))
    )
    formats = table.get("formats", list, list(FORMATS), what='["atom", "rss", "json", "html"]')
    table.check(
        "formats",
        lambda f: bool(f) and all(x in FORMATS for x in f) and len(set(f)) == len(f),
        formats,
        'use a non-empty list from "atom", "rss", "json", "html", each once',
    )
    max_items = table.whole(
        "max_items", 50, 1, MAX_ITEMS, f"a number of at least 1, up to {MAX_ITEMS}"
    )
    full_content = table.get("full_content", bool, True, what="true or false")
    templates = None
    if "templates" in table.data:
        templates = Path(
            os.path.normpath(path.parent / table.get("templates", str, what='"templates"'))
        )
    table.reject_unknown("dir, formats, max_items, full_content, templates")
    return _Output(folder, tuple(formats), max_items, full_content, templates)


@dataclass(frozen=True, slots=True)
class _Output:
    dir: Path
    formats: tuple[str, ...]
    max_items: int
    full_content: bool
    templates: Path | None


def parse_feed(path: Path, data: Mapping[str, Any]) -> FeedConfig:
    """Validate a parsed feed file. Pure: `path` is only used in messages and paths."""
    table = _Table(path, data)
    title = table.check(
        "title",
        lambda t: bool(t.strip()),
        table.get("title", str, what='"My feed"'),
        "use a non-empty title",
    )
    link = _url(table, "link")
    # The folder the outputs are served from: the site's, without its query, if not given.
    site = urlsplit(link)
    base_url = _url(table, "base_url", urlunsplit((site.scheme, site.netloc, site.path, "", "")))
    table.check(
        "base_url",
        lambda url: not (urlsplit(url).query or urlsplit(url).fragment),
        base_url,
        'use the folder URL the feeds are served from, without "?" or "#"',
    )
    tz_name = table.get("timezone", str, "UTC", what='"UTC" or "Europe/Paris"')
    try:
        timezone = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise table.error(
            "timezone", f"unknown time zone {tz_name!r}", 'use an IANA name like "Europe/Paris"'
        ) from exc
    language = _language(table, "en") or "en"
    summary = _summary(path, table.get("summary", dict, {}, what="a [summary] table"), language)
    output = _output(path, table.get("output", dict, {}, what="an [output] table"))
    config = FeedConfig(
        name=path.stem,
        path=path,
        title=title,
        link=link,
        description=table.get("description", str, title, what='"What this feed is"'),
        base_url=base_url,
        author=table.get("author", str, urlsplit(link).hostname or "", what='"Your name"'),
        language=language,
        timezone=timezone,
        tag_date=table.check(
            "tag_date",
            lambda d: not isinstance(d, datetime),  # a TOML datetime is a date too
            table.get("tag_date", date, date(2024, 1, 1), what="a date like 2024-01-01"),
            "use a date like 2024-01-01, without a time",
        ),
        sources=_sources(table),
        summary=summary,
        output_dir=output.dir,
        formats=output.formats,
        max_items=output.max_items,
        full_content=output.full_content,
        templates=output.templates,
        filters=_filters(path, table.get("filter", dict, {}, what="a [filter] table")),
        fetch=_fetch(path, table.get("fetch", dict, {}, what="a [fetch] table")),
    )
    table.reject_unknown(
        "title, link, description, base_url, author, language, timezone, tag_date, "
        "sources, summary, output, filter, fetch"
    )
    return config


def load_feed(path: Path) -> FeedConfig:
    """Read and validate one feed file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(path, "", "no such feed file", "check the name and folder") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, "", f"cannot read it ({exc})", "check the file") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, "", _toml_problem(path, exc), "fix the syntax there") from exc
    config = parse_feed(path, data)
    if config.templates is not None and not config.templates.is_dir():
        raise ConfigError(
            path, "output.templates", f"no such folder {config.templates}",
            "create it (with the templates to override) or remove the key",
        )  # fmt: skip
    return config


def _toml_problem(path: Path, exc: tomllib.TOMLDecodeError) -> str:
    """tomllib's message, with the line it names quoted (so `tag_date = 2024-02-30`,
    not only "Invalid date or datetime (at line 7, column 12)")."""
    problem = f"not valid TOML ({exc})"
    found = re.search(r"at line (\d+)", str(exc))
    lines = path.read_text(encoding="utf-8").splitlines()
    if found and 1 <= int(found[1]) <= len(lines):
        problem += f": {lines[int(found[1]) - 1].strip()[:200]}"
    return problem


def find_feeds(folder: Path, names: tuple[str, ...] = ()) -> tuple[Path, ...]:
    """The feed files to build: every `*.toml` in `folder`, or just the named ones."""
    if not folder.is_dir():
        raise ConfigError(
            folder, "", "no such feeds folder", "run from the project folder or pass --feeds"
        )
    if not names:
        found = tuple(sorted(folder.glob("*.toml")))
        if not found:
            raise ConfigError(folder, "", "no feed files (*.toml)", "add one, e.g. example.toml")
        return found
    paths = []
    for name in names:
        candidate = folder / (name if name.endswith(".toml") else f"{name}.toml")
        if not candidate.is_file():
            known = ", ".join(p.stem for p in sorted(folder.glob("*.toml"))) or "none"
            raise ConfigError(candidate, "", "no such feed", f"use one of: {known}")
        paths.append(candidate)
    return tuple(paths)
