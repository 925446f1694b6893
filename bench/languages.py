"""Per-language figures: the default summarizer's cost over each language's floor.

The floor is what any summary in that language needs: Punkt's sentence split
with that language's model, the words, and the stems of the non-stop words with
that language's stemmer and stop words. Articles are synthetic: sentences drawn
from tests/language_samples.py's written articles (each language's own words,
abbreviations and punctuation) by a seeded generator, so the same run always
measures the same text. Cold and warm passes and least-of-rounds as in
algorithms.py; `language = "auto"`'s detection is timed on the same articles.
"""

from __future__ import annotations

import itertools
import random
import sys
from collections.abc import Sequence
from typing import Any

import algorithms
from algorithms import PASSES, Item, least, stats, timed

from feedsum import summarize, text
from feedsum.languages import detect_article, resolve
from feedsum.model import SummarySettings
from feedsum.summarize import prepare, split_paragraphs, summarize_split
from feedsum.text import clean, sentences_of, words_of

sys.path.insert(0, str(algorithms.ROOT))
from tests.language_samples import SAMPLES

#: Languages with a line of their own; English (the same generator) for comparison.
TAGS = ("en", "de", "fr", "es", "it", "ru")
ARTICLES = 150
ROUNDS = 3
ENGLISH = (
    "The city council approved a new budget for road repairs on Monday. The plan sets "
    "aside 12 million dollars for bridges, Mr. Smith said. Work starts in spring. Drivers "
    "have complained about potholes for years. The mayor said the repairs would be done "
    "by the end of next year. Critics called the budget too small. Dr. Jones, who leads "
    "the residents' group, welcomed the plan. About 40,000 cars cross the main bridge "
    "every day. The council will vote on the details in May."
)


def corpus(tag: str, count: int = ARTICLES) -> list[Item]:
    """`count` articles of 12 to 30 sentences, each a new order of the language's
    sentences with their words partly shuffled (new chunks for the memos, as new
    articles bring), in 3 to 6 paragraphs."""
    rng = random.Random(f"feedsum-languages-{tag}")
    language = resolve(tag)
    sentences = list(
        sentences_of(clean(ENGLISH if tag == "en" else "\n\n".join(SAMPLES[tag][0])), language)
    )
    vocabulary = sorted({w for s in sentences for w in s.split()[1:-1]})
    items = []
    for _ in range(count):
        body = []
        for _ in range(rng.randint(12, 30)):
            words = rng.choice(sentences).split()
            for at in range(1, len(words) - 1):
                if rng.random() < 0.3:
                    words[at] = rng.choice(vocabulary)
            body.append(" ".join(words))
        cuts = [0, *sorted(rng.sample(range(1, len(body)), rng.randint(2, 5))), len(body)]
        paragraphs = [" ".join(body[a:b]) for a, b in itertools.pairwise(cuts)]
        raw = "\n\n".join(paragraphs)
        items.append(Item(raw, clean(raw), body[0][:80]))
    return items


def cold_caches(language: str) -> None:
    algorithms.cold_caches()
    text._sentence_tokenizer(language)._verdicts.clear()


def floor(items: Sequence[Item], language: str) -> dict[str, list[float]]:
    """Split + words + stems of the non-stop words, in `language`."""
    cold_caches(language)
    stem, stop = summarize._stemmer(language), summarize.stop_words(language)

    def work(item: Item) -> None:
        split = split_paragraphs(item.paragraphs, language)
        for words in words_of([s for group in split for s in group], language).values():
            for word in words:
                normalized = word.lower()
                if normalized not in stop:
                    stem(normalized)

    return {label: [timed(work, item)[0] for item in items] for label in PASSES}


def default(items: Sequence[Item], language: str) -> dict[str, list[float]]:
    """Split + summarize with the default summarizer, in `language`."""
    cold_caches(language)
    settings = SummarySettings(language=language)
    prepare(settings)

    def work(item: Item) -> None:
        summarize_split(split_paragraphs(item.paragraphs, language), settings, item.title)

    return {label: [timed(work, item)[0] for item in items] for label in PASSES}


def measure() -> dict[str, Any]:
    detect_article(None, ["Ready."])  # loads the detector: once a build, not per article
    out: dict[str, Any] = {"articles": ARTICLES, "rounds": ROUNDS, "languages": {}}
    for tag in TAGS:
        language, items = resolve(tag), corpus(tag)
        runs: dict[str, list[dict[str, list[float]]]] = {"floor": [], "default": []}
        for _ in range(ROUNDS):
            runs["floor"].append(floor(items, language))
            runs["default"].append(default(items, language))
        found: dict[str, Any] = {"language": language}
        out["languages"][tag] = found
        for label in PASSES:
            for key in ("floor", "default"):
                found[f"{key}_{label}"] = stats(least([r[label] for r in runs[key]]))
            ratio = found[f"default_{label}"]["mean"] / found[f"floor_{label}"]["mean"]
            found[f"{label}_ratio"] = ratio
        detected = [detect_article(i.title, i.paragraphs) for i in items]
        found["detected_right"] = sum(d == tag for d in detected)
        rounds = [[timed(detect_article, i.title, i.paragraphs)[0] for i in items]]
        found["detect_ms"] = stats(least(rounds))
    return out


def report(figures: dict[str, Any]) -> str:
    n = figures["articles"]
    lines = [
        f"per language: {n} synthetic articles each (sentences of tests/language_samples.py,"
        " reshuffled);",
        f"  CPU ms per article, mean (least of {figures['rounds']} rounds); default = split +"
        " summarize; floor = split + tokenize + stem in that language",
        f"  {'':<4} {'floor cold':>10} {'default':>8} {'ratio':>6}  {'floor warm':>10} "
        f"{'default':>8} {'ratio':>6}  {'auto: detect':>12} {'right':>7}",
    ]
    for tag, f in figures["languages"].items():
        lines.append(
            f"  {tag:<4} {f['floor_cold']['mean']:10.2f} {f['default_cold']['mean']:8.2f} "
            f"{f['cold_ratio']:5.2f}x  {f['floor_warm']['mean']:10.2f} "
            f"{f['default_warm']['mean']:8.2f} {f['warm_ratio']:5.2f}x  "
            f"{f['detect_ms']['mean']:9.2f} ms {f['detected_right']:>3}/{n}"
        )
    lines += [
        "  target: each language's ratio <= 1.2x English's on the same generator (its",
        "  fast paths as fast as English's). Synthetic sentences repeat their words, so",
        "  the floor is cheaper than on real news: English's ratio on CNN/DM is above.",
    ]
    return "\n".join(lines)


def missed(figures: dict[str, Any]) -> list[str]:
    out = []
    n = figures["articles"]
    english = figures["languages"]["en"]
    for tag, f in figures["languages"].items():
        for label in PASSES:
            ratio, limit = f[f"{label}_ratio"], 1.2 * english[f"{label}_ratio"]
            if ratio > limit:
                out.append(f"{tag} {label}: {ratio:.2f}x its floor, target <= {limit:.2f}x")
        if f["detected_right"] != n:
            out.append(f"{tag}: auto detected {f['detected_right']}/{n} articles right")
    return out


if __name__ == "__main__":
    figures = measure()
    print(report(figures))
    for line in missed(figures):
        print(f"  MISSED: {line}")
