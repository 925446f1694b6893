"""NewsRank: feedsum's own summarizer for news, a sumy summarizer class.

News puts its most important sentences first, and a good summary sentence is
one the rest of the article keeps returning to. NewsRank scores each sentence
with two views and blends them by how much of the article the summary keeps:

- the *news* view, for short summaries: a geometric position prior
  (`decay ** index`, the lead bias of news); forward centrality, the tf-idf
  similarity to the sentences *after* it (PacSum's directed centrality, Zheng &
  Lapata 2019, backward weight zero: the lede is what the body elaborates);
  plain tf-idf centrality; the mean probability of its content words in the
  article (SumBasic's signal); and its similarity to the title (a heading of
  the document) when there is one, else to the lede (the first two sentences);
- the *coverage* view, for long summaries: TextRank's sentence similarity
  (shared words over the sum of log lengths), summed over the article.

The blend moves toward coverage as the summary keeps a larger share of the
sentences: three sentences out of thirty are a lede, ten out of twenty are a
digest. Sentences that are mostly quotation, speaker labels (`Operator: ...`)
or fragments of a few words are marked down. For a number of sentences it
then picks, among the best few candidates, the set with the highest total
score, the least overlap (MMR's redundancy) and a length near that many news
highlights. The weights are round numbers chosen on two development sets
(CNN/DailyMail and BBC News, see docs/quality.md); nothing is trained.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations
from typing import Any

import numpy as np
from sumy.nlp.stemmers import null_stemmer
from sumy.summarizers._summarizer import AbstractSummarizer

_QUOTE_OPEN = ('"', "\u201c")
# A speaker or section label: "Operator: You're where?"
_LABEL = re.compile(r"^[A-Z][\w ]{0,20}:")
# Exhaustive set search is used up to this many candidate sets; past it, greedy.
_MAX_SETS = 600


class NewsRankSummarizer(AbstractSummarizer):  # type: ignore[misc]
    """Position-aware, redundancy-aware extractive summarizer for news."""

    decay = 0.6  #: position prior: the weight of sentence i is decay ** i
    position_weight = 2.0
    forward_weight = 1.0
    centrality_weight = 0.5
    probability_weight = 1.0
    topic_weight = 0.5  #: similarity to the title, or else to the lede
    coverage_weight = 2.0
    coverage_share = 2.0  #: keeping a share s of the sentences blends min(1, 2 s) toward coverage
    quote_penalty = 0.3
    label_penalty = 1.0
    fragment_penalty = 1.0
    fragment_words = 5  #: shorter sentences are fragments
    extra_candidates = 3  #: set search looks at the best count + this many
    redundancy_weight = 0.5
    length_weight = 2.0
    sentence_words = 17  #: a news highlight's typical length, in words

    def __init__(self, stemmer: Callable[[str], str] = null_stemmer) -> None:
        super().__init__(stemmer)
        self._stop_words: frozenset[str] = frozenset()
        # Word -> stem, or None for a stop word; words recur across articles.
        self._term = lru_cache(maxsize=100_000)(self._term_of)

    @property
    def stop_words(self) -> frozenset[str]:
        return self._stop_words

    @stop_words.setter
    def stop_words(self, words: Iterable[str]) -> None:
        self._stop_words = frozenset(map(self.normalize_word, words))
        self._term.cache_clear()

    def __call__(self, document: Any, sentences_count: Any) -> tuple[Any, ...]:
        sentences = document.sentences
        if not sentences:
            return ()
        features = self._features(document)
        if isinstance(sentences_count, int) and not isinstance(sentences_count, bool):
            count = min(sentences_count, len(sentences))
            scores = features.scores(count)
            chosen = self._select(features, scores, count)
            return tuple(sentences[i] for i in sorted(chosen))
        # A share or a word budget: how many sentences it keeps depends on the
        # ranking, and the ranking on how many are kept. One round of each settles it.
        position = {id(s): i for i, s in enumerate(sentences)}
        guess = features.scores(min(3, len(sentences)))
        kept = len(self._best(sentences, sentences_count, guess, position))
        return self._best(sentences, sentences_count, features.scores(max(1, kept)), position)

    def rate_sentences(self, document: Any, count: int = 3) -> dict[Any, float]:
        """Each sentence's score for a summary of `count` sentences (sumy's convention)."""
        scores = self._features(document).scores(count)
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

    def _terms(self, words: Sequence[str]) -> list[str]:
        terms = map(self._term, words)
        return [t for t in terms if t is not None]

    def _features(self, document: Any) -> _Features:
        sentences = document.sentences
        n = len(sentences)
        terms = [self._terms(s.words) for s in sentences]
        vocabulary: dict[str, int] = {}
        columns = [vocabulary.setdefault(t, len(vocabulary)) for ts in terms for t in ts]
        rows = np.repeat(np.arange(n), [len(ts) for ts in terms])
        width = max(1, len(vocabulary))
        counts = np.bincount(rows * width + columns, minlength=n * width).reshape(n, width)
        counts = counts.astype(float)
        present = (counts > 0).astype(float)
        idf = np.log(n / np.maximum(present.sum(axis=0), 1.0))
        vectors = _unit_rows(counts * idf)
        similarity = vectors @ vectors.T
        np.fill_diagonal(similarity, 0.0)

        # The mean probability of a sentence's terms (repeats counted), SumBasic's signal.
        frequency = counts.sum(axis=0) / max(1.0, counts.sum())
        lengths = counts.sum(axis=1)
        probability = np.divide(counts @ frequency, lengths, out=np.zeros(n), where=lengths > 0)
        news = (
            self.position_weight * self.decay ** np.arange(n)
            + self.forward_weight * _spread(np.triu(similarity, 1).sum(axis=1))
            + self.centrality_weight * _spread(similarity.sum(axis=1))
            + self.probability_weight * _spread(probability)
            + self.topic_weight * self._topic(document, vocabulary, idf, vectors)
        )
        coverage = self.coverage_weight * _spread(_textrank_degree(present))
        texts = [str(s) for s in sentences]
        words = np.array([len(t.split()) for t in texts])
        penalty = (
            self.quote_penalty * np.array([_is_quote(t) for t in texts])
            + self.label_penalty * np.array([bool(_LABEL.match(t)) for t in texts])
            + self.fragment_penalty * (words < self.fragment_words)
        )
        return _Features(
            news=news,
            coverage=coverage,
            penalty=penalty,
            similarity=similarity,
            words=words,
            coverage_share=self.coverage_share,
        )

    def _topic(
        self, document: Any, vocabulary: dict[str, int], idf: np.ndarray, vectors: np.ndarray
    ) -> np.ndarray:
        """Similarity to the title's terms, or else to the first two sentences."""
        title = [t for h in document.headings for t in self._terms(h.words) if t in vocabulary]
        if title:
            query = np.zeros(vectors.shape[1])
            for term in title:
                query[vocabulary[term]] += 1.0
        else:
            query = vectors[:2].sum(axis=0)
        norm = float(np.linalg.norm(query))
        return vectors @ (query / norm) if norm else np.zeros(len(vectors))

    def _select(self, features: _Features, scores: np.ndarray, count: int) -> list[int]:
        """The `count` sentences with the best total score, least overlap and a
        length near `count` news highlights."""
        order = [int(i) for i in np.argsort(-scores, kind="stable")]
        candidates = order[: count + self.extra_candidates]
        if math.comb(len(candidates), count) > _MAX_SETS:
            return order[:count]
        target = count * self.sentence_words
        # Length matters for a short, lede-like summary, not for a digest.
        length_weight = self.length_weight * (1.0 - features.blend(count))
        similarity, words = features.similarity, features.words

        def value(chosen: Iterable[int]) -> float:
            picked = list(chosen)
            overlap = sum(similarity[a, b] for a, b in combinations(picked, 2))
            length = abs(int(words[picked].sum()) - target) / target
            return float(
                scores[picked].sum() - self.redundancy_weight * overlap - length_weight * length
            )

        # max() keeps the first best set; candidates come in rank order, so ties
        # go to the better-ranked sentences and the result is deterministic.
        return list(max(combinations(candidates, count), key=value))


