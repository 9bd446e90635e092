"""Earnings sweeps (`gongfu.sweep`, `calc --vary`, POST /calc/sweep) and a household beside its baseline
(`calc --reform`, POST /calc with `reform`), issue 12.

The sweep is checked against separate single-household calculations at the same points; the marginal rates
against the points' disposable incomes; the side-by-side JSON against two plain calculations.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from gongfu import workflow
from gongfu.calculator import results
from gongfu.cli import app
from gongfu.household import read_household
from gongfu.sweep import MAX_POINTS, cliffs, grid, metr, programme_ranges, sweep

EXAMPLES = Path(__file__).parents[1] / "src" / "gongfu" / "examples"
GUIZHOU = EXAMPLES / "guizhou_rural_dibao.yaml"
BEIJING = EXAMPLES / "beijing_professional.yaml"
runner = CliRunner()


def _single(path: Path, person: str, variable: str, value: float, reform: str | None = None) -> dict:
    """The household file computed alone with one person's input replaced (the plain calculator)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    for p in data["persons"]:
        if p["name"] == person:
            p[variable] = value
    done = workflow.calculate_household(data, source="test", reform=reform)
    return results(done.simulation, done.household.names)


@pytest.mark.parametrize("path, person, values, reform", [
    (GUIZHOU, "father", [0, 4000, 16_000, 16_500, 17_000, 30_000], None),
    (BEIJING, "spouse", [0, 3000, 60_000, 150_000, 700_000], None),
    (BEIJING, "engineer", [0, 480_000, 1_200_000], "iit_top_rate_50"),
])
def test_sweep_equals_single_calculations_at_the_same_points(path, person, values, reform):
    hh = read_household(path)
    spec = workflow.resolve(reform) if reform else None
    out = sweep(hh, "wage_income", person, values, reform=spec)
    assert [p["value"] for p in out["points"]] == values
    system = workflow.reformed_system(spec)
    programmes = [v.name for v in system.variables.values() if v.role in ("tax", "contribution", "benefit")]
    for point, value in zip(out["points"], values, strict=True):
        alone = _single(path, person, "wage_income", value, reform)
        assert point["disposable_income"] == pytest.approx(alone["household"]["disposable_income"], abs=0.01)
        for name in programmes:
            var = system.variables[name]
            expected = (alone["household"][name] if var.entity.key == "household"
                        else sum(p[name] for p in alone["persons"]))  # person variables: household totals
            assert point[name] == pytest.approx(expected, abs=0.02), (value, name)


def test_marginal_rate_is_one_minus_the_slope_of_disposable_income():
    out = sweep(read_household(GUIZHOU), "wage_income", "father", grid(0, 30_000, 500))
    pts = out["points"]
    assert pts[0]["marginal_effective_tax_rate"] is None
    for prev, p in zip(pts, pts[1:], strict=False):
        slope = (p["disposable_income"] - prev["disposable_income"]) / (p["value"] - prev["value"])
        assert p["marginal_effective_tax_rate"] == pytest.approx(1 - slope, abs=1e-6)
    # inside the dibao range every yuan earned is withdrawn (社会救助暂行办法 第九条: top-up to the standard)
    rates = {p["value"]: p["marginal_effective_tax_rate"] for p in pts}
    assert rates[5000] == pytest.approx(1.0) and rates[30_000] == pytest.approx(0.0)
    # leaving dibao also loses the medical premium paid by medical assistance: disposable income falls
    assert [c["to"] for c in cliffs(pts)] == [17_000.0]
    assert programme_ranges(pts)["dibao"] == [{"from": 0.0, "to": 16_500.0, "max": 16_596.0}]


def test_metr_and_grid_edges():
    assert metr(np.array([0.0, 10.0, 10.0]), np.array([5.0, 12.0, 12.0])) == [None, pytest.approx(0.3), None]
    assert list(grid(0, 10, 3)) == [0, 3, 6, 9, 10]  # the last value is always a point
    assert list(grid(5, 5, 1)) == [5]
    assert len(grid(0, 200_000, 100)) == MAX_POINTS


def _cli(*args: str):
    return runner.invoke(app, ["calc", *args])


