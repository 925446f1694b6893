"""build(feed): the one place that orders the stages.

    sources -> scan (stamps) -> Article -> clean -> filter -> summarize (or reuse
    from state) -> dedup, age, newest first -> FeedItem -> Atom/RSS bytes
    -> atomic replace -> state

A file whose size, mtime and inode are as remembered is not even read; an
upstream item whose data is as remembered is not processed again (its page
is not fetched again). A bad article or a failing upstream becomes a
SourceError in the report, next to the feed built from the rest. State is
saved only after the outputs are in place, so a crash in between re-does
work instead of losing it.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import os
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from feedsum import __version__
from feedsum.config import ITEM_KINDS, FeedConfig, SourceConfig
from feedsum.errors import EmptiedFeed, OutputError, SourceError, os_problem
from feedsum.filters import Filters
from feedsum.languages import (
    AUTO,
    BY_NAME,
    NEUTRAL,
    detect,
    detect_article,
    detector_version,
    summary_language,
)
from feedsum.model import Article, FeedItem, SummarySettings
from feedsum.reimport import Published, published_entries
from feedsum.safety import SAFETY_RULES, http_url, safe_article
from feedsum.scan import FETCH_THREADS, Scan, Unit, backoff, matches, scan, scan_files
from feedsum.sources import read_file_article
from feedsum.state import Encoded, Entry, FeedBuild, PageState, Record, SourceState, State
from feedsum.summarize import SUMMARIZER_VERSION, prepare, split_paragraphs, summarize_split
from feedsum.text import clean, split_sentences
from feedsum.writers.atomic import write_atomic
from feedsum.writers.site import id_prefix

if TYPE_CHECKING:
    from multiprocessing.synchronize import Event as EventType

    from feedsum.executors import Executor
    from feedsum.fetch import Fetcher

log = logging.getLogger(__name__)

TITLE_MAX_CHARS = 100
# Below this many articles to summarize, starting worker processes costs more than it saves.
POOL_MIN_ARTICLES = 16

#: Called with the number of files to read, returns a tick to call after each.
Progress = Callable[[int], Callable[[], None]]


@dataclass(frozen=True, slots=True, kw_only=True)
class BuildReport:
    """What one build of one feed did."""

    feed: str
    #: Entries in the written feed (after max_items).
    entries: int
    #: Articles seen for the first time / whose content changed.
    new: int
    changed: int
    #: Articles summarized in this build (the rest came from state).
    summarized: int
    #: Files read in this build (the rest were recognised by size, mtime and inode).
    read: int
    failures: tuple[SourceError, ...]
    #: Every output file of the feed, and those whose bytes changed.
    outputs: tuple[Path, ...]
    written: tuple[Path, ...]
    #: What was left out of the articles read in this build (a bad link, ...), and
    #: sources read leniently (not well-formed XML) that offered new or changed items.
    warnings: tuple[str, ...] = ()
    #: Upstreams and pages failing as they did before (not failures: said when
    #: they began; shown again without --quiet).
    still: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Context:
    """What turning a file into an entry needs besides the file: sent to workers."""

    root: str
    id_prefix: str
    timezone: tzinfo
    #: Resolves relative URLs in the HTML of articles without a URL of their own.
    base_url: str
    settings: SummarySettings
    filters: Filters


@dataclass(frozen=True, slots=True)
class _Task:
    """One article to process, and the content hash whose summary state already holds."""

    key: str
    known_hash: str | None
    kind: str = "textfile"
    #: The article, when the source has read it already; None: read the file `key`.
    article: Article | None = None
    #: Its source's `language` (a BCP 47 tag or "auto"); None: the feed's.
    language: str | None = None


@dataclass(frozen=True, slots=True)
class _Outcome:
    """What reading (and, if needed, summarizing) one file gave."""

    key: str
    entry_id: str = ""
    origin: str = ""
    published: datetime | None = None
    digest: str = ""
    link: str | None = None
    text_hash: str = ""
    excluded: bool = False
    #: The entry, encoded for the state (by the worker, not the saving process);
    #: None when the content hash was the known one: nothing was summarized.
    entry: Encoded | None = None
    #: SourceError's origin, problem and line (exceptions travel badly between processes).
    error: tuple[str, str, int | None] | None = None
    #: What was left out of the article (a link that is not http(s), ...), a line each.
    warnings: tuple[str, ...] = ()
    #: The article's language when it was summarized on the language-neutral path.
    neutral: str | None = None


def derive_title(first_sentence: str, limit: int = TITLE_MAX_CHARS) -> str:
    """The first sentence, cut at a word boundary to at most `limit` characters."""
    if len(first_sentence) <= limit:
        return first_sentence
    cut = first_sentence[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:-\u2013\u2014")
    return cut + "\u2026"


def content_hash(article: Article, paragraphs: Sequence[str]) -> str:
    """A hash of everything the entry shows of the article (not its id or origin)."""
    published = article.published.isoformat() if article.published else None
    payload: list[object] = [
        article.title, article.link, article.author, published, list(paragraphs)
    ]  # fmt: skip
    # Only when set, so that articles without them keep the hash they always had.
    extras = [list(article.tags), article.html, article.source_title, article.source_url]
    if any(extras):
        payload.append(extras)
    return _sha256(payload)


def text_hash(paragraphs: Sequence[str]) -> str:
    """A hash of the cleaned text alone: equal for one article from two upstreams."""
    return _sha256(list(paragraphs))


def _sha256(payload: object) -> str:
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()


@functools.cache
def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


def settings_key(config: FeedConfig, language: str | None = None) -> str:
    """What made a record's summary and filter verdict; a change redoes every article.

    `language` is the article's source's (a tag or "auto"), when it has its own.
    """
    summary = config.summary
    if language is not None:
        summary = replace(summary, language=summary_language(language))
    key = f"{summary.key()};v{SUMMARIZER_VERSION}"
    # Languages whose stop words came later (stopwords-iso) name their list and its
    # version: their articles, summarized without stop words before (or with another
    # release's list), are redone; others keep theirs. Detected languages may be
    # any, and a new detector may detect another: both are named.
    if summary.language == AUTO:
        key += f";stop_words=stopwordsiso-{_version('stopwordsiso')};{detector_version()}"
    known = BY_NAME.get(summary.language)
    if known and known.stop_words not in ("", "sumy"):
        key += f";stop_words={known.stop_words}-{_version(known.stop_words)}"
    filters = config.filters.key()
    return f"{key};{filters}" if filters else key


def _settings_keys(config: FeedConfig) -> dict[str | None, str]:
    """The settings key of each source `language` in the feed (None: the feed's)."""
    languages = {None, *(source.language for source in config.sources)}
    return {language: settings_key(config, language) for language in languages}


def reader_key(config: FeedConfig) -> str:
    """What shapes an entry besides its file: the feed's id prefix, time zone and
    base URL, and the rules of the safety boundary (a change re-reads every article)."""
    return f"{id_prefix(config)};{config.timezone.key};{config.base_url};safe{SAFETY_RULES}"


def make_item(record: Record, entry: Entry) -> FeedItem:
    """The feed entry of a remembered article."""
    return FeedItem(
        id=record.entry_id,
        title=entry.title,
        summary=" ".join(entry.summary),
        paragraphs=entry.paragraphs,
        published=record.dated,
        updated=record.updated,
        link=entry.link,
        author=entry.author,
        tags=entry.tags,
        html=entry.html,
        source_title=entry.source_title,
        source_url=entry.source_url,
        language=entry.language,
    )


def from_entry(record: Record, entry: Entry, origin: str) -> Article:
    """A remembered item as an Article, to summarize it again without fetching it."""
    return Article(
        id=record.entry_id,
        origin=origin,
        body="\n\n".join(entry.paragraphs),
        title=entry.title,
        link=entry.link,
        author=entry.author,
        published=record.published,
        tags=entry.tags,
        html=entry.html,
        source_title=entry.source_title,
        source_url=entry.source_url,
    )


def newest_first(records: Iterable[Record], max_items: int) -> list[Record]:
    """The records a feed shows: newest first, ties broken by entry id."""
    return sorted(records, key=lambda r: (-r.dated.timestamp(), r.entry_id))[:max_items]


def _process(context: _Context, task: _Task) -> _Outcome:
    """Read (files), clean and hash one article; filter and summarize it unless its
    hash is the known one. All of an article's work happens here, so that --jobs
    spreads all of it."""
    try:
        checked = safe_article(
            task.article
            or read_file_article(
                task.kind,
                Path(context.root) / task.key,
                task.key,
                context.id_prefix,
                context.timezone,
            ),
            context.base_url,
        )
        article = checked.article
        paragraphs = clean(article.body)
        if not paragraphs:
            raise SourceError(
                article.origin, "no article text left after removing captions; add text"
            )
    except SourceError as error:
        return _Outcome(task.key, error=(error.origin, error.problem, error.line))
    digest = content_hash(article, paragraphs)
    found = _Outcome(
        task.key,
        entry_id=article.id,
        origin=article.origin,
        published=article.published,
        digest=digest,
        link=article.link,
        text_hash=text_hash(paragraphs),
        warnings=checked.warnings,
    )
    if digest == task.known_hash:
        return found
    tag, language = _language(context, task.language, article.title, paragraphs)
    settings = replace(context.settings, language=language)
    excluded = not context.filters.keeps(article, paragraphs)
    if excluded:
        # Kept out: remembered (so it is not read again) but never summarized.
        split = [split_sentences(paragraphs[0], language)]
        sentences: tuple[str, ...] = ()
    else:
        split = split_paragraphs(paragraphs, language)
        sentences = summarize_split(split, settings, article.title).sentences
    entry = Entry(
        title=article.title or derive_title(split[0][0]),
        link=article.link,
        author=article.author,
        paragraphs=paragraphs,
        summary=sentences,
        tags=article.tags,
        html=article.html,
        source_title=article.source_title,
        source_url=article.source_url,
        language=tag,
    )
    neutral = (tag or "") if language == NEUTRAL and not excluded else None
    return replace(found, entry=entry.encode(), excluded=excluded, neutral=neutral)


def _language(
    context: _Context, given: str | None, title: str | None, paragraphs: Sequence[str]
) -> tuple[str | None, str]:
    """An article's language tag (None: the feed's) and the name it is summarized with.

    `given` is its source's `language`; "auto", here or the feed's, detects it
    from the title and the opening paragraphs.
    """
    if given is None and context.settings.language != AUTO:
        return None, context.settings.language
    if given is None or given == AUTO:
        given = detect_article(title, paragraphs)
    return given, summary_language(given)


def _read(context: _Context, task: _Task) -> _Task | _Outcome:
    """The task with its file read (by the driver: a cluster's workers need not see
    the feed's folder), or the outcome of a file that cannot be read."""
    if task.article is not None:
        return task
    try:
        article = read_file_article(
            task.kind, Path(context.root) / task.key, task.key, context.id_prefix, context.timezone
        )
    except SourceError as error:
        return _Outcome(task.key, error=(error.origin, error.problem, error.line))
    return replace(task, article=article)


def _process_batch(context: _Context, batch: Sequence[_Task | _Outcome]) -> list[_Outcome]:
    """A batch's outcomes, on an executor's worker (a read failure passes through)."""
    return [t if isinstance(t, _Outcome) else _process(context, t) for t in batch]


#: A build sends its articles to a cluster in at least this many batches.
BUILD_BATCHES = 16


def _batches(
    tasks: Sequence[_Task], context: _Context, size: int
) -> Iterator[list[_Task | _Outcome]]:
    """`tasks` read, `size` at a time, as the executor asks for them."""
    for start in range(0, len(tasks), size):
        yield [_read(context, task) for task in tasks[start : start + size]]


def _run(
    tasks: Sequence[_Task],
    context: _Context,
    jobs: int,
    tick: Callable[[], None],
    executor: Executor | None = None,
) -> Generator[_Outcome, None, None]:
    """The outcome of every task, in order; in worker processes (or on `executor`,
    a cluster) when it pays."""
    if executor is not None and len(tasks) >= POOL_MIN_ARTICLES:
        # A build's few hundred articles still spread over the workers: at
        # least BUILD_BATCHES batches, each at most the executor's size.
        size = min(executor.batch_size, max(POOL_MIN_ARTICLES, -(-len(tasks) // BUILD_BATCHES)))
        batches = _batches(tasks, context, size)
        for outcomes in executor.map(_process_batch, context, batches):
            for outcome in outcomes:
                yield outcome
                tick()
        return
    if jobs <= 1 or len(tasks) < POOL_MIN_ARTICLES:
        for task in tasks:
            yield _process(context, task)
            tick()
        return
    from concurrent.futures import ProcessPoolExecutor  # multiprocessing: ~12 ms to import

    from feedsum import workers

    # Load sumy and nltk (and the detector, if any source detects) before the
    # fork: workers inherit them instead of each importing them again.
    prepare(context.settings)
    if any(task.language == AUTO for task in tasks):
        detect("Ready.")
    mp = workers.pool_context()
    stop = mp.Event()
    pool = ProcessPoolExecutor(
        jobs,
        mp_context=mp,
        initializer=_start_worker,
        initargs=(context, os.getpid(), stop),
    )
    try:
        pending = deque(pool.submit(_process_all, chunk) for chunk in _chunks(tasks, jobs))
        while pending:
            for outcome in pending.popleft().result():  # let go of each chunk once stored
                yield outcome
                tick()
    except BaseException:
        # Stopped (a signal, a failure while storing, the generator closed): every
        # worker ends its chunk after the article in hand and the queued chunks are
        # dropped, so this waits for one article, not for all of them. Not SIGKILL:
        # a worker killed while sending its results leaves half a message in the
        # pool's pipe, and the pool's thread waits for the rest forever.
        stop.set()
        pool.shutdown(cancel_futures=True)
        raise
    pool.shutdown()


# Articles per call to a worker: many, since each call costs the main process
# about half a millisecond of CPU (its threads hand the call over and take the
# results back); fewer toward the end, so that no worker is left with a long
# last chunk while the others are done.
_CHUNK_MAX = 128
_CHUNK_MIN = 4


def _chunks(tasks: Sequence[_Task], jobs: int) -> Iterator[Sequence[_Task]]:
    """`tasks` in consecutive chunks, each a quarter of a worker's share of the rest."""
    start = 0
    while start < len(tasks):
        size = max(_CHUNK_MIN, min(_CHUNK_MAX, (len(tasks) - start) // (4 * jobs)))
        yield tasks[start : start + size]
        start += size


_worker_context: _Context | None = None
_worker_stop: EventType | None = None


def _start_worker(context: _Context, parent: int, stop: EventType) -> None:
    """A worker's set-up: bound to its build's life (`parent`) and stop signal
    (`stop`), and the context, sent once instead of with every chunk."""
    global _worker_context, _worker_stop
    from feedsum.workers import start_worker

    start_worker(parent)
    _worker_context, _worker_stop = context, stop
    prepare(context.settings)  # inherited when forked; loaded here when spawned


def _process_all(tasks: Sequence[_Task]) -> list[_Outcome]:
    """One chunk's outcomes, in a worker; cut short when the build stops."""
    assert _worker_context is not None and _worker_stop is not None  # set by _start_worker
    outcomes = []
    for task in tasks:
        if _worker_stop.is_set():
            break  # the build is stopping and wants none of this chunk
        outcomes.append(_process(_worker_context, task))
    return outcomes


def _feed_settings(config: FeedConfig) -> bytes:
    """Every feed setting that shapes the outputs, besides the articles."""
    settings: tuple[object, ...] = (
        __version__, config.title, config.link, config.description, config.base_url,
        config.author, config.language, config.formats, config.full_content, config.name,
        config.max_items, str(config.output_dir), reader_key(config), settings_key(config),
        config.filters.max_age_days, str(config.templates),
        tuple(source.language for source in config.sources),
    )  # fmt: skip
    if "html" in config.formats:
        from feedsum.writers.html import templates_digest

        settings += (templates_digest(config),)  # an edited template re-renders the pages
    return repr(settings).encode()


def _scan_digest(config: FeedConfig, units: dict[str, Unit]) -> str:
    """Equal for two builds when no setting and no stamp differs between them."""
    digest = hashlib.sha256(_feed_settings(config))
    for key, unit in units.items():
        digest.update(f"\0{key}\0{unit.stamp}".encode())
    return digest.hexdigest()


def _fingerprint(config: FeedConfig, shown: Sequence[Record]) -> str:
    """A hash of everything the outputs are rendered from: equal means equal bytes."""
    digest = hashlib.sha256(_feed_settings(config))
    for r in shown:
        # content_hash covers the entry's text, settings its summary.
        digest.update(
            f"\0{r.entry_id}\0{r.content_hash}\0{r.settings}\0{r.dated}\0{r.updated}".encode()
        )
    return digest.hexdigest()


def _one_per_id(
    config: FeedConfig, records: Iterable[Record]
) -> tuple[list[Record], list[SourceError]]:
    """One record per entry id among files: the first (by path) keeps it, later ones
    are errors (two files claiming one id is a mistake to fix, not a duplicate)."""
    owner: dict[str, Record] = {}
    clashes = []
    for record in sorted(records, key=lambda r: r.key):
        first = owner.setdefault(record.entry_id, record)
        if first is not record:
            clashes.append(
                SourceError(
                    str(config.root / record.key),
                    f"entry id {record.entry_id!r} is already used by "
                    f"{config.root / first.key}; give one of them another id",
                )
            )
    return list(owner.values()), clashes


def claim_ids(records: Iterable[Record]) -> tuple[list[Record], list[tuple[Record, Record]]]:
    """One record per entry id across sources: the first seen keeps it (ties by key),
    so that no later source can take over an entry by reusing its id. Also the
    pairs (loser, owner) whose texts differ: a clash to report, not a duplicate."""
    records = list(records)
    owner: dict[str, Record] = {}
    for record in sorted(records, key=lambda r: (r.first_seen, r.key)):
        owner.setdefault(record.entry_id, record)
    kept = [r for r in records if owner[r.entry_id] is r]
    clashes = [
        (r, owner[r.entry_id])
        for r in records
        if owner[r.entry_id] is not r and r.text_hash != owner[r.entry_id].text_hash
    ]
    return kept, clashes


def dedup(records: Iterable[Record]) -> list[Record]:
    """One record per article: items with the same id, link or text are one article
    (say, from two upstreams); the earliest dated keeps it, ties by key."""
    seen: set[tuple[str, str]] = set()
    kept = []
    for record in sorted(records, key=lambda r: (r.dated, r.key)):
        marks = {("id", record.entry_id)}
        if record.link:
            marks.add(("link", record.link))
        if record.text_hash:
            marks.add(("text", record.text_hash))
        if not marks & seen:
            kept.append(record)
        seen |= marks
    return kept


@dataclass(slots=True)
class _Pages:
    """What fetching teaser items' pages did in one build."""

    failures: list[SourceError] = field(default_factory=list)
    #: Pages that failed in a way that may pass, and when to try each again.
    backing_off: list[PageState] = field(default_factory=list)
    #: Pages no longer backing off (fetched, failed for good, or no longer wanted).
    done: list[str] = field(default_factory=list)
    #: Pages failing again as they did last time: not failures (see BuildReport.still).
    still: list[str] = field(default_factory=list)
    #: Items whose page waits for a later build: past the page budget.
    over_budget: int = 0
    #: The earliest time a waiting page may be fetched.
    next_try: datetime | None = None


def _newest_first(task: _Task) -> float:
    published = task.article.published if task.article else None
    return -published.timestamp() if published else float("-inf")


def _expand(
    tasks: list[_Task],
    units: dict[str, Unit],
    fetcher: Callable[[], Fetcher],
    *,
    config: FeedConfig,
    backoffs: dict[str, PageState],
    now: datetime,
    force: bool,
) -> tuple[list[_Task], _Pages]:
    """Tasks with teaser items made whole from their linked pages, fetched in threads.

    A page that fails for good (404, no article in it, ...) is reported once
    and its item keeps the teaser; one that may work later (a timeout, a 5xx)
    is reported, backs off as a source does, and its item waits (a remembered
    entry stays). At most `page_budget` pages are fetched per build, newest
    items first; the others wait for the next build.
    """
    oldest = config.filters.oldest(now)

    def wanted(task: _Task) -> bool:
        article, unit = task.article, units[task.key]
        if article is None or not article.link or unit.article is not article:
            return False  # a file, or an item remembered from state: nothing to fetch
        if http_url(article.link) is None:
            return False  # left out at the safety boundary, with a warning
        if oldest is not None and article.published and article.published < oldest:
            return False  # too old to be shown: the teaser will do
        return unit.full_text == "always" or (unit.full_text == "auto" and article.teaser)

    def fetch(task: _Task) -> tuple[_Task | None, SourceError | None]:
        assert task.article is not None and task.article.link is not None
        try:
            allow = units[task.key].allow_private
            got = client.get(task.article.link, allow_private=allow)
            return replace(task, article=expand(task.article, got.body, got.url)), None
        except SourceError as error:
            transient = isinstance(error, FetchError) and not error.permanent
            kept = (
                "the item waits; the page is tried again later, backing off"
                if transient
                else "the feed's own text is used"
            )
            problem = f"{error.problem} (an item's page, from {units[task.key].source}; {kept})"
            return (None if transient else task), SourceError(error.origin, problem)

    pages = _Pages()
    todo = [t for t in tasks if wanted(t)]
    links = {t.key: t.article.link for t in todo if t.article and t.article.link}
    pages.done = [url for url in backoffs if url not in links.values()]
    retry = {key: backoffs[url].retry_at for key, url in links.items() if url in backoffs}
    resting = set() if force else {key for key, at in retry.items() if now < at}
    if resting:
        pages.next_try = min(retry[key] for key in resting)
    # Newest first: past the budget, the oldest wait.
    todo = sorted((t for t in todo if t.key not in resting), key=_newest_first)
    over = todo[config.fetch.page_budget :]
    todo = todo[: config.fetch.page_budget]
    if over:
        pages.next_try = now
    held = resting | {t.key for t in over}
    pages.over_budget = len(over)
    if not todo:
        return [t for t in tasks if t.key not in held], pages
    # Only now: httpx and lxml cost a local feed's build ~40 ms to import.
    from feedsum.fetch import FetchError
    from feedsum.sources.feed import expand

    client = fetcher()
    with ThreadPoolExecutor(FETCH_THREADS) as pool:
        done = dict(zip((t.key for t in todo), pool.map(fetch, todo), strict=True))
    out = []
    for task in tasks:
        if task.key in held:
            continue
        if task.key not in done:
            out.append(task)
            continue
        result, error = done[task.key]
        link = task.article.link if task.article else None
        assert link is not None
        last = backoffs.get(link)
        if error is not None and last is not None and last.last_error == error.problem:
            pages.still.append(f"{error}; still failing, {last.failures + 1} time(s) in a row")
        elif error is not None:
            pages.failures.append(error)
        if result is None:  # failed, may work later
            failures = (last.failures if last else 0) + 1
            wait = backoff(failures, None)
            problem = error.problem if error else ""
            pages.backing_off.append(PageState(link, failures, now + wait, problem))
            pages.next_try = min(pages.next_try or now + wait, now + wait)
        else:
            out.append(result)
            pages.done.append(link)
    return out, pages


def build(
    config: FeedConfig,
    state: State,
    now: datetime,
    *,
    force: bool = False,
    jobs: int = 1,
    progress: Progress | None = None,
    executor: Executor | None = None,
) -> BuildReport:
    """Build one feed: read what changed, summarize what is new, write, save state.

    `now` is when the build runs (UTC); it dates only first sightings and
    changes, ages entries out and times the back-off. `force` re-reads,
    re-fetches (unconditionally, back-off or not) and re-summarizes everything.
    `executor` (a Dask cluster) summarizes instead of `jobs` local processes.
    """
    with contextlib.ExitStack() as stack:
        clients: list[Fetcher] = []

        def fetcher() -> Fetcher:
            """The build's one HTTP client (its per-host limit spans every request)."""
            if not clients:
                from feedsum.fetch import Fetcher  # httpx loads only for feeds that fetch

                clients.append(stack.enter_context(Fetcher(config.fetch)))
            return clients[0]

        return _build(config, state, now, force, jobs, progress, fetcher, executor)
    raise AssertionError("unreachable")  # pragma: no cover


def _build(
    config: FeedConfig,
    state: State,
    now: datetime,
    force: bool,
    jobs: int,
    progress: Progress | None,
    fetcher: Callable[[], Fetcher],
    executor: Executor | None = None,
) -> BuildReport:
    outputs = tuple(config.output_dir / f"{config.name}.{fmt}" for fmt in config.formats)
    sources = state.sources(config.name)
    found = scan(config, sources, now, fetcher, id_prefix=id_prefix(config), force=force)
    last = state.last_build(config.name)
    published: dict[str, Published] = {}
    restored: dict[str, tuple[Record, Entry]] = {}
    if last is None:
        # A new feed, or a state lost or salvaged: what the feed last published
        # keeps its dates, and what no source offers any more stays.
        published = published_entries(config)
        if published:
            restored = _restore(config, found, state.records(config.name), published, now)
    units, failures = found.units, found.failures
    digest = _scan_digest(config, units)
    if (
        not force
        and not failures
        and last is not None
        and (last.scan, last.failed) == (digest, 0)
        and (last.expires is None or now < last.expires)
        and all(p.is_file() for p in outputs)
    ):
        # Same settings, same files and items, and the last build was clean: nothing to do.
        state.save(config.name, [], replace(last, built_at=now), found.sources)
        return BuildReport(
            feed=config.name,
            entries=last.entries,
            new=0,
            changed=0,
            summarized=0,
            read=0,
            failures=(),
            outputs=outputs,
            written=(),
            warnings=tuple(found.warnings),
            still=tuple(found.still),
        )

    # --force redoes the work, not the history: first-seen and change times stay.
    remembered = state.records(config.name)
    remembered.update((key, record) for key, (record, _) in restored.items())
    summary_keys, reader = _settings_keys(config), reader_key(config)
    kept: list[Record] = []  # unchanged, entry in state
    tasks: list[_Task] = []
    stored: list[str] = []  # remembered items to process again from their stored entry
    for key, unit in units.items():
        old = remembered.get(key)
        current = old is not None and old.settings == summary_keys[unit.language] and not force
        if old and current and (old.stamp, old.reader) == (unit.stamp, reader):
            kept.append(old)
            continue
        if unit.article is None and unit.source is not None:
            if old is None:
                continue  # never stored (its first processing failed): the next fetch has it
            stored.append(key)
        known = old.content_hash if old and current else None
        tasks.append(_Task(key, known, unit.kind, unit.article, unit.language))
    if stored:
        entries = state.entries(config.name, stored)
        entries.update((key, restored[key][1]) for key in stored if key in restored)
        tasks = [
            replace(t, article=from_entry(remembered[t.key], entries[t.key], t.key))
            if t.key in entries
            else t
            for t in tasks
            if t.key in entries or units[t.key].source is None
        ]
    oldest = config.filters.oldest(now)
    asked = [t.key for t in tasks]
    tasks, pages = _expand(
        tasks,
        units,
        fetcher,
        config=config,
        backoffs=state.pages(config.name),
        now=now,
        force=force,
    )
    failures.extend(pages.failures)
    # An item changed upstream whose page waits keeps its last entry meanwhile.
    waiting = set(asked) - {t.key for t in tasks}
    kept.extend(remembered[key] for key in sorted(waiting) if key in remembered)

    context = _Context(
        str(config.root),
        id_prefix(config),
        config.timezone,
        config.base_url,
        config.summary,
        config.filters,
    )
    tick = progress(len(tasks)) if progress and tasks else (lambda: None)
    # Each record is stored as its article is done, while workers summarize the
    # next ones; the transaction commits once the outputs are in place, so a
    # crash in between re-does the work instead of losing it. The outcomes are
    # closed on the way out, so that a failure while storing stops the workers.
    with (
        state.transaction(),
        contextlib.closing(_run(tasks, context, jobs, tick, executor)) as outcomes,
    ):
        for record, entry in restored.values():
            state.put(config.name, record, entry.encode())
        done = _store(config, state, now, remembered, units, outcomes, published)
        failures.extend(done.failures)
        records = [*kept, *done.records]
        if not records and last is not None and last.entries and not force:
            # Every source vanished, matches nothing or failed: not news, a fault.
            # (Entries filtered out or aged out leave records: that empty feed is true.)
            raise EmptiedFeed(config.name, last.entries, outputs[0])
        files = [r for r in records if units[r.key].source is None]
        unique, clashes = _one_per_id(config, files)
        failures.extend(clashes)
        items = [r for r in records if units[r.key].source is not None]
        # Kept-out articles never stand in for a copy the filters let through.
        owners, taken = claim_ids(r for r in (*unique, *items) if not r.excluded)
        failures.extend(
            SourceError(
                _where(config, units, loser),
                f"entry id {loser.entry_id!r} is already used by {_where(config, units, owner)}"
                " (seen first); the entry stays that one's",
            )
            for loser, owner in taken
        )
        shown_from = dedup(owners)
        if oldest is not None:
            shown_from = [r for r in shown_from if r.dated >= oldest]
        shown = newest_first(shown_from, config.max_items)
        expires = None
        if oldest is not None and shown:
            expires = config.filters.expires(min(r.dated for r in shown))
        if pages.next_try is not None:  # a waiting page: build again once it may be fetched
            expires = min(expires or pages.next_try, pages.next_try)
        fingerprint = _fingerprint(config, shown)
        written: tuple[Path, ...] = ()
        if (
            force
            or last is None
            or last.fingerprint != fingerprint
            or not all(p.is_file() for p in outputs)
        ):
            # Only the entries shown are decoded: a feed of 50 out of 10,000 articles
            # reads 50 (this build's own are read back from its transaction).
            entries = state.entries(config.name, (r.key for r in shown))
            rendered = render_outputs(config, [make_item(r, entries[r.key]) for r in shown])
            written = tuple(path for path, data in rendered.items() if _write(path, data))
        build = FeedBuild(
            name=config.name,
            fingerprint=fingerprint,
            scan=digest,
            built_at=now,
            entries=len(shown),
            failed=len(failures),
            last_error=str(failures[0]) if failures else None,
            expires=expires,
        )
        state.put_pages(config.name, pages.backing_off, pages.done)
        places = [
            (f.origin if f.line is None else f"{f.origin}:{f.line}", f.problem) for f in failures
        ]
        state.put_failures(config.name, places, now)
        state.finish(config.name, build, found.sources)
    warnings = [*found.warnings, *done.warnings]
    if done.neutral:
        # Once per feed and build, and only when it summarized: never silently.
        tags = sorted({tag or config.language for tag in done.neutral})
        warnings.append(
            f"language {', '.join(map(repr, tags))}: no sentence model, stemmer or stop "
            "words for it; "
            f"{sum(done.neutral.values())} article(s) summarized on the language-neutral path "
            "(sentences end at . ! ? \u3002 \uff01 \uff1f; no stemming, no stop words)"
        )
    if pages.over_budget:  # (pages backing off were reported when they failed)
        warnings.append(
            f"{pages.over_budget} item(s) wait for their page until the next build: past "
            f"[fetch] page_budget = {config.fetch.page_budget} pages per build"
        )
    return BuildReport(
        feed=config.name,
        entries=len(shown),
        new=done.new,
        changed=done.changed,
        summarized=done.summarized,
        read=len(tasks),
        failures=tuple(failures),
        outputs=outputs,
        written=written,
        warnings=tuple(warnings),
        still=(*found.still, *pages.still),
    )


def _where(config: FeedConfig, units: dict[str, Unit], record: Record) -> str:
    """A record's article as messages name it: a file's path, an item's source and id."""
    if units[record.key].source is None:
        return str(config.root / record.key)
    return record.key


def render_outputs(config: FeedConfig, items: Sequence[FeedItem]) -> dict[Path, bytes]:
    """Every file of the feed by path: each format, then (`html`) each local article's
    page, which becomes the entry link of an article without a link of its own.
    All are rendered before any is written: a renderer that fails leaves all of
    the feed's outputs as they were, not some of them."""
    from feedsum.writers.feeds import render  # feedgen loads only when a feed changes
    from feedsum.writers.site import with_pages

    items = with_pages(config, items)
    rendered = {
        config.output_dir / f"{config.name}.{fmt}": render(config, items, fmt)
        for fmt in config.formats
    }
    if "html" in config.formats:
        from feedsum.writers.html import render_article_pages

        pages = render_article_pages(config, items)
        rendered.update((config.output_dir / path, data) for path, data in pages.items())
    return rendered


def publish_index(configs: Sequence[FeedConfig]) -> list[tuple[Path, bool]]:
    """`index.html` and `feeds.opml` in each output folder, listing its feeds that
    have been built (their first format's file exists), in name order; each path
    and whether its bytes changed."""
    from feedsum.opml import render_opml
    from feedsum.writers.html import render_index

    folders: dict[Path, list[FeedConfig]] = {}
    for config in sorted(configs, key=lambda c: c.name):
        if (config.output_dir / f"{config.name}.{config.formats[0]}").is_file():
            folders.setdefault(config.output_dir, []).append(config)
    done: list[tuple[Path, bool]] = []
    for folder, feeds in folders.items():
        rendered = {
            folder / "index.html": render_index(feeds),
            folder / "feeds.opml": render_opml(feeds),
        }
        done.extend((path, _write(path, data)) for path, data in rendered.items())
    return done


def _write(path: Path, data: bytes) -> bool:
    """`write_atomic`, its OSError an OutputError that names the file (the build's
    transaction then rolls back, so the next build tries again)."""
    try:
        return write_atomic(path, data)
    except OSError as exc:
        raise OutputError(path, os_problem(exc)) from exc


@dataclass(slots=True)
class _Done:
    """The records of the articles processed in a build, as `_store` stored them."""

    records: list[Record] = field(default_factory=list)
    failures: list[SourceError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    new: int = 0
    changed: int = 0
    summarized: int = 0
    #: Articles summarized on the language-neutral path, by language tag.
    neutral: dict[str, int] = field(default_factory=dict)


def _store(
    config: FeedConfig,
    state: State,
    now: datetime,
    remembered: dict[str, Record],
    units: dict[str, Unit],
    outcomes: Iterable[_Outcome],
    published: dict[str, Published],
) -> _Done:
    """Each outcome as a record, stored as it comes (inside the build's transaction).
    A new record of an entry the feed has `published` keeps the dates it showed."""
    summary_keys, reader = _settings_keys(config), reader_key(config)
    done = _Done()
    for outcome in outcomes:
        if outcome.error:
            done.failures.append(SourceError(*outcome.error))
            continue
        done.warnings.extend(outcome.warnings)
        old = remembered.get(outcome.key)
        unit = units[outcome.key]
        stamp = unit.stamp
        if outcome.entry is None:
            assert old is not None  # a known hash comes from a record
            # Read again, same content: a new stamp only.
            record = replace(old, stamp=stamp, reader=reader, entry_id=outcome.entry_id)
        else:
            edited = old is not None and old.content_hash != outcome.digest
            done.new += old is None
            done.changed += edited
            first_seen, changed = now, now if edited else (old.changed if old else None)
            if old is not None:
                first_seen = old.first_seen
            elif outcome.entry_id in published:
                first_seen, changed = published[outcome.entry_id].dates(now)
            record = Record(
                key=outcome.key,
                entry_id=outcome.entry_id,
                content_hash=outcome.digest,
                settings=summary_keys[unit.language],
                stamp=stamp,
                reader=reader,
                first_seen=first_seen,
                changed=changed,
                published=outcome.published,
                link=outcome.link,
                text_hash=outcome.text_hash,
                excluded=outcome.excluded,
            )
            done.summarized += 1
            if outcome.neutral is not None:
                done.neutral[outcome.neutral] = done.neutral.get(outcome.neutral, 0) + 1
            # explain's words: an article kept out by the filter is not summarized.
            done_as = "excluded by the filter" if outcome.excluded else "summarized"
            log.debug("%s: %s %s", config.name, done_as, outcome.origin)
        state.put(config.name, record, outcome.entry)
        done.records.append(record)
    return done


#: The stamp of an item restored from the feed's published entries: no upstream
#: data gives it, so the item is processed again if its upstream offers it again.
RESTORED_STAMP = "published"


def _item_sources(config: FeedConfig) -> dict[str, SourceConfig]:
    """Each upstream feed's reference (its URL, or a saved feed file's key)."""
    refs: dict[str, SourceConfig] = {}
    for source in config.sources:
        if source.kind != "feed":
            continue
        if source.url is not None:
            refs[source.url] = source
        elif source.pattern is not None:
            refs.update((match.key, source) for match in matches(config, source)[0])
    return refs


def _restore(
    config: FeedConfig,
    found: Scan,
    remembered: dict[str, Record],
    published: dict[str, Published],
    now: datetime,
) -> dict[str, tuple[Record, Entry]]:
    """Records and entries, by key, for the upstream items the feed published that
    no upstream offers now (they rolled off) and the state does not remember;
    `found` gains their units, and their sources remember them from now on.

    An entry with an Atom `<source>` came from an upstream feed; its key is
    `<source>#<id>`, the source found by the key it is remembered under, the
    URL its upstream gives, or as the feed's only upstream.
    """
    refs = _item_sources(config)
    offered = {u.article.id for u in found.units.values() if u.article is not None}
    by_url = {
        u.article.source_url: u.source
        for u in found.units.values()
        if u.article is not None and u.source in refs and u.article.source_url
    }
    restored: dict[str, tuple[Record, Entry]] = {}
    for item in published.values():
        if item.entry.source_url is None or item.id in offered:
            continue  # a local article (its file says what it is), or offered now
        ref = next((r for r in refs if f"{r}#{item.id}" in found.units), None)
        ref = (
            ref
            or by_url.get(item.entry.source_url)
            or (next(iter(refs)) if len(refs) == 1 else None)
        )
        key = f"{ref}#{item.id}"
        if ref is None or key in remembered:
            continue
        source = refs[ref]
        unit = found.units.get(key) or Unit(
            RESTORED_STAMP,
            "feed",
            None,
            ref,
            source.full_text,
            source.allow_private,
            source.language,
        )
        found.units[key] = unit
        first_seen, changed = item.dates(now)
        record = Record(
            key=key,
            entry_id=item.id,
            content_hash="",
            settings=settings_key(config, unit.language),
            stamp=unit.stamp,
            reader=reader_key(config),
            first_seen=first_seen,
            changed=changed,
            published=item.published,
            link=item.entry.link,
            text_hash=text_hash(item.entry.paragraphs),
        )
        article = from_entry(record, item.entry, key)
        record = replace(record, content_hash=content_hash(article, item.entry.paragraphs))
        restored[key] = (record, item.entry)
        _remember(found, ref, key, unit.stamp)
    found.units = dict(sorted(found.units.items()))
    return restored


def _remember(found: Scan, ref: str, key: str, stamp: str) -> None:
    """The source `ref` remembers the item `key` from this build on."""
    for n, source in enumerate(found.sources):
        if source.source == ref:
            found.sources[n] = replace(source, items={**source.items, key: stamp})
            return
    found.sources.append(SourceState(source=ref, items={key: stamp}))


def known(config: FeedConfig, state: State) -> tuple[set[str], set[str]]:
    """What `gc` keeps: the keys of articles whose file exists or whose upstream is
    still a source of the feed, and those upstream sources."""
    keys = set(scan_files(config)[0])
    refs = {s.url for s in config.sources if s.url}
    for source in config.sources:
        if source.pattern is not None and source.kind in ITEM_KINDS:
            refs.update(match.key for match in matches(config, source)[0])
    for ref, remembered in state.sources(config.name).items():
        if ref in refs:
            keys.update(remembered.items)
    return keys, refs


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
