"""NewsRank: feedsum's own summarizer for news, a sumy summarizer class.

Each sentence gets a row of cheap features: where it stands (the opening
sentence, flags for the second to fifth and for the sixth to tenth, a
geometric position prior, its place in the article and in its paragraph);
forward centrality, the tf-idf similarity to the sentences *after* it
(PacSum's directed centrality, Zheng & Lapata 2019: the lede is what the
body elaborates); plain tf-idf centrality; the mean probability of its content
words (SumBasic's signal); its similarity to the title, or else to the lede;
the cosine with the rest of the article (centroid summarization, Radev et al.
2004); its length; and flags for quotation, speaker labels (`Operator: ...`),
fragments, numbers and an opening that points back (`He said`, `But`).

A sentence's score is a weighted sum of its features, the weights depending on
the share of the article the summary keeps (a lede of 3 out of 30 sentences
wants other sentences than a digest of half of them): `x . (base + share *
by_share)`; and a summary keeping under `lede_share` of the sentences (a
lede) has its own weights and selection constants, fitted on such summaries
alone, apart from a digest's; a digest of at most `lead_count` sentences (a
short story's few) is its opening sentences. The weights are learned, not
tuned by hand: `bench/fit.py` fits a logistic model of which sentences are in
the best extractive summary on CNN/DailyMail and BBC News training articles
(for ledes, listwise: which of the article's sentences) and chooses the few
selection constants below by cross-validated ROUGE (docs/quality.md has the
protocol). They ship in `newsrank.json` beside this module.

For a number of sentences NewsRank then picks, among the best few candidates
(and the opening sentence), the set with the highest total score, the least
overlap (MMR's redundancy), a length near that many news highlights and, so
that it reads as a summary, the opening sentence unless the scores say with
a margin that another set is better, and no sentence opening with a pronoun or
connective whose antecedent, the sentence before it, is left out.

Everything per document is a handful of numpy operations on the nonzero
cells of one sentence-by-term count matrix, built from the words sumy's
document already holds; each word's term (stop word or stem) is computed once
per summarizer.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import chain, combinations
from typing import Any

import numpy as np
from sumy.nlp.stemmers import null_stemmer
from sumy.summarizers._summarizer import AbstractSummarizer

#: The features of a sentence, in the order of a row of `Features.matrix`.
FEATURES = (
    "first",  # the opening sentence
    "position",  # DECAY ** index: the lead bias of news
    "relative",  # index / sentences
    "paragraph_start",  # the first sentence of its paragraph
    "forward",  # forward centrality, scaled to [0, 1] in the article
    "centrality",  # tf-idf centrality, scaled likewise
    "probability",  # mean probability of its terms, scaled likewise
    "topic",  # cosine to the title, or else to the first two sentences
    "coverage",  # cosine to the rest of the article, scaled likewise
    "words",  # length in words / 20, at most 4
    "words_squared",
    "fragment",  # fewer than FRAGMENT_WORDS words
    "quote",  # opens with a quotation mark or holds a quotation
    "label",  # a speaker or section label: "Operator: You're where?"
    "dangling",  # opens with a pronoun or connective that points back
    "digits",  # holds a number
    "second",  # the second sentence
    "third",  # the third sentence
    "capitals",  # share of its words after the first that are capitalized (names)
    "first_person",  # I, my, we...: a column or a quotation, not a report
    "question",  # asks
    "reported",  # said, says, told: attributed speech
    "fourth",  # the fourth sentence
    "fifth",  # the fifth sentence
    "early",  # the sixth to the tenth sentence
)
DECAY = 0.6
#: A summary keeping this share of the sentences or more is a digest: length is free.
DIGEST_SHARE = 0.4
FRAGMENT_WORDS = 5
_QUOTE_OPEN = ('"', "\u201c")
_LABEL = re.compile(r"^[A-Z][\w ]{0,20}:")
# A sentence that cannot stand first: it refers to, or argues with, the one before.
_DANGLING = re.compile(
    r"^[\"'\u201c\u2018(]*(?:(?:he|she|it|they|his|her|its|their|them|him|these|those"
    r"|but|however|and|also|yet|so|still|meanwhile|moreover|furthermore|instead"
    r"|nevertheless|nonetheless|therefore|thus|then|besides|otherwise|such|both)\b(?!-)"
    # "This week, ..." opens news; "This is ..." points back.
    r"|this\b(?! (?:week|weekend|month|year|morning|afternoon|evening|summer|winter|spring"
    r"|autumn|season|time)\b)"
    r"|(?:in addition|as a result|despite this|even so|that is|the former|the latter)\b)",
    re.IGNORECASE,
)
_DIGIT = re.compile(r"\d")
# Words that make a sentence first person or attributed speech, as tokenized.
_FIRST_PERSON = frozenset(("I", "me", "my", "we", "us", "our"))
_REPORTED = frozenset(("said", "says", "told", "according"))
# Exhaustive set search is used up to this many candidate sets; past it, a greedy pick.
_MAX_SETS = 1000
#: Words remembered per summarizer; past this many the table starts afresh.
_TABLE_SIZE = 200_000


@dataclass(frozen=True, slots=True, kw_only=True)
class Model:
    """NewsRank's fitted weights and selection constants (see bench/fit.py)."""

    #: One weight per feature, for any summary.
    base: tuple[float, ...]
    #: One weight per feature, times the share of the sentences kept (0 to 1).
    by_share: tuple[float, ...]
    #: Score lost per unit of tf-idf cosine between two chosen sentences.
    redundancy: float = 0.5
    #: Score lost per relative distance from the target length, for a lede.
    length_weight: float = 1.0
    #: A news highlight's typical length in words: the target is count times this.
    sentence_words: float = 17.0
    #: A set without the opening sentence must score this much more to be chosen.
    lead_margin: float = 1.0
    #: Score lost per chosen sentence that points back to one left out.
    dangling_penalty: float = 1.0
    #: Set search looks at the best count + this many sentences (and the first).
    extra_candidates: int = 3
    #: A summary of at most this many sentences that still keeps a large share
    #: of the article (a short story's few sentences, in the digest regime) is
    #: its opening sentences: on such stories the scores did worse than the lede.
    lead_count: int = 0
    #: A summary keeping this share of the sentences or more is a digest, and
    #: `digest` (fitted on such summaries alone) ranks and picks its sentences;
    #: this model serves the shorter, lede-like ones.
    lede_share: float = 1.0
    digest: Model | None = None

    def __post_init__(self) -> None:
        if len(self.base) != len(FEATURES) or len(self.by_share) != len(FEATURES):
            raise ValueError(f"a NewsRank model needs {len(FEATURES)} weights per view")

    def regime(self, count: int, sentences: int) -> Model:
        """The model for a summary of `count` of these sentences: this one, or the digest's."""
        if self.digest is not None and share_of(count, sentences) >= self.lede_share:
            return self.digest
        return self

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "features": list(FEATURES),
            "base": list(self.base),
            "by_share": list(self.by_share),
        }
        for name in SELECTION:
            out[name] = getattr(self, name)
        if self.digest is not None:
            out["lede_share"] = self.lede_share
            out["digest"] = self.digest.to_json()
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Model:
        """A model from `to_json`'s form; its features must be FEATURES, in order."""
        if tuple(data["features"]) != FEATURES:
            raise ValueError(f"model features {data['features']} are not {list(FEATURES)}")
        selection = {name: data[name] for name in SELECTION if name in data}
        digest = cls.from_json(data["digest"]) if "digest" in data else None
        return cls(
            base=tuple(map(float, data["base"])),
            by_share=tuple(map(float, data["by_share"])),
            lede_share=float(data.get("lede_share", 1.0)),
            digest=digest,
            **selection,
        )


