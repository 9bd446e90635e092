"""The population of another year (issue 14): incomes moved by the same dated indices as the law, and
households reweighted to that year's demography (static ageing).

The synthetic population is calibrated to 2024 figures (docs/population.md) and is used as it is for 2024. Money
amounts: a *projected* year Y (past the last dated law K, `engine.uprating.coverage`) reads them moved from K to
Y: wage-type incomes by the growth of the average wage, every other amount by the growth of per-capita disposable
income (`parameters/uprating.yaml`: NBS figures, then the projection assumptions), so that the projected law
(dibao standards, contribution bases ...) meets incomes of the same year. A *backward* year (2022, 2023) moves them
back from 2024 by the NBS growth of the years between. 2025 (known law) keeps the 2024 amounts.

Weights: every year other than 2024 with figures in targets_years.yaml (2022, 2023: NBS; 2026-2030: paths from
the NBS 2025 figures to official goals, status derived/fallback, sources in the file) is reweighted by *raking*
(the static ageing of PolicyEngine and EUROMOD): each household's weight is multiplied by ``exp(x_h . lambda_Y)``,
where x_h counts the household's persons, urban persons, persons aged 0-15, 60+ and 65+ and its size class (1, 2, 3, 4, 5+ persons), and lambda_Y are national constants solved ONCE on a fixed reference
sample (REFERENCE_HOUSEHOLDS households of seed REFERENCE_SEED, the plan's own national design) so that the
weighted totals of the reference hit that year's margins: the total population (its change from 2024), the urban
share and the age shares the year has (`reweight` in the YAML), and the 2024 distribution of households by size
(held: no cited projection of household size). A household's factor therefore depends on nothing but its own
characteristics and national constants: results are identical however the population is partitioned. Limits: a
sample other than the reference meets the margins up to its sampling error (the reference meets them to 1e-9);
raking moves weights, not people (no births, deaths, moves or household formation); what is not a margin (the
0-15 and 65+ shares of projected years, incomes by age, provinces) follows from the reweighted households; the
projected margins are straight lines between cited anchors, not demographic projections (docs/population.md,
"Other years"). 2025, the default year, is reweighted to its NBS figures like the other years with figures;
`keep_2024_weights` in the YAML can list years that should keep the 2024 weights (none today).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
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


class TargetsYearsError(ValueError):
    """targets_years.yaml has a row without value, unit or origin, a share outside (0, 1) or an unknown margin."""


#: the reference sample on which the raking constants are solved (a national constant of the method)
REFERENCE_HOUSEHOLDS = 40_000
REFERENCE_SEED = 20240101
#: the calibration margins a year may have (targets_years.yaml `reweight`), and the size classes held at 2024
MARGINS = ("population_total", "share_urban", "share_age_0_15", "share_age_60_plus", "share_age_65_plus")
SIZE_CLASSES = (1, 2, 3, 4, 5)  # the last is 5 or more persons
#: columns of the household design (one row per household)
DESIGN = ("persons", "persons_urban", "persons_age_0_15", "persons_age_60_plus", "persons_age_65_plus",
          *(f"households_size_{k}" for k in SIZE_CLASSES))
_MARGIN_COLUMN = {"population_total": "persons", "share_urban": "persons_urban",
                  "share_age_0_15": "persons_age_0_15", "share_age_60_plus": "persons_age_60_plus",
                  "share_age_65_plus": "persons_age_65_plus"}


@lru_cache(maxsize=1)
def load_years() -> dict[str, Any]:
    """targets_years.yaml, checked: every row of every year has a numeric value, a unit and where it comes from
    (`from`), a share lies in (0, 1), a status (when given) is found/derived/fallback, and `reweight` names only
    known margins. A TargetsYearsError otherwise."""
    import yaml

    return check_years(yaml.safe_load(Path(__file__).with_name("targets_years.yaml").read_text(encoding="utf-8")))


def check_years(data: dict[str, Any]) -> dict[str, Any]:
    """`data` (the contents of targets_years.yaml) when valid (load_years), else a TargetsYearsError."""
    if not isinstance(data.get("base_2024"), Mapping) or "population_total" not in data["base_2024"]:
        raise TargetsYearsError("targets_years.yaml: base_2024.population_total is needed (the base of the totals)")
    keep = data.get("keep_2024_weights", [])
    if not all(isinstance(y, int) and str(y) in data for y in keep):
        raise TargetsYearsError(f"targets_years.yaml keep_2024_weights: {keep} must be years that have figures")
    bad = [m for m in data.get("reweight", []) if m not in MARGINS]
    if bad:
        raise TargetsYearsError(f"targets_years.yaml reweight: unknown margins {bad} (known: {', '.join(MARGINS)})")
    for key, rows in data.items():
        if not (key.isdigit() or key == "base_2024"):
            continue
        for name, row in rows.items():
            where = f"targets_years.yaml {key}.{name}"
            if not isinstance(row, Mapping) or not isinstance(row.get("value"), (int, float)):
                raise TargetsYearsError(f"{where}: no numeric value")
            if not row.get("unit") or not (row.get("from") or row.get("source")):
                raise TargetsYearsError(f"{where}: a row needs a unit and where it comes from (from/source)")
            if row.get("status", "found") not in ("found", "derived", "fallback"):
                raise TargetsYearsError(f"{where}: status must be found, derived or fallback")
            if name.startswith("share_") and not 0.0 < float(row["value"]) < 1.0:
                raise TargetsYearsError(f"{where}: a share must lie in (0, 1), not {row['value']}")
        if key.isdigit() and "population_total" not in rows:
            raise TargetsYearsError(f"targets_years.yaml {key}: population_total is needed (held or official)")
    return data


def years_with_figures() -> list[int]:
    """The years other than 2024 that have figures (and are reweighted)."""
    return sorted(int(k) for k in load_years() if k.isdigit())


def household_design(households: Mapping[str, Any], persons: Mapping[str, Any],
                     columns: Sequence[int] | None = None) -> np.ndarray:
    """(n_households, len(DESIGN)) counts of each household (households sorted by household_id, persons grouped
    by household, as everywhere in gongfu): its persons, urban persons, persons aged 0-15, 60+, 65+, and one-hot
    its size class; only the DESIGN `columns` given (all by default). A pure function of each household's own
    rows; a ValueError when the persons are not grouped by the households."""
    make = _design_columns(households, persons)
    columns = range(len(DESIGN)) if columns is None else columns
    out = np.empty((len(np.asarray(households["household_id"])), len(columns)), order="F")
    for i, j in enumerate(columns):  # column by column: each column contiguous
        out[:, i] = make(j)
    return out


def _design_columns(households: Mapping[str, Any], persons: Mapping[str, Any]) -> Callable[[int], np.ndarray]:
    """A function of j giving column j of `household_design` (float64, one row per household)."""
    n = len(np.asarray(households["household_id"]))
    p_hid = np.asarray(persons["household_id"])
    new = np.empty(p_hid.size, dtype=bool)  # a person whose household differs from the previous person's
    new[:1] = True
    np.not_equal(p_hid[1:], p_hid[:-1], out=new[1:])
    hidx = np.cumsum(new) - 1
    if (hidx[-1] + 1 if hidx.size else 0) != n:
        raise ValueError("persons must be grouped by household, in the order of the households table")
    age = np.asarray(persons["age"])
    # members by age band 0-15, 16-59, 60-64, 65+ (whole numbers: their float sums are exact)
    band = (age >= 16).astype(np.int64) + (age >= 60) + (age >= 65)  # (searchsorted casts every int16: 35x slower)
    by_band = np.bincount(band * n + hidx, minlength=4 * n).reshape(4, n).astype(np.float64)  # one row a band
    size = by_band[0] + by_band[1] + by_band[2] + by_band[3]
    cls = np.clip(size, 1, SIZE_CLASSES[-1])
    make = {0: lambda: size, 1: lambda: size * (np.asarray(households["area"]) == 1),
            2: lambda: by_band[0], 3: lambda: by_band[2] + by_band[3], 4: lambda: by_band[3]}
    for j, k in enumerate(SIZE_CLASSES):
        make[5 + j] = lambda k=k: (cls == k).astype(np.float64)
    return lambda j: make[j]()


def rake(design: np.ndarray, weights: np.ndarray, totals: np.ndarray, tol: float = 1e-12,
         max_iter: int = 100) -> np.ndarray:
    """lambda such that sum_h w_h exp(x_h . lambda) x_h = totals (raking / exponential calibration, Deville and
    Saerndal 1992), by Newton's method on the convex dual; a ValueError when the totals cannot be reached."""
    scale = np.maximum(np.abs(totals), 1e-300)
    x = design / scale * weights.sum()  # columns scaled to comparable sizes
    t = totals / scale * weights.sum()
    lam = np.zeros(design.shape[1])
    for _ in range(max_iter):
        e = weights * np.exp(np.clip(x @ lam, -50.0, 50.0))
        g = x.T @ e - t
        if np.max(np.abs(g / t)) < tol:
            return lam / scale * weights.sum()
        hess = x.T @ (e[:, None] * x)
        lam -= np.linalg.lstsq(hess, g, rcond=None)[0]
    raise ValueError("raking did not converge: the year's margins cannot be reached by reweighting")


