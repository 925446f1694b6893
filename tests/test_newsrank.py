"""NewsRank through sumy's own interface: a document and a sentence count."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
from sumy.nlp.stemmers import Stemmer
from sumy.parsers.plaintext import PlaintextParser
from sumy.utils import ItemsCount, get_stop_words

from feedsum.newsrank import (
    _DANGLING,
    FEATURES,
    Features,
    Model,
    NewsRankSummarizer,
    _centralities,
    _centroid_cosine,
    _Matrix,
    scores,
    select,
    shipped_model,
)
from feedsum.sources.textfile import parse
from feedsum.summarize import split_paragraphs
from feedsum.text import Tokenizer, clean

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "feeds" / "example").glob("*.txt"))

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
    by_text = {str(s): v for s, v in ratings.items()}
    opening = by_text[next(t for t in by_text if t.startswith("The city council approved"))]
    # The rules of the set search aside, the opening still rates above a fragment.
    assert opening > by_text["Yes."]


def test_empty_document() -> None:
    empty = PlaintextParser.from_string("", Tokenizer("english")).document
    assert summarizer()(empty, 3) == ()


def test_stop_words_only_and_single_sentences_rank_without_warnings() -> None:
    # pytest turns numpy's divide-by-zero warnings into errors.
    for text in ("It is what it is.\n\nAnd so it was.", "One sentence only."):
        doc = PlaintextParser.from_string(text, Tokenizer("english")).document
        assert len(summarizer()(doc, 1)) == 1


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
        ratings = summarizer().rate_sentences(doc, 1)  # a lede
        return ratings[Sentence(sentences[2], tokenizer)]

    assert parking_rating("Parking fees rise in the centre") > parking_rating("Library hours")


def test_the_shipped_weights_load_and_are_the_default() -> None:
    model = shipped_model()
    assert summarizer().model is model
    assert len(model.base) == len(model.by_share) == len(FEATURES)
    assert any(model.base) and any(model.by_share)
    # A digest (a large share of the sentences) has weights of its own.
    assert model.digest is not None and 0 < model.lede_share < 1
    assert any(model.digest.base) and model.digest.base != model.base
    assert model.digest.digest is None


def test_the_share_kept_chooses_the_lede_or_the_digest_model() -> None:
    model = shipped_model()
    assert model.digest is not None
    assert model.regime(3, 30) is model  # 10%: a lede
    assert model.regime(15, 30) is model.digest  # half: a digest
    assert model.regime(30, 30) is model.digest
    single = replace(model, digest=None)
    assert single.regime(15, 30) is single
    assert Model.from_json(model.to_json()) == model


def example_documents() -> list[object]:
    tokenizer = Tokenizer("english")
    docs = []
    for path in EXAMPLES:
        article = parse(path.read_text(encoding="utf-8"), str(path))
        paragraphs = [p for p in split_paragraphs(clean(article.body)) if p]
        parts = [[Sentence(s, tokenizer) for s in group] for group in paragraphs]
        docs.append(ObjectDocumentModel([Paragraph(p) for p in parts]))
    return docs


def test_the_fitted_weights_choose_the_summaries() -> None:
    # With every weight zero the scores tie and only the selection rules pick:
    # the fitted weights must make a difference on the example feed.
    nothing = (0.0,) * len(FEATURES)
    shipped = shipped_model()
    assert shipped.digest is not None
    digest = replace(shipped.digest, base=nothing, by_share=nothing)
    zeros = replace(shipped, base=nothing, by_share=nothing, digest=digest)
    blank = NewsRankSummarizer(Stemmer("english"), zeros)
    blank.stop_words = get_stop_words("english")
    fitted = summarizer()
    differ = [fitted(doc, 3) != blank(doc, 3) for doc in example_documents()]
    assert sum(differ) >= 2
    # The digest's weights too: half of each article.
    halves = [(doc, len(doc.sentences) // 2) for doc in example_documents()]  # type: ignore[attr-defined]
    assert sum(fitted(doc, k) != blank(doc, k) for doc, k in halves) >= 1
    rated = fitted.rate_sentences(example_documents()[0])
    assert len(set(rated.values())) > 1


def test_example_articles_open_with_their_first_sentence_and_do_not_dangle() -> None:
    for doc in example_documents():
        sentences = list(doc.sentences)  # type: ignore[attr-defined]
        if len(sentences) <= 3:
            continue
        chosen = [sentences.index(s) for s in summarizer()(doc, 3)]
        assert chosen[0] == 0, [str(sentences[i]) for i in chosen]
        for i in chosen:
            if _DANGLING.match(str(sentences[i])):
                assert i - 1 in chosen, str(sentences[i])


@pytest.mark.parametrize(
    ("sentence", "dangling"),
    [
        ("He said the bridge would open in May.", True),
        ("But the council disagreed.", True),
        ("However, the vote was delayed.", True),
        ('"It is too late," she said.', True),
        ("This is the third closure this year.", True),
        ("In addition, fares will rise.", True),
        ("This week the council met to vote on the bridge.", False),
        ("Helen Carroll paid by card.", False),
        ("Italy won the final.", False),
        ("So-called smart meters will be fitted.", False),
        ("The mayor said the bridge would open.", False),
    ],
)
def test_what_points_back(sentence: str, dangling: bool) -> None:
    assert (_DANGLING.match(sentence) is not None) is dangling


RULES = """The council voted on Tuesday to close the old bridge to traffic from June.

