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
7. the household weight: raking multipliers exp(x'lambda) fitted offline, post-stratified within the
   partition so that persons by province x area match the 2024 figures exactly.
"""

from __future__ import annotations

import numpy as np

from gongfu.engine.enums import Area, EmploymentStatus, HukouType, PensionScheme, Role, Sex, Tenure
from gongfu.engine.geography import CODES
from gongfu.population.tables import MIN_AGE_HEAD, MUNICIPALITIES, Model

SLOTS = 9  # head, spouse, 3 children, 2 parents, 2 grandchildren
SLOT_ROLE = np.array([Role.head, Role.spouse, Role.child, Role.child, Role.child, Role.parent, Role.parent,
                      Role.grandchild, Role.grandchild], dtype=np.int8)
T_SINGLE, T_COUPLE, T_NUCLEAR, T_LONE, T_THREE, T_COUPLE_PARENTS, T_SKIPPED = range(7)
G_URBAN_HUKOU, G_RURAL_HUKOU_URBAN, G_RURAL = 0, 1, 2
STAGES = ("demography", "hukou", "employment", "pension", "disability", "income", "housing", "takeup", "transfers")

HOUSEHOLD_COLUMNS = ("household_id", "province", "area", "weight", "tenure", "n_homes", "home_value",
                     "floor_area", "city_tier", "has_mortgage", "dibao_takeup")
PERSON_COLUMNS = ("person_id", "household_id", "role", "age", "sex", "hukou_province", "hukou_type",
                  "employment_status", "disability_grade", "wage_income", "self_employment_income",
                  "agricultural_income", "interest_income", "dividend_income", "rental_income",
                  "private_transfers_received", "pension_scheme", "contribution_years", "has_obligated_supporter",
                  "tekun_takeup")


_LUT_BITS = 12
_LUT_CACHE: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def _lut(cdf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-row lookup table: the category of the start of each of 2**12 equal bins of [0, 1)."""
    key = id(cdf)
    hit = _LUT_CACHE.get(key)
    if hit is not None and hit[1] is cdf:
        return hit[0], cdf
    starts = np.arange(1 << _LUT_BITS, dtype=np.float64) / (1 << _LUT_BITS)
    lut = np.stack([np.searchsorted(row, starts, side="right") for row in cdf]).astype(np.int16)
    _LUT_CACHE[key] = (lut, cdf)
    return lut, cdf


def draw_categorical(u: np.ndarray, cdf: np.ndarray, row: np.ndarray | int = 0) -> np.ndarray:
    """Category index for each uniform ``u`` in [0,1) under the cumulative row ``cdf[row]`` (vectorised).

    Exact inverse-CDF draw: a per-row lookup table gives the category at the start of the uniform's bin, then
    the index is stepped forward while ``u`` lies beyond the cumulative probability (rarely more than once).
    """
    cdf = np.atleast_2d(cdf)
    k = cdf.shape[1]
    lut, _ = _lut(cdf)
    row = np.broadcast_to(np.asarray(row, dtype=np.intp), np.shape(u))
    idx = lut[row, (u * (1 << _LUT_BITS)).astype(np.intp)].astype(np.intp)
    flat = cdf.ravel()
    base = row * k
    todo = np.flatnonzero(u >= flat[base + np.minimum(idx, k - 1)])
    while todo.size:
        idx[todo] += 1
        sub = todo[idx[todo] < k]
        todo = sub[u[sub] >= flat[base[sub] + idx[sub]]]
    return np.minimum(idx, k - 1)


def _rngs(seed: int, partition_id: int) -> dict[str, np.random.Generator]:
    ss = np.random.SeedSequence(seed, spawn_key=(partition_id,))
    return {name: np.random.Generator(np.random.PCG64(child)) for name, child in zip(STAGES, ss.spawn(len(STAGES)),
                                                                                      strict=True)}


def _structure(rng: np.random.Generator, m: Model, area: np.ndarray):
    """Household types and the [n, 9] slot matrices of age, sex, activity."""
    n = len(area)
    a = m.a["household_types"]
    u = rng.random((13, n))
    typ = draw_categorical(u[0], m.type_cdf, area).astype(np.int8)
    head_age = (MIN_AGE_HEAD + draw_categorical(u[1], m.head_age_cdf, typ)).astype(np.int16)
    head_male = u[2] < m.head_male[typ]
    has_spouse = u[3] < m.spouse_p[typ]
    gap = np.rint(a["spouse_age_gap"]["mean"] + a["spouse_age_gap"]["sd"] * rng.standard_normal(n)).astype(np.int16)
    spouse_age = np.clip(np.where(head_male, head_age - gap, head_age + gap), 18, 100).astype(np.int16)

    ages = np.zeros((n, SLOTS), dtype=np.int16)
    active = np.zeros((n, SLOTS), dtype=bool)
    ages[:, 0] = head_age
    active[:, 0] = True
    ages[:, 1] = spouse_age
    active[:, 1] = has_spouse
    # children: intended number by type x area, oldest born when the head was U(min, max), spacing U(min, max)
    n_child = np.where(m.has_children[typ], 1 + draw_categorical(u[4], m.child_cdf, typ.astype(np.int64) * 2 + area), 0)
    fb, sp = a["first_birth_age"], a["birth_spacing"]
    c0 = head_age - np.floor(fb["min"] + u[5] * (fb["max"] - fb["min"] + 1))
    c1 = c0 - np.floor(sp["min"] + u[6] * (sp["max"] - sp["min"] + 1))
    c2 = c1 - np.floor(sp["min"] + u[7] * (sp["max"] - sp["min"] + 1))
    for k, ck in enumerate((c0, c1, c2)):
        ages[:, 2 + k] = np.maximum(ck, 0)
        active[:, 2 + k] = (n_child > k) & (ck >= 0) & (ck <= 34)
    # parents of the head
    par = a["parents"]
    is_par = (typ == T_THREE) | (typ == T_COUPLE_PARENTS)
    g = par["age_gap_max"] - par["age_gap_min"] + 1
    p0 = head_age + np.floor(par["age_gap_min"] + u[8] * g)
    p1 = head_age + np.floor(par["age_gap_min"] + u[9] * g)
    ages[:, 5] = np.minimum(p0, 127)
    ages[:, 6] = np.minimum(p1, 127)
    active[:, 5] = is_par & (p0 <= 100)
    active[:, 6] = is_par & (u[10] < par["two_share"]) & (p1 <= 100)
    # grandchildren (skipped generation)
    gc = a["grandchildren"]
    is_skip = typ == T_SKIPPED
    ages[:, 7] = np.floor(u[11] * (gc["max_age"] + 1))
    ages[:, 8] = np.floor(u[12] * (gc["max_age"] + 1))
    active[:, 7] = is_skip
    active[:, 8] = is_skip & (rng.random(n) < gc["probs"][1])
    # sex per slot
    sex = np.zeros((n, SLOTS), dtype=np.int8)
    sex[:, 0] = np.where(head_male, Sex.male, Sex.female)
    sex[:, 1] = np.where(head_male, Sex.female, Sex.male)
    us = rng.random((5, n))
    female = a["sex_female_share"]
    for k, col in enumerate((2, 3, 4, 7, 8)):
        sex[:, col] = us[k] < female
    # father in slot 5 unless he is the only one left and the draw makes the lone parent the mother
    one_parent = active[:, 5] & ~active[:, 6]
    sex[:, 5] = np.where(one_parent & (u[10] >= par["two_share"]) & (us[0] < a["lone_parent_female"]),
                         Sex.female, Sex.male)
    sex[:, 6] = Sex.female
    return typ, ages, sex, active


def _hukou(rng: np.random.Generator, m: Model, pidx: int, area: np.ndarray, typ: np.ndarray,
           head_age: np.ndarray):
    """Hukou province, hukou type and group per household."""
    n = len(area)
    a = m.a["hukou"]
    f = m.f["scales"]
    u = rng.random((4, n))
    af = a["migrant_head_age_factor"]
    age_factor = np.where(head_age < 45, af["under_45"], np.where(head_age < 60, af["from_45_to_59"], af["over_60"]))
    urban = area == Area.urban
    cross = urban & (u[0] < m.cross_rate[pidx] * age_factor)
    local_rural = urban & ~cross & (u[1] < float(f["rural_local_hukou"]) * age_factor)
    code = CODES[pidx]
    origin = CODES[draw_categorical(u[2], m.origin_cdf, pidx)]
    hukou_prov = np.where(cross, origin, code).astype(np.int8)
    rural_type = ~urban | local_rural | (cross & (u[3] < a["cross_province_rural_share"]))
    hukou_type = np.where(rural_type, HukouType.rural, HukouType.urban).astype(np.int8)
    group = np.where(~urban, G_RURAL, np.where(rural_type, G_RURAL_HUKOU_URBAN, G_URBAN_HUKOU)).astype(np.int8)
    return hukou_prov, hukou_type, group


def _disability(rng: np.random.Generator, m: Model, age: np.ndarray) -> np.ndarray:
    """Disability grade (0 none, 1-2 severe, 3-4 moderate/mild): prevalence rising with age, one uniform each."""
    a = m.a["disability"]
    f = m.f["scales"]
    u = rng.random(len(age), dtype=np.float32)
    prev = np.minimum(np.float32(f["disability_level"]) * np.exp(np.float32(a["age_slope"]) * (age - np.float32(60))),
                      np.float32(0.6))
    dis = u < prev
    v = u / prev  # uniform on [0,1) given disabled: reused for severity and grade
    sev = np.float32(f["severe_share"])
    severe = v < sev
    w = np.where(severe, v / sev, (v - sev) / (1 - sev))
    half = w < a["grade_split"]["severe_grade_1"]
    grade = np.where(severe, np.where(half, 1, 2), np.where(half, 3, 4)).astype(np.int8)
    grade[~dis] = 0
    return grade


def _employment(rng: np.random.Generator, m: Model, age, sex, group, area, grade, year: int):
    """Employment status, pension scheme and contribution years per person."""
    a = m.a
    f = m.f["scales"]
    n = len(age)
    u = rng.random((9, n), dtype=np.float32)
    urban = area == Area.urban
    status = np.full(n, EmploymentStatus.inactive, dtype=np.int8)
    ed = a["education"]
    student = (age >= 3) & (age <= 15) & (u[0] < ed["age_3_15"])
    for lo, hi, key in ((16, 18, "age_16_18"), (19, 22, "age_19_22"), (23, 24, "age_23_24")):
        p = np.where(urban, ed[key]["urban"], ed[key]["rural"])
        student |= (age >= lo) & (age <= hi) & (u[0] < p)
    # retirement age: men 60, women 50 or 55
    ret = a["retirement"]
    ret_age = np.where(sex == Sex.male, ret["age_men"], np.where(u[1] < 0.5, ret["age_women"][0], ret["age_women"][1]))
    adult = (age >= 16) & ~student
    p_pens = np.array([ret["employee_pensioner"][g] for g in ("urban_hukou_urban", "rural_hukou_urban", "rural")])
    pensioner = adult & (age >= ret_age) & (u[2] < p_pens[group] * float(f["employee_pensioner"]))
    elderly = adult & ~pensioner & (age >= 60)
    working = adult & ~pensioner & ~elderly
    # working-age status: rows band x group x sex
    band = np.where(age <= 24, 0, np.where(age <= 49, 1, 2))
    row = (band * 3 + group.astype(np.int64)) * 2 + sex
    work_status = draw_categorical(u[3], m.emp_cdf, row).astype(np.int8)
    status = np.where(working, work_status, status)
    inactive_dis = working & (grade > 0) & (grade <= 2) & (u[4] < a["employment"]["severe_disability_inactive"])
    status = np.where(inactive_dis, EmploymentStatus.inactive, status)
    # elderly non-pensioners: some farm (rural) or work flexibly (urban, 60-69)
    ef, eu = a["employment"]["elderly_rural_farmer"], a["employment"]["elderly_urban_flexible"]
    p_farm = np.where(age < 70, ef["age_60_69"], ef["age_70_plus"])
    eld_status = np.where(~urban & (u[3] < p_farm), EmploymentStatus.farmer,
                          np.where(urban & (age < 70) & (u[3] < eu["age_60_69"]), EmploymentStatus.flexible,
                                   EmploymentStatus.inactive))
    status = np.where(elderly, eld_status, status)
    status = np.where(student, EmploymentStatus.student, status)
    status = np.where(pensioner, EmploymentStatus.retired, status).astype(np.int8)
    # pension scheme membership
    pm = a["pension_membership"]
    by_status = np.zeros(8)
    by_status[EmploymentStatus.self_employed] = pm["self_employed"]
    by_status[EmploymentStatus.flexible] = pm["flexible"]
    by_status[EmploymentStatus.unemployed] = pm["unemployed"]
    by_status[EmploymentStatus.inactive] = pm["inactive"]
    p_emp = by_status[status]
    emp_by_group = np.array([pm["employee"][g] for g in ("urban_hukou_urban", "rural_hukou_urban", "rural")])
    p_emp = np.where(status == EmploymentStatus.employee, emp_by_group[group], p_emp) * float(f["employee_member"])
    member_emp = working & (u[5] < p_emp)
    p_res = np.where(elderly, ret["resident_member_elderly"] * float(f["resident_elderly"]),
                     pm["resident_otherwise"] * float(f["resident_member"]))
    member_res = (working | elderly) & ~member_emp & (u[6] < p_res)
    scheme = np.where(pensioner | member_emp, PensionScheme.employee,
                      np.where(member_res, PensionScheme.resident, PensionScheme.none)).astype(np.int8)
    cy = pm["contribution_years"]
    years_ret = cy["retiree"]["min"] + np.floor(u[7] * (cy["retiree"]["max"] - cy["retiree"]["min"] + 1))
    frac = cy["active_fraction"]["min"] + u[7] * (cy["active_fraction"]["max"] - cy["active_fraction"]["min"])
    years_act = np.clip(np.floor(frac * (age - 20)), 0, 45)
    years_res = np.floor(np.minimum(age - 16, year - cy["resident_since"]) * (0.6 + 0.4 * u[8]))
    years = np.where(pensioner, years_ret, np.where(member_emp, years_act, np.where(member_res, years_res, 0)))
    return status, scheme, np.maximum(years, 0).astype(np.int16)


def _private_transfers(rng: np.random.Generator, m: Model, pidx: int, typ: np.ndarray, ages: np.ndarray,
                       active: np.ndarray, area: np.ndarray, hh: np.ndarray, slot: np.ndarray, age: np.ndarray,
                       status: np.ndarray, has_supporter: np.ndarray) -> np.ndarray:
    """Private transfers received per person (yuan/year): support of persons 60+ by children living elsewhere,
    and remittances of members working away, carried by the head of the rural household that receives them.
    Persons without an obligated supporter (candidates for tekun) receive no support from children.

    Amount = fitted level x units x mean-one log-normal factor x province income index^elasticity; who receives
    and the units are assumptions (assumptions.yaml private_transfers), the level is fitted to NBS net transfers.
    """
    a = m.a["private_transfers"]
    fi = m.f["income"]
    level = (np.array([fi["private_level_rural"], fi["private_level_urban"]])[area[hh]]
             * m.income_index[pidx] ** a["province_elasticity"])
    n_p = len(age)
    u = rng.random((2, n_p), dtype=np.float32)
    z = rng.standard_normal(n_p, dtype=np.float32)
    sig = np.float32(a["sigma"])
    factor = np.exp(sig * z - np.float32(0.5) * sig * sig)
    # elderly: co-resident with a child when living with the head as the head's parent, or heading/partnering
    # a household with an adult child
    el = a["elderly"]
    adult_child = ((ages[:, 2:5] >= 18) & active[:, 2:5]).any(axis=1)[hh]
    coresident = (slot >= 5) & (slot <= 6) | ((slot <= 1) & adult_child)
    p_recv = np.where(coresident, el["receive_share"]["with_coresident_child"],
                      el["receive_share"]["without_coresident_child"])
    units = np.where(status == EmploymentStatus.retired, el["units"]["employee_pensioner"],
                     el["units"]["without_employee_pension"]) * np.where(age >= 70, el["age_70_plus_factor"], 1.0)
    elderly = (age >= el["min_age"]) & has_supporter & (u[0] < p_recv)  # no children, no support (tekun)
    amount = np.where(elderly, units, 0.0)
    # remittances to rural households, on the head
    rm = a["remittances"]
    head_age = ages[:, 0][hh]
    rural = (area == Area.rural)[hh]
    skipped = (typ == T_SKIPPED)[hh]
    mid = rural & ~skipped & (head_age >= 40) & (head_age <= 69)
    is_head = slot == 0
    rem = np.where(skipped & (u[1] < rm["skipped_generation"]["receive_share"]), rm["skipped_generation"]["units"],
                   np.where(mid & (u[1] < rm["rural_head_40_69"]["receive_share"]), rm["rural_head_40_69"]["units"], 0.0))
    amount = amount + np.where(is_head & rural, rem, 0.0)
    return np.round(amount * factor * level, 0)


def _lognormal(z: np.ndarray, log_median: np.ndarray | float, sigma: np.ndarray | float) -> np.ndarray:
    return np.exp(log_median + sigma * z)


def generate(seed: int, partition_id: int, province_code: int, n_urban: int, n_rural: int,
             household_id_start: int, persons_urban: float, persons_rural: float, m: Model,
             year: int = 2024) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Households and persons of one partition (see module docstring). Pure function of its arguments."""
    rngs = _rngs(seed, partition_id)
    pidx = int(np.flatnonzero(CODES == province_code)[0])
    n = n_urban + n_rural
    area = np.zeros(n, dtype=np.int8)
    area[:n_urban] = Area.urban
    typ, ages, sexes, active = _structure(rngs["demography"], m, area)
    head_age = ages[:, 0]
    hukou_prov_h, hukou_type_h, group_h = _hukou(rngs["hukou"], m, pidx, area, typ, head_age)

    # flatten the slot matrices into persons (row-major: grouped by household, household order)
    flat = np.flatnonzero(active.ravel())
    hh = (flat // SLOTS).astype(np.int64)
    slot = (flat % SLOTS).astype(np.int8)
    size = active.sum(axis=1).astype(np.int64)
    age = ages.ravel()[flat]
    sex = sexes.ravel()[flat]
    role = SLOT_ROLE[slot]
    parea = area[hh]
    group = group_h[hh]
    hh_ids = household_id_start + np.arange(n, dtype=np.int64)

    grade = _disability(rngs["disability"], m, age)
    status, scheme, years = _employment(rngs["employment"], m, age, sex, group, parea, grade, year)

    # incomes
    inc = m.a["income"]
    fi = m.f["income"]
    r = rngs["income"]
    z = r.standard_normal(len(age), dtype=np.float32)  # one draw each: a person has one kind of earnings
    hz = r.standard_normal((2, n))
    urban_p = parea == Area.urban
    lidx = float(np.log(m.income_index[pidx]))
    shock = (inc["household_shock_sd"] * hz[0])[hh]
    wage_med = np.array([inc["wage_log_median"][g] for g in ("urban_hukou_urban", "rural_hukou_urban", "rural")])
    group_shift = np.array([0.0, fi["migrant_shift"], 0.0])  # fitted: earnings of rural-hukou town workers
    level_a = np.array([fi["level_rural"], fi["level_urban"]])
    sig_a = np.array([fi["sigma_rural"], fi["sigma_urban"]])
    wage_income = np.zeros(len(age))
    self_employment_income = np.zeros(len(age))
    agricultural_income = np.zeros(len(age))
    ac = inc["age_curve"]
    is_wage = (status == EmploymentStatus.employee) | (status == EmploymentStatus.flexible)
    i = np.flatnonzero(is_wage)
    ar = parea[i]
    logw = (wage_med[group[i]] + group_shift[group[i]] + level_a[ar] + inc["province_elasticity"] * lidx
            - ac["curvature"] * (age[i] - ac["peak"]).astype(np.float64) ** 2
            + inc["female_log_gap"] * sex[i] + shock[i] + sig_a[ar] * inc["wage_sigma"] * z[i])
    wage_income[i] = np.exp(logw) * np.where(status[i] == EmploymentStatus.flexible, inc["flexible_factor"], 1.0)
    i = np.flatnonzero(status == EmploymentStatus.self_employed)
    ar = parea[i]
    se_med = np.array([inc["self_employment_log_median"]["rural"], inc["self_employment_log_median"]["urban"]])
    bus_a = np.array([fi["business_scale_rural"], fi["business_scale_urban"]])
    self_employment_income[i] = bus_a[ar] * np.exp(
        se_med[ar] + group_shift[group[i]] + level_a[ar] + inc["province_elasticity"] * lidx + shock[i]
        + sig_a[ar] * inc["self_employment_sigma"] * z[i])
    i = np.flatnonzero(status == EmploymentStatus.farmer)
    ar = parea[i]
    agricultural_income[i] = bus_a[ar] * np.exp(
        inc["agricultural_log_median"] + level_a[ar] + inc["agricultural_province_elasticity"] * lidx + shock[i]
        + sig_a[ar] * inc["agricultural_sigma"] * z[i])
    del urban_p

    # housing (household level) and the wealth index behind property income
    hs = m.a["housing"]
    rh = rngs["housing"]
    uh = rh.random((6, n))
    wealth = inc["household_shock_sd"] * hz[0] + inc["property"]["wealth_sigma"] * hz[1]
    ten_cdf = np.cumsum(np.array([hs["tenure"][g] for g in ("urban_hukou_urban", "rural_hukou_urban", "rural")]),
                        axis=1)
    ten_cdf[:, -1] = 1.0
    tenure = draw_categorical(uh[0], ten_cdf, group_h).astype(np.int8)
    owner = tenure == Tenure.owner
    th = hs["extra_homes_wealth_thresholds"]
    n_homes = np.where(owner, 1 + (wealth > th[0]) + (wealth > th[1]), 0).astype(np.int8)
    urban_h = area == Area.urban
    fa_pp = np.where(urban_h, hs["floor_area_per_person"]["urban"], hs["floor_area_per_person"]["rural"])
    fa_factor = np.exp(0.3 * rh.standard_normal(n))
    main_area = np.where(owner, fa_pp * size * fa_factor, np.where(tenure == Tenure.renter,
                                                                    hs["renter_floor_area_per_person"] * size * fa_factor, 0.0))
    extra_area = (n_homes.astype(np.float64) - 1).clip(0) * hs["extra_home_area"]
    floor_area = np.round(main_area + extra_area, 1)
    price = m.income_2024[pidx] * np.where(urban_h, hs["price_to_income"]["urban"], hs["price_to_income"]["rural"])
    home_value = np.where(owner, np.round((main_area + extra_area) * price, -2), 0.0)
    tier_cdf = np.cumsum(hs["city_tier_other_provinces"])
    tier = np.where(urban_h, 1 + draw_categorical(uh[1], tier_cdf[None, :] / tier_cdf[-1]), 3)
    if province_code in MUNICIPALITIES:
        tier = np.where(urban_h, 1, tier)
    mort = hs["mortgage"]
    has_mortgage = owner & (uh[2] < np.where(urban_h & (head_age < 50), mort["young_urban_owner"], mort["other_owner"]))

    # property income, on the head
    pr = inc["property"]
    ps = np.where(urban_h, fi["property_scale_urban"], fi["property_scale_rural"])
    ew = np.exp(wealth) * m.income_index[pidx]
    interest_h = np.where(uh[3] < pr["interest_holders"], ew * 2900.0 * ps, 0.0)
    div_p = np.where(urban_h, pr["dividend_holders"]["urban"], pr["dividend_holders"]["rural"])
    dividend_h = np.where(uh[4] < div_p, ew * 19000.0 * ps, 0.0)
    rental_h = np.where(n_homes >= 2, (n_homes - 1) * ew * 30000.0 * ps, 0.0)
    is_head = slot == 0
    heads = np.flatnonzero(is_head)  # one head per household, in household order
    interest_income = np.zeros(len(age))
    dividend_income = np.zeros(len(age))
    rental_income = np.zeros(len(age))
    interest_income[heads] = interest_h
    dividend_income[heads] = dividend_h
    rental_income[heads] = rental_h

    # take-up and obligated supporters
    rt = rngs["takeup"]
    tk = m.f["takeup"]
    dibao_takeup = rt.random(n) < np.where(urban_h, tk["dibao_urban"], tk["dibao_rural"])
    up = rt.random((2, len(age)), dtype=np.float32)
    tekun_takeup = up[0] < float(tk["tekun"])
    alone = (size == 1)[hh]
    no_support_group = alone & ((age >= 60) | ((grade >= 1) & (grade <= 2) & (age >= 16)))
    has_supporter = ~(no_support_group & (up[1] < float(m.f["scales"]["no_supporter_share"])))

    private = _private_transfers(rngs["transfers"], m, pidx, typ, ages, active, area, hh, slot, age, status,
                                 has_supporter)

    # weight: raking multipliers, then post-stratified to persons by area within the partition
    starts = np.r_[0, np.cumsum(size)[:-1]]
    weight = household_weights(m, pidx, area, size, starts, age, (persons_rural, persons_urban))

    households = {
        "household_id": hh_ids, "province": np.full(n, province_code, dtype=np.int8), "area": area,
        "weight": weight, "tenure": tenure, "n_homes": n_homes, "home_value": home_value.astype(np.float64),
        "floor_area": floor_area.astype(np.float64), "city_tier": tier.astype(np.int8),
        "has_mortgage": has_mortgage, "dibao_takeup": dibao_takeup,
    }
    persons = {
        "person_id": hh_ids[hh] * 16 + slot, "household_id": hh_ids[hh], "role": role,
        "age": age.astype(np.int16), "sex": sex.astype(np.int8), "hukou_province": hukou_prov_h[hh],
        "hukou_type": hukou_type_h[hh], "employment_status": status, "disability_grade": grade,
        "wage_income": wage_income, "self_employment_income": self_employment_income,
        "agricultural_income": agricultural_income, "interest_income": interest_income,
        "dividend_income": dividend_income, "rental_income": rental_income,
        "private_transfers_received": private, "pension_scheme": scheme,
        "contribution_years": years, "has_obligated_supporter": has_supporter, "tekun_takeup": tekun_takeup,
    }
    return households, persons


def raking_features(pidx: int, n: int, starts: np.ndarray, age: np.ndarray) -> dict[str, np.ndarray]:
    """Household-level counts that the raking multipliers act on (names as in fitted.yaml); ``starts`` are
    the offsets of each household's first person in the flat person arrays."""
    def count(mask: np.ndarray) -> np.ndarray:
        return np.add.reduceat(mask.view(np.int8), starts, dtype=np.int64) if n else np.zeros(0, np.int64)

    n65 = count(age >= 65)
    return {"households": np.ones(n), "age_0_1": count(age <= 1), "age_0_15": count(age <= 15),
            "age_60_plus": count(age >= 60), f"age_65_plus_{CODES[pidx]}": n65}


def household_weights(m: Model, pidx: int, area: np.ndarray, size: np.ndarray, starts: np.ndarray,
                      age: np.ndarray, persons_by_area: tuple[float, float]) -> np.ndarray:
    """exp(x'lambda) over the raking features, normalised within each area of the partition to its persons."""
    cols, lam = m.raking
    feats = raking_features(pidx, len(area), starts, age)
    eta = np.zeros(len(area))
    for c, lm in zip(cols, lam, strict=True):
        x = feats.get(c)
        if x is not None:
            eta += lm * x
    g = np.exp(eta - eta.max(initial=0.0))
    w = np.zeros(len(area))
    for a in (0, 1):
        sel = area == a
        denom = float((g[sel] * size[sel]).sum())
        if denom > 0:
            w[sel] = g[sel] * (persons_by_area[a] / denom)
    return w
