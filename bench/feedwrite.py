"""Feed writing: ms per entry to render Atom + RSS with feedsum.writers.feeds.

Entries are real articles (whole text as content, three sentences as the
summary), repeated with their own ids and dates up to each size. The time is
`render` for both formats, the bytes a build writes; the atomic write around
them adds one fsync per file whatever the size.
"""

from __future__ import annotations

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
REPEATS = {100: 7, 1_000: 5, 10_000: 3}


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


def measure(work: Path, articles: Sequence[tuple[tuple[str, ...], str | None]]) -> dict[str, Any]:
    config = feed_config(work)
    everything = feed_items(articles, max(SIZES))
    render(config, everything[:10], "atom")  # loads feedgen and lxml
    out: dict[str, Any] = {}
    for n in SIZES:
        items = everything[:n]
        best = float("inf")
        for _ in range(REPEATS[n]):
            started = time.process_time()
            for fmt in ("atom", "rss"):
                render(config, items, fmt)
            best = min(best, time.process_time() - started)
        out[f"entries_{n}_s"] = best
        out[f"entries_{n}_ms_per_entry"] = 1000 * best / n
    out["ratio_10k_1k"] = out["entries_10000_s"] / out["entries_1000_s"]
    return out


def report(figures: dict[str, Any]) -> str:
    lines = ["feed writing: render Atom + RSS, CPU time (best of a few runs)"]
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
