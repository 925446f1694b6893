"""The seed's plain-text article format.

A file may open with header fields, one per line, each a lowercase key, a
space and a value: `title`, `link`, `author`, `id`, and `date YYYY-MM-DD`.
Leading whitespace before a field is allowed. Body text may follow the date
on the same line (as in the seed, ` date 2024-01-31 First paragraph...`); the
body then starts there. Otherwise the body starts at the first line that is
not a header field. Paragraphs are separated by blank lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, tzinfo
from pathlib import Path

from feedsum.errors import SourceError
from feedsum.model import Article
from feedsum.sources import MAX_ARTICLE_BYTES, read_bytes, utc

_FIELD = re.compile(r"^[ \t]*(date|title|link|author|id)[ \t]+(\S.*)$")
_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[ \t]+(.*))?$")


@dataclass(frozen=True, slots=True, kw_only=True)
class ParsedText:
    """A text article split into its header fields and its body."""

    fields: dict[str, str]
    date: date | None
    body: str


def decode(data: bytes, origin: str) -> str:
    """UTF-8 text (BOM or not) with LF newlines, or a SourceError saying what is wrong."""
    if b"\x00" in data:
        raise SourceError(origin, "not a text file (it contains NUL bytes); remove it or fix it")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(
            origin,
            f"not UTF-8 text (bad byte at offset {exc.start}); save it as UTF-8",
        ) from exc
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse(text: str, origin: str) -> ParsedText:
    """Split decoded text into header fields and body; errors name the line."""
    lines = text.split("\n")
    fields: dict[str, str] = {}
    published: date | None = None
    body_start = len(lines)
    for number, line in enumerate(lines, start=1):
        match = _FIELD.match(line)
        if not match:
            body_start = number - 1
            break
        key, value = match.group(1), match.group(2).strip()
        if key in fields or (key == "date" and published is not None):
            raise SourceError(origin, f"the {key!r} field appears twice; keep one", line=number)
        if key != "date":
            fields[key] = value
            continue
        date_match = _DATE.match(value)
        if not date_match:
            raise SourceError(
                origin, f"bad date {value.split()[0]!r}; write it as YYYY-MM-DD", line=number
            )
        try:
            published = date.fromisoformat(date_match.group(1))
        except ValueError as exc:
            raise SourceError(
                origin, f"no such date {date_match.group(1)!r}; check month and day", line=number
            ) from exc
        rest = date_match.group(2)
        if rest:
            # The seed's shape: the body starts on the date line.
            lines[number - 1] = rest
            body_start = number - 1
            break
    body = "\n".join(lines[body_start:]).strip()
    if not body:
        raise SourceError(
            origin, "the article has no body text; add text or remove the file", line=len(lines)
        )
    return ParsedText(fields=fields, date=published, body=body)


def read_article(path: Path, *, key: str, id_prefix: str, timezone: tzinfo) -> Article:
    """Read one article file. `key` is its path relative to the feed file.

    The entry id is the `id` header, else the `link` header, else
    `id_prefix + key`: it follows the file, never its text.
    """
    origin = str(path)
    data = read_bytes(path, MAX_ARTICLE_BYTES)
    parsed = parse(decode(data, origin), origin)
    fields = parsed.fields
    published = None
    if parsed.date is not None:
        try:  # a date alone means midnight where the feed lives
            published = utc(parsed.date, timezone)
        except ValueError as exc:
            raise SourceError(origin, f"its {exc}") from None
    return Article(
        id=fields.get("id") or fields.get("link") or id_prefix + key,
        origin=origin,
        body=parsed.body,
        title=fields.get("title"),
        link=fields.get("link"),
        author=fields.get("author"),
        published=published,
    )
