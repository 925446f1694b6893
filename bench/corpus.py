"""A deterministic synthetic corpus in the seed format, for benchmarks.

Sentences come from the example feed's own articles (feeds/example/), shuffled
into new articles by a seeded random generator: the same arguments always give
the same files.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

from feedsum.sources.textfile import parse
from feedsum.text import clean, sentences_of

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "feeds" / "example"

FEED_TOML = """\
title = "Benchmark feed"
link = "https://bench.example.org/"
sources = [{{ path = "articles/*.txt" }}]

[summary]
algorithm = "{algorithm}"

[output]
dir = "public"
"""


def sentence_pool() -> list[str]:
    """Every sentence of the example articles, in a fixed order."""
    pool: list[str] = []
    for path in sorted(EXAMPLES.glob("*.txt")):
        pool.extend(sentences_of(clean(parse(path.read_text(encoding="utf-8"), str(path)).body)))
    if len(pool) < 50:
        raise SystemExit(f"{EXAMPLES}: too few example sentences ({len(pool)}) to build a corpus")
    return pool


def article(rng: random.Random, pool: list[str]) -> str:
    paragraphs = [
        " ".join(rng.choice(pool) for _ in range(rng.randint(1, 4)))
        for _ in range(rng.randint(4, 9))
    ]
    body = "\n\n".join(paragraphs) + "\n"
    if rng.random() < 0.1:
        return body  # some articles carry no date
    day = date(2020, 1, 1) + timedelta(days=rng.randrange(6 * 365))
    return f" date {day.isoformat()} {body}"


def write_corpus(
    folder: Path, articles: int, *, seed: int = 20261125, algorithm: str = "lexrank"
) -> Path:
    """Write feeds/bench.toml and `articles` articles under `folder`; return feeds/."""
    rng = random.Random(seed)
    pool = sentence_pool()
    feeds = folder / "feeds"
    (feeds / "articles").mkdir(parents=True, exist_ok=True)
    (feeds / "bench.toml").write_text(FEED_TOML.format(algorithm=algorithm), encoding="utf-8")
    for i in range(articles):
        text = article(rng, pool)
        (feeds / "articles" / f"{i:05}.txt").write_text(text, encoding="utf-8")
    return feeds