@lru_cache(maxsize=1)
def _reference() -> tuple[np.ndarray, np.ndarray]:
    """(design, 2024 weights) of the reference sample (about 0.5 s, once per process)."""
    from gongfu.population.io import concat
    from gongfu.population.partition import generate_partition, plan_partitions

    parts = [generate_partition(s) for s in plan_partitions(REFERENCE_HOUSEHOLDS, REFERENCE_SEED)]
    h, p = concat([x[0] for x in parts]), concat([x[1] for x in parts])
    return np.ascontiguousarray(household_design(h, p)), np.asarray(h["weight"], dtype=np.float64)


def year_margins(year: int, reference_totals: np.ndarray) -> tuple[list[int], np.ndarray]:
    """(design columns, target totals) of `year` given the reference's 2024 totals of DESIGN: the total scaled by
    that year's official total over 2024's, each share of the year times that total, households by size held at
    the 2024 distribution (scaled with the total). A ValueError for a year without figures."""
    data = load_years()
    mine = data.get(str(year))
    if year == BASE_YEAR or not mine:
        have = ", ".join(str(y) for y in years_with_figures())
        raise ValueError(f"no demographic figures of {year} in targets_years.yaml (years: {have}; 2024 is the "
                         "calibration year, not reweighted)")
    ratio = float(mine["population_total"]["value"]) / float(data["base_2024"]["population_total"]["value"])
    total = reference_totals[0] * ratio
    cols, values = [0], [total]
    for name in data.get("reweight", []):
        if name != "population_total" and name in mine:
            cols.append(DESIGN.index(_MARGIN_COLUMN[name]))
            values.append(float(mine[name]["value"]) * total)
    for k in SIZE_CLASSES:
        j = DESIGN.index(f"households_size_{k}")
        cols.append(j)
        values.append(reference_totals[j] * ratio)
    return cols, np.array(values)


