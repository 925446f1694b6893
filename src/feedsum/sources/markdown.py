"""Markdown articles (`.md`) with optional front matter.

Front matter is YAML between `---` lines or TOML between `+++` lines, at the
very top, with any of `title`, `date`, `link`, `author`, `id` and `tags`.
The body is rendered to HTML for the entry's content (raw HTML in the file
is escaped, not passed through: a feed must not carry an article's scripts)
and to plain-text paragraphs for summarizing. Without a `title`, a level-1
heading opening the body is the title.
"""

from __future__ import annotations

import tomllib
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any

from feedsum.errors import SourceError
from feedsum.model import Article
from feedsum.sources import MAX_ARTICLE_BYTES, htmltext, read_bytes, utc
from feedsum.sources.textfile import decode

FIELDS = ("title", "date", "link", "author", "id", "tags")


def split_front_matter(text: str, origin: str) -> tuple[dict[str, Any], str, int]:
    """The front matter as a dict, the body, and the body's first line number."""
    lines = text.split("\n")
    fence = lines[0].strip() if lines else ""
    if fence not in ("---", "+++"):
        return {}, text, 1
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == fence)
    except StopIteration:
        raise SourceError(
            origin, f"front matter opened with {fence} is never closed; add a {fence} line", 1
        ) from None
    raw = "\n".join(lines[1:end])
    try:
        if fence == "+++":
            data: Any = tomllib.loads(raw)
        else:
            import yaml

            data = yaml.safe_load(raw) or {}
    except (tomllib.TOMLDecodeError, ValueError) as exc:
        raise SourceError(origin, f"front matter is not valid TOML ({exc}); fix it", 2) from exc
    except Exception as exc:  # yaml.YAMLError, imported lazily
        mark = getattr(exc, "problem_mark", None)
        line = 2 + mark.line if mark is not None else 2
        raise SourceError(origin, f"front matter is not valid YAML ({exc}); fix it", line) from exc
    if not isinstance(data, dict):
        raise SourceError(origin, "front matter is not a table of fields; use key: value", 2)
    return data, "\n".join(lines[end + 1 :]), end + 2


def _text(data: dict[str, Any], key: str, origin: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise SourceError(origin, f"front matter {key!r} is {value!r}; use a string")
    return str(value).strip() or None


def _date(value: Any, origin: str, timezone: tzinfo) -> datetime | None:
    """A front-matter date: a date (midnight where the feed lives) or a datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise SourceError(
                origin, f"front matter date {value!r}; write it as YYYY-MM-DD"
            ) from None
    if isinstance(value, date):  # a datetime is a date too
        try:
            return utc(value, timezone)
        except ValueError as exc:
            raise SourceError(origin, f"front matter {exc}") from None
    raise SourceError(origin, f"front matter date {value!r}; write it as YYYY-MM-DD")


def _tags(value: Any, origin: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(t, str | int) for t in value):
        raise SourceError(origin, f"front matter tags {value!r}; use a list of strings")
    return tuple(str(t).strip() for t in value if str(t).strip())


def render(body: str) -> str:
    """Markdown to HTML (CommonMark and tables; raw HTML escaped)."""
    from markdown_it import MarkdownIt

    html: str = MarkdownIt("commonmark", {"html": False}).enable("table").render(body)
    return html


def parse(text: str, *, origin: str, default_id: str, timezone: tzinfo) -> Article:
    """An Article from a Markdown document's text."""
    data, body, _ = split_front_matter(text, origin)
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise SourceError(
            origin, f"unknown front matter {', '.join(unknown)}; use: {', '.join(FIELDS)}"
        )
    title = _text(data, "title", origin)
    stripped = body.lstrip("\n")
    if title is None and stripped.startswith("# "):
        heading, _, rest = stripped.partition("\n")
        title, body = heading[2:].strip().strip("#").strip() or None, rest
    html = render(body).strip()
    paragraphs = htmltext.paragraphs(html)
    if not paragraphs:
        raise SourceError(origin, "the article has no body text; add text or remove the file")
    link = _text(data, "link", origin)
    return Article(
        id=_text(data, "id", origin) or link or default_id,
        origin=origin,
        body="\n\n".join(paragraphs),
        title=title,
        link=link,
        author=_text(data, "author", origin),
        published=_date(data.get("date"), origin, timezone),
        tags=_tags(data.get("tags"), origin),
        html=html,
    )


def read_article(path: Path, *, key: str, id_prefix: str, timezone: tzinfo) -> Article:
    """Read one Markdown file; the id is `id`, else `link`, else `id_prefix + key`."""
    origin = str(path)
    data = read_bytes(path, MAX_ARTICLE_BYTES)
    return parse(decode(data, origin), origin=origin, default_id=id_prefix + key, timezone=timezone)
