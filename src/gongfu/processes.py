"""Process pools whose workers end with their parent, for the national run and the population builder.

On Linux each worker asks the kernel for SIGKILL when its parent dies (prctl PR_SET_PDEATHSIG), elsewhere a
watchdog thread ends it once its parent is gone; SIGINT is left to the parent, and SIGTERM or SIGINT in the parent
(or any error, or a consumer that stops early) kills the pool's workers at once instead of waiting for their work.

May import: the standard library only (it sits at the bottom of the house, beside gongfu.exact).
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any


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


def process_alive(pid: int) -> bool:
    """Whether a process `pid` exists (one of another user counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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
    # A worker killed while sending its result leaves half a message in the result pipe, and the manager thread
    # would wait for the rest for ever (and the interpreter's exit joins that thread): with the workers dead, this
    # process holds the pipe's last write end, and closing it gives the manager an end of file instead.
    writer = getattr(getattr(pool, "_result_queue", None), "_writer", None)
    if writer is not None and procs:
        with contextlib.suppress(Exception):
            writer.close()
    manager = getattr(pool, "_executor_manager_thread", None)
    if manager is not None and procs:
        manager.join(5)


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """SIGINT and SIGTERM wait until the block ends (a second Ctrl-C must not break off the killing of the
    workers); in the main thread only, a no-op elsewhere."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    saved = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(ValueError, OSError):
            saved[signum] = signal.signal(signum, lambda s, f: caught.append(s))
    try:
        yield
    finally:
        for signum, handler in saved.items():
            with contextlib.suppress(ValueError, OSError, TypeError):
                signal.signal(signum, handler)
        for signum in dict.fromkeys(caught):
            os.kill(os.getpid(), signum)  # delivered again, to the handler restored above


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
            with _signals_deferred():
                kill_workers(pool)
                pool.shutdown(wait=False)
            raise
        pool.shutdown(wait=True)
