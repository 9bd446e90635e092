"""Which years the law covers, and uprating past the last dated values (engine/uprating.py, issue 14)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from gongfu import workflow
from gongfu.engine import ParameterError, load_system
from gongfu.engine.parameters import ParameterTree
from gongfu.engine.uprating import coverage, known_until, law_status
from gongfu.reforms.loader import parse_reform


def _at(year: int, system=None):
    return (system or load_system()).parameters.at(dt.date(year, 1, 1))


def _growth(index: str, year: int) -> float:
    """The growth the uprating file gives for `year` (NBS figure, else the projection in force)."""
    tree = load_system().parameters
    actual = {d.year: v for d, v in tree.leaf(f"uprating.{index}.growth").values}
    if year in actual:
        return actual[year]
    value, _ = tree.leaf(f"uprating.{index}.projected_growth").value_at(dt.date(year, 1, 1))
    return value


def test_coverage_is_one_source_of_truth():
    cov = coverage(load_system().parameters)
    assert (cov.first, cov.last_known, cov.horizon) == (2022, 2025, 2030)
    assert workflow.law_coverage()[0] == cov.first


@pytest.mark.parametrize("year", [2022, 2023, 2024, 2025])
def test_known_years_are_not_projected(year):
    status = law_status(load_system().parameters, year)
    assert status["projected"] is False and status["reason"] is None and status["parameters"] == []
    workflow.check_year(year)  # no error


@pytest.mark.parametrize("year", [2026, 2027, 2030])
def test_projected_years_are_flagged_with_the_parameters(year):
    status = law_status(load_system().parameters, year)
    assert status["projected"] is True
    names = {p["parameter"] for p in status["parameters"]}
    assert "assistance.dibao.standard" in names
    assert str(year) in status["reason"]
    json.dumps(status)


@pytest.mark.parametrize(("year", "fragment"), [(2021, "covers 2022 onwards"), (2031, "projected to 2030"),
                                                (1999, "covers 2022 onwards")])
def test_years_outside_are_errors(year, fragment):
    with pytest.raises(workflow.FieldError, match=fragment):
        workflow.check_year(year, name="--year")


def test_dibao_standard_projected_equals_rule_on_last_known_year():
    """民发〔2024〕16号: standard ∝ local consumption of the previous year -> 2026 = 2025 × (1 + g_2025)."""
    last = _at(2025).get("assistance.dibao.standard").values
    for year in (2026, 2028):
        factor = 1.0
        for t in range(2025, year):
            factor *= 1 + _growth("consumption", t)
        got = _at(year).get("assistance.dibao.standard").values
        assert got == pytest.approx(last * factor, rel=1e-12)
        assert "assistance.dibao.standard" in _at(year).projected


def test_resident_pension_minimum_projected_by_cpi():
    leaf = load_system().parameters.leaf("pensions.resident.basic_pension_minimum")
    assert known_until(leaf) == 2026
    assert _at(2026).get("pensions.resident.basic_pension_minimum") == 163  # dated: not uprated
    assert _at(2027).get("pensions.resident.basic_pension_minimum") == pytest.approx(163 * (1 + _growth("cpi", 2026)))


def test_childcare_subsidy_frozen_and_absent_before_2025():
    assert _at(2024).get("subsidies.childcare_subsidy.amount") == 0
    assert _at(2025).get("subsidies.childcare_subsidy.amount") == 3600
    assert _at(2029).get("subsidies.childcare_subsidy.amount") == 3600
    assert "subsidies.childcare_subsidy.amount" in law_status(load_system().parameters, 2029)["reason"] or \
        any(p["parameter"] == "subsidies.childcare_subsidy.amount"
            for p in law_status(load_system().parameters, 2029)["parameters"])


def test_pre_2023_law_values():
    """国发〔2023〕13号 doubled education and infant care from 2023-01-01; elderly support 2,000 -> 3,000."""
    for path, before, after in [("tax.iit.special_additional_deductions.children_education", 1000, 2000),
                                ("tax.iit.special_additional_deductions.infant_care", 1000, 2000),
                                ("tax.iit.special_additional_deductions.elderly_support", 2000, 3000),
                                ("tax.iit.individual_business_relief.ceiling", 1_000_000, 2_000_000)]:
        assert (_at(2022).get(path), _at(2023).get(path)) == (before, after), path


def test_switching_projections_off_makes_projected_years_errors():
    reform = parse_reform({"name": "no projections", "from": "2019-01-01", "parameters": {"uprating.use_projections": False}}, "test")
    system = workflow.reformed_system(reform)
    workflow.check_year(2025, system=system)
    with pytest.raises(workflow.FieldError, match="projections are off"):
        workflow.check_year(2026, system=system)
    with pytest.raises(ParameterError, match="cannot be projected to 2026"):
        _at(2026, system).get("assistance.dibao.standard")


def test_a_different_projection_assumption_changes_the_projected_value():
    reform = parse_reform({"name": "high cpi", "from": "2025-01-01", "parameters": {"uprating.cpi.projected_growth": 0.05}}, "test")
    system = workflow.reformed_system(reform)
    assert _at(2027, system).get("pensions.resident.basic_pension_minimum") == pytest.approx(163 * 1.05)


def test_bad_uprating_declarations_name_file_and_line(tmp_path):
    for spec, fragment in [("{index: gdp}", "unknown index 'gdp'"), ("{rate: 3}", "rate must be"),
                           ("sometimes", "expected `frozen`"), ("{index: cpi, lag: 9}", "lag must be")]:
        (tmp_path / "x.yaml").write_text(
            f"reference: {{title: t}}\nthing:\n  unit: CNY\n  uprating: {spec}\n  values: {{2020-01-01: 1}}\n",
            encoding="utf-8")
        with pytest.raises(ParameterError, match=fragment) as info:
            ParameterTree.load(tmp_path)
        assert "x.yaml:4" in str(info.value)
