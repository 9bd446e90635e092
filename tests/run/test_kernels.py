"""The numba kernels (run/kernels.py) give the same bits as the numpy formulations they replace."""

from __future__ import annotations

import numpy as np
import pytest

from gongfu.run import kernels as K


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """Bit-identical (the sign of zeros included)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and np.array_equal(a.view(np.int64), b.view(np.int64))


def _values(rng: np.random.Generator, n: int) -> np.ndarray:
    """Incomes of many magnitudes, with zeros of both signs and negatives."""
    x = np.exp(rng.normal(9.0, 2.0, n)) * rng.choice([1.0, 1.0, 1.0, -1.0], n)
    x[rng.random(n) < 0.1] = 0.0
    x[rng.random(n) < 0.05] = -0.0
    return x


SIZES = [0, 1, 2, 7, 129, 5000]


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("n_w", [1, 2])
def test_bin_sums_is_bincount_and_ufunc_at(n: int, n_w: int) -> None:
    rng = np.random.default_rng(n * 7 + n_w)
    groups, nb = 3, 50
    x = _values(rng, n)
    local = rng.integers(0, 40, n).astype(np.int64)
    size, start = int(local.max() + 1) if n else 0, 60  # in group 1
    weights = rng.random((n_w, n)) * rng.integers(0, 2, (n_w, n))  # zero weights too
    products = weights * x
    kinds = 4 if n_w == 2 else 1
    w0, y0 = rng.random((n_w, groups * nb)), rng.random((n_w, groups * nb))
    lo0 = np.where(rng.random(kinds * groups * nb) < 0.5, np.inf, rng.normal(size=kinds * groups * nb))
    hi0 = np.where(rng.random(kinds * groups * nb) < 0.5, -np.inf, rng.normal(size=kinds * groups * nb))
    w, y, lo, hi = w0.copy(), y0.copy(), lo0.copy(), hi0.copy()
    K.bin_sums(local, size, start, x, weights, products, w, y, lo, hi, groups * nb)
    ew, ey, elo, ehi = w0.copy(), y0.copy(), lo0.copy(), hi0.copy()
    for c in range(n_w):
        ew[c, start:start + size] += np.bincount(local, weights=weights[c], minlength=size)
        ey[c, start:start + size] += np.bincount(local, weights=products[c], minlength=size)
    rows = local + start
    if n_w == 2:
        kind = (weights[0] > 0).astype(np.int64) + 2 * (weights[1] > 0)
        rows = kind * (groups * nb) + rows
    np.minimum.at(elo, rows, x)
    np.maximum.at(ehi, rows, x)
    assert _same(w, ew) and _same(y, ey) and _same(lo, elo) and _same(hi, ehi)


def test_bin_sums_keeps_the_last_zero_like_ufunc_at() -> None:
    x = np.array([0.0, -0.0, -0.0, 0.0])
    local = np.array([0, 0, 1, 1], dtype=np.int64)
    w = np.ones((1, 4))
    lo, hi = np.full(2, np.inf), np.full(2, -np.inf)
    K.bin_sums(local, 2, 0, x, w, w * x, np.zeros((1, 2)), np.zeros((1, 2)), lo, hi, 0)
    elo, ehi = np.full(2, np.inf), np.full(2, -np.inf)
    np.minimum.at(elo, local, x)
    np.maximum.at(ehi, local, x)
    assert _same(lo, elo) and _same(hi, ehi)
    assert list(np.signbit(lo)) == [True, False]  # ties keep the new value


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("m", [1, 3])
def test_extra_sums_is_bincount(n: int, m: int) -> None:
    rng = np.random.default_rng(100 + n + m)
    local = rng.integers(0, 30, n).astype(np.int64)
    size = int(local.max() + 1) if n else 0
    columns = np.stack([_values(rng, n) for _ in range(m)]).reshape(m, n)
    out0 = rng.normal(size=(m + 2, 80))
    out = out0.copy()
    K.extra_sums(local, size, 40, columns, out, 1)
    expected = out0.copy()
    for j in range(m):
        expected[1 + j, 40:40 + size] += np.bincount(local, weights=columns[j], minlength=size)
    assert _same(out, expected)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("split", [False, True])
def test_concept_columns_are_the_numpy_products(n: int, split: bool) -> None:
    rng = np.random.default_rng(200 + n)
    x = _values(rng, n)
    lx = np.log(np.where(x > 0, x, 1.0))
    w = rng.random(n) * 10
    size = rng.integers(1, 6, n).astype(np.float64)
    n_u = np.floor(rng.random(n) * (size + 1))
    pw, pw_u = w * size, w * n_u
    pw_r, share_u = pw - pw_u, n_u / size
    out, any_neg = K.concept_columns(x, lx, pw, pw_u, pw_r, share_u, split)
    neg = x < 0
    pieces = [pw * (x > 0), pw * x * lx, pw * lx, pw * neg, pw * np.where(neg, x, 0.0)]
    expected = [pw_u * x, pw_r * x, pw * x, *pieces]
    if split:
        for v in pieces:
            vu = v * share_u
            expected += [vu, v - vu]
    assert out.shape == (len(expected), n)
    assert all(_same(out[k], e) for k, e in enumerate(expected))
    assert any_neg == bool(neg.any())
    assert len(K.CONCEPT_ROWS) == 8


def test_warm_up_compiles_every_kernel() -> None:
    K.warm_up()
    for kernel in (K.bin_sums, K.extra_sums, K.concept_columns):
        assert kernel.signatures, kernel
