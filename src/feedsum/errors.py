"""Every error feedsum raises on purpose.

FeedsumError                 expected failure; the CLI prints it, no traceback
 +-- ConfigError             a feed file is wrong (exit 2)
 +-- SourceError             one article cannot be read; reported, then skipped
 +-- StateError              the state database cannot be used
"""

from __future__ import annotations

from pathlib import Path


class FeedsumError(Exception):
    """Expected failure; the CLI prints the message without a traceback."""


class ConfigError(FeedsumError):
    """A feed file (or an option) is wrong; the message names the key and the fix."""

    def __init__(self, path: Path | str, key: str, problem: str, fix: str) -> None:
        where = f"{path}: {key}" if key else f"{path}"
        super().__init__(f"{where}: {problem}; {fix}")
        self.path, self.key = str(path), key


class SourceError(FeedsumError):
    """One article could not be read. It is skipped; the rest of the feed is built."""

    def __init__(self, origin: str, problem: str, line: int | None = None) -> None:
        where = f"{origin}:{line}" if line is not None else origin
        super().__init__(f"{where}: {problem}")
        self.origin, self.problem, self.line = origin, problem, line


class StateError(FeedsumError):
    """The state database is unusable (for example, written by a newer feedsum)."""
