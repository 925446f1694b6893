"""`feedsum init`: a commented starter feed file and one sample article.

The texts are built here, written by the CLI: nothing is overwritten, and the
feed file is checked by the same loader a build uses before it is written.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

#: A feed name is its file's stem and part of every output's name.
NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")

_FEED = """\
# A feed: its articles, how they are summarized and where the feed is written.
# Every key is described in feedsum's README, under "Feed files".
title = {title}
# The site the feed belongs to; base_url is where the feed files are served
# from (default: link).
link = {link}
# base_url = "https://example.org/feeds/"
language = "en"                       # a BCP 47 tag, or "auto": each article's own
timezone = "UTC"                      # an article's date alone is midnight here
# Part of every entry id: readers recognise entries by it. Never change it.
tag_date = {today}

# Plain-text articles: an optional header (title, date YYYY-MM-DD, link,
# author, tags) and the body. Add Markdown, saved web pages, JSON Lines or
# upstream feeds as more [[sources]] (see "Sources" in the README).
[[sources]]
path = "{name}/*.txt"

[summary]
algorithm = "newsrank"                # `feedsum summarize --help` lists the others
sentences = 3

[output]
dir = "../public"                     # relative to this file
max_items = 50
"""

_ARTICLE = """\
title Welcome to your feed
date {today}
This is a sample article for feedsum, the tool that summarizes articles into \
Atom and RSS feeds. Replace it with your own, one text file an article.

Each build reads the articles of the feed's sources, summarizes the new and \
changed ones, and writes the feed. Articles it has seen before cost nothing: \
it remembers their summaries between builds.

Run it from cron every few minutes. It prints nothing unless something fails, \
so cron mails only when there is something to fix.
"""


@dataclass(frozen=True, slots=True)
class Starter:
    """The files `feedsum init` writes, relative to the project folder."""

    files: tuple[tuple[Path, str], ...]


def starter(name: str, title: str, link: str, today: date) -> Starter:
    """The starter feed `name`: feeds/<name>.toml and feeds/<name>/welcome.txt."""
    # JSON's strings are TOML basic strings (quotes, backslashes, \u escapes).
    feed = _FEED.format(
        name=name,
        title=json.dumps(title, ensure_ascii=False),
        link=json.dumps(link, ensure_ascii=False),
        today=today.isoformat(),
    )
    return Starter(
        files=(
            (Path("feeds") / f"{name}.toml", feed),
            (Path("feeds") / name / "welcome.txt", _ARTICLE.format(today=today.isoformat())),
        )
    )
