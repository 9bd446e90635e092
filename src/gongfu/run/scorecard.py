"""The scorecard of a run: each province (and the nation) against Zhejiang's 2025 common-prosperity targets, read
from gongfu/data/zhejiang_targets.yaml (value, unit, year and source of each target)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

import gongfu.run.layout as L
from gongfu.engine.geography import PROVINCES
from gongfu.exact import limbs_to_float

from .data import DataError, figure, load, node
from .sums import Sums
from .sums import json_float as _f
from .sums import ratio as _ratio


def _zhejiang() -> tuple[dict[str, tuple[str, float]], str, dict[str, str]]:
    """Zhejiang's 2025 common-prosperity targets the model can measure (comparison, value; shares as fractions),
    the document they come from and the targets not measured, from gongfu/data/zhejiang_targets.yaml."""
    name = "zhejiang_targets.yaml"
    d = load(name)
    targets = {}
    for key in node(d, name, "targets"):
        comparison = node(d, name, "targets", key, "comparison")
        if comparison not in (">=", "<"):
            raise DataError(f"zhejiang_targets.yaml: targets.{key}.comparison must be '>=' or '<', not {comparison!r}")
        targets[key] = (comparison, figure(d, name, "targets", key))
    return targets, str(node(d, name, "document")), {k: str(v) for k, v in node(d, name, "not_measured").items()}


ZHEJIANG_TARGETS, ZHEJIANG_SOURCE, NOT_MEASURED = _zhejiang()


def scorecard(sums: Sums, system: str, groups: dict[str, Any], persons: float, households: float,
              layout: Mapping[str, Any]) -> dict[str, Any]:
    """Each province (and the nation) against Zhejiang's 2025 common-prosperity targets."""
    bands = [b[0] for b in layout["bands"]]
    hh_by_prov = sums.by("province", L.population("households"))

    def share(band: str, grouping: str) -> np.ndarray | float:
        col = L.band(system, band, "households")
        if band not in bands:
            return np.full(len(PROVINCES), np.nan) if grouping == "province" else float("nan")
        if grouping == "province":
            return sums.by("province", col) / np.where(hh_by_prov > 0, hh_by_prov, np.nan)
        return sums.national(col) / households

    s100 = share("100k_500k", "province")
    s200 = share("200k_600k", "province")
    area_w = sums.by("province", L.population("persons"))

    def entry(indicator: str, value: float | None) -> dict[str, Any]:
        comp, target = ZHEJIANG_TARGETS[indicator]
        met = None if value is None else (value >= target if comp == ">=" else value < target)
        return {"value": value, "target": target, "comparison": comp, "met": met}

    out: dict[str, Any] = {}
    urban_means = _area_means(sums, system)
    for i, p in enumerate(PROVINCES):
        if area_w[i] <= 0:
            continue
        row = groups["province"].get(p.key, {})
        u, r = urban_means[i]
        out[p.key] = {
            "per_capita_disposable_income": entry("per_capita_disposable_income", row.get("mean_disposable_pc")),
            "urban_rural_income_ratio": entry("urban_rural_income_ratio", _ratio(u, r) if r else None),
            "households_disposable_income_100k_500k_share": entry(
                "households_disposable_income_100k_500k_share", _f(s100[i])),
            "households_disposable_income_200k_600k_share": entry(
                "households_disposable_income_200k_600k_share", _f(s200[i])),
        }
    area = groups["area"]
    out["national"] = {
        "per_capita_disposable_income": entry(
            "per_capita_disposable_income", _ratio(sums.national(L.income(system, "disposable")), persons)),
        "urban_rural_income_ratio": entry("urban_rural_income_ratio", _ratio(
            area.get("urban", {}).get("mean_disposable_pc") or 0.0,
            area.get("rural", {}).get("mean_disposable_pc") or 0.0)),
        "households_disposable_income_100k_500k_share": entry(
            "households_disposable_income_100k_500k_share", _f(share("100k_500k", "national"))),
        "households_disposable_income_200k_600k_share": entry(
            "households_disposable_income_200k_600k_share", _f(share("200k_600k", "national"))),
    }
    return out


