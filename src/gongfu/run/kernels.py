"""Fused numba kernels of the per-partition reductions (reducer.py, binning.py), bit-identical to numpy.

Each kernel does in one pass over a block's rows what several whole-array numpy passes did, and adds its float
numbers in exactly the order numpy added them, so every result keeps its bits:

* `np.bincount(idx, weights=v)` adds the rows of each bin one after the other, in row order, into a zeroed
  array, which is then added to the accumulator: the kernels sum into a zeroed block-local array in row order,
  then add it to the accumulator element by element (`bin_sums`, `extra_sums`);
* `np.minimum.at` / `np.maximum.at` keep, on ties, the new value (so the sign of a zero is the last one seen),
  and NaN wins: `bin_sums` uses the same comparisons in row order.

Products (weight x value, ...) are IEEE-754 operations rounded the same way in numpy and in LLVM (no fast-math:
no reassociation, no fused multiply-add). Logarithms are *not* computed here (numpy's SIMD `log` may differ
from libm's in the last bit): callers pass them in.

Every kernel takes contiguous float64 / int64 arrays (and Python ints and bools), so each compiles to one
signature,
once per process and machine (`cache=True` keeps the machine code next to this file in __pycache__);
`warm_up` compiles them all on tiny inputs (worker processes forked afterwards inherit them).
"""

from __future__ import annotations

import numba
import numpy as np

_JIT = {"cache": True, "nogil": True}


@numba.njit(**_JIT)
def bin_sums(local: np.ndarray, size: int, start: int, values: np.ndarray, weights: np.ndarray,
             products: np.ndarray, w_out: np.ndarray, y_out: np.ndarray, lo_out: np.ndarray,
             hi_out: np.ndarray, kind_stride: int) -> None:
    """Sketch bins of one block: for each weight column c, per-bin sums of weights[c] and products[c] (= weight x
    value) added at w_out[c, start + local], y_out[c, start + local], and the per-bin minimum and maximum of
    `values` at lo_out / hi_out[start + local] -- with two weight columns, at kind x kind_stride + start + local,
    kind = (weights[0] > 0) + 2 (weights[1] > 0) (BinAccumulator.add)."""
    n_w, n = weights.shape
    t = np.zeros((size, 2 * n_w))  # a bin's sums side by side (one cache line)
    if n_w == 1:
        w0, p0 = weights[0], products[0]
        for i in range(n):
            k = local[i]
            t[k, 0] += w0[i]
            t[k, 1] += p0[i]
            f = start + k
            v = values[i]
            lo = lo_out[f]
            hi = hi_out[f]
            lo_out[f] = lo if (lo < v or lo != lo) else v  # (unconditional stores: no mispredicted branches)
            hi_out[f] = hi if (hi > v or hi != hi) else v
    else:
        w0, p0, w1, p1 = weights[0], products[0], weights[1], products[1]
        for i in range(n):
            k = local[i]
            a, b = w0[i], w1[i]
            t[k, 0] += a
            t[k, 1] += p0[i]
            t[k, 2] += b
            t[k, 3] += p1[i]
            f = start + k + kind_stride * ((1 if a > 0 else 0) + (2 if b > 0 else 0))
            v = values[i]
            lo = lo_out[f]
            hi = hi_out[f]
            lo_out[f] = lo if (lo < v or lo != lo) else v
            hi_out[f] = hi if (hi > v or hi != hi) else v
    for c in range(n_w):
        for k in range(size):
            w_out[c, start + k] += t[k, 2 * c]
            y_out[c, start + k] += t[k, 2 * c + 1]


@numba.njit(**_JIT)
def extra_sums(local: np.ndarray, size: int, start: int, columns: np.ndarray, out: np.ndarray,
               first: int) -> None:
    """Per-bin sums of each row of `columns` (already weighted) added at out[first + j, start + local]
    (BinAccumulator.add_extra: np.bincount per column)."""
    m, n = columns.shape
    t = np.zeros((size, m))  # a bin's sums side by side
    if m == 1:
        c0 = columns[0]
        for i in range(n):
            t[local[i], 0] += c0[i]
    else:
        for i in range(n):
            k = local[i]
            for j in range(m):
                t[k, j] += columns[j, i]
    for j in range(m):
        for k in range(size):
            out[first + j, start + k] += t[k, j]


#: rows of `concept_columns`: products, then the Theil pieces (reducer.THEIL_PIECES), then with `split` each
#: piece's share of urban-hukou members and the rest (u, r of pos_w, u, r of xlogx, ...)
CONCEPT_ROWS = ("pux", "prx", "pwx", "pos_w", "xlogx", "logx", "neg_w", "neg_y")


@numba.njit(**_JIT)
def concept_columns(x: np.ndarray, lx: np.ndarray, pw: np.ndarray, pw_u: np.ndarray, pw_r: np.ndarray,
                    share_u: np.ndarray, split: bool) -> tuple[np.ndarray, bool]:
    """Per-household terms of one income concept x (per capita; lx = ln x where x > 0, else 0), in one pass:
    pw_u x, pw_r x, pw x, and the Theil pieces pw [x > 0], pw x lx, pw lx, pw [x < 0], pw x [x < 0]; with
    `split`, each piece v also as v share_u and v - v share_u (rows 8 + 2i, 9 + 2i). Returns (rows, whether
    some x < 0). The same products as the numpy formulation (bools as 1.0 / 0.0)."""
    n = x.size
    # rows a cache line apart from a multiple of 4 KiB: block sizes are powers of 2, and rows 2^k doubles apart
    # would all map to the same cache sets
    out = np.empty((18 if split else 8, n + 8))[:, :n]
    any_neg = False
    for i in range(n):
        xi, p = x[i], pw[i]
        pwx = p * xi
        neg = xi < 0
        any_neg |= neg
        out[0, i] = pw_u[i] * xi
        out[1, i] = pw_r[i] * xi
        out[2, i] = pwx
        out[3, i] = p * (1.0 if xi > 0 else 0.0)
        out[4, i] = pwx * lx[i]
        out[5, i] = p * lx[i]
        out[6, i] = p * (1.0 if neg else 0.0)
        out[7, i] = p * (xi if neg else 0.0)
        if split:
            s = share_u[i]
            for k in range(5):
                v = out[3 + k, i]
                vu = v * s
                out[8 + 2 * k, i] = vu
                out[9 + 2 * k, i] = v - vu
    return out, any_neg


def warm_up() -> None:
    """Compile (or load from the cache) every kernel, on tiny inputs."""
    f = np.arange(3, dtype=np.float64)
    i = np.zeros(3, dtype=np.int64)
    for n_w in (1, 2):
        w = np.ones((n_w, 3))
        bin_sums(i, 1, 0, f, w, w, np.zeros((n_w, 4)), np.zeros((n_w, 4)), np.full(16, np.inf),
                 np.full(16, -np.inf), 4)
    extra_sums(i, 1, 0, np.ones((2, 3)), np.zeros((2, 1)), 0)
    for split in (False, True):
        concept_columns(f, f, f, f, f, f, split)
