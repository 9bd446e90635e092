"""Properties of the individual income tax, social-insurance contributions and pensions (hypothesis).

Each test draws a population of single-person (or couple) households with random incomes, statuses and
provinces and checks a property the law guarantees: tax never negative, non-decreasing in wages, marginal rate
at most 45%, contribution bases within 60%-300% of the average wage, pensions rising with contribution years.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gongfu.engine import load_system
from gongfu.engine.enums import EmploymentStatus, PensionScheme, Role, Sex, Tenure
from gongfu.engine.geography import CODES

PROVINCES = [int(c) for c in CODES]
MAX_RATE = 0.45
EPS = 1e-6

person_st = st.fixed_dictionaries({
    "province": st.sampled_from(PROVINCES),
    "area": st.integers(0, 1),
    "tenure": st.sampled_from([int(t) for t in Tenure]),
    "has_mortgage": st.booleans(),
    "age": st.integers(16, 90),
    "sex": st.sampled_from([int(s) for s in Sex]),
    "employment_status": st.sampled_from([int(e) for e in EmploymentStatus]),
    "pension_scheme": st.sampled_from([int(p) for p in PensionScheme]),
    "wage_income": st.floats(0, 3_000_000, allow_nan=False),
    "self_employment_income": st.floats(-50_000, 3_000_000, allow_nan=False),
    "agricultural_income": st.floats(0, 200_000, allow_nan=False),
    "dividend_income": st.floats(0, 500_000, allow_nan=False),
    "interest_income": st.floats(0, 200_000, allow_nan=False),
    "rental_income": st.floats(0, 600_000, allow_nan=False),
    "iit_serious_illness_expenses": st.floats(0, 200_000, allow_nan=False),
    "iit_continuing_education_months": st.integers(0, 12),
})
population_st = st.lists(person_st, min_size=1, max_size=30)


def _with_whole_base(person: dict, extra: dict, bonus_share: float) -> dict:
    """A person with the rest of the IIT base (issue 11 §1); the annual bonus is a share of wages."""
    return {**person, **extra, "annual_bonus": bonus_share * person["wage_income"]}


rich_person_st = st.builds(_with_whole_base, person_st, st.fixed_dictionaries({
    "housing_fund_member": st.booleans(),
    "labour_remuneration": st.sampled_from([0.0, 5_000.0, 80_000.0, 600_000.0]),
    "author_remuneration": st.floats(0, 300_000, allow_nan=False),
    "royalty_income": st.floats(0, 300_000, allow_nan=False),
    "individual_pension_contribution": st.floats(0, 20_000, allow_nan=False),
    "enterprise_annuity_contribution": st.floats(0, 50_000, allow_nan=False),
    "taxable_interest_income": st.floats(0, 100_000, allow_nan=False),
    "property_transfer_gain": st.floats(0, 2_000_000, allow_nan=False),
    "incidental_income": st.floats(0, 100_000, allow_nan=False),
}), st.sampled_from([0.0, 0.1, 0.3, 1.0]))
rich_population_st = st.lists(rich_person_st, min_size=1, max_size=30)
years_st = st.sampled_from([2024, 2025])

HOUSEHOLD_KEYS = ("province", "area", "tenure", "has_mortgage")
DTYPES = {"province": np.int8, "area": np.int8, "tenure": np.int8, "age": np.int16, "sex": np.int8,
          "employment_status": np.int8, "pension_scheme": np.int8, "has_mortgage": np.bool_,
          "iit_continuing_education_months": np.int32, "housing_fund_member": np.bool_}


def _simulate(people: list[dict], year: int, system=None, **overrides):
    """One single-person household per entry; `overrides` replace person columns."""
    n = len(people)
    households = {"household_id": np.arange(n, dtype=np.int64)}
    persons = {"household_id": np.arange(n, dtype=np.int64)}
    for key in people[0]:
        column = np.array([p[key] for p in people], dtype=DTYPES.get(key, np.float64))
        (households if key in HOUSEHOLD_KEYS else persons)[key] = column
    persons.update(overrides)
    return (system or load_system()).simulation(households=households, persons=persons, year=year)


@settings(max_examples=40, deadline=None)
@given(population_st, years_st)
def test_tax_and_contributions_are_never_negative(people, year):
    sim = _simulate(people, year)
    for name in ("individual_income_tax", "iit_comprehensive", "iit_business", "iit_property",
                 "social_insurance_contributions", "iit_comprehensive_taxable_income", "iit_business_taxable_income"):
        assert np.all(sim.calc(name) >= 0.0), name
    total = (sim.calc("iit_comprehensive") + sim.calc("iit_business") + sim.calc("iit_property")
             + sim.calc("iit_annual_bonus") + sim.calc("iit_incidental"))
    np.testing.assert_allclose(sim.calc("individual_income_tax"), total)


@settings(max_examples=40, deadline=None)
@given(population_st, years_st, st.floats(1.0, 500_000, allow_nan=False))
def test_more_wages_never_lower_tax_or_contributions(people, year, extra):
    """Employment status and scheme held fixed (given), more wages never lower the tax or contributions of a
    person living alone (the business-income cliff at the first yuan of wages only raises tax)."""
    base = _simulate(people, year)
    wages = base.calc("wage_income")
    richer = _simulate(people, year, wage_income=wages + extra)
    for name in ("individual_income_tax", "social_insurance_contributions"):
        assert np.all(richer.calc(name) >= base.calc(name) - EPS), name


@settings(max_examples=40, deadline=None)
@given(population_st, years_st, st.floats(1.0, 200_000, allow_nan=False))
def test_marginal_tax_rate_on_wages_is_at_most_45_percent(people, year, extra):
    """For a wage earner (wages > 0 at both points), an extra yuan of wages costs at most 0.45 yuan of tax
    (个人所得税法 第三条: top rate 45%); contributions only lower the taxable part."""
    base = _simulate(people, year)
    wages = np.maximum(base.calc("wage_income"), 1.0)
    low = _simulate(people, year, wage_income=wages)
    high = _simulate(people, year, wage_income=wages + extra)
    delta = high.calc("individual_income_tax") - low.calc("individual_income_tax")
    assert np.all(delta <= MAX_RATE * extra + EPS)
    assert np.all(high.calc("iit_comprehensive") <= MAX_RATE * high.calc("gross_wages") + EPS)


@settings(max_examples=40, deadline=None)
@given(population_st, years_st, st.floats(0.0, 5.0, allow_nan=False))
def test_contribution_bases_stay_within_60_to_300_percent(people, year, chosen):
    """国办发〔2019〕13号: bases of contributors lie within 60%-300% of the provincial average wage (a flexible
    worker's chosen ratio is held within the bounds), so contributions are bounded by the ceiling."""
    sim = _simulate(people, year, flexible_contribution_base_ratio=np.full(len(people), chosen))
    params = load_system().parameters.at(dt.date(year, 1, 1))
    avg = sim.calc("social_insurance_average_wage")
    floor, ceiling = params.get("social_insurance.employee.base_floor_ratio") * avg, \
        params.get("social_insurance.employee.base_ceiling_ratio") * avg
    for base_name, who in (("employee_contribution_base", "employee_contributor"),
                           ("flexible_contribution_base", "flexible_contributor")):
        base, on = sim.calc(base_name), sim.calc(who)
        assert np.all(base[on] >= floor[on] - EPS) and np.all(base[on] <= ceiling[on] + EPS), base_name
        assert np.all(base[~on] == 0.0), base_name
    employee = (sim.calc("employee_pension_contribution") + sim.calc("employee_medical_contribution")
                + sim.calc("unemployment_contribution"))
    assert np.all(employee <= ceiling * (0.08 + 0.02 + 0.01) + EPS)
    flexible = sim.calc("flexible_pension_contribution") + sim.calc("flexible_medical_contribution")
    assert np.all(flexible <= ceiling * (0.20 + 0.08) + EPS)
    resident = sim.calc("resident_pension_contribution") + sim.calc("resident_medical_premium")
    assert np.all(resident <= 2000 + 400 + EPS)


@settings(max_examples=30, deadline=None)
@given(population_st, years_st)
def test_a_larger_basic_deduction_never_raises_tax(people, year):
    """A reform raising the basic deduction from 60,000 to 72,000 lowers nobody's tax, and lowers it for every
    wage earner whose taxable comprehensive income was positive."""
    system = load_system()
    leaf = system.parameters.leaf("tax.iit.basic_deduction")
    reformed = system.with_parameters(system.parameters.with_leaves(
        {leaf.path: leaf.with_value(dt.date(2019, 1, 1), 72000)}))
    base = _simulate(people, year, system)
    after = _simulate(people, year, reformed)
    assert np.all(after.calc("individual_income_tax") <= base.calc("individual_income_tax") + EPS)
    taxed = base.calc("iit_comprehensive_taxable_income") > 0
    assert np.all(after.calc("iit_comprehensive")[taxed] < base.calc("iit_comprehensive")[taxed])


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1_000_000, allow_nan=False), st.floats(0, 1_000_000, allow_nan=False),
                          st.integers(0, 3), st.sampled_from(PROVINCES)), min_size=1, max_size=10),
       st.floats(1.0, 100_000, allow_nan=False))
