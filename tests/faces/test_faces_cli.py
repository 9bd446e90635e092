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


# ---------------------------------------------------------------------------------------------- issue 9 §5/§6
RICH = "household: {province: beijing, area: urban}\npersons:\n  - {name: a, age: 45, wage_income: 2000000}\n"


def _never(*args, **kwargs):
    raise AssertionError("the runner must not be called")


def test_user_text_with_rich_markup_is_printed_as_text(tmp_path):
    """A person named `[/bold]` crashed the error printer (rich MarkupError); names in tables too."""
    f = tmp_path / "hh.yaml"
    f.write_text("household: {province: zhejiang}\npersons:\n  - {name: '[/bold]', age: 30}\n"
                 "  - {name: '[/bold]', age: 31}\n")
    r = runner.invoke(app, ["calc", str(f)])
    assert r.exit_code == 2 and "'[/bold]' is used twice" in r.stderr, r.output
    assert len(r.stderr.strip().splitlines()) == 1
    f.write_text("household: {province: zhejiang}\npersons:\n  - {name: '[red]x[/]', age: 30}\n"
                 "  - {name: '[/bold]', age: 31}\n")
    r = runner.invoke(app, ["calc", str(f), "--lang", "en"])
    assert r.exit_code == 0, r.output
    assert "[/bold]" in r.stdout and "[red]x[/]" in r.stdout
    bad = tmp_path / "[bold]r[i].yaml"
    bad.write_text("name: '[/bold]'\nfrom: 2025-01-01\nparameters: {tax.iit.nope: 1}\n")
    r = runner.invoke(app, ["calc", str(f), "--reform", str(bad)])
    assert r.exit_code == 2 and "[bold]r[i].yaml:3" in r.stderr and "tax.iit.nope" in r.stderr, r.output


def test_report_dir_is_checked_before_the_run(tmp_path, monkeypatch):
    monkeypatch.setattr("gongfu.workflow.run_simulation", _never)
    monkeypatch.setattr("gongfu.workflow.run_comparison", _never)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.tex").write_text("keep me")
    for args in (["simulate", "--households", "100"], ["compare", "baseline", "dibao_plus_20pct", "--households", "100"]):
        r = runner.invoke(app, [*args, "--report", str(mine)])
        assert r.exit_code == 2 and "not a gongfu report directory" in r.stderr, r.output
    afile = tmp_path / "afile"
    afile.write_text("x")
    r = runner.invoke(app, ["simulate", "--households", "100", "--report", str(afile / "rep")])
    assert r.exit_code == 2 and f"--report {afile / 'rep'}: cannot write into {afile}" in r.stderr, r.output
    assert (mine / "thesis.tex").read_text() == "keep me"


def test_a_rerun_never_deletes_files_gongfu_did_not_write(tmp_path, monkeypatch, results, comparison):
    monkeypatch.setattr("gongfu.workflow.run_simulation", lambda *a, **k: results)
    monkeypatch.setattr("gongfu.workflow.run_comparison", lambda *a, **k: comparison)
    out = tmp_path / "rep"
    r = runner.invoke(app, ["compare", "baseline", "dibao_plus_20pct", "--households", "100", "--report", str(out)])
    assert r.exit_code == 0, r.output
    manifest = json.loads((out / ".gongfu-report").read_text())
    assert "report.html" in manifest["files"] and "charts/waterfall.png" in manifest["files"]
    (out / "charts" / "my_notes.txt").write_text("keep me")
    monkeypatch.setattr("gongfu.workflow.run_simulation", _never)
    r = runner.invoke(app, ["simulate", "--households", "100", "--report", str(out)])
    assert r.exit_code == 2 and "files gongfu did not write (charts/my_notes.txt)" in r.stderr, r.output
    assert (out / "charts" / "my_notes.txt").read_text() == "keep me"
    (out / "charts" / "my_notes.txt").unlink()
    monkeypatch.setattr("gongfu.workflow.run_simulation", lambda *a, **k: results)
    r = runner.invoke(app, ["simulate", "--households", "100", "--report", str(out)])
    assert r.exit_code == 0, r.output
    assert not (out / "charts" / "waterfall.png").exists()  # gongfu's own old file is replaced


def test_full_disk_while_writing_the_report_is_one_line_naming_it(tmp_path, monkeypatch, results):
    monkeypatch.setattr("gongfu.workflow.run_simulation", lambda *a, **k: results)

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("gongfu.report.write_report", full)
    out = tmp_path / "rep"
    r = runner.invoke(app, ["simulate", "--households", "100", "--report", str(out)])
    assert r.exit_code == 2, r.output
    assert r.stderr.strip() == f"error: --report {out}: cannot write the report (No space left on device)"


