"""HTML pages: one per feed, one per local article, and the folder's index.

Rendered with Jinja2, autoescape on: every title, summary and name is plain
text and is escaped. The one string passed as markup is an article's content,
which is either nh3's sanitized HTML (feedsum.safety) or paragraphs escaped
here. Links between pages are relative, so the site works under any URL (and
from `feedsum serve`); the feeds' own documents carry absolute URLs.

The templates ship in the package (feedsum/templates); a feed's `[output]
templates` folder may replace any of them. No JavaScript, no clock: unchanged
items and templates give identical bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from feedsum import __version__
from feedsum.config import FeedConfig
from feedsum.errors import ConfigError
from feedsum.languages import document_language, own_language
from feedsum.model import FeedItem
from feedsum.writers.site import relative_page

if TYPE_CHECKING:
    import jinja2

#: Each feed format a page links to: media type and the label shown.
ALTERNATES = {
    "atom": ("application/atom+xml", "Atom"),
    "rss": ("application/rss+xml", "RSS"),
    "json": ("application/feed+json", "JSON Feed"),
}


@dataclass(frozen=True, slots=True)
class Alternate:
    """A link to one of a feed's documents: `<link rel="alternate">` and a visible link."""

    type: str
    title: str
    label: str
    href: str


def alternates(config: FeedConfig, prefix: str = "") -> list[Alternate]:
    """The feed's Atom, RSS and JSON documents, relative to a page `prefix` away."""
    return [
        Alternate(media, f"{config.title} ({label})", label, f"{prefix}{config.name}.{fmt}")
        for fmt, (media, label) in ALTERNATES.items()
        if fmt in config.formats
    ]


def _environment(templates: Path | None) -> jinja2.Environment:
    import jinja2

    loaders: list[jinja2.BaseLoader] = [jinja2.PackageLoader("feedsum", "templates")]
    if templates is not None:
        loaders.insert(0, jinja2.FileSystemLoader(templates))
    return jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,  # a misspelt name in a template is an error
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _render(config: FeedConfig | None, name: str, context: dict[str, Any]) -> bytes:
    """One template rendered; a broken override is a ConfigError naming its file and line."""
    import jinja2

    templates = config.templates if config else None
    try:
        template = _environment(templates).get_template(name)
        return template.render(version=__version__, **context).encode("utf-8")
    except jinja2.TemplateError as exc:
        if config is None:
            raise  # feedsum's own templates: a bug, not a feed file's mistake
        where = getattr(exc, "filename", None) or name
        line = getattr(exc, "lineno", None)
        raise ConfigError(
            config.path,
            "output.templates",
            f"template {where}{f':{line}' if line else ''}: {exc}",
            "fix the template, or remove it to use feedsum's own",
        ) from exc


def templates_digest(config: FeedConfig) -> str:
    """A hash of every template the pages are made from (the package's and the
    feed's own folder): a changed template re-renders the pages."""
    digest = hashlib.sha256()
    packaged = resources.files("feedsum") / "templates"
    for entry in sorted(packaged.iterdir(), key=lambda e: e.name):
        digest.update(f"\0{entry.name}\0".encode() + entry.read_bytes())
    if config.templates is not None:
        for path in sorted(config.templates.rglob("*")):
            if path.is_file():
                digest.update(f"\1{path.relative_to(config.templates)}\0".encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def _date(config: FeedConfig, when: datetime) -> tuple[str, str]:
    """The `datetime` attribute and the date shown, in the feed's time zone: a day,
    and the time of day when it is not midnight (a date-only article)."""
    local = when.astimezone(config.timezone)
    shown = local.strftime("%Y-%m-%d")
    if (local.hour, local.minute, local.second) != (0, 0, 0):
        shown += local.strftime(" %H:%M %Z")
    return local.isoformat(), shown


def _entry(config: FeedConfig, item: FeedItem, prefix: str) -> dict[str, Any]:
    from markupsafe import Markup

    from feedsum.writers.feeds import to_html

    stamp, shown = _date(config, item.published)
    page = relative_page(config, item)
    anchor = hashlib.sha256(item.id.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return {
        "id": item.id,
        "anchor": f"e-{anchor}",
        "title": item.title,
        # The article's page here (its full text), else where the article lives.
        "href": f"{prefix}{page}" if page else item.link,
        "link": item.link,
        "datetime": stamp,
        "date": shown,
        "author": item.author,
        "source": item.source_title or (item.source_url and "source"),
        "source_url": item.source_url,
        "summary": item.summary,
        # Set where it differs from the feed's: the page's `lang` covers the rest.
        "lang": own_language(item.language, config.language),
        # Sanitized at the safety boundary (nh3) or escaped by to_html: markup to keep.
        "content": Markup(item.html or to_html(item.paragraphs)),
    }


def _feed(config: FeedConfig) -> dict[str, Any]:
    return {
        "title": config.title,
        "description": config.description,
        "link": config.link,
        "name": config.name,
    }


def page_language(feed_language: str) -> str:
    """A page's `lang`: the feed's, or "mul" (BCP 47: several) when each entry
    has its own (`language = "auto"`)."""
    return document_language(feed_language) or "mul"


def render_feed_page(config: FeedConfig, items: Sequence[FeedItem]) -> bytes:
    """`<name>.html`: the feed's entries, newest first as given."""
    return _render(
        config,
        "feed.html",
        {
            "lang": page_language(config.language),
            "feed": _feed(config),
            "alternates": alternates(config),
            "entries": [_entry(config, item, "") for item in items],
            "index": "index.html",
        },
    )


def render_article_pages(config: FeedConfig, items: Sequence[FeedItem]) -> dict[str, bytes]:
    """`<name>/<slug>.html` for every item with a page, by path relative to the output folder."""
    pages = {}
    for item in items:
        page = relative_page(config, item)
        if page is None:
            continue
        up = "../" * page.count("/")
        pages[page] = _render(
            config,
            "article.html",
            {
                "lang": item.language or page_language(config.language),
                "feed": _feed(config),
                "feed_page": f"{up}{config.name}.html",
                "alternates": alternates(config, up),
                "entry": _entry(config, item, up),
            },
        )
    return pages


def render_index(configs: Sequence[FeedConfig], title: str = "Feeds") -> bytes:
    """`index.html`: every feed of one output folder, with a link to each format."""
    languages = {page_language(config.language) for config in configs}
    feeds = [
        {
            **_feed(config),
            "page": f"{config.name}.html" if "html" in config.formats else None,
            "alternates": alternates(config),
        }
        for config in configs
    ]
    return _render(
        None,
        "index.html",
        {
            # One language for the page when the feeds share one; else "mul" (BCP 47).
            "lang": languages.pop() if len(languages) == 1 else "mul",
            "title": title,
            "feeds": feeds,
            "alternates": [a for config in configs for a in alternates(config)],
        },
    )
