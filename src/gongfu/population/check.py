"""Compare a population with its calibration targets (targets.yaml).

Each target has a model tolerance ``tol`` (relative; justified in targets.yaml and docs/population.md). A build
is a sample, so the check widens it by ``SE_FACTOR`` = 4 sampling standard errors, estimated by the method of
random groups: households are split into G = 30 groups (household_id mod G), the statistic is computed on each
group (its weights multiplied by G) and SE = sd(group values) / sqrt(G). The effective tolerance is
``tol + 4 * SE / |target|``; a target passes when ``|achieved / target - 1| <= effective tolerance``.
Why 4 and 30: about 160 targets are tested at once, and the SE is itself estimated (G - 1 degrees of freedom).
A target that sits exactly on its model tolerance misses by chance alone with probability P(|t_29| > 4) = 4e-4,
so about 6% for 160 such targets together; with the former 3 SE and 10 groups it was P(|t_9| > 3) = 1.5% each,
91% together, and random seeds of a 100k build failed on small provinces. At full scale the SE vanishes and
only the model tolerance is left.

Two concepts (docs/population.md, "Two concepts"). The NBS figures are survey figures, and the survey misses the
top: they are measured on the population's *survey frame*, the households below the top
``generator.yaml survey_coverage.missing_population_share`` of persons ranked by per-capita disposable income
(Wan and Yu 2023: 0.68%). The State Taxation Administration facts are tax records of individual comprehensive
income: they are measured on the whole population, as bounds (``sta_comprehensive_income``).

Income statistics follow the NBS definitions: the mean is over persons (total income / total persons); the
median is the per-capita income of the middle *household* when households are ranked by per-capita income, and
the five equal groups (quintiles) hold equal numbers of *households*, each group's mean being its total income
divided by its persons (targets.yaml income_median and quintile_means_2023 give the sources). Net transfers are
NBS transfers received minus transfers paid: public benefits + private transfers received - taxes - personal
contributions, per person.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from gongfu.engine.enums import Area, EmploymentStatus, HukouType, PensionScheme, Role
from gongfu.engine.geography import CODE_TO_INDEX, PROVINCES
from gongfu.population.tables import inflow_targets, load_generator, load_targets, province_inputs

ENGINE_VARIABLES = ("per_capita_disposable_income", "dibao", "tekun_recipient", "total_benefits", "total_taxes",
                    "total_contributions", "employee_pension", "iit_comprehensive",
                    "iit_comprehensive_taxable_income", "gross_wages")
#: engine variables added to comprehensive income when the law defines them (issue 11 §1)
OPTIONAL_ENGINE_VARIABLES = ("labour_remuneration",)
QUINTILE_LABELS = ("low", "lower_middle", "middle", "upper_middle", "high")
MILLION = 1_000_000.0
BRACKET_3PCT = 36_000.0  # upper bound of the 3% bracket of the comprehensive schedule (个人所得税法 附表一)
SE_FACTOR = 4.0  # sampling allowance in standard errors (module docstring)
GROUPS = 30  # random groups for the standard errors
FIT_YEAR = 2024  # the year of the income targets: the law in force on 2024-01-01 is applied when fitting


@dataclass
class Row:
    name: str
    target: float
    achieved: float
    tol: float | None
    se: float = 0.0
    unit: str = ""
    group: str = "national"
    lower: float | None = None  # one-sided bounds (STA facts): ok when lower - 4 SE <= achieved <= upper + 4 SE
    upper: float | None = None

    @property
    def rel_error(self) -> float:
        return self.achieved / self.target - 1 if self.target else float("nan")

    @property
    def effective_tol(self) -> float | None:
        if self.tol is None:
            return None
        return self.tol + SE_FACTOR * self.se / abs(self.target)

    @property
    def status(self) -> str:
        if not np.isfinite(self.achieved):
            return "n/a"
        if self.tol is None:
            return "info"
        if self.lower is not None or self.upper is not None:
            allow = SE_FACTOR * self.se + self.tol  # tol: absolute model tolerance of a bound
            ok = ((self.lower is None or self.achieved >= self.lower - allow)
                  and (self.upper is None or self.achieved <= self.upper + allow))
            return "ok" if ok else "MISS"
        return "ok" if abs(self.rel_error) <= self.effective_tol else "MISS"


def engine_outputs(households: dict[str, np.ndarray], persons: dict[str, np.ndarray], year: int = FIT_YEAR,
                   system: Any = None) -> dict[str, np.ndarray]:
    """The engine variables the income and recipient targets need (computed on this population)."""
    from gongfu.engine import load_system

    system = system or load_system()
    sim = system.simulation(households=households, persons=persons, year=year)
    names = [v for v in ENGINE_VARIABLES + OPTIONAL_ENGINE_VARIABLES if v in system.variables]
    return {v: sim.calc(v) for v in names}


def _wquantile(x: np.ndarray, w: np.ndarray, q: np.ndarray | float) -> np.ndarray:
    o = np.argsort(x, kind="stable")
    c = np.cumsum(w[o])
    return x[o][np.minimum(np.searchsorted(c, np.asarray(q) * c[-1]), len(x) - 1)]


def measure(h: dict[str, np.ndarray], p: dict[str, np.ndarray],
            eng: dict[str, np.ndarray] | None = None) -> dict[str, Any]:
    """Achieved values of every target (scalars, province arrays, quintile means)."""
    hidx = np.searchsorted(h["household_id"], p["household_id"])
    wh = h["weight"].astype(np.float64)
    wp = wh[hidx]
    n_h = len(wh)
    size = np.bincount(hidx, minlength=n_h).astype(np.float64)
    persons = wp.sum()
    age = p["age"]
    area_p = h["area"][hidx]
    prov_p = h["province"][hidx]
    st = p["employment_status"]
    rural_hukou = p["hukou_type"] == HukouType.rural
    urban_p = area_p == Area.urban
    cross = p["hukou_province"] != prov_p
    worker = rural_hukou & (age >= 16) & np.isin(st, [EmploymentStatus.employee, EmploymentStatus.self_employed,
                                                       EmploymentStatus.flexible])
    has_child_role = np.bincount(hidx, weights=(p["role"] == Role.child), minlength=n_h) > 0
    lbc = (p["role"] == Role.grandchild) & (age < 16) & ~urban_p & ~has_child_role[hidx]
    grade = p["disability_grade"]
    scheme = p["pension_scheme"]
    s = {
        "population_total": persons,
        "population_urban": wp[urban_p].sum(),
        "share_urban": wp[urban_p].sum() / persons,
        "mean_household_size": persons / wh.sum(),
        "share_age_0_15": wp[age <= 15].sum() / persons,
        "share_age_16_59": wp[(age >= 16) & (age <= 59)].sum() / persons,
        "share_age_60_plus": wp[age >= 60].sum() / persons,
        "share_age_65_plus": wp[age >= 65].sum() / persons,
        "persons_age_0_1": wp[age <= 1].sum(),
        "cross_province_migrants": wp[cross].sum(),
        "floating_population": wp[cross | (rural_hukou & urban_p)].sum(),
        "rural_hukou_urban_residents": wp[rural_hukou & urban_p].sum(),
        "migrant_workers": wp[worker].sum(),
        "migrant_workers_out": wp[worker & urban_p].sum(),
        "left_behind_children": wp[lbc].sum(),
        "disabled_persons": wp[grade > 0].sum(),
        "disabled_severe": wp[(grade >= 1) & (grade <= 2)].sum(),
        "employee_pension_members": wp[scheme == PensionScheme.employee].sum(),
        "employee_pension_retirees": wp[(scheme == PensionScheme.employee)
                                        & (st == EmploymentStatus.retired)].sum(),
        "resident_pension_members": wp[scheme == PensionScheme.resident].sum(),
        "resident_pension_recipients": wp[(scheme == PensionScheme.resident) & (age >= 60)].sum(),
    }  # the NBS income components are measured with the engine, on the survey frame (below)
    earn = p["wage_income"] + p["self_employment_income"]
    mw = worker & (earn > 0)
    s["migrant_worker_wage"] = (wp[mw] * earn[mw]).sum() / max(wp[mw].sum(), 1e-300)
    pi = CODE_TO_INDEX[h["province"]]
    pip = pi[hidx]
    pop_p = np.bincount(pip, weights=wp, minlength=31)
    s["province_population"] = pop_p
    s["province_urban_share"] = np.bincount(pip, weights=wp * urban_p, minlength=31) / np.maximum(pop_p, 1e-300)
    s["province_age_65_share"] = np.bincount(pip, weights=wp * (age >= 65), minlength=31) / np.maximum(pop_p, 1e-300)
    s["province_inflow"] = np.bincount(pip, weights=wp * cross, minlength=31)
    s["henan_outflow"] = wp[cross & (p["hukou_province"] == 41)].sum()
    if "housing_fund_member" in p:
        s["housing_fund_contributors"] = wp[np.asarray(p["housing_fund_member"], dtype=bool)].sum()
    if eng is not None:
        pc = np.asarray(eng["per_capita_disposable_income"], dtype=np.float64)
        hw = wh * size  # persons represented by each household
        # the survey frame: households below the top `missing` share of persons by per-capita income
        missing = float(load_generator()["survey_coverage"]["missing_population_share"])
        frame = pc <= _wquantile(pc, hw, 1.0 - missing) if missing > 0 else np.ones(n_h, dtype=bool)
        total_income = (pc * hw).sum()
        s["survey_missing_income_share"] = (pc * hw)[~frame].sum() / total_income if total_income else 0.0
        s["survey_missing_population_share"] = hw[~frame].sum() / hw.sum()
        fp = frame[hidx]
        urban_h, rural_h = (h["area"] == Area.urban) & frame, (h["area"] == Area.rural) & frame
        for key, sel in (("", frame), ("_urban", urban_h), ("_rural", rural_h)):
            x, w = pc[sel], hw[sel]
            s[f"income_mean{key}"] = (x * w).sum() / w.sum()
            s[f"income_median{key}"] = float(_wquantile(x, wh[sel], 0.5))  # the middle household (NBS)
            # NBS five equal groups: households ranked by per-capita income, equal numbers of households per group
            s[f"quintile_means{key}"] = _quintile_means(x, wh[sel], w)
        s["income_urban_rural_ratio"] = s["income_mean_urban"] / s["income_mean_rural"]
        s["income_median_mean_ratio_urban"] = s["income_median_urban"] / s["income_mean_urban"]
        s["income_median_mean_ratio_rural"] = s["income_median_rural"] / s["income_mean_rural"]
        for key in ("urban", "rural"):
            s[f"quintile_ratios_{key}"] = s[f"quintile_means_{key}"] / s[f"income_mean_{key}"]
        s["province_income"] = np.bincount(pi[frame], weights=(pc * hw)[frame], minlength=31) / np.maximum(
            np.bincount(pi[frame], weights=hw[frame], minlength=31), 1e-300)
        private = np.bincount(hidx, weights=p["private_transfers_received"], minlength=n_h) \
            if "private_transfers_received" in p else np.zeros(n_h)
        net_tr = (np.asarray(eng["total_benefits"]) + private - np.asarray(eng["total_taxes"])
                  - np.asarray(eng["total_contributions"]))
        persons_f = hw[frame].sum()
        s["net_transfers_per_capita"] = (wh * net_tr)[frame].sum() / persons_f
        ep = np.asarray(eng["employee_pension"], dtype=np.float64)
        s["employee_pension_monthly"] = (wp * ep).sum() / max(wp[ep > 0].sum(), 1e-300) / 12
        s["private_transfers_per_capita"] = (wh * private)[frame].sum() / persons_f
        comp = {"wages": p["wage_income"], "business": p["self_employment_income"] + p["agricultural_income"],
                "property": p["interest_income"] + p["dividend_income"] + p["rental_income"]}
        for c, x in comp.items():  # NBS components: on the survey frame, so that they add up to its mean
            s[f"{c}_per_capita"] = (wp * x)[fp].sum() / persons_f
        for key, sel in (("urban", urban_h), ("rural", rural_h)):
            pers = hw[sel].sum()
            for c, x in comp.items():
                s[f"{c}_per_capita_{key}"] = (wp[sel[hidx]] * x[sel[hidx]]).sum() / pers
            s[f"net_transfers_per_capita_{key}"] = (wh[sel] * net_tr[sel]).sum() / pers
            s[f"private_transfers_per_capita_{key}"] = (wh[sel] * private[sel]).sum() / pers
        for c in ("wages", "business", "property", "net_transfers"):
            s[f"{c}_ratio_rural_urban"] = s[f"{c}_per_capita_rural"] / s[f"{c}_per_capita_urban"]
        if "iit_comprehensive" in eng:
            s.update(sta_measures(p, eng, wp))
        rec = np.asarray(eng["dibao"]) > 0
        s["dibao_recipients"] = hw[rec].sum()
        s["dibao_recipients_urban"] = hw[rec & (h["area"] == Area.urban)].sum()
        s["dibao_recipients_rural"] = hw[rec & (h["area"] == Area.rural)].sum()
        s["tekun_recipients"] = wp[np.asarray(eng["tekun_recipient"], dtype=bool)].sum()
    return s


def _quintile_means(x: np.ndarray, wh: np.ndarray, hw: np.ndarray) -> np.ndarray:
    """NBS five equal groups of households ranked by per-capita income ``x`` (household weights ``wh``), each
    group's mean being its income over its persons (``hw``: persons represented)."""
    o = np.argsort(x, kind="stable")
    total = wh.sum()
    c = np.cumsum(wh[o]) / total
    grp = np.minimum((c - 0.5 * wh[o] / total) * 5, 4.999).astype(int)
    return (np.bincount(grp, weights=(x[o] * hw[o]), minlength=5)
            / np.maximum(np.bincount(grp, weights=hw[o], minlength=5), 1e-300))


