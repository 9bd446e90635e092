"""The scenario library: every scenario is documented, validates, changes exactly its leaves, branches cheaply and
moves money in the expected direction on a small population."""

from __future__ import annotations

import numpy as np
import pytest

from gongfu.engine.simulation import changed_parameters
from gongfu.reforms import list_scenarios, load_scenario, scenario_keys

KEYS = scenario_keys()

#: Expected sign of the change in net public spending (benefits − taxes − contributions, weighted) on the test
#: population; None where the sign is not the point of the scenario (checked otherwise below).
PUBLIC_COST_SIGN = {
    "childcare_subsidy_under_6": +1, "dibao_plus_20pct": +1, "hukou_residence": +1,
    "hukou_residence_all_services": +1, "long_term_care": +1, "resident_pension_200": +1,
    "resident_pension_300": +1, "iit_basic_deduction_3500": -1, "iit_top_rate_50": -1,
    "property_tax_beyond_first_home": -1, "property_tax_floor_area": -1, "minimum_wage_plus_10pct": -1,
    "philanthropy_poorest": 0, "zhejiang_package": None, "dibao_work_incentives": +1,
}


def test_the_library_covers_the_debate():
    assert set(KEYS) == set(PUBLIC_COST_SIGN)
    assert len(KEYS) >= 10


@pytest.mark.parametrize("key", KEYS)
def test_scenario_is_documented(key):
    reform = load_scenario(key, validate=False)
    for field in (reform.name, reform.description):
        assert isinstance(field, dict) and field.get("en", "").strip() and field.get("zh", "").strip()
    sources = reform.source if isinstance(reform.source, list) else [reform.source]
    assert sources and all(s.get("title") and (s.get("year") or s.get("url")) for s in sources)
    assert reform.start_date is not None


@pytest.mark.parametrize("key", KEYS)
def test_scenario_changes_exactly_its_leaves(key, system):
    reform = load_scenario(key, system)
    reformed = reform.apply(system)
    assert changed_parameters(system, reformed) == set(reform.changed_parameters)
    old = system.parameters.leaves()
    untouched = [p for p in old if p not in reform.changed_parameters]
    assert all(reformed.parameters.leaves()[p] is old[p] for p in untouched)
    if not reform.rules and not reform.formulas:
        assert all(reformed.variables[n] is v for n, v in system.variables.items())


def test_list_scenarios_matches_keys():
    assert [r.slug for r in list_scenarios()] == KEYS


@pytest.mark.parametrize("key", KEYS)
def test_branch_recomputes_only_dependents(key, system, baseline, population):
    reform = load_scenario(key, system)
    reformed = reform.apply(system)
    names = [n for n, v in system.variables.items() if v.formula is not None]
    before = {n: baseline.calc(n) for n in names}
    stale = baseline.recomputed_by(reformed)
    changed_formulas = {n for n, v in reformed.variables.items()
                        if n not in system.variables or system.variables[n].formula is not v.formula}
    assert stale == reformed.dependents(parameters=reform.changed_parameters, variables=changed_formulas)
    assert stale and len(stale) < len(names)
    branch = baseline.branch(reformed)
    for name in names:
        if name not in stale:
            assert branch.calc(name) is before[name], name  # reused, not recomputed
    # recomputing from scratch gives the same figures as the branch
    fresh = reformed.simulation(households=population[0], persons=population[1], year=2025)
    for name in ("disposable_income", "total_taxes", "total_benefits", "income_after_philanthropy"):
        np.testing.assert_array_equal(branch.calc(name), fresh.calc(name), err_msg=name)  # to the bit



def _net_public(sim) -> float:
    w = sim.calc("weight")
    return float(np.sum(w * (sim.calc("total_benefits") - sim.calc("total_taxes") - sim.calc("total_contributions"))))


@pytest.mark.parametrize("key", KEYS)
def test_population_runs_and_the_cost_has_the_expected_sign(key, system, baseline):
    reformed = load_scenario(key, system).apply(system)
    sim = baseline.branch(reformed)
    identity = (sim.calc("market_income") - sim.calc("total_taxes") - sim.calc("total_contributions")
                + sim.calc("total_benefits"))
    np.testing.assert_allclose(sim.calc("disposable_income"), identity)
    cost = _net_public(sim) - _net_public(baseline)
    sign = PUBLIC_COST_SIGN[key]
    if sign is not None:
        assert np.sign(round(cost, 6)) == sign, (key, cost)
    for name in ("disposable_income", "income_after_philanthropy", "total_taxes", "total_benefits"):
        assert np.all(np.isfinite(sim.calc(name))), name


def test_minimum_wage_scenario_raises_market_income(system, baseline):
    sim = baseline.branch(load_scenario("minimum_wage_plus_10pct", system).apply(system))
    w = sim.calc("weight")
    assert float(np.sum(w * (sim.calc("market_income") - baseline.calc("market_income")))) > 0
    # the high earners are above the low-wage line: untouched
    assert sim.calc("market_income")[1] == baseline.calc("market_income")[1]


def test_philanthropy_scenario_is_charity_not_public_money(system, baseline):
    sim = baseline.branch(load_scenario("philanthropy_poorest", system).apply(system))
    assert np.array_equal(sim.calc("disposable_income"), baseline.calc("disposable_income"))
    charity = sim.calc("targeted_philanthropy")
    assert charity.sum() > 0
    pcdi = baseline.calc("per_capita_disposable_income")
    assert np.all((charity > 0) == (pcdi < 9215))


def test_zhejiang_package_touches_zhejiang_only(system, baseline):
    from gongfu.engine.geography import province

    sim = baseline.branch(load_scenario("zhejiang_package", system).apply(system))
    zhejiang = baseline.calc("province") == province("zhejiang").code
    before, after = baseline.calc("disposable_income"), sim.calc("disposable_income")
    np.testing.assert_array_equal(after[~zhejiang], before[~zhejiang])
    assert np.all(after[zhejiang] >= before[zhejiang] - 1e-9)
    assert after[zhejiang].sum() > before[zhejiang].sum()
    # the low-wage worker of rural Zhejiang (household 6, 25,000 yuan) gets the 10% uplift
    assert sim.calc("market_income")[6] == pytest.approx(27500)


def test_resident_pension_reform_reaches_dibao_households_in_full(system, baseline):
    sim = baseline.branch(load_scenario("resident_pension_200", system).apply(system))
    gain = sim.calc("disposable_income") - baseline.calc("disposable_income")
    pensioners = baseline.members.sum(baseline.calc("resident_pension") > 0)
    # 57 yuan a month more per resident pensioner, the dibao exclusion rising with the minimum
    np.testing.assert_allclose(gain, pensioners * 57 * 12)


def test_hukou_reform_gives_the_migrant_family_zhejiang_urban_dibao(system, baseline):
    sim = baseline.branch(load_scenario("hukou_residence", system).apply(system))
    assert sim.calc("dibao_standard")[0] == pytest.approx(
        system.parameters.at(baseline.date).get("assistance.dibao.standard").get("zhejiang", "urban"))
    assert sim.calc("dibao")[0] > baseline.calc("dibao")[0]
    # households living at their hukou place are unaffected
    np.testing.assert_array_equal(sim.calc("dibao")[1:], baseline.calc("dibao")[1:])
