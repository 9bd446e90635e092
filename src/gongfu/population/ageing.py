"""The population of another year (issue 14): incomes moved by the same dated indices as the law.

The synthetic population is calibrated to 2024 figures (docs/population.md) and is used as it is for 2024 and
2025 (as before). A *projected* year Y (past the last dated law K, `engine.uprating.coverage`) reads it with its
money amounts moved from K to Y: wage-type incomes by the growth of the average wage, every other amount by the
growth of per-capita disposable income (`parameters/uprating.yaml`: NBS figures, then the projection
assumptions), so that the projected law (dibao standards, contribution bases …) meets incomes of the same year.
A *backward* year (2022, 2023) moves them back from 2024 by the NBS growth of the years between, and reweights
households by area of residence to that year's official urban and rural population (targets_years.yaml, from
shared/data): static ageing by area only — the age structure is NOT reweighted (and no cited projection of age,
urbanisation or household size exists in shared/data for later years: missing, said in docs/law.md).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
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


BASE_YEAR = 2024  # the year the population is calibrated to (population/targets.yaml)


def income_factors(year: int, tree: Any = None) -> dict[str, float] | None:
    """{"average_wage": f, "income": f}: the growth from the last known year to a projected `year`, or back from
    2024 to an earlier `year` (f < 1 when incomes grew), or None for 2024 to the last known year (nothing to
    move). A year the indices do not reach: a ValueError naming it."""
    tree = tree if tree is not None else load_system().parameters
    known = coverage(tree).last_known
    if BASE_YEAR <= year <= known:
        return None
    span = range(known + 1, year + 1) if year > known else range(year + 1, BASE_YEAR + 1)
    out = {}
    for index in ("average_wage", "income"):
        f = 1.0
        for t in span:
            g = growth(tree, index, t)
            if g is None:
                raise ValueError(f"no {index} growth for {t}: the population cannot be moved to {year}")
            f *= 1.0 + g
        out[index] = f if year > known else 1.0 / f
    return out


@functools.lru_cache(maxsize=1)
def _targets_years() -> dict[str, Any]:
    """targets_years.yaml, read once per process (it was parsed again for every partition and year: 40 ms each)."""
    import yaml

    return yaml.safe_load(Path(__file__).with_name("targets_years.yaml").read_text(encoding="utf-8"))


def area_factors(year: int) -> tuple[float, float] | None:
    """(rural, urban) multipliers of household weights for a backward year: that year's official rural and urban
    population over 2024's (targets_years.yaml); None when the year has no figures (2024 onwards)."""
    if year >= BASE_YEAR:  # no need to read the figures (every partition of every projected year asks)
        return None
    data = _targets_years()
    mine = data.get(str(year))
    if not mine:
        return None
    base = data["base_2024"]

    def totals(d: Mapping[str, Any]) -> tuple[float, float]:
        total, urban = float(d["population_total"]["value"]), float(d["population_urban"]["value"])
        return total - urban, urban

    (r, u), (r0, u0) = totals(mine), totals(base)
    return r / r0, u / u0


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
    by_area = area_factors(year)
    if by_area is not None and "weight" in out[0] and "area" in out[0]:
        area = np.asarray(out[0]["area"])
        out[0]["weight"] = np.asarray(out[0]["weight"], dtype=np.float64) * np.where(area == 1, by_area[1],
                                                                                      by_area[0])
    return out[0], out[1]
