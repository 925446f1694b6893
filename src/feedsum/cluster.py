"""Summarizing on a Dask distributed cluster (`--cluster ADDRESS`).

Only the pure step goes to the cluster: batches of already read articles, and
the function that summarizes them. Reading sources, the state, rendering and
writing stay in the process that runs feedsum (the driver), with the lock and
the transaction. Dask itself retries a batch whose worker died (the
scheduler's `allowed-failures`); results come back in the order they were
sent, so the output is the one `--jobs 1` writes.

dask, distributed (and pyarrow, for `archive`) are the optional extra
`feedsum[cluster]`: they are imported here, and only when a cluster is used.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import pickle
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from types import TracebackType
from typing import Any, TypeVar

from feedsum.errors import ClusterError
from feedsum.executors import IN_FLIGHT_PER_WORKER, ordered

C = TypeVar("C")
T = TypeVar("T")
R = TypeVar("R")

#: How long to wait for the scheduler to answer, and for it to have a worker.
CONNECT_TIMEOUT_S = 10.0
#: Articles per task: a task costs the driver, the scheduler and the worker a few
#: milliseconds, 512 articles cost a worker about half a second. (`make
#: bench-scale`, 100,000 articles on 2 workers: 0.84 of the local pool's
#: throughput at 128 a task, 0.87 at 512.)
BATCH_SIZE = 512
EXTRA = "pip install 'feedsum[cluster]'"
#: Entries of each log a LocalCluster's scheduler keeps (see `DaskExecutor._connect`).
EVENTS_KEPT = 10
LOCAL_PREFIX = "local:"


def require(*modules: str, address: str = "") -> None:
    """ClusterError naming the extra when one of `modules` is not installed (without
    importing them: a plain build must not pay for them)."""
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        raise ClusterError(
            address,
            f"{', '.join(missing)} not installed (the optional cluster extra)",
            f"install it with `{EXTRA}`",
        )


def local_workers(address: str) -> int | None:
    """N for `local:N` (a LocalCluster of N worker processes); None for an address."""
    if not address.startswith(LOCAL_PREFIX):
        return None
    count = address.removeprefix(LOCAL_PREFIX)
    if not count.isdigit() or not 1 <= int(count) <= 1024:
        raise ClusterError(address, "not a number of workers", "write local:N, e.g. local:4")
    return int(count)


def _unpickled(fn: Callable[[C, Sequence[T]], R], context: C, data: bytes) -> R:
    """`fn(context, batch)` on a worker, the batch sent pickled (see `DaskExecutor.map`)."""
    batch: Sequence[T] = pickle.loads(data)
    return fn(context, batch)


class DaskExecutor:
    """An `executors.Executor` on a Dask cluster, connected on first use (a build
    with nothing to summarize never connects); `close()` lets go of it."""

    def __init__(
        self,
        address: str,
        timeout_s: float = CONNECT_TIMEOUT_S,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        require("dask", "distributed", address=address)
        self.address = address
        self.timeout_s = timeout_s
        self.batch_size = batch_size
        self._local = local_workers(address)
        self._client: Any = None
        self._cluster: Any = None

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def client(self) -> Any:
        """The distributed Client, connected (and a LocalCluster started) if not yet."""
        if self._client is None:
            self._client = self._connect()
        return self._client

    def _connect(self) -> Any:
        # Dask's logs keep their last 1,000 entries by default (the client's log
        # of sent messages, the scheduler's of received graphs), and a batch's
        # entry holds its articles: the driver's memory would grow with the
        # corpus up to 1,000 batches (3x from 10k to 100k articles). The client,
        # and the scheduler of a LocalCluster, which runs in this process, are
        # made with short logs. Nor do a LocalCluster's workers sample their
        # stacks every 10 ms for a dashboard they do not have (CPU summaries lose).
        # As Any: distributed's Client and LocalCluster carry no complete type hints.
        # Imported first: it adds its defaults to dask's config, which the
        # `with` below would take away again on its way out.
        distributed: Any = importlib.import_module("distributed")
        dask: Any = importlib.import_module("dask")
        short_logs = {
            "distributed.admin.low-level-log-length": EVENTS_KEPT,
            "distributed.worker.profile.enabled": False,
        }
        with dask.config.set(short_logs):
            return self._connect_now(distributed.Client, distributed.LocalCluster)

    def _connect_now(self, Client: Any, LocalCluster: Any) -> Any:
        if self._local is not None:
            self._cluster = LocalCluster(
                n_workers=self._local,
                threads_per_worker=1,  # summarizing holds the GIL: processes, not threads
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
            return Client(self._cluster)
        fix = (
            f"start one with `dask scheduler` and workers with `dask worker {self.address}`, "
            "or check the address (--cluster, FEEDSUM_CLUSTER)"
        )
        try:
            client = Client(self.address, timeout=self.timeout_s)
        except (OSError, ValueError, TypeError) as exc:
            # OSError: refused, unreachable or timed out (each retried until the timeout);
            # ValueError/TypeError: an address Dask cannot parse.
            raise ClusterError(
                self.address, f"no scheduler answered within {self.timeout_s:g} s ({exc})", fix
            ) from exc
        try:
            client.wait_for_workers(1, timeout=self.timeout_s)
        except (OSError, TimeoutError) as exc:
            client.close()
            raise ClusterError(
                self.address,
                f"the scheduler has no worker (waited {self.timeout_s:g} s)",
                f"start workers with `dask worker {self.address}`",
            ) from exc
        return client

    def workers(self) -> int:
        """How many workers the scheduler has now (at least 1)."""
        return max(1, len(self.client.scheduler_info(n_workers=-1)["workers"]))

    def map(
        self, fn: Callable[[C, Sequence[T]], R], context: C, batches: Iterable[Sequence[T]]
    ) -> Iterator[R]:
        """`fn(context, batch)` for each batch as a Dask task, results in order; a
        bounded number in flight, so that the driver's memory stays flat."""
        from distributed import KilledWorker

        client = self.client
        run = uuid.uuid4().hex[:12]
        numbers = iter(range(1 << 62))

        def submit(batch: Sequence[T]) -> Any:
            # A key of our own: Dask would otherwise hash every article to name the task.
            key = f"feedsum-{run}-{next(numbers)}"
            # The batch as one bytes object: the scheduler unpickles and pickles a
            # task's arguments again, and keeps them in its logs; bytes cost it
            # next to nothing, where 128 articles as objects cost milliseconds.
            data = pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL)
            return client.submit(_unpickled, fn, context, data, key=key, pure=False)

        def result(future: Any) -> R:
            try:
                value: R = future.result()
            except KilledWorker as exc:
                raise ClusterError(
                    self.address,
                    f"a batch of articles killed every worker that ran it ({exc})",
                    "check the workers' logs (memory limits) and run again",
                ) from exc
            future.release()
            return value

        yield from ordered(
            submit, result, lambda f: f.cancel(), batches, IN_FLIGHT_PER_WORKER * self.workers()
        )

    def worker_pids(self) -> dict[str, int]:
        """Each worker's address and process id (for figures and tests)."""
        import os

        pids: dict[str, int] = self.client.run(os.getpid)
        return pids

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None
