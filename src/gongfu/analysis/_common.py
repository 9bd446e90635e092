"""Shared input handling for the weighted statistics of gongfu.analysis (private helpers).

Conventions used by every public function in ``inequality``, ``poverty`` and ``incidence``:

* ``values`` is a 1-D array of incomes (one row per person, or per household with person weights);
* ``weights`` is a 1-D array of non-negative finite weights of the same length, or ``None`` for unit weights;
  rows with weight 0 are ignored (they represent nobody);
* non-finite values or weights, mismatched lengths, negative weights and a zero total weight raise ``ValueError``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


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
    total = float(np.dot(w, x))
    if total == 0:
        raise ValueError("the concentration index needs a non-zero total")
    r = fractional_rank(rank_by, w)
    return float(2.0 * np.dot(w * x, r) / total - 1.0)


def group_index(groups: np.ndarray) -> tuple[np.ndarray, IntArray]:
    """Sorted distinct group labels and, for each row, the position of its label in that list."""
    labels, inverse = np.unique(groups, return_inverse=True)
    return labels, inverse.reshape(-1).astype(np.int64)
