"""feedsum.fastrank against sumy's own summarizers: the same sentences, always.

Both sides get the same sumy document, stemmer and stop words (as feedsum
builds them). Sentences are compared by identity, so a repeated sentence
counts as itself. A callable count records each side's whole ranking, with
its ratings, in one call.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sumy.summarizers.lex_rank import LexRankSummarizer
from sumy.summarizers.luhn import LuhnSummarizer
from sumy.summarizers.sum_basic import SumBasicSummarizer
from sumy.summarizers.text_rank import TextRankSummarizer
from sumy.utils import get_stop_words

from feedsum import fastrank
from feedsum.summarize import _stemmer, document, split_paragraphs
from feedsum.text import Tokenizer, clean

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
ARTICLES = 30
COUNTS = (1, 3, 5)

PAIRS: dict[str, tuple[type[Any], type[Any]]] = {
    "lexrank": (LexRankSummarizer, fastrank.FastLexRankSummarizer),
    "textrank": (TextRankSummarizer, fastrank.FastTextRankSummarizer),
    "luhn": (LuhnSummarizer, fastrank.FastLuhnSummarizer),
    "sumbasic": (SumBasicSummarizer, fastrank.FastSumBasicSummarizer),
}


class Ranking:
    """A callable count: keeps the whole ranking handed to it and takes `take` of it."""

    def __init__(self, take: int) -> None:
        self.take = take
        self.infos: list[Any] = []

    def __call__(self, infos: Sequence[Any]) -> Sequence[Any]:
        self.infos = list(infos)
        return infos[: self.take]


def build(cls: type[Any]) -> Any:
    summarizer = cls(_stemmer("english"))
    summarizer.stop_words = frozenset(get_stop_words("english"))
    return summarizer


@cache
def summarizers(algorithm: str) -> tuple[Any, Any]:
    slow, fast = PAIRS[algorithm]
    return build(slow), build(fast)


def make(paragraphs: Sequence[Sequence[str]], title: str | None = None) -> Any:
    return document(paragraphs, Tokenizer("english"), title)


@cache
def articles(name: str) -> tuple[Any, ...]:
    """The first ARTICLES articles of a development set, as feedsum builds them
    (BBC's with its title as a heading, which Luhn counts and the others skip)."""
    path = DATA / name
    if not path.is_file():
        pytest.skip(f"{path} is absent (the shared data sets are not checked out)")
    docs = []
    with path.open(encoding="utf-8") as lines:
        for line, _ in zip(lines, range(ARTICLES), strict=False):
            article = json.loads(line)
            split = split_paragraphs(clean(article["text"]))
            docs.append(make(split, article.get("title")))
    assert len(docs) == ARTICLES
    return tuple(docs)


def sumy_call(summarizer: Any, doc: Any, count: Any) -> tuple[Any, ...]:
    # sumy's LexRank divides by a zero norm when no sentence has a usable term.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return tuple(summarizer(doc, count))


def ids(sentences: Sequence[Any]) -> list[int]:
    return [id(s) for s in sentences]


def assert_same_ranking(algorithm: str, doc: Any, take: int = 5) -> tuple[Any, ...]:
    """The whole ranking (order and ratings) and the sentences taken from it;
    returns sumy's choice."""
    slow, fast = summarizers(algorithm)
    expected, actual = Ranking(take), Ranking(take)
    chosen = sumy_call(slow, doc, expected)
    assert ids(fast(doc, actual)) == ids(chosen)
    assert [i.order for i in actual.infos] == [i.order for i in expected.infos]
    ratings = np.array([float(i.rating) for i in actual.infos])
    wanted = np.array([float(i.rating) for i in expected.infos])
    np.testing.assert_allclose(ratings, wanted, rtol=0, atol=1e-9, equal_nan=True)
    return chosen


def assert_same_selections(algorithm: str, doc: Any, counts: Sequence[Any] = COUNTS) -> None:
    slow, fast = summarizers(algorithm)
    for count in counts:
        assert ids(fast(doc, count)) == ids(sumy_call(slow, doc, count)), count


@pytest.mark.parametrize("algorithm", sorted(PAIRS))
@pytest.mark.parametrize("corpus", ["cnndm-dev.jsonl", "bbc-dev.jsonl"])
def test_selects_what_sumy_selects_on_articles(corpus: str, algorithm: str) -> None:
    for doc in articles(corpus):
        assert_same_selections(algorithm, doc)
        assert_same_ranking(algorithm, doc)


# Synthetic documents: paragraphs of sentences, and a title or None.
EDGE_CASES: dict[str, tuple[list[tuple[str, ...]], str | None]] = {
    "empty": ([], None),
    "one sentence": ([("The harbour ferry will run every hour from May.",)], None),
    "one sentence and a title": ([("The harbour ferry runs hourly.",)], "Harbour ferry"),
    "identical sentences": (
        [
            ("The ferry runs hourly.", "The tram is late again.", "The ferry runs hourly."),
            ("Council members approved the tram.", "The ferry runs hourly."),
        ],
        None,
    ),
    "only stop words": (
        [("It is what it is.", "We were there and then."), ("And so it was.",)],
        None,
    ),
    "stop words and one real sentence": (
        [("It is what it is.", "Ferries cross the harbour.", "And so it was.")],
        None,
    ),
    "one-word sentences": ([("Ferry.", "Ferry.", "Tram.", "Ferry tram.", "Council.")], None),
    # The first two have the same words, so only float order separates their
    # SumBasic averages: Python 3.11's `sum` makes the second one ulp larger.
    "float-order near tie": (
        [
            (
                "Ferry harbour council.",
                "Council harbour ferry.",
                "Council council council delta echo golf hotel.",
            )
        ],
        None,
    ),
}


@pytest.mark.parametrize("algorithm", sorted(PAIRS))
@pytest.mark.parametrize("case", sorted(EDGE_CASES))
def test_edge_cases(case: str, algorithm: str) -> None:
    paragraphs, title = EDGE_CASES[case]
    doc = make(paragraphs, title)
    # Counts past the number of sentences, shares and numbers as text, as sumy takes them.
    assert_same_selections(algorithm, doc, (*COUNTS, 100, "50%", "2", 0, -1))
    assert_same_ranking(algorithm, doc)


def long_document() -> Any:
    """500 sentences of 3 to 14 words from a small vocabulary, stop words mixed in,
    so that terms, overlaps and ties recur; no randomness, the same every run."""
    vocabulary = (
        *("ferry", "harbour", "council", "tram", "library", "river", "farmer", "storm"),
        *("budget", "school", "doctor", "police", "the", "of", "and", "it", "was"),
        *("ferries", "harbours", "council's", "rivers", "storms", "budgets"),
    )
    paragraphs = []
    for p in range(50):
        sentences = []
        for s in range(10):
            i = 10 * p + s
            words = [
                vocabulary[(i * 31 + j * 17 + (i // 7) * j * j) % len(vocabulary)]
                for j in range(3 + (i * 7) % 12)
            ]
            sentences.append(" ".join(words).capitalize() + ".")
        paragraphs.append(tuple(sentences))
    return make(paragraphs)


@pytest.mark.parametrize("algorithm", sorted(PAIRS))
def test_500_sentences(algorithm: str) -> None:
    doc = long_document()
    assert len(doc.sentences) == 500
    # One sumy call (its pairwise Python loops take seconds here): the whole
    # ranking, and the 5 best, which an int count must pick too.
    chosen = assert_same_ranking(algorithm, doc, take=5)
    _, fast = summarizers(algorithm)
    assert ids(fast(doc, 5)) == ids(chosen)


def test_sumbasic_near_ties_are_settled_by_sumys_own_sum() -> None:
    """Among near-equal averages, the pick is the one sumy's scan makes."""
    probability = np.array([0.1, 0.2, 0.3, 0.05])
    # (0.1 + 0.2) + 0.3 and (0.3 + 0.2) + 0.1 differ by one ulp under a plain sum.
    term_lists = [[2, 1, 0], [0, 1, 2], [3, 3], [], [1, 0, 2]]
    for candidates in ([0, 1], [1, 0], [0, 1, 4], [3, 2], [0, 3, 1]):
        frequencies = {t: float(v) for t, v in enumerate(probability)}
        words = [term_lists[c] for c in candidates]
        expected = SumBasicSummarizer()._find_index_of_best_sentence(frequencies, words)
        got = fastrank._first_best(candidates, term_lists, probability)
        assert got == candidates[expected]


def test_sumbasic_takes_the_exact_path_on_a_near_tie(monkeypatch: pytest.MonkeyPatch) -> None:
    settled: list[list[int]] = []
    first_best = fastrank._first_best

    def spy(candidates: list[int], term_lists: list[list[int]], probability: np.ndarray) -> int:
        settled.append(candidates)
        return first_best(candidates, term_lists, probability)

    monkeypatch.setattr(fastrank, "_first_best", spy)
    doc = make(EDGE_CASES["float-order near tie"][0])
    slow, fast = summarizers("sumbasic")
    assert fast.rate_sentences(doc) == slow._compute_ratings(doc.sentences)
    assert [0, 1] in settled


@pytest.mark.parametrize("algorithm", sorted(PAIRS))
def test_stop_words_are_normalized_and_can_change(algorithm: str) -> None:
    slow_cls, fast_cls = PAIRS[algorithm]
    slow, fast = slow_cls(_stemmer("english")), fast_cls(_stemmer("english"))
    doc = make(EDGE_CASES["identical sentences"][0])
    for stop_words in (["The", "IS", "Ferry"], [], sorted(get_stop_words("english"))):
        slow.stop_words = stop_words
        fast.stop_words = stop_words
        assert fast.stop_words == slow.stop_words
        assert fast.stop_words == frozenset(w.lower() for w in stop_words)
        for count in COUNTS:
            assert ids(fast(doc, count)) == ids(sumy_call(slow, doc, count))


def test_no_warnings_where_sumy_warns() -> None:
    """sumy's LexRank warns on a document of stop words; the fast one rates it NaN
    silently (pytest turns warnings into errors), and keeps document order."""
    doc = make(EDGE_CASES["only stop words"][0])
    _, fast = summarizers("lexrank")
    ratings = fast.rate_sentences(doc)
    assert all(math.isnan(r) for r in ratings.values())
    assert ids(fast(doc, 2)) == ids(doc.sentences[:2])


@pytest.mark.parametrize("size", [1, 2, 3, 16, 17, 31, 60, 300])
def test_textrank_power_method_is_sumys_loop_to_the_bit(size: int) -> None:
    from sumy.summarizers.text_rank import TextRankSummarizer

    rng = np.random.default_rng(size)
    for _ in range(5):
        weights = rng.random((size, size)) * (rng.random((size, size)) < 0.3)
        weights /= weights.sum(axis=1)[:, None] + 1e-7
        matrix = np.full((size, size), 0.15 / size) + 0.85 * weights
        ours = fastrank._textrank_power_method(matrix, 1e-4)
        assert ours.tobytes() == TextRankSummarizer.power_method(matrix, 1e-4).tobytes()