def sta_measures(p: dict[str, np.ndarray], eng: dict[str, np.ndarray], wp: np.ndarray) -> dict[str, float]:
    """The STA facts on the comprehensive-income IIT, measured on the population (weights ``wp`` per person):
    payers are persons with comprehensive IIT > 0; income is comprehensive income (gross wages, plus labour
    remuneration when the law has it)."""
    tax = np.asarray(eng["iit_comprehensive"], dtype=np.float64)
    income = np.asarray(eng["gross_wages"], dtype=np.float64)
    if "labour_remuneration" in eng:
        income = income + np.asarray(eng["labour_remuneration"], dtype=np.float64)
    taxable = np.asarray(eng["iit_comprehensive_taxable_income"], dtype=np.float64)
    payer = tax > 0
    out = {"iit_comprehensive_payers": wp[payer].sum(), "iit_comprehensive_revenue": (wp * tax).sum()}
    wpay, inc, tx = wp[payer], income[payer], tax[payer]
    n_pay, revenue = wpay.sum(), (wpay * tx).sum()
    if n_pay <= 0 or revenue <= 0:
        return {**out, **{k: float("nan") for k in ("sta_share_of_payers_income_above_1m",
                                                    "sta_share_of_tax_paid_by_income_above_1m",
                                                    "sta_share_of_tax_paid_by_top_10pct_of_payers",
                                                    "sta_share_of_payers_only_at_3pct")}}
    rich = inc > MILLION
    top10 = inc >= _wquantile(inc, wpay, 0.9)
    out["sta_share_of_payers_income_above_1m"] = wpay[rich].sum() / n_pay
    out["sta_share_of_tax_paid_by_income_above_1m"] = (wpay * tx)[rich].sum() / revenue
    out["sta_share_of_tax_paid_by_top_10pct_of_payers"] = (wpay * tx)[top10].sum() / revenue
    out["sta_share_of_payers_only_at_3pct"] = wpay[taxable[payer] <= BRACKET_3PCT].sum() / n_pay
    return out


