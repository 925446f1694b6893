from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feedsum.sources.textfile import parse
from feedsum.text import (
    _WORD,
    _sentence_tokenizer,
    clean,
    is_caption,
    prime_words,
    sentences_of,
    split_sentences,
    split_words,
    words_of,
)
from tests.conftest import SHARED


def seed_paragraphs(seed_text: str) -> tuple[str, ...]:
    return clean(parse(seed_text, "seed").body)


def test_seed_loses_its_photo_credits(seed_text: str) -> None:
    assert "Apple TV+" in seed_text
    paragraphs = seed_paragraphs(seed_text)
    assert "Apple TV+" not in paragraphs
    # The credit was its own paragraph; mentions inside sentences stay.
    assert any("Apple TV+ drama" in p for p in paragraphs)


def test_seed_loses_its_related_tail(seed_text: str) -> None:
    paragraphs = seed_paragraphs(seed_text)
    assert not any("RELATED" in p for p in paragraphs)
    assert paragraphs[-1] == "Mr. & Mrs. Smith premieres on Prime Video on Feb. 2."


def test_seed_keeps_every_paragraph_of_the_article(seed_text: str) -> None:
    body = parse(seed_text, "seed").body
    blocks = [b.strip() for b in body.split("\n\n") if b.strip()]
    kept = [b for b in blocks if b not in ("Apple TV+", "RELATED CONTENT:")]
    assert list(seed_paragraphs(seed_text)) == kept


def test_seed_splits_into_its_real_sentences(seed_text: str) -> None:
    sentences = sentences_of(seed_paragraphs(seed_text))
    assert sentences[0] == (
        "Severance season 2 may be months away, but series star John Turturro is "
        "teasing that it's worth the wait."
    )
    assert (
        "Talking with ET's Rachel Smith at the premiere of Prime Video's Mr. & Mrs. Smith on "
        "Wednesday, the actor, 66, said that they are still hard at work on the "
        "highly-anticipated second season of the Apple TV+ drama."
    ) in sentences
    assert (
        '"Lovely being back at the office," he captioned the dramatic post on Jan. 29, '
        "15 months after Severance initially began shooting season 2."
    ) in sentences
    # No sentence ends on an abbreviation: no split after Mr., Mrs. or Jan.
    assert not any(s.endswith(("Mr.", "Mrs.", "Jan.", "Feb.")) for s in sentences)
    assert len(sentences) == 25


def test_whitespace_runs_collapse_and_hard_wraps_join() -> None:
    body = "One  sentence\nwrapped here.\t Two.\n \n\n\nNext   paragraph is here."
    assert clean(body) == ("One sentence wrapped here. Two.", "Next paragraph is here.")


def test_caption_rule() -> None:
    assert is_caption("Apple TV+")
    assert is_caption("Photo: Lena Varga/Coastal Daily")
    assert not is_caption("He said no.")
    assert not is_caption('"We won," she said.”')
    # Long lines are text even without a full stop (a sentence that lost its period).
    assert not is_caption("The council voted on the new bridge plan after a long debate today")


def test_tail_marker_drops_everything_after_it() -> None:
    body = "Real text here.\n\nRead more:\n\nOther story headline.\n\nAnother one."
    assert clean(body) == ("Real text here.",)


def test_quotes_and_ampersands_survive_cleaning() -> None:
    body = 'She said "x < 10 && y > 3" works.\n\nBarnes & Hale agreed.'
    assert clean(body) == ('She said "x < 10 && y > 3" works.', "Barnes & Hale agreed.")


def test_split_words_follows_sumys_word_rule() -> None:
    # Treebank tokens, kept only when they start with a letter (sumy's rule):
    # "Mr." (has a period), "'s", "3" and "--" are not words.
    assert split_words("Mr. Smith's 3 dogs can't run -- fast!") == (
        "Smith",
        "dogs",
        "ca",
        "n't",
        "run",
        "fast",
    )


def test_split_sentences_without_downloaded_data() -> None:
    assert split_sentences("Dr. Brown arrived at 9 a.m. on Monday. He left at noon.") == (
        "Dr. Brown arrived at 9 a.m. on Monday.",
        "He left at noon.",
    )


@given(st.text())
def test_clean_is_idempotent(text: str) -> None:
    once = clean(text)
    assert clean("\n\n".join(once)) == once