def test_couple_tax_rises_with_head_wages_despite_claimant_switch(couples, extra):
    """Couples with children: the child deductions follow the higher earner; the couple's total tax still never
    falls when the head earns more."""
    def simulate(head_extra: float):
        n = len(couples)
        households = {"household_id": np.arange(n, dtype=np.int64),
                      "province": np.array([c[3] for c in couples], dtype=np.int8)}
        rows = []
        for i, (head, spouse, kids, _) in enumerate(couples):
            rows.append((i, Role.head, 40, head + head_extra))
            rows.append((i, Role.spouse, 38, spouse))
            rows.extend((i, Role.child, 2 + 4 * k, 0.0) for k in range(kids))
        persons = {
            "household_id": np.array([r[0] for r in rows], dtype=np.int64),
            "role": np.array([r[1] for r in rows], dtype=np.int8),
            "age": np.array([r[2] for r in rows], dtype=np.int16),
            "wage_income": np.array([r[3] for r in rows]),
            "employment_status": np.array([EmploymentStatus.employee if r[1] != Role.child
                                           else EmploymentStatus.student for r in rows], dtype=np.int8),
            "pension_scheme": np.array([PensionScheme.employee if r[1] != Role.child
                                        else PensionScheme.none for r in rows], dtype=np.int8),
        }
        sim = load_system().simulation(households=households, persons=persons, year=2025)
        return sim.members.sum(sim.calc("individual_income_tax"))

    assert np.all(simulate(extra) >= simulate(0.0) - EPS)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(15, 45), st.floats(0.6, 3.0, allow_nan=False), st.sampled_from(PROVINCES),
                          st.sampled_from([int(s) for s in Sex])), min_size=1, max_size=20),
       st.integers(1, 10), years_st)
