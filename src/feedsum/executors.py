"""Where batches of articles are summarized: one small interface, several engines.

An executor maps a pure function over batches (`fn(context, batch)`) and yields
the results in the order the batches were given, keeping only a bounded number
in flight: memory stays flat however many batches a run has.

    SerialExecutor   in this process
    PoolExecutor     `--jobs N` forked worker processes on this machine
    cluster.DaskExecutor  a Dask distributed cluster (`--cluster`; the optional
                     `feedsum[cluster]` extra, imported only there)

`build --jobs` keeps its own pool in `pipeline._run` (it stops its workers after
the article in hand on SIGTERM); `archive` and `build --cluster` use these.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import Future

C = TypeVar("C")
T = TypeVar("T")
R = TypeVar("R")

#: Batches in flight per worker: one running, one queued behind it, so that no
#: worker waits for the driver between two batches.
IN_FLIGHT_PER_WORKER = 2


class Executor(Protocol):
    """Maps `fn(context, batch)` over batches; results in batch order."""

    #: Articles per batch this executor wants (each batch is one round trip).
    batch_size: int

    def map(
        self, fn: Callable[[C, Sequence[T]], R], context: C, batches: Iterable[Sequence[T]]
    ) -> Iterator[R]: ...


class SerialExecutor:
    """Every batch in this process, one after the other."""

    batch_size = 64

    def map(
        self, fn: Callable[[C, Sequence[T]], R], context: C, batches: Iterable[Sequence[T]]
    ) -> Iterator[R]:
        for batch in batches:
            yield fn(context, batch)


def ordered(
    submit: Callable[[Sequence[T]], Any],
    result: Callable[[Any], R],
    cancel: Callable[[Any], None],
    batches: Iterable[Sequence[T]],
    window: int,
) -> Iterator[R]:
    """Results of submitted batches in order, at most `window` submitted and not yet
    taken; whatever is still in flight is cancelled when the caller stops early."""
    pending: deque[Any] = deque()
    source = iter(batches)
    try:
        for batch in source:
            pending.append(submit(batch))
            if len(pending) >= window:
                yield result(pending.popleft())
        while pending:
            yield result(pending.popleft())
    finally:
        for future in pending:
            cancel(future)


_pool_context: Any = None


def _start(context: Any, parent: int) -> None:
    """A pool worker's set-up: bound to its parent's life, the context kept."""
    global _pool_context
    from feedsum.workers import start_worker

    start_worker(parent)
    _pool_context = context


def _call(fn: Callable[[Any, Sequence[Any]], Any], batch: Sequence[Any]) -> Any:
    return fn(_pool_context, batch)


class PoolExecutor:
    """`jobs` forked worker processes on this machine (the `--jobs` pool's kind:
    they inherit what is loaded, die with their parent, leave signals to it)."""

    batch_size = 64

    def __init__(self, jobs: int, prepare: Callable[[], None] | None = None) -> None:
        self.jobs = jobs
        #: Loads what workers should inherit (nltk, sumy) before they fork.
        self.prepare = prepare

    def map(
        self, fn: Callable[[C, Sequence[T]], R], context: C, batches: Iterable[Sequence[T]]
    ) -> Iterator[R]:
        from concurrent.futures import ProcessPoolExecutor

        from feedsum import workers

        if self.prepare is not None:
            self.prepare()
        pool = ProcessPoolExecutor(
            self.jobs,
            mp_context=workers.pool_context(),
            initializer=_start,
            initargs=(context, os.getpid()),
        )
        with pool:

            def submit(batch: Sequence[T]) -> Future[R]:
                return pool.submit(_call, fn, batch)

            yield from ordered(
                submit,
                lambda f: f.result(),
                lambda f: f.cancel(),
                batches,
                IN_FLIGHT_PER_WORKER * self.jobs,
            )
