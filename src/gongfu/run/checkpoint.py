"""Checkpoints: finished partitions are recorded as they finish, so a run killed at any point resumes.

Layout of a checkpoint directory::

    DIR/run.json                   the run fingerprint and what it is made of (written first)
    DIR/merged.ckpt                the merged state of a set of partitions (ids inside), replaced atomically
    DIR/parts/part-000123.ckpt     one finished partition not yet folded into merged.ckpt

Every file is written under a temporary name in the same directory, flushed, fsynced and renamed
(`os.replace`), so a file under its final name is always complete. Each `.ckpt` file also carries a magic tag,
its payload length and the payload's SHA-256: a file that fails these checks (truncated, overwritten, from
another version) is ignored -- reported and recomputed -- never read. Folding is crash-safe: `merged.ckpt` is
replaced first and names the partitions it holds; part files of partitions it already holds are then deleted,
and if the run is killed before that, they are recognised and ignored on resume (never counted twice).

A budget window (run/window.py) uses the same layout with one file per partition holding its states of every
year of the window (`YearStates`), written once all its years are done; its fingerprint also covers the years.

The fingerprint covers the year, the law and engine code, the reform, the population (seed, partition plan and
generator code, or the Parquet files), and the analysis settings. A checkpoint directory of another run is a
clear error, not a silent mix.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import tempfile
import warnings
from pathlib import Path
from typing import Any

from .aggregate import AggregateError, RunAggregate

MAGIC = b"GONGFUCK"
FORMAT = 1
_HEADER = struct.Struct("<8sHQ32s")  # magic, format, payload length, sha256


class CheckpointMismatch(ValueError):
    """The checkpoint directory belongs to a different run."""


def write_atomic(path: Path, data: bytes) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    try:  # make the rename itself durable
        dfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:  # pragma: no cover - platforms without directory fsync
        pass


def frame(payload: bytes) -> bytes:
    return _HEADER.pack(MAGIC, FORMAT, len(payload), hashlib.sha256(payload).digest()) + payload


def unframe(data: bytes) -> bytes | None:
    """The payload of a framed file, or None if the file is not complete and intact."""
    if len(data) < _HEADER.size:
        return None
    magic, fmt, length, digest = _HEADER.unpack_from(data)
    payload = data[_HEADER.size:]
    if magic != MAGIC or fmt != FORMAT or length != len(payload) or hashlib.sha256(payload).digest() != digest:
        return None
    return payload


def read_state(path: Path, kind: Any = RunAggregate) -> Any:
    """A checkpointed state (a `kind`: `RunAggregate`, or a window's `YearStates`), or None (with a warning) when
    the file is damaged."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        return None
    payload = unframe(data)
    if payload is None:
        warnings.warn(f"checkpoint {path} is incomplete or damaged: ignored (its partitions are recomputed)",
                      RuntimeWarning, stacklevel=2)
        return None
    try:
        return kind.from_bytes(payload)
    except (AggregateError, ValueError, OSError) as exc:
        warnings.warn(f"checkpoint {path} cannot be read ({exc}): ignored", RuntimeWarning, stacklevel=2)
        return None


class CheckpointStore:
    """Records finished partitions of one run and restores them on resume. `kind`: the class of a partition's
    state (`RunAggregate`; a budget window records one `run.window.YearStates` per partition: its states of
    every year, written together once all its years are done)."""

    def __init__(self, directory: str | Path, fingerprint: str, details: dict[str, Any], kind: Any = RunAggregate):
        self.kind = kind
        self.dir = Path(directory)
        self.parts = self.dir / "parts"
        self.fingerprint = fingerprint
        self.dir.mkdir(parents=True, exist_ok=True)
        self.parts.mkdir(exist_ok=True)
        run = self.dir / "run.json"
        if run.exists():
            try:
                stored = json.loads(run.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError):
                stored = None
            if stored is None:
                if any(self.parts.glob("*.ckpt")) or (self.dir / "merged.ckpt").exists():
                    raise CheckpointMismatch(f"{run} is unreadable: cannot tell which run the checkpoints in "
                                             f"{self.dir} belong to; remove the directory or use another one")
            elif stored.get("fingerprint") != fingerprint:
                old = stored.get("details", {})
                diff = sorted(k for k in old.keys() | details.keys() if old.get(k) != details.get(k))
                raise CheckpointMismatch(
                    f"checkpoint directory {self.dir} holds partitions of a different run (differs in: "
                    f"{', '.join(diff) or 'unknown'}); use another --checkpoint-dir or remove it")
        write_atomic(run, json.dumps({"fingerprint": fingerprint, "details": details}, indent=1,
                                     sort_keys=True, default=str).encode("utf-8"))
        self.ignored: list[str] = []

    def part_path(self, partition_id: int) -> Path:
        return self.parts / f"part-{int(partition_id):06d}.ckpt"

    def load(self) -> Any:
        """The merged state of every intact checkpointed partition (None if there is none)."""
        state: RunAggregate | None = None
        merged = self.dir / "merged.ckpt"
        if merged.exists():
            state = read_state(merged, self.kind)
            if state is None:
                self.ignored.append(str(merged))
            elif state.layout.get("fingerprint") not in (None, self.fingerprint):
                raise CheckpointMismatch(f"{merged} belongs to a different run")
        for f in sorted(self.parts.glob("part-*.ckpt")):
            part = read_state(f, self.kind)
            if part is None:
                self.ignored.append(str(f))
                f.unlink(missing_ok=True)
                continue
            if state is not None and part.partitions <= state.partitions:
                f.unlink(missing_ok=True)  # already folded into merged.ckpt
                continue
            state = part if state is None else state.merge(part)
        return state

    def record(self, part: Any) -> None:
        """Record one finished partition, or a batch of them merged in a worker (atomic; the file is named by
        its first partition)."""
        write_atomic(self.part_path(min(part.partitions)), frame(part.to_bytes()))

    def consolidate(self, state: Any) -> None:
        """Fold the recorded partitions into merged.ckpt (atomic), then drop their part files."""
        write_atomic(self.dir / "merged.ckpt", frame(state.to_bytes()))
        for pid in state.partitions:
            self.part_path(pid).unlink(missing_ok=True)
