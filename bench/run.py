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
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus
import cron

RESULTS = Path(__file__).resolve().parent / "results"


def main() -> int:
    parser = argparse.ArgumentParser(description="feedsum's performance figures")
    parser.add_argument("--articles", type=int, default=10_000, help="synthetic corpus size")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()

    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="feedsum-bench-"))
    try:
        feeds = corpus.write_corpus(work, args.articles)
        figures = {"cron": cron.measure(feeds, work, args.articles)}
    finally:
        if args.keep:
            print(f"work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    print(cron.report(figures["cron"]))
    for line in cron.missed(figures["cron"]):
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
