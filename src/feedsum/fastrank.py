"""Vectorized LexRank, TextRank, Luhn and SumBasic that select what sumy 0.13 selects.

sumy's summarizers rate sentences in pure Python: LexRank and TextRank compare
every pair of sentences word by word, Luhn scans a tuple of significant stems
for every word, SumBasic re-averages every remaining sentence after each pick.
The classes here compute the same ratings with numpy from integer arrays of
each document's terms and hand them to sumy's own `_get_best_sentences`, so a
count of any kind (an int, "20%", a callable) and the tie order (a stable sort
by rating, equal ratings in document order) behave as in sumy. They exist to
be swapped for sumy's classes with no change in any summary.

What is reproduced, and how exactly:

- terms: each word is normalized (lower-cased), dropped if a stop word, then
  stemmed through `stem_word`, in sumy's order; Luhn matches every word of a
  sentence by `stem_word`, stop words included, as sumy does;
- ratings are keyed as sumy keys them: LexRank, TextRank and SumBasic build a
  dict keyed by `Sentence`, which compares by text, so repeated sentences
  share the rating of the last of them, and SumBasic's `-len(ratings)` gives
  a repeat's successor the repeat's rank;
- TextRank and Luhn ratings are bit-identical to sumy's: overlaps and chunk
  sizes are integers, logarithms come from `math.log`, and the numpy steps
  sumy itself runs (row sums, damping, power method) are repeated on the same
  arrays;
- SumBasic's picks are sumy's: numpy's averages decide a pick unless another
  sentence is within their rounding error of the best, and then sumy's own
  arithmetic decides (Python's `sum` of the same floats in word order, which
  3.12 made compensated, and the first best in document order);
- LexRank's cosines agree with sumy's to ~1e-16, not bit for bit: sumy sums
  them over frozensets, in an order set by the string hash seed. Only a cosine
  within rounding of the 0.1 threshold could link two sentences here and not
  there (sumy itself is then not reproducible across hash seeds); on the
  CNN/DailyMail and BBC development sets none comes closer than 3e-7. Past
  the threshold the graph is 0/1, so the power method runs on the identical
  matrix and the ratings are identical.

Each word's term (and Luhn's stem) is computed once per summarizer: articles
share most of their words.

`StableLsaSummarizer` is sumy's LSA itself, with its terms numbered in a
reproducible order (see the class).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np
from sumy.nlp.stemmers import null_stemmer
from sumy.summarizers._summarizer import AbstractSummarizer
from sumy.summarizers.lsa import LsaSummarizer
from sumy.utils import ItemsCount

#: Words remembered per summarizer; past this many the table starts afresh.
_TABLE_SIZE = 200_000

_Column = Callable[[str], str | None]


class _WordTable(dict[str, int]):
    """Word -> its row of `facts`, computed the first time the word is seen.

    Each column is a string derived from the word (its term, its stem, ...),
    stored as an id shared by all columns: equal strings get equal ids, so a
    document's words become integer arrays with one dict lookup per word.
    """

    def __init__(self, columns: Sequence[_Column]) -> None:
        super().__init__()
        self._columns = tuple(columns)
        self._strings: dict[str, int] = {}
        self.facts = np.empty((1024, len(self._columns)), dtype=np.intp)  #: -1 for None

    def __missing__(self, word: str) -> int:
        row = len(self)
        if row == len(self.facts):
            self.facts = np.concatenate([self.facts, np.empty_like(self.facts)])
        strings = self._strings
        for column, derive in enumerate(self._columns):
            value = derive(word)
            self.facts[row, column] = (
                -1 if value is None else strings.setdefault(value, len(strings))
            )
        self[word] = row
        return row

    def rows(self, words: Iterable[str], count: int) -> np.ndarray:
        return np.fromiter(map(self.__getitem__, words), dtype=np.intp, count=count)


@dataclass(frozen=True, slots=True)
class _Terms:
    """The terms of a document's sentences as vocabulary ids 0 .. width - 1."""

    ids: np.ndarray  #: every sentence's term ids, concatenated in word order
    rows: np.ndarray  #: the sentence of each entry of `ids`
    lengths: np.ndarray  #: terms per sentence, repeats counted
    width: int  #: the vocabulary size

    def counts(self) -> np.ndarray:
        """Sentences x terms, how often each term occurs; at least one column."""
        n, width = len(self.lengths), max(1, self.width)
        flat = np.bincount(self.rows * width + self.ids, minlength=n * width)
        return flat.reshape(n, width).astype(float)


