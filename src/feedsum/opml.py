"""OPML 2.0 (http://opml.org/spec2.opml): the feeds of a site out, a reader's
subscriptions in.

`render_opml` lists every feed of an output folder for a reader to import;
`read_opml` takes a reader's export (folders and all) to the subscriptions in
it, and `feed_file` writes them as a feed file with one `feed` source each.
Pure: bytes and strings in and out, but for `import_opml`, the command's edge.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from feedsum.config import FeedConfig
from feedsum.errors import FeedsumError
from feedsum.languages import document_language
from feedsum.safety import http_url, xml_text

#: The format a reader subscribes to, in order of preference.
SUBSCRIBE = ("atom", "rss", "json")


class OpmlError(FeedsumError):
    """An OPML file cannot be read; the message names the file, the line and the fix."""

    def __init__(self, origin: str, line: int | None, problem: str, fix: str) -> None:
        where = f"{origin}:{line}" if line else origin
        super().__init__(f"{where}: {problem}; {fix}")
        self.origin, self.line = origin, line


def render_opml(configs: Sequence[FeedConfig], title: str = "Feeds") -> bytes:
    """An OPML 2.0 document with one `rss` outline per feed that has a feed format
    (no dateCreated: unchanged feeds give identical bytes)."""
    from lxml import etree

    opml = etree.Element("opml", version="2.0")
    head = etree.SubElement(opml, "head")
    etree.SubElement(head, "title").text = title
    body = etree.SubElement(opml, "body")
    for config in configs:
        fmt = next((f for f in SUBSCRIBE if f in config.formats), None)
        if fmt is None:
            continue  # an html-only feed has nothing to subscribe to
        outline = etree.SubElement(
            body,
            "outline",
            type="rss",
            text=config.title,
            title=config.title,
            description=config.description,
            xmlUrl=config.self_url(fmt),
            htmlUrl=config.link,
        )
        if (language := document_language(config.language)) is not None:
            outline.set("language", language)  # none for "auto": the feed has none
    return bytes(etree.tostring(opml, xml_declaration=True, encoding="UTF-8", pretty_print=True))


@dataclass(frozen=True, slots=True, kw_only=True)
class Subscription:
    """One feed of a reader's OPML export."""

    url: str
    title: str | None
    #: Where the outline is, for messages.
    line: int


def read_opml(data: bytes, origin: str) -> tuple[list[Subscription], list[str]]:
    """Every subscription (an outline with an `xmlUrl`, in folders or not) in
    document order, duplicates (the same URL) dropped; and a line for each outline
    left out (not an http(s) URL, a duplicate). An OpmlError when the file is not
    OPML at all, naming the line where the XML breaks."""
    from lxml import etree

    # No entities expanded, nothing fetched: the file is a stranger's.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno else None
        raise OpmlError(origin, line, f"not well-formed XML ({exc.msg})", "fix the file") from exc
    if root.tag != "opml":
        raise OpmlError(
            origin, root.sourceline, f"the root element is <{root.tag}>, not <opml>",
            "export your subscriptions as OPML from your feed reader",
        )  # fmt: skip
    body = root.find("body")
    if body is None:
        raise OpmlError(origin, root.sourceline, "no <body>", "export the OPML again")
    found: dict[str, Subscription] = {}
    notes = []
    for outline in body.iter("outline"):
        raw = outline.get("xmlUrl") or outline.get("xmlurl")
        if raw is None:
            continue  # a folder, or a note: nothing to subscribe to
        line = outline.sourceline
        url = http_url(raw.strip())
        if url is None:
            notes.append(f"{origin}:{line}: xmlUrl {raw!r} is not an http(s) URL; left out")
            continue
        if url in found:
            notes.append(
                f"{origin}:{line}: {url} is listed again (first at line {found[url].line}); "
                "left out"
            )
            continue
        title = outline.get("title") or outline.get("text")
        title = xml_text(title).strip() if title else None
        found[url] = Subscription(url=url, title=title or None, line=line)
    if not found:
        raise OpmlError(
            origin, None, "no subscriptions (no outline with an http(s) xmlUrl)",
            "export your subscriptions as OPML from your feed reader",
        )  # fmt: skip
    return list(found.values()), notes


def _toml_string(text: str) -> str:
    # A JSON string is a TOML basic string (the same escapes), control characters included.
    return json.dumps(text, ensure_ascii=False)


def feed_file(
    subscriptions: Sequence[Subscription],
    *,
    title: str,
    link: str,
    origin: str,
    allow_private: bool = False,
) -> str:
    """A feed file with one `feed` source per subscription, its title above it."""
    lines = [
        f"# Imported from {origin} by `feedsum opml import`: one source per subscription.",
        '# Every key is described in the README\'s "Feed files" section.',
        f"title = {_toml_string(title)}",
        "# The site this feed is published on: used in entry ids and links.",
        f"link = {_toml_string(link)}",
        "# Part of every entry id; never change it once the feed is published.",
        "tag_date = 2024-01-01",
    ]
    for subscription in subscriptions:
        lines.append("")
        if subscription.title:
            lines.append(f"# {' '.join(subscription.title.split())}")
        lines.append("[[sources]]")
        lines.append(f"url = {_toml_string(subscription.url)}")
        if allow_private:
            lines.append("allow_private = true")
    return "\n".join(lines) + "\n"


#: What `link` an imported feed file gets when none is given: a placeholder to change.
PLACEHOLDER_LINK = "https://example.org/"


def import_opml(
    opml_path: Path,
    feeds_dir: Path,
    name: str | None = None,
    link: str | None = None,
    *,
    allow_private: bool = False,
) -> tuple[Path, list[Subscription], list[str]]:
    """Write `<feeds_dir>/<name>.toml` with one `feed` source per subscription in
    the OPML file; the path, the subscriptions and what was left out. An existing
    feed file is never overwritten. The file is checked by loading it back."""
    from feedsum.config import load_feed

    origin = str(opml_path)
    try:
        data = opml_path.read_bytes()
    except OSError as exc:
        raise OpmlError(origin, None, f"cannot read it ({exc.strerror})", "check the path") from exc
    subscriptions, notes = read_opml(data, origin)
    name = name or _NAME.sub("-", opml_path.stem).strip("-") or "subscriptions"
    if not _NAME_OK.fullmatch(name):
        raise OpmlError(origin, None, f"--name {name!r} is not a feed name", _NAME_FIX)
    target = feeds_dir / f"{name}.toml"
    if target.exists():
        raise OpmlError(
            origin, None, f"{target} exists", "pass --name with another name, or move that file"
        )
    title = _head_title(data) or name
    text = feed_file(
        subscriptions,
        title=title,
        link=link or PLACEHOLDER_LINK,
        origin=opml_path.name,
        allow_private=allow_private,
    )
    feeds_dir.mkdir(parents=True, exist_ok=True)
    # Exclusive create: two imports to one name never overwrite each other.
    with target.open("x", encoding="utf-8") as out:
        out.write(text)
    try:
        load_feed(target)
    except FeedsumError:
        target.unlink()
        raise
    return target, subscriptions, notes


_NAME = re.compile(r"[^A-Za-z0-9_-]+")
_NAME_OK = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_NAME_FIX = "use letters, digits, - and _ (it names the outputs: <name>.atom)"


def _head_title(data: bytes) -> str | None:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    title = etree.fromstring(data, parser).findtext("head/title")
    return " ".join(xml_text(title).split()) or None if title else None
