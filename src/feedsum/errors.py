"""Every error feedsum raises on purpose.

FeedsumError                 expected failure; the CLI prints it, no traceback
 +-- ConfigError             a feed file is wrong (exit 2)
 +-- SourceError             one article cannot be read; reported, then skipped
 +-- StateError              the state database cannot be used
 |    +-- StateDamaged       the state file is corrupt; `feedsum recover` salvages it
 +-- OutputError             a feed's output file cannot be written; other feeds still build
 +-- ClusterError            --cluster cannot be used: the extra is not installed, the
                             scheduler cannot be reached or has no workers (exit 2)

BuildStopped                 SIGTERM or SIGINT stopped a build (a BaseException, as
                             KeyboardInterrupt is, so that no `except Exception` swallows it)
"""

from __future__ import annotations

import signal
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


class StateDamaged(StateError):
    """The state file is corrupt (SQLite finds it malformed, or not a database at all).

    Building again cannot help: every build would meet the same damage. The fix
    is `feedsum recover`, which the message names (with the options that find
    this state file, when it is not the default one).
    """

    def __init__(self, path: Path | str, reason: str, command: str = "feedsum recover") -> None:
        super().__init__(
            f"{path} is damaged ({reason}); run `{command}` to salvage it "
            "(the damaged file is kept)"
        )
        self.path, self.reason = str(path), reason


def os_problem(exc: OSError) -> str:
    """An OSError's reason in words; mkdir and open say "File exists" or "Not a
    directory" when a file stands where a folder of the path should be."""
    if isinstance(exc, FileExistsError | NotADirectoryError):
        return "a file stands where a folder of this path should be"
    return exc.strerror or str(exc)


class OutputError(FeedsumError):
    """A feed's output file could not be written. That feed's build is not saved
    (the next build redoes it); other feeds are still built."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(
            f"{path}: cannot write the feed ({reason}); make {path.parent} a writable "
            "folder or set [output] dir in the feed file; nothing of this feed's build was saved"
        )
        self.path = path


class EmptiedFeed(OutputError):
    """A feed that had entries would be written with none: its sources vanished or
    match nothing. Its outputs are kept and its build is not saved."""

    def __init__(self, name: str, had: int, path: Path) -> None:
        FeedsumError.__init__(
            self,
            f"{name}: its sources now give no entries (it had {had}); its outputs are kept; "
            "check its sources, or build with --force to publish it empty",
        )
        self.path = path


class ClusterError(FeedsumError):
    """The Dask cluster cannot be used (`--cluster`): the `feedsum[cluster]` extra is
    missing, the scheduler cannot be reached in time, or it has no workers. Not one
    feed's fault: the build stops there (exit 2), its feed rolled back."""

    def __init__(self, address: str, problem: str, fix: str) -> None:
        super().__init__(f"{f'cluster {address}: ' if address else ''}{problem}; {fix}")
        self.address = address


class BuildStopped(BaseException):
    """A signal stopped the build. Raised by the CLI's handler in the main thread,
    so every `with` on the way unwinds: the workers are killed, the feed's
    transaction rolls back, the lock is released. Not an Exception, like
    KeyboardInterrupt: "this feed failed, build the next" must not catch it."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        self.name = signal.Signals(signum).name
        super().__init__(
            f"Stopped by {self.name}: the feed being built was rolled back "
            "(its outputs are whole); the next build redoes it"
        )

    @property
    def exit_code(self) -> int:
        """128 + the signal's number, as a shell reports a process the signal ended."""
        return 128 + self.signum
