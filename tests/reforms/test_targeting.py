"""Runner-level targeting: a budget for the poorest households becomes an income threshold."""

from __future__ import annotations

import numpy as np
import pytest

from gongfu.reforms import load_scenario, threshold_for_budget
from gongfu.reforms.targeting import calibrate, programme_cost


def test_flat_amount_serves_the_poorest_first_within_budget():
    income = np.array([5000.0, 1000.0, 3000.0, 9000.0])
    size = np.array([1.0, 2.0, 1.0, 1.0])
    weight = np.ones(4)
    # 100 a person: poorest (2 persons) 200, next 100 → 300; the budget of 350 cannot reach the 5000 household
    threshold = threshold_for_budget(income, size, weight, budget=350, amount_per_person=100)
    assert threshold == 5000
    assert programme_cost(threshold, income, size, weight, 100, False) == 300


def test_top_up_threshold_spends_the_budget():
    rng = np.random.default_rng(1)
    income = rng.uniform(0, 20000, 500)
    size = rng.integers(1, 5, 500).astype(float)
    weight = rng.uniform(100, 1000, 500)
    budget = 1e8
    threshold = threshold_for_budget(income, size, weight, budget, amount_per_person=1e6, top_up_only=True)
    assert programme_cost(threshold, income, size, weight, 1e6, True) == pytest.approx(budget, rel=1e-6)


def test_calibrate_sets_the_threshold_on_the_population(system, baseline):
    reform = load_scenario("philanthropy_poorest", system)
    small_budget = reform.with_changes({}, targeting={"budget": 1e6})
    calibrated = calibrate(small_budget, baseline)
    threshold = calibrated.parameter_changes["targeted_philanthropy.income_threshold"]
    sim = baseline.branch(calibrated.apply(system))
    cost = float(np.sum(sim.calc("weight") * sim.calc("targeted_philanthropy")))
    assert cost == pytest.approx(1e6, rel=1e-4)
    assert threshold < 9215  # a small budget reaches less far than the default threshold
