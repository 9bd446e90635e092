"""Runner-level targeting: turn "a budget for the poorest households" into the per-capita income threshold of
`targeted_philanthropy` (a household formula cannot rank the whole population, so the runner does it first).

A scenario states `targeting: {budget: B}` (yuan per year). Given the per-capita disposable income, size and weight
of every household (the whole population, or merged partition summaries), `threshold_for_budget` finds the
threshold T at which the programme costs B; `calibrate` does it on one `Simulation` and returns the reform with
`targeted_philanthropy.income_threshold: T`.
"""

from __future__ import annotations

import numpy as np

from gongfu.engine import Simulation
from gongfu.engine.errors import ReformError

from .reform import Reform

THRESHOLD = "targeted_philanthropy.income_threshold"


def programme_cost(threshold: float, income_per_capita: np.ndarray, household_size: np.ndarray,
                   weight: np.ndarray, amount_per_person: float, top_up_only: bool) -> float:
    """Weighted yearly cost of the transfer at `threshold` (same rule as rules/tertiary/targeted_philanthropy.py)."""
    gap = threshold - income_per_capita
    per_person = np.minimum(amount_per_person, gap) if top_up_only else np.full(len(gap), amount_per_person)
    paid = np.where(gap > 0, np.maximum(per_person, 0.0) * household_size, 0.0)
    return float(np.sum(paid * weight))


def threshold_for_budget(income_per_capita: np.ndarray, household_size: np.ndarray, weight: np.ndarray,
                         budget: float, amount_per_person: float, top_up_only: bool = False) -> float:
    """The per-capita income threshold at which the transfer costs `budget` (or as close as households allow).

    Flat amounts: households are served from the poorest up while the budget lasts; the threshold is the income
    of the first household that no longer fits (it and richer households receive nothing), so the cost never
    exceeds the budget. Top-up: the cost rises continuously with the threshold, which is found by bisection.
    """
    income = np.asarray(income_per_capita, dtype=np.float64)
    size = np.asarray(household_size, dtype=np.float64)
    weight = np.asarray(weight, dtype=np.float64)
    if amount_per_person <= 0:
        raise ReformError("targeting: the amount per person is 0, so no threshold can spend the budget "
                          "(set targeted_philanthropy.amount_per_person)")
    if not top_up_only:
        order = np.argsort(income, kind="stable")
        cumulative = np.cumsum(amount_per_person * size[order] * weight[order])
        first_out = int(np.searchsorted(cumulative, budget, side="right"))
        if first_out >= len(order):
            return float(income[order[-1]] + 1.0)  # everyone fits
        # households with exactly the cut-off income are left out too (the rule is "below the threshold")
        return float(income[order[first_out]])
    lo, hi = float(income.min()), float(income.max() + amount_per_person)
    if programme_cost(hi, income, size, weight, amount_per_person, True) <= budget:
        return hi
    for _ in range(200):
        mid = (lo + hi) / 2
        if programme_cost(mid, income, size, weight, amount_per_person, True) > budget:
            hi = mid
        else:
            lo = mid
    return lo


def calibrate(reform: Reform, sim: Simulation) -> Reform:
    """The reform with `targeted_philanthropy.income_threshold` chosen so the programme costs the budget of
    `reform.targeting` on the population of `sim` (weighted). Reforms without targeting come back unchanged."""
    if not reform.targeting:
        return reform
    reformed = reform.apply(sim.system)
    branch = sim.branch(reformed)
    params = reformed.parameters.at(sim.date)
    threshold = threshold_for_budget(branch.calc("per_capita_disposable_income"), branch.calc("household_size"),
                                     branch.calc("weight"), float(reform.targeting["budget"]),
                                     float(params.get("targeted_philanthropy.amount_per_person")),
                                     bool(params.get("targeted_philanthropy.top_up_only")))
    return reform.with_changes({THRESHOLD: round(threshold, 2)})