@given(st.text())
def test_clean_paragraphs_are_trimmed_and_nonempty(text: str) -> None:
    for paragraph in clean(text):
        assert paragraph and paragraph == paragraph.strip() and "\n" not in paragraph


TRICKY = [
    '"', "'", "''", "``", "can", "not", "cannot", "'s", "n't", "'tis", "Mr.", "U.S.",
    "said.", "said,", "3:30,", "1,000", "--", "\u2014", "(", ")", "[x]", "...", "?", "!",
    "\u2019", "\u201d", "\u201c", "d'ye", "gonna", "x", "x.", ":", ";", "&", "<",
    "rock'n'roll", "O'Neil", "Zo\u00eb", "e.g.", "word'", "'word", '"word"', "end.",
    # Letters alone skip NLTK unless a contraction rule may split them.
    "wanna", "GOTTA", "Lemme", "gimme", "more'n", "Cannot", "canNOT", "\u00e9t\u00e9",
    # So do letters and digits with one comma after them, hyphens, possessives.
    "word,", "2013,", "abc123,", "cannot,", "wanna,", "\u00e9t\u00e9,", "x,,", ",", "\u00b2,",
    "co-star", "co-star,", "Obama's", "Obama's,", "it'S", "-x", "x-", "x--y", "x-y-", "'s,",
    "cannot's", "wanna-be", "gonna-be,", "1990's", "x_y", "x-_", "more'n's",
    # And with double quotes around them.
    '""', '","', '"x"', '"x,"', 'x",', '"x\'s"', '"cannot"', '"wanna,"', '"1990s"', "x\"'s",
    '"co-star",', '",x', 'x,",', '"\'x',
    # A single quote closing a sentence is split off only before a space.
    "x's'", "don't'", "'x'",
    # First and last chunks that are tokenized as inner ones, and their near misses.
    '"\'x', '""x', '"`x', "''x", '"', "x.)", 'x."', "x.'", "x..", "x.,", ".x.", "x.\u201d",
    "x:", "x,", "x.\u00bb", "``", "x\u2019.", "U.S.", "x.!", "x?", "(x).",
]  # fmt: skip


def nltk_words(sentence: str) -> tuple[str, ...]:
    from nltk.tokenize import NLTKWordTokenizer

    return tuple(w for w in NLTKWordTokenizer().tokenize(sentence) if _WORD.match(w))


@given(st.lists(st.sampled_from(TRICKY) | st.text(min_size=1, max_size=6), max_size=14))
def test_split_words_is_nltks_tokenizer_exactly(chunks: list[str]) -> None:
    sentence = " ".join(chunks)
    assert split_words(sentence) == nltk_words(sentence)


def test_split_words_is_nltks_tokenizer_on_real_articles() -> None:
    data = SHARED / "data" / "cnndm-dev.jsonl"
    if not data.is_file():
        pytest.skip(f"{data} is absent (the shared dev data is not beside this checkout)")
    lines = data.read_text(encoding="utf-8").splitlines()[:60]
    sentences = [s for line in lines for s in sentences_of(clean(json.loads(line)["text"]))]
    assert len(sentences) > 1000
    assert [split_words(s) for s in sentences] == [nltk_words(s) for s in sentences]


def dev_paragraphs(name: str, articles: int = 60) -> list[tuple[str, ...]]:
    data = SHARED / "data" / name
    if not data.is_file():
        pytest.skip(f"{data} is absent (the shared dev data is not beside this checkout)")
    lines = data.read_text(encoding="utf-8").splitlines()[:articles]
    return [clean(json.loads(line)["text"]) for line in lines]


@pytest.mark.parametrize("name", ["cnndm-dev.jsonl", "bbc-dev.jsonl"])
def test_split_sentences_is_punkts_own_on_real_articles(name: str) -> None:
    import punkt

    plain = punkt.PunktSentenceTokenizer(_sentence_tokenizer().params)
    paragraphs = [p for article in dev_paragraphs(name) for p in article]
    expected = [tuple(s.strip() for s in plain.tokenize(p) if s.strip()) for p in paragraphs]
    # Twice: the second time, every boundary's verdict comes from the memo.
    for _ in range(2):
        assert [split_sentences(p) for p in paragraphs] == expected


@pytest.mark.parametrize("name", ["cnndm-dev.jsonl", "bbc-dev.jsonl"])
def test_primed_words_are_nltks_on_real_articles(name: str) -> None:
    articles = [sentences_of(article) for article in dev_paragraphs(name, 40)]
    for sentences in articles:
        prime_words(sentences)
        assert [split_words(s) for s in sentences] == [nltk_words(s) for s in sentences]


