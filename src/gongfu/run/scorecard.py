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
