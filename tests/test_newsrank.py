"""NewsRank through sumy's own interface: a document and a sentence count."""

from __future__ import annotations

import numpy as np
from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
from sumy.nlp.stemmers import Stemmer
from sumy.parsers.plaintext import PlaintextParser
from sumy.utils import ItemsCount, get_stop_words

from feedsum.newsrank import (
    NewsRankSummarizer,
    _centralities,
    _centroid_cosine,
    _Features,
    _Matrix,
)
from feedsum.text import Tokenizer

ARTICLE = """\
The city council approved a new tram line on Tuesday, linking the harbour to the university.

The line will cost 240 million and open in 2029, the council said. Construction starts next spring.

"This is the biggest investment in transport for a generation," the mayor said.

Critics said the tram line would disrupt traffic in the old town for years.

Caller: "Is the tram line coming?"

The tram line will carry 40,000 passengers a day, according to the council's forecast.

Yes.

Shops along the route will get compensation during the works, the council added.
"""


def summarizer() -> NewsRankSummarizer:
    summarizer = NewsRankSummarizer(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    return summarizer


def document() -> object:
    return PlaintextParser.from_string(ARTICLE, Tokenizer("english")).document


def test_works_through_sumys_call_with_a_count() -> None:
    doc = document()
    chosen = summarizer()(doc, 3)
    sentences = list(doc.sentences)  # type: ignore[attr-defined]
    assert len(chosen) == 3
    positions = [sentences.index(s) for s in chosen]
    assert positions == sorted(positions)  # article order
    texts = [str(s) for s in chosen]
    assert texts[0].startswith("The city council approved")
    # Speaker labels and fragments are marked down.
    assert not any(t.startswith("Caller:") or t == "Yes." for t in texts)


def test_is_deterministic() -> None:
    first = [str(s) for s in summarizer()(document(), 3)]
    for _ in range(3):
        assert [str(s) for s in summarizer()(document(), 3)] == first


def test_accepts_sumys_other_counts() -> None:
    doc = document()
    sentences = list(doc.sentences)  # type: ignore[attr-defined]
    assert len(summarizer()(doc, "40%")) == len(ItemsCount("40%")(sentences)) > 1
    assert len(summarizer()(doc, lambda ranked: ranked[:2])) == 2
    assert summarizer()(doc, 50) == tuple(doc.sentences)  # type: ignore[attr-defined]


def test_rates_every_sentence() -> None:
    doc = document()
    ratings = summarizer().rate_sentences(doc)
    assert len(ratings) == len(doc.sentences)  # type: ignore[attr-defined]
    best = max(ratings, key=ratings.__getitem__)
    assert str(best).startswith("The city council approved")


def test_empty_document() -> None:
    empty = PlaintextParser.from_string("", Tokenizer("english")).document
    assert summarizer()(empty, 3) == ()


def test_stop_words_only_and_single_sentences_rank_without_warnings() -> None:
    # pytest turns numpy's divide-by-zero warnings into errors.
    for text in ("It is what it is.\n\nAnd so it was.", "One sentence only."):
        doc = PlaintextParser.from_string(text, Tokenizer("english")).document
        assert len(summarizer()(doc, 1)) == 1


def test_a_lede_uses_the_news_view_and_a_digest_coverage() -> None:
    blend = NewsRankSummarizer.lede_share, NewsRankSummarizer.digest_share
    features = _Features(
        news=np.zeros(20),
        coverage=np.zeros(20),
        vectors=cells(np.zeros((20, 1))),
        words=np.zeros(20),
        lede_share=blend[0],
        digest_share=blend[1],
    )
    assert features.blend(3) == 0.0  # 15% of the sentences: a lede
    assert features.blend(8) == 1.0  # 40%: a digest
    assert 0.0 < features.blend(6) < 1.0


def cells(dense: np.ndarray) -> _Matrix:
    rows, columns = np.nonzero(dense)
    order = np.lexsort((-rows, columns))  # column by column, later rows first
    rows, columns = rows[order], columns[order]
    return _Matrix(rows, columns, dense[rows, columns], *dense.shape)


def test_sums_over_cells_equal_the_matrix_forms() -> None:
    rng = np.random.default_rng(5)
    counts = rng.integers(0, 3, size=(12, 30)).astype(float)
    counts[4] = 0.0  # a sentence with no terms
    counts[:, 7] = 0.0  # a term in no sentence (a title's)
    norms = np.linalg.norm(counts, axis=1)
    vectors = counts / np.where(norms > 0, norms, 1.0)[:, None]
    centrality, forward = _centralities(cells(vectors), norms > 0)
    similarity = vectors @ vectors.T
    np.fill_diagonal(similarity, 0.0)
    np.testing.assert_allclose(centrality, similarity.sum(axis=1), atol=1e-12)
    np.testing.assert_allclose(forward, np.triu(similarity, 1).sum(axis=1), atol=1e-12)
    np.testing.assert_array_equal(cells(vectors).dense(np.array([5, 0])), vectors[[5, 0]])

    rest = counts.sum(axis=0)[None, :] - counts
    denominator = norms * np.linalg.norm(rest, axis=1)
    expected = np.zeros(12)
    np.divide((counts * rest).sum(axis=1), denominator, out=expected, where=denominator > 0)
    np.testing.assert_allclose(_centroid_cosine(cells(counts)), expected, atol=1e-12)


def test_a_sentence_like_the_title_rates_higher() -> None:
    tokenizer = Tokenizer("english")
    sentences = [
        "The council met on Tuesday to discuss the budget for next year.",
        "Residents asked about the new library and its opening hours.",
        "Parking fees in the centre will rise by ten percent.",
        "The meeting ended after three hours of debate.",
    ]

    def parking_rating(title: str) -> float:
        parts = [Sentence(title, tokenizer, is_heading=True)]
        parts += [Sentence(s, tokenizer) for s in sentences]
        doc = ObjectDocumentModel([Paragraph(parts)])
        ratings = summarizer().rate_sentences(doc)
        return ratings[Sentence(sentences[2], tokenizer)]

    assert parking_rating("Parking fees rise in the centre") > parking_rating("Library hours")
