"""A feed's include/exclude rules and age limit: which articles it shows.

Pure: the pipeline asks `keeps` once per new or changed article (before
summarizing, so an excluded article costs no summary) and `too_old` when it
picks the entries to show.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from feedsum.model import Article

#: The article fields a rule can look at.
FIELDS = ("title", "text", "author", "tags")


@dataclass(frozen=True, slots=True)
class Rule:
    """A regular expression searched in one field of an article."""

    field: str
    pattern: re.Pattern[str]

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
        if self.include and not any(r.matches(article, paragraphs) for r in self.include):
            return False
        return not any(r.matches(article, paragraphs) for r in self.exclude)

    def oldest(self, now: datetime) -> datetime | None:
        """Entries dated before this are too old to show; None without a limit."""
        return now - timedelta(days=self.max_age_days) if self.max_age_days else None

    def key(self) -> str:
        """Changes whenever the rules would keep other articles ("" with no rules)."""
        if not (self.include or self.exclude):
            return ""
        rules = (self.include, self.exclude)
        return repr([[(r.field, r.pattern.pattern) for r in group] for group in rules])
