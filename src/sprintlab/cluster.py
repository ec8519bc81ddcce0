"""A batch's clips on a Dask distributed cluster instead of this machine's processes.

Why Dask distributed (and not Ray): it is pure Python and installs from PyPI in seconds, a
scheduler and its workers start from the command line on any machine (``dask scheduler``,
``dask worker ADDRESS``), and its client offers the standard ``concurrent.futures`` interface,
so the batch hands clips to a cluster exactly as it hands them to local processes: the same
retry on a lost worker, the same progress, resume and failure table. Ray would bring its own
object store, dashboard and a far larger install for no gain here (a clip is one task that
reads a file and writes a folder).

The library stays the single writer: workers analyse a clip and write its rep folder (atomically)
where the library's folder is, then return the rep.json document; the batch process writes the
database. So every worker must see the clips and the library at the same paths (one machine, or
a shared filesystem), and have sprintlab and its model installed.

Pass ``"local"`` to start a cluster on this machine (``workers`` processes with one thread each,
on 127.0.0.1), or a scheduler's address (``tcp://host:8786``) to use a running one.
"""

from __future__ import annotations

import concurrent.futures as cf
from collections.abc import Callable
from typing import Any

from .errors import SprintlabError

#: Seconds to wait for a scheduler to answer before giving up.
CONNECT_TIMEOUT_S = 20.0


#: Settings of a cluster started here. A task whose worker dies is failed at once (the batch
#: decides about retrying it). Dask's own default starts workers with ``MALLOC_TRIM_THRESHOLD_``
#: set (left out here), which turns off glibc's adaptive threshold for mapping memory: every
#: decoded frame (6 MB at 1080p) is then mapped and unmapped afresh, and a clip took 45-60%
#: longer than in a process of its own (60 s instead of 42 s).
LOCAL_CONFIG = {
    "distributed.scheduler.allowed-failures": 0,
    # One worker process per core, each using one core for numpy and the model's glue.
    "distributed.nanny.pre-spawn-environ": {
        "OMP_NUM_THREADS": 1,
        "MKL_NUM_THREADS": 1,
        "OPENBLAS_NUM_THREADS": 1,
    },
}


class ClusterError(SprintlabError):
    """The cluster cannot be used (distributed missing, scheduler unreachable)."""


class ClusterPool:
    """The part of ``concurrent.futures.ProcessPoolExecutor`` the batch uses, on Dask.

    A clip whose worker dies is not retried by the scheduler (``retries=0``, and a local
    cluster allows no failure of a task): it fails with :func:`lost_worker` true, and the batch
    retries it once itself, then records it as failed, as with local processes.
    """

    def __init__(self, client: Any, cluster: Any = None) -> None:
        self._client = client
        self._cluster = cluster
        self._executor = client.get_executor(pure=False, retries=0)

    @property
    def n_workers(self) -> int:
        """Workers the scheduler knows now."""
        return len(self._client.scheduler_info(n_workers=-1).get("workers", {}))

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> cf.Future:
        """Run ``fn(*args, **kwargs)`` on a worker; a ``concurrent.futures.Future``."""
        return self._executor.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop using the cluster (a local one is closed; a remote one keeps running)."""
        self._executor.shutdown(wait=wait and not cancel_futures)
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def lost_worker(err: BaseException) -> bool:
    """Whether a task failed because its worker died (killed, out of memory)."""
    try:
        from distributed.scheduler import KilledWorker
    except ImportError:
        return False
    return isinstance(err, KilledWorker)


def open_cluster(address: str, workers: int) -> ClusterPool:
    """Connect to the scheduler at ``address``, or start a local cluster for ``"local"``.

    Raises
    ------
    ClusterError
        distributed is not installed, or the scheduler does not answer.
    """
    try:
        import dask
        from distributed import Client, LocalCluster
    except ImportError:
        raise ClusterError(
            "--cluster needs Dask distributed: pip install 'sprintlab[cluster]' "
            "(or pip install distributed)."
        ) from None
    if address == "local":
        with dask.config.set(LOCAL_CONFIG):
            cluster = LocalCluster(
                n_workers=max(1, workers),
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            )
        return ClusterPool(Client(cluster), cluster)
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError) as err:
        raise ClusterError(
            f"The Dask scheduler at {address} does not answer ({err}); start it with "
            "'dask scheduler' and its workers with 'dask worker ADDRESS'."
        ) from None
    return ClusterPool(client)


def worker_count(pool: Any, default: int) -> int:
    """How many clips to keep in flight on ``pool``."""
    if isinstance(pool, ClusterPool):
        return max(1, pool.n_workers or default)
    return default


__all__ = ["ClusterError", "ClusterPool", "lost_worker", "open_cluster", "worker_count"]
