"""Run partitions: in this process, on a local process pool, or on a Dask distributed cluster.

Every backend runs the same task -- load one partition, reduce it (reducer.py) -- and yields the partition states
as they finish, in any order; merging is exact and order-free (aggregate.py), so all backends give identical
results. At most `2 x workers` partitions are in flight, so memory stays bounded however many partitions a run
has.

The local pool is `gongfu.processes.process_pool`: its workers end with their parent (see that module).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from ..extras import require
from ..processes import Terminated, kill_workers, process_pool  # noqa: F401  (Terminated: re-export)
from . import transfer
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
    keep = getattr(task.source, "key", None) if getattr(task.source, "warm", False) else None
    return reduce_partition(households, persons, task.config, task.ref.partition_id, task.ref.label, keep=keep)


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def run_batch(tasks: Sequence[Task]) -> RunAggregate:
    """Load and reduce consecutive partitions one by one and merge their states (exactly: the same state as
    merged in the parent) -- one state to hand back instead of several (runs in the worker)."""
    state: RunAggregate | None = None
    for task in tasks:
        part = run_task(task)
        state = part if state is None else state.merge(part)
    assert state is not None
    return state


#: a batch's households stop growing at this size (about 3 s of a worker's time), so that progress and
#: checkpoints still advance every few seconds in a national run
MAX_BATCH_HOUSEHOLDS = 2_000_000


def batches(refs: Sequence[PartitionRef], workers: int) -> list[list[PartitionRef]]:
    """Consecutive refs grouped into batches for `workers` local workers, largest first (guided self-scheduling,
    Polychronopoulos and Kuck 1987: each batch holds about 1/workers of the households still to run, at most
    `MAX_BATCH_HOUSEHOLDS`), so that few states travel back to the parent and the last batches are single
    partitions (the workers finish together)."""
    remaining = sum(max(1, r.households) for r in refs)
    out: list[list[PartitionRef]] = []
    i = 0
    while i < len(refs):
        target = min(MAX_BATCH_HOUSEHOLDS, remaining / max(1, workers))
        batch, n = [refs[i]], max(1, refs[i].households)
        i += 1
        while i < len(refs) and n + max(1, refs[i].households) <= target:
            batch.append(refs[i])
            n += max(1, refs[i].households)
            i += 1
        out.append(batch)
        remaining -= n
    return out


def run_local(source: Source, refs: Sequence[PartitionRef], config: RunConfig, workers: int
              ) -> Iterator[RunAggregate]:
    """The partitions' states on this machine (`local_stream`): on a process pool, in `batches` merged in the
    workers (a warm sample's partitions one by one: they are few and small)."""
    if workers <= 1 or getattr(source, "key", None) is not None:
        return local_stream(source, lambda ref: task_for(source, ref, config), run_task, refs, workers)
    return local_stream(source, lambda batch: [task_for(source, ref, config) for ref in batch], run_batch,
                        batches(refs, workers), workers)


def local_stream(source: Source, make_task: Callable[[PartitionRef], Any], function: Callable[[Any], Any],
                 refs: Sequence[PartitionRef], workers: int) -> Iterator[Any]:
    """`function(make_task(ref))` for every ref, yielded as they finish: in this process for one worker, else on
    a process pool (fork where available: workers inherit the loaded law), at most 2 x workers in flight. A warm
    sample (a server's, `sources.WarmGeneratedSource`) keeps its pool between runs (`_kept_pool`). A budget
    window runs its per-partition task this way (run/window.py), as `dask_stream` does on Dask."""
    if workers <= 1:
        for ref in refs:
            yield function(make_task(ref))
        return
    key = getattr(source, "key", None)
    if key is not None:
        yield from _run_kept(key, make_task, function, refs, workers)
        return
    token = transfer.new_token()
    try:
        with process_pool(workers) as pool:
            yield from _pool_stream(pool, function, make_task, refs, 2 * workers, token)
    finally:
        transfer.cleanup(token)


def _pool_stream(pool: ProcessPoolExecutor, function: Callable[[Any], Any], make: Callable[[Any], Any],
                 items: Sequence[Any], limit: int, token: str) -> Iterator[Any]:
    """`function(make(item))` for every item on `pool`, as they finish; partition states come back through
    shared memory (`transfer`), other results through the pool's pipe."""
    if function is not run_task and function is not run_batch:
        yield from _bounded(lambda item: pool.submit(function, make(item)), items, limit)
        return
    transfer.cleanup_orphans()
    for result in _bounded(lambda item: pool.submit(transfer.run_shipped, token, function, make(item)), items, limit):
        yield transfer.receive(result)


#: the pool kept for a warm sample: (sample key, workers, the `process_pool` context, the pool)
_KEPT: list[Any] = []
_KEPT_LOCK = threading.Lock()


def _kept_pool(key: Any, workers: int) -> ProcessPoolExecutor:
    """The process pool kept for the warm sample `key` with `workers` workers, made on first use (after the sample
    is in memory, so that forked workers inherit it) and made again when the sample or the workers change. Its
    workers keep their law, contexts and warm heaps between runs: a reform on the warm default sample pays no
    process start-up and no first-touch of fresh memory. They end with this process (`processes.worker_init`)."""
    if _KEPT and (_KEPT[0] != key or _KEPT[1] != workers):
        drop_kept_pool()
    if not _KEPT:
        ctx = process_pool(workers)
        pool = ctx.__enter__()
        _KEPT.extend([key, workers, ctx, pool])
    return _KEPT[3]


def drop_kept_pool(kill: bool = False) -> None:
    """End the kept pool (killing its workers with `kill`, e.g. after an error or an interrupt in a run)."""
    if not _KEPT:
        return
    _, _, ctx, pool = _KEPT
    _KEPT.clear()
    if kill:
        kill_workers(pool)
        pool.shutdown(wait=False)
    else:
        pool.shutdown(wait=True)
    with contextlib.suppress(Exception):
        ctx.__exit__(None, None, None)


def _run_kept(key: Any, make_task: Callable[[PartitionRef], Any], function: Callable[[Any], Any],
              refs: Sequence[PartitionRef], workers: int) -> Iterator[Any]:
    with _KEPT_LOCK:  # one run at a time on the kept pool (the API runs one at a time anyway)
        if function is run_task and not (_KEPT and _KEPT[0] == key and _KEPT[1] == workers):
            _warm_baselines(make_task, refs)  # before the pool forks: its workers inherit them
        pool = _kept_pool(key, workers)
        token = transfer.new_token()
        try:
            yield from _pool_stream(pool, function, make_task, refs, 2 * workers, token)
        except BaseException:  # an error, an interrupt or a consumer that stops early: the workers go at once
            drop_kept_pool(kill=True)
            raise
        finally:
            transfer.cleanup(token)


def _warm_baselines(make_task: Callable[[PartitionRef], Any], refs: Sequence[PartitionRef]) -> None:
    """Compute and keep, in this process, the baseline simulations of a warm sample's partitions under the
    first run's law and year (`reducer.reduce_partition`'s `keep`), so that every worker forked afterwards
    starts with all of them: a reform after the first run then computes only what it changes, whichever
    worker gets which partition. (Without fork, each worker keeps those it computes.)"""
    from dataclasses import replace

    for ref in refs:
        task = make_task(ref)
        if not getattr(task.source, "warm", False):
            return
        households, persons = task.source.load(task.ref)
        baseline = replace(task.config, reform=None, reform_digest=None)
        reduce_partition(households, persons, baseline, task.ref.partition_id, task.ref.label, keep=task.source.key)


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
    return dask_stream(lambda ref: task_for(source, ref, config), run_task, refs, address, workers, processes)


def dask_stream(make_task: Callable[[PartitionRef], Any], function: Callable[[Any], Any],
                refs: Sequence[PartitionRef], address: str, workers: int, processes: bool = True
                ) -> Iterator[Any]:
    """`function(make_task(ref))` for every ref on a Dask cluster (see `run_dask`), at most 2 x threads in
    flight, results yielded as they finish (a budget window runs its per-partition task this way: run/window.py)."""
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
            futures.add(client.submit(function, make_task(ref), pure=False,
                                      key=f"gongfu-partition-{ref.partition_id}-{os.getpid()}-{id(futures)}"))
            in_flight += 1
        for fut in futures:
            state = fut.result()
            fut.release()
            in_flight -= 1
            yield state
            if todo:
                ref = todo.pop()
                futures.add(client.submit(function, make_task(ref), pure=False,
                                          key=f"gongfu-partition-{ref.partition_id}-{os.getpid()}-{id(futures)}"))
                in_flight += 1
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
