"""Tests of gongfu.analysis.poverty (FGT 1984): hand cases, decomposability, weights, relative lines."""

import numpy as np
import pytest

from gongfu.analysis import poverty as pov

HAND = np.array([1.0, 2.0, 3.0, 4.0, 10.0])


def test_hand_table_absolute_line():
    # line 2.5: poor = {1, 2}; gaps 1.5/2.5 = 0.6 and 0.5/2.5 = 0.2
    # headcount 2/5 = 0.4; gap (0.6 + 0.2)/5 = 0.16; severity (0.36 + 0.04)/5 = 0.08; shortfall 1.5 + 0.5 = 2
    m = pov.poverty_measures(HAND, line=2.5)
    assert m.headcount == pytest.approx(0.4)
    assert m.gap == pytest.approx(0.16)
    assert m.severity == pytest.approx(0.08)
    assert m.poor_population == 2.0
    assert m.shortfall == pytest.approx(2.0)
    assert pov.headcount_ratio(HAND, line=2.5) == m.headcount
    assert pov.poverty_gap(HAND, line=2.5) == pytest.approx(m.gap, rel=1e-15)
    assert pov.poverty_severity(HAND, line=2.5) == pytest.approx(m.severity, rel=1e-15)
    assert pov.fgt(HAND, line=2.5, alpha=3) == pytest.approx((0.6**3 + 0.2**3) / 5)


def test_poor_means_strictly_below_the_line():
    assert pov.headcount_ratio([2.0, 3.0], line=2.0) == 0.0
    assert pov.headcount_ratio([1.999, 3.0], line=2.0) == 0.5


def test_relative_line_is_a_fraction_of_the_weighted_median():
    # median 3, 60% -> 1.8: only income 1 is poor, gap (0.8/1.8)/5
    assert pov.relative_poverty_line(HAND, None, 0.6) == pytest.approx(1.8)
    assert pov.fgt_relative(HAND, fraction=0.6) == pytest.approx(0.2)
    assert pov.fgt_relative(HAND, fraction=0.6, alpha=1) == pytest.approx(0.8 / 1.8 / 5)
    # weighted: incomes 1, 2, 3 with weights 3, 1, 1 -> median 1 (F(1) = 0.6), line 0.5 -> nobody poor
    assert pov.relative_poverty_line([1, 2, 3], [3, 1, 1]) == 0.5
    with pytest.raises(ValueError):
        pov.relative_poverty_line([0.0, 0.0, 1.0])


def test_per_row_lines():
    # local standards 2 for the first two people, 5 for the rest: poor = {1 (gap .5), 3 (.4), 4 (.2)}
    lines = np.array([2, 2, 5, 5, 5.0])
    assert pov.headcount_ratio(HAND, line=lines) == pytest.approx(3 / 5)
    assert pov.poverty_gap(HAND, line=lines) == pytest.approx((0.5 + 0.4 + 0.2) / 5)


def test_additive_decomposability_by_group():
    rng = np.random.default_rng(1)
    x = rng.lognormal(9.5, 0.9, 4000)
    x[:40] = -rng.uniform(0, 3000, 40)  # losses: normalised gap above 1 is kept
    w = rng.uniform(1, 4, 4000)
    g = rng.integers(0, 6, 4000)
    z = 8000.0
    for alpha in (0, 0.5, 1, 2):
        r = pov.fgt_by_group(x, w, g, line=z, alpha=alpha)
        assert r.total == pytest.approx(pov.fgt(x, w, line=z, alpha=alpha), rel=1e-13)
        assert np.dot(r.population_share, r.fgt) == pytest.approx(r.total, rel=1e-12)
        assert r.contribution.sum() == pytest.approx(1.0, rel=1e-12)
        for i, code in enumerate(r.groups):
            m = g == code
            assert r.fgt[i] == pytest.approx(pov.fgt(x[m], w[m], line=z, alpha=alpha), rel=1e-12)


def test_fgt_is_ordered_in_alpha_when_gaps_are_at_most_one():
    x = np.random.default_rng(2).uniform(0, 20000, 1000)
    p0, p1, p2 = (pov.fgt(x, line=9000.0, alpha=a) for a in (0, 1, 2))
    assert p0 >= p1 >= p2 > 0


def test_integer_weights_equal_duplicated_rows():
    rng = np.random.default_rng(3)
    x = np.round(rng.lognormal(9, 1, 200), -2)
    k = rng.integers(0, 4, 200)
    k[0] = 1
    xd = np.repeat(x, k)
    for alpha in (0, 1, 2):
        assert pov.fgt(x, k, line=6000.0, alpha=alpha) == pytest.approx(pov.fgt(xd, line=6000.0, alpha=alpha))
    assert pov.fgt_relative(x, k, fraction=0.5) == pytest.approx(pov.fgt_relative(xd, fraction=0.5))


def test_invalid_lines_rejected():
    with pytest.raises(ValueError):
        pov.fgt(HAND, line=0.0)
    with pytest.raises(ValueError):
        pov.fgt(HAND, line=[1, 2, 3, 4, -1.0])
    with pytest.raises(ValueError):
        pov.fgt(HAND, line=2.0, alpha=-1)
