"""Tests of gongfu.analysis.incidence: concentration, Kakwani, Reynolds-Smolensky identities, middle income,
winners and losers."""

import numpy as np
import pytest

from gongfu.analysis import incidence as inc
from gongfu.analysis import inequality as ineq


def _population(seed=0, n=3000):
    rng = np.random.default_rng(seed)
    return rng.lognormal(10.4, 0.8, n), rng.uniform(0.5, 4, n)


def test_concentration_index_hand_cases():
    pre = np.array([10.0, 20.0, 30.0, 40.0])
    # the whole benefit to the poorest of four: mid-rank 1/8 -> C = 2 * 1/8 - 1 = -0.75
    assert inc.concentration_index([5.0, 0, 0, 0], pre) == pytest.approx(-0.75)
    # the whole amount to the richest: mid-rank 7/8 -> C = 0.75
    assert inc.concentration_index([0, 0, 0, 5.0], pre) == pytest.approx(0.75)
    # equal amounts: C = 0
    assert abs(inc.concentration_index([3.0] * 4, pre)) < 1e-15
    # ranked by itself: the Gini
    x, w = _population()
    assert inc.concentration_index(x, x, w) == pytest.approx(ineq.gini(x, w), rel=1e-14)


def test_concentration_index_ignores_storage_order_of_ties():
    # people tied on pre income share the mid-rank of their block: swapping them changes nothing
    pre = np.array([1.0, 2.0, 2.0, 2.0, 3.0])
    b1 = np.array([0.0, 9.0, 0.0, 0.0, 1.0])
    b2 = np.array([0.0, 0.0, 0.0, 9.0, 1.0])
    assert inc.concentration_index(b1, pre) == inc.concentration_index(b2, pre)


def test_kakwani_and_reynolds_smolensky_identity_for_a_tax():
    # post = pre - T, same ranking: Pi_RS = g / (1 - g) K exactly (Lambert 2001, ch. 7)
    x, w = _population(1)
    tax = np.maximum(x - 30000, 0) * 0.2 + 0.03 * x  # progressive
    g = np.dot(w, tax) / np.dot(w, x)
    k = inc.kakwani(tax, x, w)
    assert k > 0
    re = inc.redistributive_effect(x, x - tax, w)
    assert re.reynolds_smolensky == pytest.approx(g / (1 - g) * k, rel=1e-11)
    assert abs(re.reranking) < 1e-12  # a rank-preserving tax does not re-rank
    assert inc.reynolds_smolensky(x, x - tax, w) == re.reynolds_smolensky


def test_kakwani_and_reynolds_smolensky_identity_for_a_benefit():
    # post = pre + B: Pi_RS = b / (1 + b) K_B with K_B = G_pre - C_B (CEQ sign convention)
    x, w = _population(2)
    benefit = np.where(x < 20000, 6000.0, 0.0)
    b = np.dot(w, benefit) / np.dot(w, x)
    k = inc.kakwani(benefit, x, w, kind="benefit")
    assert k > 0  # pro-poor benefit is progressive under the stated convention
    re = inc.redistributive_effect(x, x + benefit, w)
    assert re.reynolds_smolensky == pytest.approx(b / (1 + b) * k, rel=1e-11)
    # a flat per-person benefit: C_B = 0, so K_B = G_pre
    assert inc.kakwani(np.full_like(x, 100.0), x, w, kind="benefit") == pytest.approx(ineq.gini(x, w), rel=1e-12)


def test_proportional_tax_is_neutral():
    x, w = _population(3)
    assert abs(inc.kakwani(0.1 * x, x, w)) < 1e-12
    re = inc.redistributive_effect(x, 0.9 * x, w)
    assert abs(re.reynolds_smolensky) < 1e-12 and abs(re.redistributive_effect) < 1e-12


def test_redistributive_effect_decomposes_with_reranking():
    x, w = _population(4)
    rng = np.random.default_rng(404)  # not the seed of _population: its lognormal draws the same normals
    post = x + rng.normal(0, 8000, x.size)  # noisy transfers re-rank people
    post = np.maximum(post, 1.0)
    re = inc.redistributive_effect(x, post, w)
    assert re.redistributive_effect == pytest.approx(re.reynolds_smolensky - re.reranking, abs=1e-14)
    assert re.redistributive_effect == pytest.approx(ineq.gini(x, w) - ineq.gini(post, w), rel=1e-12)
    assert re.reranking > 0


def test_kakwani_integer_weights_equal_duplicated_rows():
    x, _ = _population(5, 400)
    x = np.round(x, -3)
    k = np.random.default_rng(5).integers(0, 4, 400)
    k[0] = 1
    tax = 0.2 * np.maximum(x - 35000, 0)
    assert inc.kakwani(tax, x, k) == pytest.approx(inc.kakwani(np.repeat(tax, k), np.repeat(x, k)), rel=1e-12)


