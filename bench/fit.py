"""`make fit`: learn NewsRank's weights from the training sets -> src/feedsum/newsrank.json.

Usage: python bench/fit.py [--folds K] [--seed S] [--out PATH] [DATASET[:N|ref] ...]

The protocol (docs/quality.md): only the training files are read, never the
dev sets. Each article is cut into sentences and features exactly as a build
does (`feedsum.summarize`, `NewsRankSummarizer.features`). Its label is the
greedy oracle: the sentences that, added one by one, most raise ROUGE-1 +
ROUGE-2 F1 of the set against the reference, as many as the summary keeps.

Two regimes are fitted apart: ledes, summaries keeping under LEDE_SHARE of
the article's sentences (3 of a long CNN/DailyMail story), and digests, the
rest (a BBC reference's share, a short story's 3 sentences). In each, every
article weighs the same.

1. A logistic model of the oracle's choice on the features and the features
   times the share kept, fitted by Newton's method with an L2 penalty (numpy
   only; deterministic): for ledes listwise (which of an article's sentences
   the oracle picks, a softmax over the article), for digests pointwise ("this
   sentence is in the oracle set").
2. K-fold cross-validation over articles (folds drawn with a fixed seed, per
   data set): each article is scored by the model fitted on the other folds,
   and the selection constants (redundancy, length, lead margin, dangling
   penalty, candidates) are chosen on a small grid by the mean out-of-fold
   ROUGE-1 + ROUGE-2 of the chosen sets; then the digest's `lead_count`, up
   to which a short story's summary is its opening sentences, likewise.
3. The model is refitted on every article of the regime and written with
   those constants; the digest's model nests in the lede's.

ROUGE here is rouge-score's tokens (Porter stemming) counted directly, fast
enough to score the sets of a grid; `make eval` scores with rouge-score itself.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import numpy as np

from feedsum.evaluate import EvalItem, LengthSpec, length_for, load_items
from feedsum.model import Length, SummarySettings
from feedsum.newsrank import (
    FEATURES,
    Features,
    Model,
    NewsRankSummarizer,
    scores,
    select,
    share_of,
)
from feedsum.summarize import (
    _summarizer,
    document,
    first_sentences,
    split_paragraphs,
)
from feedsum.text import Tokenizer, words_of

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
OUT = ROOT / "src" / "feedsum" / "newsrank.json"
THREE = Length(kind="sentences", value=3)
#: The training files and the summary length each is fitted for; never the dev sets.
TRAINING: tuple[tuple[str, LengthSpec], ...] = (
    ("cnndm-train.jsonl.gz", THREE),
    ("cnndm-validation.jsonl.gz", THREE),
    ("bbc-train.jsonl.gz", "ref"),
)
FOLDS = 5
SEED = 20261202
L2 = 30.0  #: penalty on the standardized weights (out-of-fold, 30 did better than 1)
#: Below this share of the sentences kept, a summary is a lede (out-of-fold,
#: 0.3 and 0.35 did alike, 0.4 worse: it lets the shortest BBC digests in).
LEDE_SHARE = 0.3
REGIMES = ("lede", "digest")
#: Regimes fitted with the listwise objective (out-of-fold, it did better than
#: the pointwise one for ledes, worse for digests).
LISTWISE = ("lede",)
#: Short-story lengths tried for the digest's `lead_count` (see `choose_lead_count`).
LEAD_COUNTS = (0, 1, 2, 3, 4, 5)
#: The selection constants' grid; the first value of each is the fallback.
GRID: dict[str, tuple[float, ...]] = {
    "redundancy": (0.5, 0.0, 1.0, 2.0, 3.0, 4.0),
    "length_weight": (1.0, 0.0, 0.5, 2.0, 4.0, 8.0),
    "sentence_words": (17.0, 14.0, 20.0),
    # No zero: the opening sentence stays unless another set wins by a margin.
    "lead_margin": (1.0, 0.25, 0.5, 2.0),
    "dangling_penalty": (1.0, 0.5, 2.0),
    "extra_candidates": (3, 2, 4, 5, 6),
}

Grams = tuple[Counter[str], Counter[tuple[str, str]], int]


@dataclass(frozen=True, slots=True)
class Example:
    """One training article, ready to fit on: features, sentence tokens, labels."""

    dataset: str
    id: str
    count: int  #: sentences the summary keeps
    features: Features
    #: Each sentence's rouge-score tokens.
    tokens: tuple[tuple[str, ...], ...]
    reference: tuple[Counter[str], Counter[tuple[str, str]]]
    labels: np.ndarray  #: 1.0 for the oracle's sentences


@cache
def _rouge_tokenizer() -> object:
    from nltk.stem import porter

    class Stemmer:
        """rouge-score's Porter stemmer, each word stemmed once."""

        stem = staticmethod(cache(porter.PorterStemmer("ORIGINAL_ALGORITHM").stem))

    return Stemmer()


