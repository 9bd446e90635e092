"""Dormant programmes for structural reforms: 0 in the baseline, hand-computed amounts when switched on."""

from __future__ import annotations

import numpy as np
import pytest

from gongfu.reforms import Reform

DORMANT = ("property_tax", "long_term_care_benefit", "targeted_philanthropy")


def one_household(system, households, persons, reform=None):
    sys_ = reform.apply(system) if reform else system
    n = len(next(iter(persons.values())))
    households = {"household_id": np.array([1]), **{k: np.array([v]) for k, v in households.items()}}
    persons = {"household_id": np.ones(n, dtype=np.int64), **{k: np.asarray(v) for k, v in persons.items()}}
    return sys_.simulation(households=households, persons=persons, year=2025)


@pytest.mark.parametrize("name", DORMANT)
def test_dormant_programmes_are_zero_in_the_baseline(name, baseline):
    # the population has homes beyond the first, severe disability and very low incomes: all would qualify
    assert baseline.calc("n_homes").max() >= 2 and baseline.calc("disability_grade").max() >= 1
    assert baseline.calc("per_capita_disposable_income").min() < 9215
    assert not np.any(baseline.calc(name))


def test_dormant_programmes_have_their_roles(system):
    assert system.variables["property_tax"].role == "tax"
    assert system.variables["long_term_care_benefit"].role == "benefit"
    assert system.variables["targeted_philanthropy"].role == "charity"
    assert "property_tax" in system.role_members["tax"]


ON = {"tax.property_tax.in_force": True}
HOMES = {"province": np.int8(11), "n_homes": np.int8(3), "home_value": 9_000_000.0, "floor_area": 300.0}


def test_property_tax_beyond_the_first_home(system):
    sim = one_household(system, HOMES, {"age": [50, 48]}, Reform(start=2025, parameter_changes=ON))
    # two of three homes taxable: 9,000,000 × 2/3 × 70% × 0.6% = 25,200
    assert sim.calc("property_tax")[0] == pytest.approx(25_200)
    assert sim.calc("total_taxes")[0] == pytest.approx(sim.calc("individual_income_tax").sum() + 25_200)


def test_property_tax_by_floor_area_per_person(system):
    reform = Reform(start=2025, parameter_changes={**ON, "tax.property_tax.exempt_homes": 0,
                                                   "tax.property_tax.exempt_floor_area_per_person": 60})
    sim = one_household(system, HOMES, {"age": [50, 48]}, reform)
    # 300 m² owned, 2 × 60 exempt: 180/300 of 9,000,000 × 70% × 0.6% = 22,680
    assert sim.calc("property_tax")[0] == pytest.approx(22_680)


def test_property_tax_uses_the_more_generous_exemption(system):
    reform = Reform(start=2025, parameter_changes={**ON, "tax.property_tax.exempt_floor_area_per_person": 60})
    big_family = one_household(system, HOMES, {"age": [50, 48, 20, 18, 80]}, reform)
    assert big_family.calc("property_tax")[0] == 0  # 5 × 60 = 300 m²: all exempt by area
    couple = one_household(system, HOMES, {"age": [50, 48]}, reform)
    assert couple.calc("property_tax")[0] == pytest.approx(22_680)  # area exempts 40% > homes 33%


def test_property_tax_spares_single_homes_and_renters(system):
    reform = Reform(start=2025, parameter_changes=ON)
    single = one_household(system, {**HOMES, "n_homes": np.int8(1)}, {"age": [40]}, reform)
    renter = one_household(system, {**HOMES, "n_homes": np.int8(0), "home_value": 0.0}, {"age": [40]}, reform)
    assert single.calc("property_tax")[0] == 0 and renter.calc("property_tax")[0] == 0


def test_long_term_care_for_severe_disability(system):
    reform = Reform(start=2025, parameter_changes={"social_insurance.long_term_care.in_force": True})
    sim = one_household(system, {"province": np.int8(52)},
                        {"age": [72, 70, 40, 10], "disability_grade": [1, 3, 2, 0]}, reform)
    assert sim.calc("long_term_care_benefit").tolist() == [12 * 1044, 0, 12 * 1044, 0]
    old_only = Reform(start=2025, parameter_changes={"social_insurance.long_term_care.in_force": True,
                                                      "social_insurance.long_term_care.min_age": 60})
    sim = one_household(system, {"province": np.int8(52)},
                        {"age": [72, 70, 40, 10], "disability_grade": [1, 3, 2, 0]}, old_only)
    assert sim.calc("long_term_care_benefit").tolist() == [12 * 1044, 0, 0, 0]


def test_targeted_philanthropy_flat_and_top_up(system):
    poor = {"province": np.int8(41), "area": np.int8(0)}
    persons = {"age": [45, 43, 12], "agricultural_income": [3000.0, 0, 0]}
    base = one_household(system, poor, persons)
    pcdi = base.calc("per_capita_disposable_income")[0]
    assert pcdi < 9215
    flat = Reform(start=2025, parameter_changes={"targeted_philanthropy.in_force": True,
                                                 "targeted_philanthropy.amount_per_person": 1000})
    assert one_household(system, poor, persons, flat).calc("targeted_philanthropy")[0] == pytest.approx(3000)
    top_up = flat.with_changes({"targeted_philanthropy.top_up_only": True,
                                "targeted_philanthropy.amount_per_person": 100_000})
    sim = one_household(system, poor, persons, top_up)
    assert sim.calc("targeted_philanthropy")[0] == pytest.approx(3 * (9215 - pcdi))
    assert sim.calc("income_after_philanthropy")[0] / 3 == pytest.approx(9215)
    assert sim.calc("disposable_income")[0] == base.calc("disposable_income")[0]
