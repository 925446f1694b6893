"""Quick out-of-fold comparison of NewsRank variants on the training files only.

Usage: python bench/cv.py [--rebuild]

`make fit`'s procedure, then each training example summarized by the model
fitted without its fold, as `make eval` does, in about a minute.

Not `make eval`: the fast ROUGE of bench/fit.py (rouge-score's tokens counted
directly), on the examples `make fit` fits on, the CNN/DailyMail articles left
out of fitting (their summary is the whole article) counting as no gain. Prints,
per variant, the CNN/DailyMail out-of-fold gain over Lead-3 (ROUGE-1, ROUGE-2)
and the BBC out-of-fold ROUGE-1. Never reads the dev sets.
"""

from __future__ import annotations

import pickle
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import fit

from feedsum.newsrank import scores, select

#: The loaded examples, reused between runs: pass --rebuild after a feature change.
CACHE = Path(__file__).resolve().parents[1] / "build" / "cv-examples.pkl"
CNN_ITEMS = 197 + 659  #: every CNN/DailyMail training article, fitted on or not


def rouge_pair(example: fit.Example, chosen: Sequence[int]) -> tuple[float, float]:
    """ROUGE-1 and ROUGE-2 F1 (x100) of these sentences, in article order."""
    tokens = [t for i in sorted(chosen) for t in example.tokens[i]]
    ones, twos = fit._grams(tokens)
    want1, want2 = example.reference
    r1 = fit._f1(sum((ones & want1).values()), len(tokens), sum(want1.values()))
    r2 = fit._f1(sum((twos & want2).values()), max(0, len(tokens) - 1), sum(want2.values()))
    return 100 * r1, 100 * r2


def examples(rebuild: bool = False) -> list[fit.Example]:
    if CACHE.is_file() and not rebuild:
        with CACHE.open("rb") as f:
            loaded: list[fit.Example] = pickle.load(f)
            return loaded
    start = time.time()
    out = fit.training_examples([(fit.DATA / n, s) for n, s in fit.TRAINING])
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    with CACHE.open("wb") as f:
        pickle.dump(out, f)
    print(f"loaded {len(out)} examples in {time.time() - start:.0f}s")
    return out


def report(label: str, data: Sequence[fit.Example], chosen: Sequence[Sequence[int]]) -> None:
    cnn = [(e, c) for e, c in zip(data, chosen, strict=True) if e.dataset.startswith("cnndm")]
    bbc = [(e, c) for e, c in zip(data, chosen, strict=True) if e.dataset.startswith("bbc")]
    gain = np.array([np.subtract(rouge_pair(e, c), rouge_pair(e, [0, 1, 2])) for e, c in cnn])
    g1, g2 = gain.sum(axis=0) / CNN_ITEMS
    short = np.array([len(e.tokens) < 15 for e, _ in cnn])
    s1, s2 = gain[short].mean(axis=0) if short.any() else (0.0, 0.0)
    b1 = np.mean([rouge_pair(e, c)[0] for e, c in bbc]) if bbc else 0.0
    print(
        f"{label:<40} CNN R1 {g1:+.2f} R2 {g2:+.2f} | short({short.sum()}) "
        f"{s1:+.2f}/{s2:+.2f} | BBC R1 {b1:.2f}",
        flush=True,
    )


def out_of_fold(data: Sequence[fit.Example]) -> list[list[int]]:
    """Each example's chosen set as `make eval` gets it: `make fit`'s model, its
    weights refitted without the example's fold."""
    model, _ = fit.fit(data)
    folds, models = fit.fold_models(data, fit.FOLDS, fit.SEED, model)
    return [
        select(e.features, scores(e.features, models[g], e.count), e.count, models[g])
        for e, g in zip(data, folds, strict=True)
    ]


def main() -> int:
    data = examples("--rebuild" in sys.argv)
    report("make fit, out of fold", data, out_of_fold(data))
    return 0


if __name__ == "__main__":
    sys.exit(main())