def rouge_tokens(text: str) -> tuple[str, ...]:
    """rouge-score's tokens for `text` (lower case, alphanumerics, Porter stems)."""
    from rouge_score import tokenize

    return tuple(tokenize.tokenize(text, _rouge_tokenizer()))


def _grams(tokens: Sequence[str]) -> tuple[Counter[str], Counter[tuple[str, str]]]:
    return Counter(tokens), Counter(itertools.pairwise(tokens))


def _f1(overlap: int, found: int, wanted: int) -> float:
    if not overlap:
        return 0.0
    precision, recall = overlap / found, overlap / wanted
    return 2 * precision * recall / (precision + recall)


def rouge12(example: Example, chosen: Sequence[int]) -> float:
    """ROUGE-1 + ROUGE-2 F1 (x100) of these sentences, in article order."""
    tokens = [t for i in sorted(chosen) for t in example.tokens[i]]
    ones, twos = _grams(tokens)
    want1, want2 = example.reference
    r1 = _f1(sum((ones & want1).values()), len(tokens), sum(want1.values()))
    r2 = _f1(sum((twos & want2).values()), max(0, len(tokens) - 1), sum(want2.values()))
    return 100 * (r1 + r2)


def oracle(example: Example, full: bool = False) -> list[int]:
    """Greedy oracle: add the sentence that most raises ROUGE-1 + ROUGE-2, up to
    `count` sentences, stopping when none raises it (unless `full`)."""
    chosen: list[int] = []
    best = -1.0 if full else 0.0
    for _ in range(example.count):
        gains = [
            (rouge12(example, [*chosen, i]), -i)
            for i in range(len(example.tokens))
            if i not in chosen
        ]
        value, negative = max(gains)
        if value <= best and not full:
            break
        chosen.append(-negative)
        best = value
    return chosen


def load_examples(name: str, items: Sequence[EvalItem], spec: LengthSpec) -> list[Example]:
    """Training examples of these items, cut and featured as a build would; an
    article that is its own summary teaches nothing and is left out."""
    settings = SummarySettings()
    summarizer = _summarizer("newsrank", settings.language)
    assert isinstance(summarizer, NewsRankSummarizer)
    examples = []
    for item in items:
        split = first_sentences(split_paragraphs(item.paragraphs), settings.max_sentences)
        sentences = [s for group in split for s in group]
        count = length_for(item, spec).take([len(s.split()) for s in sentences])
        if count >= len(sentences):
            continue
        doc = document(split, Tokenizer(settings.language, words_of(sentences)), item.title)
        reference = rouge_tokens("\n".join(item.reference))
        example = Example(
            dataset=name,
            id=item.id,
            count=count,
            features=summarizer.features(doc),
            tokens=tuple(rouge_tokens(s) for s in sentences),
            reference=_grams(reference),
            labels=np.zeros(len(sentences)),
        )
        example.labels[oracle(example)] = 1.0
        examples.append(example)
    return examples


def design(example: Example) -> np.ndarray:
    """The logistic model's inputs: the features, then the features times the share."""
    share = share_of(example.count, len(example.tokens))
    matrix = example.features.matrix
    return np.hstack((matrix, share * matrix))


