"""Replicate sums of one block (analysis/replicates.py): every headline column of a system summed under the R
replicate weights w x m_r, and the per-replicate coarse histograms of per-capita disposable income.

A replicate's multiplier depends on a household only through its key (its pair's group and its parity,
`analysis.replicates.group_keys`), so a partition sums each column by key (one `np.bincount` over the column's
own rows, in row order: a column's sums depend on nothing else) and turns the sums by key into replicate sums once,
at the end of the partition (`expand_state`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gongfu.analysis.replicates import expand, group_keys, n_groups

from .binning import bin_index, elementwise


class ReplicateSums:
    """The replicate keys of a block's households (None without replicates)."""

    def __init__(self) -> None:
        self.key: np.ndarray | None = None  # each household's key 2 g + parity, in [0, n_keys)
        self.n_keys = 0
        self.rep_idx: np.ndarray | None = None  # coarse bin of baseline per-capita disposable income
        self._person_key: np.ndarray | None = None  # the keys of every person's household (`keys`)

    @property
    def replicated(self) -> bool:
        return self.key is not None

    def set_replicates(self, ids: np.ndarray, n: int, seed: int) -> None:
        """The replicate keys of the block's households (`analysis.replicates.group_keys`)."""
        self.key = group_keys(ids, n, seed)
        self.n_keys = 2 * n_groups(n)

    def rep_add(self, a: Any, col: str, v: np.ndarray, rows: np.ndarray | None = None,
                key: np.ndarray | None = None) -> None:
        """Add a household column (or the values `v` on household `rows`, which may repeat: persons) to the sums
        by key of replicate column `col` (nothing if the system does not replicate it); `key`: the keys of those
        rows when the caller has them (`keys`)."""
        if self.key is None:
            return
        j = a.rep_index.get(col)
        if j is None:
            return
        if key is None:
            key = self.key if rows is None else self.key[rows]
        a.rep[j] += np.bincount(key, weights=v, minlength=self.n_keys)

    def keys(self, rows: np.ndarray | None) -> np.ndarray | None:
        """The replicate keys of household `rows` (all households: None), for several `rep_add` on the same rows
        (None without replicates)."""
        if self.key is None:
            return None
        if rows is None:
            return self.key
        if rows is getattr(self, "index", None):  # every person (a block's `index`): kept for the block
            if self._person_key is None:
                self._person_key = self.key[rows]
            return self._person_key
        return self.key[rows]

    def rep_add_columns(self, a: Any, cols: list[str], values: np.ndarray, rows: np.ndarray) -> None:
        """`rep_add` of several columns on the same household `rows`: column k of `values` (rows, columns) to
        the sums by key of `cols[k]` (the keys of the rows looked up once)."""
        key = self.keys(rows)
        if key is None:
            return
        for k, col in enumerate(cols):
            j = a.rep_index.get(col)
            if j is not None:
                a.rep[j] += np.bincount(key, weights=values[:, k], minlength=self.n_keys)

    def key_hist(self, idx: np.ndarray, columns: list[np.ndarray], n_bins: int,
                 rows: np.ndarray | None = None) -> np.ndarray:
        """(columns, bins, keys): each column summed by (bin `idx`, key) over the block's households (or `rows`)."""
        assert self.key is not None
        key = self.key if rows is None else self.key[rows]
        cell = idx.astype(np.int64) * self.n_keys + key
        size = n_bins * self.n_keys
        return np.stack([np.bincount(cell, weights=v, minlength=size) for v in columns]).reshape(
            len(columns), n_bins, self.n_keys)


def replicate_hist(ctx: Any, a: Any, b: ReplicateSums, x: np.ndarray, base: dict[str, Any] | None,
                   diff: np.ndarray | None) -> None:
    """Coarse histogram of per-capita disposable income (persons, and their income) by key, from which every
    replicate's histogram follows (`expand_state`); the reform's in full too, so that it is the same as a run of
    the reformed law on its own (only the bins of the rows whose income changed are looked up again)."""
    config = ctx.layout["replicates"]["hist_config"]
    if base is None:
        idx = b.rep_idx = bin_index(x, config)
    else:
        idx = elementwise(lambda v: bin_index(v, config), x, None if diff is None else (b.rep_idx, diff))
    a.rep_hist += b.key_hist(idx, [b.pw, b.pw * x], a.rep_hist.shape[1])


def expand_state(by_key: np.ndarray | None, n: int, seed: int, hist: bool = False) -> np.ndarray | None:
    """Replicate sums from a partition's sums by key: (columns, keys) -> (columns, R); a histogram by key
    (2, bins, keys) -> (bins, R, 2) (the state's layout: `layout.replicate_hist`)."""
    if by_key is None:
        return None
    flat = by_key.reshape(-1, by_key.shape[-1])
    used = np.flatnonzero(flat.any(axis=1))  # (most bins of a histogram are empty)
    out = np.zeros((flat.shape[0], n))
    out[used] = expand(flat[used], n, seed)
    out = out.reshape(*by_key.shape[:-1], n)
    return np.ascontiguousarray(out.transpose(1, 2, 0)) if hist else out
