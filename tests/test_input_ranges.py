"""Out-of-range values are refused, never wrapped or clipped (issue 9 §3).

Every variable a user can give declares its valid values (`Variable.valid`; enums, provinces and bools their
members), and every reader enforces them with one message naming the field, the value and the allowed range:
the household reader (CLI, `parse_household`, HTTP /calc), the microdata importer and the Parquet reader.
Before this, `city_tier: 200` became −56, `n_homes: 300` (imported) became 44, `disability_grade: 128` was a
traceback, `contribution_years: 1e10` paid a 24-trillion-yuan pension and Parquet ages of −5 passed.
"""

from __future__ import annotations

import importlib
import json
import textwrap
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from gongfu.cli import app
from gongfu.engine import InputError, load_system
from gongfu.engine.variables import Above, allowed, bounds, check_values, members
from gongfu.household import parse_household
from gongfu.population import importer
from gongfu.population.io import (
    SCHEMA_TYPES,
    PopulationFileError,
    read_partition,
    read_table,
    write_partition,
)

runner = CliRunner()
SYSTEM = load_system()

#: Inputs declared in rules/secondary/tax/iit.py, owned by the tax work of issue 9: their `valid=` is added
#: there (0–12 months, an amount ≥ 0). Remove from this set once declared; nothing else may be undeclared.
PENDING_IIT: frozenset[str] = frozenset()


# ---------------------------------------------------------------- every input declares its valid values
def _given_by_users() -> set[str]:
    """Input variables, and formula variables that populations and imports give (city_tier, contribution_years)."""
    names = {v.name for v in SYSTEM.variables.values() if v.is_input}
    return names | set(SCHEMA_TYPES) | set(importer.HOUSEHOLD_VARS) | set(importer.PERSON_VARS)


def test_every_input_declares_its_valid_values():
    undeclared = []
    for name in sorted(_given_by_users()):
        var = SYSTEM.variables[name]
        if var.valid is None and members(var) is None and var.unit != "id" and name not in PENDING_IIT:
            undeclared.append(f"{name} ({var.file}:{var.line})")
    assert not undeclared, "declare valid=(min, max) for: " + ", ".join(undeclared)


def test_declared_ranges_fit_the_storage_type_and_the_law():
    for name in _given_by_users():
        var = SYSTEM.variables[name]
        if members(var) is None and var.unit != "id":
            lo, _, hi = bounds(var)
            assert np.isfinite(lo) and lo <= hi, name
            if var.np_dtype.kind in "iu":  # a value in range never wraps when stored
                info = np.iinfo(var.np_dtype)
                assert info.min <= lo and hi <= info.max, name
    expected = {"age": "0–150", "disability_grade": "0–4", "city_tier": "1–3", "n_homes": "0–100",
                "contribution_years": "0–80", "weight": "> 0"}
    assert {n: allowed(SYSTEM.variables[n]) for n in expected} == expected
    for name in ("wage_income", "interest_income", "dividend_income", "charity_received", "home_value"):
        assert bounds(SYSTEM.variables[name])[0] == 0, name  # amounts received are not negative
    for name in ("self_employment_income", "agricultural_income", "rental_income"):
        assert bounds(SYSTEM.variables[name])[0] < 0, name  # net incomes may be losses


def test_valid_must_be_well_formed():
    from gongfu.engine import PERSON, input_variable

    label = {"en": "x", "zh": "x"}
    for bad in ((0,), (0, float("nan")), ("0", 5), (0, Above(5)), (True, 3)):
        with pytest.raises(TypeError, match="valid"):
            input_variable("x_test_bad_valid", entity=PERSON, unit="count", label=label, valid=bad)


