"""`feedsum archive IN OUT`: summarize a one-off corpus into Parquet partitions.

IN is JSON Lines (optionally gzipped) or Parquet, one article a line or row:
`id` and `text`, optionally `title`, `date` and `language` (a BCP 47 tag).
OUT is a folder of `part-NNNNN.parquet` files, one per `partition_rows` lines
(or rows) of IN, with `id`, `summary`, `sentences` (the indices of the chosen
sentences in the article's sentence split), `algorithm`, `summarizer_version`.

Partitions are cut by position in IN, not by content, so a rerun knows which
lines a missing partition holds without parsing the others: it skips every
partition already written and redoes the rest (resumable). Each is written
atomically (a temp file renamed), so a killed run leaves whole partitions or
none. The driver holds one partition of summaries and a few batches in flight
at a time: its memory stays flat however large IN is.

An article is summarized as `feedsum summarize` does it (the same cleaning,
defaults and function), so each summary is the one that command prints.
"""

from __future__ import annotations

import gzip
import json
import re
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from feedsum.errors import ConfigError, SourceError
from feedsum.executors import Executor
from feedsum.languages import is_tag, resolve
from feedsum.model import SummarySettings
from feedsum.safety import xml_text
from feedsum.summarize import SUMMARIZER_VERSION, summarize
from feedsum.text import clean

#: Lines (rows) of IN per output partition: a partition's summaries are what the
#: driver holds at once (about 0.5 kB each).
PARTITION_ROWS = 10_000
#: Written into OUT: what its partitions were made with, checked on a rerun.
MANIFEST = "_feedsum_archive.json"
_PART = re.compile(r"part-(\d{5,})\.parquet")


@dataclass(frozen=True, slots=True)
class Row:
    """One article of IN, checked; sent to a worker."""

    id: str
    text: str
    title: str | None
    #: A language name (`resolve`d), or None for the run's --language.
    language: str | None


#: A worker's answer for one row: (id, summary, indices), or an error (where, problem).
Summarized = tuple[str, str, tuple[int, ...]]
Failed = tuple[int, str]


@dataclass(slots=True)
class ArchiveReport:
    """What one run did."""

    partitions: int = 0
    written: int = 0
    skipped: int = 0
    #: Articles summarized in this run (not those of skipped partitions).
    articles: int = 0
    failures: list[SourceError] = field(default_factory=list)


def part_path(out: Path, number: int) -> Path:
    return out / f"part-{number:05d}.parquet"


def _lines(path: Path) -> Iterator[bytes]:
    opener: Any = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as stream:
        yield from stream


def _jsonl_chunks(path: Path, rows: int) -> Iterator[list[tuple[int, Any]]]:
    """IN's lines, `rows` at a time, each with its number (from 1); unparsed."""
    chunk: list[tuple[int, Any]] = []
    for number, line in enumerate(_lines(path), start=1):
        chunk.append((number, line))
        if len(chunk) == rows:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _parquet_chunks(path: Path, rows: int) -> Iterator[list[tuple[int, Any]]]:
    """IN's rows as dicts, `rows` at a time, each with its number (from 1)."""
    import pyarrow.parquet as pq

    found = pq.ParquetFile(path)
    names = set(found.schema_arrow.names)
    missing = {"id", "text"} - names
    if missing:
        raise ConfigError(
            path, "", f"no column {', '.join(sorted(missing))}", "give it id and text columns"
        )
    columns = [c for c in ("id", "text", "title", "date", "language") if c in names]
    chunk: list[tuple[int, Any]] = []
    number = 0
    for batch in found.iter_batches(batch_size=min(rows, 4096), columns=columns):
        for record in batch.to_pylist():
            number += 1
            chunk.append((number, record))
            if len(chunk) == rows:
                yield chunk
                chunk = []
    if chunk:
        yield chunk


def is_parquet(path: Path) -> bool:
    return path.suffix.lower() in (".parquet", ".pq")


def chunks(path: Path, rows: int) -> Iterator[list[tuple[int, Any]]]:
    return _parquet_chunks(path, rows) if is_parquet(path) else _jsonl_chunks(path, rows)


def _text(record: dict[str, Any], key: str) -> str | None:
    value = record.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{key!r} is {value!r}; use a string")
    # As the feeds' safety boundary does: JSON's \ud800 escapes spell lone
    # surrogates, which no Parquet string (UTF-8) nor the detector can take.
    return xml_text(value).strip() or None


def parse_row(raw: Any) -> Row:
    """A line (bytes) or a Parquet row (dict) as a Row; ValueError says what is wrong."""
    if isinstance(raw, bytes):
        try:
            record = json.loads(raw)
        except UnicodeDecodeError:
            raise ValueError("not UTF-8 text; fix the line") from None
        except json.JSONDecodeError as exc:
            raise ValueError(f"not valid JSON ({exc.msg}); fix the line") from None
        if not isinstance(record, dict):
            raise ValueError("not a JSON object; write one {...} per line")
    else:
        record = raw
    entry_id = record.get("id")
    if isinstance(entry_id, int) and not isinstance(entry_id, bool):
        entry_id = str(entry_id)
    if isinstance(entry_id, str):
        entry_id = xml_text(entry_id)
    if not isinstance(entry_id, str) or not entry_id.strip():
        raise ValueError(f"'id' is {entry_id!r}; every article needs an id (a string)")
    # As `feedsum summarize` reads a JSON Lines article (sources/jsonl.py).
    text = _text(record, "text")
    if text is None:
        raise ValueError("no 'text'; every article needs its text")
    tag = _text(record, "language")
    if tag is not None and not is_tag(tag):
        raise ValueError(f"'language' is {tag!r}; use a BCP 47 tag such as \"de\"")
    return Row(
        id=entry_id.strip(),
        text=text.replace("\r\n", "\n"),
        title=_text(record, "title"),
        language=resolve(tag) if tag is not None else None,
    )


