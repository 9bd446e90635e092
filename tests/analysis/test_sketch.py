"""Tests of gongfu.analysis.sketch: exact merging, sketch bounds against the exact functions."""

import math
from fractions import Fraction

import numpy as np
import pytest

from gongfu.analysis import inequality as ineq
from gongfu.analysis import poverty as pov
from gongfu.analysis.sketch import DistributionSketch


def realistic_incomes(seed, n=200_000, sigma=0.85):
    """Per-capita incomes: lognormal (mean ~40,000 yuan) with 1% zeros and 0.3% losses; person weights."""
    rng = np.random.default_rng(seed)
    x = rng.lognormal(math.log(40_000) - sigma**2 / 2, sigma, n)
    x[rng.random(n) < 0.01] = 0.0
    losses = rng.random(n) < 0.003
    x[losses] = -rng.lognormal(8, 1, losses.sum())
    return x, rng.uniform(50, 5000, n)


def coarse_data(seed, n=3000):
    """Data spread over tiny, negative and overflow bins of a coarse sketch, with ties."""
    rng = np.random.default_rng(seed)
    x = np.concatenate([rng.lognormal(2, 1.5, n), -rng.uniform(0, 5, n // 20), np.zeros(n // 30),
                        np.full(n // 10, 7.0), rng.uniform(0, 0.9, n // 20)])
    return x, rng.uniform(0.1, 3, x.size)


COARSE = {"sub_bins": 2, "min_exponent": 0, "max_exponent": 5}  # bins [1,1.5), [1.5,2), ... overflow >= 32


def test_merge_all_equals_pairwise_merges():
    x, w = realistic_incomes(5, n=30_000)
    parts = [DistributionSketch(**COARSE).update(x[i::7], w[i::7]) for i in range(7)]
    pairwise = parts[0]
    for s in parts[1:]:
        pairwise = pairwise.merge(s)
    merged = DistributionSketch.merge_all(parts)
    assert merged == pairwise and merged.count == x.size
    assert merged.gini() == pairwise.gini() and merged.median() == pairwise.median()
    with pytest.raises(ValueError):
        DistributionSketch.merge_all([parts[0], DistributionSketch()])


def test_cached_bins_follow_updates():
    x, w = realistic_incomes(6, n=5_000)
    s = DistributionSketch().update(x[:2500], w[:2500])
    before = s.gini()
    s.update(x[2500:], w[2500:])  # the bins change: statistics must not come from the first half's cache
    assert s.gini() == DistributionSketch().update(x, w).gini() != before


def test_overflowing_contribution_is_rejected():
    with pytest.raises(OverflowError):
        DistributionSketch().update([1e18], [100.0])


# ---------------------------------------------------------------------------------- binning and merging --


@pytest.mark.parametrize("config", [{}, COARSE, {"sub_bins": 1, "min_exponent": -2, "max_exponent": 3}])
def test_every_value_falls_inside_its_bin_and_bins_are_ordered(config):
    s = DistributionSketch(**config)
    rng = np.random.default_rng(2)
    edges = s._magnitude_edges()
    mag = np.concatenate([2.0 ** rng.uniform(-1074, 1023, 20000), edges, np.nextafter(edges, 0),
                          np.nextafter(edges, np.inf), [0.0, 5e-324, 1.7e308]])
    x = np.concatenate([mag, -mag])
    lo, hi = s.bin_edges()
    idx = s.bin_index(x)
    assert np.all((lo[idx] <= x) & (x <= hi[idx]))
    assert np.all(np.diff(idx[np.argsort(x)]) >= 0)  # value order = bin order


def test_merge_is_invariant_to_partitioning_and_order():
    x, w = realistic_incomes(3, 60_000)
    whole = DistributionSketch.from_arrays(x, w)
    rng = np.random.default_rng(3)
    for n_parts in (2, 7, 31):
        parts = np.array_split(rng.permutation(x.size), n_parts)
        sketches = [DistributionSketch.from_arrays(x[p], w[p]) for p in parts]
        linear = DistributionSketch.merge_all(sketches)
        shuffled = DistributionSketch.merge_all([sketches[i] for i in rng.permutation(n_parts)])
        tree = sketches
        while len(tree) > 1:  # pairwise tree reduction
            tree = [tree[i].merge(tree[i + 1]) if i + 1 < len(tree) else tree[i] for i in range(0, len(tree), 2)]
        streamed = DistributionSketch()
        for p in parts:
            streamed.update(x[p], w[p])
        for s in (linear, shuffled, tree[0], streamed):
            assert s == whole
            assert s.gini() == whole.gini()
            assert s.total == whole.total and s.total_weight == whole.total_weight
    assert whole.count == x.size


def test_merge_leaves_operands_untouched_and_checks_configuration():
    a = DistributionSketch.from_arrays([1.0, 2.0])
    b = DistributionSketch.from_arrays([3.0])
    before = a.to_dict()
    a.merge(b)
    assert a == DistributionSketch.from_dict(before)
    with pytest.raises(ValueError):
        a.merge(DistributionSketch(**COARSE))


def test_serialisation_round_trip():
    x, w = realistic_incomes(4, 20_000)
    s = DistributionSketch.from_arrays(x, w)
    assert DistributionSketch.from_dict(s.to_dict()) == s
    data = s.to_bytes()
    back = DistributionSketch.from_bytes(data)
    assert back == s
    assert back.gini() == s.gini()
    extra = DistributionSketch.from_arrays([5.0, 6.0])
    assert back.merge(extra) == s.merge(extra)
    with pytest.raises(ValueError, match="not a DistributionSketch"):
        DistributionSketch.from_dict({**s.to_dict(), "kind": "GroupedSums"})


def test_totals_are_exact():
    x, w = realistic_incomes(5, 50_000)
    s = DistributionSketch.from_arrays(x, w)
    assert s.total == pytest.approx(float(sum(Fraction(v) for v in w * x)), rel=1e-15)
    assert s.total_weight == pytest.approx(math.fsum(w), rel=1e-15)
    assert s.min == x.min() and s.max == x.max()
    assert s.mean == pytest.approx(np.dot(w, x) / w.sum(), rel=1e-13)


def test_empty_and_zero_weight_updates():
    s = DistributionSketch()
    s.update([], [])
    s.update([5.0, 7.0], [0.0, 0.0])
    assert s.count == 0 and s == DistributionSketch()
    with pytest.raises(ValueError):
        s.gini()
    with pytest.raises(ValueError):
        s.update([1.0, np.nan])


# ------------------------------------------------------------------------------------------------ bounds --


def _inside(value, b, slack=0.0):
    return np.all(np.asarray(b.lower) - slack <= value) and np.all(value <= np.asarray(b.upper) + slack)


@pytest.mark.parametrize("sigma", [0.6, 0.85, 1.2])
def test_gini_bound_contains_exact_gini_and_is_below_1e4_on_realistic_data(sigma):
    x, w = realistic_incomes(10 + int(sigma * 10), sigma=sigma)
    s = DistributionSketch.from_arrays(x, w)
    g, exact = s.gini(), ineq.gini(x, w)
    assert g.lower <= exact <= g.upper
    assert g.width <= 1e-4
    assert g.width <= 1e-5  # measured: 3e-7 to 9e-7 at the default 256 sub-bins per octave
    # the a-priori bound: width <= max_b pi_b / (4M) * mean|x| / mean(x) (+ tiny-bin term, here negligible)
    pi = np.bincount(s.bin_index(x), weights=w) / w.sum()
    assert g.width <= pi.max() / (4 * s.sub_bins) * np.dot(w, np.abs(x)) / np.dot(w, x) + 1e-9


@pytest.mark.parametrize("seed", range(6))
def test_coarse_sketch_bounds_contain_every_exact_statistic(seed):
    x, w = coarse_data(seed)
    s = DistributionSketch.from_arrays(x, w, **COARSE)
    g = s.gini()
    assert g.lower <= ineq.gini(x, w) <= g.upper and g.width > 1e-4  # coarse: the bound is doing real work
    q = np.linspace(0, 1, 51)
    qb = s.quantile(q)
    for method in ("inverted_cdf", "averaged_inverted_cdf"):
        assert _inside(ineq.quantiles(x, w, q, method=method), qb)
    assert _inside(ineq.lorenz_ordinates(x, w, q), s.lorenz(q), 1e-12)
    for p in (0.01, 0.1, 0.5):
        assert _inside(ineq.share_of_top(x, w, p), s.share_of_top(p), 1e-12)
    assert _inside(ineq.share_of_bottom(x, w, 0.4), s.share_of_bottom(0.4), 1e-12)
    assert _inside(ineq.palma(x, w), s.palma())
    assert _inside(ineq.decile_means(x, w), s.decile_means(), 1e-9)
    assert _inside(ineq.quintile_means(x, w), s.quintile_means(), 1e-9)
    for z in (0.5, 3.0, 7.0, 7.5, 20.0):
        for alpha in (0, 0.5, 1, 2):
            assert _inside(pov.fgt(x, w, line=z, alpha=alpha), s.fgt(z, alpha), 1e-12)
    assert _inside(pov.fgt_relative(x, w, fraction=0.6, alpha=1), s.fgt_relative(0.6, 1), 1e-12)


def test_realistic_sketch_statistics_contain_exact_values_and_are_tight():
    x, w = realistic_incomes(20)
    s = DistributionSketch.from_arrays(x, w)
    q = np.array([0.1, 0.25, 0.5, 0.75, 0.9, 0.99])
    qb = s.quantile(q)
    assert _inside(ineq.quantiles(x, w, q), qb)
    assert np.all(qb.width / qb.estimate <= 2 / s.sub_bins)  # about 1/M relative, two bins at most
    dm = s.decile_means()
    assert _inside(ineq.decile_means(x, w), dm, 1e-9)
    assert np.all(dm.width <= 5e-5 * np.abs(dm.estimate))  # measured ~1e-5 relative (a few jiao)
    for p in (0.01, 0.1):
        b = s.share_of_top(p)
        assert _inside(ineq.share_of_top(x, w, p), b) and b.width < 1e-5  # measured 3e-8 to 1.5e-6
    assert _inside(ineq.palma(x, w), s.palma())
    assert _inside(ineq.high_low_ratio(x, w), s.high_low_ratio())
    assert _inside(ineq.p90_p10(x, w), s.p90_p10())
    line = pov.relative_poverty_line(x, w, 0.5)
    for alpha in (0, 1, 2):
        b = s.fgt(line, alpha)
        assert _inside(pov.fgt(x, w, line=line, alpha=alpha), b) and b.width < 2e-3
    assert _inside(pov.fgt_relative(x, w, fraction=0.5), s.fgt_relative(0.5))


def test_bins_with_one_distinct_value_are_exact_and_two_point_bins_attain_the_upper_bound():
    # one distinct value per bin (e.g. everyone on dibao at exactly the standard): chord = truth, width ~ 0
    x = np.array([0.0, 650.0, 650.0, 9000.0, 30000.0, 30000.0, 2e5])
    w = np.array([3.0, 5.0, 1.0, 2.0, 4.0, 1.0, 0.5])
    g = DistributionSketch.from_arrays(x, w).gini()
    assert g.width < 1e-12 and g.lower <= ineq.gini(x, w) <= g.upper
    # two values per bin, each at the bin's min and max: the truth is the two-point extreme = upper bound
    y = np.array([1.0, 1.4, 2.0, 2.9, 4.0, 5.5, 8.0, 11.0])  # pairs in [1,1.5), [2,3), [4,6), [8,12) (COARSE)
    v = np.array([1.0, 2.0, 3.0, 1.0, 2.0, 2.0, 1.0, 4.0])
    gb = DistributionSketch.from_arrays(y, v, **COARSE).gini()
    assert ineq.gini(y, v) == pytest.approx(gb.upper, abs=1e-12)
    assert gb.width > 1e-3


def test_equal_incomes_give_zero_gini_bounds():
    g = DistributionSketch.from_arrays(np.full(1000, 3000.0)).gini()
    assert abs(g.lower) < 1e-12 and abs(g.upper) < 1e-12


def test_sketch_read_from_dict_answers_like_the_original_before_and_after_densifying():
    x, w = realistic_incomes(8, n=20_000)
    s = DistributionSketch().update(x, w)
    d = s.to_dict()
    lazy = DistributionSketch.from_dict(d)
    assert lazy._sparse is not None  # statistics below are read from the given bins only
    for name in ("total", "total_weight", "min", "max", "count"):
        assert getattr(lazy, name) == getattr(s, name)
    assert lazy.gini() == s.gini() and lazy.median() == s.median() and lazy.fgt(20_000.0, 1.0) == s.fgt(20_000.0, 1.0)
    out = lazy.to_dict()
    for k in ("bins", "limbs", "bin_min", "bin_max"):
        np.testing.assert_array_equal(out[k], d[k])
    assert lazy == s and lazy._sparse is None  # == needs every bin: now dense, still the same sketch
    shuffled = dict(d)
    order = np.random.default_rng(0).permutation(d["bins"].size)
    for k in ("bins", "limbs", "bin_min", "bin_max"):
        shuffled[k] = d[k][order]
    unsorted = DistributionSketch.from_dict(shuffled)
    assert unsorted._sparse is None and unsorted == s and unsorted.gini() == s.gini()
    grown = DistributionSketch.from_dict(d).update(x[:10], w[:10])
    assert grown == DistributionSketch().update(np.concatenate([x, x[:10]]), np.concatenate([w, w[:10]]))
