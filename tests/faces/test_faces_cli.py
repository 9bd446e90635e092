"""CLI faces: `calc`, `simulate --json`, `compare`, `scenarios`, and one-line errors with exit code 2."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from gongfu.cli import app

runner = CliRunner()


def _invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_calc_json_of_an_example(tmp_path):
    f = tmp_path / "family.yaml"
    f.write_text("household: {province: zhejiang, area: urban}\n"
                 "persons:\n  - {name: father, age: 38, wage_income: 96000}\n  - {name: son, age: 2}\n")
    r = _invoke("calc", str(f), "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["year"] == 2025
    assert [p["name"] for p in data["persons"]] == ["father", "son"]
    h = data["household"]
    assert h["disposable_income"] == pytest.approx(h["market_income"] - h["total_taxes"] - h["total_contributions"]
                                                   + h["total_benefits"], abs=0.02)


def test_malformed_household_exits_2_naming_the_field(tmp_path):
    f = tmp_path / "bad.yaml"
    f.write_text("household: {province: zhejiang}\npersons:\n  - {name: a, age: 30}\n  - {name: b, age: 31, "
                 "wage_income: -100}\n")
    r = _invoke("calc", str(f))
    assert r.exit_code == 2
    assert "persons[1].wage_income" in r.stderr and f"{f}:4" in r.stderr
    assert "Traceback" not in r.output
    assert len(r.stderr.strip().splitlines()) == 1


def test_missing_file_and_unknown_reform_exit_2(tmp_path):
    r = _invoke("calc", str(tmp_path / "nope.yaml"))
    assert r.exit_code == 2 and "no such file" in r.stderr.lower() or "cannot read" in r.stderr
    r = _invoke("simulate", "--reform", "no_such_scenario", "--households", "100")
    assert r.exit_code == 2 and "no_such_scenario" in r.stderr
    r = _invoke("compare", "baseline", "no_such_scenario", "--households", "100")
    assert r.exit_code == 2 and "no_such_scenario" in r.stderr
    r = _invoke("simulate", "--population", str(tmp_path / "nowhere"))
    assert r.exit_code == 2 and "--population" in r.stderr
    r = _invoke("simulate", "--households", "100", "--lang", "fr")
    assert r.exit_code == 2 and "en or zh" in r.stderr
    r = _invoke("simulate", "--households", "10")
    assert r.exit_code == 2 and "62" in r.output
    r = _invoke("simulate", "--households", "100", "--year", "2019")
    assert r.exit_code == 2 and r.stderr.startswith("error: --year: the law in gongfu covers")


def test_scenarios_lists_the_library():
    r = _invoke("scenarios", "--json")
    assert r.exit_code == 0
    keys = {s["key"] for s in json.loads(r.stdout)["scenarios"]}
    assert {"dibao_plus_20pct", "iit_top_rate_50"} <= keys
    r = _invoke("scenarios", "--lang", "zh")
    assert r.exit_code == 0 and "城乡低保标准提高20%" in r.stdout.replace("\n", "")


def test_simulate_and_compare_render_runner_results(monkeypatch, results, comparison, tmp_path):
    """Rendering of the terminal summary, --json and --report, with the runner replaced by the contract fixture."""
    seen = {}

    def fake_sim(reform=None, **kw):
        seen["simulate"] = (reform, kw)
        return results

    def fake_cmp(baseline, reform, **kw):
        seen["compare"] = (baseline, reform, kw)
        return comparison

    monkeypatch.setattr("gongfu.workflow.run_simulation", fake_sim)
    monkeypatch.setattr("gongfu.workflow.run_comparison", fake_cmp)
    r = _invoke("simulate", "--households", "80", "--seed", "3", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["gini"] == pytest.approx(results["gini"])
    assert seen["simulate"][1]["households"] == 80 and seen["simulate"][1]["seed"] == 3
    r = _invoke("simulate", "--households", "80")
    assert r.exit_code == 0 and "0.4650" in r.stdout and "Tekun" in r.stdout and "1,450.0" in r.stdout
    r = _invoke("compare", "baseline", "dibao_plus_20pct", "--households", "80", "--report", str(tmp_path / "rep"),
                "--lang", "zh")
    assert r.exit_code == 0, r.output
    assert seen["compare"][0] is None and seen["compare"][1].key == "dibao_plus_20pct"  # resolved once
    assert "政府净成本" in r.stdout and "最低生活保障金" in r.stdout
    assert (tmp_path / "rep" / "report.html").exists()


def _real_runner() -> bool:
    try:
        from gongfu import run
    except ImportError:
        return False
    return hasattr(run, "simulate")


@pytest.mark.skipif(not _real_runner(), reason="gongfu.run.simulate has not landed yet")
def test_simulate_json_on_a_tiny_generated_population():
    r = _invoke("simulate", "--households", "300", "--seed", "11", "--json", "--workers", "1")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["year"] == 2025
    assert data["population"]["persons"] > data["population"]["households"] > 0
    assert 0.2 < data["gini"] < 0.8
    assert data["urban_rural_ratio"] > 1
    progs = data["programmes"]
    for var in ("individual_income_tax", "social_insurance_contributions", "dibao", "resident_pension"):
        assert set(progs[var]) >= {"total", "recipients"}
        assert progs[var]["total"] >= 0


@pytest.mark.skipif(not _real_runner(), reason="gongfu.run has not landed yet")
def test_report_of_a_real_tiny_comparison(tmp_path):
    """The runner's compare dict (one pass) goes through the report: every section, the waterfall check."""
    from gongfu.reforms import load_scenario
    from gongfu.report import SECTION_IDS, write_report
    from gongfu.workflow import run_comparison

    cmp = run_comparison(None, load_scenario("dibao_plus_20pct"), households=300, seed=5, workers=1)
    html = write_report(cmp, tmp_path / "rep").read_text(encoding="utf-8")
    for section in SECTION_IDS:
        assert f'<section id="{section}">' in html
    assert (tmp_path / "rep" / "charts" / "waterfall.png").exists()
    assert "Dibao" in html


@pytest.mark.skipif(not _real_runner(), reason="gongfu.run has not landed yet")
def test_runner_user_errors_are_one_line_exit_2(tmp_path):
    not_a_population = tmp_path / "pop"
    not_a_population.mkdir()
    (not_a_population / "notes.txt").write_text("hello")
    r = _invoke("simulate", "--population", str(not_a_population))
    assert r.exit_code == 2 and r.stderr.startswith("error: --population:") and "manifest" in r.stderr
    ckpt = tmp_path / "ckpt"
    assert _invoke("simulate", "--households", "100", "--seed", "1", "--workers", "1", "--checkpoint", str(ckpt),
                   "--json").exit_code == 0
    r = _invoke("simulate", "--households", "100", "--seed", "2", "--workers", "1", "--checkpoint", str(ckpt))
    assert r.exit_code == 2 and "different run" in r.stderr and "--checkpoint" in r.stderr
    assert "Traceback" not in r.output
