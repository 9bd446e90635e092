"""Replicate multipliers and the standard errors they give (analysis/replicates.py)."""

from __future__ import annotations

import math

import numpy as np

from gongfu.analysis.replicates import (
    entry,
    expand,
    group_keys,
    hadamard,
    hist_gini,
    hist_group_means,
    hist_quantile,
    hist_share_below,
    interval,
    multipliers,
    n_groups,
    standard_error,
)
from gongfu.analysis.sketch import DistributionSketch
from gongfu.run.binning import bin_index


def test_hadamard_matrices_are_hadamard_and_normalised():
    """H H^T = n I with a first row and column of ones, for every order built (Sylvester, Paley I and II,
    products); orders that are not multiples of 4 have none (but 1 and 2)."""
    built = [n for n in range(1, 201) if hadamard(n) is not None]
    assert built[:3] == [1, 2, 4] and 40 in built and hadamard(400) is not None
    assert all(n % 4 == 0 for n in built[2:])
    assert {n for n in range(4, 201, 4)} - set(built) == {52, 92, 100, 116, 156, 172, 184, 188}
    for n in (*built, 400):
        H = hadamard(n)
        assert np.array_equal(H @ H.T, n * np.eye(n, dtype=np.int64)), n
        assert np.all(H[0] == 1) and np.all(H[:, 0] == 1), n


def test_multipliers_halve_each_pair_are_balanced_and_a_function_of_the_id_only():
    """Households 2j and 2j + 1 get 2 and 0 or 0 and 2 (a half-sample of each pair), every household is doubled
    in exactly half of the R = 40 replicates (balance), the pairs fall in the G = 39 groups about equally; any
    subset of ids in any order gets the same values, another seed other values."""
    ids = np.arange(200_000, dtype=np.int64) + 1_000  # even start: pairs (1000, 1001), ...
    m = multipliers(ids, 40, seed=5)
    assert m.shape == (ids.size, 40) and set(np.unique(m)) == {0.0, 2.0}
    assert np.all(m[0::2] + m[1::2] == 2.0)
    assert np.all(m.mean(axis=1) == 1.0)
    groups = group_keys(ids, 40, seed=5) >> 1
    assert np.array_equal(groups[0::2], groups[1::2]) and n_groups(40) == 39
    counts = np.bincount(groups[0::2], minlength=39)
    assert counts.min() > 0.9 * ids.size / 2 / 39 and counts.max() < 1.1 * ids.size / 2 / 39
    part = ids[[7, 150_001, 2]]
    assert np.array_equal(multipliers(part, 40, seed=5), m[[7, 150_001, 2]])
    assert not np.array_equal(multipliers(ids[:2_000], 40, seed=6), m[:2_000])


def test_replicate_variance_of_a_total_is_the_grouped_paired_estimator_exactly():
    """Balanced: the mean square deviation of the R replicate totals from the full-sample total is exactly
    sum over groups of D_g^2, D_g the sum of the pair differences y(2j) - y(2j+1) in group g; `expand` of the sums
    by key gives the same replicate totals as y @ multipliers."""
    rng = np.random.default_rng(4)
    ids = np.arange(10_000, dtype=np.int64)
    y = rng.lognormal(8.0, 1.0, ids.size)
    reps = y @ multipliers(ids, 40, seed=3)
    key = group_keys(ids, 40, seed=3)
    D = np.bincount(key >> 1, weights=np.where(key & 1, -y, y), minlength=39)
    assert math.isclose(np.mean((reps - y.sum()) ** 2), np.sum(D ** 2), rel_tol=1e-9)
    assert math.isclose(reps.mean(), y.sum(), rel_tol=1e-12)
    by_key = np.bincount(key, weights=y, minlength=78)
    assert np.allclose(expand(by_key, 40, seed=3), reps, rtol=1e-12)
    # each row of `expand` depends on that row only, bit for bit (a partition's replicate sums must not depend on
    # which other columns it has)
    many = np.random.default_rng(5).lognormal(10.0, 3.0, (500, 78))
    whole = expand(many, 40, seed=3)
    assert np.array_equal(np.concatenate([expand(many[i:i + 7], 40, seed=3) for i in range(0, 500, 7)]), whole)
    assert np.array_equal(expand(many[::-1], 40, seed=3)[::-1], whole)
    # without a Hadamard matrix of order R (here 30): random signs, R groups, still the same sums both ways
    assert n_groups(30) == 30
    assert np.allclose(expand(np.bincount(group_keys(ids, 30, 3), weights=y, minlength=60), 30, 3),
                       y @ multipliers(ids, 30, seed=3), rtol=1e-12)