def _subset(h, p, eng, mask_h):
    hidx = np.searchsorted(h["household_id"], p["household_id"])
    mask_p = mask_h[hidx]
    hs = {k: v[mask_h] for k, v in h.items()}
    ps = {k: v[mask_p] for k, v in p.items()}
    es = None
    if eng is not None:
        es = {k: (np.asarray(v)[mask_h] if len(v) == len(mask_h) else np.asarray(v)[mask_p]) for k, v in eng.items()}
    return hs, ps, es


def random_group_se(h, p, eng=None, groups: int = GROUPS) -> dict[str, Any]:
    """Sampling SE of every measure by random groups (household_id mod G, weights x G)."""
    vals = []
    for g in range(groups):
        hs, ps, es = _subset(h, p, eng, (h["household_id"] % groups) == g)
        hs["weight"] = hs["weight"] * groups
        vals.append(measure(hs, ps, es))
    out = {}
    for k in vals[0]:
        arr = np.array([np.asarray(v[k], dtype=np.float64) for v in vals])
        out[k] = arr.std(axis=0, ddof=1) / np.sqrt(groups)
    return out


def compare(achieved: dict[str, Any], se: dict[str, Any] | None = None,
            targets: dict[str, Any] | None = None) -> list[Row]:
    """Rows of target vs achieved for every target in targets.yaml that the measures cover."""
    t = targets or load_targets()
    se = se or {}
    rows: list[Row] = []
    nan = float("nan")
    for name, spec in t["national"].items():
        rows.append(Row(name, float(spec["value"]), float(achieved.get(name, nan)), spec["tol"],
                        float(se.get(name, 0.0)), spec.get("unit", "")))
    hf = t["housing_fund_contributors"]
    if "housing_fund_contributors" in achieved:
        rows.append(Row("housing_fund_contributors", float(hf["value"]), float(achieved["housing_fund_contributors"]),
                        hf["tol"], float(se.get("housing_fund_contributors", 0.0)), hf["unit"]))
    ca = t["composition_by_area_2024"]
    for c in ("wages", "business", "property", "net_transfers"):
        key = f"{c}_ratio_rural_urban"
        if key in achieved:
            rows.append(Row(key, ca["rural"][c] / ca["urban"][c], float(achieved[key]), ca["tol"][c],
                            float(se.get(key, 0.0)), "ratio", "composition"))
    q = t["quintiles_2024"]
    if "quintile_means" in achieved:
        for i, label in enumerate(QUINTILE_LABELS):
            rows.append(Row(f"quintile_mean_{label}", float(q["national"][i]), float(achieved["quintile_means"][i]),
                            q["tol"]["national"][i], float(se.get("quintile_means", np.zeros(5))[i]),
                            "yuan/person/year", "quintiles"))
        for area in ("urban", "rural"):
            key = f"quintile_ratios_{area}"
            for i, label in enumerate(QUINTILE_LABELS):
                rows.append(Row(f"quintile_{area}_{label}/mean", q[area][i] / q["area_means"][area],
                                float(achieved[key][i]), q["tol"][area][i], float(se.get(key, np.zeros(5))[i]),
                                "ratio", "quintiles"))
    sv = load_generator()["survey_coverage"]
    if "survey_missing_income_share" in achieved:
        rows.append(Row("survey_missing_income_share", float(sv["missing_income_share"]),
                        float(achieved["survey_missing_income_share"]), None,
                        float(se.get("survey_missing_income_share", 0.0)), "share", "top"))
    sta = t["sta_comprehensive_income"]
    for name, spec in sta.items():
        if not isinstance(spec, dict) or f"sta_{name}" not in achieved:
            continue
        lo, hi = spec.get("lower"), spec.get("upper")
        label = f"sta.{name}" + (f" >= {lo:g}" if lo is not None else "") + (f" <= {hi:g}" if hi is not None else "")
        rows.append(Row(label, float(lo if lo is not None else hi), float(achieved[f"sta_{name}"]),
                        float(spec.get("tol", 0.0)), float(se.get(f"sta_{name}", 0.0)), "share", "top", lower=lo,
                        upper=hi))
    pv = province_inputs(t)
    tp = t["provinces"]
    inflow = inflow_targets(t, pv)
    exact_inflow = set(t["cross_province_inflow"]["values"])
    for i, prov in enumerate(PROVINCES):
        def _se(key, i=i):
            v = se.get(key)
            return float(v[i]) if v is not None else 0.0
        rows.append(Row(f"{prov.key}.population", pv["pop"][i], float(achieved["province_population"][i]), 0.005,
                        _se("province_population"), "persons", "province"))
        rows.append(Row(f"{prov.key}.urban_share", pv["urban_share"][i],
                        float(achieved["province_urban_share"][i]), 0.005, _se("province_urban_share"), "share",
                        "province"))
        rows.append(Row(f"{prov.key}.age_65_plus_share", pv["age65_share"][i],
                        float(achieved["province_age_65_share"][i]), tp["age_65_tol"], _se("province_age_65_share"),
                        "share", "province"))
        if "province_income" in achieved:
            src = str(pv["income_source"][i])
            rows.append(Row(f"{prov.key}.income_mean[{src}]", pv["income_2024"][i],
                            float(achieved["province_income"][i]), tp["income_tol"][src], _se("province_income"),
                            "yuan/person/year", "province"))
        if prov.key in exact_inflow:
            rows.append(Row(f"{prov.key}.cross_province_inflow", inflow[i], float(achieved["province_inflow"][i]),
                            t["cross_province_inflow"]["tol"], _se("province_inflow"), "persons", "province"))
    ho = t["cross_province_inflow"]["henan_outflow"]
    rows.append(Row("henan.cross_province_outflow", ho["value"], float(achieved["henan_outflow"]), ho["tol"],
                    float(se.get("henan_outflow", 0.0)), "persons", "province"))
    return rows


