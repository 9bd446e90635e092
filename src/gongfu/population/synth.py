"""Vectorised generator of synthetic households and persons for one partition.

A partition is one province (or one chunk of a big province) with a number of urban and rural households.
Everything is drawn with numpy from streams derived from ``SeedSequence(seed, spawn_key=(partition_id,))``,
one child stream per stage, so a stage's parameters never shift another stage's draws. No Python loop runs
over rows. Persons come out grouped by household, in household order, with the dtypes of
docs/ARCHITECTURE.md (enums int8, province int8 GB/T codes, money float64, ages int16).

The model (assumptions in assumptions.yaml, targets in targets.yaml, fitted values in fitted.yaml):
1. household type (7 types) by area, head age by type, spouse, children, parents of the head, grandchildren;
2. hukou of the household: urban households may be cross-province migrants (by destination rate, origin
   drawn from the sending provinces) or local rural-hukou migrants; rural households hold local rural hukou;
3. education, retirement, employment status, pension scheme and contribution years by age, sex, group;
4. disability and grade by age (CDPF totals);
5. incomes by source (log-normal, household shock, province income index), property income from a
   household wealth index;
6. housing (tenure, homes, floor area, value, city tier, mortgage), take-up draws;
7. private transfers received (support of the elderly by children living elsewhere, remittances to rural
   households), after the take-up stage that decides who has an obligated supporter;
8. the household weight: raking multipliers exp(x'lambda) fitted offline, post-stratified within the
   partition so that persons by province x area match the 2024 figures exactly.

Random numbers (speed without loss of exactness that matters): each stage's PCG64 produces raw 64-bit words
(``random_raw``), split into four 16-bit uniforms. A Bernoulli draw compares a 16-bit uniform with
round(p x 2**16), and a categorical draw reads a 65,536-entry inverse-CDF table: probabilities are exact to
2**-16. Normal draws use 32-bit uniforms through an inverse-CDF table (65,536 equal-probability bins, linear
inside a bin) with the exact inverse (Acklam's approximation, relative error < 1.2e-9) in the two extreme bins,
so the tails reach 6.2 sd. The words are read as little-endian on every platform, so a seed gives the same
population everywhere numpy's PCG64 does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gongfu.engine.enums import Area, EmploymentStatus, HukouType, PensionScheme, Role, Sex, Tenure
from gongfu.engine.geography import CODES
from gongfu.population.tables import MIN_AGE_HEAD, MUNICIPALITIES, Model

SLOTS = 9  # head, spouse, 3 children, 2 parents, 2 grandchildren
SLOT_ROLE = np.array([Role.head, Role.spouse, Role.child, Role.child, Role.child, Role.parent, Role.parent,
                      Role.grandchild, Role.grandchild], dtype=np.int8)
T_SINGLE, T_COUPLE, T_NUCLEAR, T_LONE, T_THREE, T_COUPLE_PARENTS, T_SKIPPED = range(7)
G_URBAN_HUKOU, G_RURAL_HUKOU_URBAN, G_RURAL = 0, 1, 2
GROUP_KEYS = ("urban_hukou_urban", "rural_hukou_urban", "rural")
STAGES = ("demography", "hukou", "employment", "pension", "disability", "income", "housing", "takeup", "transfers")

HOUSEHOLD_COLUMNS = ("household_id", "province", "area", "weight", "tenure", "n_homes", "home_value",
                     "floor_area", "city_tier", "has_mortgage", "dibao_takeup")
PERSON_COLUMNS = ("person_id", "household_id", "role", "age", "sex", "hukou_province", "hukou_type",
                  "employment_status", "disability_grade", "wage_income", "self_employment_income",
                  "agricultural_income", "interest_income", "dividend_income", "rental_income",
                  "private_transfers_received", "pension_scheme", "contribution_years", "has_obligated_supporter",
                  "tekun_takeup")

U16 = 1 << 16
AGES = 128  # ages 0..127 index the per-age tables


# --------------------------------------------------------------------------------------------- random numbers
def inverse_normal_cdf(p: np.ndarray) -> np.ndarray:
    """Standard normal quantile of ``p`` in (0, 1): Acklam's rational approximation (relative error < 1.2e-9)."""
    a = (-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02,
         -3.066479806614716e+01, 2.506628277459239e+00)
    b = (-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01,
         -1.328068155288572e+01)
    c = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00,
         4.374664141464968e+00, 2.938163982698783e+00)
    d = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00)
    p = np.asarray(p, dtype=np.float64)
    out = np.empty_like(p)
    lo, hi = p < 0.02425, p > 1 - 0.02425
    mid = ~(lo | hi)
    q = p[mid] - 0.5
    r = q * q
    out[mid] = ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
                / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1))
    for sel, sign, pp in ((lo, 1.0, p[lo]), (hi, -1.0, 1 - p[hi])):
        q = np.sqrt(-2 * np.log(pp))
        out[sel] = sign * ((((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                           / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1))
    return out


_NORMAL_KNOTS = inverse_normal_cdf(np.arange(1, U16) / U16)  # quantiles at k / 2**16, k = 1 .. 2**16 - 1
_NORMAL_T = np.r_[0.0, _NORMAL_KNOTS, 0.0].astype(np.float32)  # ends unused (extreme bins are exact)
_NORMAL_D = np.diff(_NORMAL_T).astype(np.float32)
_NORMAL_MID = inverse_normal_cdf((np.arange(U16) + 0.5) / U16).astype(np.float32)


class Draws:
    """The random numbers of one stage: raw 64-bit PCG64 words split into 16- or 32-bit uniform integers."""

    __slots__ = ("bg",)

    def __init__(self, bit_generator: np.random.BitGenerator):
        self.bg = bit_generator

    def _words(self, n16: int) -> np.ndarray:
        raw = self.bg.random_raw(max(-(-n16 // 4), 1))
        return raw.astype("<u8", copy=False).view("<u2")[:n16]

    def u16(self, k: int, n: int) -> np.ndarray:
        """[k, n] uniform integers in [0, 2**16)."""
        return self._words(k * n).reshape(k, n)

    def normal(self, n: int) -> np.ndarray:
        """n standard normal draws (float32) by inverse CDF of 32-bit uniforms (see module docstring)."""
        w = self._words(2 * n)
        k, lo = w[:n], w[n:]  # high and low halves of each 32-bit uniform
        z = _NORMAL_T[k] + _NORMAL_D[k] * (lo.astype(np.float32) * np.float32(1.0 / U16))
        ext = np.flatnonzero((k == 0) | (k == U16 - 1))
        if ext.size:
            u32 = k[ext].astype(np.float64) * U16 + lo[ext]
            z[ext] = inverse_normal_cdf((u32 + 0.5) / 2.0**32)
        return z

    def normal16(self, n: int) -> np.ndarray:
        """n coarse standard normal draws (float32): the midpoint quantile of one 16-bit uniform's bin (65,536
        equally likely values, |z| <= 4.33). For spreads where the extreme tail does not matter."""
        return _NORMAL_MID[self._words(n)]


def _rngs(seed: int, partition_id: int) -> dict[str, Draws]:
    ss = np.random.SeedSequence(seed, spawn_key=(partition_id,))
    return {name: Draws(np.random.PCG64(child)) for name, child in zip(STAGES, ss.spawn(len(STAGES)), strict=True)}


def thr(p) -> np.ndarray:
    """Bernoulli thresholds for 16-bit uniforms: ``u < thr(p)`` has probability p (rounded to 2**-16)."""
    return np.rint(np.clip(np.asarray(p, dtype=np.float64), 0.0, 1.0) * U16).astype(np.int32)


def cat_lut(cdf: np.ndarray) -> np.ndarray:
    """Inverse-CDF tables for 16-bit uniforms: ``lut[row, u]`` is the category of ``u / 2**16`` under the
    cumulative row ``cdf[row]`` (first category whose cumulative probability exceeds it)."""
    cdf = np.atleast_2d(np.asarray(cdf, dtype=np.float64))
    grid = np.arange(U16, dtype=np.float64) / U16
    k = cdf.shape[1]
    lut = np.stack([np.minimum(np.searchsorted(row, grid, side="right"), k - 1) for row in cdf])
    return lut.astype(np.int8 if k <= 127 else np.int16)


def uniform_int(u: np.ndarray, k: int) -> np.ndarray:
    """Uniform integers in [0, k) from 16-bit uniforms (multiply-shift; bias below k / 2**16)."""
    return (np.multiply(u, k, dtype=np.int32) >> 16).astype(np.int16)


# ---------------------------------------------------------------------------------------- derived tables
@dataclass
class Tables:
    """Per-model lookup tables of the generator (built once per Model, cached on it)."""

    type_lut: np.ndarray
    head_age_lut: np.ndarray
    child_lut: np.ndarray
    gap_lut: np.ndarray
    gap_min: int
    origin_lut: np.ndarray
    emp_lut: np.ndarray
    tenure_lut: np.ndarray
    tier_lut: np.ndarray
    head_male: np.ndarray
    spouse: np.ndarray
    student_thr: np.ndarray      # [3 groups * 128 ages]
    emp_row: np.ndarray          # [(group * 128 + age) * 2 + sex] -> row of emp_lut
    disab_thr: np.ndarray        # [128 ages, 4] cumulative thresholds of grades 1..4


def tables(m: Model) -> Tables:
    t = m.__dict__.get("_synth_tables")
    if t is None:
        t = _build_tables(m)
        m.__dict__["_synth_tables"] = t
    return t


def _build_tables(m: Model) -> Tables:
    a, f = m.a, m.f["scales"]
    ht = a["household_types"]
    g = ht["spouse_age_gap"]
    lo, hi = int(math.floor(g["mean"] - 6 * g["sd"])), int(math.ceil(g["mean"] + 6 * g["sd"]))
    vals = np.arange(lo, hi + 1)

    def phi(x: float) -> float:
        return 0.5 * math.erfc(-x / math.sqrt(2))

    gap_p = np.array([phi((v + 0.5 - g["mean"]) / g["sd"]) - phi((v - 0.5 - g["mean"]) / g["sd"]) for v in vals])
    gap_cdf = np.cumsum(gap_p / gap_p.sum())
    ed = a["education"]
    student = np.zeros((3, AGES))
    student[:, 3:16] = ed["age_3_15"]
    for gi, gk in enumerate(GROUP_KEYS):
        ar = "rural" if gk == "rural" else "urban"
        for lo_a, hi_a, key in ((16, 18, "age_16_18"), (19, 22, "age_19_22"), (23, 24, "age_23_24")):
            student[gi, lo_a:hi_a + 1] = ed[key][ar]
    ages = np.arange(AGES)
    band = np.where(ages <= 24, 0, np.where(ages <= 49, 1, 2))
    emp_row = np.zeros((3, AGES, 2), dtype=np.int16)
    for gi in range(3):
        for sx in range(2):
            emp_row[gi, :, sx] = (band * 3 + gi) * 2 + sx
    d = a["disability"]
    prev = np.minimum(float(f["disability_level"]) * np.exp(d["age_slope"] * (ages - 60.0)), 0.6)
    sev = float(f["severe_share"])
    g1, g3 = d["grade_split"]["severe_grade_1"], d["grade_split"]["mild_grade_3"]
    cum = np.stack([prev * sev * g1, prev * sev, prev * (sev + (1 - sev) * g3), prev], axis=1)
    hs = a["housing"]
    ten = np.cumsum(np.array([hs["tenure"][k] for k in GROUP_KEYS], dtype=np.float64), axis=1)
    ten /= ten[:, -1:]
    tier = np.cumsum(hs["city_tier_other_provinces"])
    return Tables(
        type_lut=cat_lut(m.type_cdf), head_age_lut=cat_lut(m.head_age_cdf), child_lut=cat_lut(m.child_cdf),
        gap_lut=cat_lut(gap_cdf)[0], gap_min=lo, origin_lut=cat_lut(m.origin_cdf), emp_lut=cat_lut(m.emp_cdf),
        tenure_lut=cat_lut(ten), tier_lut=cat_lut(tier / tier[-1])[0],
        head_male=thr(m.head_male), spouse=thr(m.spouse_p), student_thr=thr(student).ravel(),
        emp_row=emp_row.ravel(), disab_thr=thr(cum),
    )


# ----------------------------------------------------------------------------------------------- stages
def _structure(d: Draws, m: Model, t: Tables, area: np.ndarray):
    """Household types and the [n, 9] slot matrices of age, sex, activity."""
    n = len(area)
    a = m.a["household_types"]
    u = d.u16(20, n)
    typ = t.type_lut[area, u[0]]
    head_age = MIN_AGE_HEAD + t.head_age_lut[typ, u[1]].astype(np.int16)
    head_male = u[2] < t.head_male[typ]
    has_spouse = u[3] < t.spouse[typ]
    gap = t.gap_lut[u[4]].astype(np.int16) + np.int16(t.gap_min)
    spouse_age = np.clip(np.where(head_male, head_age - gap, head_age + gap), 18, 100)

    ages = np.zeros((n, SLOTS), dtype=np.int16)
    active = np.zeros((n, SLOTS), dtype=bool)
    ages[:, 0] = head_age
    active[:, 0] = True
    ages[:, 1] = spouse_age
    active[:, 1] = has_spouse
    # children: intended number by type x area, oldest born when the head was U(min, max), spacing U(min, max)
    n_child = np.where(m.has_children[typ], 1 + t.child_lut[typ.astype(np.intp) * 2 + area, u[5]], 0)
    fb, sp = a["first_birth_age"], a["birth_spacing"]
    c0 = head_age - (fb["min"] + uniform_int(u[6], fb["max"] - fb["min"] + 1))
    c1 = c0 - (sp["min"] + uniform_int(u[7], sp["max"] - sp["min"] + 1))
    c2 = c1 - (sp["min"] + uniform_int(u[8], sp["max"] - sp["min"] + 1))
    adult_child = np.zeros(n, dtype=bool)
    for k, ck in enumerate((c0, c1, c2)):
        ages[:, 2 + k] = np.maximum(ck, 0)
        act = (n_child > k) & (ck >= 0) & (ck <= 34)
        active[:, 2 + k] = act
        adult_child |= act & (ck >= 18)
    # parents of the head
    par = a["parents"]
    is_par = (typ == T_THREE) | (typ == T_COUPLE_PARENTS)
    span = par["age_gap_max"] - par["age_gap_min"] + 1
    p0 = head_age + (par["age_gap_min"] + uniform_int(u[9], span))
    p1 = head_age + (par["age_gap_min"] + uniform_int(u[10], span))
    two = u[11] < thr(par["two_share"])
    ages[:, 5] = np.minimum(p0, 127)
    ages[:, 6] = np.minimum(p1, 127)
    active[:, 5] = is_par & (p0 <= 100)
    active[:, 6] = is_par & two & (p1 <= 100)
    # grandchildren (skipped generation)
    gc = a["grandchildren"]
    is_skip = typ == T_SKIPPED
    ages[:, 7] = uniform_int(u[12], gc["max_age"] + 1)
    ages[:, 8] = uniform_int(u[13], gc["max_age"] + 1)
    active[:, 7] = is_skip
    active[:, 8] = is_skip & (u[14] < thr(gc["probs"][1]))
    # sex per slot
    sex = np.empty((n, SLOTS), dtype=np.int8)
    sex[:, 0] = np.where(head_male, Sex.male, Sex.female)
    sex[:, 1] = np.where(head_male, Sex.female, Sex.male)
    female = thr(a["sex_female_share"])
    for k, col in enumerate((2, 3, 4, 7, 8)):
        sex[:, col] = u[15 + k] < female
    # father in slot 5 unless he is the only one left and the draw makes the lone parent the mother
    one_parent = active[:, 5] & ~active[:, 6]
    sex[:, 5] = np.where(one_parent & ~two & (u[15] < thr(a["lone_parent_female"])), Sex.female, Sex.male)
    sex[:, 6] = Sex.female
    return typ, ages, sex, active, adult_child


def _hukou(d: Draws, m: Model, t: Tables, pidx: int, area: np.ndarray, head_age: np.ndarray):
    """Hukou province, hukou type and group per household."""
    n = len(area)
    a = m.a["hukou"]
    f = m.f["scales"]
    u = d.u16(4, n)
    af = a["migrant_head_age_factor"]
    age_factor = np.where(head_age < 45, af["under_45"], np.where(head_age < 60, af["from_45_to_59"], af["over_60"]))
    urban = area == Area.urban
    cross = urban & (u[0] < thr(m.cross_rate[pidx] * age_factor))
    local_rural = urban & ~cross & (u[1] < thr(float(f["rural_local_hukou"]) * age_factor))
    hukou_prov = np.full(n, CODES[pidx], dtype=np.int8)
    ci = np.flatnonzero(cross)
    hukou_prov[ci] = CODES[t.origin_lut[pidx][u[2, ci]]]
    rural_type = ~urban | local_rural | (cross & (u[3] < thr(a["cross_province_rural_share"])))
    hukou_type = np.where(rural_type, HukouType.rural, HukouType.urban).astype(np.int8)
    group = np.where(~urban, G_RURAL, np.where(rural_type, G_RURAL_HUKOU_URBAN, G_URBAN_HUKOU)).astype(np.int8)
    return hukou_prov, hukou_type, group


def _disability(d: Draws, t: Tables, age: np.ndarray) -> np.ndarray:
    """Disability grade (0 none, 1-2 severe, 3-4 moderate/mild): one uniform against cumulative thresholds of
    prevalence x grade shares by age (prevalence rising with age, CDPF totals)."""
    u = d.u16(1, len(age))[0]
    grade = np.zeros(len(age), dtype=np.int8)
    i = np.flatnonzero(u < t.disab_thr[:, 3][age])
    if i.size:
        below = u[i, None] < t.disab_thr[age[i]]  # [k, 4]: below the thresholds of grades 1, 2, 3, 4
        grade[i] = 5 - below.sum(axis=1)
    return grade


def _employment(d: Draws, m: Model, t: Tables, age, sex, group, grade, year: int):
    """Employment status, pension scheme and contribution years per person."""
    a = m.a
    f = m.f["scales"]
    n = len(age)
    u = d.u16(9, n)
    rural = group == G_RURAL
    gidx = group.astype(np.int16) * AGES + age
    student = u[0] < t.student_thr[gidx]
    # retirement age: men 60, women 50 or 55
    ret = a["retirement"]
    ret_age = np.where(sex == Sex.male, ret["age_men"],
                       np.where(u[1] < U16 // 2, ret["age_women"][0], ret["age_women"][1]))
    adult = (age >= 16) & ~student
    p_pens = thr([ret["employee_pensioner"][g] * float(f["employee_pensioner"]) for g in GROUP_KEYS])
    pensioner = adult & (age >= ret_age) & (u[2] < p_pens[group])
    elderly = adult & ~pensioner & (age >= 60)
    working = adult & ~pensioner & ~elderly
    # working-age status: rows band x group x sex
    row = t.emp_row[gidx.astype(np.intp) * 2 + sex]
    drawn = np.take(t.emp_lut.ravel(), (row.astype(np.int32) << 16) | u[3])
    status = np.where(working, drawn, np.int8(EmploymentStatus.inactive)).astype(np.int8)
    e = a["employment"]
    inactive_dis = working & (grade > 0) & (grade <= 2) & (u[4] < thr(e["severe_disability_inactive"]))
    status[inactive_dis] = EmploymentStatus.inactive
    # elderly non-pensioners: some farm (rural) or work flexibly (urban, 60-69)
    ef, eu = e["elderly_rural_farmer"], e["elderly_urban_flexible"]
    p_farm = np.where(age < 70, thr(ef["age_60_69"]), thr(ef["age_70_plus"]))
    farm = elderly & rural & (u[3] < p_farm)
    flex = elderly & ~rural & (age < 70) & (u[3] < thr(eu["age_60_69"]))
    status[farm] = EmploymentStatus.farmer
    status[flex] = EmploymentStatus.flexible
    status[student] = EmploymentStatus.student
    status[pensioner] = EmploymentStatus.retired
    # pension scheme membership: employee scheme by status (employees also by group), else resident scheme
    pm = a["pension_membership"]
    scale = float(f["employee_member"])
    by_status = np.zeros((8, 3))
    for st, key in ((EmploymentStatus.self_employed, "self_employed"), (EmploymentStatus.flexible, "flexible"),
                    (EmploymentStatus.unemployed, "unemployed"), (EmploymentStatus.inactive, "inactive")):
        by_status[st] = pm[key]
    by_status[EmploymentStatus.employee] = [pm["employee"][g] for g in GROUP_KEYS]
    p_emp = thr(by_status * scale).ravel()
    member_emp = working & (u[5] < p_emp[status.astype(np.intp) * 3 + group])
    p_res = np.where(elderly, thr(ret["resident_member_elderly"] * float(f["resident_elderly"])),
                     thr(pm["resident_otherwise"] * float(f["resident_member"])))
    member_res = (working | elderly) & ~member_emp & (u[6] < p_res)
    scheme = np.zeros(n, dtype=np.int8)
    scheme[member_res] = PensionScheme.resident
    scheme[pensioner | member_emp] = PensionScheme.employee
    cy = pm["contribution_years"]
    years = np.zeros(n, dtype=np.int16)
    # retirees: U(min, max) x a fitted scale (average employee pension), at most the years since age 16
    drawn_years = cy["retiree"]["min"] + uniform_int(u[7][pensioner], cy["retiree"]["max"] - cy["retiree"]["min"] + 1)
    years[pensioner] = np.minimum(np.rint(drawn_years * np.float32(f["retiree_years"])), ret_age[pensioner] - 16)
    af = cy["active_fraction"]
    i = np.flatnonzero(member_emp)
    frac = np.float32(af["min"]) + u[7][i] * np.float32((af["max"] - af["min"]) / U16)
    years[i] = np.clip(np.floor(frac * (age[i] - 20)), 0, 45)
    i = np.flatnonzero(member_res)
    span = np.minimum(age[i] - 16, year - cy["resident_since"])
    years[i] = np.maximum(np.floor(span * (np.float32(0.6) + u[8][i] * np.float32(0.4 / U16))), 0)
    return status, scheme, years


def _incomes(d: Draws, m: Model, pidx: int, n: int, hh, age, sex, group, status):
    """Earnings by source (log-normal with a household shock); the household shocks are returned for the
    wealth index behind property income."""
    inc = m.a["income"]
    fi = m.f["income"]
    z = d.normal(len(age))  # one draw each: a person has one kind of earnings
    hz = d.normal(2 * n).reshape(2, n)
    lidx = float(np.log(m.income_index[pidx]))
    # kind of earnings by status: 0 none, 1 employee, 2 flexible (wages), 3 self-employed, 4 farmer
    kind_of = np.zeros(8, dtype=np.int8)
    kind_of[EmploymentStatus.employee], kind_of[EmploymentStatus.flexible] = 1, 2
    kind_of[EmploymentStatus.self_employed], kind_of[EmploymentStatus.farmer] = 3, 4
    kind = kind_of[status]
    # log median (with levels, scales and province index) and sigma by kind x group
    level = {g: fi["level_rural"] if g == "rural" else fi["level_urban"] for g in GROUP_KEYS}
    sig = {g: fi["sigma_rural"] if g == "rural" else fi["sigma_urban"] for g in GROUP_KEYS}
    bus = {g: fi["business_scale_rural"] if g == "rural" else fi["business_scale_urban"] for g in GROUP_KEYS}
    shift = {g: fi["migrant_shift"] if g == "rural_hukou_urban" else 0.0 for g in GROUP_KEYS}
    mu = np.zeros((5, 3))
    sd = np.zeros((5, 3))
    el, ael = fi["province_elasticity"] * lidx, inc["agricultural_province_elasticity"] * lidx
    for gi, g in enumerate(GROUP_KEYS):
        se = inc["self_employment_log_median"]["rural" if g == "rural" else "urban"]
        wage = inc["wage_log_median"][g] + shift[g] + level[g] + el
        mu[1, gi] = wage
        mu[2, gi] = wage + np.log(inc["flexible_factor"])
        mu[3, gi] = se + shift[g] + level[g] + el + np.log(bus[g])
        mu[4, gi] = inc["agricultural_log_median"] + level[g] + ael + np.log(bus[g])
        sd[1:3, gi] = sig[g] * inc["wage_sigma"]
        sd[3, gi] = sig[g] * inc["self_employment_sigma"]
        sd[4, gi] = sig[g] * inc["agricultural_sigma"]
    ac = inc["age_curve"]
    is_wage = (kind == 1) | (kind == 2)
    kg = kind.astype(np.intp) * 3 + group
    shock = (np.float32(inc["household_shock_sd"]) * hz[0])[hh]
    logv = mu.astype(np.float32).ravel()[kg] + sd.astype(np.float32).ravel()[kg] * z + shock
    dev = (age - ac["peak"]).astype(np.float32)
    logv -= np.where(is_wage, np.float32(ac["curvature"]) * dev * dev - np.float32(inc["female_log_gap"]) * sex,
                     np.float32(0))
    v = np.exp(logv, dtype=np.float64)
    zero = 0.0
    wage_income = np.where(is_wage, v, zero)
    self_employment_income = np.where(kind == 3, v, zero)
    agricultural_income = np.where(kind == 4, v, zero)
    return wage_income, self_employment_income, agricultural_income, hz


def _private_transfers(d: Draws, m: Model, pidx: int, typ, head_age, adult_child, area, hh, slot, age, status,
                       has_supporter, earnings) -> np.ndarray:
    """Private transfers received per person (yuan/year): the part of NBS net transfers that gongfu's programmes
    do not produce (assumptions.yaml private_transfers). Units go to persons 60+ (support by children living
    elsewhere, medical reimbursements, pensions above the rules'), to the head of a rural household with
    members working away (remittances) and to earners in proportion to their earnings (the survey-vs-law gap in
    taxes and contributions). Persons without an obligated supporter (candidates for tekun) receive no support
    from children or remittances.

    Amount = fitted level x units x mean-one log-normal factor x province income index^elasticity; who receives
    and the units are assumptions, the level is fitted to NBS net transfers by area.
    """
    a = m.a["private_transfers"]
    fi = m.f["income"]
    el, rm = a["elderly"], a["remittances"]
    u = d.u16(2, len(age))
    z = d.normal16(len(age))
    sig = np.float32(a["sigma"])
    index = m.income_index[pidx] ** fi["province_elasticity"]  # as earnings (fitted)
    urban_h = area == Area.urban
    # elderly: co-resident with a child when living with the head as the head's parent, or heading/partnering
    # a household with an adult child
    coresident = ((slot == 5) | (slot == 6)) | ((slot <= 1) & adult_child[hh])
    p_recv = np.where(coresident, thr(el["receive_share"]["with_coresident_child"]),
                      thr(el["receive_share"]["without_coresident_child"]))
    elderly = (age >= el["min_age"]) & has_supporter & (u[0] < p_recv)  # no children, no support (tekun)
    units = np.where(status == EmploymentStatus.retired, np.float32(el["units"]["employee_pensioner"]),
                     np.float32(el["units"]["without_employee_pension"]))
    units *= np.where(age >= 70, np.float32(el["age_70_plus_factor"]), np.float32(1.0))
    units = np.where(elderly, units, np.float32(0.0))
    units += np.float32(a["earners_units_per_10000_yuan"] / 10000.0) * earnings.astype(np.float32)
    # remittances to rural households, on the head
    skipped = typ == T_SKIPPED
    mid = ~urban_h & ~skipped & (head_age >= 40) & (head_age <= 69)
    heads = np.flatnonzero(slot == 0)
    uh = u[1][heads]
    rem = np.where(skipped & (uh < thr(rm["skipped_generation"]["receive_share"])),
                   np.float32(rm["skipped_generation"]["units"]),
                   np.where(mid & (uh < thr(rm["rural_head_40_69"]["receive_share"])),
                            np.float32(rm["rural_head_40_69"]["units"]), np.float32(0.0)))
    units[heads] += np.where(urban_h | ~has_supporter[heads], np.float32(0.0), rem)
    level = np.array([fi["private_level_rural"], fi["private_level_urban"]], dtype=np.float32) * np.float32(index)
    amount = units * level[area][hh] * np.exp(sig * z - np.float32(0.5) * sig * sig)
    return np.rint(amount).astype(np.float64)


def generate(seed: int, partition_id: int, province_code: int, n_urban: int, n_rural: int,
             household_id_start: int, persons_urban: float, persons_rural: float, m: Model,
             year: int = 2024) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Households and persons of one partition (see module docstring). Pure function of its arguments."""
    rngs = _rngs(seed, partition_id)
    t = tables(m)
    pidx = int(np.flatnonzero(CODES == province_code)[0])
    n = n_urban + n_rural
    area = np.zeros(n, dtype=np.int8)
    area[:n_urban] = Area.urban
    typ, ages, sexes, active, adult_child = _structure(rngs["demography"], m, t, area)
    head_age = ages[:, 0]
    hukou_prov_h, hukou_type_h, group_h = _hukou(rngs["hukou"], m, t, pidx, area, head_age)

    # flatten the slot matrices into persons (row-major: grouped by household, household order)
    size = np.count_nonzero(active, axis=1)
    flat = np.flatnonzero(active.ravel())
    hh = np.repeat(np.arange(n, dtype=np.intp), size)
    slot = (flat - hh * SLOTS).astype(np.int8)
    age = ages.ravel()[flat]
    sex = sexes.ravel()[flat]
    group = group_h[hh]
    hh_ids = household_id_start + np.arange(n, dtype=np.int64)

    grade = _disability(rngs["disability"], t, age)
    status, scheme, years = _employment(rngs["employment"], m, t, age, sex, group, grade, year)
    wage_income, self_employment_income, agricultural_income, hz = _incomes(
        rngs["income"], m, pidx, n, hh, age, sex, group, status)

    # housing (household level) and the wealth index behind property income
    inc = m.a["income"]
    fi = m.f["income"]
    hs = m.a["housing"]
    rh = rngs["housing"]
    uh = rh.u16(6, n)
    wealth = np.float32(inc["household_shock_sd"]) * hz[0] + np.float32(inc["property"]["wealth_sigma"]) * hz[1]
    tenure = t.tenure_lut[group_h, uh[0]]
    owner = tenure == Tenure.owner
    th = hs["extra_homes_wealth_thresholds"]
    n_homes = np.where(owner, 1 + (wealth > th[0]).view(np.int8) + (wealth > th[1]).view(np.int8), 0).astype(np.int8)
    urban_h = area == Area.urban
    fa_pp = np.where(urban_h, hs["floor_area_per_person"]["urban"], hs["floor_area_per_person"]["rural"])
    fa_factor = np.exp(0.3 * rh.normal16(n).astype(np.float64))
    main_area = np.where(owner, fa_pp * size * fa_factor,
                         np.where(tenure == Tenure.renter, hs["renter_floor_area_per_person"] * size * fa_factor, 0.0))
    extra_area = np.maximum(n_homes - 1, 0) * float(hs["extra_home_area"])
    floor_area = np.round(main_area + extra_area, 1)
    price = m.income_2024[pidx] * np.where(urban_h, hs["price_to_income"]["urban"], hs["price_to_income"]["rural"])
    home_value = np.where(owner, np.round((main_area + extra_area) * price, -2), 0.0)
    if province_code in MUNICIPALITIES:
        tier = np.where(urban_h, 1, 3).astype(np.int8)
    else:
        tier = np.where(urban_h, 1 + t.tier_lut[uh[1]], 3).astype(np.int8)
    mort = hs["mortgage"]
    has_mortgage = owner & (uh[2] < np.where(urban_h & (head_age < 50), thr(mort["young_urban_owner"]),
                                             thr(mort["other_owner"])))

    # property income, on the head
    pr = inc["property"]
    ps = np.where(urban_h, fi["property_scale_urban"], fi["property_scale_rural"])
    ew = np.exp(wealth.astype(np.float64)) * (m.income_index[pidx] * ps)
    interest_h = np.where(uh[3] < thr(pr["interest_holders"]), ew * 2900.0, 0.0)
    div_t = np.where(urban_h, thr(pr["dividend_holders"]["urban"]), thr(pr["dividend_holders"]["rural"]))
    dividend_h = np.where(uh[4] < div_t, ew * 19000.0, 0.0)
    rental_h = np.where(n_homes >= 2, (n_homes - 1) * ew * 30000.0, 0.0)
    n_p = len(age)
    heads = np.flatnonzero(slot == 0)  # one head per household, in household order
    interest_income = np.zeros(n_p)
    dividend_income = np.zeros(n_p)
    rental_income = np.zeros(n_p)
    interest_income[heads] = interest_h
    dividend_income[heads] = dividend_h
    rental_income[heads] = rental_h

    # take-up and obligated supporters
    rt = rngs["takeup"]
    tk = m.f["takeup"]
    dibao_takeup = rt.u16(1, n)[0] < np.where(urban_h, thr(tk["dibao_urban"]), thr(tk["dibao_rural"]))
    up = rt.u16(2, n_p)
    tekun_takeup = up[0] < thr(float(tk["tekun"]))
    alone = (size == 1)[hh]
    no_support_group = alone & ((age >= 60) | ((grade >= 1) & (grade <= 2) & (age >= 16)))
    has_supporter = ~(no_support_group & (up[1] < thr(float(m.f["scales"]["no_supporter_share"]))))

    private = _private_transfers(rngs["transfers"], m, pidx, typ, head_age, adult_child, area, hh, slot, age,
                                 status, has_supporter, wage_income + self_employment_income)

    # weight: raking multipliers, then post-stratified to persons by area within the partition
    weight = household_weights(m, pidx, area, size, hh, age, (persons_rural, persons_urban))

    households = {
        "household_id": hh_ids, "province": np.full(n, province_code, dtype=np.int8), "area": area,
        "weight": weight, "tenure": tenure, "n_homes": n_homes, "home_value": home_value,
        "floor_area": floor_area, "city_tier": tier, "has_mortgage": has_mortgage, "dibao_takeup": dibao_takeup,
    }
    hid = hh_ids[hh]
    persons = {
        "person_id": hid * 16 + slot, "household_id": hid, "role": SLOT_ROLE[slot],
        "age": age, "sex": sex, "hukou_province": hukou_prov_h[hh],
        "hukou_type": hukou_type_h[hh], "employment_status": status, "disability_grade": grade,
        "wage_income": wage_income, "self_employment_income": self_employment_income,
        "agricultural_income": agricultural_income, "interest_income": interest_income,
        "dividend_income": dividend_income, "rental_income": rental_income,
        "private_transfers_received": private, "pension_scheme": scheme,
        "contribution_years": years, "has_obligated_supporter": has_supporter, "tekun_takeup": tekun_takeup,
    }
    return households, persons


def raking_age_effects(m: Model, pidx: int) -> tuple[float, np.ndarray, np.ndarray]:
    """The raking multipliers as (household term, per-age person term, per-person term by area): a household's
    exponent x'lambda is the household term plus, for each member, the per-age term and the term of its area
    (features: households, persons aged 0-1, 0-15, 60+ and 65+ in the partition's province, and persons in
    the partition's province x area cells; the names are those of fitted.yaml)."""
    cols, lam = m.raking
    ages = np.arange(AGES)
    code = CODES[pidx]
    masks = {"age_0_1": ages <= 1, "age_0_15": ages <= 15, "age_60_plus": ages >= 60,
             f"age_65_plus_{code}": ages >= 65}
    cells = {f"persons_{code}_0": 0, f"persons_{code}_1": 1}
    per_age = np.zeros(AGES)
    per_area = np.zeros(2)
    household = 0.0
    for c, lm in zip(cols, lam, strict=True):
        if c == "households":
            household += float(lm)
        elif c in masks:
            per_age += lm * masks[c]
        elif c in cells:
            per_area[cells[c]] += lm
    return household, per_age, per_area


def household_weights(m: Model, pidx: int, area: np.ndarray, size: np.ndarray, hh: np.ndarray,
                      age: np.ndarray, persons_by_area: tuple[float, float]) -> np.ndarray:
    """exp(x'lambda) over the raking features, normalised within each area of the partition to its persons;
    ``hh`` gives each person's household (0 .. n-1)."""
    household, per_age, per_area = raking_age_effects(m, pidx)
    eta = household + per_area[area] * size + np.bincount(hh, weights=per_age[age], minlength=len(area))
    g = np.exp(eta - eta.max(initial=0.0))
    w = np.zeros(len(area))
    for a in (0, 1):
        sel = area == a
        denom = float((g[sel] * size[sel]).sum())
        if denom > 0:
            w[sel] = g[sel] * (persons_by_area[a] / denom)
    return w