def scorecard_targets() -> dict[str, Any]:
    """The targets of the scorecard, their source and the targets the model cannot measure."""
    return {"targets": {k: {"comparison": c, "target": t} for k, (c, t) in ZHEJIANG_TARGETS.items()},
            "document": ZHEJIANG_SOURCE, "not_measured": NOT_MEASURED}


def _area_means(sums: Sums, system: str) -> list[tuple[float, float]]:
    """(urban, rural) mean per-capita disposable income of each province (by residence)."""
    w = limbs_to_float(sums.limbs(L.population("persons")))
    y = limbs_to_float(sums.limbs(L.income(system, "disposable")))
    out = []
    for i in range(len(PROVINCES)):
        r = y[2 * i] / w[2 * i] if w[2 * i] > 0 else 0.0
        u = y[2 * i + 1] / w[2 * i + 1] if w[2 * i + 1] > 0 else 0.0
        out.append((u, r))
    return out


SCORECARD_ROWS = ("national", "zhejiang")


def _later_targets() -> dict[int, dict[str, tuple[str, float]]]:
    """Targets of years after 2025 (zhejiang_targets.yaml, targets_by_year; 2027: two targets only)."""
    name = "zhejiang_targets.yaml"
    d = load(name)
    out: dict[int, dict[str, tuple[str, float]]] = {}
    for year, targets in (d.get("targets_by_year") or {}).items():
        out[int(year)] = {}
        for key in targets:
            comparison = node(d, name, "targets_by_year", year, key, "comparison")
            if comparison not in (">=", ">", "<"):
                raise DataError(f"{name}: targets_by_year.{year}.{key}.comparison must be '>=', '>' or '<', not "
                                f"{comparison!r}")
            out[int(year)][key] = (comparison, float(figure(d, name, "targets_by_year", year, key)))
    return out


TARGETS_BY_YEAR: dict[int, dict[str, tuple[str, float]]] = {2025: ZHEJIANG_TARGETS, **_later_targets()}


def _met(comparison: str, value: float | None, target: float) -> bool | None:
    if value is None:
        return None
    return value >= target if comparison == ">=" else value > target if comparison == ">" else value < target


def year_scorecard(cmp: Mapping[str, Any], year: int) -> dict[str, Any] | None:
    """The scorecard of one year of a budget window against that year's Zhejiang targets (2025: the plan's four
    measurable targets; 2027: the two in the data), baseline and reform, the nation and Zhejiang; None for a year
    with no target in the data. The values are the run's own scorecard values (`scorecard` above)."""
    targets = TARGETS_BY_YEAR.get(year)
    if not targets:
        return None
    out: dict[str, Any] = {"year": year, "rows": {}}
    for system in ("baseline", "reform"):
        card = (cmp.get(system) or {}).get("scorecard") or {}
        for row in SCORECARD_ROWS:
            for key, (comparison, target) in targets.items():
                value = ((card.get(row) or {}).get(key) or {}).get("value")
                out["rows"].setdefault(row, {}).setdefault(key, {"target": target, "comparison": comparison})
                out["rows"][row][key][system] = value
                out["rows"][row][key][f"{system}_met"] = _met(comparison, value, target)
    out["not_in_data"] = sorted(set(ZHEJIANG_TARGETS) - set(targets))
    return out


def window_scorecard_note(years: list[int]) -> str:
    """Which years of a window have Zhejiang targets in the data (and that the others have none)."""
    have = [y for y in years if y in TARGETS_BY_YEAR]
    missing = [y for y in (2025, 2027) if y in years and y not in TARGETS_BY_YEAR]
    text = (f"Zhejiang scorecard for {', '.join(map(str, have))} (targets of those years in gongfu/data/"
            "zhejiang_targets.yaml)" if have else "no year of the window has Zhejiang targets in the data")
    if 2027 in TARGETS_BY_YEAR and 2027 in years:
        text += ("; 2027: only per-capita disposable income (>85,000 yuan) and the urban-rural ratio (<1.9) have "
                 "targets in the data, the household-band shares have none")
    if missing:
        text += f"; no targets in the data for {', '.join(map(str, missing))}"
    return text