class _Summarizer(AbstractSummarizer):  # type: ignore[misc]
    """sumy's stop-word handling, with what each word contributes remembered."""

    def __init__(self, stemmer: Callable[[str], str] = null_stemmer) -> None:
        super().__init__(stemmer)
        self._stop_words: frozenset[str] = frozenset()
        self._table = _WordTable(self._columns())

    @property
    def stop_words(self) -> frozenset[str]:
        return self._stop_words

    @stop_words.setter
    def stop_words(self, words: Iterable[str]) -> None:
        self._stop_words = frozenset(map(self.normalize_word, words))
        self._table = _WordTable(self._columns())  # terms depend on the stop words

    def __call__(self, document: Any, sentences_count: Any) -> tuple[Any, ...]:
        if not document.sentences:
            return ()
        ratings = self.rate_sentences(document)
        return tuple(self._get_best_sentences(document.sentences, sentences_count, ratings))

    def rate_sentences(self, document: Any) -> dict[Any, float]:
        raise NotImplementedError

    def _columns(self) -> tuple[_Column, ...]:
        return (self._term_of,)

    def _words(self) -> _WordTable:
        if len(self._table) > _TABLE_SIZE:
            self._table = _WordTable(self._columns())
        return self._table

    def _term_of(self, word: str) -> str | None:
        # sumy's `_to_words_set`: normalize, filter, then `stem_word`, which normalizes again.
        normalized = self.normalize_word(word)
        return None if normalized in self._stop_words else self.stem_word(normalized)

    def _terms(self, sentences: Sequence[Any]) -> _Terms:
        """The sentences' terms (stop words dropped, stems kept in word order)."""
        table = self._words()
        tokens = [s.words for s in sentences]  # each a cached property: read once
        words = [len(t) for t in tokens]
        found = table.rows(chain.from_iterable(tokens), sum(words))
        terms = table.facts[found, 0]
        kept = terms >= 0
        rows = np.repeat(np.arange(len(sentences)), words)[kept]
        vocabulary, ids = np.unique(terms[kept], return_inverse=True)
        return _Terms(
            ids=ids.astype(np.intp),
            rows=rows,
            lengths=np.bincount(rows, minlength=len(sentences)),
            width=len(vocabulary),
        )


class FastLexRankSummarizer(_Summarizer):
    """sumy's LexRankSummarizer: power method on the thresholded tf-idf cosine graph."""

    threshold = 0.1
    epsilon = 0.1

    def rate_sentences(self, document: Any) -> dict[Any, float]:
        sentences = document.sentences
        n = len(sentences)
        if not n:
            return {}
        terms = self._terms(sentences)
        counts = terms.counts()
        # tf is the count over the sentence's largest count (sumy's max is 1 when empty).
        largest = counts.max(axis=1)
        tf = counts / np.where(largest > 0, largest, 1.0)[:, None]
        # idf = log(n / (1 + n_j)), with math.log as sumy has it; n_j takes at most n + 1 values.
        logs = np.array([math.log(n / (1 + k)) for k in range(n + 1)])
        idf = logs[(counts > 0).sum(axis=0)]
        numerator = (tf * idf**2) @ tf.T
        norms = np.sqrt(((tf * idf) ** 2).sum(axis=1))
        denominator = norms[:, None] * norms[None, :]
        cosine = np.divide(
            numerator, denominator, out=np.zeros_like(numerator), where=denominator > 0
        )
        # The one step where rounding could matter: a cosine within ~1e-16 of the
        # threshold. sumy's own sum order there depends on the string hash seed.
        linked = (cosine > self.threshold).astype(float)
        degrees = linked.sum(axis=1)
        degrees[degrees == 0] = 1.0
        matrix = linked / degrees[:, None]
        scores = _lexrank_power_method(matrix, self.epsilon)
        # Keyed by Sentence as sumy keys them: repeated sentences share the last rating.
        return dict(zip(sentences, scores, strict=True))


