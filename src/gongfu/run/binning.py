"""Per-partition accumulation into the bins of `analysis.sketch.DistributionSketch`, fast and deterministic.

`DistributionSketch.update` converts every row exactly to fixed-point limbs, which makes any partitioning give
bit-identical sketches but costs about 0.5 microseconds per row. A national run cannot afford that per row, so a
partition is first reduced in plain float64 (bincount into the sketch's own bins, per-bin minima and maxima), and
only the per-bin sums of the partition are converted exactly (`gongfu.exact.exact_values`) into a `DistributionSketch`
(`DistributionSketch.from_bins`). Consequences, stated in `meta.exactness` of every run:

* the sketch of a partition is a deterministic function of the partition's rows (same order, same block size);
  merging partition sketches is exact, so a run gives bit-identical results whatever the number of workers, the
  backend (process pool or Dask), the order in which partitions finish, or a kill and resume;
* the same rows split into different partitions give per-bin sums that differ only by float64 rounding of the
  partition sums (relative 1e-16 per addition), far below every statistical bound of the sketch.

`bin_index` reproduces `DistributionSketch.bin_index` exactly (tested on random and edge values) but reads the
bin straight from the IEEE-754 bits -- biased exponent and the top log2(M) mantissa bits are the octave and the
sub-bin -- instead of `frexp` and five `where` passes (~6x faster).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from gongfu.analysis.sketch import DistributionSketch
from gongfu.exact import exact_values

_MAG = np.int64(0x7FFF_FFFF_FFFF_FFFF)


def sketch_n_bins(config: dict[str, int]) -> int:
    k = (config["max_exponent"] - config["min_exponent"]) * config["sub_bins"]
    return 2 * k + 5


def bin_index(values: np.ndarray, config: dict[str, int], out: np.ndarray | None = None) -> np.ndarray:
    """Bin of each value in the layout of `DistributionSketch(**config)` (identical to its `bin_index`).

    For a positive normal double with biased exponent E and mantissa bits f, the sketch's octave is E - 1023 and
    its sub-bin floor(f * M / 2^52), i.e. the top log2(M) bits of f; `bits >> (52 - log2 M)` gives both at once.
    """
    x = np.ascontiguousarray(values, dtype=np.float64)
    m, emin = int(config["sub_bins"]), int(config["min_exponent"])
    shift = m.bit_length() - 1
    k_total = (int(config["max_exponent"]) - emin) * m
    bits = x.view(np.int64)
    key = bits & _MAG
    np.right_shift(key, 52 - shift, out=key)
    key -= (emin + 1023) << shift
    np.clip(key, -1, k_total, out=key)  # -1: tiny (incl. zero and subnormals), K: overflow
    if out is None:
        out = np.empty(x.shape, dtype=np.int64)
    np.add(key, k_total + 4, out=out)  # positive values (sign bit clear, not zero)
    if x.size and x.min() > 0:
        return out
    rest = np.flatnonzero(bits <= 0)  # zeros (both signs) and negatives (sign bit set: bits < 0), usually few
    zero = x[rest] == 0
    out[rest] = np.where(zero, k_total + 2, k_total - key[rest])
    return out


class Binned:
    """Bins of a set of rows with their range, computed once: `lo`, `size` (= max - lo + 1) and `local` = idx - lo,
    the compact index the accumulators count into."""

    __slots__ = ("idx", "lo", "size", "local")

    def __init__(self, idx: np.ndarray, lo: int | None = None, size: int | None = None):
        self.idx = idx
        if idx.size == 0:
            self.lo, self.size, self.local = 0, 0, idx
            return
        if lo is None or size is None:
            lo, hi = int(idx.min()), int(idx.max())
            size = hi - lo + 1
        self.lo, self.size = int(lo), int(size)
        self.local = idx - self.lo if self.lo else idx


class BinAccumulator:
    """Float64 per-bin sums of `DistributionSketch` bins for a partition: G groups x C weight columns.

    For weight column c and group g: w[c, g, b] = sum of weights, y[c, g, b] = sum of weight * value, and the
    per-bin minimum and maximum of the values of the rows with positive weight in that column (with a single
    column, of all rows: rows of weight 0 do not enter any sketch bin's weight). With two columns (the hukou
    split: a household's urban- and rural-hukou members), minima and maxima are kept by kind of row -- weight in
    column 0 only, in column 1 only, in both, in neither -- in one pass, and combined per column when read.
    `extra` columns hold further per-bin sums (e.g. a programme's amount by bin of market income), added with
    `add_extra`.
    """

    def __init__(self, config: dict[str, int], n_groups: int = 1, n_weights: int = 1, n_extra: int = 0):
        self.config = dict(config)
        self.n_bins = sketch_n_bins(self.config)
        self.n_groups, self.n_weights, self.n_extra = n_groups, n_weights, n_extra
        nb = self.n_bins
        self.w = np.zeros((n_weights, n_groups, nb))  # w[c] is contiguous: flat index g * nb + bin
        self.y = np.zeros((n_weights, n_groups, nb))
        kinds = 4 if n_weights == 2 else 1
        self.lo = np.full((kinds, n_groups, nb), np.inf)
        self.hi = np.full((kinds, n_groups, nb), -np.inf)
        self.extra = np.zeros((n_extra, nb)) if n_extra else None
        self.rows = np.zeros((max(n_weights, 1), n_groups), dtype=np.int64)  # rows with positive weight
        # flat ranges (g * n_bins + bin) written since the last reset, [start, stop): only they are cleared and read
        self._span = (0, 0)
        self._extra_span = (0, 0)
        # while few rows were added (small partitions), their flat bins themselves (None once there are more than
        # `_track_limit`: the ranges are then scanned instead)
        self._track_limit = max(4096, nb // 4)
        self._added: list[np.ndarray] | None = []
        self._extra_added: list[np.ndarray] | None = []
        self._n_added = self._n_extra_added = 0
        self._distinct: dict[str, np.ndarray] = {}  # the last sorted distinct list made of each

    def _track(self, which: str, flat: np.ndarray) -> None:
        lst = self._added if which == "w" else self._extra_added
        if lst is None:
            return
        n = (self._n_added if which == "w" else self._n_extra_added) + flat.size
        if n > self._track_limit:
            lst = None
        else:
            lst.append(flat)
        if which == "w":
            self._added, self._n_added = lst, n
        else:
            self._extra_added, self._n_extra_added = lst, n

    def _written(self, which: str) -> np.ndarray | None:
        """Sorted flat bins written since the last reset, when tracked (else None: scan the range)."""
        lst = self._added if which == "w" else self._extra_added
        if lst is None:
            return None
        cached = self._distinct.get(which)
        if cached is not None and len(lst) == 1 and lst[0] is cached:
            return cached
        if not lst:
            return np.zeros(0, dtype=np.int64)
        out = np.sort(np.concatenate(lst)) if len(lst) > 1 else np.sort(lst[0])
        if out.size > 1:
            out = out[np.r_[True, out[1:] != out[:-1]]]  # distinct (np.unique's hashing is slower here)
        if which == "w":
            self._added = [out]
        else:
            self._extra_added = [out]
        self._distinct[which] = out
        return out

    def reset(self) -> None:
        a, b = self._span
        written = self._written("w")
        if written is not None:
            if written.size:
                self.w.reshape(self.n_weights, -1)[:, written] = 0.0
                self.y.reshape(self.n_weights, -1)[:, written] = 0.0
                self.lo.reshape(self.lo.shape[0], -1)[:, written] = np.inf
                self.hi.reshape(self.hi.shape[0], -1)[:, written] = -np.inf
        elif b > a:
            # every row added updates its bin's minimum (whatever its weight), so the bins written since the last
            # reset are those with a minimum below +inf (or NaN) in some kind of row: clear only them
            lo = self.lo.reshape(self.lo.shape[0], -1)[:, a:b]
            written = lo[0] != np.inf
            for k in range(1, lo.shape[0]):
                written |= lo[k] != np.inf
            touched = np.flatnonzero(written)
            if touched.size * 4 > b - a:  # most of the range: plain slices are cheaper
                self.w.reshape(self.n_weights, -1)[:, a:b] = 0.0
                self.y.reshape(self.n_weights, -1)[:, a:b] = 0.0
                lo[:] = np.inf
                self.hi.reshape(self.hi.shape[0], -1)[:, a:b] = -np.inf
            elif touched.size:
                touched += a
                self.w.reshape(self.n_weights, -1)[:, touched] = 0.0
                self.y.reshape(self.n_weights, -1)[:, touched] = 0.0
                self.lo.reshape(self.lo.shape[0], -1)[:, touched] = np.inf
                self.hi.reshape(self.hi.shape[0], -1)[:, touched] = -np.inf
        a, b = self._extra_span
        written = self._written("extra")
        if self.extra is not None and written is not None:
            self.extra[:, written] = 0.0
        elif self.extra is not None and b > a:
            self.extra[:, a:b] = 0.0
        self.rows[:] = 0
        self._span = (0, 0)
        self._extra_span = (0, 0)
        self._added, self._extra_added = [], []
        self._n_added = self._n_extra_added = 0
        self._distinct.clear()

    @staticmethod
    def _widen(span: tuple[int, int], start: int, stop: int) -> tuple[int, int]:
        return (start, stop) if span[1] <= span[0] else (min(span[0], start), max(span[1], stop))

    def add(self, idx: np.ndarray | Binned, values: np.ndarray, weights: list[np.ndarray],
            group: int | None = None, groups: np.ndarray | None = None,
            products: list[np.ndarray] | None = None) -> None:
        """Add rows with bin `idx`, `values` and one weight array per weight column, all to group `group` or
        row by row to `groups` (int array). `products`: the arrays weights[c] * values when the caller has them
        already (the same numbers); `idx` may be a `Binned` (its range computed once)."""
        nb = self.n_bins
        if groups is None:
            g = 0 if group is None else int(group)
            base = g * nb
            for c, wc in enumerate(weights):
                self.rows[c, g] += int(np.count_nonzero(wc > 0))
            binned = idx if isinstance(idx, Binned) else Binned(idx)
        else:
            idx = idx.idx if isinstance(idx, Binned) else idx
            base = 0
            for c, wc in enumerate(weights):  # rows with positive weight by group (exact counts)
                self.rows[c] += np.bincount(groups[wc > 0], minlength=self.n_groups).astype(np.int64)
            binned = Binned(groups.astype(np.int64) * nb + idx)
        if binned.idx.size == 0:
            return
        flat, local, size = binned.idx, binned.local, binned.size
        start = base + binned.lo
        self._span = self._widen(self._span, start, start + size)
        for c, wc in enumerate(weights):
            wy = products[c] if products is not None else wc * values
            self.w[c].reshape(-1)[start:start + size] += np.bincount(local, weights=wc, minlength=size)
            self.y[c].reshape(-1)[start:start + size] += np.bincount(local, weights=wy, minlength=size)
        rows = flat + base if base else flat  # (not written to: may be kept for the reset)
        if self._added is not None:
            self._track("w", rows)
        if self.n_weights == 2:  # kind of row: 0 neither, 1 column 0 only, 2 column 1 only, 3 both
            kind = (weights[0] > 0).view(np.int8) + ((weights[1] > 0).view(np.int8) << 1)
            rows = kind.astype(np.int64) * (self.n_groups * nb) + rows
        np.minimum.at(self.lo.reshape(-1), rows, values)
        np.maximum.at(self.hi.reshape(-1), rows, values)

    def add_extra(self, idx: np.ndarray | Binned, columns: list[np.ndarray],
                  rows: slice | np.ndarray | None = None, first: int = 0) -> None:
        """Add per-bin sums of `columns` (each already weighted) into extra columns first, first+1, ...; `idx`
        may be a `Binned` (then without `rows`: its range and local bins computed once for many columns)."""
        if self.extra is None:
            raise ValueError("no extra columns")
        if isinstance(idx, Binned) and rows is None:
            if idx.idx.size == 0:
                return
            lo_i, local, size = idx.lo, idx.local, idx.size
        else:
            raw = idx.idx if isinstance(idx, Binned) else idx
            sub = raw if rows is None else raw[rows]
            if sub.size == 0:
                return
            lo_i, hi_i = int(sub.min()), int(sub.max())
            local = sub - lo_i if lo_i else sub
            size = hi_i - lo_i + 1
        self._extra_span = self._widen(self._extra_span, lo_i, lo_i + size)
        if self._extra_added is not None:
            self._track("extra", local + lo_i if lo_i else local)
        for j, col in enumerate(columns):
            self.extra[first + j, lo_i:lo_i + size] += np.bincount(local, weights=col, minlength=size)

    def state_sums(self, group: int = 0, weight: int = 0
                   ) -> tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
        """(rows, bins, float sums [n, 2] of weight and weight x value, minima, maxima) of the non-empty bins of
        one group and weight column: `sketch` before the exact conversion (None when it holds no weight)."""
        nb = self.n_bins
        a = min(max(self._span[0] - group * nb, 0), nb)  # the part of the written range in this group
        b = min(max(self._span[1] - group * nb, 0), nb)
        written = self._written("w")
        if written is not None:  # the bins written in this group, relative to a
            lo_k, hi_k = np.searchsorted(written, [group * nb + a, group * nb + b])
            cand = written[lo_k:hi_k] - (group * nb + a)
            w = self.w[weight, group, a:b]
            used = cand[w[cand] > 0]
        else:
            w = self.w[weight, group, a:b]
            used = np.flatnonzero(w > 0)
        if used.size == 0:
            return None
        sums = np.stack([w[used], self.y[weight, group, a:b][used]], axis=1)
        if self.n_weights == 2:  # rows with weight in this column: this column only (kind 1 + c), or both (3)
            lo = np.minimum(self.lo[1 + weight, group, a:b][used], self.lo[3, group, a:b][used])
            hi = np.maximum(self.hi[1 + weight, group, a:b][used], self.hi[3, group, a:b][used])
        else:
            lo, hi = self.lo[0, group, a:b][used], self.hi[0, group, a:b][used]
        return int(self.rows[weight, group]), (used + a).astype(np.int64), sums, lo, hi

    def sketch(self, group: int = 0, weight: int = 0) -> DistributionSketch | None:
        """The exact (sparse) `DistributionSketch` of one group and weight column (None when it holds no weight)."""
        parts = self.state_sums(group, weight)
        if parts is None:
            return None
        count, bins, sums, lo, hi = parts
        return DistributionSketch.from_bins(self.config, count, bins, exact_values(sums), lo, hi)

    def extra_table(self) -> tuple[np.ndarray, np.ndarray]:
        """(bins, float sums [n_used, n_extra]) of the extra columns over bins where any is non-zero."""
        if self.extra is None:
            return np.empty(0, np.int64), np.empty((0, 0))
        a, b = self._extra_span
        written = self._written("extra")
        if written is not None:
            part = self.extra[:, written]
            nonzero = np.any(part != 0.0, axis=0)
            return written[nonzero].astype(np.int64), np.ascontiguousarray(part[:, nonzero].T)
        part = self.extra[:, a:b]
        used = np.flatnonzero(np.any(part != 0.0, axis=0))
        return (used + a).astype(np.int64), np.ascontiguousarray(part[:, used].T)


def elementwise(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, like: tuple[np.ndarray, np.ndarray] | None) -> np.ndarray:
    """f(x) for a function f of each value alone. With `like` = (f of an array x0, rows where x != x0), only
    the differing rows are evaluated again (f of the same number is the same number)."""
    if like is None or like[1].size * 2 > x.size:
        return f(x)
    out = like[0].copy()
    if like[1].size:
        out[like[1]] = f(x[like[1]])
    return out