def fit_weights(
    examples: Sequence[Example], l2: float = L2, listwise: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Logistic regression of the labels (Newton's method, L2 on standardized
    weights), each data set weighing the same in all; returns the (base,
    by_share) weights on the raw features (zeros when there is nothing to fit on).

    Pointwise: "this sentence is in the oracle set", every sentence a case, with
    an unpenalized intercept. `listwise`: which of its article's sentences the
    oracle picks, a softmax over each article's sentences (conditional logit;
    the oracle's sentences share the target), every article weighing the same:
    only the ranking within an article is learned, which is all selection uses.
    """
    if not examples:
        return np.zeros(len(FEATURES)), np.zeros(len(FEATURES))
    x = np.vstack([design(e) for e in examples])
    y = np.concatenate([e.labels for e in examples])
    sets = sorted({e.dataset for e in examples})
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    z = (x - mean) / scale
    if listwise:
        beta = _fit_listwise(examples, z, y, sets, l2)
    else:
        sizes = {name: sum(len(e.labels) for e in examples if e.dataset == name) for name in sets}
        weight = np.concatenate(
            [np.full(len(e.labels), len(y) / (len(sets) * sizes[e.dataset])) for e in examples]
        )
        beta = _fit_pointwise(np.hstack((np.ones((len(x), 1)), z)), y, weight, l2)[1:]
    raw = beta / scale  # an intercept shifts every sentence alike: not needed to rank
    d = len(FEATURES)
    return raw[:d], raw[d:]


def _fit_pointwise(z: np.ndarray, y: np.ndarray, weight: np.ndarray, l2: float) -> np.ndarray:
    """Weighted logistic regression; the first column, the intercept, unpenalized."""
    penalty = np.full(z.shape[1], l2)
    penalty[0] = 0.0
    beta = np.zeros(z.shape[1])
    for _ in range(50):
        p = 1 / (1 + np.exp(-(z @ beta)))
        gradient = z.T @ (weight * (p - y)) + penalty * beta
        hessian = (z * (weight * p * (1 - p))[:, None]).T @ z + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-10:
            break
    return beta


def _fit_listwise(
    examples: Sequence[Example], z: np.ndarray, y: np.ndarray, sets: Sequence[str], l2: float
) -> np.ndarray:
    """Conditional logit: per article, a softmax of the scores against the oracle's
    sentences (each 1 / their number); articles without one are left out."""
    lengths = np.array([len(e.labels) for e in examples])
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    article = np.repeat(np.arange(len(examples)), lengths)
    picked = np.add.reduceat(y, starts)
    target = y / np.maximum(picked, 1)[article]
    counts = {name: sum(e.dataset == name for e in examples) for name in sets}
    weight = np.array([len(examples) / (len(sets) * counts[e.dataset]) for e in examples])
    weight[picked == 0] = 0.0
    penalty = np.full(z.shape[1], l2)
    beta = np.zeros(z.shape[1])
    for _ in range(50):
        s = z @ beta
        s -= np.maximum.reduceat(s, starts)[article]
        e = np.exp(s)
        p = e / np.add.reduceat(e, starts)[article]
        w = weight[article]
        gradient = z.T @ (w * (p - target)) + penalty * beta
        mean = np.add.reduceat(z * p[:, None], starts)  # articles x features
        hessian = (z * (w * p)[:, None]).T @ z - (mean * weight[:, None]).T @ mean
        step = np.linalg.solve(hessian + np.diag(penalty), gradient)
        beta -= step
        if np.abs(step).max() < 1e-10:
            break
    return beta


def folds_of(examples: Sequence[Example], k: int, seed: int) -> np.ndarray:
    """Each example's fold: a seeded permutation within each data set, dealt out."""
    fold = np.zeros(len(examples), dtype=int)
    rng = np.random.default_rng(seed)
    for name in sorted({e.dataset for e in examples}):
        where = np.array([i for i, e in enumerate(examples) if e.dataset == name])
        fold[where[rng.permutation(len(where))]] = np.arange(len(where)) % k
    return fold


def model_of(weights: tuple[np.ndarray, np.ndarray], **selection: float) -> Model:
    base, by_share = weights
    return Model(
        base=tuple(round(float(w), 6) for w in base),
        by_share=tuple(round(float(w), 6) for w in by_share),
        **selection,  # type: ignore[arg-type]
    )


def regime_of(example: Example) -> str:
    """The regime of a summary: a lede keeps under LEDE_SHARE of the sentences."""
    return "lede" if share_of(example.count, len(example.tokens)) < LEDE_SHARE else "digest"


def regimes(examples: Sequence[Example]) -> dict[str, tuple[list[int], list[Example]]]:
    """Per regime, the positions of its examples and the examples, relabelled
    with the regime's name so that each of its articles weighs the same."""
    out: dict[str, tuple[list[int], list[Example]]] = {}
    for name in REGIMES:
        where = [i for i, e in enumerate(examples) if regime_of(e) == name]
        out[name] = (where, [replace(examples[i], dataset=name) for i in where])
    return out


def _weights_by_fold(
    examples: Sequence[Example], fold: np.ndarray, k: int, listwise: bool = False
) -> list[tuple[np.ndarray, np.ndarray]]:
    return [
        fit_weights([e for e, g in zip(examples, fold, strict=True) if g != f], listwise=listwise)
        for f in range(k)
    ]


def _with_weights(template: Model, weights: tuple[np.ndarray, np.ndarray]) -> Model:
    fitted = model_of(weights)
    return replace(template, base=fitted.base, by_share=fitted.by_share)


def fold_models(
    examples: Sequence[Example], k: int, seed: int, template: Model
) -> tuple[np.ndarray, list[Model]]:
    """Each example's fold, and per fold the model fitted on the other folds
    (each regime's weights on its own examples; `template`'s selection constants)."""
    fold = folds_of(examples, k, seed)
    parts = regimes(examples)
    lede, digest = (
        _weights_by_fold(parts[name][1], fold[parts[name][0]], k, name in LISTWISE)
        for name in REGIMES
    )
    inner = template.digest or template
    models = [
        replace(
            _with_weights(template, lede[f]),
            lede_share=LEDE_SHARE,
            digest=_with_weights(replace(inner, digest=None), digest[f]),
        )
        for f in range(k)
    ]
    return fold, models


def objective(examples: Sequence[Example], rated: Sequence[np.ndarray], model: Model) -> float:
    """Mean ROUGE-1 + ROUGE-2 of the chosen sets, each data set weighing the same."""
    by_set: dict[str, list[float]] = {}
    for example, each in zip(examples, rated, strict=True):
        chosen = select(example.features, each, example.count, model)
        by_set.setdefault(example.dataset, []).append(rouge12(example, chosen))
    return float(np.mean([np.mean(v) for v in by_set.values()]))


def choose_selection(
    examples: Sequence[Example], fold: np.ndarray, models: Sequence[Model]
) -> tuple[dict[str, float], float]:
    """The grid point with the best out-of-fold objective, coordinate by
    coordinate (two sweeps), from the grid's first values."""
    rated = [scores(e.features, models[g], e.count) for e, g in zip(examples, fold, strict=True)]
    current = {name: values[0] for name, values in GRID.items()}
    best = objective(examples, rated, replace(models[0], **current))  # type: ignore[arg-type]
    for _, name in itertools.product(range(2), GRID):
        for value in GRID[name]:
            trial = {**current, name: value}
            found = objective(examples, rated, replace(models[0], **trial))  # type: ignore[arg-type]
            if found > best + 1e-9:
                best, current = found, trial
    return current, best


def choose_lead_count(
    examples: Sequence[Example], fold: np.ndarray, models: Sequence[Model]
) -> tuple[int, float]:
    """The digest's `lead_count` with the best out-of-fold objective (the first
    of LEAD_COUNTS on a tie), each source data set weighing the same (see
    `source_of`): else the many BBC digests would decide for the few short
    CNN/DailyMail stories this choice is about. (With each training file
    weighing the same, cnndm-train's ten short stories tipped it to 0: out of
    fold, 3 gains +2.3 ROUGE-1 and +1.2 ROUGE-2 on the 62 short CNN/DailyMail
    stories and costs 0.7 ROUGE-1 on all of BBC, from its 36 shortest.)"""
    examples = [replace(e, dataset=source_of(e.dataset)) for e in examples]
    rated = [scores(e.features, models[g], e.count) for e, g in zip(examples, fold, strict=True)]
    best, value = 0, -1.0
    for count in LEAD_COUNTS:
        found = objective(examples, rated, replace(models[0], lead_count=count))
        if found > value + 1e-9:
            best, value = count, found
    return best, value


def source_of(name: str) -> str:
    """The data set a training file samples: `cnndm` for cnndm-train.jsonl.gz and
    cnndm-validation.jsonl.gz (two splits of CNN/DailyMail), `bbc` for bbc-train."""
    return re.sub(r"-(?:train|validation)$", "", name.split(".")[0])


def fit(
    examples: Sequence[Example], k: int = FOLDS, seed: int = SEED
) -> tuple[Model, dict[str, float]]:
    """The model to ship (the lede's, the digest's nested in it), and each
    regime's out-of-fold objective."""
    fold = folds_of(examples, k, seed)
    fitted: dict[str, Model] = {}
    best: dict[str, float] = {}
    for name, (where, chosen) in regimes(examples).items():
        listwise = name in LISTWISE
        template = model_of(fit_weights(chosen, listwise=listwise))
        weights = _weights_by_fold(chosen, fold[where], k, listwise)
        models = [_with_weights(template, w) for w in weights]
        if chosen:
            selection, best[name] = choose_selection(chosen, fold[where], models)
            template = replace(template, **selection)  # type: ignore[arg-type]
            if name == "digest":
                models = [replace(m, **selection) for m in models]  # type: ignore[arg-type]
                own = [examples[i] for i in where]
                lead_count, _ = choose_lead_count(own, fold[where], models)
                template = replace(template, lead_count=lead_count)
        fitted[name] = template
    return replace(fitted["lede"], lede_share=LEDE_SHARE, digest=fitted["digest"]), best


def training_examples(
    files: Sequence[tuple[Path, LengthSpec]],
) -> list[Example]:
    examples: list[Example] = []
    for path, spec in files:
        items, errors = load_items(path)
        if errors:
            print(f"{path.name}: {len(errors)} bad lines skipped", file=sys.stderr)
        examples += load_examples(path.name, items, spec)
    return examples


def parse_file(text: str) -> tuple[Path, LengthSpec]:
    """DATASET[:N|ref]: a JSON Lines file and its summary length (3 by default)."""
    path, _, length = text.partition(":")
    if length == "ref":
        return Path(path), "ref"
    return Path(path), Length(kind="sentences", value=int(length or 3))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="fit NewsRank's weights")
    parser.add_argument("files", nargs="*", help="DATASET[:N|ref]; default: the training sets")
    parser.add_argument("--folds", type=int, default=FOLDS)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    files = [parse_file(f) for f in args.files] or [(DATA / n, s) for n, s in TRAINING]
    missing = [str(p) for p, _ in files if not p.is_file()]
    if missing:
        print(f"missing training data: {', '.join(missing)}", file=sys.stderr)
        return 2
    examples = training_examples(files)
    model, best = fit(examples, args.folds, args.seed)
    print(f"{len(examples)} articles, {args.folds} folds; lede: share kept < {LEDE_SHARE}")
    for name, each in (("lede", model), ("digest", model.digest or model)):
        count = sum(regime_of(e) == name for e in examples)
        print(f"{name}: {count} articles, out-of-fold R1+R2 {best.get(name, 0.0):.3f}")
        for feature, base, by_share in zip(FEATURES, each.base, each.by_share, strict=True):
            print(f"  {feature:<16} {base:+9.4f} {by_share:+9.4f}")
        print("  " + ", ".join(f"{n} = {getattr(each, n)}" for n in (*GRID, "lead_count")))
    data = {**model.to_json(), "folds": args.folds, "seed": args.seed}
    data["fitted_on"] = [p.name for p, _ in files]
    args.out.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