class FastTextRankSummarizer(_Summarizer):
    """sumy's TextRankSummarizer: PageRank over shared terms / sum of log lengths."""

    epsilon = 1e-4
    damping = 0.85
    _ZERO_DIVISION_PREVENTION = 1e-7

    def rate_sentences(self, document: Any) -> dict[Any, float]:
        sentences = document.sentences
        n = len(sentences)
        if not n:
            return {}
        terms = self._terms(sentences)
        counts = terms.counts()
        # sum(words2.count(w) for w in words1) is the dot product of the count
        # vectors; integers, so exact in float64 whatever order BLAS adds them.
        rank = counts @ counts.T
        # math.log of each length, as sumy computes it (0 stands for an empty
        # sentence, whose overlaps are all 0 and so never divided).
        lengths = terms.lengths
        logs = np.array([math.log(k) if k else 0.0 for k in range(int(lengths.max()) + 1)])
        norm = logs[lengths][:, None] + logs[lengths][None, :]
        # Two one-term sentences have norm 0: sumy's edge is then the overlap itself.
        # (sumy tests np.isclose(norm, 0.0), which for finite norms is |norm| <= 1e-8.)
        weights = np.divide(rank, norm, out=rank.copy(), where=np.abs(norm) > 1e-8)
        # From here on, sumy's own numpy steps on the same (bit-identical) weights.
        weights /= weights.sum(axis=1)[:, np.newaxis] + self._ZERO_DIVISION_PREVENTION
        matrix = np.full((n, n), (1.0 - self.damping) / n) + self.damping * weights
        scores = _textrank_power_method(matrix, self.epsilon)
        return dict(zip(sentences, scores, strict=True))


class FastLuhnSummarizer(_Summarizer):
    """sumy's LuhnSummarizer: the best cluster of significant words in each sentence."""

    max_gap_size = 4
    significant_percentage = 1

    def __call__(self, document: Any, sentences_count: Any) -> tuple[Any, ...]:
        ratings = self._ratings(document)
        position = {id(s): i for i, s in enumerate(document.sentences)}
        return tuple(
            self._get_best_sentences(
                document.sentences, sentences_count, lambda s: ratings[position[id(s)]]
            )
        )

    def rate_sentences(self, document: Any) -> dict[Any, float]:
        return dict(zip(document.sentences, self._ratings(document), strict=True))

    def _columns(self) -> tuple[_Column, ...]:
        # The term counts toward significance, after TfDocumentModel lower-cases it
        # once more; a sentence's words are matched by `stem_word`, stop words included.
        return (self._term_of, self._key_of, self.stem_word)

    def _key_of(self, word: str) -> str | None:
        term = self._term_of(word)
        return None if term is None else term.lower()

    def _significant(self, table: _WordTable, words: Sequence[str]) -> np.ndarray:
        """sumy's significant stems, as ids: of all the document's words, headings included."""
        found = table.rows(words, len(words))  # first: it may grow `facts`
        keys = table.facts[found, 1]
        keys = keys[keys >= 0]
        distinct, first, frequency = np.unique(keys, return_index=True, return_counts=True)
        # TfDocumentModel.most_frequent_terms: a stable sort of the Counter (in first
        # occurrence order) by frequency, cut to a share of the words; 0 is no cut.
        limit = int(len(keys) * self.significant_percentage)
        if limit < 0:
            raise ValueError("Only non-negative values are allowed for count of terms.")
        if 0 < limit < len(distinct):
            best = np.lexsort((first, -frequency))[:limit]
            distinct, frequency = distinct[best], frequency[best]
        significant: np.ndarray = distinct[frequency > 1]
        return significant

    def _ratings(self, document: Any) -> list[float]:
        sentences = document.sentences
        table = self._words()
        significant = self._significant(table, document.words)
        tokens = [s.words for s in sentences]  # each a cached property: read once
        lengths = [len(t) for t in tokens]
        found = table.rows(chain.from_iterable(tokens), sum(lengths))
        flags = np.isin(table.facts[found, 2], significant)
        ratings = np.zeros(len(sentences))
        positions = np.flatnonzero(flags)
        if positions.size:
            owner = np.repeat(np.arange(len(sentences)), lengths)[positions]
            # A chunk ends after max_gap_size words in a row that are not
            # significant; sumy's test of a chunk's last 0 words never ends one.
            starts = np.ones(positions.size, dtype=bool)
            starts[1:] = owner[1:] != owner[:-1]
            if self.max_gap_size > 0:
                starts[1:] |= np.diff(positions) - 1 >= self.max_gap_size
            first = np.flatnonzero(starts)
            last = np.append(first[1:], positions.size) - 1
            significant_words = (last - first + 1).astype(float)
            # Trailing non-significant words are dropped: a chunk spans first to last.
            span = (positions[last] - positions[first] + 1).astype(float)
            # Small integers squared and divided once: the same float as sumy's s**2 / n.
            chunk = np.where(significant_words == 1, 0.0, significant_words**2 / span)
            np.maximum.at(ratings, owner[first], chunk)
        values: list[float] = ratings.tolist()
        return values


