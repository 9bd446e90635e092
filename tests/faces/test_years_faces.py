"""Every face says when a year is projected, and refuses years outside the law (issue 14)."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from gongfu.api.app import app as http_app
from gongfu.cli import app

runner = CliRunner()
client = TestClient(http_app, raise_server_exceptions=False)
HOUSEHOLD = "household: {province: zhejiang, area: urban}\npersons:\n  - {name: a, age: 38, wage_income: 96000}\n"


def _invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def _file(tmp_path, year):
    f = tmp_path / f"h{year}.yaml"
    f.write_text(f"year: {year}\n{HOUSEHOLD}")
    return f


@pytest.mark.parametrize(("year", "projected"), [(2022, False), (2023, False), (2025, False), (2027, True)])
def test_calc_says_projected(tmp_path, year, projected):
    r = _invoke("calc", str(_file(tmp_path, year)), "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["law"]["projected"] is projected
    assert ("projected year" in r.stderr) is projected


@pytest.mark.parametrize("year", [2021, 2031])
def test_calc_refuses_years_outside(tmp_path, year):
    r = _invoke("calc", str(_file(tmp_path, year)))
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert "year" in r.stderr and str(year) in r.stderr


@pytest.mark.parametrize("year", [2021, 2031])
def test_simulate_refuses_years_outside(year):
    r = _invoke("simulate", "--households", "62", "--year", str(year), "--json")
    assert r.exit_code == 2 and "--year" in r.stderr and r.stdout == ""


def test_simulate_json_says_projected():
    r = _invoke("simulate", "--households", "62", "--year", "2027", "--json")
    assert r.exit_code == 0, r.output
    law = json.loads(r.stdout)["law"]
    assert law["projected"] is True and "assistance.dibao.standard" in law["reason"]
    assert "projected year" in r.stderr


def test_http_calc_and_codes():
    body = {"year": 2027, "household": {"province": "zhejiang", "area": "urban"},
            "persons": [{"name": "a", "age": 38, "wage_income": 96000}]}
    r = client.post("/calc", json=body)
    assert r.status_code == 200, r.text
    assert r.json()["law"]["projected"] is True
    assert client.post("/calc", json=body | {"year": 2031}).status_code == 422
    codes = client.get("/codes").json()
    assert (codes["first_year"], codes["last_known_year"], codes["horizon"]) == (2022, 2025, 2030)


def test_parameters_flags_projected_values_and_refuses_years_outside():
    rows = client.get("/parameters", params={"prefix": "pensions.resident.basic_pension_minimum", "year": 2028}).json()
    assert rows[0]["projected"] is True and rows[0]["value"] > 163
    known = client.get("/parameters", params={"prefix": "pensions.resident.basic_pension_minimum", "year": 2026})
    assert known.json()[0]["projected"] is False and known.json()[0]["value"] == 163
    assert client.get("/parameters", params={"year": 2031}).status_code == 422
    r = _invoke("parameters", "pensions.resident.basic_pension_minimum", "--year", "2031")
    assert r.exit_code == 2 and "2031" in r.stderr
