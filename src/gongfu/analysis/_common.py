"""Shared input handling for the weighted statistics of gongfu.analysis (private helpers).

Conventions used by every public function in ``inequality``, ``poverty`` and ``incidence``:

* ``values`` is a 1-D array of incomes (one row per person, or per household with person weights);
* ``weights`` is a 1-D array of non-negative finite weights of the same length, or ``None`` for unit weights;
  rows with weight 0 are ignored (they represent nobody);
* non-finite values or weights, mismatched lengths, negative weights and a zero total weight raise ``ValueError``.

Every weighted sum that ends up in a reported figure or bound is taken with ``dot`` / ``row_dots`` below, never with
``np.dot`` or ``@``: numpy hands a 1-D float dot product to BLAS, whose result depends on how many threads BLAS
uses (OpenBLAS splits dot products of more than about 10,000 elements), while ``dot`` is the correctly rounded sum
of the rounded products, the same bits on every machine and for every thread count.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


_FSUM_BELOW = 640  # arrays of fewer elements go to math.fsum directly (measured: faster than extraction)
_MIN_EXP = -1074  # 2**-1074, the smallest subnormal: every float64 is a multiple of it
_MAX_EXP = 900  # from 2**900 up the extraction constants could overflow: math.fsum instead


def dot(a: ArrayLike, b: ArrayLike) -> float:
    """Dot product of two 1-D float arrays that does not depend on threads, BLAS or summation order.

    Exactly ``math.fsum(np.multiply(a, b).tolist())``: each product a_i * b_i is rounded to float64 once (IEEE
    multiplication), and the *exact* sum of those rounded products is rounded once, to nearest, ties to even
    (the correctly rounded sum of ``math.fsum``; J. R. Shewchuk 1997, "Adaptive precision floating-point
    arithmetic and fast robust geometric predicates", Discrete Comput. Geom. 18). Consequences: the same bits
    on every machine, for any number of BLAS threads and for any permutation of the rows; the only roundings
    are the n products and the final one, so |dot - sum a_i b_i| <= u |dot| + u sum |a_i b_i| (u = 2^-53),
    never worse than the recursive-summation bound (n - 1) u sum |a_i b_i| + u sum |a_i b_i| of ``np.dot``.
    An exact zero sum is returned as ``math.fsum`` returns it (+0.0 unless every product is -0.0 and the
    Python version preserves -0.0). Non-finite products, or sums whose exact value overflows, behave as in
    ``math.fsum`` (nan, inf, ``ValueError`` for inf - inf, ``OverflowError``). Arrays of 640 elements or more
    are summed by vectorised error-free extraction (``_exact_sum``) instead of ``math.fsum``, with the same
    result, about 10 times faster at 10,000 elements.
    """
    x = np.asarray(a, dtype=np.float64)
    y = np.asarray(b, dtype=np.float64)
    if x.ndim != 1 or y.shape != x.shape:
        raise ValueError(f"dot needs two 1-D arrays of the same length, got shapes {x.shape} and {y.shape}")
    return _exact_sum(np.multiply(x, y))


def row_dots(a: ArrayLike, b: ArrayLike) -> FloatArray:
    """``dot`` of each row: element i is ``math.fsum`` of the rounded products ``np.multiply(a, b)[i, :]``.

    ``a`` and ``b`` broadcast to a 2-D shape (rows, n), e.g. a (k, n) table against one weight vector of length
    n. Each row sum is correctly rounded exactly as in ``dot``; several rows in one call share the fixed cost.
    """
    p = np.multiply(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64))
    if p.ndim != 2:
        raise ValueError(f"row_dots needs operands broadcasting to 2-D, got shape {p.shape}")
    return np.array(_exact_row_sums(p), dtype=np.float64)


def _exact_sum(p: FloatArray) -> float:
    """Correctly rounded sum of a 1-D float64 array, ``math.fsum(p.tolist())`` (see ``_exact_row_sums``)."""
    return _exact_row_sums(p.reshape(1, -1))[0]


def _exact_row_sums(p: FloatArray) -> list[float]:
    """Correctly rounded sum of each row of a 2-D float64 array: ``math.fsum(row)``. ``p`` is not changed.

    Large arrays use error-free extraction (S. M. Rump, T. Ogita & S. Oishi 2008, "Accurate floating-point
    summation part I", SIAM J. Sci. Comput. 31(1), Algorithm ExtractVector). With n the row length, k =
    bit_length(n) + 1 (so n < 2^(k-1)) and |r| <= 2^e for every element of the current remainder r (initially
    p), take b = e + k - 53 and h = fl(fl(r + 1.5 2^(b+52)) - 1.5 2^(b+52)): for |r| <= 2^(b+51),
    r + 1.5 2^(b+52) lies in [2^(b+52), 2^(b+53)], where floats are spaced 2^b, so h is r rounded to a multiple
    of 2^b, exactly, and r - h is exact too (|r - h| <= min(|r|, 2^(b-1)), a multiple of ulp(r)). In a row every
    h is a multiple of 2^b and sum |h| <= n (2^e + 2^(b-1)) < 2^(b+53), so every partial sum of the row's h, in
    any order, is a multiple of 2^b below 2^(b+53) in magnitude: ``h.sum(axis=1)`` is exact whatever order
    numpy adds in. The new remainder is at most 2^(b-1); the next pass repeats with e = b - 1 (b falls by
    54 - k bits per pass) until the remainder is zero -- by b = -1074 at the latest, since every float64 is a
    multiple of 2^-1074; in practice 2 or 3 passes. A row's exact sum is then the exact sum of its few exact
    pass sums, and ``math.fsum`` of those rounds it correctly: the same float as ``math.fsum`` of the row. One
    b serves all rows (e from the largest element of the array); a row of small elements only needs more
    passes. Small arrays, and arrays holding a non-finite value or an element of 2^900 or more, go to
    ``math.fsum`` row by row.
    """
    rows, n = p.shape
    if rows * n < _FSUM_BELOW:
        return [math.fsum(row) for row in p.tolist()]
    m = float(np.max(np.abs(p)))
    if not m < 2.0**_MAX_EXP:  # inf, nan or huge
        return [math.fsum(row) for row in p.tolist()]
    k = n.bit_length() + 1
    b = max(math.frexp(m)[1] + k - 53, _MIN_EXP)  # m < 2^e with e = frexp(m)[1]
    h = np.empty_like(p)
    r = np.empty_like(p)
    src = p  # the first pass reads p, the later ones the remainder r
    parts: list[FloatArray] = []
    while True:
        magic = 1.5 * 2.0 ** (b + 52)  # normal for every b >= -1074
        np.add(src, magic, out=h)
        np.subtract(h, magic, out=h)
        np.subtract(src, h, out=r)
        src = r
        parts.append(h.sum(axis=1))
        if b == _MIN_EXP or not r.any():
            break
        b = max(b - (54 - k), _MIN_EXP)
    if len(parts) == 1:
        out = parts[0].tolist()  # one exact sum per row: nothing left to round
    else:
        out = [math.fsum(row) for row in np.stack(parts, axis=1).tolist()]
    # A row whose exact sum is zero gets +0.0 above (h is never -0.0), as from fsum -- unless every element of the
    # row is +-0, where the sign fsum gives may depend on the Python version: ask it.
    for i, v in enumerate(out):
        if v == 0.0 and not p[i].any():
            out[i] = math.fsum([-0.0] if bool(np.all(np.signbit(p[i]))) else [0.0])
    return out


def prepare(
    values: ArrayLike, weights: ArrayLike | None = None, *others: ArrayLike
) -> tuple[FloatArray, FloatArray, list[np.ndarray]]:
    """Validate ``values``/``weights`` (and parallel arrays ``others``), drop zero-weight rows.

    Returns float64 copies of values and weights and the parallel arrays filtered the same way.
    """
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"values must be 1-D, got shape {x.shape}")
    if weights is None:
        w = np.ones_like(x)
    else:
        w = np.asarray(weights, dtype=np.float64)
        if w.shape != x.shape:
            raise ValueError(f"weights shape {w.shape} differs from values shape {x.shape}")
    rest = [np.asarray(o) for o in others]
    for o in rest:
        if o.shape != x.shape:
            raise ValueError(f"parallel array of shape {o.shape} differs from values shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("values contain NaN or infinity")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError("weights must be finite and non-negative")
    keep = w > 0
    if not np.any(keep):
        raise ValueError("total weight is zero (no rows with positive weight)")
    if not np.all(keep):
        x, w, rest = x[keep], w[keep], [o[keep] for o in rest]
    return x, w, rest


def tie_groups(sorted_key: np.ndarray) -> tuple[IntArray, IntArray]:
    """Start index and length of each run of equal values in an already sorted array."""
    n = sorted_key.shape[0]
    starts = np.flatnonzero(np.concatenate(([True], sorted_key[1:] != sorted_key[:-1])))
    lengths = np.diff(np.append(starts, n))
    return starts.astype(np.int64), lengths.astype(np.int64)


def fractional_rank(rank_by: FloatArray, w: FloatArray) -> FloatArray:
    """Weighted fractional (mid-)rank in (0, 1) of each row when ranked by ``rank_by``, ties averaged.

    R_i = (W_{<i} + w_i / 2) / W, where W_{<i} is the weight of rows ranked strictly below row i; rows tied
    on ``rank_by`` all get the mid-rank of their tie block, W_{<block} + W_block / 2. This is the ranking
    variable of the covariance formula of the Gini and concentration indices (Lerman & Yitzhaki 1984,
    "A note on the calculation and interpretation of the Gini index", Economics Letters 15; O'Donnell et al.
    2008, *Analyzing Health Equity Using Household Survey Data*, World Bank, ch. 8). Averaging over ties makes
    every index independent of the order in which tied rows happen to be stored.
    """
    order = np.argsort(rank_by, kind="stable")
    starts, lengths = tie_groups(rank_by[order])
    block_w = np.add.reduceat(w[order], starts)
    cum = np.cumsum(block_w)
    mid = (cum - block_w / 2.0) / cum[-1]
    ranks = np.empty_like(w)
    ranks[order] = np.repeat(mid, lengths)
    return ranks


def concentration(x: FloatArray, rank_by: FloatArray, w: FloatArray) -> float:
    """Concentration index of ``x`` ranked by ``rank_by`` on validated arrays: 2 sum w x R / sum w x - 1."""
    total = dot(w, x)
    if total == 0:
        raise ValueError("the concentration index needs a non-zero total")
    r = fractional_rank(rank_by, w)
    return float(2.0 * dot(w * x, r) / total - 1.0)


def group_index(groups: np.ndarray) -> tuple[np.ndarray, IntArray]:
    """Sorted distinct group labels and, for each row, the position of its label in that list."""
    labels, inverse = np.unique(groups, return_inverse=True)
    return labels, inverse.reshape(-1).astype(np.int64)
