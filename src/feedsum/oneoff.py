"""`feedsum summarize`: one article (or a JSON Lines file of them) from anything a
feed can read: a text, Markdown or HTML file, JSON Lines, standard input, or a
web page fetched with the feeds' own polite client.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

from feedsum.config import FetchConfig
from feedsum.sources import MAX_ARTICLE_BYTES, read_bytes

#: What a file's suffix says it holds; anything else is the seed's text format.
KINDS_BY_SUFFIX = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".jsonl": "jsonl",
}
KINDS = ("textfile", "markdown", "html", "jsonl")


@dataclass(frozen=True, slots=True)
class Readable:
    """An article's text, ready to be cleaned and summarized."""

    origin: str
    title: str | None
    body: str


def is_url(target: str) -> bool:
    return target.startswith(("http://", "https://"))


def kind_of(target: str, asked: str | None) -> str:
    """`asked`, else what the target's suffix says (a URL: a web page)."""
    if asked:
        return asked
    if is_url(target):
        return "html"
    return KINDS_BY_SUFFIX.get(Path(target).suffix.lower(), "textfile")


def fetch(url: str, allow_private: bool) -> tuple[bytes, str]:
    """A page's bytes and final URL, as a feed's teaser page is fetched."""
    from feedsum.fetch import Fetcher

    with Fetcher(FetchConfig()) as client:
        got = client.get(url, allow_private=allow_private)
    return got.body, got.url


def read(data: bytes, origin: str, kind: str, url: str | None = None) -> list[Readable]:
    """The articles in `data`; SourceError (naming `origin`) if there is none."""
    if kind == "html":
        from feedsum.sources.html import extract

        page = extract(data, origin, url=url)
        return [Readable(origin, page.title, "\n\n".join(page.paragraphs))]
    from feedsum.sources.textfile import decode

    text = decode(data, origin)
    if kind == "markdown":
        from feedsum.sources import markdown

        article = markdown.parse(text, origin=origin, default_id=origin, timezone=UTC)
        return [Readable(origin, article.title, article.body)]
    if kind == "jsonl":
        from feedsum.sources.jsonl import parse_line

        found = []
        for number, line in enumerate(text.split("\n"), start=1):
            if line.strip():
                item = parse_line(line, origin=origin, number=number, id_prefix="", key=origin,
                                  timezone=UTC)  # fmt: skip
                found.append(Readable(f"{origin}:{number}", item.article.title, item.article.body))
        return found
    from feedsum.sources.textfile import parse

    parsed = parse(text, origin)
    return [Readable(origin, parsed.fields.get("title"), parsed.body)]


def read_file(path: Path, kind: str) -> list[Readable]:
    limit = None if kind == "jsonl" else MAX_ARTICLE_BYTES
    return read(read_bytes(path, limit), str(path), kind)
