"""One build at a time: an exclusive flock on a file beside the state.

The kernel drops a flock when its process dies, however it dies, so a killed
build never blocks the next one.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path
from types import TracebackType

from feedsum.errors import FeedsumError, StateError, os_problem

_POLL_S = 0.1


class LockHeld(FeedsumError):
    """Another process holds the build lock."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"{path}: another feedsum build is running; "
            "this one stops (cron will retry), or pass --wait SECONDS"
        )
        self.path = path


class BuildLock:
    """`with BuildLock(path, wait_s):` holds the lock for the block, or raises LockHeld."""

    def __init__(self, path: Path, wait_s: float = 0.0) -> None:
        self.path, self.wait_s = path, wait_s
        self._fd: int | None = None

    def __enter__(self) -> BuildLock:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StateError(
                f"{self.path}: cannot create the build lock ({os_problem(exc)}); "
                "pass --state a path in a writable folder (the lock sits beside it)"
            ) from exc
        deadline = time.monotonic() + self.wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise LockHeld(self.path) from None
                time.sleep(_POLL_S)
        self._fd = fd
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = None