def test_household_file_reform_is_honoured(tmp_path):
    plain = tmp_path / "plain.yaml"
    plain.write_text(RICH)
    own = tmp_path / "own.yaml"
    own.write_text(RICH + "reform: iit_top_rate_50\n")
    iit = {}
    for name, args in (("base", [str(plain)]), ("own", [str(own)]), ("flag", [str(plain), "--reform", "iit_top_rate_50"]),
                       ("both", [str(own), "--reform", "iit_top_rate_50"])):
        r = runner.invoke(app, ["calc", *args, "--json"])
        assert r.exit_code == 0, (name, r.output)
        iit[name] = json.loads(r.stdout)["persons"][0]["individual_income_tax"]
    assert iit["own"] > iit["base"] and iit["own"] == iit["flag"] == iit["both"]
    r = runner.invoke(app, ["calc", str(own), "--reform", "dibao_plus_20pct"])
    assert r.exit_code == 2 and f"{own}:4: reform: the household file names the reform 'iit_top_rate_50'" in r.stderr
    # a mapping in the household file: errors name the household file and line; a path is relative to the file
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "r.yaml").write_text("name: no deduction\nfrom: 2025-01-01\nparameters:\n"
                                             "  tax.iit.basic_deduction: 0\n")
    rel = tmp_path / "sub" / "hh.yaml"
    rel.write_text(RICH + "reform: ./r.yaml\n")
    r = runner.invoke(app, ["calc", str(rel), "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["persons"][0]["individual_income_tax"] == pytest.approx(iit["base"] + 27000, abs=0.01)
    bad = tmp_path / "bad.yaml"
    bad.write_text(RICH + "reform:\n  name: x\n  from: 2025-01-01\n  parameters: {tax.iit.nope: 1}\n")
    r = runner.invoke(app, ["calc", str(bad)])
    assert r.exit_code == 2 and f"{bad}:7: unknown parameter 'tax.iit.nope'" in r.stderr, r.output


def test_calc_reform_takes_a_scenario_name_and_not_a_file_of_that_name(tmp_path, monkeypatch):
    hh = tmp_path / "hh.yaml"
    hh.write_text(RICH)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "iit_top_rate_50").write_text("name: impostor\nfrom: 2025-01-01\nparameters:\n"
                                              "  tax.iit.basic_deduction: 0\n")
    base = json.loads(runner.invoke(app, ["calc", str(hh), "--json"]).stdout)["persons"][0]["individual_income_tax"]
    r = runner.invoke(app, ["calc", str(hh), "--json", "--reform", "iit_top_rate_50"])
    assert r.exit_code == 0, r.output
    top = json.loads(r.stdout)["persons"][0]["individual_income_tax"]
    r = runner.invoke(app, ["calc", str(hh), "--json", "--reform", "./iit_top_rate_50"])
    impostor = json.loads(r.stdout)["persons"][0]["individual_income_tax"]
    assert top > impostor > base  # 50% top rate vs. no basic deduction (60,000 × 45% = 27,000 more)
    assert impostor == pytest.approx(base + 27000, abs=0.01)


def test_explain_prints_labels_from_a_users_reform_as_text(tmp_path):
    """A new parameter's label comes from the user's reform file; the shipped structural rule reads it, so the
    explanation tree shows it (it crashed the tree with a rich MarkupError)."""
    hh = tmp_path / "hh.yaml"
    hh.write_text("household: {province: zhejiang, area: urban}\n"
                  "persons:\n  - {name: '[/i]', age: 30, wage_income: 20000, employment_status: employee}\n")
    reform = tmp_path / "r.yaml"
    reform.write_text("name: '[/bold]'\nfrom: 2025-01-01\nrules: [provincial_low_wage_uplift]\nnew_parameters:\n"
                      "  minimum_wage.low_wage_uplift_rate_by_province:\n    type: table\n    index: [province]\n"
                      "    label: {en: '[/bold] uplift [red]'}\n    unit: rate\n"
                      "    reference: {title: '[/x] test', year: 2025}\n"
                      "    values: {2025-01-01: {_default: 0, zhejiang: 0.1}}\n")
    r = runner.invoke(app, ["calc", str(hh), "--reform", str(reform), "--explain", "minimum_wage_adjustment"])
    assert r.exit_code == 0, r.output
    assert "[/bold] uplift [red]" in r.stdout
