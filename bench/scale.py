"""`make bench-scale`: `feedsum archive` on a Dask LocalCluster of 2 workers against
the local process pool (`--jobs 2`) on the same two cores, in one run.

For N in (10,000, 100,000) synthetic articles (JSON Lines, sentences from the
example feed's articles, as bench/corpus.py makes them):

- wall time and articles/s of `archive --jobs 2` and `archive --cluster local:2`,
  and their ratio (target, at the largest N: the cluster >= 0.85 of the pool);
- the driver's CPU seconds (the serial part: reading IN, writing OUT, Dask's
  client side), sampled every 0.2 s;
- peak RSS (VmHWM) of the driver and of each worker process, sampled while they
  run, and the ratio between the two sizes (target, for the cluster's: flat,
  <= 1.2x; the pool's are printed for comparison).

Each run is a fresh `feedsum archive` process; figures are printed and saved as
JSON in bench/results/scale.json. Not a test: minutes, and it uses both cores.
`BENCH_SCALE_SIZES=1000,5000` runs other sizes.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import sentence_pool

ROOT = Path(__file__).resolve().parents[1]
FEEDSUM = [sys.executable, "-m", "feedsum"]
SIZES = tuple(int(n) for n in os.environ.get("BENCH_SCALE_SIZES", "10000,100000").split(","))
THROUGHPUT_TARGET = 0.85
FLAT_TARGET = 1.2


def write_corpus(path: Path, articles: int, seed: int = 20261125) -> None:
    rng = random.Random(seed)
    pool = sentence_pool()
    with path.open("w", encoding="utf-8") as out:
        for i in range(articles):
            paragraphs = [
                " ".join(rng.choice(pool) for _ in range(rng.randint(1, 4)))
                for _ in range(rng.randint(4, 9))
            ]
            out.write(json.dumps({"id": f"a{i}", "text": "\n\n".join(paragraphs)}) + "\n")


def hwm_kb(pid: int) -> int:
    """Peak resident set size of `pid` (kB), 0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def run(args: list[str]) -> dict[str, object]:
    """One `feedsum archive` run: seconds, and each process's peak RSS (MB) by role."""
    started = time.perf_counter()
    process = subprocess.Popen([*FEEDSUM, *args], stderr=subprocess.PIPE, text=True)
    peaks: dict[int, int] = {}
    roles: dict[int, str] = {}
    cpu = [0.0]  # the driver's user + system seconds, as last sampled
    stop = threading.Event()

    def sample() -> None:
        driver = psutil.Process(process.pid)
        while not stop.is_set():
            try:
                children = driver.children(recursive=True)
                times = driver.cpu_times()
                cpu[0] = times.user + times.system
            except psutil.NoSuchProcess:
                break
            for proc in [driver, *children]:
                peaks[proc.pid] = max(peaks.get(proc.pid, 0), hwm_kb(proc.pid))
                if proc.pid not in roles:
                    try:
                        roles[proc.pid] = role(proc, process.pid)
                    except psutil.Error:
                        continue
            stop.wait(0.2)

    sampler = threading.Thread(target=sample)
    sampler.start()
    _, err = process.communicate()
    stop.set()
    sampler.join()
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"feedsum {' '.join(args)} failed ({process.returncode}):\n{err}")
    workers = sorted(
        (round(peaks[pid] / 1024, 1) for pid, r in roles.items() if r == "worker"), reverse=True
    )
    return {
        "seconds": round(seconds, 2),
        "driver_mb": round(peaks.get(process.pid, 0) / 1024, 1),
        "driver_cpu_s": round(cpu[0], 2),
        "workers_mb": workers,
        "summary": err.strip().splitlines()[-1],
    }


def role(proc: psutil.Process, driver: int) -> str:
    """driver, worker (summarizes: a forked --jobs worker, or a Dask worker process,
    which LocalCluster's nannies, running in the driver, spawn), or other
    (multiprocessing's resource tracker or fork server)."""
    if proc.pid == driver:
        return "driver"
    line = " ".join(proc.cmdline())
    if "resource_tracker" in line or "forkserver" in line:
        return "other"
    return "worker"


def main() -> int:
    results: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory(prefix="feedsum-scale-") as tmp:
        for n in SIZES:
            corpus = Path(tmp) / f"corpus-{n}.jsonl"
            write_corpus(corpus, n)
            for name, extra in (("jobs2", ["--jobs", "2"]), ("cluster2", ["--cluster", "local:2"])):
                out = Path(tmp) / f"out-{name}-{n}"
                got = run(["archive", str(corpus), str(out), *extra])
                got["articles_per_s"] = round(n / float(got["seconds"]), 1)  # type: ignore[arg-type]
                results[f"{name}@{n}"] = got
                print(f"{n:>7} {name:<9} {json.dumps(got)}", flush=True)
    print()
    ok = True
    for n in SIZES:
        pool, dask = results[f"jobs2@{n}"], results[f"cluster2@{n}"]
        ratio = float(dask["articles_per_s"]) / float(pool["articles_per_s"])  # type: ignore[arg-type]
        # The target is on the largest corpus: on a small one, starting the
        # cluster's workers (a second or so) weighs on the ratio.
        mark = "" if ratio >= THROUGHPUT_TARGET or n != max(SIZES) else "  MISSED"
        ok &= not mark
        print(
            f"{n:>7} articles: cluster {dask['articles_per_s']}/s, pool {pool['articles_per_s']}/s:"
            f" ratio {ratio:.2f} (target >= {THROUGHPUT_TARGET}){mark}"
        )
    if len(SIZES) >= 2:
        small, large = SIZES[0], SIZES[-1]
        for name in ("jobs2", "cluster2"):
            a, b = results[f"{name}@{small}"], results[f"{name}@{large}"]
            pairs = [("driver", a["driver_mb"], b["driver_mb"])]
            pairs += [
                (f"worker {i}", x, y)
                for i, (x, y) in enumerate(zip(a["workers_mb"], b["workers_mb"], strict=False))  # type: ignore[call-overload]
            ]
            for who, x, y in pairs:
                growth = float(y) / float(x) if x else 0.0  # type: ignore[arg-type]
                # The target is the cluster's; the pool's figures are for comparison.
                mark = "" if growth <= FLAT_TARGET or name != "cluster2" else "  MISSED"
                ok &= not mark
                print(
                    f"{name:<9} {who:<9} peak RSS {x} MB at {small}, {y} MB at {large}:"
                    f" {growth:.2f}x (target <= {FLAT_TARGET}x){mark}"
                )
    saved = ROOT / "bench" / "results" / "scale.json"
    saved.parent.mkdir(exist_ok=True)
    saved.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\nsaved {saved.relative_to(ROOT)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
