"""Mergeable aggregates for national-scale runs: a distribution sketch and grouped sums, both exact to merge.

A national run streams 1.41 billion persons partition by partition; each partition is reduced to aggregates that
are then merged. Two aggregates live here:

* ``DistributionSketch`` -- a fine, exactly-indexed log-spaced histogram of an income variable (e.g. per-capita
  disposable income over persons) from which the Gini, quantiles, Lorenz ordinates, top shares, quantile-group
  means and FGT poverty are computed *with rigorous bounds*;
* ``GroupedSums`` -- weighted sums, weighted counts and recipients by integer group code (province, decile, ...).

Exact, order-free merging. Floating-point addition is not associative, so summing the same rows split into
partitions differently would normally give results that differ in the last bits. Here every row's contribution
(its weight w, and w * x computed once in float64) is converted to a signed fixed-point integer in units of
2^-63 (rounded to nearest, error <= 2^-64; |contribution| < 2^63 is required), as four base-2^32 digits obtained
by error-free floating-point splitting; the digits are summed per bin (exactly: partial sums stay below 2^53) and
kept as int64 limbs in a canonical carry-propagated form. Integer addition is associative and commutative and
the canonical form is unique, so the state after any sequence of ``update`` and ``merge`` calls depends only on
the multiset of rows, never on how they were partitioned or in which order partitions were combined: the states
compare equal bit for bit. The only approximations are the per-row float64 product w * x (relative 1.1e-16, a
property of the row, not of the partitioning) and the rounding of each contribution to 2^-64 (absolute).
Per-bin minima and maxima are exact (min and max are associative). Conversion back to float64 happens only when a
statistic is evaluated, with relative error below 1e-15.

Bins of the sketch (``sub_bins`` = M, a power of two): each binary octave [2^e, 2^(e+1)) of |x| is split into M
equal sub-bins for min_exponent <= e < max_exponent -- log-spaced up to a factor two (the "HDR histogram" layout),
with relative width between 1/(2M) and 1/M. Bin indices are read from the IEEE-754 exponent and the top log2(M)
mantissa bits (no log, so every machine bins every value identically). Negative values use the mirrored bins; there is an exact zero bin,
one bin for 0 < |x| < 2^min_exponent on each side and an overflow bin |x| >= 2^max_exponent on each side.
Defaults: M = 256, magnitudes 2^-8 (0.004 yuan) to 2^40 (1.1e12 yuan): 24,581 bins.

Bounds. Each bin b stores its weight W_b, income mass S_b (both exact), and its exact minimum lo_b and maximum
hi_b (the per-bin extremes cost two floats per bin and make a bin holding a single distinct value -- everyone at
exactly the dibao standard, a zero bin -- contribute no uncertainty at all). Within a bin the distribution is unknown; every statistic is bounded over *all* distributions consistent
with those four numbers per bin:

* Lorenz / generalised Lorenz curve: inside a bin it is convex with slopes in [lo_b, hi_b] between known end
  points, so it lies below the chord (everyone at the bin mean m_b) and above the envelope of the two-point
  distribution at lo_b and hi_b with mean m_b. Both are attained.
* Gini = 1 - 2 x (area under the Lorenz curve): lower bound = Gini with every bin at its mean; upper bound = lower
  + sum_b pi_b^2 (hi_b - m_b)(m_b - lo_b) / ((hi_b - lo_b) mu), the area between chord and two-point envelope,
  pi_b = W_b / W. Since hi_b - lo_b <= |m_b| / M in the log range, the width is at most
  max_b(pi_b) / (4M) x mean|x| / mean(x) (plus terms of the tiny and overflow bins): for non-negative incomes
  and M = 256, at most max_b(pi_b) / 1024. Measured on lognormal per-capita incomes (sigma 0.6-1.2, mean
  40,000 yuan, 1% zeros, 0.3% losses, 200,000 rows) the width is 3e-7 to 9e-7, far below the 1e-4 the project
  asks for (tests/analysis/test_aggregates.py).
* Quantiles: the quantile lies in [lo of the first bin whose cumulative weight reaches qW, hi of the first bin whose
  cumulative weight exceeds qW]; this brackets both the inverted-CDF and the averaged-inverted-CDF definition
  (``inequality.quantiles``). Relative width about 1/M (0.4%).
* FGT(alpha): per bin, g(x) = max(1 - x/z, 0)^alpha is non-increasing, convex for alpha >= 1 and concave below the
  line for alpha <= 1: Jensen's inequality and the chord give the bounds, monotonicity where a bin straddles z.
  For the headcount the width is the population share of the one bin that straddles the line (about 0.1
  percentage point on the data above); for alpha >= 1 it is ~1e-6.
* Quantile-group means, shares, Palma, P90/P10 and the high/low ratio follow from the bounds above by interval
  arithmetic.

Every bound is widened by an a-priori floating-point allowance of the form c n eps sum|terms| (the worst-case
bound of recursive summation, N. J. Higham 2002, *Accuracy and Stability of Numerical Algorithms*, ch. 4), to
cover the rounding of the evaluation itself. The weighted sums over bins inside those evaluations are correctly
rounded (``_common.dot``: error <= u |sum| + u sum|terms|, u = 2^-53, the n product roundings and one final
rounding), which is within the recursive-summation allowance for every n >= 2, so the allowances still hold.
``estimate`` is the midpoint of the bounds (for quantiles: linear interpolation inside the bin), so
|true - estimate| <= (upper - lower) / 2.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from ._common import FloatArray, IntArray, dot, row_dots

_LIMB_BITS = 32
_N_LIMBS = 4
_FIX_EXP = 63  # fixed-point unit 2**-63; contributions must satisfy |c| < 2**63
_LIMB_UNIT_EXP = tuple(_LIMB_BITS * j - _FIX_EXP for j in range(_N_LIMBS))  # -63, -31, 1, 33
_CHUNK = 1 << 20  # rows per bincount pass: |digit| <= 2**31, so partial sums stay below 2**51 (exact)
_EPS = float(np.finfo(np.float64).eps)
_LOW_MASK = np.int64((1 << _LIMB_BITS) - 1)
_LIMB_SCALE = tuple(2.0**e for e in _LIMB_UNIT_EXP)  # exact powers of two


# ------------------------------------------------------------------------------------------ exact sums --


def _signed_limbs(c: FloatArray) -> FloatArray:
    """Exact signed base-2^32 digits (4, n) of values on the 2^-63 grid: c ~= sum_j d_j 2^(32 j - 63), |d_j| <= 2^31.

    From the top digit down, r is rounded to a multiple of 2^b by (r + 1.5 2^(b+52)) - 1.5 2^(b+52), which is
    exact in IEEE double for |r| < 2^(b+51), and the remainder r - h is exact too (the error-free extraction
    of S. M. Rump, T. Ogita & S. Oishi 2008, "Accurate floating-point summation part I", SIAM J. Sci. Comput.
    31(1)). Only the last step rounds: c is rounded to a multiple of 2^-63 (error <= 2^-64, half to even).
    """
    if c.size and not np.all(np.abs(c) < 2.0**_FIX_EXP):
        raise OverflowError("a contribution |w * x| or |w| reaches 2**63; rescale the data")
    out = np.empty((_N_LIMBS, c.shape[0]))
    r = np.array(c, dtype=np.float64)  # the remainder, updated in place
    h = np.empty_like(r)
    for j in range(_N_LIMBS - 1, -1, -1):
        b = _LIMB_UNIT_EXP[j]
        magic = 1.5 * 2.0 ** (b + 52)
        np.add(r, magic, out=h)
        h -= magic  # h = (r + magic) - magic
        r -= h
        np.multiply(h, 2.0 ** (-b), out=out[j])
    return out


def _normalise(limbs: IntArray) -> IntArray:
    """Canonical form of the same integer: limbs 0..2 in [0, 2^32), the top limb signed (carries propagated)."""
    return _normalise_inplace(limbs.copy())


def _normalise_inplace(out: IntArray) -> IntArray:
    """`_normalise` of an int64 array the caller owns, overwritten and returned.

    The carry out of limb j is floor(l_j / 2^32) (arithmetic shift) and what stays is l_j - carry 2^32, i.e. the
    low 32 bits of the two's-complement l_j (``& (2^32 - 1)``); one scratch array for the carries.
    """
    if out.size == 0:
        return out
    carry = np.empty(out.shape[:-1], dtype=np.int64)
    for j in range(_N_LIMBS - 1):
        lj = out[..., j]
        np.right_shift(lj, _LIMB_BITS, out=carry)
        np.bitwise_and(lj, _LOW_MASK, out=lj)
        out[..., j + 1] += carry
    return out


def exact_values(values: FloatArray) -> IntArray:
    """Exact fixed-point limbs (n, q, 4), canonical, of each element of ``values`` (n, q) on its own: the same as
    ``exact_sums(np.arange(n), values, n)`` without the bincount (one row per bin).

    The digits are carried limb by limb in limb-major order (contiguous rows), then transposed once."""
    v = np.ascontiguousarray(values, dtype=np.float64)
    n, q = v.shape
    digits = _signed_limbs(v.reshape(-1)).astype(np.int64)  # (4, n q); |d| <= 2^31: exact in int64
    if digits.shape[1]:
        carry = np.empty(digits.shape[1], dtype=np.int64)
        for j in range(_N_LIMBS - 1):
            np.right_shift(digits[j], _LIMB_BITS, out=carry)
            np.bitwise_and(digits[j], _LOW_MASK, out=digits[j])
            digits[j + 1] += carry
    return np.ascontiguousarray(digits.T).reshape(n, q, _N_LIMBS)


def exact_sums(index: IntArray, columns: FloatArray, n_bins: int) -> IntArray:
    """Exact per-bin sums of each column of ``columns`` (rows x quantities) as canonical int64 limbs
    (bins, quantities, 4). Rows are grouped by ``index`` in [0, n_bins). The result depends only on the
    multiset of (index, row) pairs."""
    n, q = columns.shape
    out = np.zeros((n_bins, q, _N_LIMBS), dtype=np.int64)
    offsets = np.arange(q * _N_LIMBS, dtype=np.int64)[:, None]
    for start in range(0, n, _CHUNK):
        part = columns[start : start + _CHUNK]
        digits = np.concatenate([_signed_limbs(part[:, i]) for i in range(q)])  # (q * 4, rows)
        flat = index[None, start : start + _CHUNK] * (q * _N_LIMBS) + offsets
        sums = np.bincount(flat.reshape(-1), weights=digits.reshape(-1), minlength=n_bins * q * _N_LIMBS)
        out = _normalise(out + sums.astype(np.int64).reshape(n_bins, q, _N_LIMBS))
    return out


def add_limbs(a: IntArray, b: IntArray) -> IntArray:
    """Exact sum of two canonical limb arrays, in canonical form."""
    return _normalise(a + b)


def limbs_to_float(limbs: IntArray) -> FloatArray:
    """float64 value of exact limb sums (..., 4); relative error < 1e-15, deterministic."""
    return _canonical_to_float(_normalise(np.asarray(limbs)), owned=True)


def _canonical_to_float(norm: IntArray, owned: bool = False) -> FloatArray:
    """float64 value of canonical limbs (`limbs_to_float` without the first carry pass; `owned`: `norm` may be
    overwritten).

    A negative value's magnitude is carried again (its canonical limbs are then all non-negative), and the
    magnitude's limbs are added from the top one down (each limb times its power of two is exact), so the only
    roundings are those of the three additions, always in the same order."""
    negative = norm[..., -1] < 0
    any_negative = bool(np.any(negative))
    if any_negative:
        if not owned:
            norm = norm.copy()
        norm[negative] = _normalise_inplace(-norm[negative])  # all limbs now non-negative
    value = norm[..., _N_LIMBS - 1].astype(np.float64)
    value *= _LIMB_SCALE[_N_LIMBS - 1]
    for j in range(_N_LIMBS - 2, -1, -1):
        value += norm[..., j].astype(np.float64) * _LIMB_SCALE[j]
    if any_negative:
        np.negative(value, out=value, where=negative)
    return value


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


class Bounds(NamedTuple):
    """A statistic with rigorous bounds: lower <= true value <= upper (floats or arrays)."""

    estimate: Any
    lower: Any
    upper: Any

    @property
    def width(self) -> Any:
        return self.upper - self.lower


def _ratio(num: Bounds, den: Bounds) -> Bounds:
    if not den.lower > 0:
        raise ValueError("denominator is not bounded away from zero; the ratio is undefined")
    cands = [num.lower / den.lower, num.lower / den.upper, num.upper / den.lower, num.upper / den.upper]
    return Bounds(float(num.estimate / den.estimate), float(min(cands)), float(max(cands)))


def _maybe_scalar(b: Bounds, scalar: bool) -> Bounds:
    return Bounds(*(float(np.reshape(v, -1)[0]) for v in b)) if scalar else b


class _Bins(NamedTuple):
    """Non-empty bins in increasing value order."""

    lo: FloatArray
    hi: FloatArray
    weight: FloatArray
    mass: FloatArray
    mean: FloatArray


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
        return getattr(sketch, self.slot)

    def __set__(self, sketch: Any, value: np.ndarray) -> None:
        sketch._densify()
        setattr(sketch, self.slot, value)
        sketch._cached_bins = None


class DistributionSketch:
    """Mergeable log-spaced histogram of a weighted income distribution with bounded statistics.

    ``update(values, weights)`` adds rows in place (and returns ``self``); ``merge(other)`` returns a new sketch
    and leaves both operands untouched; both are exact (see the module docstring), so for any partitioning of the
    rows and any merge order the resulting sketches compare equal (``==``). ``to_dict``/``to_bytes`` and
    ``from_dict``/``from_bytes`` serialise the non-empty bins for checkpoints.
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
        self._cached_bins: _Bins | None = None  # the non-empty bins in float64, built on first use
        # A sketch read with `from_dict` keeps the given (sorted) bins only -- (bins, limbs, min, max) -- until
        # something needs every bin (update, merge, ==): the dense arrays are then built, exactly as `from_dict`
        # used to. Statistics, totals and `to_dict` read the sparse form directly (same numbers).
        self._sparse: tuple[IntArray, IntArray, FloatArray, FloatArray] | None = None
        self._dense_limbs: IntArray | None = None
        self._dense_min: FloatArray | None = None
        self._dense_max: FloatArray | None = None

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
        s = cls.__new__(cls)
        s._configure(int(d["sub_bins"]), int(d["min_exponent"]), int(d["max_exponent"]))
        used = np.asarray(d["bins"], dtype=np.int64)
        limbs = np.asarray(d["limbs"], dtype=np.int64).reshape(used.shape[0], 2, _N_LIMBS)
        lo = np.asarray(d["bin_min"], dtype=np.float64).reshape(used.shape[0])
        hi = np.asarray(d["bin_max"], dtype=np.float64).reshape(used.shape[0])
        s._sparse = (used, limbs, lo, hi)
        s._count = int(d["count"])
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

    def _bins(self) -> _Bins:
        """The non-empty bins (cached: ``update`` and ``from_dict`` are the only ways to change a sketch's bins;
        ``merge`` builds a new sketch). The arrays are shared between calls: read them, never write."""
        if self._cached_bins is None:
            self._cached_bins = self._compute_bins()
        return self._cached_bins

    def _compute_bins(self) -> _Bins:
        _, limbs, lo, hi = self._used()
        sums = limbs_to_float(limbs)
        weight, mass = sums[:, 0], sums[:, 1]
        keep = weight > 0
        if not np.any(keep):
            raise ValueError("the sketch is empty")
        lo, hi = lo[keep], hi[keep]
        weight, mass = weight[keep], mass[keep]
        return _Bins(lo, hi, weight, mass, np.clip(mass / weight, lo, hi))

    # ----------------------------------------------------------------------------------- statistics --
    def gini(self) -> Bounds:
        """Gini coefficient bounds over all within-bin distributions (see module docstring for the proof)."""
        b = self._bins()
        W, S = b.weight.sum(), b.mass.sum()
        if S <= 0:
            raise ValueError("the Gini coefficient needs a positive mean income")
        mid_rank = (np.cumsum(b.weight) - b.weight / 2.0) / W
        lower = 2.0 * dot(b.mass, mid_rank) / S - 1.0
        span = b.hi - b.lo
        spread = np.where(span > 0, (b.hi - b.mean) * (b.mean - b.lo) / np.where(span > 0, span, 1.0), 0.0)
        gap = float(dot((b.weight / W) ** 2, spread) / (S / W))
        fp = 8.0 * (b.weight.size + 2) * _EPS * (1.0 + np.abs(b.mass).sum() / S)
        lo, hi = float(lower - fp), float(lower + gap + fp)
        return Bounds((lo + hi) / 2.0, lo, hi)

    def _gl(self, p: FloatArray) -> tuple[FloatArray, FloatArray, _Bins, IntArray, FloatArray]:
        """Bounds on GL(p W) = income of the poorest fraction p of the population; also the bin of each p."""
        b = self._bins()
        C = np.cumsum(b.weight)
        G0 = np.concatenate(([0.0], np.cumsum(b.mass)))
        t = p * C[-1]
        k = np.minimum(np.searchsorted(C, t, side="left"), C.size - 1)
        dt = np.clip(t - (C[k] - b.weight[k]), 0.0, b.weight[k])
        chord = G0[k] + dt * b.mean[k]
        envelope = np.maximum(G0[k] + dt * b.lo[k], G0[k] + b.mass[k] - (b.weight[k] - dt) * b.hi[k])
        fp = 4.0 * (C.size + 2) * _EPS * np.abs(b.mass).sum()
        return envelope - fp, chord + fp, b, k, t

    def lorenz(self, p: ArrayLike) -> Bounds:
        """Bounds on the Lorenz ordinate L(p) (share of income of the poorest fraction p)."""
        pa = _fractions(p)
        lo, hi, b, _, _ = self._gl(np.atleast_1d(pa))
        S = b.mass.sum()
        if S <= 0:
            raise ValueError("the Lorenz curve needs a positive total income")
        return _maybe_scalar(Bounds((lo + hi) / (2 * S), lo / S, hi / S), np.ndim(pa) == 0)

    def share_of_top(self, p: float = 0.1) -> Bounds:
        """Bounds on the income share of the richest fraction p: 1 - L(1 - p)."""
        L = self.lorenz(1.0 - float(_fractions(p)))
        return Bounds(1.0 - L.estimate, 1.0 - L.upper, 1.0 - L.lower)

    def share_of_bottom(self, p: float = 0.4) -> Bounds:
        """Bounds on the income share of the poorest fraction p: L(p)."""
        return self.lorenz(float(_fractions(p)))

    def palma(self) -> Bounds:
        """Bounds on the Palma ratio, top-10% share / bottom-40% share."""
        return _ratio(self.share_of_top(0.1), self.share_of_bottom(0.4))

    def quantile(self, q: ArrayLike) -> Bounds:
        """Bounds on the weighted quantile(s) Q(q), covering the inverted-CDF and averaged-inverted-CDF values.

        The estimate interpolates linearly inside the bin where the cumulative weight reaches q W.
        """
        qa = _fractions(q)
        b = self._bins()
        C = np.cumsum(b.weight)
        t = np.atleast_1d(qa) * C[-1]
        tol = 4.0 * (C.size + 2) * _EPS * C[-1] + 1e-12 * C[-1]  # also covers the 1e-12 hit rule of quantiles()
        k1 = np.minimum(np.searchsorted(C, t - tol, side="left"), C.size - 1)
        k2 = np.minimum(np.searchsorted(C, t + tol, side="right"), C.size - 1)
        lower, upper = b.lo[k1], b.hi[k2]
        frac = np.clip((t - (C[k1] - b.weight[k1])) / b.weight[k1], 0.0, 1.0)
        est = np.clip(b.lo[k1] + frac * (b.hi[k1] - b.lo[k1]), lower, upper)
        return _maybe_scalar(Bounds(est, lower, upper), np.ndim(qa) == 0)

    def median(self) -> Bounds:
        return self.quantile(0.5)

    def p90_p10(self) -> Bounds:
        """Bounds on P90 / P10 (needs P10 > 0)."""
        return _ratio(self.quantile(0.9), self.quantile(0.1))

    def quantile_group_means(self, n: int = 5) -> Bounds:
        """Bounds on the mean income of n equal-population groups (poorest first), boundary rows split."""
        if n < 1:
            raise ValueError("n must be a positive integer")
        lo, hi, b, k, t = self._gl(np.arange(n + 1) / n)
        size = (t[1:] - t[:-1])
        lower = np.maximum((lo[1:] - hi[:-1]) / size, b.lo[k[:-1]])
        upper = np.minimum((hi[1:] - lo[:-1]) / size, b.hi[k[1:]])
        return Bounds((lower + upper) / 2.0, lower, upper)

    def quintile_means(self) -> Bounds:
        return self.quantile_group_means(5)

    def decile_means(self) -> Bounds:
        return self.quantile_group_means(10)

    def high_low_ratio(self) -> Bounds:
        """Bounds on the NBS 高低收入组倍差: top-quintile mean / bottom-quintile mean."""
        q = self.quintile_means()
        return _ratio(Bounds(q.estimate[-1], q.lower[-1], q.upper[-1]), Bounds(q.estimate[0], q.lower[0], q.upper[0]))

    def fgt(self, line: float, alpha: float = 0.0) -> Bounds:
        """Bounds on FGT(alpha) at poverty line z: (1/W) sum w max(1 - x/z, 0)^alpha, poor meaning x < z."""
        z = float(line)
        if not (np.isfinite(z) and z > 0) or alpha < 0:
            raise ValueError("line must be positive and finite, alpha non-negative")
        b = self._bins()

        def g(x: FloatArray) -> FloatArray:
            gap = np.maximum(1.0 - x / z, 0.0)
            return (x < z).astype(np.float64) if alpha == 0 else np.where(x < z, gap**alpha, 0.0)

        W = b.weight.sum()
        # Bins are in increasing value order; a bin with lo >= z holds nobody poor, both of its bounds are exactly
        # 0 and leaving it out changes no sum (and saves most of the work for a low line).
        cut = int(np.searchsorted(b.lo, z, side="left"))
        lo_b, hi_b, mean_b = b.lo[:cut], b.hi[:cut], b.mean[:cut]
        span = hi_b - lo_b
        a = np.where(span > 0, (hi_b - mean_b) / np.where(span > 0, span, 1.0), 1.0)
        chord = a * g(lo_b) + (1.0 - a) * g(hi_b)
        jensen = g(mean_b)
        if alpha >= 1:  # g convex everywhere
            lower_b, upper_b = jensen, chord
        else:  # g concave on (-inf, z], monotone across z
            below = hi_b <= z
            lower_b = np.where(below, chord, g(hi_b))
            upper_b = np.where(below, jensen, g(lo_b))
        fp = 4.0 * (b.weight.size + 2) * _EPS
        sums = row_dots(np.stack([lower_b, upper_b]), b.weight[:cut])  # correctly rounded, see _common.dot
        lo = max(float(sums[0] / W) - fp, 0.0)
        hi = float(sums[1] / W) + fp
        return Bounds((lo + hi) / 2.0, lo, hi)

    def fgt_relative(self, fraction: float = 0.5, alpha: float = 0.0) -> Bounds:
        """Bounds on FGT(alpha) at ``fraction`` x median; FGT is non-decreasing in the line, so the bounds use
        the lower and upper median bounds."""
        m = self.median()
        if not m.lower > 0:
            raise ValueError("median is not bounded away from zero; a relative line is undefined")
        lo = self.fgt(fraction * m.lower, alpha).lower
        hi = self.fgt(fraction * m.upper, alpha).upper
        return Bounds(self.fgt(fraction * m.estimate, alpha).estimate, lo, hi)