# ---------------------------------------------------------------- check_values itself (vectorised)
@pytest.mark.parametrize("name, values, expected", [
    ("age", np.array([30, -5, 40, -5, 500, -5], dtype=np.int16), "x: -5 (4 rows, first at row 1) is outside the "
     "allowed range 0–150 (must not be negative)"),
    ("age", np.array([30.0, 30.5]), "x: 30.5 (row 1) is not a whole number"),
    ("disability_grade", np.array([0, 1, 127], dtype=np.int8), "x: 127 (row 2) is outside the allowed range 0–4"),
    ("sex", np.array([0, 1, 5], dtype=np.int8), "x: 5 (row 2) is not a valid code: one of male (0), female (1)"),
    ("hukou_province", np.array([33, 99, 33], dtype=np.int8), "x: 99 (row 1) is not a GB/T 2260 province code"),
    ("hukou_province", np.array([33, 20], dtype=np.int8), "x: 20 (row 1) is not a GB/T 2260"),  # a gap
    ("hukou_province", np.array([33, -56], dtype=np.int8), "x: -56 (row 1) is not a GB/T 2260"),
    ("wage_income", np.array([1.0, np.nan, np.inf]), "x: NaN (2 rows, first at row 1) is not a finite number"),
    ("wage_income", np.array([1e13]), "x: 10,000,000,000,000 is outside the allowed range 0–1,000,000,000,000"),
    ("weight", np.array([1.0, 0.0]), "x: 0 (row 1) is outside the allowed range > 0"),
    ("has_mortgage", np.array([0, 1, 2]), "x: 2 (row 2) is not true or false"),
    ("city_tier", np.array([1, 2, 3, 4], dtype=np.int8), "x: 4 (row 3) is outside the allowed range 1–3"),
    ("contribution_years", np.array([1e10]), "x: 10,000,000,000 is outside the allowed range 0–80"),
    ("n_homes", np.array([10 ** 30], dtype=object), "x: 1e+30 is outside the allowed range 0–100"),
    ("n_homes", np.array(["3"], dtype=object), "x: expected numbers"),
])
def test_check_values_names_value_count_and_range(name, values, expected):
    with pytest.raises(InputError) as info:
        check_values(SYSTEM.variables[name], values, "x")
    assert str(info.value).startswith(expected), str(info.value)


def test_check_values_accepts_the_edges_and_is_silent_on_valid_columns():
    v = SYSTEM.variables
    check_values(v["age"], np.array([0, 150], dtype=np.int16), "x")
    check_values(v["disability_grade"], np.arange(5, dtype=np.int8), "x")
    check_values(v["city_tier"], np.array([1, 3]), "x")
    check_values(v["self_employment_income"], np.array([-5000.0, 1e12, -1e12]), "x")
    check_values(v["hukou_province"], np.array([11, 65, 33], dtype=np.int8), "x")
    check_values(v["has_mortgage"], np.array([True, False]), "x")
    check_values(v["person_id"], np.array([0, 2 ** 62], dtype=np.int64), "x")
    check_values(v["age"], np.array([], dtype=np.int16), "x")


def test_check_values_uses_the_readers_error_and_row_numbers():
    with pytest.raises(PopulationFileError, match=r"column 'a' \(age\): -1 \(row 3\)"):
        check_values(SYSTEM.variables["age"], [1, -1], "column 'a' (age)", first_row=2, error=PopulationFileError)