def check(h: dict[str, np.ndarray], p: dict[str, np.ndarray], eng: dict[str, np.ndarray] | None = None,
          groups: int = GROUPS) -> list[Row]:
    """Every target vs achieved, with random-group SEs (``eng=None``: income targets reported as n/a)."""
    return compare(measure(h, p, eng), random_group_se(h, p, eng, groups) if groups > 1 else None)


def failures(rows: list[Row], include_missing: bool = True) -> list[Row]:
    """Rows that miss their tolerance (and, with include_missing, targets with no achieved value)."""
    return [r for r in rows if r.status == "MISS" or (include_missing and r.status == "n/a")]


def year_targets(year: int) -> dict[str, Any] | None:
    """The official figures of `year` for `population check --year` (issue 14): None for 2024 (targets.yaml, the
    calibration targets), a {name: {value, unit, tol, from}} of targets_years.yaml for another year (checked by
    `ageing.load_years`), or a ValueError naming the years that have figures."""
    if year == 2024:
        return None
    from gongfu.population.ageing import load_years, years_with_figures

    found = load_years().get(str(year))
    if not found:
        have = ", ".join(str(y) for y in sorted([*years_with_figures(), 2024]))
        raise ValueError(f"--year {year}: no official figures of {year} in targets_years.yaml (years with figures: "
                         f"{have})")
    return found


def check_year(h: dict[str, np.ndarray], p: dict[str, np.ndarray], eng: dict[str, np.ndarray] | None,
               targets: dict[str, Any], groups: int = GROUPS) -> list[Row]:
    """Rows of another year: each figure of `targets` (year_targets) that the measures cover, beside the value
    of the population of that year (reweighted, population/ageing.py), with random-group SEs."""
    achieved = measure(h, p, eng)
    se = random_group_se(h, p, eng, groups) if groups > 1 else {}
    nan = float("nan")
    return [Row(name, float(spec["value"]), float(achieved.get(name, nan)), spec.get("tol"),
                float(se.get(name, 0.0)), spec.get("unit", ""))
            for name, spec in targets.items() if np.ndim(achieved.get(name, nan)) == 0]
