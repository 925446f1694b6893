"""What a feed's sources offer now: every article's key and stamp.

A stamp says whether an article can have changed since the last build:
size:mtime:inode for a file (one stat, the file is not read), a hash of the
upstream data for an item of a JSON Lines file or of an upstream feed. Upstream
feeds are fetched here, conditionally; one that fails, or is backing off after
failures, still offers its last good items (from state), so they stay in the
feed while the failure is reported.
"""

from __future__ import annotations

import glob
import os
import stat
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from feedsum.config import FILE_KINDS, FeedConfig, SourceConfig
from feedsum.errors import SourceError
from feedsum.model import Article
from feedsum.sources import Item, read_bytes
from feedsum.state import SourceState

if TYPE_CHECKING:
    from feedsum.fetch import Fetcher

#: After the n-th failure in a row, an upstream is not fetched again for
#: BACKOFF * 2**(n-1), at most BACKOFF_MAX (or longer, if its Retry-After says so).
BACKOFF = timedelta(minutes=10)
BACKOFF_MAX = timedelta(hours=24)
#: Requests in flight at once over all hosts (each host gets at most 2).
FETCH_THREADS = 8
#: Items an upstream feed offered and has since dropped stay in the digest, up to
#: this many per upstream (well above any feed's max_items).
FEED_MEMORY = 1000


@dataclass(frozen=True, slots=True)
class Unit:
    """One article a source offers."""

    stamp: str
    kind: str
    #: The article, when the source had to read it to stamp it (jsonl, feed items).
    #: None for a file (a worker reads it) and for an item remembered from an
    #: unchanged or unreachable upstream (its stored entry stands in).
    article: Article | None = None
    #: The upstream source (URL or file key) of an item; None for a one-article file.
    source: str | None = None
    full_text: str = "never"
    #: The source's allow_private: an item's page may be on a non-public address.
    allow_private: bool = False


@dataclass(slots=True)
class Scan:
    """What one scan found: units by key, what failed, and the sources' new state."""

    units: dict[str, Unit] = field(default_factory=dict)
    failures: list[SourceError] = field(default_factory=list)
    #: Sources read, but leniently (not well-formed XML); not failures: no back-off.
    warnings: list[str] = field(default_factory=list)
    #: Upstream sources' new state, saved with the build.
    sources: list[SourceState] = field(default_factory=list)

    def add_items(
        self, source: SourceConfig, ref: str, items: Sequence[Item], old: SourceState | None
    ) -> SourceState:
        """The items read now; for a feed, also those it offered before and has since
        dropped (feeds show only their latest items; a digest keeps what it saw).
        A JSON Lines file is the whole truth: a line removed is an article removed."""
        for item in items:
            self.units.setdefault(
                item.key,
                Unit(
                    item.stamp,
                    source.kind,
                    item.article,
                    ref,
                    source.full_text,
                    source.allow_private,
                ),
            )
        offered = {item.key: item.stamp for item in items}
        if source.kind == "feed" and old:
            # Most recently offered first; the oldest beyond the bound are let go
            # (gc then forgets their records), so years of cron stay bounded.
            dropped = [(k, s) for k, s in old.items.items() if k not in offered]
            offered.update(dropped[: max(0, FEED_MEMORY - len(offered))])
            self.keep(source, ref, replace(old, items=offered))
        return SourceState(source=ref, items=offered)

    def warn(self, warnings: Sequence[str], items: Sequence[Item], old: SourceState | None) -> None:
        """A source's warnings, when it offers new or changed items: a quirky upstream
        is named once per change, not on every build from cron."""
        if any(old is None or old.items.get(i.key) != i.stamp for i in items):
            self.warnings.extend(warnings)

    def keep(self, source: SourceConfig, ref: str, old: SourceState | None) -> None:
        """The last good items of a source that could not be read now."""
        for key, item_stamp in (old.items if old else {}).items():
            self.units.setdefault(
                key,
                Unit(item_stamp, source.kind, None, ref, source.full_text, source.allow_private),
            )


def matches(config: FeedConfig, pattern: str) -> Iterator[tuple[str, str]]:
    """(key, path) of every file the pattern matches; a key is the path relative to
    the feed file, with forward slashes. Hidden files never match."""
    root = str(config.root)
    for name in glob.glob(pattern, root_dir=root, recursive=True):
        yield name.replace(os.sep, "/"), os.path.join(root, name)


