"""Sources: each kind turns its input into `Article` values.

One article per file: `textfile`, `markdown`, `html`. Many per file or URL:
`jsonl` and `feed`, which give `Item`s, each with a stamp of its upstream
data so that an unchanged item is not processed again.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo
from pathlib import Path
from typing import Any

from feedsum.errors import SourceError
from feedsum.model import Article

#: read_article(path, key=, id_prefix=, timezone=) of a one-article-per-file kind.
FileReader = Callable[..., Article]


#: The dates an entry may carry: a day inside each end of datetime's range, so
#: that every time zone (offsets are under a day) and a day's arithmetic can
#: express them. An upstream's 9999-12-31T23:00-05:00 is not one.
FIRST_DATE = datetime(1, 1, 2, tzinfo=UTC)
LAST_DATE = datetime(9999, 12, 30, tzinfo=UTC)


def utc(when: date | datetime, timezone: tzinfo) -> datetime:
    """`when` in UTC: a date is midnight in `timezone`, and so is a date-time with
    no offset. ValueError, saying why, outside FIRST_DATE to LAST_DATE."""
    try:
        if not isinstance(when, datetime):
            moved: datetime | None = datetime.combine(when, time(), timezone).astimezone(UTC)
        else:
            moved = (when if when.tzinfo else when.replace(tzinfo=timezone)).astimezone(UTC)
    except OverflowError:
        moved = None
    if moved is None or not FIRST_DATE <= moved <= LAST_DATE:
        raise out_of_range(when.isoformat())
    return moved


def out_of_range(shown: str) -> ValueError:
    return ValueError(
        f"date {shown} is outside the dates a feed can carry ({FIRST_DATE.date()} to "
        f"{LAST_DATE.date()}); correct it"
    )


@dataclass(frozen=True, slots=True)
class Item:
    """One article of a many-article source."""

    #: Unique in the feed: the source and the item's id.
    key: str
    #: A hash of the item's upstream data: equal means nothing to do.
    stamp: str
    article: Article


# JSON may spell a lone UTF-16 surrogate ("\ud800"), which no UTF-8 text can hold:
# hashed or stored, it would fail. Such an escape becomes U+FFFD, as a decoder
# makes a bad byte; a pair stays a pair, and an escaped backslash stays as it is.
_SURROGATE_ESCAPE = re.compile(
    r"(\\\\)|\\u[dD][89abAB][0-9a-fA-F]{2}(\\u[dD][c-fC-F][0-9a-fA-F]{2})?"
    r"|\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)


def _replacement(match: re.Match[str]) -> str:
    return match[0] if match[1] or match[2] else "\\ufffd"


def loads_json(data: str | bytes) -> Any:
    """`json.loads`, with lone surrogates as U+FFFD. Raises what it raises (bytes
    that are not text: UnicodeDecodeError), and RecursionError for nesting deeper
    than Python's limit."""
    text = data if isinstance(data, str) else data.decode(json.detect_encoding(data))
    if "\\u" in text:
        text = _SURROGATE_ESCAPE.sub(_replacement, text)
    return json.loads(text)


def stamp(data: Any) -> str:
    """A stable hash of JSON-able upstream data."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def file_reader(kind: str) -> FileReader:
    """The reader of a one-article-per-file kind; its module loads on first use."""
    if kind == "markdown":
        from feedsum.sources import markdown

        return markdown.read_article
    if kind == "html":
        from feedsum.sources import html

        return html.read_article
    from feedsum.sources import textfile

    return textfile.read_article


def read_file_article(kind: str, path: Path, key: str, id_prefix: str, timezone: tzinfo) -> Article:
    return file_reader(kind)(path, key=key, id_prefix=id_prefix, timezone=timezone)


#: The most a one-article file may hold, as an upstream body may (`[fetch] max_bytes`'s
#: default): a news article is tens of KB, and a file matched by mistake (a log,
#: a dump) must not stall a cron run; summarizing 10 MB of text takes seconds.
MAX_ARTICLE_BYTES = 10_000_000


def read_bytes(path: Path, limit: int | None = None, fix: str | None = None) -> bytes:
    """A source file's bytes, or a SourceError naming it (also when it holds more
    than `limit` bytes: `fix` says what to do then)."""
    try:
        with path.open("rb") as f:
            data = f.read() if limit is None else f.read(limit + 1)
    except OSError as exc:
        raise SourceError(
            str(path), f"cannot read it ({exc.strerror}); check its permissions"
        ) from exc
    if limit is not None and len(data) > limit:
        raise SourceError(
            str(path),
            f"over {limit:,} bytes, "
            + (fix or "too big for one article; split it or leave it out of the feed's sources"),
        )
    return data
