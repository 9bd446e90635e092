"""Properties of social assistance and the income concepts (hypothesis), plus the switches and reform levers of
dibao, tekun and the minimum wage, and the reproducibility of the derived dibao table."""

from __future__ import annotations

import datetime as dt
import importlib.util
import math
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gongfu.engine import load_system
from gongfu.engine.enums import EmploymentStatus, PensionScheme
from gongfu.engine.geography import CODES, province

ROOT = Path(__file__).resolve().parent.parent
DERIVE = ROOT / "src/gongfu/parameters/secondary/assistance/derive_dibao_standards.py"
DIBAO_YAML = ROOT / "src/gongfu/parameters/secondary/assistance/dibao.yaml"

person_st = st.fixed_dictionaries({
    "age": st.integers(0, 95),
    "disability_grade": st.integers(0, 4),
    "hukou_type": st.integers(0, 1),
    "hukou_province": st.sampled_from([int(c) for c in CODES]),
    "employment_status": st.sampled_from([int(e) for e in EmploymentStatus] + [int(EmploymentStatus.inactive)] * 4),
    "pension_scheme": st.sampled_from([int(PensionScheme.none), int(PensionScheme.resident),
                                       int(PensionScheme.resident), int(PensionScheme.employee)]),
    "has_obligated_supporter": st.booleans(),
    "wage_income": st.sampled_from([0.0, 0.0, 0.0, 3000.0, 12000.0, 30000.0, 80000.0, 250000.0]),
    "agricultural_income": st.sampled_from([0.0, 0.0, 0.0, 1500.0, 4000.0, 9000.0, 40000.0]),
    "self_employment_income": st.sampled_from([0.0, 0.0, 0.0, -3000.0, 2500.0, 60000.0]),
    "interest_income": st.sampled_from([0.0, 0.0, 300.0]),
})
household_st = st.fixed_dictionaries({
    "province": st.sampled_from([int(c) for c in CODES]),
    "area": st.integers(0, 1),
    "persons": st.lists(person_st, min_size=1, max_size=5),
})
population_st = st.lists(household_st, min_size=1, max_size=6)


def _arrays(population: list[dict]) -> tuple[dict, dict]:
    households = {
        "household_id": np.arange(len(population), dtype=np.int64),
        "province": np.array([h["province"] for h in population], dtype=np.int8),
        "area": np.array([h["area"] for h in population], dtype=np.int8),
    }
    rows = [(i, p) for i, h in enumerate(population) for p in h["persons"]]
    persons: dict[str, np.ndarray] = {"household_id": np.array([i for i, _ in rows], dtype=np.int64)}
    for key in rows[0][1]:
        persons[key] = np.array([p[key] for _, p in rows])
    return households, persons


def _simulate(population: list[dict], year: int = 2025, system=None, **person_overrides):
    system = system or load_system()
    households, persons = _arrays(population)
    persons.update(person_overrides)
    return system.simulation(households=households, persons=persons, year=year)


def _without_tekun(population: list[dict]) -> list[dict]:
    """The same households with every person having a legal supporter (so nobody is tekun): a person whose income
    takes them out of tekun joins the household's dibao unit, which can raise its dibao (see
    `test_a_person_leaving_tekun_joins_the_dibao_unit`); the monotonicity of dibao itself is for the unit as it is."""
    return [{**h, "persons": [{**p, "has_obligated_supporter": True} for p in h["persons"]]} for h in population]


def test_a_person_leaving_tekun_joins_the_dibao_unit():
    """Hand-computed case (found by the property below before it excluded tekun): a Beijing-hukou infant and a
    Hebei-hukou infant, both without a supporter, live in a rural Beijing household. With no income both are
    tekun (特困人员认定办法 第五、六条: no work capacity, own income below the local dibao standard of their own
    hukou), so the dibao unit is empty and dibao is 0. If the Hebei infant receives 6,604 yuan of wages (6,204
    counted: less 400 yuan of contributions, held at the baseline's), that is above 12 x the Hebei rural standard, so they leave tekun and join the dibao unit, which takes the head's (Beijing rural) standard:
    dibao = 12 x Beijing rural standard - 6,204 > 0. Dibao rises with income here, and so can dibao + tekun in a
    household whose members hold different hukou (the tekun test uses the person's own standard, dibao the
    head's)."""
    person = {"age": 0, "disability_grade": 0, "hukou_type": 0, "employment_status": 0, "pension_scheme": 0,
              "has_obligated_supporter": False, "wage_income": 0.0, "agricultural_income": 0.0,
              "self_employment_income": 0.0, "interest_income": 0.0}
    population = [{"province": 11, "area": 0, "persons": [{**person, "hukou_province": 11},
                                                          {**person, "hukou_province": 13}]}]
    base = _simulate(population)
    fixed = {"individual_income_tax": base.calc("individual_income_tax"),
             "social_insurance_contributions": base.calc("social_insurance_contributions")}
    base = _simulate(population, **fixed)
    assert list(base.calc("tekun_recipient")) == [True, True] and base.calc("dibao")[0] == 0.0
    richer = _simulate(population, wage_income=np.array([0.0, 6604.0]), **fixed)
    hebei, beijing = (12.0 * float(base.calc("tekun_local_dibao_standard")[k]) for k in (1, 0))
    counted = float(richer.calc("dibao_counted_income")[1])
    assert counted >= hebei and list(richer.calc("tekun_recipient")) == [True, False]
    assert richer.calc("dibao_unit_size")[0] == 1
    assert math.isclose(richer.calc("dibao")[0], beijing - counted) and beijing - counted > 0


