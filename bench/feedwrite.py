"""Feed writing: ms per entry to render Atom + RSS with feedsum.writers.feeds.

Entries are real articles (whole text as content, three sentences as the
summary), repeated with their own ids and dates up to each size. The time is
`render` for both formats, the bytes a build writes; the atomic write around
them adds one fsync per file whatever the size.

Each render runs in a child forked for it: a build renders once, into memory
its process has never used, and so does every size here. Rendered in one
process, a size after a larger one reuses pages the larger one already
faulted in (1,000 entries then took ~120 page faults, 10,000 ~50,000), which
made 10,000 look ~12% dearer per entry than 1,000 when it was not.
"""

from __future__ import annotations

import os
import struct
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from feedsum.config import FeedConfig, parse_feed
from feedsum.model import FeedItem
from feedsum.summarize import split_paragraphs
from feedsum.writers.feeds import render

SIZES = (100, 1_000, 10_000)
#: Every size once a round, the sizes in turn: a burst of load on a shared
#: machine then slows one round of each, and each size's best round counts.
ROUNDS = 5


def feed_config(work: Path) -> FeedConfig:
    data = {
        "title": "Benchmark feed",
        "link": "https://bench.example.org/",
        "sources": [{"path": "articles/*.txt"}],
    }
    return parse_feed(work / "feeds" / "bench.toml", data)


def feed_items(articles: Sequence[tuple[tuple[str, ...], str | None]], n: int) -> list[FeedItem]:
    """`n` entries, newest first, made from (paragraphs, title) pairs in turn."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    items = []
    for i in range(n):
        paragraphs, title = articles[i % len(articles)]
        sentences = [s for group in split_paragraphs(paragraphs[:2]) for s in group]
        when = start - timedelta(minutes=i)
        items.append(
            FeedItem(
                id=f"tag:bench.example.org,2024-01-01:articles/{i:05}.txt",
                title=title or sentences[0][:100],
                summary=" ".join(sentences[:3]),
                paragraphs=paragraphs,
                published=when,
                updated=when,
                link=f"https://bench.example.org/{i:05}.html",
            )
        )
    return items


def render_in_child(config: FeedConfig, items: Sequence[FeedItem]) -> float:
    """CPU seconds to render Atom and RSS, in a child forked from this process."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: measure, report, leave without cleaning up
        try:
            started = time.process_time()
            for fmt in ("atom", "rss"):
                render(config, items, fmt)
            os.write(write, struct.pack("d", time.process_time() - started))
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    if len(data) != 8:
        raise SystemExit("feed writing: the render child failed (see its traceback above)")
    seconds: float = struct.unpack("d", data)[0]
    return seconds


def measure(work: Path, articles: Sequence[tuple[tuple[str, ...], str | None]]) -> dict[str, Any]:
    config = feed_config(work)
    everything = feed_items(articles, max(SIZES))
    render(config, everything[:10], "atom")  # loads feedgen and lxml
    best = dict.fromkeys(SIZES, float("inf"))
    for _ in range(ROUNDS):
        for n in SIZES:
            best[n] = min(best[n], render_in_child(config, everything[:n]))
    out: dict[str, Any] = {}
    for n in SIZES:
        out[f"entries_{n}_s"] = best[n]
        out[f"entries_{n}_ms_per_entry"] = 1000 * best[n] / n
    out["ratio_10k_1k"] = out["entries_10000_s"] / out["entries_1000_s"]
    return out


def report(figures: dict[str, Any]) -> str:
    lines = [f"feed writing: render Atom + RSS, CPU time (best of {ROUNDS} rounds)"]
    for n in SIZES:
        lines.append(
            f"  {n:>6} entries  {figures[f'entries_{n}_s']:7.3f} s = "
            f"{figures[f'entries_{n}_ms_per_entry']:.4f} ms per entry"
        )
    lines.append(f"  10,000 / 1,000 entries: {figures['ratio_10k_1k']:.2f}x  (target <= 12x)")
    return "\n".join(lines)


def missed(figures: dict[str, Any]) -> list[str]:
    if figures["ratio_10k_1k"] > 12:
        return [f"feed writing ratio_10k_1k = {figures['ratio_10k_1k']:.3g}, target <= 12"]
    return []