@given(st.lists(st.lists(st.sampled_from(TRICKY) | st.text(min_size=1, max_size=6), max_size=14)))
def test_primed_words_are_nltks_exactly(sentences: list[list[str]]) -> None:
    texts = [" ".join(chunks) for chunks in sentences]
    prime_words(texts)
    assert [split_words(t) for t in texts] == [nltk_words(t) for t in texts]


@given(st.lists(st.lists(st.sampled_from(TRICKY) | st.text(min_size=1, max_size=6), max_size=14)))
def test_words_of_sentences_are_nltks_exactly(sentences: list[list[str]]) -> None:
    texts = [" ".join(chunks) for chunks in sentences]
    found = words_of(texts)
    assert [found[t] for t in texts] == [nltk_words(t) for t in texts]


@pytest.mark.parametrize("name", ["cnndm-dev.jsonl", "bbc-dev.jsonl"])
def test_words_of_real_articles_are_nltks(name: str) -> None:
    for article in dev_paragraphs(name, 40):
        sentences = sentences_of(article)
        found = words_of(sentences)
        assert [found[s] for s in sentences] == [nltk_words(s) for s in sentences]


@pytest.mark.parametrize(
    "sentence",
    [
        'He said "no."\t)',  # closers after a tab: NLTK's final-period rule stops there
        "He said no.\u00a0\u201d",
        "The xqzv word xqzv, twice.",  # the sentinel word itself
        "x.) \x1f",  # a separator str.split() splits at and NLTK keeps
        "",
        "Alone.",
        "It was not's'",  # a final single quote: NLTK splits it off only before a space
        "He said 'it's'",
    ],
)
def test_words_at_the_edges_are_nltks(sentence: str) -> None:
    prime_words([sentence])
    assert split_words(sentence) == nltk_words(sentence)


@pytest.mark.parametrize(("preset", "expected"), [(None, "1"), ("2", "2")])
def test_one_blas_thread_unless_the_environment_says_otherwise(
    preset: str | None, expected: str
) -> None:
    # A fresh interpreter: numpy must not be loaded before feedsum loads nltk.
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    if preset is not None:
        env["OPENBLAS_NUM_THREADS"] = preset
    code = (
        "import os, sys\n"
        "from feedsum.text import split_words\n"
        "assert 'numpy' not in sys.modules\n"
        "split_words('Words need nltk, which loads numpy.')\n"
        "assert 'numpy' in sys.modules\n"
        "print(os.environ['OPENBLAS_NUM_THREADS'])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == expected


# Marks that NLTK's rules treat differently by what stands next to them.
STUCK_ON = ['"', "'", ",", "-", "'s", ".", "``", "''", "(", ")", ":", "n't"]


def test_words_of_chunks_with_punctuation_stuck_on_are_nltks() -> None:
    # Real chunks, with quote marks, commas and the like stuck before and after
    # them at random: what a property test of short random strings rarely
    # builds (it missed "it's'" closing a sentence; this found it). The dev
    # set's chunks where it is beside the checkout, else the example feed's,
    # and the tricky ones above.
    rng = random.Random(20261201)
    data = SHARED / "data" / "cnndm-dev.jsonl"
    if data.is_file():
        articles = dev_paragraphs("cnndm-dev.jsonl", 20)
    else:
        examples = sorted((Path(__file__).resolve().parents[1] / "feeds" / "example").glob("*.txt"))
        articles = [seed_paragraphs(path.read_text(encoding="utf-8")) for path in examples]
    chunks = [c for article in articles for p in article for c in p.split()] + TRICKY
    for _ in range(200):
        sentences = []
        for _ in range(10):
            words = []
            for _ in range(rng.randint(1, 12)):
                chunk, roll = rng.choice(chunks), rng.random()
                if roll < 0.15:
                    chunk = rng.choice(STUCK_ON) + chunk
                elif roll < 0.3:
                    chunk += rng.choice(STUCK_ON)
                elif roll < 0.4:
                    chunk += rng.choice(STUCK_ON) + rng.choice(STUCK_ON)
                words.append(chunk)
            sentences.append(" ".join(words))
        found = words_of(sentences)
        assert [found[s] for s in sentences] == [nltk_words(s) for s in sentences]
