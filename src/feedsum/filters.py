"""A feed's include/exclude rules and age limit: which articles it shows.

Pure: the pipeline asks `keeps` once per new or changed article (before
summarizing, so an excluded article costs no summary) and `too_old` when it
picks the entries to show.

Rules run on RE2 (google-re2), not Python's `re`: a feed file's pattern meets
text from strangers, and with backtracking one rule like `(a+)+$` takes
seconds per paragraph (26 a's: 8.9 s, x1.7 per extra character). RE2 matches
in time linear in the text, whatever the pattern. The `regex` module was
measured too: it survives `(a+)+$` but not `(a|aa)+$` (0.7 s on 31
characters) and only offers a timeout, which would leave a rule that timed out
neither matching nor not; RE2 was also the faster on ordinary rules (6 rules
over 1,000 CNN/DailyMail articles: RE2 35 ms, regex 70 ms, re 244 ms). What
RE2 cannot run (backreferences, lookaround) is refused when the feed file is
read, never at build time.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from feedsum.model import Article

#: The article fields a rule can look at.
FIELDS = ("title", "text", "author", "tags")


class Pattern(Protocol):
    """What a rule needs of a compiled pattern (RE2's has no type hints)."""

    @property
    def pattern(self) -> str: ...

    def search(self, text: str) -> object | None: ...


# What Python's syntax has and RE2 refuses, spotted in a refused pattern to name it.
_UNSUPPORTED = (
    (re.compile(r"\\[1-9]|\(\?P="), "backreferences"),
    (re.compile(r"\(\?<?[=!]"), "lookahead or lookbehind"),
)


class UnsupportedPattern(ValueError):
    """A pattern that is not a regular expression, or one RE2 cannot run: why, and the fix."""

    def __init__(self, problem: str, fix: str) -> None:
        super().__init__(problem)
        self.problem, self.fix = problem, fix


def compile_pattern(pattern: str) -> Pattern:
    """`pattern` compiled by RE2, or UnsupportedPattern saying why not."""
    try:
        re.compile(pattern)  # Python's message for a syntax error is the clearer one
    except re.error as exc:
        raise UnsupportedPattern(
            f"not a valid regular expression ({exc})", "fix the pattern"
        ) from exc
    import re2  # google-re2: loads only for a feed with rules

    options = re2.Options()
    options.log_errors = False  # its C++ logger would print to stderr; the error says it
    try:
        compiled: Pattern = re2.compile(pattern, options)
    except re2.error as exc:
        detail = exc.args[0].decode() if isinstance(exc.args[0], bytes) else str(exc)
        what = next((name for found, name in _UNSUPPORTED if found.search(pattern)), None)
        if what:
            raise UnsupportedPattern(
                f"RE2 does not support {what}", "rewrite the pattern without them"
            ) from exc
        raise UnsupportedPattern(
            f"RE2 cannot run it ({detail})", "rewrite the pattern in RE2's syntax"
        ) from exc
    return compiled


@dataclass(frozen=True, slots=True)
class Rule:
    """A regular expression searched in one field of an article."""

    field: str
    pattern: Pattern

    def matches(self, article: Article, paragraphs: Sequence[str]) -> bool:
        if self.field == "tags":
            return any(self.pattern.search(tag) for tag in article.tags)
        if self.field == "text":
            return any(self.pattern.search(p) for p in paragraphs)
        value = article.title if self.field == "title" else article.author
        return value is not None and self.pattern.search(value) is not None


@dataclass(frozen=True, slots=True, kw_only=True)
class Filters:
    """include: keep only articles some rule matches (when there are rules);
    exclude: drop articles any rule matches; max_age_days: 0 for no limit."""

    include: tuple[Rule, ...] = ()
    exclude: tuple[Rule, ...] = ()
    max_age_days: int = 0

    def keeps(self, article: Article, paragraphs: Sequence[str]) -> bool:
        """Whether the include and exclude rules let the article into the feed."""
        return self.why_not(article, paragraphs) is None

    def why_not(self, article: Article, paragraphs: Sequence[str]) -> str | None:
        """Why the rules keep the article out (None if they let it in)."""
        if self.include and not any(r.matches(article, paragraphs) for r in self.include):
            return "no include rule matches it"
        rule = next((r for r in self.exclude if r.matches(article, paragraphs)), None)
        return None if rule is None else f"exclude rule {rule.field} = {rule.pattern.pattern!r}"

    def oldest(self, now: datetime) -> datetime | None:
        """Entries dated before this are too old to show; None without a limit."""
        return now - timedelta(days=self.max_age_days) if self.max_age_days else None

    def expires(self, oldest_shown: datetime) -> datetime | None:
        """When the oldest entry shown ages out; None without a limit, or when that is
        past year 9999 (an upstream may date an item 9999-12-31)."""
        if not self.max_age_days:
            return None
        try:
            return oldest_shown + timedelta(days=self.max_age_days)
        except OverflowError:
            return None

    def key(self) -> str:
        """Changes whenever the rules would keep other articles ("" with no rules)."""
        if not (self.include or self.exclude):
            return ""
        rules = (self.include, self.exclude)
        return repr([[(r.field, r.pattern.pattern) for r in group] for group in rules])
