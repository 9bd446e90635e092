"""Checks that documented calibration claims about default inputs hold (parameters/secondary/pensions/employee.yaml
`calibration_check`), and that default parameters are really read by the rules they document.

The employee-pension defaults (contributions from 20, wage index 1.0) are documented as reproducing the sourced
average pension per employee-scheme retiree (MOHRSS 2022 bulletin uprated: 3,925 a month in 2024, 4,003 in
2025) within 5% for a retiree stock of half men (retired at 60) and half women workers (retired at 50).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from gongfu.engine import load_system
from gongfu.engine.enums import EmploymentStatus, PensionScheme, Sex
from gongfu.engine.geography import province

TOLERANCE = 0.05


def _retirees(system, year: int, **overrides):
    """A man aged 66 and a woman aged 58, both retired from the employee scheme in Henan (national fallback wage),
    without contribution years or wage index given."""
    households = {"household_id": np.array([0, 1], dtype=np.int64),
                  "province": np.full(2, province("henan").code, dtype=np.int8), "area": np.ones(2, dtype=np.int8)}
    persons = {"household_id": np.array([0, 1], dtype=np.int64), "age": np.array([66, 58], dtype=np.int16),
               "sex": np.array([Sex.male, Sex.female], dtype=np.int8),
               "employment_status": np.full(2, EmploymentStatus.retired, dtype=np.int8),
               "pension_scheme": np.full(2, PensionScheme.employee, dtype=np.int8), **overrides}
    return system.simulation(households=households, persons=persons, year=year)


@pytest.mark.parametrize("year", [2024, 2025])
def test_default_employee_pension_reproduces_the_sourced_average(year):
    """Mean default pension of the two retirees within 5% of the documented target for the year."""
    system = load_system()
    target = system.parameters.at(dt.date(year, 1, 1)).get("pensions.employee.calibration_check.target_monthly")
    monthly = _retirees(system, year).calc("employee_pension") / 12.0
    assert monthly.mean() == pytest.approx(target, rel=TOLERANCE)
    # and the documented per-person figures (man 40 years, woman worker 30 years)
    expected = {2024: (4557, 3017), 2025: (4795, 3175)}[year]
    np.testing.assert_allclose(monthly, expected, atol=1.0)


def test_default_wage_index_parameter_is_read():
    """pension_wage_index takes pensions.employee.default_wage_index; 0.8 instead of 1.0 lowers the woman's 2025
    pension from 3,174.6 to 85,092 × (1.8/2 × 30% + 0.96 × 0.8 × 30 / 195) / 12 = 2,752.4 a month."""
    system = load_system()
    tree = system.parameters
    leaf = tree.leaf("pensions.employee.default_wage_index").with_value(dt.date(2016, 1, 1), 0.8)
    lower = system.with_parameters(tree.with_leaves({"pensions.employee.default_wage_index": leaf}))
    sim = _retirees(lower, 2025)
    np.testing.assert_allclose(sim.calc("pension_wage_index"), [0.8, 0.8])
    woman = 85092 * (1.8 / 2 * 0.30 + 0.96 * 0.8 * 30 / 195) / 12
    assert sim.calc("employee_pension")[1] / 12 == pytest.approx(woman, abs=0.01)
    # a given index still overrides the default
    given = _retirees(lower, 2025, pension_wage_index=np.array([1.0, 1.0]))
    assert given.calc("employee_pension")[1] / 12 == pytest.approx(3174.59, abs=0.01)


def test_household_level_tax_is_netted_in_the_dibao_means_test():
    """A tax declared on the household (not on a person) reduces counted income like person taxes do (57号:
    transfer income nets out taxes paid). Rural Guizhou couple with farm income 6,000 (2025, standard 442):
    without the tax dibao = (5,304 − 3,000) × 2 = 4,608; with a 1,200 household tax counted income is 4,800,
    2,400 per capita, dibao = (5,304 − 2,400) × 2 = 5,808. Disposable income changes by −1,200 + 1,200 = 0."""
    from gongfu.engine import HOUSEHOLD, variable

    @variable(entity=HOUSEHOLD, unit="CNY/year", role="tax", tier="secondary", reference="test only",
              label={"en": "Test dwelling tax", "zh": "测试住房税"})
    def test_dwelling_tax(household_size):
        return np.full(len(household_size), 1200.0)

    households = {"household_id": np.array([0], dtype=np.int64),
                  "province": np.array([province("guizhou").code], dtype=np.int8), "area": np.zeros(1, dtype=np.int8)}
    persons = {"household_id": np.zeros(2, dtype=np.int64), "age": np.array([50, 48], dtype=np.int16),
               "agricultural_income": np.array([6000.0, 0.0]), "social_insurance_contributions": np.zeros(2),
               "resident_pension": np.zeros(2), "individual_income_tax": np.zeros(2)}
    base = load_system().simulation(households=households, persons=persons, year=2025)
    taxed = load_system().with_formulas({"test_dwelling_tax": test_dwelling_tax.variable}).simulation(
        households=households, persons=persons, year=2025)
    assert base.calc("dibao")[0] == pytest.approx(4608.0)
    assert taxed.calc("dibao_household_level_deductions")[0] == pytest.approx(1200.0)
    assert taxed.calc("dibao")[0] == pytest.approx(5808.0)
    assert taxed.calc("disposable_income")[0] == pytest.approx(base.calc("disposable_income")[0])
