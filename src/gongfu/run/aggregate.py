"""The mergeable state of a run: what partitions reduce to, and how two states merge exactly.

A `RunAggregate` holds, for a set of finished partitions:

* `dense` tables of exact sums (canonical fixed-point limbs of `analysis.aggregates`): weighted sums by
  province x area cell (and hukou type) of incomes, programmes, poverty gaps, Theil terms, reform changes;
* `sparse` tables of exact sums keyed by a bin of a `DistributionSketch` (programme amounts by bin of market
  income, for concentration indices; reform changes by bin of baseline income, for deciles);
* `sketches`: `DistributionSketch`es of per-capita incomes (national, by cell, by hukou type);
* `partitions`: the ids merged so far, and sample counts.

Merging adds integers (and takes per-bin minima and maxima), which is associative and commutative, so the
merged state depends only on *which* partitions were merged, never on their order or grouping.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from gongfu.analysis.aggregates import DistributionSketch, add_limbs, exact_sums, limbs_to_float

N_LIMBS = 4


class AggregateError(ValueError):
    """Two states that cannot be merged (overlapping partitions, different layouts) or a corrupt state."""


def to_limbs(values: np.ndarray) -> np.ndarray:
    """Exact fixed-point limbs (shape + (4,)) of a float64 array, element by element (deterministic)."""
    v = np.asarray(values, dtype=np.float64)
    flat = v.reshape(-1)
    if flat.size == 0:
        return np.zeros((*v.shape, N_LIMBS), dtype=np.int64)
    limbs = exact_sums(np.arange(flat.size), flat[:, None], flat.size)
    return limbs.reshape(*v.shape, N_LIMBS)


def _union(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    codes = np.union1d(a[0], b[0]).astype(np.int64)
    limbs = np.zeros((codes.size, *a[1].shape[1:]), dtype=np.int64)
    for c, li in (a, b):
        limbs[np.searchsorted(codes, c)] += li
    return codes, add_limbs(limbs, np.zeros_like(limbs))


class RunAggregate:
    """Exact, mergeable state of a set of partitions (see module docstring)."""

    def __init__(self, layout: Mapping[str, Any] | None = None):
        self.layout: dict[str, Any] = dict(layout or {})
        self.partitions: set[int] = set()
        self.counts: dict[str, int] = {"households": 0, "persons": 0}
        self.dense: dict[str, np.ndarray] = {}
        self.sparse: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.sketches: dict[str, DistributionSketch] = {}

    # ------------------------------------------------------------------------------------------- merge --
    def merge(self, other: RunAggregate) -> RunAggregate:
        """Add `other` into `self` (in place) and return `self`. Refuses overlapping partition sets."""
        if not self.partitions and not self.dense and not self.sketches:
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
                self.dense[name] = add_limbs(mine, limbs)
        for name, table in other.sparse.items():
            mine_t = self.sparse.get(name)
            self.sparse[name] = (table[0].copy(), table[1].copy()) if mine_t is None else _union(mine_t, table)
        for name, sketch in other.sketches.items():
            mine_s = self.sketches.get(name)
            self.sketches[name] = sketch if mine_s is None else mine_s.merge(sketch)
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
                and all(np.array_equal(v, other.dense[k]) for k, v in self.dense.items())
                and self.sparse.keys() == other.sparse.keys()
                and all(np.array_equal(v[0], other.sparse[k][0]) and np.array_equal(v[1], other.sparse[k][1])
                        for k, v in self.sparse.items())
                and self.sketches.keys() == other.sketches.keys()
                and all(v == other.sketches[k] for k, v in self.sketches.items()))

    __hash__ = None  # type: ignore[assignment]

    # --------------------------------------------------------------------------------------- accessors --
    def table(self, name: str) -> np.ndarray:
        """Float64 values of a dense table (each an exact sum, rounded once)."""
        return limbs_to_float(self.dense[name])

    def sparse_table(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        codes, limbs = self.sparse[name]
        return codes, limbs_to_float(limbs)

    # --------------------------------------------------------------------------------- serialisation --
    def to_arrays(self) -> dict[str, np.ndarray]:
        """Flat dict of arrays (no pickle): for checkpoints and transfer."""
        sketch_meta: dict[str, Any] = {}
        arrays: dict[str, np.ndarray] = {}
        for name, sk in self.sketches.items():
            d = sk.to_dict()
            sketch_meta[name] = {k: d[k] for k in ("kind", "version", "sub_bins", "min_exponent", "max_exponent",
                                                    "count")}
            for k in ("bins", "limbs", "bin_min", "bin_max"):
                arrays[f"sk/{name}/{k}"] = np.asarray(d[k])
        for name, limbs in self.dense.items():
            arrays[f"dense/{name}"] = limbs
        for name, (codes, limbs) in self.sparse.items():
            arrays[f"sp/{name}/codes"] = codes
            arrays[f"sp/{name}/limbs"] = limbs
        meta = {"layout": self.layout, "partitions": sorted(self.partitions), "counts": self.counts,
                "sketches": sketch_meta}
        arrays["meta"] = np.frombuffer(json.dumps(meta, sort_keys=True).encode("utf-8"), dtype=np.uint8)
        return arrays

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> RunAggregate:
        try:
            meta = json.loads(bytes(np.asarray(arrays["meta"], dtype=np.uint8)).decode("utf-8"))
            out = cls(meta["layout"])
            out.partitions = {int(p) for p in meta["partitions"]}
            out.counts = {k: int(v) for k, v in meta["counts"].items()}
            for name, sm in meta["sketches"].items():
                state = dict(sm, **{k: arrays[f"sk/{name}/{k}"] for k in ("bins", "limbs", "bin_min", "bin_max")})
                out.sketches[name] = DistributionSketch.from_dict(state)
            for key, value in arrays.items():
                if key.startswith("dense/"):
                    out.dense[key[6:]] = np.asarray(value, dtype=np.int64)
                elif key.startswith("sp/") and key.endswith("/codes"):
                    name = key[3:-6]
                    out.sparse[name] = (np.asarray(value, dtype=np.int64),
                                        np.asarray(arrays[f"sp/{name}/limbs"], dtype=np.int64))
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

    # pickling (process pools, Dask) goes through the compact array form
    def __reduce__(self):  # noqa: D105
        return (_from_bytes, (self.to_bytes(),))


def _from_bytes(data: bytes) -> RunAggregate:
    return RunAggregate.from_bytes(data)
