"""NewsRank: feedsum's own summarizer for news, a sumy summarizer class.

News puts its most important sentences first, and a good summary sentence is
one the rest of the article keeps returning to. NewsRank scores each sentence
with two views and blends them by how much of the article the summary keeps:

- the *news* view, for short summaries: a geometric position prior
  (`decay ** index`, the lead bias of news); forward centrality, the tf-idf
  similarity to the sentences *after* it (PacSum's directed centrality, Zheng &
  Lapata 2019, backward weight zero: the lede is what the body elaborates);
  plain tf-idf centrality; the mean probability of its content words in the
  article (SumBasic's signal); and its similarity to the topic: the title (a
  heading of the document) when there is one, else the lede (the first two
  sentences). Sentences that are mostly quotation, speaker labels
  (`Operator: ...`) or fragments of a few words are marked down;
- the *coverage* view, for long summaries: the cosine between the sentence's
  term counts and those of the rest of the article (centroid summarization,
  Radev et al. 2004), which favours sentences made of the article's recurring
  words, plus a little of the topic similarity.

A summary that keeps at most a quarter of the sentences is a lede and uses the
news view alone; one that keeps two fifths or more is a digest and uses
coverage alone; in between the two blend linearly. Measured per article, news
highlights prefer the news view at every share and digests prefer coverage,
so the blend is kept short rather than spread over all shares. For a number of
sentences NewsRank then picks, among the best few candidates, the set with
the highest total score, the least overlap (MMR's redundancy) and, for a lede,
a length near that many news highlights. The weights are round numbers chosen
on two development sets (CNN/DailyMail and BBC News, see docs/quality.md);
nothing is trained.

Everything per document is a handful of numpy operations on the nonzero
cells of one sentence-by-term count matrix, built from the words sumy's
document already holds; each word's term (stop word or stem) is computed once
per summarizer.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import chain, combinations
from typing import Any

import numpy as np
from sumy.nlp.stemmers import null_stemmer
from sumy.summarizers._summarizer import AbstractSummarizer

_QUOTE_OPEN = ('"', "\u201c")
# A speaker or section label: "Operator: You're where?"
_LABEL = re.compile(r"^[A-Z][\w ]{0,20}:")
# Exhaustive set search is used up to this many candidate sets; past it, the best in rank order.
_MAX_SETS = 600
#: Words remembered per summarizer; past this many the table starts afresh.
_TABLE_SIZE = 200_000


class NewsRankSummarizer(AbstractSummarizer):  # type: ignore[misc]
    """Position-aware, redundancy-aware extractive summarizer for news."""

    decay = 0.6  #: position prior: the weight of sentence i is decay ** i
    position_weight = 2.0
    forward_weight = 1.0
    centrality_weight = 0.5
    probability_weight = 1.0
    topic_weight = 0.5  #: similarity to the title, or else to the lede
    coverage_weight = 2.0
    coverage_topic_weight = 0.3
    lede_share = 0.25  #: keeping at most this share of the sentences: news view alone
    digest_share = 0.4  #: keeping at least this share: coverage view alone
    quote_penalty = 0.3
    label_penalty = 1.0
    fragment_penalty = 1.0
    fragment_words = 5  #: shorter sentences are fragments
    extra_candidates = 3  #: set search looks at the best count + this many
    redundancy_weight = 0.5  #: for a lede
    coverage_redundancy_weight = 0.2  #: for a digest
    length_weight = 2.0
    sentence_words = 17  #: a news highlight's typical length, in words

    def __init__(self, stemmer: Callable[[str], str] = null_stemmer) -> None:
        super().__init__(stemmer)
        self._stop_words: frozenset[str] = frozenset()
        self._table = _TermTable(self._term_of)

    @property
    def stop_words(self) -> frozenset[str]:
        return self._stop_words

    @stop_words.setter
    def stop_words(self, words: Iterable[str]) -> None:
        self._stop_words = frozenset(map(self.normalize_word, words))
        self._table = _TermTable(self._term_of)  # terms depend on the stop words

    def __call__(self, document: Any, sentences_count: Any) -> tuple[Any, ...]:
        sentences = document.sentences
        if not sentences:
            return ()
        features = self._features(document, sentences)
        if isinstance(sentences_count, int) and not isinstance(sentences_count, bool):
            count = min(sentences_count, len(sentences))
            chosen = self._select(features, features.scores(count), count)
            return tuple(sentences[i] for i in sorted(chosen))
        # A share or a word budget: how many sentences it keeps depends on the
        # ranking, and the ranking on how many are kept. One round of each settles it.
        position = {id(s): i for i, s in enumerate(sentences)}
        guess = features.scores(min(3, len(sentences)))
        kept = len(self._best(sentences, sentences_count, guess, position))
        return self._best(sentences, sentences_count, features.scores(max(1, kept)), position)

    def rate_sentences(self, document: Any, count: int = 3) -> dict[Any, float]:
        """Each sentence's score for a summary of `count` sentences (sumy's convention)."""
        scores = self._features(document, document.sentences).scores(count)
        return {s: float(v) for s, v in zip(document.sentences, scores, strict=True)}

    def _best(
        self, sentences: Sequence[Any], count: Any, scores: np.ndarray, position: dict[int, int]
    ) -> tuple[Any, ...]:
        return tuple(
            self._get_best_sentences(sentences, count, lambda s: float(scores[position[id(s)]]))
        )

    def _term_of(self, word: str) -> str | None:
        normalized = self.normalize_word(word)
        return None if normalized in self._stop_words else self.stem_word(normalized)

    def _features(self, document: Any, sentences: Sequence[Any]) -> _Features:
        n = len(sentences)
        counts, title = self._counts(sentences, document.headings)
        # tf-idf vectors of unit length (all zeros for a sentence with no terms).
        frequency = np.bincount(counts.columns, minlength=counts.width)  # sentences per term
        weighted = counts.scaled(np.log(n / np.maximum(frequency, 1))[counts.columns])
        norms = np.sqrt(weighted.row_sums(weighted.values * weighted.values))
        vectors = weighted.scaled(1.0 / np.where(norms > 0, norms, 1.0)[weighted.rows])
        centrality, forward = _centralities(vectors, norms > 0)
        totals = counts.column_sums(counts.values)
        # The mean probability of a sentence's terms (repeats counted), SumBasic's signal.
        mass = counts.row_sums(counts.values * totals[counts.columns])
        probability = _ratio(mass, counts.row_sums(counts.values) * totals.sum())
        topic = _topic(title * (totals > 0), vectors)
        news = (
            self.position_weight * self.decay ** np.arange(n)
            + self.forward_weight * _spread(forward)
            + self.centrality_weight * _spread(centrality)
            + self.probability_weight * _spread(probability)
            + self.topic_weight * topic
        )
        coverage = (
            self.coverage_weight * _spread(_centroid_cosine(counts))
            + self.coverage_topic_weight * topic
        )
        texts = [str(s) for s in sentences]
        spaced = np.array([len(t.split()) for t in texts])
        penalty = np.array([self._penalty(t) for t in texts])
        penalty += self.fragment_penalty * (spaced < self.fragment_words)
        return _Features(
            news=news - penalty,
            coverage=coverage,
            vectors=vectors,
            words=spaced,
            lede_share=self.lede_share,
            digest_share=self.digest_share,
        )

    def _counts(
        self, sentences: Sequence[Any], headings: Sequence[Any]
    ) -> tuple[_Matrix, np.ndarray]:
        """How often each term occurs in each sentence (at least one column), and
        in the headings together."""
        if len(self._table) > _TABLE_SIZE:
            self._table = _TermTable(self._term_of)
        tokens = [s.words for s in sentences]  # each a cached property: read once
        tokens += [s.words for s in headings]
        lengths = list(map(len, tokens))
        found = np.fromiter(
            map(self._table.__getitem__, chain.from_iterable(tokens)), np.intp, sum(lengths)
        )
        rows = np.repeat(np.arange(len(tokens)), lengths)
        kept = found >= 0
        # The headings' words all count in one row, after the sentences.
        n = len(sentences)
        rows = np.minimum(rows[kept], n)
        # One sort gives each cell once with its count, term by term and later
        # rows first within a term (the order `_Matrix` keeps).
        cells, counts = np.unique(found[kept] * (n + 1) + (n - rows), return_counts=True)
        terms, flipped = np.divmod(cells, n + 1)
        rows = n - flipped
        columns = np.cumsum(np.diff(terms, prepend=-1) != 0) - 1
        width = int(columns[-1]) + 1 if len(columns) else 1
        body = rows < n
        title = np.bincount(columns[~body], counts[~body], minlength=width)
        matrix = _Matrix(rows[body], columns[body], counts[body].astype(float), n, width)
        return matrix, title.astype(float)

    def _penalty(self, text: str) -> float:
        """How much a sentence is marked down for being a quotation or a label."""
        quote = text.startswith(_QUOTE_OPEN) or text.count('"') >= 2
        label = _LABEL.match(text) is not None
        return self.quote_penalty * quote + self.label_penalty * label

    def _select(self, features: _Features, scores: np.ndarray, count: int) -> Sequence[int]:
        """The `count` sentences with the best total score, least overlap and, for
        a lede, a length near `count` news highlights."""
        if count <= 0:
            return []
        order = np.argsort(-scores, kind="stable")
        candidates = order[: count + self.extra_candidates]
        sets, pairs = _subsets(len(candidates), count)
        if not len(sets):
            return [int(i) for i in order[:count]]
        share = features.blend(count)
        redundancy = (1 - share) * self.redundancy_weight + share * self.coverage_redundancy_weight
        # Length matters for a short, lede-like summary, not for a digest.
        length_weight = self.length_weight * (1.0 - share)
        target = count * self.sentence_words
        picked = candidates[sets]
        chosen = features.vectors.dense(candidates)
        similarity = (chosen[:, None, :] * chosen[None, :, :]).sum(axis=2)
        overlap = similarity[pairs[0], pairs[1]]
        length = np.abs(features.words[picked].sum(axis=1) - target) / target
        value = (
            scores[picked].sum(axis=1) - redundancy * overlap.sum(axis=1) - length_weight * length
        )
        # argmax keeps the first best set; sets come in rank order, so ties go
        # to the better-ranked sentences and the result is deterministic.
        return [int(i) for i in picked[int(np.argmax(value))]]


@dataclass(frozen=True, slots=True)
class _Features:
    """Per-sentence signals of one document, computed once."""

    news: np.ndarray
    coverage: np.ndarray
    vectors: _Matrix  #: each sentence's unit tf-idf vector
    words: np.ndarray
    lede_share: float
    digest_share: float

    def blend(self, count: int) -> float:
        """How far toward coverage a summary of `count` sentences leans (0 to 1)."""
        share = count / len(self.news)
        ramp = (share - self.lede_share) / (self.digest_share - self.lede_share)
        return min(1.0, max(0.0, ramp))

    def scores(self, count: int) -> np.ndarray:
        share = self.blend(count)
        blended: np.ndarray = (1 - share) * self.news + share * self.coverage
        return blended


@dataclass(frozen=True, slots=True)
class _Matrix:
    """A sentences x terms matrix as its nonzero cells, column by column and,
    within a column, later rows first.

    An article's sentences use a few of its terms each: a dozen cells a row
    against a few hundred columns. Sums over the cells cost that much less
    than the same arithmetic on the dense matrix.
    """

    rows: np.ndarray
    columns: np.ndarray
    values: np.ndarray
    height: int
    width: int

    def scaled(self, factors: np.ndarray) -> _Matrix:
        """The same cells, each value times its factor."""
        return _Matrix(self.rows, self.columns, self.values * factors, self.height, self.width)

    def row_sums(self, values: np.ndarray) -> np.ndarray:
        """Per row, the sum of `values` (one per cell)."""
        sums: np.ndarray = np.bincount(self.rows, values, minlength=self.height)
        return sums

    def column_sums(self, values: np.ndarray) -> np.ndarray:
        sums: np.ndarray = np.bincount(self.columns, values, minlength=self.width)
        return sums

    def dense(self, rows: np.ndarray) -> np.ndarray:
        """These rows as a dense array, in the order given (no row twice)."""
        where = np.full(self.height, -1)
        where[rows] = np.arange(len(rows))
        out = np.zeros((len(rows), self.width))
        hit = where[self.rows] >= 0
        out[where[self.rows[hit]], self.columns[hit]] = self.values[hit]
        return out


class _TermTable(dict[str, int]):
    """Word -> term id, -1 for a stop word; computed the first time a word is seen."""

    def __init__(self, term_of: Callable[[str], str | None]) -> None:
        super().__init__()
        self._term_of = term_of
        self._ids: dict[str, int] = {}

    def __missing__(self, word: str) -> int:
        term = self._term_of(word)
        found = self[word] = -1 if term is None else self._ids.setdefault(term, len(self._ids))
        return found


@cache
def _subsets(size: int, count: int) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """Every `count`-subset of range(size) as rows, in itertools order, and the
    index pairs within each; no rows when there are too many to search."""
    if math.comb(size, count) > _MAX_SETS:
        return np.empty((0, count), np.intp), (np.empty((0, 0), np.intp),) * 2
    sets = np.array(list(combinations(range(size), count)), dtype=np.intp).reshape(-1, count)
    within = np.array(list(combinations(range(count), 2)), dtype=np.intp).reshape(-1, 2)
    return sets, (sets[:, within[:, 0]], sets[:, within[:, 1]])


def _topic(title: np.ndarray, vectors: _Matrix) -> np.ndarray:
    """Cosine to the title's term counts, or else to the first two sentences."""
    lede = vectors.rows < 2
    query = (
        title
        if title.any()
        else np.bincount(vectors.columns[lede], vectors.values[lede], minlength=vectors.width)
    )
    norm = float(np.sqrt((query * query).sum()))
    if not norm:
        return np.zeros(vectors.height)
    return vectors.row_sums(vectors.values * (query / norm)[vectors.columns])