@settings(max_examples=40, deadline=None)
@given(population_st, st.integers(0, 1000), st.floats(0, 50000, allow_nan=False))
def test_more_farm_income_never_raises_dibao(population, pick, extra):
    """Raising one person's farm income (employment status and pension scheme held fixed) never raises any
    household's dibao (社会救助暂行办法 第九条: dibao tops income up to the standard), the dibao unit held fixed
    (nobody tekun: `_without_tekun`)."""
    population = _without_tekun(population)
    base = _simulate(population)
    farm = base.calc("agricultural_income").copy()
    farm[pick % len(farm)] += extra
    richer = _simulate(population, agricultural_income=farm)
    assert np.all(richer.calc("dibao") <= base.calc("dibao") + 1e-6)


@settings(max_examples=40, deadline=None)
@given(population_st, st.integers(0, 1000), st.floats(0, 50000, allow_nan=False))
def test_more_wages_never_raise_dibao_with_taxes_and_contributions_given(population, pick, extra):
    """With taxes and contributions held fixed, more wages never raise dibao (the dibao unit held fixed: nobody
    tekun, `_without_tekun`)."""
    population = _without_tekun(population)
    base = _simulate(population)
    fixed = {"individual_income_tax": base.calc("individual_income_tax"),
             "social_insurance_contributions": base.calc("social_insurance_contributions")}
    base = _simulate(population, **fixed)
    wages = base.calc("wage_income").copy()
    wages[pick % len(wages)] += extra
    richer = _simulate(population, wage_income=wages, **fixed)
    assert np.all(richer.calc("dibao") <= base.calc("dibao") + 1e-6)


@settings(max_examples=40, deadline=None)
@given(population_st)
def test_assistance_is_never_negative_and_tekun_persons_leave_the_dibao_unit(population):
    sim = _simulate(population)
    for name in ("dibao", "dibao_entitlement", "tekun", "medical_premium_assistance", "childcare_subsidy",
                 "disability_living_subsidy", "disability_nursing_subsidy", "old_age_allowance"):
        assert np.all(sim.calc(name) >= 0.0), name
    members = sim.members
    tekun = sim.calc("tekun_recipient")
    assert np.array_equal(sim.calc("dibao_unit_size"), members.counts - members.count(tekun))
    # dibao is paid only to eligible households, and never above the standard for the whole unit
    cap = 12.0 * sim.calc("dibao_standard") * sim.calc("dibao_unit_size")
    assert np.all(sim.calc("dibao") <= cap + 1e-6)
    assert np.all((sim.calc("dibao") == 0) | sim.calc("dibao_eligible"))


@settings(max_examples=40, deadline=None)
@given(population_st)
def test_disposable_income_identity(population):
    """disposable = market − taxes − contributions + benefits, exactly; each total is the sum of its role."""
    system = load_system()
    sim = _simulate(population, system=system)
    disposable = sim.calc("disposable_income")
    identity = (sim.calc("market_income") - sim.calc("total_taxes") - sim.calc("total_contributions")
                + sim.calc("total_benefits"))
    assert np.array_equal(disposable, identity)
    members = sim.members
    for total, role in (("market_income", "market"), ("total_taxes", "tax"),
                        ("total_contributions", "contribution"), ("total_benefits", "benefit")):
        expected = np.zeros(members.n_households)
        for var in system.variables_with_role(role):
            values = sim.calc(var.name)
            expected += members.sum(values) if var.entity.key == "person" else values
        np.testing.assert_allclose(sim.calc(total), expected, rtol=1e-12, atol=1e-6, err_msg=total)
    size = sim.calc("household_size")
    np.testing.assert_allclose(sim.calc("per_capita_disposable_income") * size, disposable, atol=1e-6)


def _with(system, **values):
    """The system with parameters changed from 2016-01-01 on (path with dots given as __)."""
    tree = system.parameters
    leaves = {}
    for key, value in values.items():
        path = key.replace("__", ".")
        leaves[path] = tree.leaf(path).with_value(dt.date(2016, 1, 1), value)
    return system.with_parameters(tree.with_leaves(leaves))