@lru_cache(maxsize=16)
def raking_constants(year: int) -> tuple[tuple[int, ...], tuple[float, ...]] | None:
    """(design columns, lambda) of `year`, solved once on the reference sample; None for 2024 (not reweighted).
    A ValueError for a year without figures."""
    if year == BASE_YEAR:
        return None
    design, w = _reference()
    cols, totals = year_margins(year, design.T @ w)
    lam = rake(design[:, cols], w, totals)
    return tuple(cols), tuple(float(v) for v in lam)


def weight_factors(households: Mapping[str, Any], persons: Mapping[str, Any], year: int) -> np.ndarray | None:
    """Each household's weight multiplier for `year`, ``exp(x_h . lambda_year)`` (household_design,
    raking_constants), or None for 2024 and the years of `keep_2024_weights` (none today); a ValueError for a year
    without figures. The sum runs column by column, elementwise, so that a household's factor is bitwise the same
    in any partition."""
    if year == BASE_YEAR or year in load_years().get("keep_2024_weights", []):
        return None
    cols, lam = raking_constants(year)
    column = _design_columns(households, persons)
    z = np.zeros(len(np.asarray(households["household_id"])))
    for j, v in zip(cols, lam, strict=True):
        z += column(j) * v
    return np.exp(z)


def project_population(households: Mapping[str, Any], persons: Mapping[str, Any], year: int
                       ) -> tuple[dict[str, Any], dict[str, Any]]:
    """The population of `year`: the same tables, money columns scaled by `income_factors` and household weights
    by `weight_factors` (new arrays; the given ones are not changed). 2024 returns the tables unchanged."""
    if year != BASE_YEAR and str(year) not in load_years():
        have = ", ".join(str(y) for y in years_with_figures())
        raise ValueError(f"no population for {year}: targets_years.yaml has the demography of {have} (and 2024, the "
                         "calibration year)")
    factors = income_factors(year)
    out = [dict(households), dict(persons)]
    if factors is not None:
        for table in out:
            for name in WAGE_LIKE + OTHER:
                if name in table:
                    f = factors["average_wage" if name in WAGE_LIKE else "income"]
                    table[name] = np.asarray(table[name], dtype=np.float64) * f
    if "weight" in out[0] and "area" in out[0] and "age" in out[1]:
        g = weight_factors(households, persons, year)
        if g is not None:
            out[0]["weight"] = np.asarray(out[0]["weight"], dtype=np.float64) * g
    return out[0], out[1]