#: The selection constants of a Model, as named in its JSON form.
SELECTION = (
    "redundancy",
    "length_weight",
    "sentence_words",
    "lead_margin",
    "dangling_penalty",
    "extra_candidates",
    "lead_count",
)


@cache
def shipped_model() -> Model:
    """The fitted model shipped with feedsum (newsrank.json)."""
    text = resources.files("feedsum").joinpath("newsrank.json").read_text(encoding="utf-8")
    return Model.from_json(json.loads(text))


class NewsRankSummarizer(AbstractSummarizer):  # type: ignore[misc]
    """Learned, position-aware, redundancy-aware extractive summarizer for news."""

    def __init__(
        self, stemmer: Callable[[str], str] = null_stemmer, model: Model | None = None
    ) -> None:
        super().__init__(stemmer)
        self.model = model or shipped_model()
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
        features = self.features(document)
        if isinstance(sentences_count, int) and not isinstance(sentences_count, bool):
            count = min(sentences_count, len(sentences))
            chosen = select(features, scores(features, self.model, count), count, self.model)
            return tuple(sentences[i] for i in sorted(chosen))
        # A share or a word budget: how many sentences it keeps depends on the
        # ranking, and the ranking on how many are kept. One round of each settles it.
        position = {id(s): i for i, s in enumerate(sentences)}
        guess = scores(features, self.model, min(3, len(sentences)))
        kept = len(self._best(sentences, sentences_count, guess, position))
        final = scores(features, self.model, max(1, kept))
        return self._best(sentences, sentences_count, final, position)

    def rate_sentences(self, document: Any, count: int = 3) -> dict[Any, float]:
        """Each sentence's score for a summary of `count` sentences (sumy's convention)."""
        rated = scores(self.features(document), self.model, count)
        return {s: float(v) for s, v in zip(document.sentences, rated, strict=True)}

    def _best(
        self, sentences: Sequence[Any], count: Any, rated: np.ndarray, position: dict[int, int]
    ) -> tuple[Any, ...]:
        return tuple(
            self._get_best_sentences(sentences, count, lambda s: float(rated[position[id(s)]]))
        )

    def _term_of(self, word: str) -> str | None:
        normalized = self.normalize_word(word)
        return None if normalized in self._stop_words else self.stem_word(normalized)

    def features(self, document: Any) -> Features:
        """Every sentence's features (one row each, columns as FEATURES)."""
        sentences = document.sentences
        n = len(sentences)
        counts, title, surface = self._counts(sentences, document.headings)
        spaced, capitals, first_person, reported = surface
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
        texts = [str(s) for s in sentences]
        index = np.arange(n)
        starts = np.zeros(n)
        at = 0
        for paragraph in document.paragraphs:
            size = len(paragraph.sentences)
            if size:
                starts[at] = 1.0
                at += size
        words = np.minimum(spaced, 80) / 20
        matrix = np.column_stack(
            (
                index == 0,
                DECAY**index,
                index / n,
                starts,
                _spread(forward),
                _spread(centrality),
                _spread(probability),
                _topic(title * (totals > 0), vectors),
                _spread(_centroid_cosine(counts)),
                words,
                words * words,
                spaced < FRAGMENT_WORDS,
                [t.startswith(_QUOTE_OPEN) or t.count('"') >= 2 for t in texts],
                [_LABEL.match(t) is not None for t in texts],
                [_DANGLING.match(t) is not None for t in texts],
                [_DIGIT.search(t) is not None for t in texts],
                index == 1,
                index == 2,
                capitals,
                first_person,
                ["?" in t for t in texts],
                reported,
                index == 3,
                index == 4,
                (index >= 5) & (index < 10),
            )
        ).astype(float)
        return Features(matrix=matrix, vectors=vectors, words=spaced)

    def _counts(
        self, sentences: Sequence[Any], headings: Sequence[Any]
    ) -> tuple[_Matrix, np.ndarray, tuple[np.ndarray, ...]]:
        """How often each term occurs in each sentence (at least one column), and
        in the headings together; and per sentence, from its words' flags (see
        `_TermTable`): its number of words, the share of its words after the
        first that are capitalized, and whether it speaks in the first person
        and reports speech."""
        if len(self._table) > _TABLE_SIZE:
            self._table = _TermTable(self._term_of)
        tokens = [s.words for s in sentences]  # each a cached property: read once
        tokens += [s.words for s in headings]
        lengths = list(map(len, tokens))
        codes = np.fromiter(
            map(self._table.__getitem__, chain.from_iterable(tokens)), np.intp, sum(lengths)
        )
        found, flags = (codes >> _FLAG_BITS) - 1, codes & _FLAGS
        rows = np.repeat(np.arange(len(tokens)), lengths)
        n = len(sentences)
        surface = _surface(flags, rows, np.array(lengths[:n]), n)
        kept = found >= 0
        # The headings' words all count in one row, after the sentences.
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
        return matrix, title.astype(float), surface


