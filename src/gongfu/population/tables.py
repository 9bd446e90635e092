"""Targets, assumptions and fitted parameters of the population, loaded once into numpy tables.

Three YAML files in this package feed the generator:

* ``targets.yaml`` -- official figures copied from ``shared/data/china`` (each with its key path there);
* ``assumptions.yaml`` -- unsourced modelling assumptions (shapes inside the cells the targets pin down);
* ``generator.yaml`` -- the generator's other constants (top-income tail, survey coverage, oversampling design,
  property-income amounts, IIT-base inputs), each with value, unit, status and source or reason, checked on load;
* ``fitted.yaml`` -- parameters fitted offline by ``python -m gongfu.population.fit`` (raking multipliers,
  scale factors, income levels, take-up rates), stamped with the hash of the targets they were fitted to.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from gongfu.engine.geography import CODES, PROVINCES

HERE = Path(__file__).parent
N_PROV = len(PROVINCES)
MUNICIPALITIES = (11, 12, 31, 50)
TYPE_NAMES = ("single", "couple", "nuclear", "lone_parent", "three_generation", "couple_with_parents",
              "skipped_generation")
GROUPS = ("urban_hukou_urban", "rural_hukou_urban", "rural")  # hukou/residence groups used by the tables
MIN_AGE_HEAD, MAX_AGE = 18, 100


@lru_cache(maxsize=8)
def _read_yaml_cached(name: str) -> str:
    return json.dumps(yaml.safe_load(resources.files("gongfu.population").joinpath(name).read_text(encoding="utf-8")))


def _read_yaml(name: str) -> dict[str, Any]:
    return json.loads(_read_yaml_cached(name))  # a fresh copy each call: callers may mutate it


def load_targets() -> dict[str, Any]:
    """The calibration targets (``targets.yaml``) as a dict."""
    return _read_yaml("targets.yaml")


def load_assumptions() -> dict[str, Any]:
    return _read_yaml("assumptions.yaml")


class GeneratorFileError(ValueError):
    """generator.yaml has an entry without value, unit, status or source/reason, or a value out of range."""


GENERATOR_STATUSES = ("found", "derived", "assumption", "fallback")
#: allowed range of each numeric entry of generator.yaml (section.entry -> (low, high), inclusive)
GENERATOR_RANGES: dict[str, tuple[float, float]] = {
    "top_incomes.tail_share": (0.001, 0.5), "top_incomes.alpha_start": (1.05, 10.0),
    "top_incomes.alpha_bounds": (1.05, 10.0), "survey_coverage.missing_population_share": (0.0, 0.2),
    "survey_coverage.missing_income_share": (0.0, 0.5), "oversampling.top_share": (0.0001, 0.5),
    "oversampling.factor": (1.0, 1000.0), "oversampling.top_rank_power": (0.0, 0.95),
    "oversampling.richest_rank_share": (1e-15, 1e-3), "oversampling.migrant_factor": (1.0, 10.0),
    "oversampling.migrant_cap": (0.0, 0.95), "oversampling.migrant_elderly_factor": (1.0, 10.0),
    "oversampling.province_factor": (1.0, 20.0), "property_income.interest_per_unit": (0.0, 1e7),
    "property_income.dividend_per_unit": (0.0, 1e7), "property_income.rental_per_unit": (0.0, 1e7),
    "housing.floor_area_sigma": (0.0, 2.0), "housing_fund.member_prior": (0.0, 1.0),
}


def check_generator(g: dict[str, Any], where: str = "generator.yaml") -> dict[str, Any]:
    """Validate generator.yaml (every entry: value, unit, status, source or reason; values in range); returns the
    values as ``{section: {entry: value}}``. Raises GeneratorFileError naming the entry."""
    out: dict[str, dict[str, Any]] = {}
    for section, entries in g.items():
        if not isinstance(entries, dict):
            raise GeneratorFileError(f"{where}: {section}: expected a mapping of entries")
        out[section] = {}
        for name, e in entries.items():
            at = f"{where}: {section}.{name}"
            if not isinstance(e, dict) or "value" not in e:
                raise GeneratorFileError(f"{at}: missing 'value'")
            for key in ("unit", "status"):
                if not e.get(key):
                    raise GeneratorFileError(f"{at}: missing '{key}'")
            if e["status"] not in GENERATOR_STATUSES:
                raise GeneratorFileError(f"{at}: status {e['status']!r} not one of {', '.join(GENERATOR_STATUSES)}")
            if not (e.get("source") or e.get("reason")):
                raise GeneratorFileError(f"{at}: needs a 'source' (found, derived) or a 'reason' (assumption, fallback)")
            v = e["value"]
            nums = list(v.values()) if isinstance(v, dict) else (list(v) if isinstance(v, list) else [v])
            lo, hi = GENERATOR_RANGES.get(f"{section}.{name}", (0.0, float("inf")))
            for x in nums:
                if isinstance(x, bool) or not isinstance(x, (int, float)) or not (lo <= float(x) <= hi):
                    raise GeneratorFileError(f"{at}: value {x!r} outside the allowed range [{lo}, {hi}]")
            out[section][name] = v
    top = out.get("top_incomes", {})
    if "alpha_bounds" in top and not top["alpha_bounds"][0] <= top.get("alpha_start", top["alpha_bounds"][0]) <= \
            top["alpha_bounds"][1]:
        raise GeneratorFileError(f"{where}: top_incomes.alpha_start {top['alpha_start']} outside alpha_bounds")
    ov = out.get("oversampling", {})
    if ov and ov["factor"] * ov["top_share"] >= 1:
        raise GeneratorFileError(f"{where}: oversampling.factor x top_share = {ov['factor'] * ov['top_share']} must be < 1")
    if ov and top and ov["top_share"] > top["tail_share"]:
        raise GeneratorFileError(f"{where}: oversampling.top_share must lie inside top_incomes.tail_share")
    return out


def load_generator() -> dict[str, Any]:
    """generator.yaml, checked (:func:`check_generator`), as ``{section: {entry: value}}``."""
    return check_generator(_read_yaml("generator.yaml"))


def digest(obj: Any) -> str:
    """A stable short hash (sha256, 16 hex digits) of a YAML/JSON-like object."""
    text = json.dumps(obj, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@lru_cache(maxsize=1)
def targets_hash() -> str:
    """Hash of ``targets.yaml`` content: stamped into fitted.yaml and every Parquet file."""
    return digest(load_targets())


@lru_cache(maxsize=1)
def assumptions_hash() -> str:
    """Hash of assumptions.yaml and generator.yaml together (stamped into fitted.yaml)."""
    return digest({"assumptions": load_assumptions(), "generator": _read_yaml("generator.yaml")})


def default_fitted() -> dict[str, Any]:
    """Neutral fitted parameters (no raking, unit scales): used before any fit and as the fit's start."""
    return {
        "raking": {"columns": [], "lambda": []},
        "scales": {
            "cross_province": None, "rural_local_hukou": 0.26, "skipped_generation_rural": 1.0,
            "disability_level": 0.08, "severe_share": 0.296, "employee_pensioner": 1.0,
            "resident_elderly": 1.0, "employee_member": 1.0, "resident_member": 1.0,
            "no_supporter_share": 0.3, "expected_size_urban": 2.62, "expected_size_rural": 2.62,
            "rural_hukou_nonfarm": 1.0, "retiree_years": 1.0, "housing_fund_member": 1.0,
        },
        "income": {"level_urban": 0.0, "level_rural": 0.0, "sigma_urban": 1.0, "sigma_rural": 1.0,
                   "business_scale_urban": 1.0, "business_scale_rural": 1.0, "property_scale_urban": 1.0,
                   "property_scale_rural": 1.0, "private_level_urban": 5000.0, "private_level_rural": 5000.0,
                   "migrant_shift": 0.0,
                   "province_elasticity": float(load_assumptions()["income"]["province_elasticity"]),
                   "tail_alpha": float(load_generator()["top_incomes"]["alpha_start"])},
        "takeup": {"dibao_urban": 1.0, "dibao_rural": 1.0, "tekun": 1.0},
    }


