"""A realistic, internally consistent fake of the run-results contract (docs/ARCHITECTURE.md, "Run results").

Used to test the faces (report, CLI rendering, API) without running the population. Every key of the contract
is present; numbers are plausible for China 2025 but *invented for the test* (they are not calibration figures).
Lorenz curves are those of log-normal incomes, whose Gini is 2·Φ(σ/√2) − 1, so curves and Ginis agree.
"""

from __future__ import annotations

import math
from statistics import NormalDist

from gongfu.engine.geography import PROVINCES, REGIONS

N = NormalDist()
PERSONS = 1_408_280_000.0
HOUSEHOLDS = 494_000_000.0

PROGRAMMES = {  # variable: (role, tier, entity, en, zh, baseline total yuan, recipients)
    "individual_income_tax": ("tax", "secondary", "person", "Individual income tax", "个人所得税", 1.45e12, 7.2e7),
    "social_insurance_contributions": ("contribution", "secondary", "person",
                                       "Social-insurance contributions (personal)", "个人缴纳的社会保险费",
                                       2.9e12, 6.1e8),
    "employee_pension": ("benefit", "secondary", "person", "Employee basic pension", "城镇职工基本养老金",
                         6.3e12, 1.42e8),
    "resident_pension": ("benefit", "secondary", "person", "Resident basic pension", "城乡居民基本养老金",
                         3.9e11, 1.71e8),
    "dibao": ("benefit", "secondary", "household", "Dibao (minimum living guarantee)", "最低生活保障金",
              1.5e11, 4.0e7),
    "tekun": ("benefit", "secondary", "household", "Tekun support (extreme poverty)", "特困人员救助供养金",
              5.2e10, 4.7e6),
    "childcare_subsidy": ("benefit", "secondary", "person", "Childcare subsidy", "育儿补贴", 9.0e10, 2.5e7),
}


def _sigma(gini: float) -> float:
    return math.sqrt(2.0) * N.inv_cdf((gini + 1.0) / 2.0)


def _lorenz(gini: float, points: int = 21) -> list[list[float]]:
    s = _sigma(gini)
    out = [[0.0, 0.0]]
    for i in range(1, points - 1):
        p = i / (points - 1)
        out.append([p, N.cdf(N.inv_cdf(p) - s)])
    return out + [[1.0, 1.0]]


def _quantile_means(mean: float, gini: float, n: int) -> list[float]:
    """Mean of each n-tile of a log-normal with this mean and Gini (from the Lorenz curve)."""
    s = _sigma(gini)
    lorenz = [0.0] + [N.cdf(N.inv_cdf(i / n) - s) for i in range(1, n)] + [1.0]
    return [mean * n * (lorenz[i + 1] - lorenz[i]) for i in range(n)]


def _concept(mean: float, gini: float) -> dict:
    s = _sigma(gini)
    deciles = _quantile_means(mean, gini, 10)
    median = mean * math.exp(-s * s / 2)
    return {"mean": mean, "median": median, "gini": gini, "theil_t": s * s / 2, "theil_l": s * s / 2,
            "palma": deciles[9] / sum(deciles[:4]) * 4 / 1, "p90_p10": math.exp(2 * 1.2816 * s),
            "top10_share": deciles[9] / (10 * mean), "top1_share": 1 - N.cdf(N.inv_cdf(0.99) - s),
            "quintile_means": _quantile_means(mean, gini, 5), "decile_means": deciles,
            "high_low_ratio": _quantile_means(mean, gini, 5)[4] / _quantile_means(mean, gini, 5)[0],
            "lorenz": _lorenz(gini)}


