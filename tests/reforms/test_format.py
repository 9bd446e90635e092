"""Reform files: every form of change does what docs/reforms.md says, and every error names the file and line."""

from __future__ import annotations

import datetime as dt
import re
import textwrap
from pathlib import Path

import numpy as np
import pytest

from gongfu.engine import GongfuError, ReformError
from gongfu.engine.geography import PROVINCES, province
from gongfu.reforms import Reform, load_reform


def write(tmp_path: Path, body: str, name: str = "reform.yaml") -> Path:
    path = tmp_path / name
    path.write_text("name: test reform\nfrom: 2025-01-01\n" + textwrap.dedent(body), encoding="utf-8")
    return path


def fails(path: Path, system, line: int, *patterns: str) -> str:
    """The reform fails to load; the message starts with file:line and matches every pattern."""
    with pytest.raises(ReformError) as info:
        load_reform(path, system)
    message = str(info.value)
    assert message.startswith(f"{path}:{line}: "), message
    for pattern in patterns:
        assert re.search(pattern, message), f"{pattern!r} not in {message!r}"
    return message


def leaf_values(system, path):
    return dict(system.parameters.leaf(path).values)


# ---------------------------------------------------------------- values
def test_plain_value_from_the_default_date(system, tmp_path):
    path = write(tmp_path, "parameters:\n  pensions.resident.basic_pension_minimum: 200\n")
    reformed = load_reform(path, system).apply(system)
    before = leaf_values(system, "pensions.resident.basic_pension_minimum")
    after = leaf_values(reformed, "pensions.resident.basic_pension_minimum")
    assert after[dt.date(2025, 1, 1)] == 200
    assert {d: v for d, v in after.items() if d < dt.date(2025, 1, 1)} == \
        {d: v for d, v in before.items() if d < dt.date(2025, 1, 1)}
    assert reformed.parameters.at(dt.date(2025, 1, 1)).get("pensions.resident.basic_pension_minimum") == 200
    assert reformed.parameters.at(dt.date(2024, 1, 1)).get("pensions.resident.basic_pension_minimum") == 123


def test_value_with_own_date_unit_and_year_shorthand(system, tmp_path):
    path = write(tmp_path, """
        parameters:
          tax.iit.basic_deduction: {value: 72000, from: 2026, unit: CNY/year}
    """)
    reformed = load_reform(path, system).apply(system)
    snap = lambda y: reformed.parameters.at(dt.date(y, 1, 1)).get("tax.iit.basic_deduction")  # noqa: E731
    assert (snap(2025), snap(2026)) == (60000, 72000)


def test_absolute_value_replaces_later_dated_values(system):
    # dibao standard has rows from 2022, 2024 and 2025: a value set from 2024 also holds in 2025
    reform = Reform(start=dt.date(2024, 1, 1), parameter_changes={"assistance.dibao.standard": 1000})
    values = leaf_values(reform.apply(system), "assistance.dibao.standard")
    assert sorted(values) == [dt.date(2022, 1, 1), dt.date(2024, 1, 1)]
    assert np.all(values[dt.date(2024, 1, 1)]["values"] == 1000)


def test_multiply_applies_to_every_later_dated_value(system):
    reform = Reform(start=dt.date(2024, 1, 1), parameter_changes={"assistance.dibao.standard": {"multiply": 1.2}})
    before = leaf_values(system, "assistance.dibao.standard")
    after = leaf_values(reform.apply(system), "assistance.dibao.standard")
    assert after[dt.date(2022, 1, 1)] is before[dt.date(2022, 1, 1)]
    for day in (dt.date(2024, 1, 1), dt.date(2025, 1, 1)):
        np.testing.assert_allclose(after[day]["values"], before[day]["values"] * 1.2)


def test_add_to_a_number(system):
    reform = Reform(start=2025, parameter_changes={"pensions.resident.basic_pension_minimum": {"add": 20}})
    assert reform.apply(system).parameters.at(dt.date(2025, 1, 1)).get(
        "pensions.resident.basic_pension_minimum") == 163


def test_dated_values(system, tmp_path):
    path = write(tmp_path, """
        parameters:
          pensions.resident.basic_pension_minimum:
            values: {2025-01-01: 200, 2027-01-01: 250}
    """)
    reformed = load_reform(path, system).apply(system)
    get = lambda y: reformed.parameters.at(dt.date(y, 1, 1)).get("pensions.resident.basic_pension_minimum")  # noqa: E731
    assert (get(2024), get(2025), get(2026), get(2027)) == (123, 200, 200, 250)


