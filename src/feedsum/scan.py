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
from collections.abc import Callable, Sequence
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
    #: The source's `language` (a BCP 47 tag or "auto"); None: the feed's.
    language: str | None = None


@dataclass(slots=True)
class Scan:
    """What one scan found: units by key, what failed, and the sources' new state."""

    units: dict[str, Unit] = field(default_factory=dict)
    failures: list[SourceError] = field(default_factory=list)
    #: Sources read, but leniently (not well-formed XML); not failures: no back-off.
    warnings: list[str] = field(default_factory=list)
    #: Upstreams still failing as they did (or resting after it): reported when the
    #: failure began, shown again only without --quiet, and not failures (exit 0).
    still: list[str] = field(default_factory=list)
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
                    source.language,
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
                Unit(
                    item_stamp,
                    source.kind,
                    None,
                    ref,
                    source.full_text,
                    source.allow_private,
                    source.language,
                ),
            )


@dataclass(frozen=True, slots=True)
class Match:
    """A regular file a source's pattern matches."""

    #: The path relative to the feed file, with forward slashes.
    key: str
    path: str
    stat: os.stat_result


_NOT_REGULAR = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))  # fmt: skip


def matches(config: FeedConfig, source: SourceConfig) -> tuple[list[Match], list[SourceError]]:
    """Every regular file the source's pattern matches, and an error naming each
    match that cannot be an article: a name that is not UTF-8, a FIFO, device or
    socket (reading one would hang or never end), or a symlink that leads out of
    the feed file's folder (unless the source says follow_symlinks). Folders are
    passed over; hidden files never match.

    One lstat per file, one more for a symlink: this is most of what a no-change
    build costs.
    """
    assert source.pattern is not None
    root = str(config.root)
    real_root = os.path.realpath(root)
    real_dirs: dict[str, tuple[str, bool]] = {}
    found, errors = [], []
    names = _glob(root, source.pattern)
    if not names and not source.allow_empty:
        errors.append(
            SourceError(
                os.path.join(root, source.pattern),
                "matches no file; check the path (a missing folder, a misspelled pattern), "
                "or set allow_empty = true in the source if it may be empty",
            )
        )
    for name in names:
        path = os.path.join(root, name)
        if not _utf8(name):
            shown = os.fsencode(path).decode("utf-8", "replace")
            errors.append(SourceError(shown, "its name is not UTF-8; rename it"))
            continue
        folder, base = os.path.split(name)
        if folder not in real_dirs:  # once a folder: where it is, and if a link leads there
            real_dir = os.path.realpath(os.path.join(root, folder))
            logical = os.path.normpath(os.path.join(real_root, folder))
            real_dirs[folder] = (real_dir, real_dir != logical)
        real_dir, linked = real_dirs[folder]
        real = ""
        try:
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                real, linked = os.path.realpath(path), True
                st = os.stat(path)
        except OSError as exc:
            errors.append(SourceError(path, f"cannot read it ({exc.strerror})"))
            continue
        if linked and not real:
            real = os.path.join(real_dir, base)
        if linked and not source.follow_symlinks and not _inside(real, real_root):
            errors.append(
                SourceError(
                    path,
                    f"a symlink to {real}, outside the feed file's folder: not followed; "
                    "set follow_symlinks = true in its source if it is meant to be read",
                )
            )
        elif stat.S_ISREG(st.st_mode):
            found.append(Match(name.replace(os.sep, "/"), path, st))
        elif not stat.S_ISDIR(st.st_mode):
            what = next((w for test, w in _NOT_REGULAR if test(st.st_mode)), "not a file")
            errors.append(
                SourceError(path, f"{what}, not a regular file; remove it or change the pattern")
            )
    return found, errors


def _glob(root: str, pattern: str) -> list[str]:
    """The names `pattern` matches under `root`; hidden files never match."""
    if "**" not in pattern:
        return glob.glob(pattern, root_dir=root)
    # glob's ** descends into symlinked folders: two links to "." in a notes folder
    # make 2**40 paths (and one link reads every article 41 times). pathlib's **
    # does not descend into them.
    base = Path(root)
    hidden_asked = any(part.startswith(".") for part in Path(pattern).parts)
    names = []
    for path in base.glob(pattern):
        name = path.relative_to(base)
        if hidden_asked or not any(part.startswith(".") for part in name.parts):
            names.append(str(name))
    return names


def _utf8(name: str) -> bool:
    try:
        name.encode("utf-8")  # glob gives undecodable bytes as lone surrogates
    except UnicodeEncodeError:
        return False
    return True


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


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
        found, problems = matches(config, source)
        errors.extend(problems)
        for match in found:
            if match.key not in units:
                st = match.stat
                stamp = f"{st.st_size}:{st.st_mtime_ns}:{st.st_ino}"
                units[match.key] = Unit(stamp, source.kind, language=source.language)
    return units, errors


def newest_items(items: list[Item], limit: int) -> list[Item]:
    """The `limit` newest items, in the feed's order. Undated items count as the
    newest, as feeds list their newest first (they are dated when first seen)."""
    if len(items) <= limit:
        return items

    def age(index: int) -> tuple[float, int]:
        published = items[index].article.published
        return (-published.timestamp() if published else float("-inf"), index)

    keep = set(sorted(range(len(items)), key=age)[:limit])
    return [item for index, item in enumerate(items) if index in keep]


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
        files, problems = matches(config, source)
        found.failures.extend(problems)
        for match in files:
            key, path = match.key, match.path
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

                    # As big as an upstream's may be.
                    fix = "raise [fetch] max_bytes if it is right"
                    data = read_bytes(Path(path), config.fetch.max_bytes, fix)
                    items, errors, warnings = feed.parse(data, origin=path, source=key)
                    items = newest_items(items, config.fetch.max_items_per_source)
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
                old = remembered.get(source.url)
                # Resting, or failing again as last time: said when it began.
                failing = got is None and state.failures > 0
                again = not errors or bool(
                    old and old.failures and state.last_error == old.last_error
                )
                if failing and again:
                    found.still.append(still_failing(source.url, state))
                else:
                    found.failures.extend(errors)
                if old and old.failures and not state.failures:
                    found.warnings.append(
                        f"{source.url}: read again, after {old.failures} failure(s) in a row"
                    )
                if got is None:
                    found.keep(source, source.url, old)
                else:
                    got = newest_items(got, config.fetch.max_items_per_source)
                    found.warn(warnings, got, old)
                    offered = found.add_items(source, source.url, got, old)
                    state = replace(state, items=offered.items)
                found.sources.append(state)
    found.units = dict(sorted(found.units.items()))
    return found


def still_failing(url: str, state: SourceState) -> str:
    """What is said, without --quiet, of an upstream that fails as it did."""
    when = f"{state.retry_at:%Y-%m-%d %H:%M} UTC" if state.retry_at else "the next build"
    return (
        f"{url}: still failing, {state.failures} time(s) in a row ({state.last_error}); "
        f"next try after {when}"
    )


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
        return None, last, [], []  # resting: see still_failing
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
