"""`make bench`: feedsum's performance figures, as ratios to floors from the same run.

Usage: python bench/run.py [--articles N] [--keep]
Results are printed as a table and saved as JSON under bench/results/.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # noqa: E402
import cron  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000, help="synthetic corpus size")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="feedsum-bench-"))
    started = time.perf_counter()
    try:
        feeds = corpus.write_corpus(work, args.articles)
        figures = {"cron": cron.measure(feeds, work, args.articles)}
    finally:
        if args.keep:
            print(f"work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(cron.report(figures["cron"]))
    missed = cron.met(figures["cron"])
    for line in missed:
        print(f"  MISSED: {line}")
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    saved = RESULTS / f"bench-{stamp}.json"
    meta = {"when": stamp, "python": platform.python_version(), "cpus": len(__import__("os").sched_getaffinity(0))}
    saved.write_text(json.dumps({"meta": meta, **figures}, indent=2) + "\n")
    print(f"saved {saved.relative_to(Path.cwd()) if saved.is_relative_to(Path.cwd()) else saved}"
          f" ({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
