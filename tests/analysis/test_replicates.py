"""Replicate multipliers and the standard errors they give (analysis/replicates.py)."""

from __future__ import annotations

import math

import numpy as np

from gongfu.analysis.replicates import (
    entry,
    hist_gini,
    hist_group_means,
    hist_quantile,
    hist_share_below,
    interval,
    multipliers,
    standard_error,
)
from gongfu.analysis.sketch import DistributionSketch
from gongfu.run.binning import bin_index


def test_poisson_multipliers_are_poisson_one_and_a_function_of_the_id_only():
    ids = np.arange(200_000, dtype=np.int64) * 7919 + 13
    m = multipliers(ids, 40, seed=5, method="poisson")
    assert m.shape == (ids.size, 40)
    assert abs(m.mean() - 1.0) < 0.005 and abs(m.var() - 1.0) < 0.01
    assert abs(np.mean(m == 0) - math.exp(-1)) < 0.003  # P(0) of Poisson(1)
    assert abs(np.corrcoef(m[:, 0], m[:, 1])[0, 1]) < 0.01
    # the same household gets the same multipliers whatever else is in the block, and in any order
    part = ids[[5, 99_999, 3]]
    assert np.array_equal(multipliers(part, 40, seed=5, method="poisson"), m[[5, 99_999, 3]])
    # another seed, other multipliers
    assert not np.array_equal(multipliers(part, 40, seed=6, method="poisson"), m[[5, 99_999, 3]])


def test_paired_multipliers_halve_each_pair_and_are_a_function_of_the_id_only():
    """Default method: households 2j and 2j + 1 get 2 and 0 or 0 and 2 (a random half-sample of each pair), mean 1
    and variance 1 like a Poisson(1) multiplier, independent across replicates and pairs; any subset of ids in
    any order gets the same values."""
    ids = np.arange(200_000, dtype=np.int64) + 1_000  # even start: pairs (1000, 1001), ...
    m = multipliers(ids, 100, seed=5)
    assert m.shape == (ids.size, 100) and set(np.unique(m)) == {0.0, 2.0}
    assert np.all(m[0::2] + m[1::2] == 2.0)
    assert abs(m.mean() - 1.0) < 0.005 and abs(m.var() - 1.0) < 0.005
    assert abs(np.corrcoef(m[0::2, 0], m[0::2, 1])[0, 1]) < 0.01
    assert abs(np.corrcoef(m[0:-2:2, 0], m[2::2, 0])[0, 1]) < 0.01
    part = ids[[7, 150_001, 2]]
    assert np.array_equal(multipliers(part, 100, seed=5), m[[7, 150_001, 2]])
    assert not np.array_equal(multipliers(part, 100, seed=6), m[[7, 150_001, 2]])
    assert np.array_equal(multipliers(ids[:10], 64, seed=5), m[:10, :64])  # one hash gives 64 replicates


def test_paired_replicates_give_the_stratified_se_and_the_poisson_ones_do_not():
    """Strata of fixed size laid out on consecutive ids from an even id (as population/synth.household_ids does):
    the paired replicates estimate the stratified with-replacement SE sqrt(sum_h n_h var_h(w y)), centred within
    strata, whereas independent Poisson multipliers estimate sqrt(sum (w y)^2), far larger when the strata's means
    differ (here a near-universal benefit whose level differs by stratum). 400 replicates: within 20%."""
    rng = np.random.default_rng(11)
    sizes = [3_000, 1_000, 2_000, 500]
    means, spreads = [1_000.0, 20_000.0, 5_000.0, 80_000.0], [100.0, 4_000.0, 500.0, 30_000.0]
    wy = np.concatenate([rng.normal(mu, sd, n) for mu, sd, n in zip(means, spreads, sizes, strict=True)])
    ids = np.arange(wy.size, dtype=np.int64) + 10  # every stratum (even size) starts at an even id
    stratified = math.sqrt(sum(n * np.var(part, ddof=1) for n, part in
                               zip(sizes, np.split(wy, np.cumsum(sizes)[:-1]), strict=True)))
    paired = standard_error(wy @ multipliers(ids, 400, seed=2))
    poisson = standard_error(wy @ multipliers(ids, 400, seed=2, method="poisson"))
    assert abs(paired / stratified - 1.0) < 0.2, (paired, stratified)
    assert poisson > 2 * stratified


def test_replicate_se_of_a_total_matches_the_analytic_se():
    """Poisson bootstrap of a weighted total sum w y: its variance is sum (w y)^2 (with-replacement sampling of
    households); 400 replicates estimate that SE within ~7% (1/sqrt(2R)); we allow 20%."""
    rng = np.random.default_rng(3)
    n = 5_000
    w = rng.uniform(100.0, 3_000.0, n)
    y = np.where(rng.random(n) < 0.1, rng.lognormal(8.0, 1.0, n), 0.0)
    m = multipliers(np.arange(n), 400, seed=1, method="poisson")
    reps = (w * y) @ m
    se = standard_error(reps)
    analytic = math.sqrt(np.sum((w * y) ** 2))
    assert abs(se / analytic - 1.0) < 0.2, (se, analytic)


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
