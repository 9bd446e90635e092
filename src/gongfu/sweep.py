"""Earnings sweeps: one household over a range of one person's input, in one vectorised simulation.

The household is copied once per point (N households of n persons each, one simulation: the engine computes
them together, as it computes a population); only the swept input of the chosen person differs between the
copies. Each point carries `value`, `disposable_income`, `marginal_effective_tax_rate` (METR) and every tax,
contribution and benefit variable of the system (`role` tax, contribution, benefit, charity) **as household
totals**: a person variable (e.g. `individual_income_tax`) is summed over the household's persons at that point.

The METR at a point is 1 − Δdisposable/Δvalue against the previous point (the first point has none: `None`):
0.2 means 20 fen of each extra yuan is lost to taxes, contributions and withdrawn benefits; 1.0 means all of it
(dibao's yuan-for-yuan withdrawal); above 1 the household ends up with less (a cliff).

This is OpenFisca's `axes` and PolicyEngine's household earnings chart. May import: the engine and the household
reader only (the faces — calculator, commands, api — import this module, never the other way round).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .engine import HOUSEHOLD, PERSON, GongfuError, TaxBenefitSystem, load_system
from .engine.variables import Variable, allowed, bounds
from .household import HouseholdInput

__all__ = ["MAX_POINTS", "PROGRAMME_ROLES", "SweepError", "cliffs", "grid", "programme_ranges", "sweep",
           "sweep_variable"]

#: at most this many points in one sweep (CLI and HTTP): 0 to 200,000 by 100 is 2,001 points
MAX_POINTS = 2001
#: the roles of the variables each point carries (household totals)
PROGRAMME_ROLES = ("tax", "contribution", "benefit", "charity")
#: the household totals each point carries besides the programmes
TOTALS = ("market_income", "total_taxes", "total_contributions", "total_benefits", "disposable_income")


class SweepError(GongfuError):
    """A sweep the user asked for cannot be made (the message names the option: --vary, --person, --step …)."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field


def sweep_variable(system: TaxBenefitSystem, name: str, field: str = "--vary") -> Variable:
    """The person input a sweep may vary: a numeric person variable without a formula (wage_income, ...)."""
    try:
        var = system.variable(name)
    except GongfuError as exc:
        raise SweepError(field, str(exc)) from None
    if var.entity is not PERSON or not var.is_input or var.dtype not in ("float", "int", "int16", "int8") \
            or var.enum is not None or var.unit in ("id", "GB/T 2260"):
        inputs = sorted(v.name for v in system.variables.values()
                        if v.entity is PERSON and v.is_input and v.dtype == "float" and v.unit.startswith("CNY"))
        raise SweepError(field, f"'{name}' is not a numeric person input; sweepable money inputs: "
                                f"{', '.join(inputs[:12])}{', …' if len(inputs) > 12 else ''}")
    return var


def grid(start: float, stop: float, step: float, *, fields: tuple[str, str, str] = ("--from", "--to", "--step"),
         limit: int = MAX_POINTS) -> np.ndarray:
    """start, start + step, … up to stop (stop itself always included as the last point)."""
    for name, x in zip(fields, (start, stop, step), strict=True):
        if not math.isfinite(x):
            raise SweepError(name, f"expected a finite number, got {x!r}")
    if step <= 0:
        raise SweepError(fields[2], f"must be more than 0 (got {step:g})")
    if stop < start:
        raise SweepError(fields[1], f"must be at least {fields[0]} ({start:g}); got {stop:g}")
    steps = math.floor((stop - start) / step + 1e-9)
    n = steps + 1 + (start + steps * step < stop - 1e-9 * max(1.0, abs(stop)))
    if n > limit:
        raise SweepError(fields[2], f"{n:,} points from {start:g} to {stop:g} by {step:g}; at most {limit:,} "
                                    f"(use a step of at least {(stop - start) / (limit - 1):g})")
    values = np.round(start + np.arange(steps + 1, dtype=np.float64) * step, 9)  # 0.7, not 0.7000000000000001
    if n > steps + 1:
        values = np.append(values, stop)
    values[-1] = min(values[-1], stop)
    return values


def _tiled(column: Any, copies: int) -> Any:
    """A person or household column repeated `copies` times (masked entries stay masked: formula values)."""
    if isinstance(column, np.ma.MaskedArray):
        return np.ma.MaskedArray(np.tile(column.data, copies), mask=np.tile(np.ma.getmaskarray(column), copies))
    return np.tile(np.asarray(column), copies)