def test_switch(system, tmp_path):
    path = write(tmp_path, "parameters:\n  assistance.dibao.follows_residence: true\n")
    reformed = load_reform(path, system).apply(system)
    assert reformed.parameters.at(dt.date(2025, 1, 1)).get("assistance.dibao.follows_residence") is True


def test_partial_scale_keeps_the_thresholds(system):
    rates = [0.03, 0.10, 0.20, 0.25, 0.30, 0.35, 0.50]
    reform = Reform(start=2025, parameter_changes={"tax.iit.comprehensive_schedule": {"rates": rates}})
    old = system.parameters.at(dt.date(2025, 1, 1)).get("tax.iit.comprehensive_schedule")
    new = reform.apply(system).parameters.at(dt.date(2025, 1, 1)).get("tax.iit.comprehensive_schedule")
    assert new.thresholds.tolist() == old.thresholds.tolist()
    assert new.rates.tolist() == rates
    # 1,000,000 taxable: 40,000 above 960,000 taxed at 50% instead of 45%
    assert float(new.calc(np.array([1e6]))[0] - old.calc(np.array([1e6]))[0]) == pytest.approx(2000)


def test_table_rows_partial_area_and_multiply(system, tmp_path):
    path = write(tmp_path, """
        parameters:
          assistance.dibao.standard:
            zhejiang: {urban: 1300}
            anhui: {multiply: 1.5}
            shanghai: 1600
    """)
    old = system.parameters.at(dt.date(2025, 1, 1)).get("assistance.dibao.standard")
    new = load_reform(path, system).apply(system).parameters.at(dt.date(2025, 1, 1)).get("assistance.dibao.standard")
    assert new.get("zhejiang", "urban") == 1300
    assert new.get("zhejiang", "rural") == old.get("zhejiang", "rural")
    assert new.get("anhui", "rural") == pytest.approx(old.get("anhui", "rural") * 1.5)
    assert new.get("shanghai", "rural") == new.get("shanghai", "urban") == 1600
    changed = {province(k).code for k in ("zhejiang", "anhui", "shanghai")}
    for prov in PROVINCES:
        if prov.code not in changed:
            assert new.get(prov.key, "urban") == old.get(prov.key, "urban")
            assert new.get(prov.key, "rural") == old.get(prov.key, "rural")


def test_new_parameter(system, tmp_path):
    path = write(tmp_path, """
        new_parameters:
          tax.property_tax.surcharge_rate:
            unit: rate
            reference: {title: test, year: 2025}
            values: {2025-01-01: 0.001}
    """)
    reformed = load_reform(path, system).apply(system)
    assert reformed.parameters.at(dt.date(2025, 1, 1)).get("tax.property_tax.surcharge_rate") == 0.001
    assert "tax.property_tax.surcharge_rate" not in system.parameters


def test_the_reformed_leaf_names_the_reform_as_its_source(system, tmp_path):
    path = write(tmp_path, "parameters:\n  tax.iit.basic_deduction: 72000\n")
    leaf = load_reform(path, system).apply(system).parameters.leaf("tax.iit.basic_deduction")
    assert leaf.reference["reform_file"] == f"{path}:4"
    assert leaf.reference["baseline_reference"] == system.parameters.leaf("tax.iit.basic_deduction").reference


# ---------------------------------------------------------------- errors name the file and line
def test_unknown_path_with_suggestion(system, tmp_path):
    path = write(tmp_path, "parameters:\n  tax.iit.basic_deduction: 60000\n  tax.iit.basic_deductoin: 50000\n")
    fails(path, system, 5, r"unknown parameter 'tax\.iit\.basic_deductoin'", r"did you mean 'tax\.iit\.basic_deduction'")


def test_group_instead_of_parameter(system, tmp_path):
    fails(write(tmp_path, "parameters:\n  tax.iit.property: 0.1\n"), system, 4, "is a group of parameters",
          r"tax\.iit\.property\.dividend_rate")


def test_wrong_unit_with_conversion_hint(system, tmp_path):
    path = write(tmp_path, "parameters:\n  pensions.resident.basic_pension_minimum: {value: 2400, unit: CNY/year}\n")
    fails(path, system, 4, "wrong unit: the parameter is in CNY/month, the reform says CNY/year",
          r"2400 CNY/year = 200 CNY/month")


def test_bool_for_a_number(system, tmp_path):
    fails(write(tmp_path, "parameters:\n  tax.iit.basic_deduction: true\n"), system, 4,
          r"tax\.iit\.basic_deduction: expected a number \(CNY/year\), got true")