def test_cli_sweep_json_matches_the_library_and_adds_the_baseline_under_a_reform():
    r = _cli(str(GUIZHOU), "--vary", "wage_income", "--person", "father", "--to", "20000", "--step", "5000", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert {"variable", "person", "year", "points"} <= set(out) and "baseline" not in out
    assert out["points"] == sweep(read_household(GUIZHOU), "wage_income", "father",
                                  [0, 5000, 10_000, 15_000, 20_000])["points"]
    r = _cli(str(GUIZHOU), "--vary", "wage_income", "--person", "father", "--to", "20000", "--step", "5000",
             "--reform", "dibao_plus_20pct", "--json")
    both = json.loads(r.stdout)
    assert both["baseline"]["points"] == out["points"]
    assert both["reform"]["name"] == "dibao_plus_20pct" and len(both["reform"]["sha256"]) == 64
    # standard +20%: 442 × 1.2 × 12 × 4 persons − the same income; the change is 0.2 × 21,216 = 4,243.2
    assert both["points"][0]["dibao"] - out["points"][0]["dibao"] == pytest.approx(4243.2, abs=0.01)


@pytest.mark.parametrize("args, words", [
    (["--vary", "wage_incom", "--person", "father", "--to", "9", "--step", "1"], "--vary: unknown variable"),
    (["--vary", "dibao", "--person", "father", "--to", "9", "--step", "1"], "not a numeric person input"),
    (["--vary", "province", "--person", "father", "--to", "9", "--step", "1"], "not a numeric person input"),
    (["--vary", "wage_income", "--person", "uncle", "--to", "9", "--step", "1"], "--person: no person named 'uncle'"),
    (["--vary", "wage_income", "--person", "father", "--to", "9", "--step", "0"], "--step: must be more than 0"),
    (["--vary", "wage_income", "--person", "father", "--to", "9", "--step", "-1"], "--step: must be more than 0"),
    (["--vary", "wage_income", "--person", "father", "--to", "1000000", "--step", "1"], "at most 2,001"),
    (["--vary", "wage_income", "--person", "father", "--from", "-5", "--to", "9", "--step", "1"], "takes 0–1,000,000,000,000; the sweep goes from -5"),
    (["--vary", "wage_income", "--person", "father", "--from", "9", "--to", "1", "--step", "1"], "--to: must be"),
    (["--vary", "wage_income", "--to", "9", "--step", "1"], "--person: missing"),
    (["--person", "father"], "--person: only with --vary"),
    (["--vary", "wage_income", "--person", "father", "--to", "9", "--step", "1", "--plot", "x.pdf"], ".png or .svg"),
])
def test_cli_sweep_errors_are_one_line_and_exit_2(args, words):
    r = _cli(str(GUIZHOU), *args)
    assert r.exit_code == 2, r.output
    assert words in r.output and "Traceback" not in r.output
    assert len(r.output.strip().splitlines()) <= 2


def test_cli_table_shows_the_cliff_and_the_programme_ranges():
    r = runner.invoke(app, ["calc", str(GUIZHOU), "--vary", "wage_income", "--person", "father", "--to", "30000",
                            "--step", "500"], env={"COLUMNS": "80"})
    assert r.exit_code == 0, r.output
    assert "16,500 → 17,000" in r.output and "211%" in r.output
    assert "0 – 16,500" in r.output


@pytest.mark.parametrize("suffix, magic", [("png", b"\x89PNG"), ("svg", b"<?xml")])
def test_plot_is_written_whole_without_warnings(tmp_path, suffix, magic):
    pytest.importorskip("matplotlib")
    target = tmp_path / f"chart.{suffix}"
    r = _cli(str(GUIZHOU), "--vary", "wage_income", "--person", "father", "--to", "30000", "--step", "1000",
             "--reform", "dibao_plus_20pct", "--plot", str(target), "--lang", "zh")
    assert r.exit_code == 0, r.output
    assert target.read_bytes().startswith(magic)
    assert "warn" not in r.output.lower() and "findfont" not in r.output


def test_calc_reform_json_is_reform_beside_baseline_and_change():
    plain = json.loads(_cli(str(BEIJING), "--json").stdout)
    r = _cli(str(BEIJING), "--reform", "iit_basic_deduction_3500", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["reform"]["name"] == "iit_basic_deduction_3500"
    assert out["baseline"]["household"] == plain["household"] and out["baseline"]["persons"] == plain["persons"]
    for key, value in out["household"].items():
        old = plain["household"][key]
        if isinstance(value, int | float) and not isinstance(value, bool):
            assert out["change"]["household"][key] == pytest.approx(value - old, abs=0.011)
        else:
            assert key not in out["change"]["household"]
    engineer = out["change"]["persons"][0]
    assert engineer["name"] == "engineer" and engineer["individual_income_tax"] > 0
    iit = sum(p.get("individual_income_tax", 0) for p in out["change"]["persons"])
    assert out["change"]["household"]["disposable_income"] == pytest.approx(-iit, abs=0.02)
    table = runner.invoke(app, ["calc", str(BEIJING), "--reform", "iit_basic_deduction_3500"], env={"COLUMNS": "120"})
    assert table.exit_code == 0 and "baseline" in table.output and "change" in table.output


def test_http_calc_and_sweep_answer_as_the_cli():
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from gongfu.api.app import app as http

    client = TestClient(http)
    body = yaml.safe_load(BEIJING.read_text(encoding="utf-8"))
    cli = json.loads(_cli(str(BEIJING), "--reform", "iit_top_rate_50", "--json").stdout)
    got = client.post("/calc", json=body | {"reform": "iit_top_rate_50"}).json()
    for key in ("household", "persons", "baseline", "change", "reform"):
        assert got[key] == cli[key], key
    assert "baseline" not in client.post("/calc", json=body).json()
    vary = {"variable": "wage_income", "person": "spouse", "from": 0, "to": 200_000, "step": 50_000}
    got = client.post("/calc/sweep", json=body | {"reform": "iit_top_rate_50", "vary": vary})
    assert got.status_code == 200, got.text
    cli = json.loads(_cli(str(BEIJING), "--vary", "wage_income", "--person", "spouse", "--to", "200000", "--step",
                          "50000", "--reform", "iit_top_rate_50", "--json").stdout)
    assert got.json() == cli
    for bad, field in (({"step": 0}, "step"), ({"person": "nobody"}, "person"), ({"variable": "dibao"}, "variable"),
                       ({"to": 10**9, "step": 1}, "step")):
        r = client.post("/calc/sweep", json=body | {"vary": vary | bad})
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "vary", field], r.text



def test_work_incentive_scenario_lowers_the_dibao_marginal_rate_to_70_percent():
    """Guizhou example, the father's wage: inside the dibao range the law withdraws each yuan (METR 100%); with 30%
    of work income disregarded (scenario dibao_work_incentives) 70 fen (METR 70%), and dibao reaches further:
    last point paid 16,500 → 23,500 (counted income 0.7 × wage + 4,620 farm and pension below 21,216)."""
    hh = read_household(GUIZHOU)
    spec = workflow.resolve("dibao_work_incentives")
    base = sweep(hh, "wage_income", "father", grid(0, 30_000, 500))["points"]
    new = sweep(hh, "wage_income", "father", grid(0, 30_000, 500), reform=spec)["points"]
    inside = [i for i, p in enumerate(base) if 0 < p["value"] <= 16_500]
    assert all(base[i]["marginal_effective_tax_rate"] == pytest.approx(1.0) for i in inside)
    assert all(new[i]["marginal_effective_tax_rate"] == pytest.approx(0.7) for i in inside)
    assert programme_ranges(new)["dibao"][0]["to"] == 23_500.0


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_more_wages_never_raise_dibao_under_the_work_incentives(example):
    """Property: with a disregard rate below 1 and no last-year dibao (no gradual exit), dibao and tekun together
    never rise with the first person's wage (a tekun person who earns leaves tekun and may enter dibao)."""
    hh = read_household(example)
    out = sweep(hh, "wage_income", hh.names[0], grid(0, 60_000, 250), reform=workflow.resolve("dibao_work_incentives"))
    dibao = [p["dibao"] + p["tekun"] for p in out["points"]]
    assert all(b <= a + 1e-6 for a, b in zip(dibao, dibao[1:], strict=False))
