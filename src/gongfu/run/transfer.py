"""Partition states from local pool workers to the parent through a file in shared memory (/dev/shm).

A partition's state is tens of MB of exact limbs (a 35,000-household partition of the default sample: about
31 MB). Returned through the process pool's pipe it is pickled, written and read in chunks and unpickled, which
costs about 0.2 s per state on the 2-core machine -- more than computing a reform on the warm default sample.
Written once into a file of the memory file system and read back in one piece, it costs a few hundredths of a
second. The worker returns a small `Shipped` handle; the parent reads the file, deletes it, and rebuilds the
same `RunAggregate` (`RunAggregate.to_arrays(packed=False)` / `from_arrays`, as the pickled form does).

Files are named ``gongfu-state-<parent pid>-<run token>-<random>``: a run removes its own left-overs when it ends
(an error, an interrupt, a consumer that stops early: `cleanup`), and any run removes those of parents that no
longer exist (`cleanup_orphans`). Where /dev/shm is missing or not writable, or a write fails (full), the state
travels through the pipe as before. Dask keeps its own transport.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..processes import process_alive
from .aggregate import AggregateError, RunAggregate

SHM_DIR = Path("/dev/shm")
PREFIX = "gongfu-state-"
ALIGN = 64  # bytes: every array starts at a multiple (aligned views)


@dataclass(frozen=True)
class Shipped:
    """Where a worker left a partition's state: the file, and (name, dtype, shape, offset) of each array."""

    path: str
    header: tuple[tuple[str, str, tuple[int, ...], int], ...]
    size: int


def usable(directory: Path = SHM_DIR) -> bool:
    return directory.is_dir() and os.access(directory, os.W_OK)


def new_token() -> str:
    """A token naming one run's files."""
    return uuid.uuid4().hex[:12]


def ship(state: Any, token: str, directory: Path = SHM_DIR) -> Any:
    """In a worker: `state` (a RunAggregate) written to a file in shared memory, as its `Shipped` handle; the state
    itself where that cannot be done (no /dev/shm, a failed write), to travel through the pipe."""
    if not isinstance(state, RunAggregate) or not usable(directory):
        return state
    header: list[tuple[str, str, tuple[int, ...], int]] = []
    chunks: list[np.ndarray] = []
    offset = 0
    for name, a in state.to_arrays(packed=False).items():
        a = np.ascontiguousarray(a)
        header.append((name, a.dtype.str, tuple(int(n) for n in a.shape), offset))
        chunks.append(a)
        offset += -(-a.nbytes // ALIGN) * ALIGN
    path = directory / f"{PREFIX}{os.getppid()}-{token}-{uuid.uuid4().hex}"
    try:  # readable by this user only; a new file (never through a link someone else put there)
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as f:
            for (_, _, _, start), a in zip(header, chunks, strict=True):
                if a.nbytes:  # (an empty array has nothing to write, and no byte view)
                    f.seek(start)
                    f.write(memoryview(a.reshape(-1)).cast("B"))
            f.truncate(offset)
    except OSError:  # e.g. /dev/shm full (64 MB in a default Docker container): the pipe instead
        _unlink(path)
        return state
    return Shipped(str(path), tuple(header), offset)


def receive(item: Any) -> Any:
    """In the parent: the RunAggregate of a `Shipped` handle (its file read whole, then deleted); anything else
    as it is."""
    if not isinstance(item, Shipped):
        return item
    path = Path(item.path)
    try:
        buf = np.fromfile(path, dtype=np.uint8)
    except OSError as exc:
        raise AggregateError(f"the state of a partition could not be read back from {path}: {exc}") from exc
    finally:
        _unlink(path)
    if buf.size != item.size:
        raise AggregateError(f"the state file {path} holds {buf.size} bytes, not {item.size}")
    arrays = {}
    for name, dtype, shape, start in item.header:
        dt = np.dtype(dtype)
        n = int(np.prod(shape, dtype=np.int64)) * dt.itemsize
        arrays[name] = buf[start:start + n].view(dt).reshape(shape)
    return RunAggregate.from_arrays(arrays, owned=True)  # (views of `buf`, read for this state alone)


def cleanup(token: str, directory: Path = SHM_DIR) -> None:
    """Remove the files a run (`token`) of this process left (those its consumer never read)."""
    for path in directory.glob(f"{PREFIX}{os.getpid()}-{token}-*") if usable(directory) else ():
        _unlink(path)


def cleanup_orphans(directory: Path = SHM_DIR) -> None:
    """Remove the files of runs whose process no longer exists (killed before it could read them)."""
    if not usable(directory):
        return
    for path in directory.glob(f"{PREFIX}*"):
        try:
            pid = int(path.name[len(PREFIX):].split("-", 1)[0])
        except ValueError:
            continue
        if pid != os.getpid() and not process_alive(pid):
            _unlink(path)  # (another user's file stays: not ours to remove)


def _unlink(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


def run_shipped(token: str, function: Any, task: Any) -> Any:
    """In a worker: `function(task)`, its state shipped (`ship`)."""
    return ship(function(task), token)