@dataclass(frozen=True, slots=True)
class Features:
    """Per-sentence signals of one document, computed once."""

    #: sentences x FEATURES
    matrix: np.ndarray
    vectors: _Matrix  #: each sentence's unit tf-idf vector
    words: np.ndarray  #: each sentence's length in words

    @property
    def dangling(self) -> np.ndarray:
        column: np.ndarray = self.matrix[:, FEATURES.index("dangling")] > 0
        return column


def share_of(count: int, sentences: int) -> float:
    """The share of an article's sentences a summary of `count` keeps (0 to 1)."""
    return min(1.0, count / max(1, sentences))


def scores(features: Features, model: Model, count: int) -> np.ndarray:
    """Each sentence's score for a summary of `count` sentences."""
    share = share_of(count, len(features.matrix))
    model = model.regime(count, len(features.matrix))
    weights = np.asarray(model.base) + share * np.asarray(model.by_share)
    rated: np.ndarray = features.matrix @ weights
    return rated


def select(features: Features, rated: np.ndarray, count: int, model: Model) -> list[int]:
    """The `count` sentences (indices, best set) for these scores: see the module's doc."""
    n = len(rated)
    if count <= 0:
        return []
    if count >= n:
        return list(range(n))
    model = model.regime(count, n)
    if count <= model.lead_count:
        return list(range(count))
    order = np.argsort(-rated, kind="stable")
    candidates = order[: count + model.extra_candidates]
    if 0 not in candidates:  # the opening sentence is always a candidate
        candidates = np.append(candidates, 0)
    share = share_of(count, n)
    sets, pairs = _subsets(len(candidates), count)
    if not len(sets):
        return _greedy(features, rated, candidates, count, model)
    picked = candidates[sets]
    chosen = features.vectors.dense(candidates)
    similarity = chosen @ chosen.T
    overlap = similarity[pairs[0], pairs[1]].sum(axis=1)
    # Length matters for a short, lede-like summary, not for a digest (from
    # DIGEST_SHARE of the sentences on): each kind is fitted alone that way.
    target = count * model.sentence_words
    length = np.abs(features.words[picked].sum(axis=1) - target) / target
    lede = max(0.0, 1.0 - share / DIGEST_SHARE)
    # A sentence pointing back needs the one before it in the set.
    before = (picked[:, :, None] - 1 == picked[:, None, :]).any(axis=2)
    unresolved = (features.dangling[picked] & ~before).sum(axis=1)
    value = (
        rated[picked].sum(axis=1)
        - model.redundancy * overlap
        - model.length_weight * lede * length
        - model.dangling_penalty * unresolved
        - model.lead_margin * ~(picked == 0).any(axis=1)
    )
    # argmax keeps the first best set; sets come in rank order, so ties go
    # to the better-ranked sentences and the result is deterministic.
    return [int(i) for i in picked[int(np.argmax(value))]]


