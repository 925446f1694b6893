"""JSON Lines: one article per line, for pipelines that produce articles.

Each line is an object with `text` and any of `title`, `link`, `author`,
`id`, `date` (ISO 8601 date or date-time) and `tags` (a list of strings).
Other keys are ignored. A bad line is reported with its line number and
the other lines still count. The entry id is `id`, else `link`, else a hash
of the title and text: give lines an id or a link so that an edit keeps
its entry.
"""

from __future__ import annotations

import json
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any

from feedsum.errors import SourceError
from feedsum.model import Article
from feedsum.sources import Item, loads_json, read_bytes, stamp, utc
from feedsum.sources.textfile import decode


def _string(line: dict[str, Any], key: str, origin: str, number: int) -> str | None:
    value = line.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise SourceError(origin, f"{key!r} is {value!r}; use a string", number)
    return value.strip() or None


def _published(value: Any, origin: str, number: int, timezone: tzinfo) -> datetime | None:
    if value is None:
        return None
    try:
        if not isinstance(value, str):
            raise ValueError
        text = value.strip()
        when = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
    except ValueError:
        raise SourceError(
            origin, f"'date' is {value!r}; use YYYY-MM-DD or an ISO 8601 date-time", number
        ) from None
    try:
        return utc(when, timezone)
    except ValueError as exc:
        raise SourceError(origin, f"'date': {exc}", number) from None


def json_object(text: str, origin: str, number: int) -> dict[str, Any]:
    """One line of a JSON Lines file as an object; errors name the file and line."""
    try:
        value = loads_json(text)
    except json.JSONDecodeError as exc:
        raise SourceError(origin, f"not valid JSON ({exc.msg}); fix the line", number) from exc
    except RecursionError as exc:
        raise SourceError(origin, "JSON nested too deep to read; fix the line", number) from exc
    if not isinstance(value, dict):
        raise SourceError(origin, "not a JSON object; write one {...} per line", number)
    return value


def parse_line(
    text: str, *, origin: str, number: int, id_prefix: str, key: str, timezone: tzinfo
) -> Item:
    """The item on one line (`number` counts from 1)."""
    line = json_object(text, origin, number)
    body = _string(line, "text", origin, number)
    if body is None:
        raise SourceError(origin, "no 'text'; every line needs the article text", number)
    tags = line.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise SourceError(origin, f"'tags' is {tags!r}; use a list of strings", number)
    title = _string(line, "title", origin, number)
    link = _string(line, "link", origin, number)
    entry_id = _string(line, "id", origin, number) or link
    if entry_id is None:
        entry_id = f"{id_prefix}{key}#{stamp([title, body])[:16]}"
    article = Article(
        id=entry_id,
        origin=f"{origin}:{number}",
        body=body.replace("\r\n", "\n"),
        title=title,
        link=link,
        author=_string(line, "author", origin, number),
        published=_published(line.get("date"), origin, number, timezone),
        tags=tuple(t.strip() for t in tags if t.strip()),
    )
    return Item(key=f"{key}#{entry_id}", stamp=stamp(line), article=article)


def read_items(
    path: Path, *, key: str, id_prefix: str, timezone: tzinfo
) -> tuple[list[Item], list[SourceError]]:
    """Every good line's item, and an error for each bad line (first of an id wins)."""
    origin = str(path)
    data = read_bytes(path)
    items: dict[str, Item] = {}
    errors: list[SourceError] = []
    for number, text in enumerate(decode(data, origin).split("\n"), start=1):
        if not text.strip():
            continue
        try:
            item = parse_line(
                text, origin=origin, number=number, id_prefix=id_prefix, key=key, timezone=timezone
            )
        except SourceError as error:
            errors.append(error)
            continue
        if item.key in items:
            errors.append(
                SourceError(origin, f"id {item.article.id!r} is used by an earlier line", number)
            )
            continue
        items[item.key] = item
    return list(items.values()), errors
