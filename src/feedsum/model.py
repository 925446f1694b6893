"""The values the pipeline stages pass to each other.

Every datetime here is timezone-aware UTC. Nothing in this module imports the
rest of feedsum.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

LengthKind = Literal["sentences", "ratio", "words"]
#: Sentences ranked per article by default: see `SummarySettings.max_sentences`.
DEFAULT_MAX_SENTENCES = 300


@dataclass(frozen=True, slots=True, kw_only=True)
class Article:
    """One article as a source read it, before cleaning."""

    #: Stable entry id; derived from where the article lives, never from its text.
    id: str
    #: Where it came from (a file path or URL); quoted in every message about it.
    origin: str
    #: The body text as written, header removed, newlines normalised to LF.
    body: str
    #: The `title` header, or None to derive one from the first sentence.
    title: str | None = None
    #: The article's own URL (`link` header), if any.
    link: str | None = None
    #: The `author` header, if any.
    author: str | None = None
    #: From the `date` header; None means "use the first time we saw it".
    published: datetime | None = None
    #: Tags or categories, for filters and the entry's categories.
    tags: tuple[str, ...] = ()
    #: The article as HTML, when the source has it (Markdown); else paragraphs are shown.
    html: str | None = None
    #: The upstream feed an item came from (title and URL), for attribution.
    source_title: str | None = None
    source_url: str | None = None
    #: A feed item carrying only a short teaser: its link holds the article.
    teaser: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Length:
    """How long a summary should be: sentences, a share of them, or a word budget."""

    kind: LengthKind = "sentences"
    value: float = 3

    def take(self, ranked_words: Sequence[int]) -> int:
        """How many of the best-ranked sentences to keep.

        `ranked_words` holds the word count of every sentence, best first. A
        word budget takes sentences in rank order while they fit, never
        cutting one; every kind keeps at least one sentence of a non-empty article.
        """
        total = len(ranked_words)
        if self.kind == "sentences":
            return min(total, int(self.value))
        if self.kind == "ratio":
            return min(total, max(1, round(self.value * total)))
        used = taken = 0
        for words in ranked_words:
            if taken and used + words > self.value:
                break
            used += words
            taken += 1
        return taken

    def __str__(self) -> str:
        return f"{self.kind}={self.value:g}"


@dataclass(frozen=True, slots=True, kw_only=True)
class SummarySettings:
    """Everything that decides which sentences a summary holds."""

    algorithm: str = "newsrank"
    length: Length = Length()
    language: str = "english"
    #: Only an article's first this many sentences are ranked (0: all of them):
    #: sentence graphs grow with the square of the sentences.
    max_sentences: int = DEFAULT_MAX_SENTENCES
    #: Stop words added to the language's own (a feed's `stop_words_file`).
    extra_stop_words: frozenset[str] = frozenset()

    def key(self) -> str:
        """A string that changes whenever the settings would change a summary."""
        key = f"{self.algorithm};{self.length};{self.language}"
        # Named only when not the default: stored keys from before the cap stay valid.
        if self.max_sentences != DEFAULT_MAX_SENTENCES:
            key += f";max_sentences={self.max_sentences}"
        if self.extra_stop_words:
            # A hash of the words: editing the file redoes the feed's summaries.
            words = "\n".join(sorted(self.extra_stop_words)).encode()
            key += f";stop_words_file={hashlib.sha256(words).hexdigest()[:16]}"
        return key


@dataclass(frozen=True, slots=True, kw_only=True)
class Summary:
    """Selected sentences of one article, in article order."""

    sentences: tuple[str, ...]
    #: Index of each selected sentence in the article's sentence list.
    indices: tuple[int, ...]

    @property
    def text(self) -> str:
        return " ".join(self.sentences)


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedItem:
    """One feed entry: an article, its summary and its dates, ready to write."""

    id: str
    title: str
    summary: str
    #: The cleaned article, one string per paragraph (for Atom content).
    paragraphs: tuple[str, ...]
    published: datetime
    updated: datetime
    link: str | None = None
    author: str | None = None
    tags: tuple[str, ...] = ()
    #: The article as HTML for `content`; None renders the paragraphs.
    html: str | None = None
    source_title: str | None = None
    source_url: str | None = None
    #: The article's own page on the site (the `html` format), as a URL; None for
    #: upstream items, which have their own. The entry links to it when `link` is None.
    page: str | None = None
    #: The article's language (BCP 47) when its source names or detects one; None:
    #: the feed's. Written on the entry where it differs from the feed's.
    language: str | None = None

    @property
    def alternate(self) -> str | None:
        """Where a reader's "open" goes: the article's own URL, else its page here."""
        return self.link or self.page
