"""Tests of gongfu.analysis.inequality: closed forms, a hand-checked table, weights, reference implementations."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongfu.analysis import inequality as ineq


def gini_reference(x, w):
    """Direct O(n^2) definition: sum_i sum_j w_i w_j |x_i - x_j| / (2 W^2 mu)."""
    x, w = np.asarray(x, float), np.asarray(w, float)
    W, mu = w.sum(), np.dot(w, x) / w.sum()
    return float(np.sum(np.outer(w, w) * np.abs(x[:, None] - x[None, :])) / (2 * W**2 * mu))


# Five households, unit weights, incomes 1, 2, 3, 4, 10 (total 20, mean 4), computed by hand:
#   sum_{i<j} |x_i - x_j| = 1+2+3+9 + 1+2+8 + 1+7 + 6 = 40;  Delta = 2*40/25 = 3.2;  G = Delta/(2 mu) = 0.4
#   Lorenz vertices: 0, 1/20, 3/20, 6/20, 10/20, 20/20
#   Theil T = (1/5) sum r ln r with r = x/4;  Theil L = ln 4 - (1/5) ln(1*2*3*4*10) = ln 4 - ln(240)/5
#   quintile means = the incomes; high/low ratio = 10/1 = 10; top-20% share = 10/20 = 0.5
#   top 10% = half of the richest household = 5/20; bottom 40% = (1+2)/20; Palma = 0.25/0.15 = 5/3
#   median = 3; P10 = 1, P90 = 10 (inverted CDF)
HAND = np.array([1.0, 2.0, 3.0, 4.0, 10.0])


def test_hand_table():
    assert ineq.gini(HAND) == pytest.approx(0.4, abs=1e-15)
    p, L = ineq.lorenz_curve(HAND)
    np.testing.assert_allclose(p, [0, 0.2, 0.4, 0.6, 0.8, 1.0], atol=1e-15)
    np.testing.assert_allclose(L, [0, 0.05, 0.15, 0.30, 0.50, 1.0], atol=1e-15)
    t_hand = sum(v / 4 * math.log(v / 4) for v in HAND) / 5
    assert ineq.theil_t(HAND) == pytest.approx(t_hand, rel=1e-14)
    assert ineq.theil_t(HAND) == pytest.approx(0.2763636, abs=1e-7)
    assert ineq.theil_l(HAND) == pytest.approx(math.log(4) - math.log(240) / 5, rel=1e-14)
    np.testing.assert_allclose(ineq.quintile_means(HAND), HAND, rtol=1e-14)
    assert ineq.high_low_ratio(HAND) == pytest.approx(10.0, rel=1e-14)
    assert ineq.share_of_top(HAND, None, 0.2) == pytest.approx(0.5, rel=1e-14)
    assert ineq.share_of_top(HAND, None, 0.1) == pytest.approx(0.25, rel=1e-14)
    assert ineq.share_of_bottom(HAND, None, 0.4) == pytest.approx(0.15, rel=1e-14)
    assert ineq.palma(HAND) == pytest.approx(5 / 3, rel=1e-14)
    assert ineq.median(HAND) == 3.0
    np.testing.assert_array_equal(ineq.quantiles(HAND, None, [0.1, 0.9], method="inverted_cdf"), [1.0, 10.0])
    assert ineq.p90_p10(HAND) == pytest.approx(10.0)


def test_gini_of_uniform_grid_is_exactly_one_third_minus_finite_n_term():
    # x_i = (i - 1/2)/n: Delta = (1/n^3) sum |i - j| = (1 - 1/n^2)/3, mu = 1/2 -> G = (1 - 1/n^2)/3
    n = 1000
    x = (np.arange(1, n + 1) - 0.5) / n
    assert ineq.gini(x) == pytest.approx((1 - 1 / n**2) / 3, rel=1e-12)


def test_gini_of_uniform_sample_tends_to_one_third():
    x = np.random.default_rng(3).uniform(0, 1, 400_000)
    assert ineq.gini(x) == pytest.approx(1 / 3, abs=2e-3)


@pytest.mark.parametrize(("a", "b", "p"), [(0.0, 1.0, 0.5), (1.0, 5.0, 0.75), (2.0, 3.0, 0.1), (-1.0, 4.0, 0.3)])
def test_gini_two_point_closed_form(a, b, p):
    # mass p at a, 1-p at b: Delta = 2 p (1-p) (b-a), G = p (1-p) (b-a) / mu
    mu = p * a + (1 - p) * b
    assert ineq.gini([a, b], [p, 1 - p]) == pytest.approx(p * (1 - p) * (b - a) / mu, rel=1e-13)


def test_equal_incomes_have_zero_inequality():
    x = np.full(37, 52_000.0)
    w = np.random.default_rng(0).uniform(1, 9, 37)
    assert abs(ineq.gini(x, w)) < 1e-13
    assert abs(ineq.theil_t(x, w)) < 1e-13
    assert abs(ineq.theil_l(x, w)) < 1e-13


def test_theil_t_known_values_and_zero_incomes():
    # one person of n holds everything: T = ln n (the maximum); zeros contribute 0 * ln 0 = 0
    for n in (2, 5, 100):
        x = np.zeros(n)
        x[-1] = 7.0
        assert ineq.theil_t(x) == pytest.approx(math.log(n), rel=1e-14)
    # {1, 1, 3, 3}: mu = 2, T = (1/2)((1/2) ln(1/2) + (3/2) ln(3/2))
    assert ineq.theil_t([1, 1, 3, 3]) == pytest.approx(0.5 * (0.5 * math.log(0.5) + 1.5 * math.log(1.5)), rel=1e-14)


def test_theil_domain_policy():
    x = np.array([-5.0, 0.0, 3.0, 9.0])
    with pytest.raises(ValueError, match="non-negative"):
        ineq.theil_t(x)
    assert ineq.theil_t(x, invalid="exclude") == pytest.approx(ineq.theil_t([0.0, 3.0, 9.0]), rel=1e-15)
    with pytest.raises(ValueError, match="strictly positive"):
        ineq.theil_l([0.0, 3.0, 9.0])
    assert ineq.theil_l(x, invalid="exclude") == pytest.approx(ineq.theil_l([3.0, 9.0]), rel=1e-15)


def test_theil_decomposition_sums_exactly_and_matches_parts():
    rng = np.random.default_rng(11)
    x = rng.lognormal(10, 0.9, 5000)
    x[:50] = 0.0  # zero incomes are allowed for T
    w = rng.uniform(0.5, 3, 5000)
    g = rng.integers(11, 66, 5000)  # province-like codes
    d = ineq.theil_decomposition(x, w, g)
    assert d.total == pytest.approx(ineq.theil_t(x, w), rel=1e-15)
    assert d.between + d.within == pytest.approx(d.total, rel=1e-12)
    assert d.within_contribution.sum() == pytest.approx(d.within, rel=1e-14)
    assert d.population_share.sum() == pytest.approx(1.0, rel=1e-14)
    assert d.income_share.sum() == pytest.approx(1.0, rel=1e-14)
    for i, code in enumerate(d.groups):  # each group's own index is the Theil T of its rows
        m = g == code
        assert d.group_index[i] == pytest.approx(ineq.theil_t(x[m], w[m]), rel=1e-12, abs=1e-15)
    x2 = x[50:] + 1.0
    d_l = ineq.theil_decomposition(x2, w[50:], g[50:], index="L")
    assert d_l.between + d_l.within == pytest.approx(ineq.theil_l(x2, w[50:]), rel=1e-12)


def test_theil_decomposition_hand_case():
    # groups A = {1, 1}, B = {3, 3}: all inequality is between groups
    d = ineq.theil_decomposition([1, 1, 3, 3], None, ["A", "A", "B", "B"])
    assert abs(d.within) < 1e-15
    assert d.between == pytest.approx(0.5 * (0.5 * math.log(0.5) + 1.5 * math.log(1.5)), rel=1e-14)
    np.testing.assert_allclose(d.income_share, [0.25, 0.75])
    # a group with only zero incomes contributes nothing
    d0 = ineq.theil_decomposition([0, 0, 2, 6], None, [1, 1, 2, 2])
    assert d0.between + d0.within == pytest.approx(ineq.theil_t([0, 0, 2, 6]), rel=1e-14)
    assert d0.within_contribution[0] == 0.0 and d0.between_contribution[0] == 0.0


def test_lognormal_closed_forms():
    sigma = 0.7
    x = np.random.default_rng(5).lognormal(10.0, sigma, 1_000_000)
    assert ineq.gini(x) == pytest.approx(math.erf(sigma / 2), abs=2e-3)  # 2 Phi(sigma/sqrt 2) - 1
    assert ineq.theil_t(x) == pytest.approx(sigma**2 / 2, abs=3e-3)
    assert ineq.theil_l(x) == pytest.approx(sigma**2 / 2, abs=3e-3)


def test_gini_matches_quadratic_reference_with_weights_ties_and_negatives():
    rng = np.random.default_rng(2)
    for _ in range(20):
        n = int(rng.integers(2, 60))
        x = np.round(rng.normal(5, 4, n))  # rounding creates ties, negatives appear
        x[0] = abs(x[0]) + 50  # keep the mean positive
        w = rng.uniform(0, 3, n)
        w[0] = 1.0
        assert ineq.gini(x, w) == pytest.approx(gini_reference(x, w), rel=1e-12)


def test_gini_with_negative_incomes_can_exceed_one():
    # [-5, 0, 6]: sum_{i<j} |d| = 5 + 11 + 6 = 22, Delta = 44/9, mu = 1/3, G = Delta / (2 mu) = 22/3
    assert ineq.gini([-5.0, 0.0, 6.0]) == pytest.approx(22 / 3, rel=1e-13)


def test_zero_weight_rows_are_ignored_and_bad_input_rejected():
    x, w = np.array([1.0, 2.0, 100.0, 3.0]), np.array([1.0, 1.0, 0.0, 2.0])
    assert ineq.gini(x, w) == ineq.gini([1.0, 2.0, 3.0], [1.0, 1.0, 2.0])
    with pytest.raises(ValueError):
        ineq.gini([1.0, np.nan])
    with pytest.raises(ValueError):
        ineq.gini([1.0, 2.0], [1.0, -1.0])
    with pytest.raises(ValueError):
        ineq.gini([1.0, 2.0], [0.0, 0.0])
    with pytest.raises(ValueError):
        ineq.gini([-1.0, -2.0])
    with pytest.raises(ValueError):
        ineq.gini([1.0, 2.0], [1.0])


def _expand(x, k):
    return np.repeat(x, k)


def test_integer_weights_equal_duplicated_rows():
    rng = np.random.default_rng(7)
    x = np.round(rng.lognormal(9, 1, 300), -2)  # ties
    x[:5] = 0.0
    k = rng.integers(0, 5, 300)
    k[0] = 3
    xd = _expand(x, k)
    w = k.astype(float)
    assert ineq.gini(x, w) == pytest.approx(ineq.gini(xd), rel=1e-12)
    assert ineq.theil_t(x, w) == pytest.approx(ineq.theil_t(xd), rel=1e-12)
    assert ineq.theil_l(x, w, invalid="exclude") == pytest.approx(ineq.theil_l(xd, invalid="exclude"), rel=1e-12)
    q = np.linspace(0, 1, 41)
    for method in ("inverted_cdf", "averaged_inverted_cdf", "linear"):
        np.testing.assert_allclose(ineq.quantiles(x, w, q, method=method), ineq.quantiles(xd, None, q, method=method))
    np.testing.assert_allclose(ineq.decile_means(x, w), ineq.decile_means(xd), rtol=1e-12)
    np.testing.assert_allclose(ineq.lorenz_ordinates(x, w, q), ineq.lorenz_ordinates(xd, None, q), atol=1e-13)
    assert ineq.share_of_top(x, w, 0.01) == pytest.approx(ineq.share_of_top(xd, None, 0.01), rel=1e-12)
    assert ineq.palma(x, w) == pytest.approx(ineq.palma(xd), rel=1e-12)
    assert ineq.p90_p10(x, w) == pytest.approx(ineq.p90_p10(xd), rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(-3, 40), st.integers(0, 4)), min_size=1, max_size=25),
    st.floats(0, 1),
)
def test_weights_equal_duplication_property(rows, q):
    x = np.array([r[0] for r in rows], float)
    k = np.array([r[1] for r in rows])
    if k.sum() == 0 or np.dot(k, x) <= 0:
        return
    xd = np.repeat(x, k)
    assert ineq.gini(x, k) == pytest.approx(ineq.gini(xd), rel=1e-10, abs=1e-12)
    assert ineq.quantiles(x, k, q) == ineq.quantiles(xd, None, q)
    np.testing.assert_allclose(ineq.quintile_means(x, k), ineq.quintile_means(xd), rtol=1e-10, atol=1e-10)


def test_quantiles_agree_with_numpy_for_unit_weights():
    rng = np.random.default_rng(4)
    q = np.linspace(0, 1, 101)
    x = rng.integers(0, 30, 57).astype(float)  # many ties
    for method in ("inverted_cdf", "averaged_inverted_cdf"):
        np.testing.assert_array_equal(ineq.quantiles(x, None, q, method=method), np.quantile(x, q, method=method))
    y = rng.normal(size=58)  # no ties: tie-merged midpoint interpolation = Hazen
    np.testing.assert_allclose(ineq.quantiles(y, None, q, method="linear"), np.quantile(y, q, method="hazen"))


def test_weighted_median_by_hand():
    # values 1, 2, 3 with weights 1, 1, 2: F(1) = 0.25, F(2) = 0.5 exactly -> averaged median (2 + 3)/2
    assert ineq.quantiles([1, 2, 3], [1, 1, 2], 0.5) == 2.5
    assert ineq.quantiles([1, 2, 3], [1, 1, 2], 0.5, method="inverted_cdf") == 2.0
    # cumulative sums of 0.1 are inexact; the 1e-12 hit rule keeps the textbook answer
    assert ineq.quantiles(np.arange(1.0, 11.0), np.full(10, 0.1), 0.5) == 5.5
    assert ineq.quantiles([4.0, 1.0], None, [0.0, 1.0]).tolist() == [1.0, 4.0]


def test_quantile_group_means_split_boundary_rows():
    # two people, incomes 1 and 3: quintile 3 is half of each -> mean 2
    np.testing.assert_allclose(ineq.quintile_means([3.0, 1.0]), [1, 1, 2, 3, 3], rtol=1e-15)
    rng = np.random.default_rng(8)
    x, w = rng.lognormal(10, 1, 999), rng.uniform(1, 5, 999)
    d = ineq.decile_means(x, w)
    assert np.all(np.diff(d) >= 0)
    assert d.mean() == pytest.approx(np.dot(w, x) / w.sum(), rel=1e-12)  # groups are exact tenths


def test_quantile_groups():
    x = np.arange(100.0)[::-1]
    g = ineq.quantile_groups(x, None, 10)
    np.testing.assert_array_equal(np.bincount(g), np.full(10, 10))
    assert g[0] == 9 and g[-1] == 0
    tied = ineq.quantile_groups([5.0, 5.0, 5.0, 1.0], None, 2)
    assert len(set(tied[:3].tolist())) == 1


def test_lorenz_curve_properties():
    rng = np.random.default_rng(9)
    x, w = rng.lognormal(10, 1, 500), rng.uniform(1, 2, 500)
    p, L = ineq.lorenz_curve(x, w)
    assert p[0] == 0 and L[0] == 0 and p[-1] == pytest.approx(1) and L[-1] == pytest.approx(1)
    slopes = np.diff(L) / np.diff(p)
    assert np.all(np.diff(slopes) >= -1e-9)  # convex
    # Gini = 1 - 2 * area under the Lorenz curve (trapezoids are exact)
    assert ineq.gini(x, w) == pytest.approx(1 - np.sum(np.diff(p) * (L[1:] + L[:-1])), rel=1e-12)
