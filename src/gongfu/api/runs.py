"""Runs over HTTP (/simulate, /compare): a bounded queue with its own executor and a result cache bounded by bytes.

Runs take seconds and hundreds of MB; household calculations (/calc) and the listings take milliseconds. Runs
therefore never use the server's shared thread pool: they go to their own executor (`workers` at a time, one by
default), at most `waiting` more wait for it, and beyond that a request is refused at once with HTTP 429 and a
`Retry-After` header (estimated from the runs' recent durations). The same request made while it is queued or
running waits for that run instead of queuing another. Results are kept as the bytes of their JSON (what is sent)
in a cache bounded by memory, least recently used first out; after each run the result objects are dropped and
freed memory is returned to the operating system. Runs execute at a lower CPU priority (nice +10, inherited by
the runner's worker processes) so that /calc keeps the cores when both compete.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import gc
import math
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any


class QueueFull(Exception):  # noqa: N818 - a signal, answered with 429
    """Every run slot and waiting place is taken: retry after `retry_after` seconds."""

    def __init__(self, running: int, waiting: int, retry_after: int):
        super().__init__(f"runs: {running} running and {waiting} waiting, the most this server takes; "
                         f"retry in about {retry_after} s")
        self.retry_after = retry_after


class ByteCache:
    """Least-recently-used cache of encoded results, bounded by the total of their sizes in bytes."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: str, value: bytes) -> None:
        with self._lock:
            if key in self._items:
                self._bytes -= len(self._items.pop(key))
            if len(value) > self.max_bytes:
                return
            self._items[key] = value
            self._bytes += len(value)
            while self._bytes > self.max_bytes:
                _, old = self._items.popitem(last=False)
                self._bytes -= len(old)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    @property
    def nbytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: str) -> bool:
        return key in self._items


def release_memory() -> None:
    """Collect garbage and hand freed heap pages back to the OS (glibc's malloc_trim; a no-op elsewhere)."""
    gc.collect()
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def _libc() -> Any:
    try:
        name = ctypes.util.find_library("c")
        lib = ctypes.CDLL(name) if name else None
        return lib if lib is not None and hasattr(lib, "malloc_trim") else None
    except OSError:  # pragma: no cover - not glibc
        return None


_LIBC = _libc()


RUN_NICENESS = 10


def lower_priority(step: int = RUN_NICENESS) -> None:
    """Lower the scheduling priority of the calling thread (Linux: threads have their own nice value, and the
    runner's worker processes, forked from it, inherit it), so that household calculations keep the CPU when
    runs compete for it. A no-op where threads cannot be reniced."""
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + step))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        pass


class RunQueue:
    """`workers` runs at a time on a private executor, at most `waiting` queued, identical requests shared."""

    def __init__(self, cache: ByteCache, workers: int = 1, waiting: int = 8):
        from .. import workflow

        workflow.keep_samples_warm()  # runs of a server reuse the generated default sample (same results)
        self.cache = cache
        self.workers = workers
        self.waiting = waiting
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._pending: dict[str, Future] = {}
        self._running = 0
        self._seconds = 5.0  # moving estimate of one run's duration, for Retry-After

    def configure(self, workers: int, waiting: int, cache_bytes: int) -> None:
        with self._lock:
            if workers != self.workers and self._executor is not None:
                self._executor.shutdown(wait=False)
                self._executor = None
            self.workers, self.waiting = workers, waiting
            self.cache.max_bytes = cache_bytes

    @property
    def queued(self) -> int:
        return len(self._pending)

    def _pool(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="gongfu-run",
                                                initializer=lower_priority)
        return self._executor

    def submit(self, key: str, make: Callable[[], bytes]) -> Future:
        """A future of the encoded result: from the cache, shared with the same request in flight, or queued.
        Raises QueueFull when `workers + waiting` runs are already in flight."""
        with self._lock:
            done = self.cache.get(key)
            if done is not None:
                ready: Future = Future()
                ready.set_result(done)
                return ready
            if key in self._pending:
                return self._pending[key]
            if len(self._pending) >= self.workers + self.waiting:
                ahead = len(self._pending) / max(1, self.workers)
                raise QueueFull(min(len(self._pending), self.workers), max(0, len(self._pending) - self.workers),
                                max(1, math.ceil(self._seconds * ahead)))
            future = self._pool().submit(self._run, key, make)
            self._pending[key] = future
            future.add_done_callback(lambda _f, k=key: self._forget(k))
            return future

    def _forget(self, key: str) -> None:
        with self._lock:
            self._pending.pop(key, None)

    def _run(self, key: str, make: Callable[[], bytes]) -> bytes:
        start = time.perf_counter()
        try:
            data = make()
            self.cache.put(key, data)
            return data
        finally:
            self._seconds = 0.7 * self._seconds + 0.3 * (time.perf_counter() - start)
            release_memory()

    async def run(self, key: str, make: Callable[[], bytes]) -> bytes:
        """Await the encoded result (see `submit`). A client that leaves does not cancel the run (another request
        may share it; its result is cached)."""
        return await asyncio.shield(asyncio.wrap_future(self.submit(key, make)))