def scan_files(config: FeedConfig) -> tuple[dict[str, Unit], list[SourceError]]:
    """Every file of the one-article-per-file sources, by key, stamped.

    One stat per file, and no pathlib in the loop: this is most of what a
    no-change build costs.
    """
    units: dict[str, Unit] = {}
    errors: list[SourceError] = []
    for source in config.sources:
        if source.kind not in FILE_KINDS or source.pattern is None:
            continue
        for key, path in matches(config, source.pattern):
            if key in units:
                continue
            try:
                st = os.stat(path)
            except OSError as exc:
                errors.append(SourceError(path, f"cannot read it ({exc.strerror})"))
                continue
            if stat.S_ISREG(st.st_mode):
                units[key] = Unit(f"{st.st_size}:{st.st_mtime_ns}:{st.st_ino}", source.kind)
    return units, errors


def backoff(failures: int, retry_after: float | None) -> timedelta:
    """How long to leave an upstream alone after its n-th failure in a row."""
    wait: timedelta = min(BACKOFF * 2 ** max(0, failures - 1), BACKOFF_MAX)
    asked = timedelta(seconds=min(retry_after or 0, BACKOFF_MAX.total_seconds()))
    return max(wait, asked)


def scan(
    config: FeedConfig,
    remembered: dict[str, SourceState],
    now: datetime,
    fetcher: Callable[[], Fetcher],
    *,
    id_prefix: str,
    force: bool = False,
) -> Scan:
    """Every unit the sources offer, sorted by key; `fetcher` is called only if a URL is."""
    found = Scan()
    found.units, found.failures = scan_files(config)

    local = [s for s in config.sources if s.kind not in FILE_KINDS and s.pattern is not None]
    for source in local:
        assert source.pattern is not None
        for key, path in matches(config, source.pattern):
            old = remembered.get(key)
            warnings: list[str] = []
            try:
                if source.kind == "jsonl":
                    from feedsum.sources import jsonl

                    items, errors = jsonl.read_items(
                        Path(path), key=key, id_prefix=id_prefix, timezone=config.timezone
                    )
                else:
                    from feedsum.sources import feed  # lxml: a feed of files never loads it

                    items, errors, warnings = feed.parse(
                        read_bytes(Path(path)), origin=path, source=key
                    )
            except SourceError as error:
                found.failures.append(error)
                found.keep(source, key, old)
                continue
            found.failures.extend(errors)
            found.warn(warnings, items, old)
            offered = found.add_items(source, key, items, old)
            found.sources.append(replace(offered, checked_at=now))

    upstream = [s for s in config.sources if s.url is not None]
    if upstream:
        client = fetcher()
        with ThreadPoolExecutor(FETCH_THREADS) as pool:
            results = pool.map(
                lambda s: _fetch_feed(s, remembered.get(s.url or ""), client, now, force),
                upstream,
            )
            for source, (got, state, errors, warnings) in zip(upstream, results, strict=True):
                assert source.url is not None
                found.failures.extend(errors)
                old = remembered.get(source.url)
                if got is None:
                    found.keep(source, source.url, old)
                else:
                    found.warn(warnings, got, old)
                    offered = found.add_items(source, source.url, got, old)
                    state = replace(state, items=offered.items)
                found.sources.append(state)
    found.units = dict(sorted(found.units.items()))
    return found


def _fetch_feed(
    source: SourceConfig, old: SourceState | None, client: Fetcher, now: datetime, force: bool
) -> tuple[list[Item] | None, SourceState, list[SourceError], list[str]]:
    """An upstream feed's items (None to keep the last good ones), its new state
    (items to be filled in by the caller), what went wrong and what it warned of."""
    from feedsum.fetch import FetchError
    from feedsum.sources import feed

    url = source.url
    assert url is not None
    last = old or SourceState(source=url, items={})
    if last.retry_at is not None and now < last.retry_at and not force:
        problem = (
            f"not fetched until {last.retry_at:%Y-%m-%d %H:%M} UTC after {last.failures} "
            f"failure(s) in a row; last: {last.last_error}"
        )
        return None, last, [SourceError(url, problem)], []
    try:
        got = client.get(
            url,
            etag=None if force else last.etag,
            modified=None if force else last.last_modified,
            allow_private=source.allow_private,
        )
        if got.status == 304:
            return (
                None,
                replace(last, failures=0, retry_at=None, last_error=None, checked_at=now),
                [],
                [],
            )
        items, errors, warnings = feed.parse(got.body, origin=url, source=url, url=got.url)
    except SourceError as error:
        failures = last.failures + 1
        wait = backoff(failures, error.retry_after if isinstance(error, FetchError) else None)
        failed = replace(
            last, failures=failures, retry_at=now + wait, last_error=error.problem, checked_at=now
        )
        return None, failed, [error], []
    state = SourceState(
        source=url,
        items={},
        etag=got.etag,
        last_modified=got.last_modified,
        url=got.url,
        checked_at=now,
    )
    return items, state, errors, warnings