def test_number_for_a_switch(system, tmp_path):
    fails(write(tmp_path, "parameters:\n  assistance.dibao.follows_residence: 1\n"), system, 4,
          "is a switch: expected true or false")


def test_multiply_on_a_switch(system, tmp_path):
    fails(write(tmp_path, "parameters:\n  assistance.dibao.follows_residence: {multiply: 2}\n"), system, 4,
          "unknown key 'multiply'", r"switch \(true/false\)")


def test_out_of_the_leaf_range(system, tmp_path):
    fails(write(tmp_path, "parameters:\n  subsidies.childcare_subsidy.max_age: 30\n"), system, 4,
          r"outside the allowed range \[0, 18\]")


def test_rate_above_one(system, tmp_path):
    fails(write(tmp_path, "parameters:\n  minimum_wage.low_wage_uplift_rate: 1.5\n"), system, 4,
          "a rate is a fraction between 0 and 1")


def test_negative_money_without_a_range(system, tmp_path):
    path = write(tmp_path, "parameters:\n  tax.iit.special_additional_deductions.children_education: -5\n")
    fails(path, system, 4, "is negative")


def test_multiply_that_leaves_the_range_names_the_key_line(system, tmp_path):
    path = write(tmp_path, """
        parameters:
          assistance.dibao.standard:
            from: 2025-01-01
            multiply: 100
    """)
    fails(path, system, 7, r"outside the allowed range \[0, 10000\]")


def test_table_row_out_of_range_names_the_row_line(system, tmp_path):
    path = write(tmp_path, """
        parameters:
          assistance.dibao.standard:
            beijing: 1500
            zhejiang: {urban: 20000}
    """)
    fails(path, system, 7, r"zhejiang: .*outside the allowed range")


def test_misspelt_province_with_suggestion(system, tmp_path):
    path = write(tmp_path, "parameters:\n  assistance.dibao.standard:\n    zhejaing: 1300\n")
    fails(path, system, 5, "unknown key 'zhejaing'", r"did you mean 'zhejiang'")


def test_misspelt_change_key(system, tmp_path):
    fails(write(tmp_path, "parameters:\n  assistance.dibao.standard: {multiplY: 1.2}\n"), system, 4,
          r"did you mean 'multiply'")


def test_scale_with_too_few_rates(system, tmp_path):
    path = write(tmp_path, "parameters:\n  tax.iit.comprehensive_schedule: {rates: [0.03, 0.1, 0.2]}\n")
    fails(path, system, 4, "3 rates given for a scale of 7 brackets")


def test_value_and_multiply_together(system, tmp_path):
    fails(write(tmp_path, "parameters:\n  tax.iit.basic_deduction: {value: 1, multiply: 2}\n"), system, 4,
          "cannot be combined")


def test_bad_date(system, tmp_path):
    fails(write(tmp_path, "parameters:\n  tax.iit.basic_deduction: {value: 1, from: next year}\n"), system, 4,
          "is not a date")


