"""Run partitions: in this process, on a local process pool, or on a Dask distributed cluster.

Every backend runs the same task -- load one partition, reduce it (reducer.py) -- and yields the partition states
as they finish, in any order; merging is exact and order-free (aggregate.py), so all backends give identical
results. At most `2 x workers` partitions are in flight, so memory stays bounded however many partitions a run
has.

Workers end with their parent: on Linux each worker asks the kernel for SIGKILL when its parent dies
(prctl PR_SET_PDEATHSIG), elsewhere a watchdog thread ends it once its parent is gone; SIGINT is left to the
parent, and SIGTERM or SIGINT in the parent (or any error, or a consumer that stops early) kills the pool's
workers at once instead of waiting for their partitions.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing as mp
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from ..extras import require
from .aggregate import RunAggregate
from .reducer import RunConfig, reduce_partition
from .sources import PartitionRef, Source


@dataclass(frozen=True)
class Task:
    """What a worker needs for one partition: the source (without the rows of other partitions) and the ref."""

    source: Any
    ref: PartitionRef
    config: RunConfig


def task_for(source: Source, ref: PartitionRef, config: RunConfig) -> Task:
    from .sources import ArraySource

    if isinstance(source, ArraySource):  # ship only this partition's arrays
        single = ArraySource([source.parts[ref.spec]], name=source.name)
        return Task(single, PartitionRef(ref.partition_id, ref.label, ref.households, 0), config)
    return Task(source, ref, config)


def run_task(task: Task) -> RunAggregate:
    """Load and reduce one partition (runs in the worker)."""
    households, persons = task.source.load(task.ref)
    state = reduce_partition(households, persons, task.config, task.ref.partition_id, task.ref.label)
    return state


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _context() -> mp.context.BaseContext:
    method = os.environ.get("GONGFU_MP_START") or ("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    return mp.get_context(method)


PR_SET_PDEATHSIG = 1
WATCH_INTERVAL = 0.5  # seconds between two looks at the parent (watchdog fallback)


def _die_with_parent() -> bool:
    """Ask the kernel to SIGKILL this process when its parent ends (Linux); False where not available or turned
    off (GONGFU_PDEATHSIG=0, to test the fallback)."""
    if not sys.platform.startswith("linux") or os.environ.get("GONGFU_PDEATHSIG", "1") == "0":
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError):  # pragma: no cover - no libc/prctl
        return False


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(WATCH_INTERVAL)
    os._exit(1)


def worker_init(parent: int) -> None:
    """Initializer of every pool worker: end with the parent `parent` (see the module docstring); leave SIGINT
    (Ctrl-C reaches the whole process group) to the parent, and take SIGTERM's default (a forked worker would
    otherwise inherit the parent's handler)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if not _die_with_parent():
        threading.Thread(target=_watch_parent, args=(parent,), name="gongfu-parent-watch", daemon=True).start()
    if os.getppid() != parent:  # the parent ended before the kernel was asked
        os._exit(1)


class Terminated(SystemExit):
    """SIGTERM reached a process that was running a pool: its workers are killed and it exits (code 143)."""


def _raise_terminated(signum: int, frame: Any) -> None:
    raise Terminated(128 + signum)


@contextlib.contextmanager
def _terminate_on_sigterm() -> Iterator[None]:
    """SIGTERM raises Terminated in the main thread while a pool runs (only when SIGTERM has its default action:
    a server or an application that handles it keeps its own handler)."""
    installed = False
    if threading.current_thread() is threading.main_thread():
        with contextlib.suppress(ValueError, OSError):
            if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
                signal.signal(signal.SIGTERM, _raise_terminated)
                installed = True
    try:
        yield
    finally:
        if installed:
            with contextlib.suppress(ValueError, OSError):
                signal.signal(signal.SIGTERM, signal.SIG_DFL)


def kill_workers(pool: ProcessPoolExecutor) -> None:
    """SIGKILL the pool's worker processes (their partitions are lost; the caller is abandoning the run) and let
    the pool's manager thread notice and fail the pending futures."""
    procs = list((getattr(pool, "_processes", None) or {}).values())
    for proc in procs:
        with contextlib.suppress(Exception):
            proc.kill()
    for proc in procs:
        with contextlib.suppress(Exception):
            proc.join(5)
    manager = getattr(pool, "_executor_manager_thread", None)
    if manager is not None and procs:
        manager.join(5)


@contextlib.contextmanager
def process_pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """A process pool (fork where available) whose workers end with this process: normally shut down when the
    block ends; on an error, an interrupt (Ctrl-C, SIGTERM) or an early exit of a generator using it, its workers
    are killed at once."""
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=_context(), initializer=worker_init,
                               initargs=(os.getpid(),))
    with _terminate_on_sigterm():
        try:
            yield pool
        except BaseException:
            kill_workers(pool)
            pool.shutdown(wait=False)
            raise
        pool.shutdown(wait=True)


def run_local(source: Source, refs: Sequence[PartitionRef], config: RunConfig, workers: int
              ) -> Iterator[RunAggregate]:
    """In-process for one worker, else a process pool (fork where available: workers inherit the loaded law)."""
    if workers <= 1:
        for ref in refs:
            yield run_task(task_for(source, ref, config))
        return
    with process_pool(workers) as pool:
        yield from _bounded(lambda ref: pool.submit(run_task, task_for(source, ref, config)), refs, 2 * workers)


def _bounded(submit: Callable[[PartitionRef], Future], refs: Sequence[PartitionRef], limit: int
             ) -> Iterator[RunAggregate]:
    # No cancel() of the pending futures on the way out: `process_pool` kills the workers, and the pool then fails
    # the pending futures itself (cancelling them first makes its manager thread raise InvalidStateError).
    pending: set[Future] = set()
    todo = list(refs)
    todo.reverse()
    while todo or pending:
        while todo and len(pending) < limit:
            pending.add(submit(todo.pop()))
        done, pending = wait(pending, return_when=FIRST_COMPLETED)
        for fut in done:
            yield fut.result()


def run_dask(source: Source, refs: Sequence[PartitionRef], config: RunConfig, address: str,
             workers: int, processes: bool = True) -> Iterator[RunAggregate]:
    """The same tasks on a Dask distributed cluster: `address` of a scheduler, or "local" for a LocalCluster
    of `workers` single-threaded workers (`processes=False` runs them as threads of this process)."""
    distributed = require("distributed", "dask")
    Client, LocalCluster, as_completed = distributed.Client, distributed.LocalCluster, distributed.as_completed

    cluster = None
    if address == "local":
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=processes,
                               dashboard_address=None, silence_logs=logging.CRITICAL)
        client = Client(cluster)
    else:
        client = Client(address)
    try:
        limit = 2 * max(1, sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values()))
        todo = list(refs)
        todo.reverse()
        futures = as_completed()
        in_flight = 0
        while todo and in_flight < limit:
            ref = todo.pop()
            futures.add(client.submit(run_task, task_for(source, ref, config), pure=False,
                                      key=f"gongfu-partition-{ref.partition_id}-{os.getpid()}-{id(futures)}"))
            in_flight += 1
        for fut in futures:
            state = fut.result()
            fut.release()
            in_flight -= 1
            yield state
            if todo:
                ref = todo.pop()
                futures.add(client.submit(run_task, task_for(source, ref, config), pure=False,
                                          key=f"gongfu-partition-{ref.partition_id}-{os.getpid()}-{id(futures)}"))
                in_flight += 1
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
