"""Winners and losers as five mutually exclusive groups (issue 12, section 4): gain more than 5%, gain up to 5%,
no change, lose up to 5%, lose more than 5%; shares of persons that add up to 1, nationally, by group and by
decile, and equal to the shares counted household by household."""

from __future__ import annotations

import numpy as np
import pytest

from gongfu.analysis.reductions import FIVE_GROUPS, five_groups
from gongfu.engine import load_system
from gongfu.reforms import load_scenario
from gongfu.run import compare

from .conftest import at_year

LOSERS = "iit_basic_deduction_3500"  # a lower basic deduction: taxpayers lose


@pytest.fixture(scope="module")
def both(source):
    return {name: compare(reform=name, population=source, workers=1) for name in ("dibao_plus_20pct", LOSERS)}


def test_five_groups_by_hand():
    persons, gain, gain5, lose5, changed = (np.array([v]) for v in (100.0, 30.0, 10.0, 5.0, 45.0))
    five = five_groups(persons, gain, gain5, lose5, changed)
    assert {k: float(v[0]) for k, v in five.items()} == pytest.approx(
        {"gain_over_5pct": 0.10, "gain_up_to_5pct": 0.20, "no_change": 0.55, "lose_up_to_5pct": 0.10,
         "lose_over_5pct": 0.05})


@pytest.mark.parametrize("name", ["dibao_plus_20pct", LOSERS])
def test_the_five_shares_add_up_to_one_everywhere(both, name):
    cmp = both[name]
    wl = cmp["winners_losers"]
    assert abs(sum(wl[k] for k in FIVE_GROUPS) - 1.0) < 1e-9
    assert all(wl[k] >= -1e-12 for k in FIVE_GROUPS)
    for grouping, rows in cmp["by_group"].items():
        for key, row in rows.items():
            assert abs(sum(row[k] for k in FIVE_GROUPS) - 1.0) < 1e-9, (grouping, key)
    assert len(cmp["deciles"]) == 10
    for row in cmp["deciles"]:
        assert abs(sum(row[k] for k in FIVE_GROUPS) - 1.0) < 1e-9, row["decile"]
    for k in ("gain_up_to_5pct", "lose_up_to_5pct"):
        assert f"winners_losers.{k}" in cmp["uncertainty"]


def test_the_five_shares_are_the_shares_counted_household_by_household(both, population):
    households, persons = at_year(population)
    base = load_system()
    reformed = load_scenario(LOSERS).apply(base)
    xb = base.simulation(households, persons, 2025).calc("per_capita_disposable_income")
    sim = reformed.simulation(households, persons, 2025)
    xr = sim.calc("per_capita_disposable_income")
    pw = sim.calc("weight") * sim.calc("household_size")
    rel = (xr - xb) / np.maximum(np.abs(xb), 1.0)
    expect = {"gain_over_5pct": rel > 0.05, "gain_up_to_5pct": (rel > 0) & (rel <= 0.05), "no_change": xr == xb,
              "lose_up_to_5pct": (rel < 0) & (rel >= -0.05), "lose_over_5pct": rel < -0.05}
    wl = both[LOSERS]["winners_losers"]
    assert wl["lose_up_to_5pct"] > 0.01  # the premise: this reform makes losers
    for k, mask in expect.items():
        assert wl[k] == pytest.approx(pw[mask].sum() / pw.sum(), rel=1e-9, abs=1e-12), k