def test_employee_pension_rises_with_years_and_is_zero_below_fifteen(retirees, more, year):
    """国发〔2005〕38号: each extra contribution year adds 1% of the indexed wage (and to the account); fewer
    than 15 years give no monthly pension (社会保险法 第十六条)."""
    def simulate(extra_years: int, years_override=None):
        n = len(retirees)
        years = np.array([r[0] + extra_years for r in retirees], dtype=np.float64)
        persons = {"household_id": np.arange(n, dtype=np.int64), "age": np.full(n, 66, dtype=np.int16),
                   "sex": np.array([r[3] for r in retirees], dtype=np.int8),
                   "employment_status": np.full(n, EmploymentStatus.retired, dtype=np.int8),
                   "pension_scheme": np.full(n, PensionScheme.employee, dtype=np.int8),
                   "contribution_years": years if years_override is None else years_override,
                   "pension_wage_index": np.array([r[1] for r in retirees])}
        households = {"household_id": np.arange(n, dtype=np.int64),
                      "province": np.array([r[2] for r in retirees], dtype=np.int8)}
        return load_system().simulation(households=households, persons=persons, year=year)

    base = simulate(0).calc("employee_pension")
    assert np.all(simulate(more).calc("employee_pension") > base)
    short = simulate(0, years_override=np.full(len(retirees), 14.0)).calc("employee_pension")
    assert np.all(short == 0.0)