def load_fitted(path: str | Path | None = None) -> dict[str, Any]:
    """fitted.yaml merged over :func:`default_fitted` (missing keys keep their neutral value)."""
    p = Path(path) if path else HERE / "fitted.yaml"
    base = default_fitted()
    if p.exists():
        data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        for key, val in data.items():
            if isinstance(val, dict) and isinstance(base.get(key), dict):
                base[key] = {**base[key], **val}
            else:
                base[key] = val
    return base


def _cdf(p: np.ndarray) -> np.ndarray:
    """Cumulative rows of a probability table, last column forced to exactly 1."""
    p = np.asarray(p, dtype=np.float64)
    p = p / p.sum(axis=-1, keepdims=True)
    c = np.cumsum(p, axis=-1)
    c[..., -1] = 1.0
    return c


def _mixture_pmf(components: list[list[float]], ages: np.ndarray) -> np.ndarray:
    out = np.zeros(len(ages))
    for w, m, s in components:
        out += w * np.exp(-0.5 * ((ages - m) / s) ** 2) / s
    return out / out.sum()


@dataclass
class Model:
    """Every table the generator reads, as arrays (built once by :func:`model`)."""

    # province tables (index 0..30 in geography.PROVINCES order)
    pop: np.ndarray               # persons, 2024
    urban_share: np.ndarray
    age65_share: np.ndarray
    income_index: np.ndarray      # province income 2023 / national 2023
    income_2024: np.ndarray       # yuan, uprated
    # household structure
    type_cdf: np.ndarray          # [2 (area), 7]
    head_age_cdf: np.ndarray      # [7, ages]
    head_male: np.ndarray         # [7]
    spouse_p: np.ndarray          # [7]
    child_cdf: np.ndarray         # [7*2, 3]: row = type*2 + area -> 1, 2, 3 children
    has_children: np.ndarray      # [7] bool
    # hukou
    cross_rate: np.ndarray        # [31] probability a given urban household head is a cross-province migrant
    origin_cdf: np.ndarray        # [31, 31] origin province given destination (row), destination excluded
    # employment
    emp_cdf: np.ndarray           # [3 bands * 3 groups * 2 sexes, 6]
    # raw dicts
    a: dict[str, Any] = field(repr=False, default_factory=dict)
    g: dict[str, Any] = field(repr=False, default_factory=dict)  # generator.yaml values
    f: dict[str, Any] = field(repr=False, default_factory=dict)
    t: dict[str, Any] = field(repr=False, default_factory=dict)
    fitted_hash: str = ""

    @property
    def raking(self) -> tuple[list[str], np.ndarray]:
        r = self.f.get("raking") or {}
        return list(r.get("columns") or []), np.asarray(r.get("lambda") or [], dtype=np.float64)


