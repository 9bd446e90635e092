"""The distribution sketch: a fine, exactly mergeable histogram of an income variable with bounded statistics.

A national run streams 1.41 billion persons partition by partition; each partition's per-capita incomes are
reduced to a ``DistributionSketch`` -- a log-spaced histogram that keeps, per bin, the exact weight and income
mass (fixed-point limbs of `gongfu.exact`) and the exact minimum and maximum -- and the sketches of all
partitions are merged. From the merged sketch the Gini, quantiles, Lorenz ordinates, top shares, quantile-group
means and FGT poverty are computed *with rigorous bounds*.

Exact, order-free merging: every row's contribution (its weight w, and w * x computed once in float64) is summed
as exact integer limbs (`gongfu.exact`), so the state after any sequence of ``update`` and ``merge`` calls depends
only on the multiset of rows, never on how they were partitioned or in which order partitions were combined: the
states compare equal bit for bit. The only approximations are the per-row float64 product w * x (relative
1.1e-16, a property of the row, not of the partitioning) and the rounding of each contribution to 2^-64
(absolute). Per-bin minima and maxima are exact (min and max are associative). Conversion back to float64
happens only when a statistic is evaluated, with relative error below 1e-15.

The sketch is the one container of distribution bins: sparse (only the non-empty bins, as read from a partition
or a checkpoint) or dense (every bin, once something is merged into it in place with ``absorb``).

Bins of the sketch (``sub_bins`` = M, a power of two): each binary octave [2^e, 2^(e+1)) of |x| is split into M
equal sub-bins for min_exponent <= e < max_exponent -- log-spaced up to a factor two (the "HDR histogram" layout),
with relative width between 1/(2M) and 1/M. Bin indices are read from the IEEE-754 exponent and the top log2(M)
mantissa bits (no log, so every machine bins every value identically). Negative values use the mirrored bins; there is an exact zero bin,
one bin for 0 < |x| < 2^min_exponent on each side and an overflow bin |x| >= 2^max_exponent on each side.
Defaults: M = 256, magnitudes 2^-8 (0.004 yuan) to 2^40 (1.1e12 yuan): 24,581 bins.

Statistics with rigorous bounds (Gini, Lorenz ordinates, quantiles, shares, FGT, ...) are functions of the
non-empty bins in `gongfu.analysis.bounds`; the sketch's methods of the same names apply them to its bins.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

import gongfu.analysis.bounds as bounds
from gongfu.exact import N_LIMBS as _N_LIMBS
from gongfu.exact import add_limbs, exact_sums, limbs_to_float, normalise_inplace
from gongfu.exact import normalise as _normalise

from ._common import FloatArray, IntArray
from .bounds import Bins, Bounds


def _validate_rows(values: ArrayLike, weights: ArrayLike | None) -> tuple[FloatArray, FloatArray]:
    x = np.asarray(values, dtype=np.float64).reshape(-1)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=np.float64).reshape(-1)
    if w.shape != x.shape:
        raise ValueError(f"weights shape {w.shape} differs from values shape {x.shape}")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(w))) or np.any(w < 0):
        raise ValueError("values and weights must be finite and weights non-negative")
    keep = w > 0
    return x[keep], w[keep]


# ------------------------------------------------------------------------------------------------ bounds --


# ------------------------------------------------------------------------------------ DistributionSketch --


class _Dense:
    """A per-bin array of a `DistributionSketch`, stored in attribute `slot`: reading it builds the dense arrays
    from a sparse state first; assigning it also drops the cached bins."""

    def __init__(self, slot: str):
        self.slot = slot

    def __get__(self, sketch: Any, owner: type | None = None) -> Any:
        if sketch is None:
            return self
        sketch._densify()
        if sketch._uncarried:  # limbs absorbed as plain sums: carried once, when first read
            normalise_inplace(sketch._dense_limbs)
            sketch._uncarried = False
        return getattr(sketch, self.slot)

    def __set__(self, sketch: Any, value: np.ndarray) -> None:
        sketch._densify()
        if self.slot == "_dense_limbs":
            sketch._uncarried = False
        setattr(sketch, self.slot, value)
        sketch._cached_bins = None


class DistributionSketch:
    """Mergeable log-spaced histogram of a weighted income distribution with bounded statistics
    (`gongfu.analysis.bounds`).

    ``update(values, weights)`` adds rows in place (and returns ``self``); ``merge(other)`` returns a new sketch
    and leaves both operands untouched; both are exact (see the module docstring), so for any partitioning of the
    rows and any merge order the resulting sketches compare equal (``==``). ``to_dict``/``to_bytes`` and
    ``from_dict``/``from_bytes`` serialise the non-empty bins for checkpoints.

    The sketch is also the container in which a national run hands its bins over and merges them: a partition
    gives its non-empty bins (``from_bins``, sparse), and the merged state ``absorb``s partition after partition
    in place (dense; the integer limbs are carried only when next read). ``nonempty()`` gives the non-empty bins
    back (bins, canonical limbs, minima, maxima).
    """

    KIND = "DistributionSketch"
    VERSION = 1

    def __init__(self, *, sub_bins: int = 256, min_exponent: int = -8, max_exponent: int = 40) -> None:
        self._configure(sub_bins, min_exponent, max_exponent)
        self._count = 0
        self._densify()  # limbs [:, 0] weight, [:, 1] weighted value; per-bin minimum and maximum

    def _configure(self, sub_bins: int, min_exponent: int, max_exponent: int) -> None:
        if sub_bins < 1 or sub_bins > 1 << 16 or sub_bins & (sub_bins - 1):
            raise ValueError("sub_bins must be a power of two between 1 and 65536")
        if not -1000 < min_exponent < max_exponent < 1000:
            raise ValueError("need -1000 < min_exponent < max_exponent < 1000")
        self.sub_bins, self.min_exponent, self.max_exponent = int(sub_bins), int(min_exponent), int(max_exponent)
        self._K = (self.max_exponent - self.min_exponent) * self.sub_bins
        self._cached_bins: Bins | None = None  # the non-empty bins in float64, built on first use
        # A sketch read with `from_dict` keeps the given (sorted) bins only -- (bins, limbs, min, max) -- until
        # something needs every bin (update, merge, ==): the dense arrays are then built, exactly as `from_dict`
        # used to. Statistics, totals and `to_dict` read the sparse form directly (same numbers).
        self._sparse: tuple[IntArray, IntArray, FloatArray, FloatArray] | None = None
        self._dense_limbs: IntArray | None = None
        self._dense_min: FloatArray | None = None
        self._dense_max: FloatArray | None = None
        self._uncarried = False  # dense limbs hold plain sums of canonical limbs (`absorb`), not yet carried

    def _densify(self) -> None:
        if self._dense_limbs is None:
            n = self.n_bins
            limbs = np.zeros((n, 2, _N_LIMBS), dtype=np.int64)
            lo, hi = np.full(n, np.inf), np.full(n, -np.inf)
            if self._sparse is not None:
                used, sl, smin, smax = self._sparse
                limbs[used], lo[used], hi[used] = sl, smin, smax
            self._dense_limbs, self._dense_min, self._dense_max = limbs, lo, hi
            self._sparse = None

    _limbs = _Dense("_dense_limbs")
    _bin_min = _Dense("_dense_min")
    _bin_max = _Dense("_dense_max")

    def _used(self) -> tuple[IntArray, IntArray, FloatArray, FloatArray]:
        """(bins, limbs, min, max) of the non-empty bins (maximum >= minimum), in bin order (no copies made of
        the dense arrays' rows beyond the fancy indexing)."""
        if self._sparse is not None:
            bins, limbs, lo, hi = self._sparse
            keep = hi >= lo
            return bins[keep], limbs[keep], lo[keep], hi[keep]
        used = np.flatnonzero(self._bin_max >= self._bin_min)
        return used, self._limbs[used], self._bin_min[used], self._bin_max[used]

    # -------------------------------------------------------------------------------------- structure --
    @property
    def n_bins(self) -> int:
        """2K + 5 bins: overflow-, K negative, tiny-, zero, tiny+, K positive, overflow+ (K = octaves x M)."""
        return 2 * self._K + 5

    @property
    def config(self) -> dict[str, int]:
        return {"sub_bins": self.sub_bins, "min_exponent": self.min_exponent, "max_exponent": self.max_exponent}

    def _magnitude_edges(self) -> FloatArray:
        """E_k = 2^(min_exponent + k // M) (1 + (k % M) / M), k = 0..K: exact floats."""
        k = np.arange(self._K + 1)
        return np.ldexp(1.0 + (k % self.sub_bins) / self.sub_bins, self.min_exponent + k // self.sub_bins)

    def bin_edges(self) -> tuple[FloatArray, FloatArray]:
        """Lower and upper value limit of every bin (the data's own per-bin min/max are tighter)."""
        K, E = self._K, self._magnitude_edges()
        tiny, big = np.ldexp(1.0, self.min_exponent), np.ldexp(1.0, self.max_exponent)
        lo = np.concatenate(([-np.inf], -E[:0:-1], [-tiny, 0.0, 0.0], E[:-1], [big]))
        hi = np.concatenate(([-big], -E[-2::-1], [0.0, 0.0, tiny], E[1:], [np.inf]))
        assert lo.shape[0] == hi.shape[0] == 2 * K + 5
        return lo, hi

    def bin_index(self, values: ArrayLike) -> IntArray:
        """Bin of each value, read exactly from the IEEE-754 bits of |x| = 1.f x 2^e: octave e, sub-bin = the
        top log2(M) bits of f (= floor((2m - 1) M) for frexp's m). Zero and subnormal magnitudes have e < -1022
        and fall in the zero / tiny bins."""
        x = np.ascontiguousarray(values, dtype=np.float64)
        K, M = self._K, self.sub_bins
        bits = np.abs(x).view(np.int64)
        octave = (bits >> 52) - 1023
        sub = (bits >> (52 - (M.bit_length() - 1))) & (M - 1)
        k = (octave - self.min_exponent) * M + sub
        positive = x > 0
        idx = np.where(positive, K + 4 + k, K - k)
        idx = np.where(octave < self.min_exponent, np.where(positive, K + 3, K + 1), idx)
        idx = np.where(octave >= self.max_exponent, np.where(positive, 2 * K + 4, 0), idx)
        return np.where(x == 0, K + 2, idx)

    # ----------------------------------------------------------------------------- accumulate / merge --
    def update(self, values: ArrayLike, weights: ArrayLike | None = None) -> DistributionSketch:
        """Add rows (weights default to 1; weight-0 rows are skipped). Returns ``self``."""
        x, w = _validate_rows(values, weights)
        if x.size == 0:
            return self
        idx = self.bin_index(x)
        self._limbs = add_limbs(self._limbs, exact_sums(idx, np.stack([w, w * x], axis=1), self.n_bins))
        np.minimum.at(self._bin_min, idx, x)
        np.maximum.at(self._bin_max, idx, x)
        self._count += int(x.size)
        self._cached_bins = None
        return self

    @classmethod
    def from_arrays(cls, values: ArrayLike, weights: ArrayLike | None = None, **config: int) -> DistributionSketch:
        """A new sketch holding ``values`` with ``weights``."""
        return cls(**config).update(values, weights)

    def merge(self, other: DistributionSketch) -> DistributionSketch:
        """New sketch of the union of both row sets (exact, associative, commutative)."""
        if not isinstance(other, DistributionSketch) or other.config != self.config:
            raise ValueError("can only merge sketches with identical configuration")
        out = DistributionSketch(**self.config)
        out._limbs = add_limbs(self._limbs, other._limbs)
        out._bin_min = np.minimum(self._bin_min, other._bin_min)
        out._bin_max = np.maximum(self._bin_max, other._bin_max)
        out._count = self._count + other._count
        return out

    @classmethod
    def merge_all(cls, sketches: Iterable[DistributionSketch]) -> DistributionSketch:
        """Merge any number of sketches (the result does not depend on their order).

        The limbs are added as plain integers and carried once at the end: canonical limbs are below 2^32 in
        magnitude, so any number of sketches below 2^31 sums without overflow, and the canonical form of the
        total is unique -- the same state as merging them two by two."""
        parts = list(sketches)
        if not parts:
            raise ValueError("merge_all needs at least one sketch")
        if len(parts) == 1:
            return parts[0]
        first = parts[0]
        for s in parts[1:]:
            if not isinstance(s, DistributionSketch) or s.config != first.config:
                raise ValueError("can only merge sketches with identical configuration")
        if all(s._sparse is not None for s in parts):  # read with from_dict: add their non-empty bins only
            return cls._merge_sparse(parts)
        out = DistributionSketch(**first.config)
        limbs = first._limbs.copy()
        lo, hi = first._bin_min.copy(), first._bin_max.copy()
        for s in parts[1:]:
            limbs += s._limbs
            np.minimum(lo, s._bin_min, out=lo)
            np.maximum(hi, s._bin_max, out=hi)
        out._limbs, out._bin_min, out._bin_max = _normalise(limbs), lo, hi
        out._count = sum(s._count for s in parts)
        return out

    @classmethod
    def _merge_sparse(cls, parts: list[DistributionSketch]) -> DistributionSketch:
        """`merge_all` of sketches in their sparse form: the same sketch, without building every bin."""
        bins = np.concatenate([p._sparse[0] for p in parts])
        order = np.argsort(bins, kind="stable")
        sorted_bins = bins[order]
        starts = np.flatnonzero(np.r_[True, sorted_bins[1:] != sorted_bins[:-1]]) if bins.size else bins
        limbs = np.add.reduceat(np.concatenate([p._sparse[1] for p in parts])[order], starts, axis=0)
        lo = np.minimum.reduceat(np.concatenate([p._sparse[2] for p in parts])[order], starts)
        hi = np.maximum.reduceat(np.concatenate([p._sparse[3] for p in parts])[order], starts)
        out = cls.__new__(cls)
        out._configure(parts[0].sub_bins, parts[0].min_exponent, parts[0].max_exponent)
        out._sparse = (sorted_bins[starts], _normalise(limbs), lo, hi)
        out._count = sum(p._count for p in parts)
        return out

    @classmethod
    def from_bins(cls, config: Mapping[str, int], count: int, bins: IntArray, limbs: IntArray, lo: FloatArray,
                  hi: FloatArray) -> DistributionSketch:
        """A sketch holding the given non-empty bins: sorted distinct `bins`, their canonical limbs (n, 2, 4) of
        weight and weighted value, minima and maxima, and the number of rows `count` (arrays kept, not copied)."""
        out = cls.__new__(cls)
        out._configure(int(config["sub_bins"]), int(config["min_exponent"]), int(config["max_exponent"]))
        out._sparse = (bins, limbs, lo, hi)
        out._count = int(count)
        return out

    def nonempty(self) -> tuple[IntArray, IntArray, FloatArray, FloatArray]:
        """(bins, canonical limbs (n, 2, 4), minima, maxima) of the non-empty bins, in bin order (read-only)."""
        return self._used()

    def copy(self) -> DistributionSketch:
        """An independent sketch with the same bins (sparse if this one is)."""
        if self._sparse is not None:
            return DistributionSketch.from_bins(self.config, self._count, *(a.copy() for a in self._sparse))
        out = DistributionSketch(**self.config)
        out._dense_limbs, out._dense_min, out._dense_max = self._limbs.copy(), self._bin_min.copy(), \
            self._bin_max.copy()
        out._count = self._count
        return out

    def absorb(self, other: DistributionSketch) -> DistributionSketch:
        """Add the rows of `other` into this sketch in place (exact, like `merge`) and return it.

        This sketch becomes dense; the limbs are added as plain integers and carried when next read (canonical
        limbs are below 2^32, so 2^31 sketches can be absorbed), so that absorbing a partition costs one integer
        addition per bin it touches."""
        if not isinstance(other, DistributionSketch) or other.config != self.config:
            raise ValueError("can only merge sketches with identical configuration")
        self._densify()
        limbs, lo, hi = self._dense_limbs, self._dense_min, self._dense_max
        if other._sparse is not None:
            b, ol, olo, ohi = other._sparse
            limbs[b] += ol
            lo[b] = np.minimum(lo[b], olo)
            hi[b] = np.maximum(hi[b], ohi)
        else:
            limbs += other._limbs
            np.minimum(lo, other._bin_min, out=lo)
            np.maximum(hi, other._bin_max, out=hi)
        self._uncarried = True
        self._count += other._count
        self._cached_bins = None
        return self

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, DistributionSketch)
            and self.config == other.config
            and self._count == other._count
            and np.array_equal(self._limbs, other._limbs)
            and np.array_equal(self._bin_min, other._bin_min)
            and np.array_equal(self._bin_max, other._bin_max)
        )

    __hash__ = None  # type: ignore[assignment]  # mutable

    # --------------------------------------------------------------------------------- serialisation --
    def to_dict(self) -> dict[str, Any]:
        """Plain dict (ints and numpy arrays) of the configuration and the non-empty bins."""
        used, limbs, lo, hi = self._used()
        return {
            "kind": self.KIND, "version": self.VERSION, **self.config, "count": self._count,
            "bins": used.astype(np.int64), "limbs": limbs.copy(), "bin_min": lo.copy(), "bin_max": hi.copy(),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> DistributionSketch:
        if d.get("kind") != cls.KIND or int(d.get("version", -1)) != cls.VERSION:
            raise ValueError("not a DistributionSketch version 1 state")
        used = np.asarray(d["bins"], dtype=np.int64)
        limbs = np.asarray(d["limbs"], dtype=np.int64).reshape(used.shape[0], 2, _N_LIMBS)
        lo = np.asarray(d["bin_min"], dtype=np.float64).reshape(used.shape[0])
        hi = np.asarray(d["bin_max"], dtype=np.float64).reshape(used.shape[0])
        s = cls.from_bins(d, int(d["count"]), used, limbs, lo, hi)
        if used.size and not (used[0] >= 0 and used[-1] < s.n_bins and np.all(used[1:] > used[:-1])):
            s._densify()  # bins not strictly increasing: the dense arrays decide (later rows win, as numpy writes)
        return s

    def to_bytes(self) -> bytes:
        """Compressed ``.npz`` bytes of ``to_dict()`` (no pickle)."""
        return _npz_bytes(self.to_dict())

    @classmethod
    def from_bytes(cls, data: bytes) -> DistributionSketch:
        return cls.from_dict(_npz_load(data))

    # ----------------------------------------------------------------------------------------- totals --
    @property
    def count(self) -> int:
        """Number of rows with positive weight added."""
        return self._count

    @property
    def total_weight(self) -> float:
        limbs = self._sparse[1] if self._sparse is not None else self._limbs
        return float(limbs_to_float(limbs[:, 0].sum(axis=0)))

    @property
    def total(self) -> float:
        """Weighted sum of values, sum w x (exact sum, rounded once)."""
        limbs = self._sparse[1] if self._sparse is not None else self._limbs
        return float(limbs_to_float(limbs[:, 1].sum(axis=0)))

    @property
    def mean(self) -> float:
        return self.total / self.total_weight

    @property
    def min(self) -> float:
        if self._sparse is not None:
            return float(self._sparse[2].min(initial=np.inf))
        return float(self._bin_min.min())

    @property
    def max(self) -> float:
        if self._sparse is not None:
            return float(self._sparse[3].max(initial=-np.inf))
        return float(self._bin_max.max())

    def _bins(self) -> Bins:
        """The non-empty bins (cached: ``update`` and ``from_dict`` are the only ways to change a sketch's bins;
        ``merge`` builds a new sketch). The arrays are shared between calls: read them, never write."""
        if self._cached_bins is None:
            self._cached_bins = self._compute_bins()
        return self._cached_bins

    def _compute_bins(self) -> Bins:
        _, limbs, lo, hi = self._used()
        sums = limbs_to_float(limbs)
        weight, mass = sums[:, 0], sums[:, 1]
        keep = weight > 0
        if not np.any(keep):
            raise ValueError("the sketch is empty")
        lo, hi = lo[keep], hi[keep]
        weight, mass = weight[keep], mass[keep]
        return Bins(lo, hi, weight, mass, np.clip(mass / weight, lo, hi))

    # ----------------------------------------------------------------------------------- statistics --
    def gini(self) -> Bounds:
        """`bounds.gini` of this sketch's bins."""
        return bounds.gini(self._bins())

    def lorenz(self, p: ArrayLike) -> Bounds:
        """`bounds.lorenz` of this sketch's bins."""
        return bounds.lorenz(self._bins(), p)

    def share_of_top(self, p: float = 0.1) -> Bounds:
        """`bounds.share_of_top` of this sketch's bins."""
        return bounds.share_of_top(self._bins(), p)

    def share_of_bottom(self, p: float = 0.4) -> Bounds:
        """`bounds.share_of_bottom` of this sketch's bins."""
        return bounds.share_of_bottom(self._bins(), p)

    def palma(self) -> Bounds:
        """`bounds.palma` of this sketch's bins."""
        return bounds.palma(self._bins())

    def quantile(self, q: ArrayLike) -> Bounds:
        """`bounds.quantile` of this sketch's bins."""
        return bounds.quantile(self._bins(), q)

    def median(self) -> Bounds:
        """`bounds.median` of this sketch's bins."""
        return bounds.median(self._bins())

    def p90_p10(self) -> Bounds:
        """`bounds.p90_p10` of this sketch's bins."""
        return bounds.p90_p10(self._bins())

    def quantile_group_means(self, n: int = 5) -> Bounds:
        """`bounds.quantile_group_means` of this sketch's bins."""
        return bounds.quantile_group_means(self._bins(), n)

    def quintile_means(self) -> Bounds:
        """`bounds.quintile_means` of this sketch's bins."""
        return bounds.quintile_means(self._bins())

    def decile_means(self) -> Bounds:
        """`bounds.decile_means` of this sketch's bins."""
        return bounds.decile_means(self._bins())

    def high_low_ratio(self) -> Bounds:
        """`bounds.high_low_ratio` of this sketch's bins."""
        return bounds.high_low_ratio(self._bins())

    def fgt(self, line: float, alpha: float = 0.0) -> Bounds:
        """`bounds.fgt` of this sketch's bins."""
        return bounds.fgt(self._bins(), line, alpha)

    def fgt_lines(self, lines: list[float], alpha: float = 0.0) -> list[Bounds]:
        """`bounds.fgt_lines` of this sketch's bins."""
        return bounds.fgt_lines(self._bins(), lines, alpha)

    def fgt_relative(self, fraction: float = 0.5, alpha: float = 0.0) -> Bounds:
        """`bounds.fgt_relative` of this sketch's bins."""
        return bounds.fgt_relative(self._bins(), fraction, alpha)


# ------------------------------------------------------------------------------------------------- utils --


def _npz_bytes(d: Mapping[str, Any]) -> bytes:
    buf = io.BytesIO()
    arrays = {k: (np.asarray(v) if not isinstance(v, list) else np.asarray(v, dtype=str)) for k, v in d.items()}
    np.savez_compressed(buf, **arrays)
    return buf.getvalue()


def _npz_load(data: bytes) -> dict[str, Any]:
    with np.load(io.BytesIO(data), allow_pickle=False) as z:
        out: dict[str, Any] = {}
        for k in z.files:
            v = z[k]
            out[k] = v.item() if v.ndim == 0 else (v.tolist() if v.dtype.kind == "U" else v)
        return out
