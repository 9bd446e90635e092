"""The process pool of gongfu.processes gives up cleanly: killing its workers while one is sending a large result
leaves no thread waiting for the rest of the message (that wait hung the interpreter's exit, issue 9 §6)."""

from __future__ import annotations

import os
import signal
import time
from concurrent.futures.process import BrokenProcessPool

import psutil
import pytest

from gongfu.processes import kill_workers, process_pool
from gongfu.run import ArraySource, simulate
from gongfu.run.api import InjectedFailure

BIG = 400_000_000  # bytes: the pipe carries it in far longer than it takes to kill the sender


def _big_result() -> bytes:
    return b"x" * BIG


def test_killing_the_workers_mid_result_frees_the_manager_thread():
    with process_pool(1) as pool:
        future = pool.submit(_big_result)
        reader = pool._result_queue._reader
        deadline = time.monotonic() + 60
        while not reader.poll(0.001):  # the worker has begun to write its result
            assert time.monotonic() < deadline, "the worker never answered"
        kill_workers(pool)
        manager = pool._executor_manager_thread
        manager.join(10)
        assert not manager.is_alive(), "the pool's manager thread still waits for the rest of a killed result"
        with pytest.raises(BrokenProcessPool):
            future.result(timeout=10)


class _SlowAfterTheFirst(ArraySource):
    """Partition 0 loads at once, every other one takes ten minutes (as a 1:1 partition takes minutes)."""

    def load(self, ref):
        if ref.partition_id != 0:
            time.sleep(600)
        return super().load(ref)


def test_an_error_while_merging_ends_the_workers_at_once(population):
    """An error (or a signal) raised while the run merges a result, outside the pool's generator, still kills the
    workers at once: the run does not wait for their partitions to finish."""
    source = ArraySource.split(*population, 6)
    source.__class__ = _SlowAfterTheFirst
    me = psutil.Process()
    t0 = time.monotonic()
    with pytest.raises(InjectedFailure) as failure:  # kept, as an exception on its way to the top keeps its frames
        simulate(population=source, workers=2, fail_after=1)
    assert time.monotonic() - t0 < 120
    deadline = time.monotonic() + 20
    while [c for c in me.children(recursive=True) if c.status() != psutil.STATUS_ZOMBIE] and \
            time.monotonic() < deadline:
        time.sleep(0.1)
    left = [c.pid for c in me.children(recursive=True) if c.status() != psutil.STATUS_ZOMBIE]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, "workers still computing after the run failed"
    assert failure.traceback  # alive until here


def test_batches_cover_every_partition_once_in_order_largest_first():
    """`backends.batches`: consecutive partitions, each once; about 1/workers of what is left per batch, at
    most MAX_BATCH_HOUSEHOLDS (a lone larger partition is its own batch); the last batches single partitions."""
    from gongfu.run.backends import MAX_BATCH_HOUSEHOLDS, batches
    from gongfu.run.sources import PartitionRef

    sizes = [300_000] * 20 + [3_000_000] + [100_000] * 9
    refs = [PartitionRef(i, str(i), n, None) for i, n in enumerate(sizes)]
    plan = batches(refs, 2)
    assert [r.partition_id for b in plan for r in b] == list(range(len(sizes)))
    assert len(plan[0]) == 6  # 8.9M households left / 2 workers, capped at 2M: six of 300,000
    assert all(sum(r.households for r in b) <= MAX_BATCH_HOUSEHOLDS or len(b) == 1 for b in plan)
    assert [len(b) for b in plan[-3:]] == [1, 1, 1]
    assert batches(refs, 1)[0] == refs[:6] and batches([], 2) == []