# ---------------------------------------------------------------- the household reader: CLI, parse_household, HTTP
# (entity, field, value, what the message says after the field)
HOSTILE_HOUSEHOLD = [
    ("household", "city_tier", 200, "200 is outside the allowed range 1–3"),
    ("household", "city_tier", 0, "0 is outside the allowed range 1–3"),
    ("household", "city_tier", -56, "-56 is outside the allowed range 1–3"),
    ("household", "n_homes", 1e12, "1,000,000,000,000 is outside the allowed range 0–100"),
    ("household", "n_homes", 300, "300 is outside the allowed range 0–100"),
    ("household", "n_homes", 128, "128 is outside the allowed range 0–100"),
    ("household", "n_homes", -1, "-1 is outside the allowed range 0–100"),
    ("household", "n_homes", 2.5, "2.5 is not a whole number"),
    ("household", "n_homes", 10 ** 30, "10000000000000000000… (31 digits) is outside the allowed range 0–100"),
    ("household", "weight", 0, "0 is outside the allowed range > 0"),
    ("household", "weight", -3.0, "-3 is outside the allowed range > 0"),
    ("household", "floor_area", 1e9, "1,000,000,000 is outside the allowed range 0–100,000"),
    ("household", "home_value", -1, "-1 is outside the allowed range 0–1,000,000,000,000"),
    ("household", "charity_received", 1e300, "is outside the allowed range 0–1,000,000,000,000"),
    ("household", "area", 7, "7 is not a valid code: one of rural (0), urban (1)"),
    ("household", "tenure", 9, "9 is not a valid code: one of owner (0), renter (1), other (2)"),
    ("household", "dibao_area", 2, "2 is outside the allowed range 0–1"),
    ("household", "household_size", 0, "0 is outside the allowed range 1–50"),
    ("persons", "disability_grade", 9, "9 is outside the allowed range 0–4"),
    ("persons", "disability_grade", 128, "128 is outside the allowed range 0–4"),
    ("persons", "disability_grade", -1, "-1 is outside the allowed range 0–4"),
    ("persons", "contribution_years", 1e10, "10,000,000,000 is outside the allowed range 0–80"),
    ("persons", "contribution_years", 81, "81 is outside the allowed range 0–80"),
    ("persons", "age", 151, "151 is outside the allowed range 0–150"),
    ("persons", "age", 500, "500 is outside the allowed range 0–150"),
    ("persons", "age", 32768, "32768 is outside the allowed range 0–150"),
    ("persons", "age", -5, "-5 is outside the allowed range 0–150"),
    ("persons", "age", 30.5, "30.5 is not a whole number"),
    ("persons", "sex", 5, "5 is not a valid code: one of male (0), female (1)"),
    ("persons", "employment_status", 42, "42 is not a valid code"),
    ("persons", "hukou_province", 99, "unknown province code 99"),
    ("persons", "wage_income", -5, "-5 is outside the allowed range 0–1,000,000,000,000 (must not be negative)"),
    ("persons", "wage_income", 1e13, "10,000,000,000,000 is outside the allowed range"),
    ("persons", "self_employment_income", -1e13, "-10,000,000,000,000 is outside the allowed range"),
    ("persons", "dividend_income", -1, "-1 is outside the allowed range"),
    ("persons", "employee_pension_divisor", 0, "0 is outside the allowed range ≥ 1"),
    ("persons", "pension_wage_index", 10, "10 is outside the allowed range 0.6–3"),
    ("persons", "flexible_contribution_base_ratio", 0.1, "0.1 is outside the allowed range 0.6–3"),
    ("persons", "retirement_age", 200, "200 is outside the allowed range 0–150"),
    ("persons", "resident_pension_account", -10, "-10 is outside the allowed range"),
    ("persons", "person_id", 3, "identifiers are numbered by gongfu"),
]


def _household(entity: str, field: str, value) -> dict:
    data = {"year": 2025, "household": {"province": "zhejiang", "area": "urban"},
            "persons": [{"name": "a", "age": 40, "wage_income": 50000}, {"name": "b", "age": 8}]}
    if entity == "household":
        data["household"][field] = value
    else:
        data["persons"][0][field] = value
    return data


def _field(entity: str, field: str) -> str:
    return f"household.{field}" if entity == "household" else f"persons[0].{field}"


@pytest.mark.parametrize("entity, field, value, words", HOSTILE_HOUSEHOLD)
def test_parse_household_refuses(entity, field, value, words):
    with pytest.raises(InputError) as info:
        parse_household(_household(entity, field, value), SYSTEM, source="h.json")
    assert str(info.value).startswith(f"h.json: {_field(entity, field)}: "), str(info.value)
    assert words in str(info.value)