def _centralities(vectors: _Matrix, nonempty: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each sentence's summed cosine to every other sentence, and to those after it.

    Sums of dot products, taken as dot products with summed vectors: sentence
    i's with the sum of all sentences, and with the sum of itself and those
    after it, each less its cosine with itself (1, or 0 for no terms).
    """
    values, columns = vectors.values, vectors.columns
    total = vectors.column_sums(values)
    centrality = vectors.row_sums(values * total[columns]) - nonempty
    # The cells come column by column, later rows first: a running sum restarted
    # at each column is, at each cell, the column's sum over that row and after.
    running = np.cumsum(values)
    starts = np.flatnonzero(np.diff(columns, prepend=-1))
    before = np.concatenate(([0.0], running))[starts]
    after = running - np.repeat(before, np.diff(np.append(starts, len(values))))
    return centrality, vectors.row_sums(values * after) - nonempty


def _centroid_cosine(counts: _Matrix) -> np.ndarray:
    """The cosine between each sentence's term counts and the rest of the article's,
    from |rest|^2 = |all|^2 - 2 s.all + |s|^2."""
    values = counts.values
    totals = counts.column_sums(values)
    dot = counts.row_sums(values * totals[counts.columns])
    squares = counts.row_sums(values * values)
    rest = np.sqrt(np.maximum(float((totals * totals).sum()) - 2 * dot + squares, 0.0))
    return _ratio(dot - squares, np.sqrt(squares) * rest)


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator, 0 where the denominator is 0."""
    out = np.zeros_like(numerator, dtype=float)
    quotient: np.ndarray = np.divide(numerator, denominator, out=out, where=denominator > 0)
    return quotient


def _spread(values: np.ndarray) -> np.ndarray:
    """Scaled to [0, 1]; all zeros when every value is the same."""
    low, high = float(values.min()), float(values.max())
    return (values - low) / (high - low) if high > low else np.zeros_like(values)
