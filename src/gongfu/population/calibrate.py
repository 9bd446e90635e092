"""Raking (calibration of household weights to population totals), returning the multipliers.

Why not a library: we evaluated ``samplics`` (0.6.x: archived, its import warns it is no longer maintained and
points to ``svy``) and ``svy`` (maintained; its matrix calibration is linear GREG -- weights can turn negative,
bounds are refused -- and its raking works on categorical margins of one sample; it returns weights, not the
Lagrange multipliers, and pulls in polars, scipy and a compiled engine). Rim-weighting packages (weightipy,
rimpy, ipfn) rake categorical margins only. gongfu needs *integrated* household calibration to person counts
(a household's row holds its number of persons aged 0-1, 65+, ...) and, above all, the multipliers themselves:
the generator applies ``w = d * exp(x' lambda)`` to households generated later, partition by partition, with no
global pass. That is the raking-ratio distance of Deville and Saerndal (1992): the dual problem is a smooth
convex minimisation, solved below by Newton's method with step halving (about 30 lines).
"""

from __future__ import annotations

import numpy as np


class RakingError(RuntimeError):
    """The totals cannot be reached (inconsistent or outside the sample's support)."""


def rake(x: np.ndarray, d: np.ndarray, totals: np.ndarray, *, max_iter: int = 100,
         tol: float = 1e-9) -> tuple[np.ndarray, np.ndarray]:
    """Multipliers ``lam`` and weights ``w = d * exp(x @ lam)`` such that ``x.T @ w == totals``.

    ``x``: [n, k] household features (counts), ``d``: [n] design weights (> 0), ``totals``: [k].
    Minimises the dual ``sum(d * exp(x @ lam)) - totals @ lam`` (raking-ratio distance); converged when every
    total is met within ``tol`` relative error. Raises RakingError otherwise.
    """
    x = np.asarray(x, dtype=np.float64)
    d = np.asarray(d, dtype=np.float64)
    totals = np.asarray(totals, dtype=np.float64)
    scale = np.maximum(np.abs(totals), 1e-12)
    xs = x / scale  # columns in units of their total: targets become 1
    lam = np.zeros(x.shape[1])

    def dual(lm: np.ndarray) -> tuple[float, np.ndarray]:
        w = d * np.exp(np.clip(xs @ lm, -50, 50))
        return float(w.sum() - lm.sum()), w

    f, w = dual(lam)
    for _ in range(max_iter):
        grad = xs.T @ w - 1.0
        if np.max(np.abs(grad)) < tol:
            return lam / scale, w
        hess = (xs * w[:, None]).T @ xs + 1e-12 * np.eye(len(lam))
        step = np.linalg.solve(hess, grad)
        lam, f, w = _backtrack(dual, lam, f, grad, step)
    grad = xs.T @ w - 1.0
    if np.max(np.abs(grad)) < max(tol, 1e-6):
        return lam / scale, w
    raise RakingError(f"raking did not converge: largest relative miss {np.max(np.abs(grad)):.2e}")


def rake_sparse(cols: np.ndarray, vals: np.ndarray, d: np.ndarray, totals: np.ndarray, *, max_iter: int = 100,
                tol: float = 1e-9) -> tuple[np.ndarray, np.ndarray]:
    """:func:`rake` for row-sparse features: row i has the values ``vals[i, j]`` in the columns ``cols[i, j]``
    (a column may repeat in a row; values add up). Same dual, same Newton steps; the gradient and Hessian are
    accumulated with ``bincount`` over the m nonzeros of each row, so the cost is O(n m^2), not O(n k^2).
    """
    cols = np.asarray(cols, dtype=np.intp)
    d = np.asarray(d, dtype=np.float64)
    totals = np.asarray(totals, dtype=np.float64)
    k = len(totals)
    m = cols.shape[1]
    scale = np.maximum(np.abs(totals), 1e-12)
    v = np.asarray(vals, dtype=np.float64) / scale[cols]
    lam = np.zeros(k)
    pair = [(a, b, cols[:, a] * k + cols[:, b], v[:, a] * v[:, b]) for a in range(m) for b in range(m)]

    def dual(lm: np.ndarray) -> tuple[float, np.ndarray]:
        w = d * np.exp(np.clip((v * lm[cols]).sum(axis=1), -50, 50))
        return float(w.sum() - lm.sum()), w

    def gradient(w: np.ndarray) -> np.ndarray:
        return np.bincount(cols.ravel(), weights=(v * w[:, None]).ravel(), minlength=k) - 1.0

    f, w = dual(lam)
    for _ in range(max_iter):
        grad = gradient(w)
        if np.max(np.abs(grad)) < tol:
            return lam / scale, w
        hess = np.zeros(k * k)
        for _a, _b, idx, vv in pair:
            hess += np.bincount(idx, weights=w * vv, minlength=k * k)
        step = np.linalg.solve(hess.reshape(k, k) + 1e-12 * np.eye(k), grad)
        lam, f, w = _backtrack(dual, lam, f, grad, step)
    grad = gradient(w)
    if np.max(np.abs(grad)) < max(tol, 1e-6):
        return lam / scale, w
    raise RakingError(f"raking did not converge: largest relative miss {np.max(np.abs(grad)):.2e}")


def _backtrack(dual, lam: np.ndarray, f: float, grad: np.ndarray, step: np.ndarray):
    """Armijo backtracking along the Newton step: the new (multipliers, dual value, weights)."""
    t = 1.0
    while True:
        f_new, w_new = dual(lam - t * step)
        if f_new <= f - 1e-4 * t * float(grad @ step) or t < 1e-8:
            return lam - t * step, f_new, w_new
        t /= 2
