"""`feedsum eval`: how close each summarizer comes to reference summaries.

Items are JSON Lines, one article per line: `{"id", "text", "reference",
"title"?}`. Each text goes through the same cleaning and sentence splitting
as a feed's articles, then through each summarizer; the summary is scored
against the reference with Google's rouge-score (ROUGE-1, ROUGE-2 and
ROUGE-Lsum F1, Porter stemming, one sentence per line for Lsum).

Milliseconds are each algorithm's steady cost per article: the items are
summarized once untimed, then timed (see `evaluate`). What the first articles
of a process cost, every memo empty, is in `make bench`.
"""

from __future__ import annotations

import gzip
import json
import re
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from feedsum.errors import SourceError
from feedsum.model import Length, Summary, SummarySettings
from feedsum.sources.jsonl import json_object
from feedsum.summarize import summarize
from feedsum.text import clean, sentences_of

ROUGE_TYPES = ("rouge1", "rouge2", "rougeLsum")
#: "ref" asks for as many sentences as the item's reference has.
LengthSpec = Length | Literal["ref"]


@dataclass(frozen=True, slots=True, kw_only=True)
class EvalItem:
    """One article with its reference summary, cleaned and split like a feed's."""

    id: str
    paragraphs: tuple[str, ...]
    #: The reference summary, one sentence per element.
    reference: tuple[str, ...]
    title: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AlgorithmResult:
    """Mean scores (F1 x 100) and costs of one algorithm over a data set."""

    algorithm: str
    rouge1: float
    rouge2: float
    rougeLsum: float  # the metric's own name, as in the JSON output
    ms_mean: float
    ms_median: float
    words_mean: float
    #: Each item's (ROUGE-1, ROUGE-2, ROUGE-Lsum), in item order: for paired comparisons.
    per_item: tuple[tuple[float, float, float], ...] = ()


def reference_sentences(reference: str, language: str = "english") -> tuple[str, ...]:
    """Highlights one per line stay as they are; running text is split into sentences."""
    lines = tuple(line.strip() for line in reference.splitlines() if line.strip())
    return lines if len(lines) > 1 else sentences_of(clean(reference), language)


def parse_item(line: str, origin: str, number: int, language: str = "english") -> EvalItem:
    """One JSON Lines row as an EvalItem; errors name the file and line."""
    data = json_object(line, origin, number)
    for key in ("text", "reference"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise SourceError(origin, f"no {key!r} string; every item needs one", number)
    title = data.get("title")
    paragraphs = clean(data["text"])
    if not paragraphs:
        raise SourceError(origin, "no article text left after cleaning", number)
    return EvalItem(
        id=str(data.get("id", number)),
        paragraphs=paragraphs,
        reference=reference_sentences(data["reference"], language),
        title=title if isinstance(title, str) and title.strip() else None,
    )


def load_items(path: Path, language: str = "english") -> tuple[list[EvalItem], list[SourceError]]:
    """Every good item of a JSON Lines file (gzip-compressed when its name ends
    in .gz), and an error for each bad line."""
    items: list[EvalItem] = []
    errors: list[SourceError] = []
    with (
        gzip.open(path, "rt", encoding="utf-8-sig")
        if path.suffix == ".gz"
        else path.open(encoding="utf-8-sig")
    ) as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                items.append(parse_item(line, str(path), number, language))
            except SourceError as error:
                errors.append(error)
    return items, errors


def length_for(item: EvalItem, spec: LengthSpec) -> Length:
    if spec == "ref":
        return Length(kind="sentences", value=max(1, len(item.reference)))
    return spec


class _UnicodeWords:
    """ROUGE's tokens for languages other than English: rouge_score's own tokenizer
    keeps only a-z and 0-9, which would erase accented, Greek or Cyrillic words.
    Lowercased runs of letters and digits (each CJK character a token), unstemmed."""

    def tokenize(self, text: str) -> list[str]:
        return _UNICODE_TOKEN.findall(text.lower())


_UNICODE_TOKEN = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uac00-\ud7af]|[^\W_]+")


def _scorer(language: str = "english") -> Any:
    from rouge_score import rouge_scorer  # heavy, and only eval needs it

    if language == "english":  # as before: Porter stemming, its own tokenizer
        return rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=True)
    return rouge_scorer.RougeScorer(list(ROUGE_TYPES), tokenizer=_UnicodeWords())


def score(reference: Sequence[str], summary: Sequence[str], scorer: Any = None) -> dict[str, float]:
    """ROUGE F1 x 100 of one summary; Lsum reads one sentence per line."""
    scores = (scorer or _scorer()).score("\n".join(reference), "\n".join(summary))
    return {name: 100 * scores[name].fmeasure for name in ROUGE_TYPES}


