"""The summarizer registry: sumy's algorithms and lead-N, by name.

sumy (and the nltk it imports) load on first use, not at import: the registry's
names are needed to check a feed file, the summarizers only for new articles.

`summarize` takes an article's cleaned paragraphs and returns the selected
sentences in article order. Every algorithm sees the same sentences, words,
stemmer and stop words (see `feedsum.text`).
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from typing import Any

from feedsum.languages import AUTO, BY_NAME, detect, detect_article, summary_language
from feedsum.model import Summary, SummarySettings
from feedsum.text import Tokenizer, one_blas_thread, split_sentences, words_of

# Bumped whenever a change here may select other sentences for the same input:
# the state then re-summarizes every article. (A feed's language is in the
# settings key itself: changing it redoes its articles.)
SUMMARIZER_VERSION = 5

# Edmundson's cue method needs words that signal (bonus) or discount (stigma)
# a sentence. These are news cues: reporting verbs and findings score up,
# hedges and asides score down. Title words come from the `title` header.
EDMUNDSON_BONUS = (
    "announced", "found", "said", "says", "report", "reported", "first", "new",
    "according", "officials", "decided", "will", "plans", "million", "percent",
)  # fmt: skip
EDMUNDSON_STIGMA = (
    "hardly", "perhaps", "maybe", "meanwhile", "however", "also", "incidentally",
    "photo", "click", "subscribe", "advertisement",
)  # fmt: skip


Builder = Callable[[Callable[[str], str], frozenset[str]], Any]


@dataclass(frozen=True, slots=True)
class Algorithm:
    """One registered summarizer."""

    name: str
    #: One line for --help and the README.
    description: str
    #: Builds the sumy summarizer; None for lead-N, which needs no ranking.
    build: Builder | None
    #: One of sumy's own algorithms (rather than feedsum's).
    sumy: bool = True


def _sumy(module: str, name: str, package: str = "sumy.summarizers") -> Builder:
    """A builder for `name` from `<package>.<module>`, imported on first use."""

    def build(stemmer: Callable[[str], str], stop_words: frozenset[str]) -> Any:
        summarizer = getattr(importlib.import_module(f"{package}.{module}"), name)(stemmer)
        summarizer.stop_words = stop_words
        return summarizer

    return build


def _newsrank(stemmer: Callable[[str], str], stop_words: frozenset[str]) -> Any:
    from feedsum.newsrank import NewsRankSummarizer

    summarizer = NewsRankSummarizer(stemmer)
    summarizer.stop_words = stop_words
    return summarizer


def _edmundson(stemmer: Callable[[str], str], stop_words: frozenset[str]) -> Any:
    from sumy.summarizers.edmundson import EdmundsonSummarizer

    summarizer = EdmundsonSummarizer(stemmer)
    summarizer.bonus_words = EDMUNDSON_BONUS
    summarizer.stigma_words = EDMUNDSON_STIGMA
    summarizer.null_words = stop_words
    return summarizer


ALGORITHMS: dict[str, Algorithm] = {
    a.name: a
    for a in (
        Algorithm("lead", "the first N sentences, as a news article's opening puts them", None,
                  sumy=False),
        Algorithm("newsrank",
                  "learned weights of position, centrality, topic, coverage and length;"
                  " a non-redundant set that reads as a summary",
                  _newsrank, sumy=False),
        Algorithm("lexrank", "sentence centrality in a tf-idf cosine graph (sumy)",
                  _sumy("fastrank", "FastLexRankSummarizer", "feedsum")),
        Algorithm("textrank", "PageRank over sentence word overlap (sumy)",
                  _sumy("fastrank", "FastTextRankSummarizer", "feedsum")),
        Algorithm("lsa", "latent semantic analysis, SVD of the term matrix (sumy, fixed order)",
                  _sumy("fastrank", "StableLsaSummarizer", "feedsum")),
        Algorithm("luhn", "clusters of significant words (sumy)",
                  _sumy("fastrank", "FastLuhnSummarizer", "feedsum")),
        Algorithm("kl", "greedy KL-divergence to the article's word distribution (sumy)",
                  _sumy("kl", "KLSummarizer")),
        Algorithm("sumbasic", "word probability, updated as sentences are picked (sumy)",
                  _sumy("fastrank", "FastSumBasicSummarizer", "feedsum")),
        Algorithm("reduction", "graph of shared words, sum of edge weights (sumy)",
                  _sumy("reduction", "ReductionSummarizer")),
        # sumy's own code for the four above, kept as the reference they must match.
        Algorithm("sumy:lexrank", "sumy's LexRank, the reference for lexrank",
                  _sumy("lex_rank", "LexRankSummarizer")),
        Algorithm("sumy:textrank", "sumy's TextRank, the reference for textrank",
                  _sumy("text_rank", "TextRankSummarizer")),
        Algorithm("sumy:luhn", "sumy's Luhn, the reference for luhn",
                  _sumy("luhn", "LuhnSummarizer")),
        Algorithm("sumy:sumbasic", "sumy's SumBasic, the reference for sumbasic",
                  _sumy("sum_basic", "SumBasicSummarizer")),
        Algorithm("edmundson", "cue, title and location words (sumy, news cue words)",
                  _edmundson),
    )
}  # fmt: skip
DEFAULT_ALGORITHM = SummarySettings().algorithm


@cache
def _stemmer(language: str) -> Callable[[str], str]:
    """sumy's stemmer for `language` where it has a working one; else sumy's null
    stemmer (lowercase), which is what sumy falls back to (see `feedsum.languages`).

    One cache per language: the stems of one word differ between languages.
    """
    one_blas_thread()  # before nltk, and numpy with it, load
    from sumy.nlp.stemmers import Stemmer, null_stemmer

    known = BY_NAME.get(language)
    stem: Callable[[str], str] = Stemmer(language) if known and known.stemmer else null_stemmer
    # Articles of one build share most words; stemming each once is a real saving.
    return lru_cache(maxsize=100_000)(stem)


@cache
def stop_words(language: str) -> frozenset[str]:
    """The stop words of `language`: sumy's, or stopwords-iso's where sumy has no
    list (see `feedsum.languages`); none for Malayalam and NEUTRAL."""
    known = BY_NAME.get(language)
    if known is None or not known.stop_words:
        return frozenset()
    if known.stop_words == "stopwordsiso":
        import stopwordsiso  # its lists ship inside the package: no download

        return frozenset(word.lower() for word in stopwordsiso.stopwords(known.codes[0]))
    from sumy.utils import get_stop_words

    return frozenset(get_stop_words(language))


@cache
def _summarizer(name: str, language: str, extra: frozenset[str] = frozenset()) -> Any:
    """The summarizer `name` for `language`, with `extra` stop words besides its own."""
    one_blas_thread()  # before the rankers load numpy
    build = ALGORITHMS[name].build
    assert build is not None
    return build(_stemmer(language), stop_words(language) | extra)


def document(
    paragraphs: Sequence[Sequence[str]], tokenizer: Tokenizer, title: str | None = None
) -> Any:
    """A sumy document of already split sentences; the title, if any, is a heading."""
    from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence

    parts = [[Sentence(s, tokenizer) for s in sentences] for sentences in paragraphs]
    if title and parts:
        parts[0].insert(0, Sentence(title, tokenizer, is_heading=True))
    return ObjectDocumentModel([Paragraph(p) for p in parts if p])


def prepare(settings: SummarySettings) -> None:
    """Import and build what `summarize` needs for `settings` (before forking workers).

    With AUTO, the detector and English: other languages load where first met.
    """
    if settings.language == AUTO:
        detect("Ready.")
        settings = replace(settings, language="english")
    split_sentences("Ready.", settings.language)
    if ALGORITHMS[settings.algorithm].build is not None:
        _summarizer(settings.algorithm, settings.language, settings.extra_stop_words)


def split_paragraphs(paragraphs: Sequence[str], language: str = "english") -> list[tuple[str, ...]]:
    """The sentences of each paragraph."""
    return [split_sentences(p, language) for p in paragraphs]


def first_sentences(split: Sequence[Sequence[str]], limit: int) -> Sequence[Sequence[str]]:
    """The paragraphs' sentences up to `limit` in all; every one when `limit` is 0."""
    if not limit or sum(map(len, split)) <= limit:
        return split
    kept: list[Sequence[str]] = []
    for group in split:
        if limit <= 0:
            break
        kept.append(group[:limit])
        limit -= len(group)
    return kept


