"""bench/fit.py: refitting NewsRank is deterministic, and its output loads."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import fit

from feedsum.evaluate import LengthSpec
from feedsum.newsrank import FEATURES, Model

FIXTURES = Path(__file__).resolve().parent / "data"
#: Ten articles from each kind of training file: enough to fit on, quick to fit.
FILES: list[tuple[Path, LengthSpec]] = [
    (FIXTURES / "fit-cnndm.jsonl.gz", fit.THREE),
    (FIXTURES / "fit-bbc.jsonl.gz", "ref"),
]


def test_refitting_with_a_fixed_seed_gives_the_same_weights(tmp_path: Path) -> None:
    examples = fit.training_examples(FILES)
    assert {e.dataset for e in examples} == {"fit-cnndm.jsonl.gz", "fit-bbc.jsonl.gz"}
    first, objective = fit.fit(examples, k=3, seed=7)
    again, repeated = fit.fit(fit.training_examples(FILES), k=3, seed=7)
    assert first == again and objective == repeated
    assert any(first.base) and any(first.by_share)  # it learned something

    out = tmp_path / "model.json"
    argv = [f"{FIXTURES / 'fit-cnndm.jsonl.gz'}:3", f"{FIXTURES / 'fit-bbc.jsonl.gz'}:ref"]
    assert fit.main([*argv, "--folds", "3", "--seed", "7", "--out", str(out)]) == 0
    assert Model.from_json(json.loads(out.read_text(encoding="utf-8"))) == first


def test_oracle_labels_are_the_sentences_that_raise_rouge() -> None:
    example = fit.training_examples(FILES[:1])[0]
    chosen = fit.oracle(example)
    assert 1 <= len(chosen) <= example.count
    assert example.labels.sum() == len(chosen)
    # Each oracle sentence raises the score of the ones before it.
    for k in range(1, len(chosen)):
        assert fit.rouge12(example, chosen[: k + 1]) > fit.rouge12(example, chosen[:k])


def test_folds_deal_each_data_set_out_evenly() -> None:
    examples = fit.training_examples(FILES)
    folds = fit.folds_of(examples, 3, seed=1)
    for name in {e.dataset for e in examples}:
        mine = folds[[e.dataset == name for e in examples]]
        counts = np.bincount(mine, minlength=3)
        assert counts.max() - counts.min() <= 1
    assert len(fit.design(examples[0])[0]) == 2 * len(FEATURES)


def test_the_listwise_objective_ranks_the_oracles_sentences_first() -> None:
    examples = fit.training_examples(FILES)
    base, by_share = fit.fit_weights(examples, listwise=True)
    hits = []
    for example in examples:
        if not example.labels.any():
            continue
        rated = fit.design(example) @ np.concatenate((base, by_share))
        top = np.argsort(-rated, kind="stable")[: int(example.labels.sum())]
        hits.append(example.labels[top].mean())
    # Far better than chance (the oracle's share of the sentences).
    assert np.mean(hits) > 0.5
    again = fit.fit_weights(examples, listwise=True)
    assert np.array_equal(again[0], base) and np.array_equal(again[1], by_share)
