"""`gongfu validate`: JSON shape, the outside checks flagged "not a target", bilingual tables, one-line errors with
exit code 2 (before any run), and one real run on a tiny generated sample."""

from __future__ import annotations

import json

import pytest
import yaml
from typer.testing import CliRunner

from gongfu.cli import app

runner = CliRunner()

FAKE = {
    "meta": {"system": "baseline", "population": {"source": "generated", "seed": 5, "households_sampled": 1000}},
    "year": 2024,
    "gini": 0.43,
    "urban_rural_ratio": 2.35,
    "population": {"persons": 1.40628e9, "households": 5.3e8},
    "programmes": {
        "individual_income_tax": {"total": 9.5e11, "recipients": 2.2e8},
        "dibao": {"total": 1.6e11, "recipients": 4.1e7},
        "employee_pension": {"total": 6.7e12, "recipients": 1.42e8},
    },
    "income": {"disposable": {"mean": 41500.0, "median": 32500.0,
                              "quintile_means": [8600.0, 20300.0, 32700.0, 50000.0, 96000.0]}},
    "gaps": {"middle_income_share": 0.47},
    "uncertainty": {"gini": {"se": 0.003, "ci95": [0.424, 0.436]}},
}
ROW_FIELDS = {"key", "label", "model", "model_ci95", "official", "unit", "year", "source", "target", "ratio", "note",
              "verdict", "area", "outside_check"}
OUTSIDE = ("gini", "programmes.individual_income_tax.total", "programmes.individual_income_tax.recipients")


@pytest.fixture
def fake_run(monkeypatch):
    calls = []

    def run_results(year, households=None, population=None, seed=None, workers=None, progress=False):
        calls.append({"year": year, "households": households, "seed": seed})
        return dict(FAKE, year=year)

    monkeypatch.setattr("gongfu.validate_cli.run_results", run_results)
    return calls


def _invoke(*args: str):
    return runner.invoke(app, ["validate", *args], catch_exceptions=False)


def test_json_shape(fake_run):
    r = _invoke("--json", "--households", "1000", "--seed", "5")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert set(data) >= {"year", "rows"} and data["year"] == 2024
    assert fake_run == [{"year": 2024, "households": 1000, "seed": 5}]
    rows = {row["key"]: row for row in data["rows"]}
    for row in data["rows"]:
        assert ROW_FIELDS <= set(row), row["key"]
        assert set(row["label"]) == {"en", "zh"}
        assert isinstance(row["target"], bool)
    # the outside checks exist and are not targets; the Gini carries the run's interval
    for key in OUTSIDE:
        assert rows[key]["target"] is False and rows[key]["outside_check"] is True
        assert rows[key]["official"] is not None and rows[key]["source"]["url"].startswith("http")
    assert rows["gini"]["model_ci95"] == [0.424, 0.436] and rows["gini"]["model"] == 0.43
    assert rows["programmes.individual_income_tax.total"]["ratio"] == pytest.approx(9.5e11 / 1452.2e9)
    assert rows["programmes.dibao.recipients"]["target"] is True
    # figures the fake run lacks are rows with model None, not errors
    assert rows["programmes.tekun.recipients"]["model"] is None


def test_year_selects_law_and_childcare_not_in_force_before_2025(fake_run):
    data = json.loads(_invoke("--json", "--year", "2024").stdout)
    child = next(r for r in data["rows"] if r["key"] == "programmes.childcare_subsidy.total")
    assert child["verdict"]["en"] == "not in force in 2024 (from 2025)"
    data = json.loads(_invoke("--json", "--year", "2025").stdout)
    assert fake_run[-1]["year"] == 2025 and data["year"] == 2025


def test_tables_in_english_and_chinese(fake_run):
    r = runner.invoke(app, ["validate", "--households", "1000"], catch_exceptions=False,
                      env={"COLUMNS": "220"})
    assert r.exit_code == 0
    out = r.stdout
    assert "not a target (outside check)" in out and "Income distribution" in out and "Taxes" in out
    assert "Gini of per-capita disposable income" in out and "0.465" in out and "[0.424, 0.436]" in out
    assert "unknown here" in out  # figures without an official value
    r = runner.invoke(app, ["validate", "--lang", "zh"], catch_exceptions=False, env={"COLUMNS": "220"})
    assert r.exit_code == 0
    assert "居民人均可支配收入基尼系数" in r.stdout and "非校准目标(外部检验)" in r.stdout and "收入分配" in r.stdout


def test_malformed_official_file_exit_2_before_any_run(fake_run, tmp_path):
    bad = tmp_path / "official.yaml"
    bad.write_text(yaml.safe_dump({"figures": [{"key": "gini", "area": "income_distribution",
                                                "label": {"en": "Gini", "zh": "基尼"}, "value": 0.465,
                                                "unit": "ratio", "source": {"title": "t", "origin": "NBS"}}]}),
                   encoding="utf-8")
    r = _invoke("--official", str(bad))
    assert r.exit_code == 2
    assert "'gini'" in r.stderr and "'year'" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert fake_run == []
    r = _invoke("--official", str(tmp_path / "nowhere.yaml"))
    assert r.exit_code == 2 and "no such file" in r.stderr and fake_run == []


@pytest.mark.parametrize("args, words", [
    (("--lang", "fr"), "--lang"),
    (("--households", "100", "--population", "."), "either --population"),
    (("--population", "/nonexistent/pop"), "no such directory"),
])
def test_bad_options_exit_2(fake_run, args, words):
    r = _invoke(*args)
    assert r.exit_code == 2 and words in r.stderr and fake_run == []


def test_real_run_on_a_tiny_sample():
    r = _invoke("--json", "--households", "200", "--seed", "3", "--workers", "1")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    rows = {row["key"]: row for row in data["rows"]}
    assert 0.2 < rows["gini"]["model"] < 0.7 and rows["gini"]["target"] is False
    assert rows["programmes.individual_income_tax.total"]["model"] > 0
    assert rows["income.disposable.mean"]["target"] is True
    assert data["meta"]["population"]["seed"] == 3


def test_year_before_the_law_and_markup_in_messages_are_plain_errors(fake_run, tmp_path):
    r = _invoke("--year", "2010")
    assert r.exit_code == 2 and "--year" in r.stderr and "2010" in r.stderr and fake_run == []
    bad = tmp_path / "official.yaml"
    bad.write_text("figures:\n  - key: '[bold]gini'\n    value: 1\n", encoding="utf-8")
    r = _invoke("--official", str(bad))
    assert r.exit_code == 2 and "'[bold]gini'" in r.stderr  # printed as text, not eaten as markup
