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
5. incomes by source (log-normal, household shock with a Pareto top, province income index), property income
   from a household wealth index that shares the shock (generator.yaml top_incomes); the top stratum of the
   shock's rank is oversampled with design weights (generator.yaml oversampling);
6. housing (tenure, homes, floor area, value, city tier, mortgage), take-up draws;
7. private transfers received (support of the elderly by children living elsewhere, remittances to rural
   households), after the take-up stage that decides who has an obligated supporter;
8. the IIT base: housing-fund membership, the annual bonus and the other inputs of generator.yaml
   iit_base_inputs;
9. the household weight: design factor x raking multipliers exp(x'lambda) fitted offline, post-stratified
   within the partition so that persons by province x area match the 2024 figures exactly.

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
STAGES = ("demography", "hukou", "employment", "pension", "disability", "income", "housing", "takeup", "transfers",
          "iitbase")  # a stage appended at the end leaves the streams of the others unchanged

HOUSEHOLD_COLUMNS = ("household_id", "province", "area", "weight", "tenure", "n_homes", "home_value",
                     "floor_area", "city_tier", "has_mortgage", "dibao_takeup")
PERSON_COLUMNS = ("person_id", "household_id", "role", "age", "sex", "hukou_province", "hukou_type",
                  "employment_status", "disability_grade", "wage_income", "self_employment_income",
                  "agricultural_income", "interest_income", "dividend_income", "rental_income",
                  "private_transfers_received", "pension_scheme", "contribution_years", "has_obligated_supporter",
                  "tekun_takeup") + (
                  # the IIT base (issue 11 §1): read by the law once its rules exist (generator.yaml iit_base_inputs)
                  "annual_bonus", "housing_fund_member", "labour_remuneration", "individual_pension_contribution",
                  "enterprise_annuity_contribution", "property_transfer_gain", "incidental_income",
                  "taxable_interest_income")
#: person inputs of the IIT base with a flat fallback amount (generator.yaml iit_base_inputs; all 0 for now)
IIT_FLAT_INPUTS = ("labour_remuneration", "individual_pension_contribution", "enterprise_annuity_contribution",
                   "property_transfer_gain", "incidental_income", "taxable_interest_income")

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
_NORMAL_TD = (_NORMAL_T[:-1] + 1j * _NORMAL_D).astype(np.complex64)  # (T, D) pairs: one gather for both


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
        return normal_of_u32(w[:n], w[n:])  # high and low halves of each 32-bit uniform

    def normal16(self, n: int) -> np.ndarray:
        """n coarse standard normal draws (float32): the midpoint quantile of one 16-bit uniform's bin (65,536
        equally likely values, |z| <= 4.33). For spreads where the extreme tail does not matter."""
        return _NORMAL_MID.take(self._words(n))


def normal_of_u32(k: np.ndarray, lo: np.ndarray) -> np.ndarray:
    """Standard normal quantiles (float32) of the 32-bit uniforms ``(k * 2**16 + lo + 0.5) / 2**32`` given as
    their high and low 16-bit halves (uint16): the table, linear inside a bin, exact in the two extreme bins."""
    td = _NORMAL_TD.take(k)
    z = lo.astype(np.float32)
    z *= np.float32(1.0 / U16)
    z *= td.imag
    z += td.real  # T[k] + D[k] * frac, rounded as that expression is
    ext = np.flatnonzero((k - np.uint16(1)) >= U16 - 2)  # k == 0 or k == 2**16 - 1 (wraps around)
    if ext.size:
        u32 = k[ext].astype(np.float64) * U16 + lo[ext]
        z[ext] = inverse_normal_cdf((u32 + 0.5) / 2.0**32)
    return z


def _rngs(seed: int, partition_id: int) -> dict[str, Draws]:
    ss = np.random.SeedSequence(seed, spawn_key=(partition_id,))
    return {name: Draws(np.random.PCG64(child)) for name, child in zip(STAGES, ss.spawn(len(STAGES)), strict=True)}


def thr(p) -> np.ndarray:
    """Bernoulli thresholds for 16-bit uniforms: ``u < thr(p)`` has probability p (rounded to 2**-16)."""
    return np.rint(np.clip(np.asarray(p, dtype=np.float64), 0.0, 1.0) * U16).astype(np.int32)


def ithr(p: float) -> int:
    """:func:`thr` of one probability as a Python int: ``u < ithr(p)`` then compares in 16 bits (no cast)."""
    return int(thr(float(p)))


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


def _i8(mask: np.ndarray) -> np.ndarray:
    """A boolean array as int8 0/1 (a view, no copy): lets categories be summed instead of selected."""
    return mask.view(np.int8)


# ---------------------------------------------------------------------------------------- derived tables
# Speed notes. The generator runs at about a hundred numpy passes per person, so what a pass costs decides the
# speed. On the 2-core VMs, a comparison or a sum of int8/bool arrays costs ~0.1 ns per element; a float32
# operation ~0.3 ns; a gather (``take``) from a small table with an intp index ~0.6 ns, with an int8/int16
# index ~1.2-2 ns (numpy converts the index first); but ``np.where``, boolean-mask assignment and boolean
# compression of an unpredictable mask cost ~4 ns (a branch mispredicted per element). Hence: categories are
# summed as int8 (``status = drawn * working + 7 * student + ...``) instead of assigned under masks, each
# Bernoulli compares its uniforms with a Python-int threshold (or with a threshold gathered from a table keyed
# on the person), per-person tables are keyed on (group, age, sex) with one intp key, sparse subsets are taken
# with ``flatnonzero`` + ``take``/``put``, and area-dependent values use slices (urban households and their
# persons come first). Every rewrite keeps each element's arithmetic (dtype, order of operations) unchanged,
# so the output is byte-identical to the straightforward formulation.
KEYS = 3 * AGES * 2  # person key: (group * 128 + age) * 2 + sex
# the codes the sums and 0/1 views below rely on (docs/ARCHITECTURE.md enums)
if (Sex.male, Sex.female, HukouType.rural, HukouType.urban, EmploymentStatus.inactive, PensionScheme.none) != (
        0, 1, 0, 1, 0, 0):
    raise ImportError("gongfu.population.synth assumes Sex/HukouType codes 0/1 and inactive/none == 0")


@dataclass
class Tables:
    """Per-model lookup tables of the generator (built once per Model, cached on it)."""

    type_lut: np.ndarray         # [2 areas, 2**16] household type
    head_age_lut: np.ndarray     # [7 types, 2**16] head age - MIN_AGE_HEAD
    n_child_lut: np.ndarray      # [7 types * 2 areas, 2**16] intended children (0 for types without children)
    gap_lut: np.ndarray
    gap_min: int
    origin_lut: np.ndarray
    emp_lut: np.ndarray          # [18 rows, 2**16] working-age status
    tenure_lut: np.ndarray       # [3 groups, 2**16]
    tier_lut: np.ndarray
    head_male: np.ndarray
    spouse: np.ndarray
    disab_any: np.ndarray        # [128 ages] threshold of any grade (uint16 when it fits: 16-bit comparison)
    disab_thr: np.ndarray        # [4, 128 ages] cumulative thresholds of grades 1..4 (one row per grade)
    # keyed on the person key (group * 128 + age) * 2 + sex
    student_thr: np.ndarray
    pensioner_thr: np.ndarray
    elderly_work_thr: np.ndarray  # elderly non-pensioners: farming (rural) or flexible work (towns, 60-69)
    emp_base: np.ndarray         # row of emp_lut << 16 (intp), to be or-ed with a uniform
    member_thr: np.ndarray       # [8 statuses * 3 groups] employee-scheme membership of the working-age
    # value tables
    transfer_factor: np.ndarray  # [2**16] mean-one log-normal factor of private transfers, by 16-bit uniform
    floor_factor: np.ndarray     # [2**16] log-normal factor of floor area, by 16-bit uniform


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
    # per person key: group x age x sex
    ages = np.arange(AGES)
    grp = np.arange(3)[:, None, None]
    age = ages[None, :, None]
    sex = np.arange(2)[None, None, :]
    shape = (3, AGES, 2)
    ed = a["education"]
    student = np.zeros(shape)
    student[:, 3:16] = ed["age_3_15"]
    for gi, gk in enumerate(GROUP_KEYS):
        ar = "rural" if gk == "rural" else "urban"
        for lo_a, hi_a, key in ((16, 18, "age_16_18"), (19, 22, "age_19_22"), (23, 24, "age_23_24")):
            student[gi, lo_a:hi_a + 1] = ed[key][ar]
    ret = a["retirement"]
    p_pens = thr([ret["employee_pensioner"][gk] * float(f["employee_pensioner"]) for gk in GROUP_KEYS])
    e = a["employment"]
    ef, eu = e["elderly_rural_farmer"], e["elderly_urban_flexible"]
    rural = grp == G_RURAL
    farm_thr = np.where(age < 70, ithr(ef["age_60_69"]), ithr(ef["age_70_plus"]))
    flex_thr = np.where(age < 70, ithr(eu["age_60_69"]), 0)
    band = np.where(age <= 24, 0, np.where(age <= 49, 1, 2))
    emp_row = (band * 3 + grp) * 2 + sex
    pm = a["pension_membership"]
    by_status = np.zeros((8, 3))
    for st, key in ((EmploymentStatus.self_employed, "self_employed"), (EmploymentStatus.flexible, "flexible"),
                    (EmploymentStatus.unemployed, "unemployed"), (EmploymentStatus.inactive, "inactive")):
        by_status[st] = pm[key]
    by_status[EmploymentStatus.employee] = [pm["employee"][gk] for gk in GROUP_KEYS]
    d = a["disability"]
    prev = np.minimum(float(f["disability_level"]) * np.exp(d["age_slope"] * (ages - 60.0)), 0.6)
    sev = float(f["severe_share"])
    g1, g3 = d["grade_split"]["severe_grade_1"], d["grade_split"]["mild_grade_3"]
    cum = thr(np.stack([prev * sev * g1, prev * sev, prev * (sev + (1 - sev) * g3), prev], axis=1))
    hs = a["housing"]
    ten = np.cumsum(np.array([hs["tenure"][k] for k in GROUP_KEYS], dtype=np.float64), axis=1)
    ten /= ten[:, -1:]
    tier = np.cumsum(hs["city_tier_other_provinces"])
    child_lut = cat_lut(m.child_cdf)
    n_child = np.where(np.repeat(m.has_children, 2)[:, None], 1 + child_lut, 0).astype(np.int8)
    sig = np.float32(a["private_transfers"]["sigma"])
    return Tables(
        type_lut=cat_lut(m.type_cdf), head_age_lut=cat_lut(m.head_age_cdf), n_child_lut=n_child,
        gap_lut=cat_lut(gap_cdf)[0], gap_min=lo, origin_lut=cat_lut(m.origin_cdf), emp_lut=cat_lut(m.emp_cdf),
        tenure_lut=cat_lut(ten), tier_lut=cat_lut(tier / tier[-1])[0],
        head_male=thr(m.head_male), spouse=thr(m.spouse_p),
        disab_any=cum[:, 3].astype(np.uint16) if cum[:, 3].max() < U16 else cum[:, 3].copy(), disab_thr=np.ascontiguousarray(cum.T),
        student_thr=np.broadcast_to(thr(student), shape).ravel(),
        pensioner_thr=np.broadcast_to(p_pens[grp], shape).ravel(),
        elderly_work_thr=np.broadcast_to(np.where(rural, farm_thr, flex_thr), shape).astype(np.int32).ravel(),
        emp_base=np.broadcast_to(emp_row, shape).astype(np.intp).ravel() << 16,
        member_thr=thr(by_status * float(f["employee_member"])).ravel(),
        transfer_factor=np.exp(sig * _NORMAL_MID - np.float32(0.5) * sig * sig),
        floor_factor=np.exp(float(m.g["housing"]["floor_area_sigma"]) * _NORMAL_MID.astype(np.float64)),
    )


# ----------------------------------------------------------------------------------------------- stages
def _structure(d: Draws, m: Model, t: Tables, n_urban: int, n: int):
    """Household types and the [9, n] slot matrices of age, sex, activity (slot-major, so that each slot is a
    contiguous row; ages and sexes of inactive slots are left undefined); the household size; whether an adult
    child (18-34) lives at home."""
    a = m.a["household_types"]
    u = d.u16(20, n)
    typ = np.empty(n, dtype=np.int8)
    typ[:n_urban] = t.type_lut[Area.urban].take(u[0, :n_urban])
    typ[n_urban:] = t.type_lut[Area.rural].take(u[0, n_urban:])
    ti = typ.astype(np.intp)
    head_age = t.head_age_lut.take((ti << 16) | u[1]).astype(np.int16)
    head_age += MIN_AGE_HEAD
    head_male = u[2] < t.head_male.take(ti)
    has_spouse = u[3] < t.spouse.take(ti)
    gap = t.gap_lut.take(u[4]).astype(np.int16)
    gap += t.gap_min
    gap *= 1 - 2 * _i8(head_male)  # the husband is the older by the gap
    spouse_age = np.clip(head_age + gap, 18, 100)

    ages = np.empty((SLOTS, n), dtype=np.int16)
    active = np.empty((SLOTS, n), dtype=bool)
    ages[0] = head_age
    active[0] = True
    ages[1] = spouse_age
    active[1] = has_spouse
    size = 1 + _i8(has_spouse)
    # children: intended number by type x area, oldest born when the head was U(min, max), spacing U(min, max)
    row = ti * 2
    row[:n_urban] += Area.urban
    n_child = t.n_child_lut.take((row << 16) | u[5])
    fb, sp = a["first_birth_age"], a["birth_spacing"]
    c0 = head_age - (fb["min"] + uniform_int(u[6], fb["max"] - fb["min"] + 1))
    c1 = c0 - (sp["min"] + uniform_int(u[7], sp["max"] - sp["min"] + 1))
    c2 = c1 - (sp["min"] + uniform_int(u[8], sp["max"] - sp["min"] + 1))
    adult_child = np.zeros(n, dtype=bool)
    for k, ck in enumerate((c0, c1, c2)):
        ages[2 + k] = ck
        act = (n_child > k) & (ck >= 0) & (ck <= 34)
        active[2 + k] = act
        size += _i8(act)
        adult_child |= act & (ck >= 18)
    # parents of the head
    par = a["parents"]
    is_par = (typ == T_THREE) | (typ == T_COUPLE_PARENTS)
    span = par["age_gap_max"] - par["age_gap_min"] + 1
    p0 = head_age + (par["age_gap_min"] + uniform_int(u[9], span))
    p1 = head_age + (par["age_gap_min"] + uniform_int(u[10], span))
    two = u[11] < ithr(par["two_share"])
    ages[5] = p0
    ages[6] = p1
    act5 = is_par & (p0 <= 100)
    act6 = is_par & two & (p1 <= 100)
    # grandchildren (skipped generation)
    gc = a["grandchildren"]
    is_skip = typ == T_SKIPPED
    ages[7] = uniform_int(u[12], gc["max_age"] + 1)
    ages[8] = uniform_int(u[13], gc["max_age"] + 1)
    act8 = is_skip & (u[14] < ithr(gc["probs"][1]))
    for k, act in ((5, act5), (6, act6), (7, is_skip), (8, act8)):
        active[k] = act
        size += _i8(act)
    # sex per slot (Sex.male 0, Sex.female 1)
    sex = np.empty((SLOTS, n), dtype=np.int8)
    sex[0] = ~head_male
    sex[1] = head_male
    female = ithr(a["sex_female_share"])
    for k, col in enumerate((2, 3, 4, 7, 8)):
        sex[col] = u[15 + k] < female
    # father in slot 5 unless he is the only one left and the draw makes the lone parent the mother
    sex[5] = act5 & ~act6 & ~two & (u[15] < ithr(a["lone_parent_female"]))
    sex[6] = Sex.female
    return typ, head_age, ages, sex, active, size, adult_child


def _hukou(d: Draws, m: Model, t: Tables, pidx: int, n_urban: int, head_age: np.ndarray, elderly: np.ndarray):
    """Hukou province and group per household (urban households first), and each household's design factor of
    the migrant oversampling; the hukou type follows from the group (urban hukou only in group G_URBAN_HUKOU).

    An urban household is a cross-province migrant with probability c (destination rate x head-age factor) and
    else a local rural-hukou migrant with probability r; both are drawn at k' = min(k, migrant_cap / p) times
    their probability (p = c + (1 - c) r the household's probability of being a migrant; k = migrant_factor, x
    migrant_elderly_factor when a member is 60 or older: ``elderly``), with design factor 1 / k' for migrants and
    (1 - p) / (1 - k' p) for the others (generator.yaml oversampling). The thresholds are exact to 2**-16 and the
    design factors use them."""
    n = len(head_age)
    a = m.a["hukou"]
    f = m.f["scales"]
    o = m.g["oversampling"]
    u = d.u16(4, n)
    hukou_prov = np.full(n, CODES[pidx], dtype=np.int8)
    group = np.full(n, G_RURAL, dtype=np.int8)  # rural residents hold local rural hukou
    design = np.ones(n)
    if n_urban:
        af = a["migrant_head_age_factor"]
        factor = np.array([af["under_45"], af["from_45_to_59"], af["over_60"]], dtype=np.float64)
        ha = head_age[:n_urban]
        band = (_i8(ha >= 45) + _i8(ha >= 60)).astype(np.intp)  # 0: under 45, 1: 45-59, 2: 60+
        c = np.clip(m.cross_rate[pidx] * factor, 0.0, 1.0).take(band)
        r = np.clip(float(f["rural_local_hukou"]) * factor, 0.0, 1.0).take(band)
        p = c + (1.0 - c) * r
        k = np.where(elderly[:n_urban], float(o["migrant_factor"]) * float(o["migrant_elderly_factor"]),
                     float(o["migrant_factor"]))
        k = np.maximum(np.minimum(k, float(o["migrant_cap"]) / np.maximum(p, 1e-12)), 1.0)
        t_c = thr(k * c)
        t_r = thr(np.where(k * c < 1.0, k * (1.0 - c) * r / np.maximum(1.0 - k * c, 1e-12), 0.0))
        cross = u[0, :n_urban] < t_c
        local_rural = ~cross & (u[1, :n_urban] < t_r)
        pm = t_c / U16 + (1.0 - t_c / U16) * (t_r / U16)  # the drawn probability of a migrant (to 2**-16)
        mig = cross | local_rural
        design[:n_urban] = np.where(mig, p / np.maximum(pm, 1e-12), (1.0 - p) / np.maximum(1.0 - pm, 1e-12))
        ci = np.flatnonzero(cross)
        hukou_prov[ci] = CODES[t.origin_lut[pidx][u[2, ci]]]
        rural_type = local_rural | (cross & (u[3, :n_urban] < ithr(a["cross_province_rural_share"])))
        group[:n_urban] = _i8(rural_type) * np.int8(G_RURAL_HUKOU_URBAN - G_URBAN_HUKOU) + np.int8(G_URBAN_HUKOU)
    return hukou_prov, group, design


def _disability(d: Draws, t: Tables, age_i: np.ndarray) -> np.ndarray:
    """Disability grade (0 none, 1-2 severe, 3-4 moderate/mild): one uniform against cumulative thresholds of
    prevalence x grade shares by age (prevalence rising with age, CDPF totals)."""
    u = d.u16(1, len(age_i))[0]
    grade = np.zeros(len(age_i), dtype=np.int8)
    i = np.flatnonzero(u < t.disab_any.take(age_i))
    if i.size:  # below the threshold of grade 4: the grade is 4 less the thresholds of grades 1-3 it is below
        ui, ai = u.take(i), age_i.take(i)
        g = np.full(i.size, 4, dtype=np.int8)
        for c in t.disab_thr[:3]:
            g -= _i8(ui < c.take(ai))
        grade[i] = g
    return grade


def _employment(d: Draws, m: Model, t: Tables, pkey: np.ndarray, age, sex, group, grade, year: int):
    """Employment status, pension scheme and contribution years per person (``pkey``: the person key)."""
    a = m.a
    f = m.f["scales"]
    n = len(age)
    u = d.u16(9, n)
    student = u[0] < t.student_thr.take(pkey)
    # retirement age: men 60, women 50 or 55
    ret = a["retirement"]
    men, (w0, w1) = ret["age_men"], ret["age_women"]
    ret_age = sex * ((w0 - men) + _i8(u[1] >= U16 // 2) * np.int8(w1 - w0)) + np.int8(men)  # Sex.female == 1
    adult = (age >= 16) & ~student
    pensioner = adult & (age >= ret_age) & (u[2] < t.pensioner_thr.take(pkey))
    elderly = adult & ~pensioner & (age >= 60)
    working = adult & ~pensioner & ~elderly
    # working-age status: rows band x group x sex; 80% of the severely disabled are inactive
    e = a["employment"]
    drawn = t.emp_lut.take(t.emp_base.take(pkey) | u[3])
    inactive_dis = working & (grade > 0) & (grade <= 2) & (u[4] < ithr(e["severe_disability_inactive"]))
    # elderly non-pensioners: some farm (rural) or work flexibly (towns, 60-69)
    elderly_work = elderly & (u[3] < t.elderly_work_thr.take(pkey))
    # the categories are exclusive and EmploymentStatus.inactive == 0: sum them
    status = drawn * _i8(working & ~inactive_dis)
    farmer, flexible = np.int8(EmploymentStatus.farmer), np.int8(EmploymentStatus.flexible)
    status += _i8(elderly_work) * (flexible + _i8(group == G_RURAL) * (farmer - flexible))
    status += _i8(student) * np.int8(EmploymentStatus.student)
    status += _i8(pensioner) * np.int8(EmploymentStatus.retired)
    # pension scheme membership: employee scheme by status (employees also by group), else resident scheme
    pm = a["pension_membership"]
    member_emp = working & (u[5] < t.member_thr.take(status * np.int8(3) + group))
    res_elderly = ithr(ret["resident_member_elderly"] * float(f["resident_elderly"]))
    res_other = ithr(pm["resident_otherwise"] * float(f["resident_member"]))
    member_res = ((elderly & (u[6] < res_elderly)) | (working & (u[6] < res_other))) & ~member_emp
    scheme = _i8(member_res) * np.int8(PensionScheme.resident)
    scheme += _i8(pensioner | member_emp) * np.int8(PensionScheme.employee)
    cy = pm["contribution_years"]
    years = np.zeros(n, dtype=np.int16)
    # retirees: U(min, max) x a fitted scale (average employee pension), at most the years since age 16
    i = np.flatnonzero(pensioner)
    drawn_years = cy["retiree"]["min"] + uniform_int(u[7].take(i), cy["retiree"]["max"] - cy["retiree"]["min"] + 1)
    y = np.minimum(np.rint(drawn_years * np.float32(f["retiree_years"])), ret_age.take(i) - 16)
    years[i] = y.astype(np.int16)
    af = cy["active_fraction"]
    i = np.flatnonzero(member_emp)
    frac = np.float32(af["min"]) + u[7].take(i) * np.float32((af["max"] - af["min"]) / U16)
    years[i] = np.clip(np.floor(frac * (age.take(i) - 20)), 0, 45).astype(np.int16)
    i = np.flatnonzero(member_res)
    span = np.minimum(age.take(i) - 16, year - cy["resident_since"])
    years[i] = np.maximum(np.floor(span * (np.float32(0.6) + u[8].take(i) * np.float32(0.4 / U16))), 0).astype(
        np.int16)
    return status, scheme, years


def _income_tables(m: Model, pidx: int) -> tuple[np.ndarray, np.ndarray]:
    """Log median and sigma (float32, as the real and imaginary parts of a complex64: one gather for both) and
    the age/sex adjustment (float32) of earnings by status x person key: the terms of
    ``log earnings = mu + sigma z + household shock - adjustment``."""
    inc = m.a["income"]
    fi = m.f["income"]
    lidx = float(np.log(m.income_index[pidx]))
    # kind of earnings by status: 0 none, 1 employee, 2 flexible (wages), 3 self-employed, 4 farmer
    kind_of = np.zeros(8, dtype=np.intp)
    kind_of[EmploymentStatus.employee], kind_of[EmploymentStatus.flexible] = 1, 2
    kind_of[EmploymentStatus.self_employed], kind_of[EmploymentStatus.farmer] = 3, 4
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
    shape = (8, 3, AGES, 2)
    kind = kind_of[:, None, None, None]
    grp = np.arange(3)[None, :, None, None]
    # the wage age curve and female gap, in float32 as on persons: curvature x dev^2 - gap x sex (wages only)
    ac = inc["age_curve"]
    dev = (np.arange(AGES, dtype=np.int16) - ac["peak"]).astype(np.float32)[None, None, :, None]
    female = np.arange(2, dtype=np.int8)[None, None, None, :]
    adjust = np.float32(ac["curvature"]) * dev * dev - np.float32(inc["female_log_gap"]) * female
    adjust = np.where((kind == 1) | (kind == 2), adjust, np.float32(0))
    mu_sd = (mu.astype(np.float32) + 1j * sd.astype(np.float32)).astype(np.complex64)
    return (np.broadcast_to(mu_sd[kind, grp], shape).ravel(),
            np.broadcast_to(adjust, shape).ravel())


def top_allocation(n_area: int, m: Model) -> int:
    """Households of an area's top stratum (generator.yaml oversampling): ``factor x top_share x n`` rounded to an
    even number (households are paired within strata for the replicate weights, analysis/replicates.py); 0
    when that is below 2 (the area is then drawn unstratified)."""
    o = m.g["oversampling"]
    return 2 * int(round(float(o["factor"]) * float(o["top_share"]) * n_area / 2.0))


def household_shock(d: Draws, m: Model, n: int, n_urban: int | None = None
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The household earnings shock (float32) with its Pareto top, drawn by strata; each household's design
    factor (generator.yaml top_incomes, oversampling); the households in the tail and the tail's part of their
    log shock (its excess over the splice point).

    Each household has a latent rank U; s = 1 - U is its population share above it. The households of each area
    (the first ``n_urban`` urban, the rest rural; all one area when ``n_urban`` is None) are split into two
    strata of fixed size: the last ``n_t`` = :func:`top_allocation` households form the top stratum (U above
    1 - q_o, q_o = top_share), the others the body (U uniform in (0, 1 - q_o), design factor
    (1 - q_o) / (1 - n_t / n_area)). Inside the top stratum U is drawn with probability proportional to size:
    s has density proportional to s^-beta on (s_min, q_o] (beta = top_rank_power, s_min = richest_rank_share),
    so that the richest are drawn most often; the design factor is the inverse of that density relative to the
    stratum's share, ``(q_o / (n_t / n_area)) x s^beta (q_o^(1-beta) - s_min^(1-beta)) / ((1 - beta) q_o)``,
    whose mean over the stratum is its population share over its sampled share. Weight x income therefore
    falls only as s^(beta - 1/alpha) along the Pareto tail instead of s^(-1/alpha): the tail's totals (the top
    rate of the income tax) are estimated from many households of comparable weight x income.
    The shock is ``sd z(U)`` below 1 - q_t (the log-normal body) and ``sd z(1 - q_t) + ln(q_t / s) / alpha``
    above (a Pareto factor spliced on at the same rank)."""
    g = m.g
    sd = float(m.a["income"]["household_shock_sd"])
    q_t = float(g["top_incomes"]["tail_share"])
    o = g["oversampling"]
    q_o, beta, s_min = float(o["top_share"]), float(o["top_rank_power"]), float(o["richest_rank_share"])
    alpha = float(m.f["income"]["tail_alpha"])
    w = d._words(3 * n)
    # the 32-bit uniform v, mapped into the household's stratum
    v = w[n:2 * n].astype(np.uint64) << np.uint64(16)
    v |= w[2 * n:]
    v32 = v.astype(np.float64)
    v32 += 0.5
    v32 *= 1.0 / 2.0**32
    u = v32.copy()
    design = np.ones(n)
    tops, rates = [], []
    for lo, hi in ([(0, n)] if n_urban is None else [(0, n_urban), (n_urban, n)]):
        n_t = top_allocation(hi - lo, m)
        if n_t == 0:
            continue  # unstratified: U uniform in (0, 1), design factor 1
        rate = n_t / (hi - lo)  # the top stratum's sampled share
        u[lo:hi - n_t] *= 1.0 - q_o
        design[lo:hi - n_t] = (1.0 - q_o) / (1.0 - rate)
        tops.append(np.arange(hi - n_t, hi))
        rates.append(np.full(n_t, rate))
    ti = np.concatenate(tops) if tops else np.zeros(0, dtype=np.intp)
    if ti.size:
        e = 1.0 - beta
        a, b = s_min ** e, q_o ** e
        s_top = (a + (b - a) * v32[ti]) ** (1.0 / e)  # inverse CDF of the density ~ s^-beta on (s_min, q_o]
        u[ti] = 1.0 - s_top
        design[ti] = (q_o / np.concatenate(rates)) * s_top ** beta * ((b - a) / (e * q_o))
    body32 = np.minimum(u * 2.0**32, 2.0**32 - 1).astype(np.uint64)  # the rank as a 32-bit uniform (body only)
    shock = normal_of_u32((body32 >> np.uint64(16)).astype(np.uint16), (body32 & np.uint64(0xFFFF)).astype(np.uint16))
    shock *= np.float32(sd)
    tail = np.flatnonzero(u >= 1.0 - q_t)
    excess = np.zeros(0, dtype=np.float32)
    if tail.size:
        survival = 1.0 - u[tail]
        if ti.size:  # exact for the top stratum
            pos = np.searchsorted(tail, ti)
            survival[pos] = s_top
        base = sd * float(inverse_normal_cdf(np.array([1.0 - q_t]))[0])
        excess = (np.log(q_t / survival) / alpha).astype(np.float32)
        shock[tail] = np.float32(base) + excess
    return shock, design, tail, excess


def _incomes(d: Draws, m: Model, pidx: int, n: int, hh, pkey, status, heads, size, n_urban: int):
    """Earnings by source (log-normal with a household shock that has a Pareto top, :func:`household_shock`);
    the household shock, a second household normal (the wealth index behind property income) and the design
    factors are returned too."""
    z = d.normal(len(pkey))  # one draw each: a person has one kind of earnings
    shock, design, tail, excess = household_shock(d, m, n, n_urban)
    hz1 = d.normal(n)
    mu_sd, adjust = _income_tables(m, pidx)
    ikey = status.astype(np.intp) * KEYS + pkey
    ms = mu_sd.take(ikey)
    logv = ms.imag * z
    logv += ms.real  # mu + sd z (float32 addition commutes exactly)
    del ms
    logv += shock.take(hh)
    logv -= adjust.take(ikey)
    v = logv.astype(np.float64)
    np.exp(v, out=v)
    wage_income = v * ((status == EmploymentStatus.employee) | (status == EmploymentStatus.flexible))
    self_employment_income = v * (status == EmploymentStatus.self_employed)
    agricultural_income = v * (status == EmploymentStatus.farmer)
    if tail.size:  # farm income keeps the body: the Pareto top is non-farm (generator.yaml top_incomes)
        counts = size.take(tail)  # the persons of the tail households, household by household
        first = heads.take(tail)
        idx = np.repeat(first - np.cumsum(counts) + counts, counts) + np.arange(int(counts.sum()))
        agricultural_income[idx] *= np.repeat(np.exp(-excess.astype(np.float64)), counts)
    return wage_income, self_employment_income, agricultural_income, shock, hz1, design


def _private_transfers(d: Draws, m: Model, t: Tables, pidx: int, n_urban: int, n_up: int, typ, head_age,
                       code, heads, slot, age, status, has_supporter, wage_income,
                       self_employment_income) -> np.ndarray:
    """Private transfers received per person (yuan/year): the part of NBS net transfers that gongfu's programmes
    do not produce (assumptions.yaml private_transfers). Units go to persons 60+ (support by children living
    elsewhere, medical reimbursements, pensions above the rules'), to the head of a rural household with
    members working away (remittances) and to earners in proportion to their earnings (the survey-vs-law gap in
    taxes and contributions). Persons without an obligated supporter (candidates for tekun) receive no support
    from children or remittances.

    Amount = fitted level x units x mean-one log-normal factor x province income index^elasticity; who receives
    and the units are assumptions, the level is fitted to NBS net transfers by area. ``n_up`` persons live in
    the ``n_urban`` urban households, which come first; ``code`` is the packed household code of each person
    (bit 2: an adult child lives at home).
    """
    a = m.a["private_transfers"]
    fi = m.f["income"]
    el, rm = a["elderly"], a["remittances"]
    u = d.u16(2, len(age))
    zu = d._words(len(age))  # the uniforms of the log-normal factor (Draws.normal16)
    index = m.income_index[pidx] ** fi["province_elasticity"]  # as earnings (fitted)
    # elderly: co-resident with a child when living with the head as the head's parent, or heading/partnering
    # a household with an adult child
    coresident = ((slot == 5) | (slot == 6)) | ((slot <= 1) & ((code & 4) != 0))
    rs = el["receive_share"]
    receive = ((coresident & (u[0] < ithr(rs["with_coresident_child"])))
               | (~coresident & (u[0] < ithr(rs["without_coresident_child"]))))
    elderly = (age >= el["min_age"]) & has_supporter & receive  # no children, no support (tekun)
    # units of the elderly by (employee pensioner, 70+, receiving), as float32 products
    eu = el["units"]
    per_unit = np.array([eu["without_employee_pension"], eu["employee_pensioner"]], dtype=np.float32)[:, None]
    old = np.array([1.0, el["age_70_plus_factor"]], dtype=np.float32)[None, :]
    unit_lut = np.zeros((2, 2, 2), dtype=np.float32)
    unit_lut[:, :, 1] = per_unit * old
    key = (_i8(status == EmploymentStatus.retired) * np.int8(4) + _i8(age >= 70) * np.int8(2) + _i8(elderly))
    units = unit_lut.ravel().take(key.astype(np.intp))
    earner_units = a["earners_units_per_10000_yuan"]
    if earner_units:  # (adding 0 x earnings would change nothing)
        units += np.float32(earner_units / 10000.0) * (wage_income + self_employment_income).astype(np.float32)
    # remittances to rural households, on the head
    if n_urban < len(typ):
        hr = heads[n_urban:]
        uh = u[1].take(hr)
        skipped = typ[n_urban:] == T_SKIPPED
        ha = head_age[n_urban:]
        sg, rh = rm["skipped_generation"], rm["rural_head_40_69"]
        got_skipped = skipped & (uh < ithr(sg["receive_share"]))
        got_mid = ~skipped & (ha >= 40) & (ha <= 69) & (uh < ithr(rh["receive_share"]))
        rem_lut = np.array([0.0, sg["units"], rh["units"]], dtype=np.float32)
        rkey = (_i8(got_skipped) + _i8(got_mid) * np.int8(2)) * _i8(has_supporter.take(hr))
        units[hr] += rem_lut.take(rkey.astype(np.intp))
    level = np.array([fi["private_level_rural"], fi["private_level_urban"]], dtype=np.float32) * np.float32(index)
    units[:n_up] *= level[Area.urban]
    units[n_up:] *= level[Area.rural]
    units *= t.transfer_factor.take(zu)
    np.rint(units, out=units)
    return units.astype(np.float64)


def strata_sizes(n_urban: int, n_rural: int, m: Model) -> list[int]:
    """Sizes of the design strata of a partition in household order: urban body, urban top, rural body, rural top
    (:func:`household_shock`; an area too small for a top stratum is one stratum)."""
    out = []
    for n_area in (n_urban, n_rural):
        n_t = top_allocation(n_area, m)
        out += [n_area - n_t, n_t]
    return out


def household_ids(start: int, n_urban: int, n_rural: int, m: Model) -> np.ndarray:
    """Household ids of a partition: ``start`` (even) + the household's place, plus one for each stratum of odd size
    before it, so that every design stratum begins at an even id. Households 2j and 2j + 1 are then always of the
    same stratum, or one of them does not exist: the pairs of the replicate weights (analysis/replicates.py)."""
    sizes = strata_sizes(n_urban, n_rural, m)
    gaps = np.repeat(np.cumsum([0] + [k % 2 for k in sizes[:-1]]), sizes)
    return start + np.arange(n_urban + n_rural, dtype=np.int64) + gaps


def ids_needed(n_urban: int, n_rural: int, m: Model) -> int:
    """Ids a partition uses (:func:`household_ids`), rounded up to even so that the next partition starts even."""
    n = n_urban + n_rural + sum(k % 2 for k in strata_sizes(n_urban, n_rural, m))
    return n + n % 2


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
    typ, head_age, ages, sexes, active, size, adult_child = _structure(rngs["demography"], m, t, n_urban, n)
    elderly = ((ages >= 60) & active).any(axis=0)  # a member aged 60+ (migrant oversampling)
    hukou_prov_h, group_h, design_hukou = _hukou(rngs["hukou"], m, t, pidx, n_urban, head_age, elderly)

    # flatten the slot matrices into persons (grouped by household, household order, slot order); the persons of
    # urban households come first
    flat = np.flatnonzero(active.T)  # household * 9 + slot of each person
    del active
    hh = flat // SLOTS
    pos = hh * SLOTS
    np.subtract(flat, pos, out=pos)  # the slot
    slot = pos.astype(np.int8)
    role = SLOT_ROLE.take(pos)
    pos *= n
    pos += hh  # slot * n + household: the person's place in the [9, n] matrices
    age = ages.ravel().take(pos)
    sex = sexes.ravel().take(pos)
    del flat, pos, ages, sexes
    n_p = len(age)
    heads = np.zeros(n, dtype=np.intp)  # first person of each household
    np.cumsum(size[:-1], dtype=np.intp, out=heads[1:])
    n_up = int(heads[n_urban]) if n_rural else n_p
    # the household attributes persons need, packed in one int8 so that one gather serves them all: bits 0-1
    # the group, bit 2 an adult child at home, bit 3 living alone
    code = _i8(adult_child) << 2
    code |= _i8(size == 1) << 3
    code |= group_h
    code = code.take(hh)
    group = code & 3
    age_i = age.astype(np.intp)
    pkey = group.astype(np.int16) * AGES
    pkey += age
    pkey *= 2
    pkey += sex
    pkey = pkey.astype(np.intp)

    grade = _disability(rngs["disability"], t, age_i)
    status, scheme, years = _employment(rngs["employment"], m, t, pkey, age, sex, group, grade, year)
    wage_income, self_employment_income, agricultural_income, shock, hz1, design = _incomes(
        rngs["income"], m, pidx, n, hh, pkey, status, heads, size, n_urban)
    design *= design_hukou

    # housing (household level) and the wealth index behind property income
    inc = m.a["income"]
    fi = m.f["income"]
    hs = m.a["housing"]
    rh = rngs["housing"]
    uh = rh.u16(6, n)
    wealth = shock + np.float32(inc["property"]["wealth_sigma"]) * hz1
    tenure = t.tenure_lut.take((group_h.astype(np.intp) << 16) | uh[0])
    owner = tenure == Tenure.owner
    th = hs["extra_homes_wealth_thresholds"]
    n_homes = (1 + _i8(wealth > th[0]) + _i8(wealth > th[1])) * _i8(owner)
    extra_homes = np.maximum(n_homes - 1, 0)
    fa_factor = t.floor_factor.take(rh._words(n))  # exp(sigma z), z = Draws.normal16 (generator.yaml housing)
    # floor area per person by tenure x area (owners by area, renters, other tenure none), x size x factor
    fa = hs["floor_area_per_person"]
    per_person = np.array([[fa["rural"], fa["urban"]], [hs["renter_floor_area_per_person"]] * 2, [0.0, 0.0]],
                          dtype=np.float64)
    main_area = per_person.ravel().take(tenure.astype(np.intp) * 2 + area)
    main_area *= size
    main_area *= fa_factor
    total_area = main_area + extra_homes * float(hs["extra_home_area"])
    floor_area = np.round(total_area, 1)
    pti = hs["price_to_income"]
    home_value = total_area  # reused: x price per m2 by area, rounded to 100 yuan, owners only
    home_value[:n_urban] *= m.income_2024[pidx] * pti["urban"]
    home_value[n_urban:] *= m.income_2024[pidx] * pti["rural"]
    np.round(home_value, -2, out=home_value)
    home_value *= owner
    tier = np.full(n, 3, dtype=np.int8)
    tier[:n_urban] = 1 if province_code in MUNICIPALITIES else 1 + t.tier_lut.take(uh[1, :n_urban])
    mort = hs["mortgage"]
    young, other = ithr(mort["young_urban_owner"]), ithr(mort["other_owner"])
    mortgage_draw = uh[2] < other
    ha = head_age[:n_urban]
    mortgage_draw[:n_urban] = ((ha < 50) & (uh[2, :n_urban] < young)) | ((ha >= 50) & mortgage_draw[:n_urban])
    has_mortgage = owner & mortgage_draw

    # property income, on the head
    pr = inc["property"]
    ew = wealth.astype(np.float64)
    np.exp(ew, out=ew)
    ew[:n_urban] *= m.income_index[pidx] * fi["property_scale_urban"]
    ew[n_urban:] *= m.income_index[pidx] * fi["property_scale_rural"]
    gp = m.g["property_income"]  # relative amounts per unit of wealth factor (the fitted scales set the level)
    interest_h = (ew * float(gp["interest_per_unit"])) * (uh[3] < ithr(pr["interest_holders"]))
    dividend_h = ew * float(gp["dividend_per_unit"])
    dividend_h[:n_urban] *= uh[4, :n_urban] < ithr(pr["dividend_holders"]["urban"])
    dividend_h[n_urban:] *= uh[4, n_urban:] < ithr(pr["dividend_holders"]["rural"])
    rental_h = (extra_homes * ew) * float(gp["rental_per_unit"])
    interest_income = np.zeros(n_p)
    dividend_income = np.zeros(n_p)
    rental_income = np.zeros(n_p)
    interest_income[heads] = interest_h
    dividend_income[heads] = dividend_h
    rental_income[heads] = rental_h

    # take-up and obligated supporters
    rt = rngs["takeup"]
    tk = m.f["takeup"]
    ud = rt.u16(1, n)[0]
    dibao_takeup = np.empty(n, dtype=bool)
    dibao_takeup[:n_urban] = ud[:n_urban] < ithr(tk["dibao_urban"])
    dibao_takeup[n_urban:] = ud[n_urban:] < ithr(tk["dibao_rural"])
    up = rt.u16(2, n_p)
    tekun_takeup = up[0] < ithr(float(tk["tekun"]))
    alone = code >= 8
    no_support_group = alone & ((age >= 60) | ((grade >= 1) & (grade <= 2) & (age >= 16)))
    has_supporter = ~(no_support_group & (up[1] < ithr(float(m.f["scales"]["no_supporter_share"]))))

    private = _private_transfers(rngs["transfers"], m, t, pidx, n_urban, n_up, typ, head_age, code, heads, slot,
                                 age, status, has_supporter, wage_income, self_employment_income)
    del code

    # the IIT base (generator.yaml iit_base_inputs, housing_fund)
    annual_bonus, housing_fund_member, flat = _iit_base(rngs["iitbase"], m, status, scheme, group, wage_income)

    # weight: design factor x raking multipliers, then post-stratified to persons by area within the partition
    weight = household_weights(m, pidx, area, size, hh, age_i, (persons_rural, persons_urban), design)

    households = {
        "household_id": household_ids(household_id_start, n_urban, n_rural, m), "province": np.full(n, province_code,
                                                                                                     dtype=np.int8),
        "area": area, "weight": weight, "tenure": tenure, "n_homes": n_homes, "home_value": home_value,
        "floor_area": floor_area, "city_tier": tier, "has_mortgage": has_mortgage, "dibao_takeup": dibao_takeup,
    }
    hukou_province = np.full(n_p, province_code, dtype=np.int8)
    hukou_province[:n_up] = hukou_prov_h.take(hh[:n_up])
    hid = households["household_id"].take(hh)
    del hh
    person_id = hid * 16
    person_id += slot
    persons = {
        "person_id": person_id, "household_id": hid, "role": role,
        "age": age, "sex": sex, "hukou_province": hukou_province,
        "hukou_type": _i8(group == G_URBAN_HUKOU), "employment_status": status, "disability_grade": grade,
        "wage_income": wage_income, "self_employment_income": self_employment_income,
        "agricultural_income": agricultural_income, "interest_income": interest_income,
        "dividend_income": dividend_income, "rental_income": rental_income,
        "private_transfers_received": private, "pension_scheme": scheme,
        "contribution_years": years, "has_obligated_supporter": has_supporter, "tekun_takeup": tekun_takeup,
        "annual_bonus": annual_bonus, "housing_fund_member": housing_fund_member, **flat,
    }
    return households, persons


def _iit_base(d: Draws, m: Model, status, scheme, group, wage_income):
    """Person inputs of the IIT base: the annual one-time bonus (a share of wages), housing provident fund
    membership, and the flat fallback amounts of generator.yaml iit_base_inputs (0 where no figure exists).

    Housing-fund members are employees (status employee) in the employee pension scheme, with a probability by
    hukou/residence group (generator.yaml housing_fund.member_prior) times a scale fitted to the contributors
    (fitted.yaml scales.housing_fund_member)."""
    g = m.g
    n_p = len(status)
    zeros = np.zeros(n_p)
    zeros.flags.writeable = False  # one read-only array for every column that is 0 (no copies, no writes)
    share = float(g["iit_base_inputs"]["annual_bonus"])
    annual_bonus = wage_income * share if share else zeros
    prior = g["housing_fund"]["member_prior"]
    scale = float(m.f["scales"].get("housing_fund_member", 1.0))
    thr_g = thr([prior[k] * scale for k in GROUP_KEYS])
    u = d.u16(1, n_p)[0]
    member = (status == EmploymentStatus.employee) & (scheme == PensionScheme.employee)
    member &= u < thr_g.take(group.astype(np.intp))
    flat = {}
    for name in IIT_FLAT_INPUTS:
        value = float(g["iit_base_inputs"][name])
        flat[name] = np.full(n_p, value) if value else zeros
    return annual_bonus, member, flat


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
                      age: np.ndarray, persons_by_area: tuple[float, float],
                      design: np.ndarray | None = None) -> np.ndarray:
    """design x exp(x'lambda) over the raking features, normalised within each area of the partition to its
    persons; ``hh`` gives each person's household (0 .. n-1); ``design`` the design factors of the strata
    (:func:`household_shock`; none: equal). When the urban households come first (as generated), each area is a
    slice instead of a boolean selection (same values, same summation order)."""
    household, per_age, per_area = raking_age_effects(m, pidx)
    eta = household + per_area.take(area) * size + np.bincount(hh, weights=per_age.take(age), minlength=len(area))
    g = np.exp(eta - eta.max(initial=0.0))
    if design is not None:
        g *= design
    w = np.zeros(len(area))
    k = int(np.count_nonzero(area))
    urban_first = bool(area[:k].all())
    for a in (0, 1):
        sel = (slice(k, None) if a == 0 else slice(0, k)) if urban_first else area == a
        gs = g[sel]
        denom = float((gs * size[sel]).sum())
        if denom > 0:
            w[sel] = gs * (persons_by_area[a] / denom)
    return w
