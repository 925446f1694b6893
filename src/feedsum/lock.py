"""One build at a time: an exclusive flock on a file beside the state.

The kernel drops a flock when the last descriptor of its open file is closed,
which a process's death does, however it dies. A forked child shares that open
file, so a child that outlived its build would keep the lock (and every later
build would exit 75): every fork closes the child's copy at once (see
`_close_in_child`), and `--jobs` workers also die with their build (workers.py).
The holder's PID is written into the file, so a busy lock names its build.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from pathlib import Path
from types import TracebackType

from feedsum.errors import FeedsumError, StateError, os_problem

_POLL_S = 0.1

# Descriptors of the locks this process holds.
_HELD: set[int] = set()


def _close_in_child() -> None:
    """After a fork, in the child: let go of the parent's locks.

    Why not another kind of lock: O_CLOEXEC (which os.open sets) covers exec, not
    a fork without one; fcntl's OFD locks belong to the open file, shared by a
    fork just like flock's; classic POSIX (fcntl) locks are not inherited, but
    any close of the file in the process drops them, and they do not exclude a
    running older feedsum's flock.
    """
    for fd in _HELD:
        with contextlib.suppress(OSError):
            os.close(fd)
    _HELD.clear()


os.register_at_fork(after_in_child=_close_in_child)


class LockHeld(FeedsumError):
    """Another process holds the build lock."""

    def __init__(self, path: Path, pid: int | None = None) -> None:
        build = f"another feedsum build (pid {pid})" if pid else "another feedsum build"
        super().__init__(
            f"{path}: {build} is running; this one stops (cron will retry), or pass --wait SECONDS"
        )
        self.path, self.pid = path, pid


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
        _HELD.add(fd)  # from the start: a fork from another thread must not keep it
        try:
            self._acquire(fd)
        except BaseException:
            _HELD.discard(fd)
            os.close(fd)
            raise
        _record_pid(fd)
        self._fd = fd
        return self

    def _acquire(self, fd: int) -> None:
        deadline = time.monotonic() + self.wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockHeld(self.path, _holder(fd)) from None
                time.sleep(_POLL_S)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        # Not in a forked child, whose copy was closed at the fork (and its number
        # may since name another file).
        if self._fd is not None and self._fd in _HELD:
            _HELD.discard(self._fd)
            os.close(self._fd)  # closing the descriptor releases the flock
        self._fd = None


def _record_pid(fd: int) -> None:
    """Write this process's PID into the (locked) lock file, for LockHeld to name.
    A courtesy to the operator: a full disk must not stop the build for it."""
    with contextlib.suppress(OSError):
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)


def _holder(fd: int) -> int | None:
    """The PID the holder wrote, or None (not written yet, or not a PID)."""
    try:
        text = os.pread(fd, 32, 0).decode("ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None