def _greedy(
    features: Features, rated: np.ndarray, candidates: np.ndarray, count: int, model: Model
) -> list[int]:
    """Too many sets to search (a long summary): add the best candidate by marginal
    value, the opening sentence first unless it is out-scored by the margin."""
    chosen = features.vectors.dense(candidates)
    similarity = chosen @ chosen.T
    value = rated[candidates].astype(float)
    value -= model.dangling_penalty * features.dangling[candidates]
    value += model.lead_margin * (candidates == 0)
    picked: list[int] = []
    left = np.ones(len(candidates), dtype=bool)
    for _ in range(count):
        gain = value - model.redundancy * similarity[:, picked].sum(axis=1)
        best = int(np.argmax(np.where(left, gain, -np.inf)))
        picked.append(best)
        left[best] = False
        # Its successor's antecedent is now in: no penalty for pointing back to it.
        follows = candidates == candidates[best] + 1
        value += model.dangling_penalty * (follows & features.dangling[candidates])
    return [int(candidates[i]) for i in picked]


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


#: A word's flags, the low bits of its code in `_TermTable`.
_CAPITALIZED, _FIRST_PERSON_WORD, _REPORTED_WORD = 1, 2, 4
_FLAG_BITS, _FLAGS = 3, 7


class _TermTable(dict[str, int]):
    """Word -> code, computed the first time a word is seen: (term id + 1) shifted
    past the flag bits (so 0 for a stop word), or'ed with the word's flags."""

    def __init__(self, term_of: Callable[[str], str | None]) -> None:
        super().__init__()
        self._term_of = term_of
        self._ids: dict[str, int] = {}

    def __missing__(self, word: str) -> int:
        term = self._term_of(word)
        found = 0 if term is None else self._ids.setdefault(term, len(self._ids)) + 1
        code = self[word] = (found << _FLAG_BITS) | (
            (_CAPITALIZED if word[:1].isupper() else 0)
            | (_FIRST_PERSON_WORD if word in _FIRST_PERSON else 0)
            | (_REPORTED_WORD if word in _REPORTED else 0)
        )
        return code


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


def _surface(
    flags: np.ndarray, rows: np.ndarray, lengths: np.ndarray, n: int
) -> tuple[np.ndarray, ...]:
    """Per sentence (the first `n` rows), from its words' flags: its number of
    words, the share of those after the first that are capitalized, and whether
    one is first person, and one reports speech."""
    body = rows < n
    flags, rows = flags[body], rows[body]
    capitalized = np.bincount(rows, flags & _CAPITALIZED, minlength=n)
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))[lengths > 0]
    capitalized[rows[starts]] -= flags[starts] & _CAPITALIZED  # not the first word
    return (
        lengths,
        _ratio(capitalized, np.maximum(lengths - 1, 0).astype(float)),
        np.bincount(rows, flags & _FIRST_PERSON_WORD, minlength=n) > 0,
        np.bincount(rows, flags & _REPORTED_WORD, minlength=n) > 0,
    )


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator, 0 where the denominator is 0."""
    out = np.zeros_like(numerator, dtype=float)
    quotient: np.ndarray = np.divide(numerator, denominator, out=out, where=denominator > 0)
    return quotient


def _spread(values: np.ndarray) -> np.ndarray:
    """Scaled to [0, 1]; all zeros when every value is the same."""
    low, high = float(values.min()), float(values.max())
    return (values - low) / (high - low) if high > low else np.zeros_like(values)