# ------------------------------------------------------------------------------------------ GroupedSums --


class GroupedSums:
    """Exact, mergeable weighted sums by integer group code.

    For each group code: number of rows, sum of weights, and for each named value v: sum w v and the weight of
    rows with v != 0 ("recipients"). ``update(groups, weights, **values)`` adds rows in place; ``merge`` returns a
    new aggregate. Sums use the exact fixed-point limbs of this module, so results are identical for any
    partitioning and merge order (``==``).
    """

    KIND = "GroupedSums"
    VERSION = 1

    def __init__(self, names: Sequence[str] = ()) -> None:
        self.names: tuple[str, ...] = tuple(names)
        if len(set(self.names)) != len(self.names):
            raise ValueError("value names must be distinct")
        self._codes = np.empty(0, dtype=np.int64)
        self._rows = np.empty(0, dtype=np.int64)
        self._limbs = np.empty((0, 1 + 2 * len(self.names), _N_LIMBS), dtype=np.int64)

    def update(self, groups: ArrayLike, weights: ArrayLike | None = None, **values: ArrayLike) -> GroupedSums:
        """Add rows: ``groups`` integer codes, ``weights`` (default 1), one array per declared name."""
        if set(values) != set(self.names):
            raise ValueError(f"expected values {sorted(self.names)}, got {sorted(values)}")
        g = np.asarray(groups).reshape(-1)
        if g.size and not np.issubdtype(g.dtype, np.integer):
            raise ValueError("group codes must be integers")
        w = np.ones(g.shape) if weights is None else np.asarray(weights, dtype=np.float64).reshape(-1)
        cols = [np.asarray(values[name], dtype=np.float64).reshape(-1) for name in self.names]
        if w.shape != g.shape or any(c.shape != g.shape for c in cols):
            raise ValueError("groups, weights and values must have the same length")
        if not np.all(np.isfinite(w)) or np.any(w < 0) or not all(np.all(np.isfinite(c)) for c in cols):
            raise ValueError("weights and values must be finite and weights non-negative")
        if g.size == 0:
            return self
        codes, inv = np.unique(g.astype(np.int64), return_inverse=True)
        inv = inv.reshape(-1)
        columns = np.stack([w, *(w * c for c in cols), *(w * (c != 0) for c in cols)], axis=1)
        limbs = exact_sums(inv, columns, codes.size)
        rows = np.bincount(inv, minlength=codes.size).astype(np.int64)
        self._codes, self._rows, self._limbs = _union(
            (self._codes, self._rows, self._limbs), (codes, rows, limbs)
        )
        return self

    def merge(self, other: GroupedSums) -> GroupedSums:
        if not isinstance(other, GroupedSums) or other.names != self.names:
            raise ValueError("can only merge GroupedSums with the same value names")
        out = GroupedSums(self.names)
        out._codes, out._rows, out._limbs = _union(
            (self._codes, self._rows, self._limbs), (other._codes, other._rows, other._limbs)
        )
        return out

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, GroupedSums)
            and self.names == other.names
            and np.array_equal(self._codes, other._codes)
            and np.array_equal(self._rows, other._rows)
            and np.array_equal(self._limbs, other._limbs)
        )

    __hash__ = None  # type: ignore[assignment]  # mutable

    @property
    def codes(self) -> IntArray:
        return self._codes.copy()

    @property
    def rows(self) -> IntArray:
        return self._rows.copy()

    @property
    def weight(self) -> FloatArray:
        """Sum of weights per group code."""
        return limbs_to_float(self._limbs[:, 0])

    def sum(self, name: str) -> FloatArray:
        """Weighted sum of value ``name`` per group code."""
        return limbs_to_float(self._limbs[:, 1 + self.names.index(name)])

    def recipients(self, name: str) -> FloatArray:
        """Weight of rows with a non-zero value ``name`` per group code."""
        return limbs_to_float(self._limbs[:, 1 + len(self.names) + self.names.index(name)])

    def mean(self, name: str) -> FloatArray:
        """Weighted mean of value ``name`` per group code."""
        return self.sum(name) / self.weight

    def totals(self) -> dict[str, float]:
        """Overall weight and, per name, sum and recipients (each an exact sum rounded once)."""
        t = limbs_to_float(self._limbs.sum(axis=0))
        out = {"weight": float(t[0])}
        for i, name in enumerate(self.names):
            out[f"{name}.sum"] = float(t[1 + i])
            out[f"{name}.recipients"] = float(t[1 + len(self.names) + i])
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.KIND, "version": self.VERSION, "names": list(self.names),
                "codes": self._codes.copy(), "rows": self._rows.copy(), "limbs": self._limbs.copy()}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> GroupedSums:
        if d.get("kind") != cls.KIND or int(d.get("version", -1)) != cls.VERSION:
            raise ValueError("not a GroupedSums version 1 state")
        out = cls([str(n) for n in d["names"]])
        out._codes = np.asarray(d["codes"], dtype=np.int64)
        out._rows = np.asarray(d["rows"], dtype=np.int64)
        out._limbs = np.asarray(d["limbs"], dtype=np.int64).reshape(out._codes.size, 1 + 2 * len(out.names), _N_LIMBS)
        return out

    def to_bytes(self) -> bytes:
        return _npz_bytes(self.to_dict())

    @classmethod
    def from_bytes(cls, data: bytes) -> GroupedSums:
        return cls.from_dict(_npz_load(data))


def _union(a: tuple[IntArray, IntArray, IntArray], b: tuple[IntArray, IntArray, IntArray]):
    codes = np.union1d(a[0], b[0]).astype(np.int64)
    rows = np.zeros(codes.size, dtype=np.int64)
    limbs = np.zeros((codes.size, *a[2].shape[1:]), dtype=np.int64)
    for c, r, li in (a, b):
        pos = np.searchsorted(codes, c)
        rows[pos] += r
        limbs[pos] += li
    return codes, rows, _normalise(limbs)


# ------------------------------------------------------------------------------------------------- utils --


def _fractions(p: ArrayLike) -> FloatArray:
    pa = np.asarray(p, dtype=np.float64)
    if not np.all((pa >= 0) & (pa <= 1)):
        raise ValueError("fractions must lie in [0, 1]")
    return pa


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
