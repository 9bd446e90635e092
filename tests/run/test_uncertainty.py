"""The `uncertainty` of run results: replicate sums streamed in the pass equal the replicate sums computed
directly, their SE matches the analytic one, keys name figures of the results, intervals hold the point, and the
uncertainty does not depend on partitions or workers."""

from __future__ import annotations

import math

import numpy as np
import pytest

import gongfu.run.layout as L
from gongfu.analysis.replicates import multipliers
from gongfu.engine import load_system
from gongfu.run import ArraySource, compare, run_state, simulate
from gongfu.run.uncertainty import Replicates

from .conftest import REFORM, at_year, canonical


@pytest.fixture(scope="module")
def cmp(source):
    return compare(reform=REFORM, population=source, workers=1)


def _at(d, path):
    for part in path.split("."):
        d = d[int(part)] if isinstance(d, list) else d[part]
    return d


def _check(results):
    unc = results["uncertainty"]
    assert unc
    for key, e in unc.items():
        point = _at(results, key)  # the key is a dotted path to a figure of the same dict
        assert isinstance(point, float), key
        lo, hi = e["ci95"]
        assert e["se"] >= 0 and lo <= point <= hi, key
        assert math.isclose(hi - lo, 2 * 1.959963984540054 * e["se"], rel_tol=1e-9, abs_tol=1e-300), key


def test_keys_are_figures_and_intervals_hold_the_point(cmp):
    for d in (cmp, cmp["baseline"], cmp["reform"]):
        _check(d)
    assert {"net_cost", "change.gini", "winners_losers.gain_over_1pct", "deciles.0.mean_change",
            "change.programmes.dibao.total"} <= set(cmp["uncertainty"])
    base = cmp["baseline"]["uncertainty"]
    assert {"gini", "programmes.dibao.total", "programmes.dibao.recipients",
            "programmes.individual_income_tax.total", "poverty.relative_50_median.headcount",
            "poverty.china_rural_2010_standard.headcount"} <= set(base)
    assert cmp["uncertainty"]["net_cost"]["se"] > 0 and base["gini"]["se"] > 0
    assert "uncertainty" not in cmp["change"]  # not differenced like a figure


def test_streamed_replicate_sums_equal_direct_sums_and_the_analytic_se(population):
    """With 400 replicates: the run's replicate sums of the dibao total are (w t) @ multipliers(ids) exactly
    (to float rounding), and their SE is within 20% of sqrt(sum (w t)^2), the with-replacement SE."""
    households, persons = population
    source = ArraySource.split(households, persons, 3)
    state, _, _ = run_state(source, workers=1, replicates=400, replicate_seed=9)
    reps = Replicates(state).sum(L.programme("b", "dibao"))
    sim = load_system().simulation(*at_year(population), 2025)
    wt = sim.calc("weight") * sim.calc("dibao")
    direct = wt @ multipliers(households["household_id"], 400, seed=9)
    assert np.allclose(reps, direct, rtol=1e-9)
    se, analytic = np.std(reps, ddof=1), math.sqrt(np.sum(wt ** 2))
    assert abs(se / analytic - 1.0) < 0.2, (se, analytic)


def test_uncertainty_does_not_depend_on_partitions_or_workers(population, source):
    one = simulate(ArraySource.split(*population, 1), workers=1)["uncertainty"]
    five = simulate(ArraySource.split(*population, 5), workers=1)["uncertainty"]
    assert one.keys() == five.keys()
    for key in one:
        assert math.isclose(one[key]["se"], five[key]["se"], rel_tol=1e-7, abs_tol=1e-12), key
    a = compare(reform=REFORM, population=source, workers=1)
    b = compare(reform=REFORM, population=source, workers=2)
    assert canonical({"u": a["uncertainty"]}) == canonical({"u": b["uncertainty"]})


def test_no_replicates_no_uncertainty(source):
    assert simulate(source, workers=1, replicates=0)["uncertainty"] == {}
    with pytest.raises(ValueError, match="replicates"):
        simulate(source, workers=1, replicates=1)