def results(system: str = "baseline", uplift: float = 0.0, dibao_factor: float = 1.0) -> dict:
    """One run's results. `uplift` raises mean disposable income (per capita, yuan) in poorer provinces."""
    programmes = {}
    for var, (role, tier, entity, en, zh, total, recipients) in PROGRAMMES.items():
        factor = dibao_factor if var == "dibao" else 1.0
        programmes[var] = {"total": total * factor, "recipients": recipients * (factor if factor > 1 else 1),
                           "role": role, "tier": tier, "entity": entity, "label": {"en": en, "zh": zh}}
    disp_mean = 41_314.0 + uplift
    gini_disp = 0.465 - uplift / 40_000
    income = {"market": _concept(44_800.0, 0.52), "net_market": _concept(41_950.0, 0.505),
              "disposable": _concept(disp_mean, gini_disp), "after_philanthropy": _concept(disp_mean + 60.0,
                                                                                           gini_disp - 0.001)}
    provinces = {}
    for i, p in enumerate(PROVINCES):
        base = 26_000.0 + 1_900.0 * ((i * 7) % 31) + (40_000.0 if p.key in ("beijing", "shanghai") else 0.0)
        bump = uplift * 2.0 if base < 40_000 else uplift * 0.3
        persons = PERSONS * (0.01 + 0.0025 * ((i * 5) % 11)) / 1.0
        provinces[p.key] = {"persons": persons, "households": persons / 2.85, "mean_disposable_pc": base + bump,
                            "mean_market_pc": base * 1.08,
                            "programmes": {v: programmes[v]["total"] / 31 for v in programmes}}
    groups = {
        "province": provinces,
        "area": {"urban": {"persons": PERSONS * 0.67, "households": HOUSEHOLDS * 0.66,
                           "mean_disposable_pc": 50_100.0 + uplift * 0.4, "mean_market_pc": 55_000.0,
                           "programmes": {v: programmes[v]["total"] * 0.7 for v in programmes}},
                 "rural": {"persons": PERSONS * 0.33, "households": HOUSEHOLDS * 0.34,
                           "mean_disposable_pc": 23_500.0 + uplift * 2.2, "mean_market_pc": 21_000.0,
                           "programmes": {v: programmes[v]["total"] * 0.3 for v in programmes}}},
        "hukou_type": {"urban": {"persons": PERSONS * 0.45, "households": HOUSEHOLDS * 0.45,
                                 "mean_disposable_pc": 53_000.0, "mean_market_pc": 58_000.0, "programmes": {}},
                       "rural": {"persons": PERSONS * 0.55, "households": HOUSEHOLDS * 0.55,
                                 "mean_disposable_pc": 31_800.0 + uplift, "mean_market_pc": 31_000.0,
                                 "programmes": {}}},
        "region": {r: {"persons": PERSONS / 4, "households": HOUSEHOLDS / 4,
                       "mean_disposable_pc": 36_000.0 + 4_000 * (3 - k) + uplift, "mean_market_pc": 38_000.0,
                       "programmes": {}} for k, r in enumerate(REGIONS)},
    }
    urban_rural = groups["area"]["urban"]["mean_disposable_pc"] / groups["area"]["rural"]["mean_disposable_pc"]
    decomposition = {g: {"total": 0.36, "between": 0.08, "within": 0.28,
                         "groups": {k: {"share_pop": v["persons"] / PERSONS, "share_income": 0.5, "theil": 0.3}
                                    for k, v in groups[g].items()}} for g in groups}
    poverty = {
        "relative_40_median": {"line": 13_900.0, "kind": "relative", "source": "40% of median disposable income",
                               "headcount": 0.118 - uplift / 20_000, "gap": 0.035, "severity": 0.016,
                               "by_group": {"area": {"urban": 0.05, "rural": 0.25 - uplift / 10_000}}},
        "world_bank_6_85": {"line": 9_000.0, "kind": "absolute",
                            "source": "World Bank USD 6.85/day (2017 PPP), converted",
                            "headcount": 0.052 - uplift / 40_000, "gap": 0.013, "severity": 0.006,
                            "by_group": {"area": {"urban": 0.02, "rural": 0.115}}},
    }
    return {
        "meta": {"gongfu_version": "0.1.0", "created": "2025-06-01T12:00:00+00:00", "year": 2025,
                 "system": system,
                 "reform": None if system == "baseline" else {"name": system, "file": f"{system}.yaml",
                                                              "sha256": "ab" * 32},
                 "population": {"source": "generated", "seed": 7, "fingerprint": "f00dfeed" * 8,
                                "households_sampled": 20_000, "persons_sampled": 57_000},
                 "partitions": 4, "workers": 2, "backend": "local", "exactness": {"gini": 1e-4}},
        "year": 2025,
        "population": {"persons": PERSONS, "households": HOUSEHOLDS},
        "gini": gini_disp,
        "urban_rural_ratio": urban_rural,
        "programmes": programmes,
        "income": income,
        "theil_decomposition": decomposition,
        "poverty": poverty,
        "gaps": {"urban_rural_ratio": urban_rural, "east_west_ratio": 1.63, "max_min_province_ratio": 3.4,
                 "middle_income_share": 0.31},
        "groups": groups,
        "incidence": {
            "stages": [{"concept": c, "mean": income[c]["mean"], "gini": income[c]["gini"]}
                       for c in ("market", "net_market", "disposable", "after_philanthropy")],
            "programmes": {v: {"kakwani": (0.25 if programmes[v]["role"] != "benefit" else -0.6),
                               "reynolds_smolensky": 0.004 if v != "employee_pension" else -0.002,
                               "concentration": 0.7 if programmes[v]["role"] != "benefit" else -0.1}
                           for v in programmes}},
        "scorecard": {
            "zhejiang": {"per_capita_disposable_income": {"value": 71_300.0, "target": 75_000.0, "met": False},
                         "urban_rural_income_ratio": {"value": 1.86, "target": 1.9, "met": True},
                         "households_disposable_income_100k_500k_share": {"value": 0.74, "target": 0.80,
                                                                          "met": False}},
            "national": {"per_capita_disposable_income": {"value": disp_mean, "target": 75_000.0, "met": False},
                         "urban_rural_income_ratio": {"value": urban_rural, "target": 1.9,
                                                      "met": urban_rural < 1.9}}},
    }


def compare() -> dict:
    """A compare dict: doubled dibao plus a poorer-province uplift; the waterfall sums to the total change."""
    base = results()
    reform = results("double_dibao", uplift=180.0, dibao_factor=2.0)
    total_change = (reform["income"]["disposable"]["mean"] - base["income"]["disposable"]["mean"]) * PERSONS
    dibao = reform["programmes"]["dibao"]["total"] - base["programmes"]["dibao"]["total"]
    iit = -3.0e9
    waterfall = [{"variable": "dibao", "change": dibao}, {"variable": "individual_income_tax", "change": iit},
                 {"variable": "market_income", "change": total_change - dibao - iit}]
    deciles = [{"decile": d + 1, "mean_change": 900.0 / (d + 1), "pct_change": 0.08 / (d + 1) ** 1.5}
               for d in range(10)]
    return {"baseline": base, "reform": reform,
            "change": {"gini": reform["gini"] - base["gini"],
                       "urban_rural_ratio": reform["urban_rural_ratio"] - base["urban_rural_ratio"],
                       "disposable_income": total_change},
            "net_cost": dibao - iit,
            "waterfall": waterfall, "deciles": deciles,
            "winners_losers": {"gain_over_1pct": 0.06, "gain_over_5pct": 0.03, "lose_over_1pct": 0.004,
                               "lose_over_5pct": 0.001, "no_change": 0.90},
            "by_group": {"area": {"urban": {"mean_change": 72.0}, "rural": {"mean_change": 396.0}}}}
