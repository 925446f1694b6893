"""HTML fragments (feed content, rendered Markdown) as plain-text paragraphs."""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

# Elements that end a paragraph; any other element is inline text.
_BLOCKS = frozenset((
    "address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "figcaption",
    "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main",
    "nav", "ol", "p", "pre", "section", "table", "td", "th", "tr", "ul",
))  # fmt: skip
_SKIP = frozenset(("script", "style", "template", "noscript"))
_SPACE = re.compile(r"\s+")


def paragraphs(fragment: str) -> list[str]:
    """The text of an HTML fragment, one string per paragraph, whitespace collapsed."""
    if not fragment.strip():
        return []
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return [_SPACE.sub(" ", fragment).strip()] if fragment.strip() else []
    parts: list[str] = []

    def walk(element: etree._Element) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in _SKIP:
            return
        block = tag in _BLOCKS
        if block:
            parts.append("\n\n")
        if tag == "br":
            parts.append("\n\n")
        if element.text and tag:
            parts.append(element.text)
        for child in element:
            walk(child)
            if child.tail:
                parts.append(child.tail)
        if block:
            parts.append("\n\n")

    walk(root)
    text = "".join(parts)
    return [p for p in (_SPACE.sub(" ", chunk).strip() for chunk in text.split("\n\n")) if p]


def text(fragment: str) -> str:
    """The text of an HTML fragment as one line (titles, authors)."""
    return " ".join(paragraphs(fragment))
