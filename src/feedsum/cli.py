"""The command line: a thin click wrapper over the library.

Exit codes: 0 ok; 1 some articles failed (their feeds were still written);
2 usage or config error; 75 another build holds the lock (cron retries).
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import click

from feedsum import __version__
from feedsum.config import find_feeds, load_feed
from feedsum.errors import ConfigError, FeedsumError, SourceError
from feedsum.lock import BuildLock, LockHeld
from feedsum.model import Length, SummarySettings
from feedsum.pipeline import build as build_feed
from feedsum.sources.textfile import decode, parse
from feedsum.state import State
from feedsum.summarize import ALGORITHMS, DEFAULT_ALGORITHM, summarize
from feedsum.text import clean

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_LOCKED = 0, 1, 2, 75

EXIT_CODES_HELP = """\b
Exit codes:
  0   everything built
  1   some articles failed (named on stderr); their feeds were still written
  2   usage or feed-file error (the file and key are named)
  75  another build holds the lock; try again later"""


class _ConfigFailure(click.ClickException):
    """A ConfigError, shown like a usage error (exit 2)."""

    exit_code = EXIT_USAGE


def _fail(error: FeedsumError) -> click.ClickException:
    if isinstance(error, ConfigError):
        return _ConfigFailure(str(error))
    return click.ClickException(str(error))


@click.group(epilog=EXIT_CODES_HELP)
@click.version_option(__version__, prog_name="feedsum")
def cli() -> None:
    """Summarize articles and publish them as Atom and RSS feeds.

    Each feed is a TOML file in feeds/ naming its articles; `feedsum build`
    writes its summarized feeds to public/. Nothing is downloaded: the
    summarizers and the English sentence model are part of the install.
    """


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("names", nargs=-1)
@click.option(
    "--feeds",
    "feeds_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("feeds"),
    show_default=True,
    help="Folder of feed files (*.toml).",
)
@click.option(
    "--state",
    "state_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="State database.  [default: .feedsum/state.db beside the feeds folder]",
)
@click.option(
    "--wait",
    "wait_s",
    type=click.FloatRange(0),
    default=0,
    metavar="SECONDS",
    help="If another build is running, wait up to this long for it.  [default: exit 75 at once]",
)
@click.option("-q", "--quiet", is_flag=True, help="Print nothing unless something fails.")
def build(
    names: tuple[str, ...], feeds_dir: Path, state_path: Path | None, wait_s: float, quiet: bool
) -> None:
    """Build every feed in the feeds folder, or only the NAMES given.

    \b
    Examples:
      feedsum build              # every feeds/*.toml
      feedsum build example      # just feeds/example.toml
    """
    try:
        configs = [load_feed(path) for path in find_feeds(feeds_dir, names)]
        state_path = state_path or feeds_dir.resolve().parent / ".feedsum" / "state.db"
        failed = 0
        with BuildLock(state_path.with_name("lock"), wait_s), State(state_path) as state:
            for config in configs:
                started = time.perf_counter()
                report = build_feed(config, state, datetime.now(UTC))
                for failure in report.failures:
                    click.echo(f"Error: {failure}", err=True)
                failed += len(report.failures)
                if not quiet:
                    for path in report.outputs:
                        click.echo(
                            f"wrote {path}" if path in report.written else f"unchanged {path}"
                        )
                    click.echo(
                        f"{report.feed}: {report.entries} entries, {report.new} new, "
                        f"{report.changed} changed, {len(report.failures)} failed, "
                        f"{time.perf_counter() - started:.2f} s"
                    )
    except LockHeld as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(EXIT_LOCKED)
    except FeedsumError as error:
        raise _fail(error) from error
    if failed:
        sys.exit(EXIT_FAILED)


@cli.command("summarize")
@click.argument("path", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@click.option(
    "-a",
    "--algorithm",
    type=click.Choice(sorted(ALGORITHMS)),
    default=DEFAULT_ALGORITHM,
    show_default=True,
    help="Summarizer to use.",
)
@click.option(
    "-n", "--sentences", type=click.IntRange(1, 50), default=None, help="Sentences to keep [3]."
)
@click.option(
    "-r",
    "--ratio",
    type=click.FloatRange(0, 1, min_open=True),
    default=None,
    help="Share of the sentences to keep, instead of --sentences.",
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
    path: Path, algorithm: str, sentences: int | None, ratio: float | None, fmt: str
) -> None:
    """Print the summary of one article file in the seed format (- reads stdin).

    \b
    Examples:
      feedsum summarize feeds/example/01-harbour-ferry.txt
      feedsum summarize -a textrank -n 2 --format json - < article.txt
    """
    if sentences is not None and ratio is not None:
        raise click.UsageError("use --sentences or --ratio, not both")
    length = (
        Length(kind="ratio", value=ratio)
        if ratio is not None
        else Length(kind="sentences", value=sentences or 3)
    )
    origin = "<stdin>" if str(path) == "-" else str(path)
    try:
        data = sys.stdin.buffer.read() if origin == "<stdin>" else path.read_bytes()
    except OSError as exc:
        raise click.ClickException(f"{origin}: cannot read it ({exc.strerror})") from exc
    try:
        parsed = parse(decode(data, origin), origin)
    except SourceError as error:
        raise _fail(error) from error
    paragraphs = clean(parsed.body)
    if not paragraphs:
        raise click.ClickException(f"{origin}: no article text left after removing captions")
    settings = SummarySettings(algorithm=algorithm, length=length)
    summary = summarize(paragraphs, settings, parsed.fields.get("title"))
    if fmt == "json":
        out = {
            "origin": origin,
            "algorithm": algorithm,
            "length": str(length),
            "indices": list(summary.indices),
            "sentences": list(summary.sentences),
        }
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        click.echo("\n".join(summary.sentences))


def main() -> None:
    cli(prog_name="feedsum")