def test_missing_start_date(system, tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text("name: x\nparameters:\n  tax.iit.basic_deduction: 50000\n", encoding="utf-8")
    fails(path, system, 3, "no start date")


def test_malformed_yaml(system, tmp_path):
    path = write(tmp_path, "parameters:\n  tax.iit.basic_deduction: [1, 2\n  other: 3\n")
    with pytest.raises(ReformError, match=rf"^{re.escape(str(path))}:\d+: malformed YAML"):
        load_reform(path, system)


def test_duplicate_key_is_malformed(system, tmp_path):
    path = write(tmp_path, "parameters:\n  tax.iit.basic_deduction: 1\n  tax.iit.basic_deduction: 2\n")
    with pytest.raises(ReformError, match=rf"^{re.escape(str(path))}:5: malformed YAML: duplicate key"):
        load_reform(path, system)


def test_unknown_top_level_key(system, tmp_path):
    fails(write(tmp_path, "parameter:\n  tax.iit.basic_deduction: 1\n"), system, 3,
          "unknown key 'parameter'", r"did you mean 'parameters'")


def test_new_parameter_that_exists(system, tmp_path):
    path = write(tmp_path, """
        new_parameters:
          tax.iit.basic_deduction: {unit: CNY/year, reference: {title: t}, values: {2025-01-01: 1}}
    """)
    fails(path, system, 5, "already exists")


def test_new_parameter_without_a_unit(system, tmp_path):
    path = write(tmp_path, """
        new_parameters:
          tax.property_tax.extra: {reference: {title: t}, values: {2025-01-01: 1}}
    """)
    fails(path, system, 5, "unit None is not one of")


def test_unknown_file_and_scenario(system, tmp_path):
    with pytest.raises(ReformError, match="nope.yaml: no such reform file; scenarios: childcare"):
        load_reform(str(tmp_path / "nope.yaml"), system)
    with pytest.raises(ReformError, match=r"did you mean 'dibao_plus_20pct'"):
        load_reform("dibao_plus_20pc", system)


def test_scenario_by_name(system):
    assert load_reform("dibao_plus_20pct", system).slug == "dibao_plus_20pct"


def test_errors_come_before_any_computation(system, population, tmp_path, monkeypatch):
    """A file whose first changes are fine but whose last is wrong fails at load, before a simulation exists."""
    path = write(tmp_path, """
        parameters:
          assistance.dibao.follows_residence: true
          pensions.resident.basic_pension_minimum: 200
          subsidies.childcare_subsidy.max_age: 99
    """)
    calls = []
    monkeypatch.setattr(type(system), "simulation", lambda *a, **k: calls.append(a))
    with pytest.raises(ReformError, match=f"{re.escape(str(path))}:7: "):
        load_reform(path, system)
    assert calls == []


def test_null_cannot_abolish_a_parameter(system, tmp_path):
    fails(write(tmp_path, "parameters:\n  tax.iit.basic_deduction: null\n"), system, 4, r"no value \(null\)")


def test_source_with_unknown_key(system, tmp_path):
    path = write(tmp_path, "source: {title: t, yeer: 2020}\nparameters:\n  tax.iit.basic_deduction: 1\n")
    fails(path, system, 3, "unknown key 'yeer'", r"did you mean 'year'")


# ---------------------------------------------------------------- non-finite values and divisors (issue 9 §3)
# Every numeric value a reform sets, and every result of `multiply`/`add`, is finite and within the leaf's range;
# a divisor's range excludes 0. Before, `account_divisor: 0` printed Infinity (invalid JSON), `.nan` passed.
HOSTILE_VALUES = [
    ("pensions.resident.account_divisor: 0", 4, r"0 is outside the allowed range \[1, 1000\]"),
    ("pensions.resident.account_divisor: {multiply: 0}", 4, r"0 is outside the allowed range \[1, 1000\]"),
    ("pensions.resident.account_divisor: {add: -139}", 4, r"0 is outside the allowed range \[1, 1000\]"),
    ("pensions.employee.account_divisor.age_60: 0", 4, r"age_60: 0 is outside the allowed range \[1, 1000\]"),
    ("pensions.resident.account_divisor: .nan", 4, "must be a finite number, got nan"),
    ("pensions.resident.account_divisor: .inf", 4, "must be a finite number, got inf"),
    ("tax.iit.basic_deduction: -.inf", 4, "must be a finite number, got -inf"),
    ("tax.iit.basic_deduction: {value: .nan, from: 2026}", 4, "must be a finite number, got nan"),
    ("tax.iit.basic_deduction: {values: {2026-01-01: .nan}}", 4, "must be a finite number, got nan"),
    ("tax.iit.basic_deduction: 1" + "0" * 400, 4, "must be a finite number, got an integer of 401 digits"),
    ("tax.iit.basic_deduction: {multiply: .nan}", 4, "`multiply` must be a finite number, got nan"),
    ("tax.iit.basic_deduction: {multiply: .inf}", 4, "`multiply` must be a finite number, got inf"),
    ("tax.iit.basic_deduction: {add: .nan}", 4, "`add` must be a finite number, got nan"),
    ("tax.iit.basic_deduction: {add: " + "9" * 400 + "}", 4, "`add` must be a finite number, got an integer"),
    ("tax.iit.basic_deduction: {multiply: 1.0e+308, add: 1.0e+308}", 4, "must be a finite number, got inf"),
    ("assistance.dibao.standard: {zhejiang: .nan}", 4, "row 'zhejiang': must be a finite number, got nan"),
    ("assistance.dibao.standard: {zhejiang: {urban: .inf}}", 4, "zhejiang.urban must be a finite number, got inf"),
    ("assistance.dibao.standard: {zhejiang: {multiply: .nan}}", 4, "zhejiang.multiply must be a finite number"),
    ("assistance.dibao.standard: {multiply: .nan}", 4, "`multiply` must be a finite number"),
    ("assistance.dibao.standard: .nan", 4, "must be a finite number, got nan"),
    ("tax.iit.comprehensive_schedule: {rates: [0.03, 0.1, 0.2, 0.25, 0.3, 0.35, .nan]}", 4,
     "`rates` must be a list of finite numbers"),
    ("tax.iit.comprehensive_schedule: {thresholds: [0, 36000, 144000, .nan, 420000, 660000, 960000]}", 4,
     "`thresholds` must be a list of finite numbers"),
    ("tax.iit.comprehensive_schedule: {value: {thresholds: [0, 36000, 144000, 300000, 420000, 660000, .inf], "
     "rates: [0.03, 0.1, 0.2, 0.25, 0.3, 0.35, 0.45]}}", 4, "thresholds and rates must be finite numbers, got inf"),
]


@pytest.mark.parametrize("change, line, pattern", HOSTILE_VALUES, ids=[h[0][:60] for h in HOSTILE_VALUES])
def test_non_finite_values_and_zero_divisors_are_refused(system, tmp_path, change, line, pattern):
    fails(write(tmp_path, f"parameters:\n  {change}\n"), system, line, pattern)


@pytest.mark.parametrize("budget", [".nan", ".inf", "-.inf", "0", "-5", "1" + "0" * 400])
def test_targeting_budget_must_be_a_positive_finite_number(system, tmp_path, budget):
    path = write(tmp_path, f"targeting: {{budget: {budget}}}\nparameters:\n"
                           "  targeted_philanthropy.amount_per_person: 100\n")
    with pytest.raises(ReformError, match=r":3: targeting.budget must be a positive number"):
        load_reform(path, system)


def test_every_divisor_of_a_formula_excludes_zero(system):
    """Parameters that formulas divide by: their range excludes 0 (so no reform can make them divide by zero)."""
    leaves = system.parameters.leaves()
    divisors = ["pensions.resident.account_divisor"] + [p for p in leaves if p.startswith(
        "pensions.employee.account_divisor.")]
    assert len(divisors) == 32
    for path in divisors:
        low = leaves[path].range and leaves[path].range[0]
        assert low is not None and low > 0, path


def test_parameter_files_refuse_non_finite_values_and_bad_ranges(tmp_path):
    from gongfu.engine.errors import ParameterError
    from gongfu.engine.parameters import ParameterTree

    for body, words in [
        ("x:\n  unit: CNY\n  reference: r\n  values: {2020-01-01: .nan}\n", "must be a finite number, got nan"),
        ("x:\n  unit: CNY\n  reference: r\n  range: [0, .inf]\n  values: {2020-01-01: 1}\n", "range must be"),
        ("x:\n  unit: CNY\n  reference: r\n  range: [5, 1]\n  values: {2020-01-01: 1}\n", "range must be"),
        ("x:\n  unit: CNY\n  reference: r\n  values: {2020-02-30: 1}\n", "is not a date that exists"),
        ("x:\n  type: scale\n  unit: CNY\n  reference: r\n  values:\n    2020-01-01: {thresholds: [0, .nan], "
         "rates: [0.1, 0.2]}\n", "thresholds and rates must be finite"),
    ]:
        directory = tmp_path / f"p{len(list(tmp_path.iterdir()))}"
        directory.mkdir()
        (directory / "t.yaml").write_text(body, encoding="utf-8")
        with pytest.raises((ParameterError, GongfuError)) as info:
            ParameterTree.load(directory)
        assert words in str(info.value) and str(directory / "t.yaml") in str(info.value), str(info.value)


def test_a_reform_that_loads_never_prints_nan(system, tmp_path):
    """The smallest divisor allowed still gives finite pensions (and JSON without NaN/Infinity)."""
    from typer.testing import CliRunner

    from gongfu.cli import app

    path = write(tmp_path, "parameters:\n  pensions.resident.account_divisor: 1\n")
    example = Path(__file__).resolve().parents[2] / "src" / "gongfu" / "examples" / "rural_widow_85.yaml"
    result = CliRunner().invoke(app, ["calc", str(example), "--reform", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert "NaN" not in result.stdout and "Infinity" not in result.stdout


@pytest.mark.parametrize("value", [0, 61, 2_000_001, 1.5, "many", True])
def test_sample_households_must_be_a_whole_number_in_range(value):
    from gongfu.reforms.loader import parse_reform

    data = {"name": "x", "from": 2025, "parameters": {"assistance.dibao.standard": {"multiply": 1.2}},
            "sample_households": value}
    with pytest.raises(ReformError, match="sample_households: a whole number of households from 62 to 2,000,000"):
        parse_reform(data)
    data["sample_households"] = 300_000
    assert parse_reform(data).sample_households == 300_000