@pytest.mark.parametrize("entity, field, value, words", HOSTILE_HOUSEHOLD)
def test_calc_cli_refuses_with_exit_2_and_no_output(tmp_path, entity, field, value, words):
    path = tmp_path / "h.json"
    path.write_text(json.dumps(_household(entity, field, value)), encoding="utf-8")
    result = runner.invoke(app, ["calc", str(path), "--json"])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""  # nothing printed but the error (on stderr)
    assert f"{path}" in result.stderr and _field(entity, field) in result.stderr and words in result.stderr
    assert "Traceback" not in result.output and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("entity, field, value, words", [c for c in HOSTILE_HOUSEHOLD if abs(c[2]) < 1e300][::4])
def test_calc_cli_yaml_names_the_line(tmp_path, entity, field, value, words):
    data = _household(entity, field, value)
    path = tmp_path / "h.yaml"
    path.write_text(textwrap.dedent(f"""\
        year: 2025
        household: {json.dumps(data["household"])}
        persons:
          - {json.dumps(data["persons"][0])}
          - {json.dumps(data["persons"][1])}
    """), encoding="utf-8")
    result = runner.invoke(app, ["calc", str(path)])
    assert result.exit_code == 2
    line = 2 if entity == "household" else 4
    assert f"{path}:{line}: {_field(entity, field)}: " in result.stderr and words in result.stderr


@pytest.mark.parametrize("entity, field, value", [
    ("household", "city_tier", 3), ("household", "n_homes", 100), ("persons", "disability_grade", 4),
    ("persons", "age", 150), ("persons", "contribution_years", 80), ("persons", "self_employment_income", -5000),
    ("household", "weight", 0.5),
])
def test_values_at_the_edge_are_accepted(entity, field, value):
    hh = parse_household(_household(entity, field, value), SYSTEM)
    got = (hh.households if entity == "household" else hh.persons)[field]
    assert float(np.ravel(got)[0]) == value
    assert np.isfinite(hh.simulate(SYSTEM).calc("disposable_income")).all()


@pytest.mark.parametrize("entity, field, value, words", [
    ("persons", "disability_grade", 128, "128 is outside the allowed range 0–4"),
    ("household", "city_tier", 200, "200 is outside the allowed range 1–3"),
    ("household", "n_homes", 1e12, "is outside the allowed range 0–100"),
    ("persons", "contribution_years", 1e10, "is outside the allowed range 0–80"),
    ("persons", "wage_income", 10 ** 40, "is not a finite number within ±10^15"),  # refused by the JSON reader
])
def test_http_calc_is_422_naming_the_field(entity, field, value, words):
    from gongfu.api.app import app as http_app

    response = TestClient(http_app, raise_server_exceptions=False).post("/calc",
                                                                        json=_household(entity, field, value))
    assert response.status_code == 422, response.text
    detail = response.json()["detail"][0]
    assert detail["msg"].startswith(_field(entity, field)) and words in detail["msg"], detail


# ---------------------------------------------------------------- the importer (CSV)
MAPPING = """\
level: person
household_id: hh
weight: w
columns: {prov: province, urb: area, age: age, homes: n_homes, dis: disability_grade, tier: city_tier,
          yrs: contribution_years, wage: wage_income}
values:
  area: {1: urban, 0: rural}
"""
GOOD_ROW = {"hh": "1", "w": "100", "prov": "33", "urb": "1", "age": "40", "homes": "1", "dis": "0", "tier": "2",
            "yrs": "10", "wage": "50000"}