@dataclass(frozen=True, slots=True)
class _Features:
    """Per-sentence signals of one document, computed once."""

    news: np.ndarray
    coverage: np.ndarray
    penalty: np.ndarray
    similarity: np.ndarray
    words: np.ndarray
    coverage_share: float

    def blend(self, count: int) -> float:
        """How far toward coverage a summary of `count` sentences leans (0 to 1)."""
        return min(1.0, self.coverage_share * count / len(self.news))

    def scores(self, count: int) -> np.ndarray:
        share = self.blend(count)
        blended: np.ndarray = (1 - share) * self.news + share * self.coverage - self.penalty
        return blended


def _textrank_degree(present: np.ndarray) -> np.ndarray:
    """Each sentence's summed TextRank similarity: shared terms over the sum of the
    log term counts, for sentences of more than one term (Mihalcea & Tarau 2004)."""
    sizes = present.sum(axis=1)
    logs = np.log(np.maximum(sizes, 1.0))
    shared = present @ present.T
    denominator = logs[:, None] + logs[None, :]
    usable = (sizes[:, None] > 1) & (sizes[None, :] > 1)
    weights = np.divide(
        shared, denominator, out=np.zeros_like(shared), where=usable & (denominator > 0)
    )
    np.fill_diagonal(weights, 0.0)
    degree: np.ndarray = weights.sum(axis=1)
    return degree


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    unit: np.ndarray = np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)
    return unit


def _spread(values: np.ndarray) -> np.ndarray:
    """Scaled to [0, 1]; all zeros when every value is the same."""
    low, high = float(values.min()), float(values.max())
    return (values - low) / (high - low) if high > low else np.zeros_like(values)


def _is_quote(text: str) -> bool:
    """A sentence that opens with a quotation mark, or holds a quotation."""
    return text.startswith(_QUOTE_OPEN) or text.count('"') >= 2
