"""Tests of gongfu.exact: exact, order-free sums of float64 numbers as fixed-point limbs."""

from fractions import Fraction

import numpy as np
import pytest

from gongfu.exact import exact_sums, exact_values, limbs_to_float, pack, to_limbs, unpack
from gongfu.exact import normalise as _normalise


def test_exact_sums_are_exact():
    rng = np.random.default_rng(0)
    vals = np.concatenate([rng.normal(0, 1, 500) * 10.0 ** rng.integers(-15, 18, 500), [1e17, 1.0, -1e17]])
    idx = rng.integers(0, 3, vals.size)
    idx[-3:] = 0
    got = limbs_to_float(exact_sums(idx, vals[:, None], 3))[:, 0]
    for b in range(3):
        exact = sum(Fraction(v) for v in vals[idx == b])  # values >= 2^-64 here, so no rounding at all
        assert got[b] == pytest.approx(float(exact), rel=2e-16, abs=0)
    # cancellation: 1e17 + 1 - 1e17 is exactly 1 (plain float summation gives 0)
    assert limbs_to_float(exact_sums(np.zeros(3, np.int64), np.array([[1e17], [1.0], [-1e17]]), 1))[0, 0] == 1.0


def test_exact_sums_do_not_depend_on_row_order_or_chunking():
    rng = np.random.default_rng(1)
    vals = rng.lognormal(0, 6, (5000, 2)) * rng.choice([-1, 1], (5000, 2))
    idx = rng.integers(0, 7, 5000)
    a = exact_sums(idx, vals, 7)
    p = rng.permutation(5000)
    b = exact_sums(idx[p], vals[p], 7)
    c = exact_sums(idx[:1234], vals[:1234], 7) + exact_sums(idx[1234:], vals[1234:], 7)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(limbs_to_float(a), limbs_to_float(c))


def _reference_normalise(limbs):
    """The textbook carry loop (floor division by 2^32), element by element in Python integers."""
    out = limbs.astype(object).copy()
    for j in range(3):
        carry = out[..., j] // 2**32
        out[..., j] -= carry * 2**32
        out[..., j + 1] += carry
    return out.astype(np.int64)


def test_normalise_matches_the_carry_loop_and_limbs_to_float_the_exact_value():
    rng = np.random.default_rng(7)
    raw = rng.integers(-(2**40), 2**40, (300, 2, 4))
    raw[0] = 0
    raw[1, 0] = [2**32, -1, 0, 0]  # 2^32 x 2^-63 - 2^-31: a non-canonical form of zero
    canon = _normalise(raw)
    np.testing.assert_array_equal(canon, _reference_normalise(raw))
    assert canon[..., :3].min() >= 0 and canon[..., :3].max() < 2**32
    exact = [sum(Fraction(int(v)) * Fraction(2) ** (32 * j - 63) for j, v in enumerate(row)) for row in
             raw.reshape(-1, 4)]
    got = limbs_to_float(raw).reshape(-1)
    for g, e in zip(got, exact, strict=True):
        assert g == pytest.approx(float(e), rel=1e-15, abs=0)
    assert limbs_to_float(np.zeros(4, np.int64)) == 0.0 and _normalise(np.zeros((0, 4), np.int64)).shape == (0, 4)


@pytest.mark.parametrize("n", [1000, 12_000])  # (12,000 x 3 values: several chunks of `exact_values`)
def test_exact_values_equal_exact_sums_with_one_row_per_bin(n):
    rng = np.random.default_rng(3)
    vals = rng.normal(0, 1, (n, 3)) * 10.0 ** rng.integers(-20, 18, (n, 3))
    vals[::17, 1] = 0.0
    vals[::29, 2] = -0.0
    np.testing.assert_array_equal(exact_values(vals), exact_sums(np.arange(n), vals, n))


def test_pack_round_trips_and_refuses_sums_beyond_2_to_64():
    rng = np.random.default_rng(11)
    limbs = to_limbs(rng.normal(0, 1, 50) * 10.0 ** rng.integers(-10, 18, 50))
    np.testing.assert_array_equal(unpack(pack(limbs)), _normalise(limbs))
    with pytest.raises(ValueError, match="too large"):
        pack(np.array([0, 0, 0, 2**31], dtype=np.int64))