def province_inputs(t: dict[str, Any]) -> dict[str, np.ndarray]:
    rows = t["provinces"]["values"]
    arr = np.array([[rows[p.key][i] for i in range(4)] for p in PROVINCES], dtype=np.float64)
    nat2023 = 39218.0  # calibration.yaml income.per_capita_disposable_income.2023.total
    return {
        "pop": arr[:, 0] * 1e4, "urban_share": arr[:, 1] / 100, "age65_share": arr[:, 2] / 100,
        "income_index": arr[:, 3] / nat2023, "income_2024": arr[:, 3] * t["provinces"]["income_2024_uprate"],
        "income_source": np.array([rows[p.key][4] for p in PROVINCES]),
    }


def inflow_targets(t: dict[str, Any], pv: dict[str, np.ndarray]) -> np.ndarray:
    """Cross-province inflow (persons) by destination province: known rows, the rest shared out (assumption
    in targets.yaml cross_province_inflow.note)."""
    c = t["cross_province_inflow"]
    total = t["national"]["cross_province_migrants"]["value"]
    keys = [p.key for p in PROVINCES]
    out = np.full(N_PROV, np.nan)
    for k, v in {**c["values"], **c["small"]}.items():
        out[keys.index(k)] = v * 1e4
    rest = np.isnan(out)
    share = pv["pop"] * pv["urban_share"] * pv["income_index"]
    share = np.where(rest, share, 0.0)
    out[rest] = 0.0
    out += (total - out.sum()) * share / share.sum()
    for k, v in c["lower_bounds"].items():  # keep the two lower bounds, taking the difference from the others
        i = keys.index(k)
        if out[i] < v * 1e4:
            others = rest.copy()
            others[[keys.index(x) for x in c["lower_bounds"]]] = False
            gap = v * 1e4 - out[i]
            out[i] = v * 1e4
            out[others] -= gap * out[others] / out[others].sum()
    return out


