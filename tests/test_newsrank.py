"""NewsRank through sumy's own interface: a document and a sentence count."""

from __future__ import annotations

from sumy.nlp.stemmers import Stemmer
from sumy.parsers.plaintext import PlaintextParser
from sumy.utils import ItemsCount, get_stop_words

from feedsum.newsrank import NewsRankSummarizer
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
