"""Replicate sums of one block (analysis/replicates.py): every headline column of a system summed under the R
replicate weights w x m_r, and the per-replicate coarse histograms of per-capita disposable income.

Columns over every household (or an eighth of them or more, scattered to full length) are summed together, one
matrix product per batch of `FLUSH_ROWS` columns; the others over their own rows only, the columns that share one
rows array in one product over those rows' multipliers. The products run on one BLAS thread, in batches of a
fixed size, so that a column's sums depend neither on the threads nor on which other columns a system has.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from gongfu.analysis.replicates import multipliers

from .binning import bin_index, elementwise

#: columns per matrix product (the last batch padded with zeros)
FLUSH_ROWS = 16

_BLAS: list[Any] = []
#: the replicate sums' matrix products run one at a time per process, each on one BLAS thread (`_Block.flush`)
_BLAS_LOCK = threading.Lock()


def _blas_controller() -> Any:
    """The process's `threadpoolctl.ThreadpoolController` (built once: it inspects the loaded libraries)."""
    if not _BLAS:
        from threadpoolctl import ThreadpoolController

        _BLAS.append(ThreadpoolController())
    return _BLAS[0]


class ReplicateSums:
    """The replicate multipliers of a block's households and the replicate sums waiting for `flush`."""

    def __init__(self, n_hh: int):
        self.n_hh = n_hh
        self.M: np.ndarray | None = None  # replicate multipliers as float64 (R x households), replicate-major
        self.MT: np.ndarray | None = None  # the same, household-major (households x R): gathered by rows
        self.rep_idx: np.ndarray | None = None  # coarse bin of baseline per-capita disposable income
        self.rep_hist: np.ndarray | None = None  # the baseline's replicate histogram of this block (K x R x bins)
        self._pending: list[tuple[int, np.ndarray]] = []
        self._sparse: dict[int, tuple[np.ndarray, list[tuple[int, np.ndarray]]]] = {}

    def set_replicates(self, ids: np.ndarray, n: int, seed: int) -> None:
        """The replicate multipliers of the block's households (`analysis.replicates.multipliers`)."""
        self.MT = multipliers(ids, n, seed)
        self.M = np.ascontiguousarray(self.MT.T)

    def gather(self, rows: np.ndarray) -> np.ndarray:
        """(R x rows) multipliers of household `rows` (which may repeat)."""
        assert self.MT is not None
        return np.ascontiguousarray(self.MT[rows].T)

    def rep_add(self, a: Any, col: str, v: np.ndarray, rows: np.ndarray | None = None) -> None:
        """Sum a household column (or the values `v` on household `rows`, which may repeat: persons) under each
        replicate weight, in `flush`. Full-length columns, and columns on an eighth of the households or more
        (scattered to full length), are summed together (one matrix product); the others over their rows only,
        with every column given the same `rows` array in one product over those rows' multipliers. Which way
        depends only on the column's rows, so a system's sums are the same whether it is the baseline of a run
        or the reform of a one-pass comparison."""
        if self.M is None:
            return
        j = a.rep_index.get(col)
        if j is None:
            return
        if rows is None:
            self._pending.append((j, v))
        elif 8 * rows.size >= self.n_hh:
            self._pending.append((j, np.bincount(rows, weights=v, minlength=self.n_hh)))
        elif rows.size:
            self._sparse.setdefault(id(rows), (rows, []))[1].append((j, v))

    def flush(self, a: Any) -> None:
        """Replicate sums of the pending columns: matrix products of `FLUSH_ROWS` columns at a time (the last
        batch padded with zeros), over all households (full-length columns) or over the rows a group of sparse
        columns shares (their multipliers gathered once). A BLAS product's rounding of one row can depend on how
        many rows it is given and where the row sits among them; in batches of a fixed size it does not
        (measured), so a column's sums do not depend on which other columns a system has (one BLAS thread:
        `reduce_partition`)."""
        if not self._pending and not self._sparse:
            return
        groups = [(self.MT, self._pending)] if self._pending else []
        groups += [(self.MT[rows], items) for rows, items in self._sparse.values()]
        # one BLAS thread, set under a lock (threads of a Dask worker reduce partitions side by side): BLAS
        # threads of two worker processes would fight over the cores, and the sums must not depend on threads
        with _BLAS_LOCK, _blas_controller().limit(limits=1, user_api="blas"):
            for G, items in groups:
                k = len(items)
                V = np.zeros((-(-k // FLUSH_ROWS) * FLUSH_ROWS, G.shape[0]))
                for i, (_, v) in enumerate(items):
                    V[i] = v
                out = np.concatenate([V[i:i + FLUSH_ROWS] @ G for i in range(0, V.shape[0], FLUSH_ROWS)])
                np.add.at(a.rep, [j for j, _ in items], out[:k])
        self._pending = []
        self._sparse = {}


def replicate_hist(ctx: Any, a: Any, b: ReplicateSums, x: np.ndarray, base: dict[str, Any] | None,
                    diff: np.ndarray | None) -> None:
    """Per-replicate coarse histogram of per-capita disposable income (the reform's in full too, so that it is the
    same as a run of the reformed law on its own; only the bins of the rows whose income changed are looked up
    again, and only the bins those rows leave or enter are summed again: every other bin holds the same rows with
    the same values as the baseline's, and each bin's sum depends on its own rows only -- `_block_hist`)."""
    config = ctx.layout["replicates"]["hist_config"]
    n_bins = a.rep_hist.shape[0]
    columns = [b.pw, b.pw * x]
    if base is None:
        b.rep_idx = bin_index(x, config)
        hist = b.rep_hist = block_hist(b.rep_idx, columns, b.M, n_bins)
    else:
        idx = elementwise(lambda v: bin_index(v, config), x, None if diff is None else (b.rep_idx, diff))
        hist = None
        if diff is not None and b.rep_hist is not None:
            touched = np.zeros(n_bins, dtype=bool)
            touched[b.rep_idx[diff]] = True
            touched[idx[diff]] = True
            rows = np.flatnonzero(touched[idx])
            if 2 * rows.size < idx.size:
                hist = b.rep_hist.copy()
                bins = np.flatnonzero(touched)
                part = block_hist(idx[rows], [c[rows] for c in columns], b.gather(rows), n_bins)
                hist[:, :, bins] = part[:, :, bins]
        if hist is None:
            hist = block_hist(idx, columns, b.M, n_bins)
    a.rep_hist += hist.transpose(2, 1, 0)


def block_hist(idx: np.ndarray, columns: list[np.ndarray], M: np.ndarray, n_bins: int) -> np.ndarray:
    """(columns, R, bins): sum over rows of column[row] x M[r, row] into the bin of each row, per replicate
    (`np.bincount`: each bin's sum runs over its own rows in row order, so it depends on those rows only)."""
    out = np.empty((len(columns), M.shape[0], n_bins))
    tmp = np.empty(idx.size)
    for k, v in enumerate(columns):
        for r in range(M.shape[0]):
            np.multiply(v, M[r], out=tmp)
            out[k, r] = np.bincount(idx, weights=tmp, minlength=n_bins)
    return out