def summarize_rows(
    settings: SummarySettings, rows: Sequence[tuple[int, Row]]
) -> list[tuple[int, Summarized | str]]:
    """Each row's summary (id, text, sentence indices), or why it has none; on a worker."""
    done: list[tuple[int, Summarized | str]] = []
    for number, row in rows:
        paragraphs = clean(row.text)
        if not paragraphs:
            done.append((number, "no article text left after removing captions"))
            continue
        own = settings
        if row.language is not None and row.language != settings.language:
            own = replace(settings, language=row.language)
        summary = summarize(paragraphs, own, row.title)
        done.append((number, (row.id, " ".join(summary.sentences), summary.indices)))
    return done


def _schema() -> Any:
    import pyarrow as pa

    return pa.schema(
        [
            ("id", pa.string()),
            ("summary", pa.string()),
            ("sentences", pa.list_(pa.int32())),
            ("algorithm", pa.string()),
            ("summarizer_version", pa.int32()),
        ]
    )


def _write_part(path: Path, summaries: list[Summarized], algorithm: str) -> None:
    """One partition, atomically (temp file, fsync, rename)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from feedsum.writers.atomic import write_atomic

    table = pa.table(
        {
            "id": [s[0] for s in summaries],
            "summary": [s[1] for s in summaries],
            "sentences": [list(s[2]) for s in summaries],
            "algorithm": [algorithm] * len(summaries),
            "summarizer_version": [SUMMARIZER_VERSION] * len(summaries),
        },
        schema=_schema(),
    )
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd")
    write_atomic(path, sink.getvalue().to_pybytes())


def _check_manifest(out: Path, made_with: dict[str, object]) -> None:
    """OUT's partitions were made with these settings, or OUT is new; else ConfigError."""
    manifest = out / MANIFEST
    if manifest.is_file():
        before = json.loads(manifest.read_text(encoding="utf-8"))
        if before != made_with:
            changed = sorted(k for k in made_with if before.get(k) != made_with[k])
            raise ConfigError(
                out,
                "",
                f"its partitions were made with other settings ({', '.join(changed)})",
                "give another OUT folder, or delete this one to start again",
            )
        return
    if any(_PART.fullmatch(p.name) for p in out.glob("part-*.parquet")):
        raise ConfigError(out, "", f"has partitions but no {MANIFEST}", "give another OUT folder")
    from feedsum.writers.atomic import write_atomic

    write_atomic(manifest, (json.dumps(made_with, indent=2, sort_keys=True) + "\n").encode())


def archive(
    source: Path,
    out: Path,
    settings: SummarySettings,
    executor: Executor,
    *,
    partition_rows: int = PARTITION_ROWS,
    tick: Callable[[int], None] = lambda n: None,
) -> ArchiveReport:
    """Summarize every article of `source` into `out`'s partitions, skipping those
    written already. `tick(n)` after each batch of n lines (or rows) is done.
    A bad line is a SourceError in the report (naming the file and line); the
    rest is still summarized."""
    out.mkdir(parents=True, exist_ok=True)
    _check_manifest(
        out,
        {
            "input": source.name,
            "partition_rows": partition_rows,
            "settings": settings.key(),
            "summarizer_version": SUMMARIZER_VERSION,
        },
    )
    report = ArchiveReport()
    origin = str(source)
    # Per batch sent: its partition and whether it is the partition's last.
    sent: deque[tuple[int, bool]] = deque()
    bad: dict[int, list[SourceError]] = {}

    def batches() -> Iterator[list[tuple[int, Row]]]:
        for number, chunk in enumerate(chunks(source, partition_rows)):
            report.partitions += 1
            if part_path(out, number).is_file():
                report.skipped += 1
                tick(len(chunk))
                continue
            rows: list[tuple[int, Row]] = []
            errors = bad.setdefault(number, [])
            for line, raw in chunk:
                if isinstance(raw, bytes) and not raw.strip():
                    continue
                try:
                    rows.append((line, parse_row(raw)))
                except ValueError as exc:
                    errors.append(SourceError(origin, str(exc), line))
            tick(len(chunk) - len(rows))
            size = executor.batch_size
            # At least one batch, empty or not: a partition of bad lines is written too.
            starts = range(0, max(len(rows), 1), size)
            for start in starts:
                sent.append((number, start == starts[-1]))
                yield rows[start : start + size]

    summaries: list[Summarized] = []
    for results in executor.map(summarize_rows, settings, batches()):
        number, last = sent.popleft()
        for line, result in results:
            if isinstance(result, str):
                bad[number].append(SourceError(origin, result, line))
            else:
                summaries.append(result)
        tick(len(results))
        if last:
            _write_part(part_path(out, number), summaries, settings.algorithm)
            report.written += 1
            report.articles += len(summaries)
            report.failures.extend(sorted(bad.pop(number), key=lambda e: e.line or 0))
            summaries = []
    return report
