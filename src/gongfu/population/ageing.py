"""The population of a projected year (issue 14): incomes uprated by the same dated indices as the law.

The synthetic population is calibrated to 2024 figures (docs/population.md) and is used as it is for every year
of known law (2022-2025, as before). A *projected* year Y (past the last dated law, `engine.uprating.coverage`)
reads it with its money amounts moved from the last known year K to Y: wage-type incomes by the growth of the
average wage, every other amount by the growth of per-capita disposable income (`parameters/uprating.yaml`: NBS
figures, then the projection assumptions), so that the projected law (dibao standards, contribution bases …)
meets incomes of the same year. Weights are NOT reweighted to a projected age structure or urbanisation: no cited
projection of them is in shared/data/china (static ageing by reweighting is missing; said in docs/law.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from gongfu.engine import load_system
from gongfu.engine.uprating import coverage, growth

#: amounts that move with the average wage; every other money input moves with per-capita income
WAGE_LIKE = ("wage_income", "annual_bonus", "labour_remuneration", "author_remuneration", "royalty_income",
             "enterprise_annuity_contribution")
OTHER = ("self_employment_income", "agricultural_income", "interest_income", "dividend_income", "rental_income",
         "private_transfers_received", "taxable_interest_income", "property_transfer_gain", "incidental_income",
         "resident_pension_account", "iit_serious_illness_expenses", "individual_pension_contribution",
         "home_value", "charity_received")


def income_factors(year: int, tree: Any = None) -> dict[str, float] | None:
    """{"average_wage": f, "income": f}: the growth from the last known year to `year`, or None for a year of
    known law (nothing to move). Past the projections: a ValueError naming the missing year."""
    tree = tree if tree is not None else load_system().parameters
    known = coverage(tree).last_known
    if year <= known:
        return None
    out = {}
    for index in ("average_wage", "income"):
        f = 1.0
        for t in range(known + 1, year + 1):
            g = growth(tree, index, t)
            if g is None:
                raise ValueError(f"no {index} growth for {t}: the population cannot be projected to {year}")
            f *= 1.0 + g
        out[index] = f
    return out


def project_population(households: Mapping[str, Any], persons: Mapping[str, Any], year: int
                       ) -> tuple[dict[str, Any], dict[str, Any]]:
    """The population of `year`: the same tables, money columns scaled by `income_factors` (new arrays; the
    given ones are not changed). A year of known law returns the tables unchanged."""
    factors = income_factors(year)
    if factors is None:
        return dict(households), dict(persons)
    out = []
    for table in (households, persons):
        moved = dict(table)
        for name in WAGE_LIKE + OTHER:
            if name in moved:
                f = factors["average_wage" if name in WAGE_LIKE else "income"]
                moved[name] = np.asarray(moved[name], dtype=np.float64) * f
        out.append(moved)
    return out[0], out[1]
