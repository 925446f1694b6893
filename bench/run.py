"""`make bench`: feedsum's performance figures, as ratios to floors from the same run.

Usage: python bench/run.py [--articles N] [--keep]
Prints a table and saves the figures as JSON under bench/results/ (git-ignored).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import algorithms
import corpus
import cron
import feedwrite
import languages

RESULTS = Path(__file__).resolve().parent / "results"
Section = tuple[str, Callable[[dict[str, Any]], str], Callable[[dict[str, Any]], list[str]]]
SECTIONS: tuple[Section, ...] = (
    ("algorithms", algorithms.report, algorithms.missed),
    ("languages", languages.report, languages.missed),
    ("feed_writing", feedwrite.report, feedwrite.missed),
    ("cron", cron.report, cron.missed),
)  # printed in this order


def main() -> int:
    parser = argparse.ArgumentParser(description="feedsum's performance figures")
    parser.add_argument("--articles", type=int, default=10_000, help="synthetic corpus size")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()

    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="feedsum-bench-"))
    figures: dict[str, Any] = {}
    try:
        # The builds first: a child's peak RSS counts what it was forked from,
        # and the in-process figures grow this process.
        feeds = corpus.write_corpus(work, args.articles)
        figures["cron"] = cron.measure(feeds, work, args.articles)
        name, items = algorithms.load(work)
        figures["algorithms"] = algorithms.measure(name, items, work)
        figures["languages"] = languages.measure()
        articles = [(item.paragraphs, item.title) for item in items]
        figures["feed_writing"] = feedwrite.measure(work, articles)
    finally:
        if args.keep:
            print(f"work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    for key, report, missed in SECTIONS:
        print(report(figures[key]))
        for line in missed(figures[key]):
            print(f"  MISSED: {line}")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    meta = {"when": stamp, "python": platform.python_version(), "cpus": os.cpu_count()}
    RESULTS.mkdir(exist_ok=True)
    saved = RESULTS / f"bench-{stamp}.json"
    saved.write_text(json.dumps({"meta": meta, **figures}, indent=2) + "\n", encoding="utf-8")
    print(f"saved bench/results/{saved.name} ({time.perf_counter() - started:.0f} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