def summarize(
    paragraphs: Sequence[str], settings: SummarySettings, title: str | None = None
) -> Summary:
    """Select sentences of the article (cleaned paragraphs), returned in article order.

    An article that fits the length whole is its own summary. With AUTO, the
    language is the one `detect` finds in the title and opening paragraphs.
    """
    if settings.language == AUTO:
        found = detect_article(title, paragraphs)
        settings = replace(settings, language=summary_language(found))
    return summarize_split(split_paragraphs(paragraphs, settings.language), settings, title)


def summarize_split(
    split: Sequence[Sequence[str]],
    settings: SummarySettings,
    title: str | None = None,
    ranker: Any = None,
) -> Summary:
    """`summarize` for an article already split into sentences, paragraph by paragraph.

    Only the first `settings.max_sentences` sentences are summarized (all when 0).
    `ranker`, a sumy summarizer, stands in for the algorithm's own (the
    cross-validation of `make eval` passes NewsRank models fitted without the article).
    """
    split = first_sentences(split, settings.max_sentences)
    sentences = tuple(s for group in split for s in group)
    words = [len(s.split()) for s in sentences]
    length = settings.length
    if length.take(words) >= len(sentences) or settings.algorithm == "lead":
        indices = tuple(range(length.take(words)))
    else:
        # Split at once: the article's new words in a few NLTK calls, not one a sentence.
        known = words_of(sentences, settings.language)
        doc = document(split, Tokenizer(settings.language, known), title)
        position = {id(s): i for i, s in enumerate(doc.sentences)}

        def fits(ranked: Sequence[Any]) -> Sequence[Any]:
            return ranked[: length.take([words[position[id(i.sentence)]] for i in ranked])]

        # How many sentences fit a word budget depends on which they are: sumy
        # hands its ranking, best first, to a callable count, which keeps the
        # prefix that fits. Other lengths are a plain number of sentences.
        count: Any = fits if length.kind == "words" else length.take(words)
        with warnings.catch_warnings():
            # LSA warns when an article has fewer distinct words than sentences; it
            # still ranks them, and a cron log has no use for the remark.
            warnings.filterwarnings("ignore", "Number of words", UserWarning)
            # sumy's LexRank divides by a zero norm when no sentence has a word
            # outside the stop list; its ratings are then NaN and it keeps the first
            # sentences (as feedsum's lexrank does), with a warning for the cron mail.
            warnings.filterwarnings("ignore", "invalid value encountered", RuntimeWarning)
            chosen = (
                ranker
                or _summarizer(settings.algorithm, settings.language, settings.extra_stop_words)
            )(doc, count)
        indices = tuple(sorted(position[id(s)] for s in chosen))
        if not indices:
            # sumy's LSA ranks nothing when no word is outside the stop list; the
            # opening stands, as every other ranker but Edmundson's keeps it then.
            indices = tuple(range(length.take(words)))
    return Summary(sentences=tuple(sentences[i] for i in indices), indices=indices)
