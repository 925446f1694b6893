"""The command line: a thin click wrapper over the library.

Exit codes: 0 ok; 1 some articles, sources or outputs failed (the other feeds were
still written); 2 usage or config error (the other feeds were still built); 65 the
state file is damaged (`feedsum recover`; sysexits' EX_DATAERR); 75 another build
holds the lock (cron retries; sysexits' EX_TEMPFAIL); 143 / 130 stopped by SIGTERM /
SIGINT (its workers stopped, the feed being built rolled back).
"""

from __future__ import annotations

import contextlib
import json
import logging
import signal
import sqlite3
import sys
import threading
import time
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from feedsum import __version__
from feedsum.archive import PARTITION_ROWS
from feedsum.cluster import CONNECT_TIMEOUT_S
from feedsum.config import MAX_SENTENCES, MAX_WORDS, MIN_WORDS, FeedConfig, find_feeds, load_feed
from feedsum.errors import (
    BuildStopped,
    ClusterError,
    ConfigError,
    FeedsumError,
    OutputError,
    SourceError,
    StateDamaged,
    StateError,
)
from feedsum.lock import BuildLock, LockHeld
from feedsum.model import Length, SummarySettings
from feedsum.pipeline import build as build_feed
from feedsum.pipeline import default_jobs, known, publish_index
from feedsum.state import State, is_damage
from feedsum.summarize import ALGORITHMS, DEFAULT_ALGORITHM, summarize
from feedsum.text import clean

if TYPE_CHECKING:
    from feedsum.executors import Executor

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_DAMAGED, EXIT_LOCKED = 0, 1, 2, 65, 75
# Builds shorter than this never show a progress bar.
PROGRESS_DELAY_S = 1.0

EXIT_CODES_HELP = """\b
Exit codes (the same for every command):
  0   done
  1   something failed, each named on stderr; the rest was still done
      (build: articles, sources or outputs; the other feeds were written)
  2   usage, missing file or feed-file error (the file and key are named);
      build still builds the other feeds
  65  the state file is damaged; `feedsum recover` salvages it
  75  another build holds the lock (build, gc); try again later
  130 stopped by SIGINT (^C), as 143
  143 stopped by SIGTERM: its workers stopped, the feed being built rolled
      back; the next build redoes it"""

log = logging.getLogger("feedsum")
_F = TypeVar("_F", bound=Callable[..., Any])


class _ConfigFailure(click.ClickException):
    """A ConfigError, shown like a usage error (exit 2)."""

    exit_code = EXIT_USAGE


class _DamagedFailure(click.ClickException):
    """A damaged state file (exit 65): no command can use it until it is recovered."""

    exit_code = EXIT_DAMAGED


def _fail(error: FeedsumError, recover: str = "feedsum recover") -> click.ClickException:
    """`error` as click shows it: one line on stderr, and the exit code of its kind.
    `recover` is the command that finds the same state file, for a damaged one."""
    if isinstance(error, ConfigError | ClusterError):
        return _ConfigFailure(str(error))
    if isinstance(error, StateDamaged):
        return _DamagedFailure(str(StateDamaged(error.path, error.reason, recover)))
    return click.ClickException(str(error))


def _recover_command(feeds_dir: Path, state_path: Path | None) -> str:
    """`feedsum recover`, with --state when the state is not where it looks by default."""
    if state_path is None and feeds_dir == Path("feeds"):
        return "feedsum recover"
    return f"feedsum recover --state {_state_path(feeds_dir, state_path)}"


@contextmanager
def _state_errors(feeds_dir: Path, state_path: Path | None, consequence: str) -> Iterator[None]:
    """A command's SQLite and feedsum errors as one line that names the fix (for a
    damaged state, the `feedsum recover` that finds it)."""
    recover = _recover_command(feeds_dir, state_path)
    try:
        yield
    except sqlite3.Error as exc:
        problem = _database_error(exc, _state_path(feeds_dir, state_path), consequence)
        raise _fail(problem, recover) from exc
    except FeedsumError as error:
        raise _fail(error, recover) from error


def _database_error(exc: sqlite3.Error, path: Path, consequence: str) -> StateError:
    """A StateError for an error SQLite raised: damage (exit 65, `feedsum recover`),
    or what happened and its `consequence` (a full disk, a lock held too long)."""
    if is_damage(exc):
        return StateDamaged(path, str(exc))
    return StateError(f"{path}: {exc}; {consequence}")


def _setup_logging(verbose: int, quiet: bool) -> None:
    level = logging.WARNING if quiet else (logging.DEBUG if verbose else logging.INFO)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log.handlers[:] = [handler]
    log.setLevel(level)
    log.propagate = False


def project_options(command: _F) -> _F:
    """--feeds and --state, shared by the commands that read feeds and state."""
    command = click.option(
        "--state",
        "state_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="State database.  [default: .feedsum/state.db beside the feeds folder]",
    )(command)
    return click.option(
        "--feeds",
        "feeds_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("feeds"),
        show_default=True,
        help="Folder of feed files (*.toml).",
    )(command)