@lru_cache(maxsize=8)
def _model_cached(fitted_path: str) -> Model:
    return build_model(load_fitted(fitted_path or None))


def model(fitted: dict[str, Any] | None = None, fitted_path: str | None = None) -> Model:
    """The generator's tables. With ``fitted`` given (as the fit does), builds afresh; else cached."""
    if fitted is not None:
        return build_model(fitted)
    return _model_cached(str(fitted_path or ""))


def build_model(f: dict[str, Any]) -> Model:
    t, a, gen = load_targets(), load_assumptions(), load_generator()
    pv = province_inputs(t)
    ht = a["household_types"]
    prior = np.array([ht["prior"]["rural"], ht["prior"]["urban"]], dtype=np.float64)
    prior[0, 6] *= float(f["scales"]["skipped_generation_rural"])
    ages = np.arange(MIN_AGE_HEAD, MAX_AGE + 1, dtype=np.float64)
    head_pmf = np.array([_mixture_pmf(ht["head_age"][n], ages) for n in TYPE_NAMES])
    child_p = np.zeros((7 * 2, 3))
    child_p[:, 0] = 1.0
    has_children = np.zeros(7, dtype=bool)
    for name, d in ht["children"].items():
        ti = TYPE_NAMES.index(name)
        has_children[ti] = True
        child_p[ti * 2 + 0] = d["rural"]
        child_p[ti * 2 + 1] = d["urban"]
    child_p = child_p + 1e-12  # keep rows with a zero share valid for the cdf
    # hukou: cross-province rates per destination
    urban_pop = pv["pop"] * pv["urban_share"]
    cross = f["scales"].get("cross_province")
    if cross is None:
        cross = inflow_targets(t, pv) / urban_pop
    cross = np.clip(np.asarray(cross, dtype=np.float64), 0.0, 0.95)
    rural_pop = pv["pop"] * (1 - pv["urban_share"])
    w = rural_pop * (1.0 / pv["income_index"]) ** a["hukou"]["origin_income_exponent"]
    origin = np.tile(w, (N_PROV, 1))
    np.fill_diagonal(origin, 0.0)
    # employment rows: band (16-24, 25-49, 50+) x group x sex
    e = a["employment"]
    rows = []
    for band in range(3):
        table = e["age_50_plus"] if band == 2 else e["age_16_49"]
        for g in GROUPS:
            for sex in ("male", "female"):
                p = np.array(table[g][sex], dtype=np.float64)
                if band == 0:
                    p[5] *= e["young_unemployment_factor"]
                if g != "urban_hukou_urban":  # off-farm work of rural-hukou persons (fitted: migrant workers)
                    p[[1, 2, 4]] *= float(f["scales"]["rural_hukou_nonfarm"])
                rows.append(p)
    return Model(
        pop=pv["pop"], urban_share=pv["urban_share"], age65_share=pv["age65_share"],
        income_index=pv["income_index"], income_2024=pv["income_2024"],
        type_cdf=_cdf(prior), head_age_cdf=_cdf(head_pmf),
        head_male=np.array(ht["head_male"], dtype=np.float64), spouse_p=np.array(ht["spouse"], dtype=np.float64),
        child_cdf=_cdf(child_p), has_children=has_children,
        cross_rate=cross, origin_cdf=_cdf(origin), emp_cdf=_cdf(np.array(rows)),
        a=a, g=gen, f=f, t=t, fitted_hash=digest(f),
    )


__all__ = ["CODES", "Model", "model", "load_targets", "load_fitted", "load_generator", "targets_hash",
           "default_fitted", "GeneratorFileError"]