def sweep(household: HouseholdInput, variable: str, person: str, values: Sequence[float] | np.ndarray,
          year: int | None = None, reform: Any = None, *, system: TaxBenefitSystem | None = None,
          fields: tuple[str, str] = ("--vary", "--person")) -> dict[str, Any]:
    """`{"variable", "person", "year", "points": [{"value", "disposable_income", "marginal_effective_tax_rate",
    <programme>: household total, ...}]}` for the household with `person`'s `variable` set to each value.

    `reform`: a resolved Reform (None: the law in force); `system` (a system already built for it) wins.
    `year` defaults to the household's. One simulation of len(values) copies of the household."""
    system = system or (reform.apply(load_system()) if reform is not None else load_system())
    var = sweep_variable(system, variable, fields[0])
    if person not in household.names:
        raise SweepError(fields[1], f"no person named {person!r} in the household (persons: "
                                    f"{', '.join(household.names)})")
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0 or values.size > MAX_POINTS:
        raise SweepError(fields[0], f"between 1 and {MAX_POINTS:,} points, got {values.size:,}")
    lo, excluded, hi = bounds(var)
    low, high = float(values.min()), float(values.max())
    if not (np.isfinite(low) and np.isfinite(high)) or low < lo or (excluded and low == lo) or high > hi:
        raise SweepError(fields[0], f"'{variable}' takes {allowed(var)}; the sweep goes from {low:g} to {high:g}")
    if var.dtype != "float" and not np.all(values == np.floor(values)):
        raise SweepError(fields[0], f"'{variable}' takes whole numbers; use a whole --from and --step")
    k, n = values.size, len(household.names)
    households = {name: _tiled(col, k) for name, col in household.households.items()}
    households["household_id"] = np.arange(k, dtype=np.int64)
    persons = {name: _tiled(col, k) for name, col in household.persons.items()}
    persons["household_id"] = np.repeat(np.arange(k, dtype=np.int64), n)
    column = persons.get(variable)
    if column is None:
        column = np.ma.MaskedArray(np.full(k * n, var.default, dtype=var.np_dtype), mask=np.ones(k * n, bool))
    elif not isinstance(column, np.ma.MaskedArray):
        column = np.ma.MaskedArray(column, mask=np.zeros(k * n, bool))
    rows = np.arange(k) * n + household.names.index(person)
    column = np.ma.MaskedArray(column.data.astype(var.np_dtype), mask=np.ma.getmaskarray(column).copy())
    column.data[rows] = values.astype(var.np_dtype)
    column.mask[rows] = False
    persons[variable] = column if column.mask.any() else column.data
    sim = system.simulation(households=households, persons=persons, year=year or household.year)

    def total(name: str) -> np.ndarray:
        x = np.asarray(sim.calc(name), dtype=np.float64)
        return x if system.variables[name].entity is HOUSEHOLD else x.reshape(k, n).sum(axis=1)

    names = [v.name for v in system.variables.values() if v.role in PROGRAMME_ROLES]
    columns = {name: total(name) for name in dict.fromkeys([*TOTALS, *names]) if name in system.variables}
    disposable = columns["disposable_income"]
    mtr = metr(values, disposable)
    points = []
    for i in range(k):
        point: dict[str, Any] = {"value": float(values[i]), "disposable_income": _money(disposable[i]),
                                 "marginal_effective_tax_rate": None if mtr[i] is None else round(mtr[i], 6)}
        point.update({name: _money(col[i]) for name, col in columns.items() if name != "disposable_income"})
        points.append(point)
    return {"variable": variable, "person": person, "year": sim.year, "points": points}


def _money(x: float) -> float | None:
    return round(float(x), 2) if math.isfinite(x) else None


def metr(values: np.ndarray, disposable: np.ndarray) -> list[float | None]:
    """1 − Δdisposable/Δvalue from the previous point (None at the first point and where Δvalue is 0)."""
    values, disposable = np.asarray(values, dtype=np.float64), np.asarray(disposable, dtype=np.float64)
    out: list[float | None] = [None]
    for i in range(1, values.size):
        dv = values[i] - values[i - 1]
        out.append(None if dv == 0 else float(1.0 - (disposable[i] - disposable[i - 1]) / dv))
    return out


def cliffs(points: Sequence[dict[str, Any]], threshold: float = 1.0) -> list[dict[str, Any]]:
    """The points where the marginal rate exceeds `threshold` (1: disposable income falls as the value rises),
    each with the step `from`–`to`, the rate and the fall of disposable income."""
    out = []
    for prev, point in zip(points, points[1:], strict=False):
        rate = point.get("marginal_effective_tax_rate")
        if rate is not None and rate > threshold + 1e-9:
            out.append({"from": prev["value"], "to": point["value"], "marginal_effective_tax_rate": rate,
                        "disposable_change": round(point["disposable_income"] - prev["disposable_income"], 2)})
    return out


def programme_ranges(points: Sequence[dict[str, Any]], names: Sequence[str] | None = None) -> dict[str, list[dict]]:
    """For each programme that is not zero somewhere: the ranges of the swept value where it is not zero,
    `[{"from", "to", "max"}]` (contiguous runs of points; `max` the largest absolute household amount there)."""
    if not points:
        return {}
    names = names if names is not None else [k for k in points[0] if k not in (
        "value", "marginal_effective_tax_rate", *TOTALS)]
    out: dict[str, list[dict]] = {}
    for name in names:
        runs, current = [], None
        for point in points:
            amount = point.get(name) or 0.0
            if amount != 0:
                if current is None:
                    current = {"from": point["value"], "to": point["value"], "max": amount}
                current["to"] = point["value"]
                if abs(amount) > abs(current["max"]):
                    current["max"] = amount
            elif current is not None:
                runs.append(current)
                current = None
        if current is not None:
            runs.append(current)
        if runs:
            out[name] = runs
    return out