@settings(max_examples=30, deadline=None)
@given(population_st, years_st)
def test_resident_pension_is_at_least_the_national_minimum_for_every_eligible_person(people, year):
    sim = _simulate(people, year)
    minimum = load_system().parameters.at(dt.date(year, 1, 1)).get("pensions.resident.basic_pension_minimum")
    eligible = sim.calc("resident_pension_eligible")
    pension = sim.calc("resident_pension")
    assert np.all(pension[eligible] >= 12 * minimum - EPS)
    assert np.all(pension[~eligible] == 0.0)
    # nobody draws both pensions
    assert not np.any((pension > 0) & (sim.calc("employee_pension") > 0))


# ---------------------------------------------------------------- the whole IIT base (issue 11 §1)
def _bonus_choice(choice: int):
    from gongfu.reforms.loader import parse_reform

    reform = {"name": f"bonus_{choice}", "from": dt.date(2024, 1, 1),
              "parameters": {"tax.iit.annual_bonus.choice": choice}}
    return parse_reform(reform, "<test>").apply(load_system())


@settings(max_examples=30, deadline=None)
@given(rich_population_st, years_st)
def test_whole_base_taxes_are_never_negative_and_the_housing_fund_within_its_limits(people, year):
    sim = _simulate(people, year)
    for name in ("individual_income_tax", "iit_annual_bonus", "iit_property", "iit_incidental",
                 "housing_fund_employee_contribution", "housing_fund_taxable_excess",
                 "iit_individual_pension_deduction", "iit_enterprise_annuity_deduction"):
        assert np.all(sim.calc(name) >= 0.0), name
    deductible, paid = sim.calc("housing_fund_iit_deductible"), sim.calc("housing_fund_employee_contribution")
    assert np.all(deductible <= paid + EPS)
    cap = 0.12 * 3.0 * sim.calc("social_insurance_average_wage")  # 财税〔2006〕10号: 12% of at most 3 × average
    assert np.all(deductible <= cap + EPS)
    member = sim.calc("housing_fund_member") & (sim.calc("gross_wages") > 0)
    assert np.all((paid > 0) == member)
    assert np.all(sim.calc("iit_individual_pension_deduction") <= 12_000 + EPS)  # 公告2022年第34号
    assert np.all(sim.calc("iit_enterprise_annuity_deduction")
                  <= 0.04 * 3.0 * sim.calc("social_insurance_average_wage") + EPS)  # 财税〔2013〕103号


@settings(max_examples=25, deadline=None)
@given(rich_population_st, years_st)
def test_the_default_bonus_choice_is_the_lower_tax(people, year):
    """With choice 0 the tax is the lower of 'always separate' and 'always combined' (the taxpayer's choice)."""
    best = _simulate(people, year).calc("individual_income_tax")
    separate = _simulate(people, year, system=_bonus_choice(1)).calc("individual_income_tax")
    combined = _simulate(people, year, system=_bonus_choice(2)).calc("individual_income_tax")
    np.testing.assert_allclose(best, np.minimum(separate, combined), atol=EPS)


@settings(max_examples=25, deadline=None)
@given(rich_population_st, years_st)
def test_paying_part_of_wages_as_annual_bonus_never_raises_tax(people, year):
    """Same wages, part of them paid as the annual bonus: the tax never rises (combining stays possible)."""
    with_bonus = _simulate(people, year)
    without = _simulate(people, year, annual_bonus=np.zeros(len(people)))
    assert np.all(with_bonus.calc("individual_income_tax") <= without.calc("individual_income_tax") + EPS)


@settings(max_examples=25, deadline=None)
@given(rich_population_st, years_st, st.floats(1.0, 300_000, allow_nan=False))
def test_more_labour_remuneration_never_lowers_tax_and_costs_at_most_36_percent(people, year, extra):
    """More labour remuneration never lowers the tax; without business income (whose deductions move to
    comprehensive income at its first yuan, 实施条例 第十五条) a yuan costs at most 45% × 80% = 0.36 yuan."""
    base = _simulate(people, year)
    more = _simulate(people, year, labour_remuneration=base.calc("labour_remuneration") + extra)
    delta = more.calc("individual_income_tax") - base.calc("individual_income_tax")
    assert np.all(delta >= -EPS)
    no_business = base.calc("iit_business_income") <= 0.0
    assert np.all(delta[no_business] <= MAX_RATE * 0.8 * extra + EPS)