class FastSumBasicSummarizer(_Summarizer):
    """sumy's SumBasicSummarizer: repeatedly pick the sentence of most probable words."""

    def __call__(self, document: Any, sentences_count: Any) -> tuple[Any, ...]:
        sentences = document.sentences
        limit = len(sentences)
        # sumy keeps the best ItemsCount(count) of its ranking, so the picks after
        # those never matter, unless a repeated sentence (one dict key) re-ranks an
        # earlier pick or a callable count looks further.
        if not callable(sentences_count) and len(set(sentences)) == len(sentences):
            limit = len(ItemsCount(sentences_count)(range(len(sentences))))
        ratings = self._ratings(sentences, limit)
        return tuple(self._get_best_sentences(sentences, sentences_count, ratings))

    def rate_sentences(self, document: Any) -> dict[Any, float]:
        return self._ratings(document.sentences, len(document.sentences))

    def _ratings(self, sentences: Sequence[Any], limit: int) -> dict[Any, float]:
        ratings: dict[Any, float] = {}
        for index in self._picks(sentences, limit):
            # As sumy: a repeated sentence is one key, so the next pick reuses its rank.
            ratings[sentences[index]] = -len(ratings)
        # Sentences never picked share the next rank, below every pick.
        rest = -len(ratings)
        return {s: ratings.get(s, rest) for s in sentences}

    def _picks(self, sentences: Sequence[Any], limit: int) -> list[int]:
        """The first `limit` sentences sumy picks, in the order it picks them."""
        n = len(sentences)
        terms = self._terms(sentences)
        width, lengths = terms.width, terms.lengths
        # Probabilities of the document's terms, and a last entry 0.0 that pads
        # short sentences in `layout`.
        probability = np.zeros(width + 1)
        probability[:width] = np.bincount(terms.ids, minlength=width) / max(1, terms.ids.size)
        longest = int(lengths.max(initial=0))
        # Column i: sentence i's term ids.
        layout = np.full((longest, n), width, dtype=np.intp)
        offsets = np.repeat(np.cumsum(lengths) - lengths, lengths)
        layout[np.arange(terms.ids.size) - offsets, terms.rows] = terms.ids
        ends = np.cumsum(lengths).tolist()
        flat = terms.ids.tolist()
        term_lists = [flat[end - k : end] for end, k in zip(ends, lengths.tolist(), strict=True)]
        words = np.maximum(lengths, 1).astype(float)
        # numpy's sums (any order) and sumy's (Python's `sum`, in word order) of at
        # most `longest` non-negative terms, each then divided, are both within
        # (longest + 2) units of roundoff of the true average, or 2**-1074 of it
        # where they underflow: only a sentence this close to the best can be it.
        slack = 8 * (longest + 2) * 2.0**-53
        tiny = 4 * 2.0**-1074
        picked = np.zeros(n)  # inf once picked: subtracted, it rules a sentence out
        order: list[int] = []
        for _ in range(min(limit, n)):
            average = probability[layout].sum(axis=0) / words - picked
            best = int(average.argmax())
            top = float(average[best])
            near = np.flatnonzero(average >= top - slack * top - tiny)
            # A best of 0.0 is exact (a sum of non-negative floats is 0 only if all
            # are), as is every other 0.0: argmax already has the first of them.
            if near.size > 1 and top > 0.0:
                best = _first_best(near.tolist(), term_lists, probability)
            order.append(best)
            picked[best] = np.inf
            # sumy squares a probability once per occurrence of the word.
            for term in term_lists[best]:
                probability[term] *= probability[term]
        return order


