"""The mergeable state of a run: what partitions reduce to, and how two states merge exactly.

A `RunAggregate` holds, for a set of finished partitions:

* `dense` tables of exact sums (fixed-point limbs of `gongfu.exact`): weighted sums by province x area
  cell (and hukou type) of incomes, programmes, poverty gaps, Theil terms, reform changes (their columns are
  named and read through run/layout.py);
* `sparse` tables of exact sums keyed by a bin of a `DistributionSketch` (programme amounts by bin of market
  income, for concentration indices; reform changes by bin of baseline income, for deciles);
* sketches of per-capita incomes (national, by cell, by hukou type), as `analysis.sketch.DistributionSketch`es
  (exact per-bin limbs, per-bin minimum and maximum), sparse in a partition and dense once merged
  (`DistributionSketch.absorb`), so that merging costs only the bins a partition touches;
* `partitions`: the ids merged so far, and sample counts.

Merging adds integers (limbs are kept as plain int64 sums and carried into canonical form only when read or
saved: a canonical limb is below 2^32, so 2^31 partitions fit) and takes per-bin minima and maxima. Both are
associative and commutative, so the merged state depends only on *which* partitions were merged, never on their
order or grouping: the statistics computed from it are bit-identical.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy as np

import gongfu.run.layout as layout
from gongfu.analysis.sketch import DistributionSketch
from gongfu.exact import (
    LimbError,
    canonical,
    canonical_to_float,
    limbs_to_float,
    normalise_inplace,
    pack,
    unpack,
)


class AggregateError(LimbError):
    """Two states that cannot be merged (overlapping partitions, different layouts) or a corrupt state."""


class _Sketches(Mapping):
    """Read-only view of a state's sketches, the reform's unchanged ones under their own names too (`alias`)."""

    def __init__(self, owner: RunAggregate):
        self.owner = owner

    def __getitem__(self, name: str) -> DistributionSketch:
        states = self.owner.sketch_states
        key = name if name in states else self.owner.alias(name)
        if key is None:
            raise KeyError(name)
        return states[key]

    def __iter__(self) -> Iterator[str]:
        names = list(self.owner.sketch_states)
        aliases = [n for n in ("r." + m[2:] for m in names if layout.system_of(m) == "b") if n not in
                   self.owner.sketch_states and self.owner.alias(n)]
        return iter(names + aliases)

    def __len__(self) -> int:
        return sum(1 for _ in self)


class RunAggregate:
    """Exact, mergeable state of a set of partitions (see module docstring)."""

    def __init__(self, layout: Mapping[str, Any] | None = None):
        self.layout: dict[str, Any] = dict(layout or {})
        self.partitions: set[int] = set()
        self.counts: dict[str, int] = {"households": 0, "persons": 0}
        self.dense: dict[str, np.ndarray] = {}
        self.sparse: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.sparse_size: dict[str, int] = {}
        self.sketch_states: dict[str, DistributionSketch] = {}
        # sparse tables held dense over every bin (after merges): (that limbs array, the rows ever added to; all
        # others are zero)
        self._sparse_rows: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._sparse_floats: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}  # sparse_table, read-only

    @property
    def sketches(self) -> Mapping[str, DistributionSketch]:
        return _Sketches(self)

    def alias(self, name: str) -> str | None:
        """A reform sketch the reform cannot change is stored once, under the baseline's name."""
        base = layout.reform_counterpart(name)
        if base is None:
            return None
        _, concept = layout.depends_on(name)
        unchanged = concept not in self.layout.get("changed", {}).get("concepts", [concept])
        return base if unchanged and base in self.sketch_states else None

    def merged_sketch(self, names: Iterable[str]) -> DistributionSketch | None:
        """The `DistributionSketch` of the union of the rows of several sketches of this state (e.g. the cells of a
        region): `DistributionSketch.merge_all` of them. None when `names` is empty."""
        names = list(names)
        return DistributionSketch.merge_all([self.sketches[n] for n in names]) if names else None

    def baseline_view(self) -> RunAggregate:
        """A state holding only what describes the baseline: layout without the reform's parts, the columns of the
        dense tables that are not the reform's ("r.", "chg.") nor the reform-specific market components ("b.mkt."),
        the baseline sketches ("b.") and the baseline rank table -- so that its `digest` is the same for every
        reform run against the same baseline. Arrays are shared or sliced (read-only use)."""
        view = RunAggregate()
        kept = {k: v for k, v in self.layout.items() if k not in ("reform", "changed", "market_components")}
        for table in ("cellsh", "cells"):
            if table in self.layout and table in self.dense:
                keep = [j for j, n in enumerate(self.layout[table]) if layout.describes_baseline(n)]
                kept[table] = [self.layout[table][j] for j in keep]
                axis = 2 if table == "cellsh" else 1
                view.dense[table] = np.take(self.dense[table], keep, axis=axis)
        if "rank" in kept:
            kept["rank"] = {k: v for k, v in kept["rank"].items() if k == "b"}
        if "replicates" in kept:  # the baseline's replicate sums and histogram
            reps = kept["replicates"]
            kept["replicates"] = dict(reps, columns={k: v for k, v in reps["columns"].items() if k == "b"},
                                      hist=[k for k in reps["hist"] if k == "b"])
            for name in (layout.replicate_table("b"), layout.replicate_hist("b")):
                if name in self.dense:
                    view.dense[name] = self.dense[name]
        view.layout = kept
        view.partitions = set(self.partitions)
        view.counts = dict(self.counts)
        view.sketch_states = {k: v for k, v in self.sketch_states.items() if layout.system_of(k) == "b"}
        rank = layout.rank_table("b")
        if rank in self.sparse:
            self.sparse_table(rank)  # converted once, shared with the view (and with the reform's summary)
            view.sparse[rank] = self.sparse[rank]
            view.sparse_size[rank] = self.sparse_size.get(rank, 0)
            view._sparse_floats[rank] = self._sparse_floats[rank]
        return view

    def digest(self) -> str:
        """Hash of everything a summary can read from this state: layout, counts, dense tables, sketches (their
        non-empty bins, exact limbs, extremes) and sparse tables (as the float sums the summaries read)."""
        h = hashlib.blake2b(digest_size=32)

        def add(a: np.ndarray) -> None:
            a = np.ascontiguousarray(a)
            h.update(f"{a.dtype}{a.shape}".encode())
            h.update(a.tobytes())

        h.update(json.dumps({"layout": self.layout, "counts": self.counts, "partitions": sorted(self.partitions),
                             "sparse_size": self.sparse_size}, sort_keys=True, default=str).encode())
        for name in sorted(self.dense):
            h.update(f"dense/{name}".encode())
            add(canonical(self.dense[name]))
        for name in sorted(self.sketch_states):
            st = self.sketch_states[name]
            h.update(f"sketch/{name}/{sorted(st.config.items())}/{st.count}".encode())
            for a in st.nonempty():
                add(a)
        for name in sorted(self.sparse):
            h.update(f"sparse/{name}".encode())
            for a in self.sparse_table(name):
                add(a)
        return h.hexdigest()

    def set_sketch(self, name: str, sketch: DistributionSketch) -> None:
        self.sketch_states[name] = sketch

    # ------------------------------------------------------------------------------------------- merge --
    def merge(self, other: RunAggregate) -> RunAggregate:
        """Add `other` into `self` (in place) and return `self`. Refuses overlapping partition sets."""
        if not self.partitions and not self.dense and not self.sketch_states:
            self.layout = dict(other.layout)
        elif other.layout != self.layout:
            raise AggregateError("cannot merge run states with different layouts (programmes, lines, systems)")
        overlap = self.partitions & other.partitions
        if overlap:
            raise AggregateError(f"partition(s) {sorted(overlap)[:5]} would be counted twice")
        self.partitions |= other.partitions
        for k, v in other.counts.items():
            self.counts[k] = self.counts.get(k, 0) + int(v)
        for name, limbs in other.dense.items():
            mine = self.dense.get(name)
            if mine is None:
                self.dense[name] = limbs.copy()
            elif mine.shape != limbs.shape:
                raise AggregateError(f"table {name!r}: shapes {mine.shape} and {limbs.shape} differ")
            else:
                mine += limbs
        for name, (codes, limbs) in other.sparse.items():
            self._sparse_floats.pop(name, None)
            size = other.sparse_size.get(name) or self.sparse_size.get(name)
            if name not in self.sparse:
                self.sparse[name] = (codes.copy(), limbs.copy())
                if size:
                    self.sparse_size[name] = size
                continue
            mine_c, mine_l = self.sparse[name]
            if not size:  # unknown key range: sorted union
                union = np.union1d(mine_c, codes).astype(np.int64)
                merged = np.zeros((union.size, *mine_l.shape[1:]), dtype=np.int64)
                merged[np.searchsorted(union, mine_c)] += mine_l
                merged[np.searchsorted(union, codes)] += limbs
                self.sparse[name] = (union, merged)
                continue
            known = self._sparse_rows.get(name)
            rows = known[1] if known is not None and known[0] is mine_l else None
            if mine_c.size != size:  # dense over all bins from now on: later merges are in-place adds
                dense = np.zeros((size, *mine_l.shape[1:]), dtype=np.int64)
                dense[mine_c] = mine_l
                rows = np.zeros(size, dtype=bool)
                rows[mine_c] = True
                mine_c, mine_l = np.arange(size, dtype=np.int64), dense
            mine_l[codes] += limbs
            if rows is not None:
                rows[codes] = True
                self._sparse_rows[name] = (mine_l, rows)
            self.sparse[name] = (mine_c, mine_l)
        for name, st in other.sketch_states.items():
            mine_s = self.sketch_states.get(name)
            if mine_s is None:
                self.sketch_states[name] = st.copy()
            else:
                mine_s.absorb(st)
        return self

    @classmethod
    def merge_all(cls, states: Iterable[RunAggregate]) -> RunAggregate:
        out = cls()
        for s in states:
            out.merge(s)
        return out

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RunAggregate):
            return NotImplemented
        return (self.layout == other.layout and self.partitions == other.partitions
                and self.counts == other.counts and self.dense.keys() == other.dense.keys()
                and all(np.array_equal(canonical(v), canonical(other.dense[k])) for k, v in self.dense.items())
                and self.sparse.keys() == other.sparse.keys()
                and all(_sparse_equal(self._sparse_used(k), other._sparse_used(k)) for k in self.sparse)
                and self.sketch_states.keys() == other.sketch_states.keys()
                and all(v == other.sketch_states[k] for k, v in self.sketch_states.items()))

    __hash__ = None  # type: ignore[assignment]

    # --------------------------------------------------------------------------------------- accessors --
    def table(self, name: str) -> np.ndarray:
        """Float64 values of a dense table (each an exact sum, rounded once)."""
        return limbs_to_float(self.dense[name])

    def _sparse_used(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        codes, limbs = self.sparse[name]
        known = self._sparse_rows.get(name)
        if known is not None and known[0] is limbs:  # dense over every bin: only the rows added to
            touched = np.flatnonzero(known[1])
            codes, limbs = codes[touched], limbs[touched]
        # rows whose raw limbs are all zero are zero; only the others need carrying
        raw = limbs.reshape(limbs.shape[0], -1).any(axis=1) if limbs.size else np.zeros(limbs.shape[0], bool)
        codes, limbs = codes[raw], normalise_inplace(limbs[raw])
        used = np.any(limbs != 0, axis=tuple(range(1, limbs.ndim)))
        return codes[used], limbs[used]

    def sparse_table(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(bins, float64 sums) of the non-zero rows of a sparse table (read-only arrays, kept until the table
        changes by a merge: the summaries of baseline and reform read the same tables)."""
        limbs_now = self.sparse[name][1]
        cached = self._sparse_floats.get(name)
        if cached is not None and cached[0] is limbs_now:
            return cached[1], cached[2]
        codes, limbs = self._sparse_used(name)
        values = canonical_to_float(limbs, owned=True)
        codes.flags.writeable = False
        values.flags.writeable = False
        self._sparse_floats[name] = (limbs_now, codes, values)
        return codes, values

    # --------------------------------------------------------------------------------- serialisation --
    def to_arrays(self, packed: bool = True) -> dict[str, np.ndarray]:
        """Flat dict of arrays (no pickle; non-empty bins only): checkpoints (`packed`: canonical limbs in 32 bits,
        `exact.pack`) and transfer between processes (``packed=False``: the int64 limbs as they are)."""
        pack_ = pack if packed else np.asarray
        sketch_meta: dict[str, Any] = {}
        arrays: dict[str, np.ndarray] = {}
        for name, st in self.sketch_states.items():
            bins, limbs, lo, hi = st.nonempty()
            sketch_meta[name] = {**st.config, "count": st.count}
            arrays[f"sk/{name}/bins"], arrays[f"sk/{name}/limbs"] = bins, pack_(limbs)
            arrays[f"sk/{name}/bin_min"], arrays[f"sk/{name}/bin_max"] = lo, hi
        for name, limbs in self.dense.items():
            arrays[f"dense/{name}"] = pack_(limbs)
        for name in self.sparse:
            codes, limbs = self._sparse_used(name)
            arrays[f"sp/{name}/codes"], arrays[f"sp/{name}/limbs"] = codes, pack_(limbs)
        meta = {"layout": self.layout, "partitions": sorted(self.partitions), "counts": self.counts,
                "sketches": sketch_meta, "sparse_size": self.sparse_size}
        arrays["meta"] = np.frombuffer(json.dumps(meta, sort_keys=True).encode("utf-8"), dtype=np.uint8)
        return arrays

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray], owned: bool = False) -> RunAggregate:
        """The state of `to_arrays`; with `owned` (arrays made for this state alone, writeable, e.g. read from a
        file), int64 limbs are used as they are instead of copied."""
        try:
            meta = json.loads(bytes(np.asarray(arrays["meta"], dtype=np.uint8)).decode("utf-8"))
            out = cls(meta["layout"])
            out.partitions = {int(p) for p in meta["partitions"]}
            out.counts = {k: int(v) for k, v in meta["counts"].items()}
            out.sparse_size = {k: int(v) for k, v in meta.get("sparse_size", {}).items()}
            for name, sm in meta["sketches"].items():
                out.sketch_states[name] = DistributionSketch.from_bins(
                    sm, sm["count"], np.asarray(arrays[f"sk/{name}/bins"], dtype=np.int64),
                    unpack(arrays[f"sk/{name}/limbs"], copy=not owned),
                    np.asarray(arrays[f"sk/{name}/bin_min"], dtype=np.float64),
                    np.asarray(arrays[f"sk/{name}/bin_max"], dtype=np.float64))
            for key, value in arrays.items():
                if key.startswith("dense/"):
                    out.dense[key[6:]] = unpack(value, copy=not owned)
                elif key.startswith("sp/") and key.endswith("/codes"):
                    name = key[3:-6]
                    out.sparse[name] = (np.array(value, dtype=np.int64),
                                        unpack(arrays[f"sp/{name}/limbs"], copy=not owned))
        except (KeyError, ValueError, TypeError) as exc:
            raise AggregateError(f"not a run state ({type(exc).__name__}: {exc})") from exc
        return out

    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        np.savez(buf, **self.to_arrays())
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> RunAggregate:
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            return cls.from_arrays({k: z[k] for k in z.files})

    # pickling (process pools, Dask) goes through the compact array form (a dict of arrays: pickled by memory
    # copy, without the zip container of `to_bytes`, whose headers cost more than the arrays on a warm sample)
    def __reduce__(self):  # noqa: D105
        return (_from_arrays, (self.to_arrays(packed=False),))


def _sparse_equal(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> bool:
    return np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])


def _from_arrays(arrays: dict[str, np.ndarray]) -> RunAggregate:
    return RunAggregate.from_arrays(arrays)
