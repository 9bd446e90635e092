"""Chunk / combine / finish statistics (gongfu.analysis.reductions): summed over any split of the rows, they give
the statistic of all the rows, as the row-level functions of gongfu.analysis compute it."""

import math

import numpy as np
import pytest

from gongfu.analysis import incidence, inequality, poverty
from gongfu.analysis import reductions as R
from gongfu.analysis.sketch import DistributionSketch


def incomes(seed, n=4000):
    rng = np.random.default_rng(seed)
    x = rng.lognormal(math.log(30_000), 0.8, n)
    x[rng.random(n) < 0.02] = 0.0
    x[rng.random(n) < 0.01] *= -0.1
    return x, rng.uniform(0.5, 3.0, n)


def summed(terms_of_parts):
    out = {}
    for terms in terms_of_parts:
        for k, v in terms.items():
            out[k] = out.get(k, 0.0) + v.sum()
    return out


def log_positive(x):
    return np.log(np.where(x > 0, x, 1.0))


@pytest.mark.parametrize("seed", [0, 1])
def test_theil_from_partition_terms_equals_theil_of_all_rows(seed):
    x, w = incomes(seed)
    parts = np.array_split(np.arange(x.size), 7)
    t = summed(R.theil_terms(x[p], w[p], log_positive(x[p])) for p in parts)
    for k in R.THEIL_TERMS:
        t.setdefault(k, 0.0)
    v = R.theil_finish(np.array([w.sum()]), np.array([(w * x).sum()]), {k: np.array([t[k]]) for k in t})
    keep_t, keep_l = x >= 0, x > 0
    assert v["theil_t"][0] == pytest.approx(inequality.theil_t(x[keep_t], w[keep_t]), rel=1e-10)
    assert v["theil_l"][0] == pytest.approx(inequality.theil_l(x[keep_l], w[keep_l]), rel=1e-10)
    assert v["excluded_t"][0] == pytest.approx(w[x < 0].sum()) and v["excluded_l"][0] == pytest.approx(w[x <= 0].sum())


def test_between_plus_within_is_the_total_theil():
    x, w = incomes(3)
    x = np.abs(x) + 1.0
    g = np.arange(x.size) % 3
    parts = {k: R.theil_terms(x[g == k], w[g == k], np.log(x[g == k])) for k in range(3)}
    arr = {k: np.array([parts[j][k].sum() for j in range(3)]) for k in ("pos_w", "xlogx", "logx")}
    arr.update(neg_w=np.zeros(3), neg_y=np.zeros(3))
    groups = R.theil_finish(np.array([w[g == j].sum() for j in range(3)]),
                            np.array([(w * x)[g == j].sum() for j in range(3)]), arr)
    nat = R.theil_finish(np.array([w.sum()]), np.array([(w * x).sum()]), {k: v.sum(keepdims=True) for k, v in arr.items()})
    d = R.theil_between_within(nat, groups)
    assert d["between"] + d["within"] == pytest.approx(d["total"], rel=1e-12)
    ref = inequality.theil_decomposition(x, w, g)
    assert d["between"] == pytest.approx(ref.between, rel=1e-9) and d["within"] == pytest.approx(ref.within, rel=1e-9)


def test_fgt_terms_give_the_fgt_measures():
    x, w = incomes(4)
    z = 12_000.0
    h = gap = sev = 0.0
    for p in np.array_split(np.arange(x.size), 5):
        t_h, t_gap, t_sev = R.fgt_terms(x[p], z)
        h, gap, sev = h + (w[p] * t_h).sum(), gap + (w[p] * t_gap).sum(), sev + (w[p] * t_sev).sum()
    m = poverty.poverty_measures(x, w, line=z)
    assert (h / w.sum(), gap / w.sum(), sev / w.sum()) == pytest.approx((m.headcount, m.gap, m.severity), rel=1e-12)


def test_change_flags_and_shares_agree_with_winners_losers():
    base, w = incomes(5)
    rng = np.random.default_rng(5)
    reform = base * (1 + rng.normal(0, 0.04, base.size))
    flags = R.change_flags(base, reform)
    d = reform - base
    sums = {k: np.array([(w * flags[k]).sum()]) for k in R.CHANGE_FLAGS}
    sums.update(sum=np.array([(w * d).sum()]), changed=np.array([w[d != 0].sum()]))
    s = R.change_shares(np.array([w.sum()]), sums, np.array([(w * base).sum()]))
    ref = incidence.winners_losers(base, reform, w)
    assert [s["gain_over_1pct"][0], s["gain_over_5pct"][0]] == pytest.approx(ref.share_gaining.tolist(), rel=1e-12)
    assert [s["lose_over_1pct"][0], s["lose_over_5pct"][0]] == pytest.approx(ref.share_losing.tolist(), rel=1e-12)
    assert s["mean_change"][0] == pytest.approx(ref.mean_change, rel=1e-9)


def test_concentration_from_bins_bounds_the_exact_index():
    x, w = incomes(6)
    x = np.abs(x)
    benefit = np.where(x < 15_000, 2_000.0, 0.0)
    sk = DistributionSketch(sub_bins=16, min_exponent=0, max_exponent=24).update(x, w)
    bins, _, lo, hi = sk.nonempty()
    weights = np.array([w[sk.bin_index(x) == b].sum() for b in bins])
    amount = np.array([(w * benefit)[sk.bin_index(x) == b].sum() for b in bins])
    rank, spread = R.bin_ranks(weights, hi > lo)
    c, err, total = R.concentration_from_bins(amount, rank, spread)
    exact = incidence.concentration_index(benefit, x, w)
    assert total == pytest.approx((w * benefit).sum()) and abs(c - exact) <= err + 1e-12 and err < 0.05


def test_decile_changes_of_a_uniform_change_are_uniform():
    x, w = incomes(7)
    x = np.abs(x) + 1.0
    sk = DistributionSketch(sub_bins=64, min_exponent=0, max_exponent=24).update(x, w)
    bins, _, _, _ = sk.nonempty()
    idx = sk.bin_index(x)
    weights = np.array([w[idx == b].sum() for b in bins])
    mass = np.array([(w * x)[idx == b].sum() for b in bins])
    change = 100.0 * weights  # everyone gains 100 yuan
    zero = np.zeros(bins.size)
    table = {"sum": change, "pos": change, "neg": zero, "gain1": zero, "gain5": zero, "lose1": zero,
             "lose5": zero, "changed": weights}
    rows = R.decile_changes(weights, mass, table)
    assert len(rows) == 10
    for r in rows:
        assert r["sums"]["sum"] / r["size"] == pytest.approx(100.0, rel=1e-9)
        assert r["bounds"][0] <= r["sums"]["sum"] + 1e-6 and r["sums"]["sum"] <= r["bounds"][1] + 1e-6