def _first_best(candidates: list[int], term_lists: list[list[int]], probability: np.ndarray) -> int:
    """sumy's choice among near-equal sentences: its own averages, computed as it
    computes them (Python's `sum` in word order, whatever that is in this Python's
    version), and the first of the best in document order (a strict `>` scan)."""
    best, best_value = candidates[0], -1.0
    for index in candidates:
        ids = term_lists[index]
        value = sum(probability[ids].tolist()) / len(ids) if ids else 0.0
        if value > best_value:
            best, best_value = index, value
    return best


def _lexrank_power_method(matrix: np.ndarray, epsilon: float) -> np.ndarray:
    """sumy's LexRank power method, step for step, each step normalized.

    `np.linalg.norm` of a vector is `sqrt(v.dot(v))`; written out, it is the
    same float without the call's overhead. A graph with no edge at all (no
    sentence with usable terms) normalizes a zero vector: sumy then rates
    every sentence NaN, which keeps document order; the same NaNs come out
    here, without the warning.
    """
    transposed = matrix.T
    p_vector = np.array([1.0 / len(matrix)] * len(matrix))
    lambda_val = 1.0
    with np.errstate(invalid="ignore", divide="ignore"):
        while lambda_val > epsilon:
            next_p = np.dot(transposed, p_vector)
            next_p /= math.sqrt(next_p.dot(next_p))
            step = next_p - p_vector
            lambda_val = math.sqrt(step.dot(step))
            p_vector = next_p
    return p_vector


#: TextRank's power method takes ~110 steps on a news article; its stopping
#: test is taken for this many steps at once.
_STEPS = 16


def _textrank_power_method(matrix: np.ndarray, epsilon: float) -> np.ndarray:
    """sumy's TextRank power method, the same vector to the bit.

    Every step is the same `np.dot` on the same vector as in sumy's loop, but
    the steps' lengths, the stopping test, are taken `_STEPS` at a time in two
    numpy calls instead of three calls a step (a third of the cost on news).
    A length summed that way may differ from sumy's `sqrt(step.dot(step))` in
    its last bits, never by a millionth: a step it does not put clearly above
    `epsilon` is measured sumy's way, and the first one within it ends the loop.
    """
    transposed = matrix.T
    n = len(matrix)
    steps = np.empty((_STEPS + 1, n))
    rows = list(steps)  # views made once: a step writes into the next row
    rows[0][:] = [1.0 / n] * n
    moves, squares = np.empty((_STEPS, n)), np.empty(_STEPS)
    clearly_above = (epsilon * (1 + 1e-6)) ** 2
    while True:
        for k in range(_STEPS):
            np.dot(transposed, rows[k], out=rows[k + 1])
        np.subtract(steps[1:], steps[:-1], out=moves)
        np.einsum("ij,ij->i", moves, moves, out=squares)
        for k in np.flatnonzero(~(squares > clearly_above)).tolist():  # NaN included
            move = moves[k]
            if not math.sqrt(move.dot(move)) > epsilon:  # sumy: while lambda_val > epsilon
                return rows[k + 1].copy()
        rows[0][:] = rows[_STEPS]


class StableLsaSummarizer(LsaSummarizer):  # type: ignore[misc]
    """sumy's LsaSummarizer with its terms in the order they first occur.

    sumy numbers the terms by iterating over a frozenset, an order set by the
    string hash seed: the SVD then sees the rows permuted, its floats differ
    in the last bits and near ties between sentences fall differently from one
    process to the next. First-seen order gives every process the same matrix.
    """

    def _create_dictionary(self, document: Any) -> dict[str, int]:
        words = map(self.normalize_word, document.words)
        terms = dict.fromkeys(self.stem_word(w) for w in words if w not in self._stop_words)
        return {term: i for i, term in enumerate(terms)}
