from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from rouge_score import rouge_scorer

from feedsum.cli import cli
from feedsum.evaluate import load_items, reference_sentences
from feedsum.model import Length, SummarySettings
from feedsum.summarize import ALGORITHMS, DEFAULT_ALGORITHM, summarize
from tests.conftest import SHARED

DATA = SHARED / "data"


def fixture_from(name: str, count: int, tmp_path: Path) -> Path:
    """The first `count` items of a dev set, as a small JSON Lines file."""
    source = DATA / name
    if not source.is_file():
        pytest.skip(f"{source} is absent (the shared dev data is not beside this checkout)")
    lines = source.read_text(encoding="utf-8").splitlines()[:count]
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("dataset, length", [("cnndm-dev.jsonl", "3"), ("bbc-dev.jsonl", "ref")])
def test_eval_matches_rouge_score_called_directly(
    tmp_path: Path, dataset: str, length: str
) -> None:
    path = fixture_from(dataset, 6, tmp_path)
    result = CliRunner().invoke(
        cli, ["eval", str(path), "-a", "lead", "-a", "textrank", "-n", length, "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["items"] == 6 and report["dataset"] == dataset
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeLsum"], use_stemmer=True)
    items, _ = load_items(path)
    for row in report["results"]:
        totals = {"rouge1": 0.0, "rouge2": 0.0, "rougeLsum": 0.0}
        words = 0
        for item in items:
            count = len(item.reference) if length == "ref" else int(length)
            settings = SummarySettings(algorithm=row["algorithm"], length=Length(value=count))
            chosen = summarize(item.paragraphs, settings, item.title).sentences
            scores = scorer.score("\n".join(item.reference), "\n".join(chosen))
            for name in totals:
                totals[name] += 100 * scores[name].fmeasure
            words += sum(len(s.split()) for s in chosen)
        for name, total in totals.items():
            assert row[name] == pytest.approx(total / len(items), abs=0.006)
        assert row["words_mean"] == pytest.approx(words / len(items), abs=0.06)
        assert row["ms_mean"] > 0 and row["ms_median"] > 0


def test_eval_table_lists_every_algorithm(tmp_path: Path) -> None:
    path = fixture_from("cnndm-dev.jsonl", 2, tmp_path)
    result = CliRunner().invoke(cli, ["eval", str(path), "-a", "all"])
    assert result.exit_code == 0, result.output
    table = result.output.splitlines()
    assert table[0] == "cnndm-dev.jsonl: 2 items, length sentences=3"
    assert "ROUGE-1" in table[1]
    assert {line.split()[0] for line in table[2:]} == set(ALGORITHMS)


def test_eval_default_means_the_default(tmp_path: Path) -> None:
    path = fixture_from("cnndm-dev.jsonl", 2, tmp_path)
    result = CliRunner().invoke(cli, ["eval", str(path), "-a", "default", "--json", "-w", "40"])
    report = json.loads(result.output)
    assert [r["algorithm"] for r in report["results"]] == [DEFAULT_ALGORITHM]
    assert report["length"] == "words=40"
    assert report["results"][0]["words_mean"] <= 40 + 60  # one long sentence may exceed


def test_bad_lines_are_named_and_the_rest_scored(tmp_path: Path) -> None:
    path = tmp_path / "mine.jsonl"
    good = {"id": "a", "text": "One thing happened. Then another. And a third.", "reference": "x."}
    path.write_text(
        "\n".join(
            [
                json.dumps(good),
                "{not json",
                json.dumps({"id": "b", "text": "No reference here."}),
                "[1, 2]",
            ]
        )
        + "\n"
    )
    result = CliRunner().invoke(cli, ["eval", str(path), "-a", "lead", "--json"])
    assert result.exit_code == 1
    assert "mine.jsonl:2: not valid JSON" in result.stderr
    assert "mine.jsonl:3: no 'reference' string" in result.stderr
    assert "mine.jsonl:4: not a JSON object" in result.stderr
    assert json.loads(result.stdout)["items"] == 1


def test_reference_sentences() -> None:
    assert reference_sentences("First highlight .\nSecond one .") == (
        "First highlight .",
        "Second one .",
    )
    assert reference_sentences("Mr. Blair spoke. He left.") == ("Mr. Blair spoke.", "He left.")


def test_progress_moves_with_the_work(tmp_path: Path) -> None:
    from time import perf_counter

    from feedsum.evaluate import evaluate

    text = " ".join(f"The council met for meeting {n} and agreed plan {n}." for n in range(40))
    path = tmp_path / "set.jsonl"
    lines = [json.dumps({"id": str(i), "text": text, "reference": "The council met."})
             for i in range(12)]  # fmt: skip
    path.write_text("\n".join(lines) + "\n")
    items, _ = load_items(path)
    started, ticks = perf_counter(), []
    evaluate(items, ["lexrank"], Length(value=3), lambda: ticks.append(perf_counter()))
    assert len(ticks) == 3 * len(items)  # the bar's total, as the CLI sets it
    # No long silence: the bar stalled for two thirds of a run when only the
    # scoring ticked (7% shown for 40 s of a 139 s run).
    gaps = [b - a for a, b in zip([started, *ticks], ticks, strict=False)]
    assert max(gaps) < 0.34 * (ticks[-1] - started)


def test_eval_reads_gzip_json_lines(tmp_path: Path) -> None:
    # A fixture cut from the training data, gzip-compressed as ../shared/data's are.
    packed = Path(__file__).resolve().parent / "data" / "fit-bbc.jsonl.gz"
    plain = tmp_path / "fit-bbc.jsonl"
    with gzip.open(packed, "rt", encoding="utf-8") as lines:
        plain.write_text(lines.read(), encoding="utf-8")
    items, errors = load_items(packed)
    assert not errors and len(items) == 10
    assert items == load_items(plain)[0]
    reports = []
    for path in (packed, plain):
        result = CliRunner().invoke(cli, ["eval", str(path), "-a", "lead", "-n", "ref", "--json"])
        assert result.exit_code == 0, result.output
        report = json.loads(result.output)
        reports.append(
            [{k: v for k, v in r.items() if not k.startswith("ms")} for r in report["results"]]
        )
        assert report["items"] == 10
    assert reports[0] == reports[1] and reports[0][0]["rouge1"] > 0
