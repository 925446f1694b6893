"""The one boundary every Article crosses before it becomes an entry.

- Text is made XML-safe: characters XML 1.0 forbids (C0 controls but tab and
  newlines), DEL and the C1 controls are removed (NEL, a line break, becomes a
  space), lone surrogates become U+FFFD and noncharacters (U+FFFE, U+FDD0, ...)
  are dropped. lxml refuses the first kind outright, which would stop the whole
  feed; readers show the others as junk.
- HTML (Markdown's, an upstream item's, a page's) goes through nh3 (Ammonia)
  with an allowlist fit for articles; every link and image is made absolute
  against the article's own URL, and only http, https and mailto survive.
- A URL feedsum publishes (an entry's link, its source feed) is kept only when
  it is an absolute http(s) URL; anything else (`javascript:`, `data:`, a
  relative path) is left out, with a warning.

Pure: strings in, strings out; called once per processed article.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from urllib.parse import urljoin, urlsplit

from feedsum.model import Article

#: Bumped whenever these rules change what an article becomes: every article is
#: then read and checked again once.
SAFETY_RULES = 1

_NONCHARACTERS = "\ufdd0-\ufdef\ufffe\uffff" + "".join(
    f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(1, 17)
)
# Everything XML 1.0 cannot carry or that is not text (see the module docstring).
_UNSAFE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff{_NONCHARACTERS}]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _replace(match: re.Match[str]) -> str:
    char = match[0]
    if char == "\x85":  # NEL: a line break in some encodings; a space keeps words apart
        return " "
    if _SURROGATE.match(char):
        return "\ufffd"
    return ""


def xml_text(text: str) -> str:
    """`text` without the characters no feed should carry (most text has none)."""
    if _UNSAFE.search(text) is None:
        return text
    return _UNSAFE.sub(_replace, text)


def _optional(text: str | None) -> str | None:
    return (xml_text(text).strip() or None) if text is not None else None


PUBLISHED_SCHEMES = ("http", "https")


def http_url(url: str | None) -> str | None:
    """`url` if it is an absolute http(s) URL with a host, else None."""
    if not url:
        return None
    url = xml_text(url).strip()
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # a bad port or IPv6 literal
        return None
    if parts.scheme.lower() not in PUBLISHED_SCHEMES or not host or any(c.isspace() for c in url):
        return None
    return url


# What an article's HTML may keep: its text structure, links and images.
ALLOWED_TAGS = frozenset((
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "dl", "dt", "em",
    "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "li",
    "mark", "ol", "p", "pre", "q", "s", "small", "strong", "sub", "sup", "table", "tbody",
    "td", "tfoot", "th", "thead", "tr", "u", "ul",
))  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": frozenset(("href", "title")),
    "abbr": frozenset(("title",)),
    "img": frozenset(("src", "alt", "title", "width", "height")),
    "ol": frozenset(("start",)),
    "td": frozenset(("colspan", "rowspan")),
    "th": frozenset(("colspan", "rowspan", "scope")),
}
URL_ATTRIBUTES = frozenset(("href", "src"))
CONTENT_SCHEMES = frozenset(("http", "https", "mailto"))
# Dropped with everything inside them, not just their tags: their text is code.
_DROPPED_WITH_CONTENT = frozenset(("script", "style", "template", "noscript", "iframe", "svg"))


def sanitize_html(fragment: str, base: str) -> str:
    """`fragment` with only ALLOWED_TAGS and ALLOWED_ATTRIBUTES, every href and src
    absolute against `base` (an absolute http(s) URL) and of a CONTENT_SCHEMES
    scheme, and `rel="noopener noreferrer"` on links."""
    import nh3

    def absolute(tag: str, attribute: str, value: str) -> str | None:
        if attribute not in URL_ATTRIBUTES:
            return value
        # nh3 has already dropped values with other schemes; relative ones come here.
        url = urljoin(base, value.strip())
        scheme = urlsplit(url).scheme.lower()
        # mailto: is a link's business; an image or media source is fetched by readers.
        allowed = CONTENT_SCHEMES if attribute == "href" else ("http", "https")
        return url if scheme in allowed else None

    cleaned = nh3.clean(
        xml_text(fragment),  # nh3 (Rust) cannot take a lone surrogate
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(_DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=absolute,
        url_schemes=set(CONTENT_SCHEMES),
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    # And after: nh3 decodes character references (&#1; &#xFFFE;) into the
    # characters themselves.
    return xml_text(cleaned)


@dataclass(frozen=True, slots=True)
class Checked:
    """An article made safe, and what was left out of it (one line each)."""

    article: Article
    warnings: tuple[str, ...] = ()


# An id is a name, not a link, but some readers open a URL-like guid or Atom
# id: one with these schemes is never published (browsers ignore whitespace
# inside a scheme, so "java script:" counts too).
_SCRIPT_SCHEMES = ("javascript:", "vbscript:", "data:", "file:")


def _script_id(entry_id: str) -> bool:
    return "".join(entry_id.split()).lower().startswith(_SCRIPT_SCHEMES)


def safe_article(article: Article, base_url: str) -> Checked:
    """`article` with every field XML-safe, its HTML sanitized and its URLs checked.

    `base_url` (the feed's, an absolute http(s) URL) resolves relative URLs in
    the HTML of an article that has no URL of its own. Idempotent.
    """
    warnings = []
    link = http_url(article.link)
    if article.link and link is None:
        warnings.append(f"{article.origin}: link {article.link!r} is not an http(s) URL; left out")
    source_url = http_url(article.source_url)
    if article.source_url and source_url is None:
        warnings.append(
            f"{article.origin}: source URL {article.source_url!r} is not an http(s) URL; left out"
        )
    entry_id = xml_text(article.id).strip()
    if _script_id(entry_id):
        warnings.append(f"{article.origin}: id {entry_id!r} is a script URL; a stand-in is used")
        entry_id = ""
    if not entry_id:  # an id of control characters alone, or a script: a stable stand-in
        digest = hashlib.sha256(article.id.encode("utf-8", "surrogatepass")).hexdigest()
        entry_id = f"urn:feedsum:{digest[:32]}"
    html = article.html
    if html is not None:
        html = sanitize_html(html, link or source_url or base_url).strip() or None
    safe = replace(
        article,
        id=entry_id,
        body=xml_text(article.body),
        title=_optional(article.title),
        link=link,
        author=_optional(article.author),
        tags=tuple(t for t in (xml_text(tag).strip() for tag in article.tags) if t),
        html=html,
        source_title=_optional(article.source_title),
        source_url=source_url,
    )
    return Checked(safe, tuple(warnings))