def evaluate(
    items: Sequence[EvalItem],
    algorithms: Iterable[str],
    spec: LengthSpec,
    tick: Callable[[], None] = lambda: None,
    language: str = "english",
) -> list[AlgorithmResult]:
    """Score every algorithm on every item; `tick` is called three times per item
    and algorithm (its untimed summary, its timed one, its score), so that a
    progress bar moves as steadily as the work. `language` is a name of
    `feedsum.languages` (or its NEUTRAL), as `SummarySettings.language` takes it."""
    scorer = _scorer(language)
    results = []
    for algorithm in algorithms:
        settings = [
            SummarySettings(algorithm=algorithm, length=length_for(item, spec), language=language)
            for item in items
        ]
        # An untimed pass first: it loads the summarizer and fills the memos that
        # every algorithm shares (words, stems, sentence boundaries), as the first
        # few hundred articles of a long build do. Timed on a second pass, no
        # algorithm's figure depends on which ran before it.
        for item, each in zip(items, settings, strict=True):
            summarize(item.paragraphs, each, item.title)
            tick()
        times_ms: list[float] = []
        summaries = []
        # Every summary first, then every score: timed between scorings, a summary
        # would also pay for the garbage the ROUGE scorer leaves behind.
        for item, each in zip(items, settings, strict=True):
            started = time.perf_counter()
            summaries.append(summarize(item.paragraphs, each, item.title))
            times_ms.append(1000 * (time.perf_counter() - started))
            tick()
        results.append(score_summaries(algorithm, items, summaries, times_ms, scorer, tick))
    return results


def score_summaries(
    algorithm: str,
    items: Sequence[EvalItem],
    summaries: Sequence[Summary],
    times_ms: Sequence[float] = (),
    scorer: Any = None,
    tick: Callable[[], None] = lambda: None,
) -> AlgorithmResult:
    """The scores of one algorithm's summaries of these items (in item order)."""
    scorer = scorer or _scorer()
    totals = dict.fromkeys(ROUGE_TYPES, 0.0)
    words: list[int] = []
    per_item = []
    for item, summary in zip(items, summaries, strict=True):
        words.append(sum(len(s.split()) for s in summary.sentences))
        scored = score(item.reference, summary.sentences, scorer)
        for name, value in scored.items():
            totals[name] += value
        per_item.append((scored["rouge1"], scored["rouge2"], scored["rougeLsum"]))
        tick()
    n = max(1, len(items))
    return AlgorithmResult(
        algorithm=algorithm,
        rouge1=totals["rouge1"] / n,
        rouge2=totals["rouge2"] / n,
        rougeLsum=totals["rougeLsum"] / n,
        ms_mean=statistics.fmean(times_ms) if times_ms else 0.0,
        ms_median=statistics.median(times_ms) if times_ms else 0.0,
        words_mean=statistics.fmean(words) if words else 0.0,
        per_item=tuple(per_item),
    )


def to_json(dataset: str, items: int, spec: LengthSpec, results: Sequence[AlgorithmResult]) -> str:
    return json.dumps(
        {
            "dataset": dataset,
            "items": items,
            "length": "ref" if spec == "ref" else str(spec),
            "results": [
                {
                    "algorithm": r.algorithm,
                    "rouge1": round(r.rouge1, 2),
                    "rouge2": round(r.rouge2, 2),
                    "rougeLsum": round(r.rougeLsum, 2),
                    "ms_mean": round(r.ms_mean, 3),
                    "ms_median": round(r.ms_median, 3),
                    "words_mean": round(r.words_mean, 1),
                }
                for r in results
            ],
        },
        indent=2,
    )


def to_table(results: Sequence[AlgorithmResult], markdown: bool = False) -> str:
    """The results as a text table (or a Markdown one), best ROUGE-1 first."""
    head = ("algorithm", "ROUGE-1", "ROUGE-2", "ROUGE-Lsum", "ms mean", "ms median", "words")
    rows = [
        (
            r.algorithm,
            f"{r.rouge1:.2f}",
            f"{r.rouge2:.2f}",
            f"{r.rougeLsum:.2f}",
            f"{r.ms_mean:.2f}",
            f"{r.ms_median:.2f}",
            f"{r.words_mean:.1f}",
        )
        for r in sorted(results, key=lambda r: -r.rouge1)
    ]
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join(lines)
    widths = [max(len(x) for x in column) for column in zip(head, *rows, strict=True)]
    fmt = "  ".join(f"{{:<{w}}}" if i == 0 else f"{{:>{w}}}" for i, w in enumerate(widths))
    return "\n".join(fmt.format(*row) for row in (head, *rows))
