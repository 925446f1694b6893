"""Worker processes that cannot outlive their build.

`--jobs` workers are forked from the build. Left alone, a worker whose build is
killed (kill -9, the OOM killer) lives on with PPID 1, waiting for work that
never comes, and holding whatever it inherited. So each worker asks the kernel
to kill it when the build dies. (The build lock's descriptor is closed in every
child at the fork itself: see lock.py.) A build that stops early tells its
workers to stop after the article in hand (pipeline._run).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from multiprocessing.context import BaseContext

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def pool_context() -> BaseContext:
    """fork on Linux: workers inherit the loaded nltk and sumy instead of importing
    them again, and the build is their parent, which `start_worker` relies on
    (Python 3.14's default, forkserver, makes them a server's children)."""
    return multiprocessing.get_context("fork" if sys.platform == "linux" else None)


def start_worker(parent: int) -> None:
    """First thing in a worker: die with `parent`, and leave stopping to it."""
    if sys.platform == "linux":
        import ctypes

        # SIGKILL when the thread that forked us ends: the build's main thread,
        # which ends only with the build. Nothing to clean up in a worker: it
        # writes nothing, the build process does.
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            errno = ctypes.get_errno()
            raise OSError(errno, f"prctl(PR_SET_PDEATHSIG): {os.strerror(errno)}")
        # The build may have died between the fork and the prctl: no signal comes then.
        if os.getppid() != parent:
            os._exit(1)
    # systemd's stop sends SIGTERM to the whole control group and a terminal's ^C
    # SIGINT to the whole process group: the build handles both (it tells its
    # workers to stop after the article in hand, and rolls back), so a worker must
    # not die first and make the build see a broken pool instead of the signal.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
