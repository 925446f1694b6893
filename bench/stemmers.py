"""Would PyStemmer (Snowball in C) give NLTK's Snowball stems? Not always.

Stems both ways every word of the training sets (English) and prints the words
whose stems differ, with both stemmers' time. PyStemmer is not a dependency
(its stems differ, so it would change which sentences are picked); install it
in a throwaway environment to run this:

    python3 -m venv /tmp/stemmers && /tmp/stemmers/bin/pip install -e . pystemmer
    /tmp/stemmers/bin/python bench/stemmers.py
"""

from __future__ import annotations

import gzip
import importlib
import json
import re
import time
from pathlib import Path

from nltk.stem.snowball import SnowballStemmer

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
FILES = ("cnndm-train.jsonl.gz", "cnndm-validation.jsonl.gz", "bbc-train.jsonl.gz")


def main() -> None:
    words: set[str] = set()
    for name in FILES:
        with gzip.open(DATA / name, "rt", encoding="utf-8") as lines:
            for line in lines:
                words.update(w.lower() for w in re.findall(r"[^\W\d_]+", json.loads(line)["text"]))
    vocabulary = sorted(words)
    nltk_stem = SnowballStemmer("english").stem
    pystemmer = importlib.import_module("Stemmer").Stemmer("english")
    started = time.perf_counter()
    theirs = [nltk_stem(w) for w in vocabulary]
    nltk_s = time.perf_counter() - started
    started = time.perf_counter()
    ours = pystemmer.stemWords(vocabulary)
    c_s = time.perf_counter() - started
    differ = [(w, a, b) for w, a, b in zip(vocabulary, theirs, ours, strict=True) if a != b]
    print(
        f"english: {len(vocabulary):,} words, {len(differ)} stemmed otherwise; "
        f"NLTK {nltk_s:.2f} s, PyStemmer {c_s:.3f} s"
    )
    for word, a, b in differ[:20]:
        print(f"  {word}: NLTK {a!r}, PyStemmer {b!r}")


if __name__ == "__main__":
    main()