Engineers found cracks in two of its piers last month.

He said repairs would take at least a year.

The bridge carries 20,000 cars a day, and a ferry will run while it is shut.

Shops on both banks fear losing trade during the closure.

Residents will be consulted on a new footbridge.
"""


def rules_features() -> tuple[Features, Model]:
    """The RULES article's features, and the shipped model without its short-story
    rule (a few sentences of six are a digest: see the next test)."""
    doc = PlaintextParser.from_string(RULES, Tokenizer("english")).document
    shipped = shipped_model()
    assert shipped.digest is not None
    return summarizer().features(doc), replace(
        shipped, digest=replace(shipped.digest, lead_count=0)
    )


def test_a_short_storys_few_sentences_are_its_opening() -> None:
    features, _ = rules_features()
    shipped = shipped_model()
    assert shipped.digest is not None and shipped.digest.lead_count >= 1
    assert shipped.lead_count == 0  # never for a lede
    # Whatever the scores, a short summary of a six-sentence story is its lede...
    rated = np.array([0.0, 0.0, 5.0, 5.0, 5.0, 5.0])
    count = shipped.digest.lead_count
    assert select(features, rated, count, shipped) == list(range(count))
    # ...and a longer one is chosen by them.
    assert select(features, rated, count + 1, shipped) != list(range(count + 1))
    # The same scores pick other sentences without the rule.
    _, without = rules_features()
    assert select(features, rated, count, without) != list(range(count))


def test_the_opening_sentence_stays_unless_another_set_is_better_by_the_margin() -> None:
    features, model = rules_features()
    model = replace(model, redundancy=0.0, length_weight=0.0)
    rated = np.array([1.0, 2.0, 0.0, 2.0, 2.0, 0.0])
    # Sentences 1, 3 and 4 beat the opening by 1.0 in total, under the margin.
    slightly = rated.copy()
    slightly[0] = 2.0 - 0.5 * model.lead_margin
    assert 0 in select(features, slightly, 3, model)
    # By more than the margin: the model is confident, and the opening goes.
    clearly = rated.copy()
    clearly[0] = 2.0 - 2.0 * model.lead_margin
    assert 0 not in select(features, clearly, 3, model)


def test_a_sentence_pointing_back_needs_its_antecedent() -> None:
    features, model = rules_features()
    assert features.dangling.tolist() == [False, False, True, False, False, False]
    model = replace(model, redundancy=0.0, length_weight=0.0)
    # "He said ..." scores a little above sentence 3, but its antecedent (1) is out.
    rated = np.array([3.0, 0.0, 2.0 + 0.5 * model.dangling_penalty, 2.0, 0.0, 0.0])
    assert sorted(select(features, rated, 2, model)) == [0, 3]
    # With its antecedent chosen too, it is no longer dangling.
    rated[1] = 2.5
    assert sorted(select(features, rated, 3, model)) == [0, 1, 2]


def test_long_summaries_follow_the_same_rules_greedily() -> None:
    # 30 sentences, 15 kept: too many sets to search, so the pick is greedy.
    words = ["harbour", "ferry", "council", "bridge", "tram", "market", "school", "river"]
    lines = [f"The {w} report number {k} was read." for k, w in enumerate(words * 4)][:30]
    lines[10] = "He said the ferry would run again."
    doc = PlaintextParser.from_string("\n\n".join(lines), Tokenizer("english")).document
    features = summarizer().features(doc)
    assert np.flatnonzero(features.dangling).tolist() == [10]
    model = replace(
        shipped_model(),
        redundancy=0.0,
        extra_candidates=3,
        lead_margin=0.5,
        dangling_penalty=0.5,
        digest=None,  # one model for every share
    )
    rated = np.linspace(30.0, 1.0, 30)  # sentence k rates 30 - k: 17 rates 13, 18 rates 12
    rated[0] = 12.75  # out of the 15 best, but within the margin of the 15th (17)
    rated[9] = 0.0  # the antecedent of 10 is out
    rated[10] = 12.75  # as the opening, but it points back to a sentence left out
    many = select(features, rated, 15, model)
    assert len(many) == len(set(many)) == 15
    assert 0 in many and 10 not in many and 17 not in many
    rated[9] = 100.0  # with its antecedent in, 10 is scored as it rates
    rated[10] = 14.1  # above 16 (14), below 15 (15)
    assert {9, 10} <= set(select(features, rated, 15, model))
    assert 16 not in select(features, rated, 15, model)


def test_scores_depend_on_the_share_kept() -> None:
    features, model = rules_features()
    assert not np.allclose(scores(features, model, 1), scores(features, model, 5))
