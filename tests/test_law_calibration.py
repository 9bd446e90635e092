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
