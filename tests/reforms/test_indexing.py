"""Dynamic adjustment as reforms: a reform indexes a standard instead of setting one value (issue 14)."""

from __future__ import annotations

import datetime as dt

import pytest

from gongfu import workflow
from gongfu.engine import ReformError, load_system
from gongfu.reforms.loader import parse_reform


def _system(changes, start="2026-01-01"):
    return workflow.reformed_system(parse_reform({"name": "indexing", "from": start, "parameters": changes},
                                                 "reform.yaml"))


def _get(system, path, year):
    return system.parameters.at(dt.date(year, 1, 1)).get(path)


def _leaf_values(path):
    return {d.year: v for d, v in load_system().parameters.leaf(path).values}


def test_resident_pension_minimum_plus_x_percent_a_year():
    system = _system({"pensions.resident.basic_pension_minimum": {"uprating": {"rate": 0.10}}})
    assert _get(system, "pensions.resident.basic_pension_minimum", 2025) == 143  # before the start: the law
    assert _get(system, "pensions.resident.basic_pension_minimum", 2026) == 163  # in force on the start date
    for year in (2027, 2030):
        assert _get(system, "pensions.resident.basic_pension_minimum", year) == pytest.approx(163 * 1.1 ** (year - 2026))


def test_a_path_with_a_starting_value():
    system = _system({"pensions.resident.basic_pension_minimum": {"value": 300, "uprating": {"rate": 0.2}}})
    assert _get(system, "pensions.resident.basic_pension_minimum", 2026) == 300
    assert _get(system, "pensions.resident.basic_pension_minimum", 2028) == pytest.approx(432)


def test_dibao_standard_as_a_share_of_consumption():
    """standard(Y) = 0.3 × per-capita consumption of Y−1 (urban, rural) / 12, the same in every province."""
    system = _system({"assistance.dibao.standard": {"uprating": {"share_of": "consumption", "ratio": 0.3}}},
                     start="2025-01-01")
    levels = {k: _leaf_values(f"uprating.consumption.level_{k}")[2024] for k in ("urban", "rural")}
    table = _get(system, "assistance.dibao.standard", 2025)  # reads 2024 consumption: an NBS figure
    assert table.get("shanghai", "urban") == pytest.approx(0.3 * levels["urban"] / 12)
    assert table.get("gansu", "rural") == pytest.approx(0.3 * levels["rural"] / 12)
    g2025 = _leaf_values("uprating.consumption.projected_growth")[2025]
    assert _get(system, "assistance.dibao.standard", 2026).get("beijing", "urban") == pytest.approx(
        0.3 * levels["urban"] * (1 + g2025) / 12)
    assert _get(system, "assistance.dibao.standard", 2024).get("shanghai", "urban") == \
        _get(load_system(), "assistance.dibao.standard", 2024).get("shanghai", "urban")
    # the reform's own rule is not a projection of the law: 2025 stays a year of known law
    assert workflow.law_status(2025, system)["projected"] is False


@pytest.mark.parametrize(("change", "fragment"), [
    ({"uprating": {"rate": 2}}, "rate must be a number from -0.5 to 1"),
    ({"uprating": {"index": "gdp"}}, "unknown index 'gdp'"),
    ({"uprating": {"share_of": "wages", "ratio": 0.3}}, "share_of must be one of consumption, income"),
    ({"uprating": {"share_of": "consumption", "ratio": 0}}, "ratio must be a number above 0"),
    ({"uprating": {"rate": 0.1}, "multiply": 2}, "combines only with `value` and `from`"),
    ({"uprating": "sometimes"}, "expected `frozen`"),
])
def test_bad_indexing_is_one_clear_error(change, fragment):
    with pytest.raises(ReformError, match=fragment) as info:
        _system({"pensions.resident.basic_pension_minimum": change})
    assert "pensions.resident.basic_pension_minimum" in str(info.value)
    assert "\n" not in str(info.value)


def test_share_of_needs_an_amount():
    with pytest.raises(ReformError, match="share_of needs an amount in CNY/month or CNY/year"):
        _system({"social_insurance.employee.base_ceiling_ratio": {"uprating": {"share_of": "consumption", "ratio": 0.3}}})


def test_indexing_past_the_projections_is_an_error():
    system = _system({"pensions.resident.basic_pension_minimum": {"uprating": {"index": "cpi"}}})
    with pytest.raises(workflow.FieldError, match="projected to 2030"):
        workflow.check_year(2031, system=system)