MIGRANTS = [{"province": province("zhejiang").code, "area": 1, "persons": [
    {"age": 38, "disability_grade": 0, "hukou_type": 0, "hukou_province": province("anhui").code,
     "employment_status": int(EmploymentStatus.employee), "pension_scheme": int(PensionScheme.none),
     "has_obligated_supporter": True, "wage_income": 15000.0, "agricultural_income": 0.0,
     "self_employment_income": 0.0, "interest_income": 0.0},
    {"age": 36, "disability_grade": 0, "hukou_type": 0, "hukou_province": province("anhui").code,
     "employment_status": int(EmploymentStatus.inactive), "pension_scheme": int(PensionScheme.none),
     "has_obligated_supporter": True, "wage_income": 0.0, "agricultural_income": 0.0,
     "self_employment_income": 0.0, "interest_income": 0.0},
]}]


def test_follows_residence_switch_gives_migrants_the_urban_standard_of_their_city():
    """Hukou reform switch: with `follows_residence`, a rural-Anhui-hukou couple in urban Zhejiang is tested
    against the Zhejiang urban standard. Hand calculation: income 15,000 / 2 = 7,500 per capita; baseline Anhui
    rural 581 × 12 = 6,972 < 7,500 → no dibao; switch on: Zhejiang urban 1,262 × 12 = 15,144 →
    (15,144 − 7,500) × 2 = 15,288."""
    zero = {"individual_income_tax": np.zeros(2), "social_insurance_contributions": np.zeros(2)}
    base = _simulate(MIGRANTS, **zero)
    assert base.calc("dibao_standard")[0] == 581
    assert base.calc("dibao")[0] == 0
    reformed = _simulate(MIGRANTS, system=_with(load_system(), assistance__dibao__follows_residence=True), **zero)
    assert reformed.calc("dibao_standard")[0] == 1262
    assert reformed.calc("dibao")[0] == 15288


def test_minimum_wage_enforcement_and_low_wage_uplift():
    """Zhejiang urban minimum 2,490 × 12 = 29,880 (2025). Wage 15,000: shortfall 14,880 reported, wage unchanged in
    the baseline; enforced: +14,880. Uplift 10% below 1.5 × 29,880 = 44,820: 15,000 → 16,500 (+1,500); 43,000 →
    capped at 44,820 (+1,820); 50,000 unchanged."""
    pop = [{**MIGRANTS[0], "persons": [
        {**MIGRANTS[0]["persons"][0], "wage_income": w} for w in (15000.0, 43000.0, 50000.0)]}]
    base = _simulate(pop)
    np.testing.assert_allclose(base.calc("minimum_wage_shortfall"), [14880, 0, 0])
    np.testing.assert_allclose(base.calc("gross_wages"), [15000, 43000, 50000])
    enforced = _simulate(pop, system=_with(load_system(), minimum_wage__enforce=True))
    np.testing.assert_allclose(enforced.calc("minimum_wage_adjustment"), [14880, 0, 0])
    uplift = _simulate(pop, system=_with(load_system(), minimum_wage__low_wage_uplift_rate=0.10))
    np.testing.assert_allclose(uplift.calc("minimum_wage_adjustment"), [1500, 1820, 0])
    np.testing.assert_allclose(uplift.calc("market_income"), [15000 + 1500 + 43000 + 1820 + 50000])


def test_charity_is_not_counted_for_dibao_unless_switched_on():
    """Rural Guizhou single person without income: dibao 442 × 12 = 5,304 whatever the charity received (baseline);
    with `counts_charity_received`, 2,000 of charity reduces it to 3,304."""
    pop = [{"province": province("guizhou").code, "area": 0, "persons": [
        {**MIGRANTS[0]["persons"][1], "age": 50, "hukou_province": province("guizhou").code}]}]
    zero = {"social_insurance_contributions": np.zeros(1), "resident_pension": np.zeros(1)}
    households, persons = _arrays(pop)
    households["charity_received"] = np.array([2000.0])
    persons.update(zero)
    system = load_system()
    base = system.simulation(households=households, persons=persons, year=2025)
    assert base.calc("dibao")[0] == 5304
    assert base.calc("income_after_philanthropy")[0] == base.calc("disposable_income")[0] + 2000
    counted = _with(system, assistance__dibao__counts_charity_received=True)
    assert counted.simulation(households=households, persons=persons, year=2025).calc("dibao")[0] == 3304


def test_dibao_table_is_reproduced_by_its_derivation_script():
    """The `standard` values in dibao.yaml are exactly what derive_dibao_standards.py prints."""
    spec = importlib.util.spec_from_file_location("derive_dibao_standards", DERIVE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.render() in DIBAO_YAML.read_text(encoding="utf-8")
    # the derived national means: population-weighted mean equals the national average on each row date
    for date in module.ROWS[1:]:
        row, estimated = module.table(date)
        assert len(estimated) == 31


def test_dibao_standards_are_plausible():
    """Every province has urban ≥ rural > 0 and the 2025 row is at least the 2024 row."""
    leaf = load_system().parameters.leaf("assistance.dibao.standard")
    t24 = leaf.runtime_value(dt.date(2024, 1, 1)).values
    t25 = leaf.runtime_value(dt.date(2025, 1, 1)).values
    assert np.all(t25 > 0) and np.all(t25[:, 1] >= t25[:, 0])
    assert np.all(t25 >= t24)
