"""Exact, order-free sums of float64 numbers: fixed-point integer limbs (the bottom of the house; numpy only).

Floating-point addition is not associative, so summing the same rows split into partitions differently would
normally give results that differ in the last bits. Here every contribution c (a weight w, or w * x computed once
in float64) is converted to a signed fixed-point integer in units of 2^-63 (rounded to nearest, error <= 2^-64;
|c| < 2^63 is required), as four base-2^32 digits obtained by error-free floating-point splitting; digits are
summed per bin (exactly: partial sums stay below 2^53) and kept as int64 limbs in a canonical carry-propagated
form (limbs 0..2 in [0, 2^32), the top limb signed). Integer addition is associative and commutative and the
canonical form is unique, so a sum depends only on the multiset of contributions, never on how they were
partitioned or in which order partial sums were combined. Conversion back to float64 (`limbs_to_float`) rounds
three additions, always in the same order: relative error below 1e-15, deterministic.

Used by the distribution sketch (`gongfu.analysis.sketch`) and by the reduced state of a national run
(`gongfu.run.aggregate`). Imports numpy only.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

LIMB_BITS = 32
N_LIMBS = 4
FIX_EXP = 63  # fixed-point unit 2**-63; contributions must satisfy |c| < 2**63
_LIMB_UNIT_EXP = tuple(LIMB_BITS * j - FIX_EXP for j in range(N_LIMBS))  # -63, -31, 1, 33
_CHUNK = 1 << 20  # rows per bincount pass: |digit| <= 2**31, so partial sums stay below 2**51 (exact)
_LOW_MASK = np.int64((1 << LIMB_BITS) - 1)
_LIMB_SCALE = tuple(2.0**e for e in _LIMB_UNIT_EXP)  # exact powers of two


class LimbError(ValueError):
    """Limbs that cannot be packed (a sum beyond 2^64) or of an unknown dtype."""


def signed_limbs(c: FloatArray) -> FloatArray:
    """Exact signed base-2^32 digits (4, n) of values on the 2^-63 grid: c ~= sum_j d_j 2^(32 j - 63), |d_j| <= 2^31.

    From the top digit down, r is rounded to a multiple of 2^b by (r + 1.5 2^(b+52)) - 1.5 2^(b+52), which is
    exact in IEEE double for |r| < 2^(b+51), and the remainder r - h is exact too (the error-free extraction
    of S. M. Rump, T. Ogita & S. Oishi 2008, "Accurate floating-point summation part I", SIAM J. Sci. Comput.
    31(1)). Only the last step rounds: c is rounded to a multiple of 2^-63 (error <= 2^-64, half to even).
    """
    if c.size and not np.all(np.abs(c) < 2.0**FIX_EXP):
        raise OverflowError("a contribution |w * x| or |w| reaches 2**63; rescale the data")
    out = np.empty((N_LIMBS, c.shape[0]))
    r = np.array(c, dtype=np.float64)  # the remainder, updated in place
    h = np.empty_like(r)
    for j in range(N_LIMBS - 1, -1, -1):
        b = _LIMB_UNIT_EXP[j]
        magic = 1.5 * 2.0 ** (b + 52)
        np.add(r, magic, out=h)
        h -= magic  # h = (r + magic) - magic
        r -= h
        np.multiply(h, 2.0 ** (-b), out=out[j])
    return out


def normalise(limbs: IntArray) -> IntArray:
    """Canonical form of the same integer: limbs 0..2 in [0, 2^32), the top limb signed (carries propagated)."""
    return normalise_inplace(np.array(limbs, dtype=np.int64))


#: the canonical form of limb sums (carries propagated); the name used by the run's state
canonical = normalise


def normalise_inplace(out: IntArray) -> IntArray:
    """`normalise` of an int64 array the caller owns, overwritten and returned.

    The carry out of limb j is floor(l_j / 2^32) (arithmetic shift) and what stays is l_j - carry 2^32, i.e. the
    low 32 bits of the two's-complement l_j (``& (2^32 - 1)``); one scratch array for the carries.
    """
    if out.size == 0:
        return out
    carry = np.empty(out.shape[:-1], dtype=np.int64)
    for j in range(N_LIMBS - 1):
        lj = out[..., j]
        np.right_shift(lj, LIMB_BITS, out=carry)
        np.bitwise_and(lj, _LOW_MASK, out=lj)
        out[..., j + 1] += carry
    return out


def exact_values(values: FloatArray) -> IntArray:
    """Exact fixed-point limbs (n, q, 4), canonical, of each element of ``values`` (n, q) on its own: the same as
    ``exact_sums(np.arange(n), values, n)`` without the bincount (one row per bin).

    Element by element, in cache-sized chunks: the digits are carried limb by limb in limb-major order
    (contiguous rows), then transposed into the output."""
    v = np.ascontiguousarray(values, dtype=np.float64)
    n, q = v.shape
    flat = v.reshape(-1)
    out = np.empty((flat.size, N_LIMBS), dtype=np.int64)
    carry = np.empty(min(flat.size, _VALUE_CHUNK), dtype=np.int64)
    for start in range(0, flat.size, _VALUE_CHUNK):
        part = flat[start:start + _VALUE_CHUNK]
        digits = signed_limbs(part).astype(np.int64)  # (4, chunk); |d| <= 2^31: exact in int64
        c = carry[:part.size]
        for j in range(N_LIMBS - 1):
            np.right_shift(digits[j], LIMB_BITS, out=c)
            np.bitwise_and(digits[j], _LOW_MASK, out=digits[j])
            digits[j + 1] += c
        out[start:start + part.size] = digits.T
    return out.reshape(n, q, N_LIMBS)


#: values per chunk of `exact_values` (its work arrays stay in the cache)
_VALUE_CHUNK = 1 << 14


def exact_sums(index: IntArray, columns: FloatArray, n_bins: int) -> IntArray:
    """Exact per-bin sums of each column of ``columns`` (rows x quantities) as canonical int64 limbs
    (bins, quantities, 4). Rows are grouped by ``index`` in [0, n_bins). The result depends only on the
    multiset of (index, row) pairs."""
    n, q = columns.shape
    out = np.zeros((n_bins, q, N_LIMBS), dtype=np.int64)
    offsets = np.arange(q * N_LIMBS, dtype=np.int64)[:, None]
    for start in range(0, n, _CHUNK):
        part = columns[start : start + _CHUNK]
        digits = np.concatenate([signed_limbs(part[:, i]) for i in range(q)])  # (q * 4, rows)
        flat = index[None, start : start + _CHUNK] * (q * N_LIMBS) + offsets
        sums = np.bincount(flat.reshape(-1), weights=digits.reshape(-1), minlength=n_bins * q * N_LIMBS)
        out = normalise(out + sums.astype(np.int64).reshape(n_bins, q, N_LIMBS))
    return out


def add_limbs(a: IntArray, b: IntArray) -> IntArray:
    """Exact sum of two canonical limb arrays, in canonical form."""
    return normalise(a + b)


def to_limbs(values: np.ndarray) -> IntArray:
    """Exact fixed-point limbs (shape + (4,)) of a float64 array, element by element (deterministic)."""
    v = np.asarray(values, dtype=np.float64)
    flat = v.reshape(-1)
    if flat.size == 0:
        return np.zeros((*v.shape, N_LIMBS), dtype=np.int64)
    out = np.zeros((flat.size, N_LIMBS), dtype=np.int64)
    nz = np.flatnonzero(flat)  # zeros (most cells of a partition's tables) have zero limbs
    if nz.size:
        out[nz] = exact_values(flat[nz, None])[:, 0]
    return out.reshape(*v.shape, N_LIMBS)


def to_limbs_many(arrays: list[np.ndarray]) -> list[IntArray]:
    """`to_limbs` of each array (the conversion is element by element: same limbs); arrays that are mostly
    zeros (a partition's cell tables) convert their non-zero elements only."""
    out = []
    for a in arrays:
        v = np.asarray(a, dtype=np.float64)
        if v.size and np.count_nonzero(v) * 2 > v.size:
            out.append(exact_values(v.reshape(-1, 1)).reshape(*v.shape, N_LIMBS))
        else:
            out.append(to_limbs(v))
    return out


def limbs_to_float(limbs: IntArray) -> FloatArray:
    """float64 value of exact limb sums (..., 4); relative error < 1e-15, deterministic."""
    return canonical_to_float(normalise(np.asarray(limbs)), owned=True)


def canonical_to_float(norm: IntArray, owned: bool = False) -> FloatArray:
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
        norm[negative] = normalise_inplace(-norm[negative])  # all limbs now non-negative
    value = norm[..., N_LIMBS - 1].astype(np.float64)
    value *= _LIMB_SCALE[N_LIMBS - 1]
    for j in range(N_LIMBS - 2, -1, -1):
        value += norm[..., j].astype(np.float64) * _LIMB_SCALE[j]
    if any_negative:
        np.negative(value, out=value, where=negative)
    return value


def pack(limbs: IntArray) -> NDArray[np.uint32]:
    """Canonical limbs in 4 x 32 bits (the three low limbs are below 2^32; the signed top limb, in units of
    2^33, stays below 2^31 for any sum below 2^64 yuan): half the bytes of int64 limbs."""
    c = canonical(limbs)
    top = c[..., -1]
    if top.size and (top.min() < -(2**31) or top.max() >= 2**31):
        raise LimbError("a sum is too large to pack (beyond 2^64)")
    return np.concatenate([c[..., :-1].astype(np.uint32), top[..., None].astype(np.int32).view(np.uint32)],
                          axis=-1)


def unpack(packed: np.ndarray, copy: bool = True) -> IntArray:
    """int64 limbs of `pack`ed limbs (int64 limbs are returned as a copy, or as they are with ``copy=False``)."""
    p = np.asarray(packed)
    if p.dtype == np.int64:  # unpacked form
        return p.copy() if copy else p
    if p.dtype != np.uint32:
        raise LimbError(f"limbs of dtype {p.dtype}")
    low = p[..., :-1].astype(np.int64)
    top = np.ascontiguousarray(p[..., -1]).view(np.int32).astype(np.int64)
    return np.concatenate([low, top[..., None]], axis=-1)


__all__ = ["N_LIMBS", "LimbError", "add_limbs", "canonical", "canonical_to_float", "exact_sums", "exact_values",
           "limbs_to_float", "normalise", "normalise_inplace", "pack", "signed_limbs", "to_limbs",
           "to_limbs_many", "unpack"]