# Length options shared by `summarize` and `eval` (each also has its own --sentences).
ratio_option = click.option(
    "-r",
    "--ratio",
    type=click.FloatRange(0, 1, min_open=True),
    default=None,
    help="Share of each article's sentences to keep, instead of --sentences.",
)


def _language(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """--language: a BCP 47 tag or a language name, to the name summaries use."""
    from feedsum.languages import AUTO, NEUTRAL, is_tag, resolve

    if value.lower() == AUTO:
        raise click.BadParameter(
            "a dataset is scored in one language (its references are split in it): "
            'give its tag, such as "en" or "de"'
        )
    if not is_tag(value) and value.lower() != NEUTRAL:
        raise click.BadParameter(f'use a BCP 47 tag such as "de" or "pt-BR"; got {value!r}')
    name = resolve(value)
    if name == NEUTRAL and value.lower() != NEUTRAL:
        click.echo(
            f"warning: no sentence model, stemmer or stop words for {value!r}: "
            "summarizing on the language-neutral path",
            err=True,
        )
    return name


def _language_or_auto(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """--language where "auto" detects each article's."""
    from feedsum.languages import AUTO

    return AUTO if value.lower() == AUTO else _language(ctx, param, value)


def language_option(auto: bool) -> Callable[[_F], _F]:
    """--language; `auto`: it may be "auto", detected per article."""
    detected = ', or "auto" to detect each article\'s' if auto else ""
    return click.option(
        "-l",
        "--language",
        default="en",
        show_default=True,
        callback=_language_or_auto if auto else _language,
        help="The text's language, a BCP 47 tag (de, pt-BR, sv) or a name (german)"
        f"{detected}: it picks the sentence model, stemmer and stop words; see the "
        "README's table.",
    )


words_option = click.option(
    "-w",
    "--words",
    type=click.IntRange(MIN_WORDS, MAX_WORDS),
    default=None,
    help="Word budget: the best sentences while they fit, instead of --sentences.",
)


def summary_options(command: _F) -> _F:
    """What a summary is made with (summarize, archive): -a, -n, -r, -w, -l (or auto)."""
    options = (
        click.option(
            "-a",
            "--algorithm",
            type=click.Choice(sorted(ALGORITHMS)),
            default=DEFAULT_ALGORITHM,
            show_default=True,
            help="Summarizer to use.",
        ),
        click.option(
            "-n",
            "--sentences",
            type=click.IntRange(1, MAX_SENTENCES),
            default=None,
            help="Sentences to keep [3].",
        ),
        ratio_option,
        words_option,
        language_option(auto=True),
    )
    for option in reversed(options):  # as decorators apply: the last first
        command = option(command)
    return command


cluster_timeout_option = click.option(
    "--cluster-timeout",
    "cluster_timeout_s",
    type=click.FloatRange(0, min_open=True),
    default=CONNECT_TIMEOUT_S,
    show_default=True,
    metavar="SECONDS",
    help="How long to wait for the --cluster scheduler (and a worker) before exit 2.",
)


@contextmanager
def _stopped_by_signals() -> Iterator[None]:
    """SIGTERM (systemctl stop, kill) and SIGINT (^C) raise BuildStopped in the main
    thread, so that every `with` unwinds: workers killed, transaction rolled back,
    lock released. Python's default would end the process on SIGTERM with none of
    that (and orphaned workers), and print a traceback on SIGINT."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread
        return

    def stop(signum: int, frame: object) -> None:
        # One stop is enough: a second signal must not cut the unwinding short.
        for each in previous:
            signal.signal(each, signal.SIG_IGN)
        raise BuildStopped(signum)

    previous = {each: signal.signal(each, stop) for each in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for each, handler in previous.items():
            signal.signal(each, handler)


def _state_path(feeds_dir: Path, state_path: Path | None) -> Path:
    return state_path or feeds_dir.resolve().parent / ".feedsum" / "state.db"


def _load(feeds_dir: Path, names: tuple[str, ...]) -> list[FeedConfig]:
    return [load_feed(path) for path in find_feeds(feeds_dir, names)]


def _progress_bar(feed: str) -> Callable[[int], Callable[[], None]]:
    """A progress bar on stderr when it is a terminal, for builds that take a while."""

    def start(total: int) -> Callable[[], None]:
        if not sys.stderr.isatty():
            return lambda: None
        from tqdm import tqdm

        # No monitor thread: --jobs forks worker processes after the bar starts,
        # and forking a process with a thread that may hold a lock is unsafe.
        tqdm.monitor_interval = 0
        bar = tqdm(total=total, desc=feed, unit="article", delay=PROGRESS_DELAY_S, leave=False)

        def tick() -> None:
            bar.update()
            if bar.n >= total:
                bar.close()

        return tick

    return start


@click.group(epilog=EXIT_CODES_HELP)
@click.version_option(__version__, prog_name="feedsum")
def cli() -> None:
    """Summarize articles and publish them as Atom, RSS and JSON feeds and web pages.

    Each feed is a TOML file in feeds/ naming its sources: folders of text,
    Markdown, HTML or JSON Lines articles, and upstream feeds. `feedsum build`
    writes its summarized feeds to public/. The summarizers and the English
    sentence model are part of the install; the network is used only for the
    upstream URLs a feed file names.
    """


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("names", nargs=-1)
@project_options
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(1),
    default=None,
    help="Processes summarizing new articles.  [default: number of CPUs]",
)
@click.option(
    "--cluster",
    metavar="ADDRESS",
    envvar="FEEDSUM_CLUSTER",
    default=None,
    help="Summarize new articles on this Dask scheduler (tcp://host:8786), or on local:N "
    "worker processes, instead of --jobs; also from FEEDSUM_CLUSTER. Needs the extra "
    "feedsum[cluster]; see docs/scale.md.",
)
@cluster_timeout_option
@click.option("--force", is_flag=True, help="Re-read and re-summarize every article.")
@click.option(
    "--wait",
    "wait_s",
    type=click.FloatRange(0),
    default=0,
    metavar="SECONDS",
    help="If another build is running, wait up to this long for it.  [default: exit 75 at once]",
)
@click.option("-v", "--verbose", count=True, help="Say what is done to each article.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing unless something fails (cron).")
@click.option(
    "--debug", is_flag=True, help="With a feed that fails unexpectedly, print the traceback."
)
def build(
    names: tuple[str, ...],
    feeds_dir: Path,
    state_path: Path | None,
    jobs: int | None,
    cluster: str | None,
    cluster_timeout_s: float,
    force: bool,
    wait_s: float,
    verbose: int,
    quiet: bool,
    debug: bool,
) -> None:
    """Build every feed in the feeds folder, or only the NAMES given.

    Only new and changed articles are summarized; a feed whose entries did not
    change is not rewritten. Failed articles and upstream sources are named on
    stderr and skipped (a failed upstream's last good items stay).

    \b
    Examples:
      feedsum build                      # every feeds/*.toml
      feedsum build example              # just feeds/example.toml
      feedsum build --quiet --wait 60    # from cron
      feedsum build --cluster tcp://10.0.0.5:8786    # summarize on a Dask cluster
    """
    if quiet and verbose:
        raise click.UsageError("--quiet and --verbose ask for opposite things; give one of them")
    _setup_logging(verbose, quiet)
    failed = bad_files = 0
    recover = _recover_command(feeds_dir, state_path)
    state_path = _state_path(feeds_dir, state_path)
    try:
        configs = []
        for path in find_feeds(feeds_dir, names):
            try:
                configs.append(load_feed(path))
            except ConfigError as error:
                # One broken feed file must not stop the others from updating.
                log.error("Error: %s", error)
                bad_files += 1
        if configs:
            with (
                _stopped_by_signals(),
                BuildLock(state_path.with_name("lock"), wait_s),
                State(state_path) as state,
                _executor(cluster, cluster_timeout_s) as executor,
            ):
                failed = sum(
                    _build_one(config, state, force, jobs, debug, executor) for config in configs
                )
                failed += _publish_index(feeds_dir, configs)
                _backup(state)
    except BuildStopped as stop:
        log.error("%s", stop)
        sys.exit(stop.exit_code)
    except LockHeld as error:
        log.error("Error: %s", error)
        sys.exit(EXIT_LOCKED)
    except sqlite3.Error as exc:  # mid-build: the disk is full, an I/O error, damage
        consequence = "nothing of the feed being built was saved, the next build redoes it"
        problem = _database_error(exc, state_path, consequence)
        raise _fail(problem, recover) from exc
    except FeedsumError as error:
        raise _fail(error, recover) from error
    if bad_files:
        sys.exit(EXIT_USAGE)
    if failed:
        sys.exit(EXIT_FAILED)


@contextmanager
def _executor(cluster: str | None, timeout_s: float) -> Iterator[Executor | None]:
    """The Dask cluster at `cluster` (connected when a feed first needs it), or None."""
    if not cluster:
        yield None
        return
    from feedsum.cluster import DaskExecutor  # dask itself loads only on connecting

    with DaskExecutor(cluster, timeout_s) as executor:
        yield executor


def _backup(state: State) -> None:
    """The hourly copy of the state after a build (checked sound first: damage no
    build step met is found here). A copy that cannot be written is a warning: the
    feeds are built, and the next build tries again."""
    try:
        written = state.backup(datetime.now(UTC))
    except OSError as exc:
        log.warning("Warning: %s: cannot write the state's backup (%s)", state.path, exc)
        return
    if written:
        log.debug("backed up the state to %s", written)


def _publish_index(feeds_dir: Path, built: list[FeedConfig]) -> int:
    """The index and OPML of every output folder: all the folder's feeds, not only
    those built now (feed files that fail to load are named when they are built).
    The number of failures (0 or 1)."""
    configs = {config.path: config for config in built}
    for path in find_feeds(feeds_dir):
        if path not in configs:
            with contextlib.suppress(ConfigError):
                configs[path] = load_feed(path)
    try:
        done = publish_index(list(configs.values()))
    except OutputError as error:
        log.error("Error: %s", error)
        return 1
    for path, wrote in done:
        log.info("%s %s", "wrote" if wrote else "unchanged", path)
    return 0


def _build_one(
    config: FeedConfig,
    state: State,
    force: bool,
    jobs: int | None,
    debug: bool = False,
    executor: Executor | None = None,
) -> int:
    """Build one feed and report it on stderr; the number of failures."""
    started = time.perf_counter()
    try:
        report = build_feed(
            config,
            state,
            datetime.now(UTC),
            force=force,
            jobs=jobs or default_jobs(),
            progress=_progress_bar(config.name),
            executor=executor,
        )
    except OutputError as error:
        log.error("Error: %s", error)
        return 1
    except (sqlite3.Error, ClusterError):
        raise  # the state database or the cluster: no feed can be built (see `build`)
    except Exception as exc:
        # Whatever else goes wrong in one feed (a bug, a library's surprise) is that
        # feed's failure: its transaction has rolled back, its outputs are as they
        # were, and the other feeds are still built.
        log.error(
            "Error: %s: this feed was not built (%s: %s); its previous outputs are kept%s",
            config.name,
            type(exc).__name__,
            exc,
            "" if debug else "; --debug shows where it failed",
            exc_info=debug,
        )
        return 1
    for warning in report.warnings:
        log.warning("Warning: %s", warning)
    for failure in report.failures:
        log.error("Error: %s", failure)
    for line in report.still:  # reported when it began: cron (-q) is not told again
        log.info("Still: %s", line)
    for path in report.outputs:
        log.info("%s %s", "wrote" if path in report.written else "unchanged", path)
    for path in report.written:
        if path not in report.outputs:  # an article's page
            log.info("wrote %s", path)
    log.info(
        "%s: %d %s, %d new, %d changed, %d failed, %.2f s",
        report.feed,
        report.entries,
        "entry" if report.entries == 1 else "entries",
        report.new,
        report.changed,
        len(report.failures),
        time.perf_counter() - started,
    )
    log.debug("%s: %d files read, %d summarized", report.feed, report.read, report.summarized)
    return len(report.failures)


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("names", nargs=-1)
@project_options
def status(names: tuple[str, ...], feeds_dir: Path, state_path: Path | None) -> None:
    """Show each feed's entries, last build time and last error, and each
    upstream source's items, last check and back-off.

    \b
    Example:
      feedsum status
    """
    path = _state_path(feeds_dir, state_path)
    with _state_errors(feeds_dir, state_path, "try again; nothing was changed"):
        configs = _load(feeds_dir, names)
        with State(path) as state:
            state.check()  # status is where damage should show, whatever pages it is in
            for config in configs:
                last = state.last_build(config.name)
                if last is None:
                    click.echo(f"{config.name}: never built")
                    continue
                click.echo(
                    f"{config.name}: {last.entries} entries, last built "
                    f"{last.built_at:%Y-%m-%d %H:%M:%S} UTC, {last.failed} failed"
                )
                if last.last_error:
                    click.echo(f"  last error: {last.last_error}")
                for ref, source in sorted(state.sources(config.name).items()):
                    checked = (
                        f"{source.checked_at:%Y-%m-%d %H:%M:%S} UTC"
                        if source.checked_at
                        else "never"
                    )
                    line = f"  {ref}: {len(source.items)} items, checked {checked}"
                    if source.failures:
                        line += f", {source.failures} failure(s) in a row"
                    if source.retry_at and source.failures:
                        line += f", next try after {source.retry_at:%Y-%m-%d %H:%M} UTC"
                    click.echo(line)
                    if source.failures and source.last_error:
                        click.echo(f"    last error: {source.last_error}")


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("name")
@click.argument("article", required=False)
@project_options
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line, for scripts.")
def explain(
    name: str, article: str | None, feeds_dir: Path, state_path: Path | None, as_json: bool
) -> None:
    """Say what became of each article the feed NAME knows, and why: shown (at
    which place), excluded by which filter rule, a duplicate of which entry,
    aged out, beyond max_items, removed from its source; and what failed in the
    last build (since when) and which items wait for a page. ARTICLE narrows it
    to the articles whose path, URL or title contains it.

    \b
    Examples:
      feedsum explain example
      feedsum explain digest sponsored
      feedsum explain digest --json | jq -r 'select(.fate == "excluded") | .key'
    """
    from feedsum.explain import explain as fates_of
    from feedsum.pipeline import known

    path = _state_path(feeds_dir, state_path)
    with _state_errors(feeds_dir, state_path, "try again; nothing was changed"):
        (config,) = _load(feeds_dir, (name,))
        with State(path) as state:
            records = state.records(config.name)
            offered, _ = known(config, state)
            fates = fates_of(
                config,
                records,
                state.entries(config.name, records),
                offered,
                state.failures(config.name),
                state.pages(config.name).values(),
                datetime.now(UTC),
            )
    if article:
        fates = [f for f in fates if article in f.key or article in (f.title or "")]
    for fate in fates:
        if as_json:
            click.echo(json.dumps(fate.as_json(), ensure_ascii=False))
        else:
            titled = f" ({fate.title})" if fate.title else ""
            click.echo(f"{fate.fate}: {fate.key}{titled}: {fate.why}")


@cli.command(epilog=EXIT_CODES_HELP)
@project_options
def gc(feeds_dir: Path, state_path: Path | None) -> None:
    """Forget articles whose files are gone, items of upstreams no longer listed,
    and feeds whose feed file is gone.

    Until then, a removed article that comes back keeps its id and its
    first-seen date.

    \b
    Examples:
      feedsum gc
      feedsum gc --feeds /srv/feedsum/feeds    # the state beside it, in .feedsum/
    """
    path = _state_path(feeds_dir, state_path)
    with _state_errors(feeds_dir, state_path, "nothing was forgotten; try again"):
        configs = _load(feeds_dir, ())
        try:
            with BuildLock(path.with_name("lock")), State(path) as state:
                state.check()  # forgetting is no job for a damaged file
                for config in configs:
                    dropped = state.forget(config.name, *known(config, state))
                    click.echo(f"{config.name}: forgot {dropped} removed articles")
                for name in sorted(set(state.feeds()) - {c.name for c in configs}):
                    forgot = state.forget_feed(name)
                    click.echo(f"{name}: feed file gone, forgot {forgot} articles")
        except LockHeld as error:
            log.error("Error: %s", error)
            sys.exit(EXIT_LOCKED)


@cli.command(epilog=EXIT_CODES_HELP)
@project_options
@click.option(
    "--from-backup",
    is_flag=True,
    help="Put the state's backup (made by builds, at most hourly) in its place instead.",
)
def recover(feeds_dir: Path, state_path: Path | None, from_backup: bool) -> None:
    """Salvage a damaged state file: what can be read goes into a fresh file
    that takes its place; the damaged one is kept as state.db.broken-<time>.

    Every feed is then built in full on the next build, and entries whose
    records were lost are re-imported from the feed's published Atom file, so
    they keep their ids and dates. A sound state is left as it is.

    \b
    Examples:
      feedsum recover
      feedsum recover --from-backup      # the last hourly backup instead
    """
    from feedsum import recover as salvaging

    path = _state_path(feeds_dir, state_path)
    now = datetime.now(UTC)
    try:
        with BuildLock(path.with_name("lock")):
            if from_backup:
                _restore(path, now)
                return
            damage = salvaging.problem(path)
            if damage is None:
                click.echo(f"{path} is sound; nothing to recover")
                return
            click.echo(f"{path}: {damage}")
            done = salvaging.salvage(path, now)
            for table in done.tables:
                lost = "an unknown number" if table.lost is None else str(table.lost)
                click.echo(f"{table.table}: {table.rows} rows salvaged, {lost} lost")
            click.echo(
                f"feeds: {done.feeds} build records left out; the next build rebuilds "
                "every feed and re-imports lost entries from its published Atom file"
            )
            click.echo(f"kept the damaged file as {done.kept}")
            made = salvaging.backup_time(path)
            if made is not None:
                click.echo(
                    f"a sound backup from {made:%Y-%m-%d %H:%M:%S} UTC exists: "
                    "`feedsum recover --from-backup` puts it in place instead"
                )
    except LockHeld as error:
        log.error("Error: %s", error)
        sys.exit(EXIT_LOCKED)
    except (OSError, sqlite3.Error) as exc:
        problem = f"{path}: cannot recover it ({exc}); the damaged file is kept"
        raise click.ClickException(problem) from exc
    except FeedsumError as error:
        raise _fail(error) from error


def _restore(path: Path, now: datetime) -> None:
    """`recover --from-backup`: the backup, if sound, in place of the state."""
    from feedsum import recover as salvaging
    from feedsum.state import backup_path

    made = salvaging.backup_time(path)
    if made is None:
        raise click.ClickException(
            f"{backup_path(path)}: no sound backup there; run `feedsum recover` without "
            "--from-backup to salvage the state itself"
        )
    kept = salvaging.restore(path, now)
    click.echo(f"restored the backup from {made:%Y-%m-%d %H:%M:%S} UTC to {path}")
    if kept is not None:
        click.echo(f"kept the replaced file as {kept}")


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--name", default="news", show_default=True, help="The feed's name (its file).")
@click.option("--title", default="News", show_default=True, help="The feed's title.")
@click.option(
    "--link",
    default="https://example.org/",
    show_default=True,
    help="The site the feed belongs to (part of every entry id).",
)
def init(directory: Path, name: str, title: str, link: str) -> None:
    """Start a project: a commented feed file and one sample article.

    Writes DIRECTORY/feeds/NAME.toml and DIRECTORY/feeds/NAME/welcome.txt
    (never over an existing file), then prints the commands to build it.

    \b
    Example:
      feedsum init town --name news --title "Town news" --link https://town.example/
      feedsum build --feeds town/feeds
    """
    from feedsum.config import parse_feed
    from feedsum.starter import NAME, starter

    if not NAME.fullmatch(name):
        raise click.BadParameter(
            "use lowercase letters, digits, - and _ (it names the files)", param_hint="--name"
        )
    made = starter(name, title, link, datetime.now(UTC).date())
    for relative, _ in made.files:
        if (directory / relative).exists():
            raise click.UsageError(f"{directory / relative} exists; init writes only new files")
    feed_path, feed_text = made.files[0]
    try:  # checked as a build will read it: a bad --link is said now
        parse_feed(directory / feed_path, tomllib.loads(feed_text))
    except ConfigError as error:
        raise click.UsageError(str(error)) from error
    for relative, text in made.files:
        (directory / relative).parent.mkdir(parents=True, exist_ok=True)
        (directory / relative).write_text(text, encoding="utf-8")
        click.echo(f"wrote {directory / relative}")
    feeds = directory / "feeds"
    click.echo(
        f"Next:\n  feedsum build --feeds {feeds}    # writes "
        f"{directory / 'public' / name}.atom, .rss, .json and .html\n"
        f"  feedsum status --feeds {feeds}"
    )


def _algorithms_help() -> str:
    """The registry as an epilog: what each name does, the default marked."""
    width = max(map(len, ALGORITHMS))
    lines = [
        f"  {name:<{width}}  {a.description}{' (default)' if name == DEFAULT_ALGORITHM else ''}"
        for name, a in sorted(ALGORITHMS.items())
    ]
    return "\b\nAlgorithms:\n" + "\n".join(lines)


@cli.command("summarize", epilog=_algorithms_help() + "\n\n" + EXIT_CODES_HELP)
@click.argument("target", metavar="FILE|URL|-")
@click.option(
    "--kind",
    type=click.Choice(["textfile", "markdown", "html", "jsonl"]),
    default=None,
    help="What the input is.  [default: by its suffix (.md, .html, .jsonl; else text); "
    "a URL: a web page]",
)
@click.option(
    "--allow-private",
    is_flag=True,
    help="Let a URL reach a loopback or private address (refused by default, as in feeds).",
)
@summary_options
@click.option(
    "--stop-words",
    "stop_words_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="A file of stop words, one a line, added to the language's own.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: one sentence per line; json: the summary with its sentence indices.",
)
def summarize_command(
    target: str,
    kind: str | None,
    allow_private: bool,
    algorithm: str,
    sentences: int | None,
    ratio: float | None,
    words: int | None,
    language: str,
    stop_words_file: Path | None,
    fmt: str,
) -> None:
    """Print the summary of one article: a file in any format a feed reads, a
    web page, or standard input (-). A JSON Lines file gives one summary a line.

    \b
    Examples:
      feedsum summarize feeds/example/01-harbour-ferry.txt
      feedsum summarize notes/roof.md
      feedsum summarize https://news.example.org/2025/06/story.html
      feedsum summarize -a textrank -n 2 --format json - < article.txt
    """
    from feedsum import oneoff
    from feedsum.languages import read_stop_words

    length = _length(sentences, ratio, words)
    extra: frozenset[str] = frozenset()
    if stop_words_file is not None:
        try:
            extra = read_stop_words(stop_words_file)
        except (OSError, UnicodeDecodeError) as error:
            problem = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
            raise click.BadParameter(
                f"cannot read {stop_words_file}: {problem}", param_hint="--stop-words"
            ) from error
    how = oneoff.kind_of(target, kind)
    try:
        if target == "-":
            found = oneoff.read(sys.stdin.buffer.read(), "<stdin>", how)
        elif oneoff.is_url(target):
            body, final = oneoff.fetch(target, allow_private)
            found = oneoff.read(body, target, how, url=final)
        elif not Path(target).is_file():
            raise click.BadParameter(f"{target}: no such file", param_hint="FILE|URL|-")
        else:
            found = oneoff.read_file(Path(target), how)
    except SourceError as error:
        raise _fail(error) from error
    settings = SummarySettings(
        algorithm=algorithm, length=length, language=language, extra_stop_words=extra
    )
    for readable in found:
        paragraphs = clean(readable.body)
        if not paragraphs:
            raise click.ClickException(
                f"{readable.origin}: no article text left after removing captions"
            )
        summary = summarize(paragraphs, settings, readable.title)
        if fmt == "json":
            out = {
                "origin": readable.origin,
                "algorithm": algorithm,
                "length": str(length),
                "indices": list(summary.indices),
                "sentences": list(summary.sentences),
            }
            # One object; one a line for many (JSON Lines in, JSON Lines out).
            indent = 2 if len(found) == 1 else None
            click.echo(json.dumps(out, ensure_ascii=False, indent=indent))
        elif len(found) == 1:
            click.echo("\n".join(summary.sentences))
        else:
            click.echo(f"# {readable.origin}\n" + "\n".join(summary.sentences) + "\n")


@cli.command("archive", epilog=EXIT_CODES_HELP)
@click.argument(
    "source", metavar="IN", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.argument("out", metavar="OUT", type=click.Path(file_okay=False, path_type=Path))
@summary_options
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(1),
    default=None,
    help="Processes summarizing on this machine.  [default: number of CPUs]",
)
@click.option(
    "--cluster",
    metavar="ADDRESS",
    default=None,
    help="Summarize on this Dask scheduler (tcp://host:8786), or on local:N worker "
    "processes, instead of --jobs; see docs/scale.md.",
)
@cluster_timeout_option
@click.option(
    "--partition-rows",
    type=click.IntRange(1),
    default=PARTITION_ROWS,
    show_default=True,
    help="Lines (rows) of IN per output partition: the most the driver holds at once.",
)
@click.option("-q", "--quiet", is_flag=True, help="Print nothing unless something fails.")
def archive_command(
    source: Path,
    out: Path,
    algorithm: str,
    sentences: int | None,
    ratio: float | None,
    words: int | None,
    language: str,
    jobs: int | None,
    cluster: str | None,
    cluster_timeout_s: float,
    partition_rows: int,
    quiet: bool,
) -> None:
    """Summarize a corpus into Parquet: IN is JSON Lines (.jsonl, .jsonl.gz) or
    Parquet with `id` and `text` (and optionally `title`, `date`, `language`);
    OUT is a folder of part-NNNNN.parquet files with id, summary, sentences (the
    indices of the chosen sentences), algorithm and summarizer_version.

    Each summary is the one `feedsum summarize` prints for the article. Memory
    stays flat whatever the corpus size, and a rerun skips the partitions
    already written (resumable). A bad line is named with its line number; the
    rest is still summarized. Needs the extra feedsum[cluster] (pyarrow).

    \b
    Examples:
      feedsum archive corpus.jsonl.gz summaries/
      feedsum archive corpus.parquet summaries/ --cluster tcp://10.0.0.5:8786
    """
    from feedsum.archive import archive
    from feedsum.cluster import require

    length = _length(sentences, ratio, words)
    settings = SummarySettings(algorithm=algorithm, length=length, language=language)
    try:
        require("pyarrow", address=cluster or "")  # Parquet, even without a cluster
        with (
            _archive_executor(settings, jobs, cluster, cluster_timeout_s) as executor,
            _archive_progress(source.name, quiet) as tick,
        ):
            report = archive(
                source, out, settings, executor, partition_rows=partition_rows, tick=tick
            )
    except OSError as exc:
        raise click.ClickException(f"{exc.filename or source}: {exc.strerror or exc}") from exc
    except FeedsumError as error:
        raise _fail(error) from error
    for failure in report.failures:
        click.echo(f"Error: {failure}", err=True)
    if not quiet:
        click.echo(
            f"{out}: {report.partitions} partitions, {report.written} written, "
            f"{report.skipped} already there (skipped); {report.articles} articles "
            f"summarized, {len(report.failures)} failed",
            err=True,
        )
    if report.failures:
        sys.exit(EXIT_FAILED)


@contextmanager
def _archive_executor(
    settings: SummarySettings, jobs: int | None, cluster: str | None, timeout_s: float
) -> Iterator[Executor]:
    """Where `archive` summarizes: the cluster, else --jobs local processes."""
    from feedsum.executors import PoolExecutor, SerialExecutor
    from feedsum.summarize import prepare

    if cluster:
        with _executor(cluster, timeout_s) as executor:
            assert executor is not None
            yield executor
        return
    jobs = jobs or default_jobs()
    yield SerialExecutor() if jobs == 1 else PoolExecutor(jobs, lambda: prepare(settings))


@contextmanager
def _archive_progress(name: str, quiet: bool) -> Iterator[Callable[[int], None]]:
    """tqdm on stderr when it is a terminal: lines of IN done."""
    if quiet or not sys.stderr.isatty():
        yield lambda n: None
        return
    from tqdm import tqdm

    tqdm.monitor_interval = 0  # --jobs forks: no thread may hold a lock then
    with tqdm(desc=name, unit="article", delay=PROGRESS_DELAY_S, leave=False) as bar:

        def tick(n: int) -> None:
            bar.update(n)

        yield tick


def _eval_sentences(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    """--sentences for eval: a whole number, or `ref` for the reference's own length."""
    if value is None or value == "ref":
        return value
    if not value.isdigit() or not 1 <= int(value) <= MAX_SENTENCES:
        raise click.BadParameter(f"use a number from 1 to {MAX_SENTENCES}, or ref; got {value!r}")
    return int(value)


@cli.command("eval", epilog=_algorithms_help() + "\n\n" + EXIT_CODES_HELP)
@click.argument("dataset", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "-a",
    "--algorithm",
    "algorithms",
    multiple=True,
    type=click.Choice(["all", "default", *sorted(ALGORITHMS)]),
    help="Summarizer to score; repeat for several.  [default: all]",
)
@click.option(
    "-n",
    "--sentences",
    metavar="N|ref",
    callback=_eval_sentences,
    help="Sentences per summary, or ref: as many as the reference has [3].",
)
@ratio_option
@words_option
@language_option(auto=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def eval_command(
    dataset: Path,
    algorithms: tuple[str, ...],
    sentences: int | str | None,
    ratio: float | None,
    words: int | None,
    language: str,
    as_json: bool,
) -> None:
    """Score summarizers against reference summaries in DATASET (JSON Lines).

    Each line is {"id": ..., "text": ..., "reference": ..., "title": ...}
    (title optional). Every text is cleaned and split as a feed's articles
    are; the table gives mean ROUGE-1, ROUGE-2 and ROUGE-Lsum F1 (x100, Porter
    stemming), milliseconds per article (timed on a second pass, so the order
    of -a does not matter) and summary length in words. Use it to choose the
    algorithm and length for your own kind of text.

    \b
    Examples:
      feedsum eval mine.jsonl                         # every algorithm, 3 sentences
      feedsum eval mine.jsonl -a default -a lead -n ref
      feedsum eval mine.jsonl -a textrank --words 60 --json
    """
    from feedsum.evaluate import evaluate, load_items, to_json, to_table

    spec: Any = (
        "ref" if sentences == "ref" else _length(sentences, ratio, words)  # type: ignore[arg-type]
    )
    if sentences == "ref" and (ratio is not None or words is not None):
        raise click.UsageError("use one of --sentences, --ratio and --words, not several")
    chosen = list(
        dict.fromkeys(
            name
            for a in (algorithms or ("all",))
            for name in (
                sorted(ALGORITHMS) if a == "all" else [DEFAULT_ALGORITHM if a == "default" else a]
            )
        )
    )
    try:
        items, errors = load_items(dataset, language)
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"{dataset}: cannot read it ({exc})") from exc
    for error in errors:
        click.echo(f"Error: {error}", err=True)
    if not items:
        raise click.ClickException(f"{dataset}: no usable items; see the errors above")
    bar = _progress_bar(dataset.name)(3 * len(items) * len(chosen))  # see evaluate()
    results = evaluate(items, chosen, spec, bar, language)
    if as_json:
        click.echo(to_json(dataset.name, len(items), spec, results))
    else:
        length = "ref" if spec == "ref" else str(spec)
        click.echo(f"{dataset.name}: {len(items)} items, length {length}")
        click.echo(to_table(results))
    if errors:
        sys.exit(EXIT_FAILED)


@cli.group(epilog=EXIT_CODES_HELP)
def opml() -> None:
    """Move subscriptions between feed readers and feedsum as OPML.

    Every build also writes feeds.opml beside index.html: the feeds of that
    folder, for a reader to import.

    \b
    Example:
      feedsum opml import subscriptions.opml --name digest
    """


@opml.command("import", epilog=EXIT_CODES_HELP)
@click.argument("opml_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--name", default=None, help="The feed's name.  [default: the OPML file's name]")
@click.option(
    "--feeds",
    "feeds_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("feeds"),
    show_default=True,
    help="Folder to write the feed file into.",
)
@click.option(
    "--link", default=None, help="The site the feed is published on.  [default: a placeholder]"
)
@click.option(
    "--allow-private",
    is_flag=True,
    help="Let every source reach loopback and private addresses (an intranet's feeds).",
)
def opml_import(
    opml_file: Path, name: str | None, feeds_dir: Path, link: str | None, allow_private: bool
) -> None:
    """Turn a feed reader's OPML export into a feed file: one `feed` source per
    subscription (titles kept as comments, duplicates dropped).

    \b
    Examples:
      feedsum opml import subscriptions.opml --name digest
      feedsum build digest
    """
    from feedsum.opml import PLACEHOLDER_LINK, import_opml

    try:
        path, subscriptions, notes = import_opml(
            opml_file, feeds_dir, name, link, allow_private=allow_private
        )
    except FeedsumError as error:
        raise _fail(error) from error
    for note in notes:
        click.echo(f"Warning: {note}", err=True)
    click.echo(f"wrote {path}: {len(subscriptions)} sources", err=True)
    if link is None:
        click.echo(f"Set `link` in {path} to your site (it is {PLACEHOLDER_LINK} now).", err=True)


@cli.command(epilog=EXIT_CODES_HELP)
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="TCP port (0: any free one).")  # fmt: skip
@click.option("--bind", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=Path("public"),
    show_default=True,
    help="Folder to serve: the feeds' output folder.",
)
@click.option("-q", "--quiet", is_flag=True, help="Do not log each request.")
def serve(port: int, bind: str, folder: Path, quiet: bool) -> None:
    """Preview the built site on this machine: public/ over HTTP, with each
    feed format's content type, ETag and Last-Modified (304 when unchanged)
    and gzip. A preview: publish behind a real web server (see the README).

    \b
    Example:
      feedsum build && feedsum serve    # then open http://127.0.0.1:8000/
    """
    from feedsum.serve import make_server

    try:
        server = make_server(folder, bind, port, quiet)
    except OSError as exc:
        raise click.ClickException(
            f"cannot listen on {bind}:{port} ({exc.strerror}); pass another --port"
        ) from exc
    bound = server.server_address[1]
    host = f"[{bind}]" if ":" in bind else bind
    click.echo(f"Serving {folder} at http://{host}:{bound}/ (^C stops)", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def _length(sentences: int | None, ratio: float | None, words: int | None) -> Length:
    """The one length option given (default: 3 sentences)."""
    if sum(x is not None for x in (sentences, ratio, words)) > 1:
        raise click.UsageError("use one of --sentences, --ratio and --words, not several")
    if ratio is not None:
        return Length(kind="ratio", value=ratio)
    if words is not None:
        return Length(kind="words", value=words)
    return Length(kind="sentences", value=sentences or 3)


def main() -> None:
    cli(prog_name="feedsum")