def test_paired_replicates_give_the_stratified_se_and_not_the_unstratified_one():
    """Strata of fixed size laid out on consecutive ids from an even id (as population/synth.household_ids does):
    the replicates estimate the stratified with-replacement SE sqrt(sum_h n_h var_h(w y)), centred within strata,
    not the unstratified sqrt(sum (w y)^2), far larger when the strata's means differ (here a near-universal
    benefit whose level differs by stratum). 400 replicates (399 groups): within 20%."""
    rng = np.random.default_rng(11)
    sizes = [3_000, 1_000, 2_000, 500]
    means, spreads = [1_000.0, 20_000.0, 5_000.0, 80_000.0], [100.0, 4_000.0, 500.0, 30_000.0]
    wy = np.concatenate([rng.normal(mu, sd, n) for mu, sd, n in zip(means, spreads, sizes, strict=True)])
    ids = np.arange(wy.size, dtype=np.int64) + 10  # every stratum (even size) starts at an even id
    stratified = math.sqrt(sum(n * np.var(part, ddof=1) for n, part in
                               zip(sizes, np.split(wy, np.cumsum(sizes)[:-1]), strict=True)))
    paired = standard_error(wy @ multipliers(ids, 400, seed=2))
    assert abs(paired / stratified - 1.0) < 0.2, (paired, stratified)
    assert math.sqrt(np.sum(wy ** 2)) > 2 * stratified


def test_replicate_se_of_a_total_matches_the_analytic_se():
    """A weighted total sum w y of households drawn at random (one stratum): its with-replacement variance is
    n var(w y); 40 replicates (39 groups) estimate that SE within about 11% (1/sqrt(2G)); over 20 seeds of the
    groups the mean square SE is within 10% of it."""
    rng = np.random.default_rng(3)
    n = 5_000
    w = rng.uniform(100.0, 3_000.0, n)
    y = np.where(rng.random(n) < 0.1, rng.lognormal(8.0, 1.0, n), 0.0)
    analytic = math.sqrt(n * np.var(w * y, ddof=1))
    ses = np.array([standard_error((w * y) @ multipliers(np.arange(n), 40, seed=s)) for s in range(20)])
    assert np.all(np.abs(ses / analytic - 1.0) < 0.45), ses / analytic
    assert abs(math.sqrt(np.mean(ses ** 2)) / analytic - 1.0) < 0.1


def test_interval_contains_point_and_is_symmetric():
    e = entry(10.0, np.array([9.0, 11.0, 10.5, 9.5]))
    lo, hi = e["ci95"]
    assert lo < 10.0 < hi and math.isclose(10.0 - lo, hi - 10.0)
    assert math.isclose(hi - lo, 2 * 1.959963984540054 * e["se"])
    assert interval(None, 1.0) is None
    assert entry(1.0, np.array([1.0, math.nan])) is None


def test_histogram_statistics_are_close_to_the_exact_ones():
    """The coarse per-replicate histogram (2^(1/16) bins) gives the Gini within 0.005, the median within 2%, the
    share below 60% of the median within 0.01 and decile means within 3% of the exact values: small biases, the
    same in every replicate."""
    rng = np.random.default_rng(0)
    x = rng.lognormal(9.5, 0.8, 50_000)
    w = rng.uniform(1.0, 5.0, x.size)
    config = {"sub_bins": 16, "min_exponent": 0, "max_exponent": 32}
    idx = bin_index(x, config)
    n_bins = 2 * 32 * 16 + 5
    weight = np.bincount(idx, weights=w, minlength=n_bins)[:, None]
    mass = np.bincount(idx, weights=w * x, minlength=n_bins)[:, None]
    lo, hi = DistributionSketch(**config).bin_edges()
    order = np.argsort(x)
    xs, ws = x[order], w[order]
    cum = np.cumsum(ws)
    exact_gini = 2 * np.dot(ws * xs, (cum - ws / 2) / cum[-1]) / np.dot(ws, xs) - 1
    assert abs(hist_gini(weight, mass)[0] - exact_gini) < 0.005
    median = xs[np.searchsorted(cum, cum[-1] / 2)]
    got = hist_quantile(weight, lo, hi, 0.5)[0]
    assert abs(got / median - 1) < 0.02, (got, median)
    share = np.sum(ws[xs < 0.6 * median]) / cum[-1]
    assert abs(hist_share_below(weight, lo, hi, np.array([0.6 * got]))[0] - share) < 0.01
    means = hist_group_means(weight, mass, 10)[:, 0]
    k = np.minimum((cum - ws / 2) / cum[-1] * 10, 9.999).astype(int)
    exact_means = np.bincount(k, weights=ws * xs) / np.bincount(k, weights=ws)
    assert np.allclose(means, exact_means, rtol=0.03), (means, exact_means)