def test_middle_income_share_hand_case():
    # household income, size, household weight          equivalent 3-person income   middle?
    #  90,000 x 3 / 3 =  90,000  no                         weight 2 -> 6 persons
    # 100,000 x 3 / 3 = 100,000  yes (bound inclusive)      weight 1 -> 3 persons
    # 120,000 x 3 / 4 =  90,000  no                         weight 1 -> 4 persons
    #  60,000 x 3 / 1 = 180,000  yes                        weight 3 -> 3 persons
    # 500,000 x 3 / 3 = 500,000  yes                        weight 1 -> 3 persons
    # 510,000 x 3 / 3 = 510,000  no                         weight 1 -> 3 persons
    y = [90_000, 100_000, 120_000, 60_000, 500_000, 510_000]
    n = [3, 3, 4, 1, 3, 3]
    hw = [2, 1, 1, 3, 1, 1]
    r = inc.middle_income_share(y, n, hw)
    assert r.population == 9.0
    assert r.population_share == pytest.approx(9 / 22)
    assert r.household_share == pytest.approx(5 / 9)
    total = 2 * 90_000 + 100_000 + 120_000 + 3 * 60_000 + 500_000 + 510_000
    assert r.income_share == pytest.approx((100_000 + 3 * 60_000 + 500_000) / total)
    assert r.lower_per_capita == pytest.approx(100_000 / 3) and r.upper_per_capita == pytest.approx(500_000 / 3)
    # price_level scales both bounds: at 1.1 the 100,000 household drops out, 510,000 comes in
    r2 = inc.middle_income_share(y, n, hw, price_level=1.1)
    assert r2.population == 3 + 3 + 3


def test_winners_losers_hand_case():
    baseline = np.array([100.0, 100.0, 100.0, 100.0])
    reform = np.array([102.0, 99.5, 94.0, 100.0])  # +2%, -0.5%, -6%, 0
    r = inc.winners_losers(baseline, reform, thresholds=(0.01, 0.05))
    np.testing.assert_allclose(r.share_gaining, [0.25, 0.0])
    np.testing.assert_allclose(r.share_losing, [0.25, 0.25])
    assert r.total_change == pytest.approx(2 - 0.5 - 6)
    assert r.mean_change == pytest.approx(-4.5 / 4)


def test_winners_losers_by_decile_and_group():
    baseline = np.arange(1, 11) * 1000.0
    reform = baseline + 100.0
    groups = np.array([0, 1] * 5)
    r = inc.winners_losers(baseline, reform, groups=groups, thresholds=(0.0, 0.05))
    np.testing.assert_array_equal(r.by_decile.groups, np.arange(1, 11))
    np.testing.assert_allclose(r.by_decile.mean_change, 100.0)
    np.testing.assert_allclose(r.by_decile.relative_change, 100.0 / baseline)
    # +100 is more than 5% only for baselines 1000 (10%) and 2000 (5% is not > 5%): the poorest decile
    np.testing.assert_allclose(r.by_decile.share_gaining[:, 1], [1] + [0] * 9)
    np.testing.assert_allclose(r.share_gaining, [1.0, 0.1])
    np.testing.assert_allclose(r.by_group.mean_baseline, [5000.0, 6000.0])
    np.testing.assert_allclose(r.by_group.population, [5.0, 5.0])


def test_winners_losers_floor_for_zero_baseline():
    r = inc.winners_losers([0.0, 0.0, 0.0], [0.5, 0.0, -3.0], thresholds=(0.05,))
    np.testing.assert_allclose(r.share_gaining, [1 / 3])  # 0.5 yuan on a floor of 1 yuan = +50%
    np.testing.assert_allclose(r.share_losing, [1 / 3])
    np.testing.assert_allclose(inc.relative_change([0.0, -200.0], [0.5, -100.0]), [0.5, 0.5])


def test_winners_losers_integer_weights_equal_duplicated_rows():
    rng = np.random.default_rng(6)
    b = np.round(rng.lognormal(10, 1, 300), -2)
    r = b * rng.uniform(0.9, 1.1, 300)
    k = rng.integers(0, 4, 300)
    k[0] = 2
    a = inc.winners_losers(b, r, k)
    d = inc.winners_losers(np.repeat(b, k), np.repeat(r, k))
    np.testing.assert_allclose(a.share_gaining, d.share_gaining)
    np.testing.assert_allclose(a.share_losing, d.share_losing)
    np.testing.assert_allclose(a.by_decile.mean_change, d.by_decile.mean_change)
