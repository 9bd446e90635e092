"""The benchmark rule set (SPEC.md) as plain hand-written numpy: the reference both engines are checked against,
and the "no engine at all" line of the comparison. Reads bench/ruleset/parameters/bench.yaml with pyyaml only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from .provinces import CODES, KEYS

PARAMETERS_FILE = Path(__file__).resolve().parent / "parameters" / "bench.yaml"


@dataclass(frozen=True)
class Params:
    average_wage: np.ndarray  # [128] by GB/T code
    base_floor: float
    base_ceiling: float
    employee_rate: float
    basic_deduction: float
    thresholds: np.ndarray
    rates: np.ndarray
    dibao_standard: np.ndarray  # [128, 2] by code, area (0 rural, 1 urban)


def _in_force(values: dict, year: int):
    dates = sorted(d for d in values if str(d) <= f"{year}-01-01")
    return values[dates[-1]]


def load_params(year: int = 2025, path: Path = PARAMETERS_FILE) -> Params:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    aw_raw = _in_force(data["average_wage"]["values"], year)
    aw = np.full(128, np.nan)
    for code, key in zip(CODES, KEYS, strict=True):
        aw[code] = aw_raw.get(key, aw_raw["_default"])
    std_raw = _in_force(data["dibao"]["standard"]["values"], year)
    std = np.full((128, 2), np.nan)
    for code, key in zip(CODES, KEYS, strict=True):
        cell = std_raw.get(key, std_raw["_default"])
        std[code] = (cell["rural"], cell["urban"]) if isinstance(cell, dict) else (cell, cell)
    c, iit = data["contributions"], data["iit"]
    scale = _in_force(iit["schedule"]["values"], year)
    return Params(
        average_wage=aw,
        base_floor=float(_in_force(c["base_floor"]["values"], year)),
        base_ceiling=float(_in_force(c["base_ceiling"]["values"], year)),
        employee_rate=float(_in_force(c["employee_rate"]["values"], year)),
        basic_deduction=float(_in_force(iit["basic_deduction"]["values"], year)),
        thresholds=np.array(scale["thresholds"], dtype=np.float64),
        rates=np.array(scale["rates"], dtype=np.float64),
        dibao_standard=std,
    )


def marginal_tax(base: np.ndarray, thresholds: np.ndarray, rates: np.ndarray) -> np.ndarray:
    """Σ rate_i × (min(base, t_{i+1}) − t_i)⁺ — the schedule applied bracket by bracket."""
    tax = np.zeros_like(base)
    upper = np.append(thresholds[1:], np.inf)
    for lo, hi, rate in zip(thresholds, upper, rates, strict=True):
        tax += rate * np.clip(base, lo, hi) - rate * lo
    return tax


def compute(p: Params, wage: np.ndarray, person_household: np.ndarray, province: np.ndarray,
            area: np.ndarray) -> dict[str, np.ndarray]:
    """Contributions and tax per person, dibao per household. `person_household` = household row (0..nh-1),
    persons grouped by household."""
    aw = p.average_wage[province][person_household]
    base = np.where(wage > 0, np.clip(wage, p.base_floor * aw, p.base_ceiling * aw), 0.0)
    contributions = p.employee_rate * base
    taxable = np.maximum(wage - p.basic_deduction - contributions, 0.0)
    tax = marginal_tax(taxable, p.thresholds, p.rates)
    nh = len(province)
    net = np.bincount(person_household, weights=wage - contributions - tax, minlength=nh)
    size = np.bincount(person_household, minlength=nh)
    dibao = np.maximum(12.0 * p.dibao_standard[province, area] * size - net, 0.0)
    return {"individual_income_tax": tax, "social_insurance_contributions": contributions, "dibao": dibao}