@pytest.mark.parametrize("column, value, words", [
    ("homes", "300", "column 'homes' (n_homes): 300 (row 2) is outside the allowed range 0–100"),
    ("homes", "128", "column 'homes' (n_homes): 128 (row 2) is outside the allowed range 0–100"),
    ("homes", "-1", "column 'homes' (n_homes): -1 (row 2) is outside the allowed range 0–100"),
    ("homes", "1e12", "column 'homes' (n_homes): 1,000,000,000,000 (row 2) is outside"),
    ("age", "-5", "column 'age' (age): -5 (row 2) is outside the allowed range 0–150"),
    ("age", "500", "column 'age' (age): 500 (row 2) is outside the allowed range 0–150"),
    ("age", "40.5", "column 'age' (age): 40.5 (row 2) is not a whole number"),
    ("dis", "9", "column 'dis' (disability_grade): 9 (row 2) is outside the allowed range 0–4"),
    ("tier", "200", "column 'tier' (city_tier): 200 (row 2) is outside the allowed range 1–3"),
    ("yrs", "1e10", "column 'yrs' (contribution_years): 10,000,000,000 (row 2) is outside the allowed range 0–80"),
    ("w", "0", "column 'w' (weight): 0 (row 2) is outside the allowed range > 0"),
    ("wage", "-3", "column 'wage' (wage_income): -3 (row 2) is outside the allowed range"),
    ("wage", "inf", "column 'wage' (wage_income): not a number"),
])
def test_import_refuses_out_of_range_columns_and_writes_nothing(tmp_path, column, value, words):
    rows = [GOOD_ROW, {**GOOD_ROW, "hh": "2", column: value}]
    csv = tmp_path / "micro.csv"
    csv.write_text(",".join(GOOD_ROW) + "\n" + "\n".join(",".join(r.values()) for r in rows) + "\n")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(MAPPING)
    out = tmp_path / "pop"
    result = runner.invoke(app, ["population", "import", str(csv), "--mapping", str(mapping), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert words in " ".join(result.output.split()), result.output  # (the console wraps long lines)
    assert "Traceback" not in result.output
    assert not out.exists() or not any(out.rglob("*.parquet")) and not (out / "manifest.json").exists()


def test_import_accepts_the_same_file_in_range(tmp_path):
    csv = tmp_path / "micro.csv"
    csv.write_text(",".join(GOOD_ROW) + "\n" + ",".join(GOOD_ROW.values()) + "\n")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(MAPPING)
    manifest = importer.import_microdata(csv, mapping, tmp_path / "pop")
    assert manifest["households"] == 1
    h, p = read_partition(tmp_path / "pop" / manifest["partitions"][0]["households_file"])
    assert int(h["n_homes"][0]) == 1 and int(p["age"][0]) == 40


# ---------------------------------------------------------------- the Parquet reader
def _partition(tmp_path: Path, households: dict | None = None, persons: dict | None = None) -> Path:
    h = {"household_id": np.arange(3, dtype=np.int64), "province": np.full(3, 33, dtype=np.int8),
         "area": np.ones(3, dtype=np.int8), "weight": np.full(3, 100.0), "n_homes": np.ones(3, dtype=np.int8),
         "city_tier": np.full(3, 2, dtype=np.int8)}
    p = {"person_id": np.arange(6, dtype=np.int64), "household_id": np.repeat(np.arange(3, dtype=np.int64), 2),
         "age": np.array([40, 38, 70, 68, 30, 5], dtype=np.int16), "sex": np.array([0, 1, 0, 1, 0, 1], dtype=np.int8),
         "hukou_province": np.full(6, 33, dtype=np.int8), "disability_grade": np.zeros(6, dtype=np.int8),
         "wage_income": np.full(6, 30000.0), "contribution_years": np.zeros(6, dtype=np.int16)}
    h.update(households or {})
    p.update(persons or {})
    write_partition(tmp_path, 3, 33, h, p, {"gongfu.seed": "1"})
    return next(tmp_path.glob("persons/*/part-00003.parquet"))


@pytest.mark.parametrize("table, column, values, words", [
    ("persons", "age", np.array([40, -5, 70, -5, 30, -5], dtype=np.int16),
     "column age: -5 (3 rows, first at row 1) is outside the allowed range 0–150"),
    ("persons", "age", np.array([40, 500, 70, 68, 30, 5], dtype=np.int16),
     "column age: 500 (row 1) is outside the allowed range 0–150"),
    ("persons", "sex", np.array([0, 5, 0, 1, 0, 1], dtype=np.int8), "column sex: 5 (row 1) is not a valid code"),
    ("persons", "disability_grade", np.array([0, 0, 9, 0, 0, 0], dtype=np.int8),
     "column disability_grade: 9 (row 2) is outside the allowed range 0–4"),
    ("persons", "hukou_province", np.array([33, 33, 99, 33, 33, 33], dtype=np.int8),
     "column hukou_province: 99 (row 2) is not a GB/T 2260 province code"),
    ("persons", "wage_income", np.array([1.0, np.nan, 1.0, 1.0, 1.0, 1.0]),
     "column wage_income: NaN (row 1) is not a finite number"),
    ("persons", "wage_income", np.array([1.0, -2.0, 1.0, 1.0, 1.0, 1.0]),
     "column wage_income: -2 (row 1) is outside the allowed range"),
    ("persons", "contribution_years", np.array([0, 0, 0, 0, 0, 900], dtype=np.int16),
     "column contribution_years: 900 (row 5) is outside the allowed range 0–80"),
    ("households", "city_tier", np.array([2, -56, 2], dtype=np.int8),
     "column city_tier: -56 (row 1) is outside the allowed range 1–3"),
    ("households", "n_homes", np.array([1, 1, 127], dtype=np.int8),
     "column n_homes: 127 (row 2) is outside the allowed range 0–100"),
    ("households", "weight", np.array([100.0, 0.0, 100.0]), "column weight: 0 (row 1) is outside the allowed range > 0"),
    ("households", "area", np.array([1, 2, 1], dtype=np.int8), "column area: 2 (row 1) is not a valid code"),
    ("households", "province", np.array([33, 33, 0], dtype=np.int8), "column province: 0 (row 2) is not a GB/T 2260"),
])
def test_parquet_reader_refuses_out_of_range_columns(tmp_path, table, column, values, words):
    persons_file = _partition(tmp_path, **{table: {column: values}})
    bad_file = persons_file if table == "persons" else Path(str(persons_file).replace("persons", "households"))
    with pytest.raises(PopulationFileError) as info:
        read_partition(persons_file)
    assert str(info.value).startswith(f"{bad_file}: {words}"), str(info.value)
    assert len(str(info.value).splitlines()) == 1


def test_parquet_reader_accepts_a_valid_partition(tmp_path):
    h, p = read_partition(_partition(tmp_path))
    assert len(h["household_id"]) == 3 and len(p["age"]) == 6


def test_simulate_refuses_a_population_with_a_bad_column(tmp_path, monkeypatch):
    """The whole path: a built population whose generator wrote ages of -5 → `simulate` exits 2, prints no
    results, and names the file, the column, the value and the range."""
    build_module = importlib.import_module("gongfu.population.build")

    real = build_module.generate_partition

    def damaged(spec):
        h, p = real(spec)
        p["age"] = p["age"].copy()
        p["age"][:3] = -5
        return h, p

    monkeypatch.setattr(build_module, "generate_partition", damaged)
    out = tmp_path / "pop"
    build_module.build(households=200, seed=1, out=out)
    result = runner.invoke(app, ["simulate", "--population", str(out), "--json"])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert "column age: -5 (3 rows, first at row 0) is outside the allowed range 0–150" in result.stderr
    assert ".parquet" in result.stderr and "Traceback" not in result.output
    cols, _ = read_table(next(out.glob("persons/*/*.parquet")))  # the file is untouched (nothing rewritten)
    assert (cols["age"][:3] == -5).all()
