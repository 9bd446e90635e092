"""A budget window (run/window.py): each year equals a single-year run; projected years' population (issue 14)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from gongfu import workflow
from gongfu.cli import app
from gongfu.population.ageing import DESIGN, income_factors, project_population, raking_constants
from gongfu.run.api import VOLATILE_META
from gongfu.run.window import compare_window, price_index, simulate_windows_separately, window_summary

YEARS = [2025, 2026]


def _strip(d):
    if isinstance(d, dict):
        return {k: _strip(v) for k, v in d.items() if k not in VOLATILE_META and k != "meta"}
    if isinstance(d, list):
        return [_strip(v) for v in d]
    return d


@pytest.fixture(scope="module")
def reform():
    return workflow.resolve("resident_pension_300")


def test_window_years_equal_single_year_runs(reform):
    window = compare_window(reform, YEARS, households=400, seed=5, workers=1, replicates=0)
    single = simulate_windows_separately(reform, YEARS, households=400, seed=5, workers=1, replicates=0)
    for year in YEARS:
        assert window[year]["net_cost"] == single[year]["net_cost"]
        assert _strip(window[year]) == _strip(single[year])
    summary = window_summary(window)
    assert summary["total"]["net_cost"] == pytest.approx(sum(window[y]["net_cost"] for y in YEARS))
    assert summary["by_year"][1]["net_cost_2025_prices"] == pytest.approx(window[2026]["net_cost"] / price_index(2026))


def test_price_index_follows_cpi():
    assert price_index(2025) == 1.0
    assert price_index(2024) == pytest.approx(1 / 1.02)  # 2025 CPI: the projection assumption (2%)
    assert price_index(2027) == pytest.approx(1.02 ** 2)


def test_projected_population_moves_incomes_by_the_indices():
    assert income_factors(2025) is None
    f = income_factors(2027)
    assert f == {"average_wage": pytest.approx(1.05 ** 2), "income": pytest.approx(1.05 ** 2)}
    hh = {"household_id": np.array([1]), "home_value": np.array([100.0])}
    pp = {"household_id": np.array([1, 1]), "wage_income": np.array([1000.0, 0.0]), "age": np.array([40, 10]),
          "interest_income": np.array([10.0, 0.0])}
    h2, p2 = project_population(hh, pp, 2027)
    assert p2["wage_income"][0] == pytest.approx(1000 * f["average_wage"])
    assert p2["interest_income"][0] == pytest.approx(10 * f["income"])
    assert h2["home_value"][0] == pytest.approx(100 * f["income"])
    assert p2["age"] is pp["age"] and pp["wage_income"][0] == 1000.0  # inputs untouched
    h3, p3 = project_population(hh, pp, 2024)
    assert p3["wage_income"] is pp["wage_income"]


def test_cli_window_json_and_errors():
    runner = CliRunner()
    r = runner.invoke(app, ["compare", "baseline", "resident_pension_300", "--years", "2025:2026", "--households",
                            "62", "--workers", "1", "--json"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["years"] == YEARS and [row["law"]["projected"] for row in data["by_year"]] == [False, True]
    assert data["total"]["net_cost"] == pytest.approx(sum(row["net_cost"] for row in data["by_year"]))
    for bad, fragment in [("2025:2031", "projected to 2030"), ("2026:2025", "FIRST:LAST"), ("x", "FIRST:LAST")]:
        r = runner.invoke(app, ["compare", "baseline", "resident_pension_300", "--years", bad, "--households", "62"])
        assert r.exit_code == 2 and fragment in r.stderr and r.stdout == ""


def test_backward_year_deflates_incomes_and_reweights_by_raking():
    f = income_factors(2022)
    assert f["income"] == pytest.approx(1 / (1.063 * 1.053)) and f["average_wage"] == pytest.approx(1 / (1.058 * 1.028))
    hh = {"household_id": np.array([1, 2]), "area": np.array([1, 0], dtype=np.int8), "weight": np.array([10.0, 10.0])}
    pp = {"household_id": np.array([1, 2]), "wage_income": np.array([1000.0, 500.0]), "age": np.array([40, 70])}
    h2, p2 = project_population(hh, pp, 2022)
    assert p2["wage_income"] == pytest.approx(pp["wage_income"] * f["average_wage"])
    # weights: the raking factors of 2022 (population/ageing.py; tests/population/test_ageing.py checks the margins):
    # an urban one-person household of 40 and a rural one of 70 (1 person, 60+, 65+, size 1)
    cols, lam = raking_constants(2022)
    lam = dict(zip((DESIGN[j] for j in cols), lam, strict=True))
    size1 = lam["persons"] + lam["households_size_1"]
    old = size1 + lam["persons_age_60_plus"] + lam["persons_age_65_plus"]
    assert h2["weight"] == pytest.approx([10 * np.exp(size1 + lam["persons_urban"]), 10 * np.exp(old)])
    assert hh["weight"][0] == 10.0  # inputs untouched


def test_cli_window_report_table_equals_json_zh_headers_projected(tmp_path):
    """`compare --years --report DIR`: a year-by-year table equal to the window JSON, Chinese headers in the zh
    report, projected years marked (issue 14)."""
    pd = pytest.importorskip("pandas")
    runner = CliRunner()
    args = ["compare", "baseline", "resident_pension_300", "--years", "2025:2026", "--households", "120",
            "--workers", "1", "--seed", "3"]
    r = runner.invoke(app, [*args, "--json"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    out = tmp_path / "rep"
    r = runner.invoke(app, [*args, "--report", str(out), "--lang", "zh"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    table = pd.read_csv(out / "tables" / "window_by_year.csv")
    assert list(table["year"]) == data["years"] == YEARS
    assert list(table["law"]) == ["known", "projected"]
    for (_, row), js in zip(table.iterrows(), data["by_year"], strict=True):
        assert row["net_cost"] == pytest.approx(js["net_cost"], rel=1e-12)
        assert row["net_cost_2025_prices"] == pytest.approx(js["net_cost_2025_prices"], rel=1e-12)
        assert [row["net_cost_ci95_low"], row["net_cost_ci95_high"]] == pytest.approx(js["net_cost_ci95"])
        assert row["gini_change"] == pytest.approx(js["gini"]["change"])
        line = row["poverty_line"]
        assert row["poverty_change"] == pytest.approx(js["poverty"][line]["change"], abs=1e-15)
        assert row["recipients"] == pytest.approx(js["programmes"][row["programme"]]["recipients_reform"])
    # the CSV's text of a float may differ in its last digit with older pandas: equal to 12 digits
    assert pd.read_parquet(out / "tables" / "window_by_year.parquet")["net_cost"].tolist() == pytest.approx(
        list(table["net_cost"]), rel=1e-12)
    assert (out / "charts" / "window_net_cost.png").stat().st_size > 1000
    html = (out / "report.html").read_text(encoding="utf-8")
    for header in ("年份", "净成本(2025年价格)", "95%下限", "基尼系数变化", "贫困率变化", "受益人数(改革后)"):
        assert f">{header}" in html
    assert ">预测<" in html and ">已知<" in html and "预测年份(2026)" in html
    card = pd.read_csv(out / "tables" / "window_scorecard.csv")  # 2025 has targets, 2026 none
    assert set(card["year"]) == {2025}
    zj = card[(card["area"] == "zhejiang") & (card["indicator"] == "per_capita_disposable_income")].iloc[0]
    assert zj["baseline"] == pytest.approx(
        data["by_year"][0]["scorecard"]["rows"]["zhejiang"]["per_capita_disposable_income"]["baseline"])
    assert "浙江评分卡:2025年" in html
    # a second run into the same report directory replaces it; a foreign file refuses before the run
    (out / "mine.txt").write_text("x")
    r = runner.invoke(app, [*args, "--report", str(out)])
    assert r.exit_code == 2 and "did not write" in r.stderr and r.stdout == ""


@pytest.mark.parametrize("lang, words", [("en", ("year", "net cost", "2025 prices", "projected", "known", "total",
                                                  "Projected years (2026)")),
                                         ("zh", ("年份", "净成本", "2025年价格", "预测", "已知", "合计",
                                                  "预测年份(2026)"))])
def test_cli_window_table_in_language_with_projected_note(lang, words):
    """`compare --years` (not JSON) prints the report's year-by-year rows in the language, with the projected-year
    note; the figures are those of the JSON."""
    runner = CliRunner()
    args = ["compare", "baseline", "resident_pension_300", "--years", "2025:2026", "--households", "62",
            "--workers", "1", "--lang", lang]
    r = runner.invoke(app, args, catch_exceptions=False, env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    for word in words:
        assert word in r.stdout, word
    data = json.loads(runner.invoke(app, [*args, "--json"], catch_exceptions=False).stdout)
    from gongfu.report import labels as L

    for row in data["by_year"]:
        assert L.money(row["net_cost"], lang, unit=False) in r.stdout
        assert L.money(row["net_cost_2025_prices"], lang, unit=False) in r.stdout


def test_window_scorecard_uses_each_years_targets():
    """The Zhejiang scorecard of a window year: 2025 against the plan's four targets, 2027 against the two 2027
    targets in the data (>85,000 yuan, ratio <1.9), other years none; values are the run's own scorecard."""
    from gongfu.run.scorecard import window_scorecard_note, year_scorecard

    def card(income, ratio):
        row = {"per_capita_disposable_income": {"value": income}, "urban_rural_income_ratio": {"value": ratio},
               "households_disposable_income_100k_500k_share": {"value": 0.5},
               "households_disposable_income_200k_600k_share": {"value": 0.2}}
        return {"scorecard": {"national": row, "zhejiang": row}}

    cmp = {"baseline": card(80000.0, 1.95), "reform": card(85000.0, 1.85)}
    assert year_scorecard(cmp, 2026) is None
    y25 = year_scorecard(cmp, 2025)["rows"]["zhejiang"]
    assert set(y25) == {"per_capita_disposable_income", "urban_rural_income_ratio",
                        "households_disposable_income_100k_500k_share", "households_disposable_income_200k_600k_share"}
    assert y25["per_capita_disposable_income"]["target"] == 75000 and y25["per_capita_disposable_income"]["baseline_met"]
    y27 = year_scorecard(cmp, 2027)
    inc = y27["rows"]["national"]["per_capita_disposable_income"]
    assert set(y27["rows"]["national"]) == {"per_capita_disposable_income", "urban_rural_income_ratio"}
    assert inc["target"] == 85000 and inc["comparison"] == ">"
    assert inc["baseline_met"] is False and inc["reform_met"] is False  # 85,000 is not above 85,000
    ratio = y27["rows"]["zhejiang"]["urban_rural_income_ratio"]
    assert (ratio["baseline_met"], ratio["reform_met"]) == (False, True)
    assert "households_disposable_income_100k_500k_share" in y27["not_in_data"]
    note = window_scorecard_note([2025, 2026, 2027])
    assert "2025, 2027" in note and "household-band shares have none" in note


# -------------------------------------------------------------------------- Dask and checkpoints (issue 14 §3) --

WINDOW_KW = {"households": 3000, "max_households": 3000, "seed": 7, "replicates": 4}


@pytest.fixture(scope="module")
def window_local(reform):
    return compare_window(reform, YEARS, workers=1, **WINDOW_KW)


def _figures(by_year):
    """The JSON of every year's comparison without what legitimately differs between runs (meta)."""
    return json.dumps({y: _strip(c) for y, c in by_year.items()}, sort_keys=True, allow_nan=False)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_window_on_dask_equals_local(reform, window_local):
    dask = compare_window(reform, YEARS, workers=2, dask="local", dask_processes=False, **WINDOW_KW)
    assert all(dask[y]["reform"]["meta"]["backend"] == "dask" for y in YEARS)
    assert window_local[YEARS[0]]["reform"]["meta"]["backend"] == "local"
    assert _figures(dask) == _figures(window_local)
    assert len(window_local[YEARS[0]]["reform"]["meta"]["run"]["fingerprint"]) == 64


def test_window_interrupted_and_resumed_equals_uninterrupted(reform, window_local, tmp_path):
    from gongfu.run.api import InjectedFailure

    n = window_local[YEARS[0]]["reform"]["meta"]["partitions"]
    assert n >= 4
    with pytest.raises(InjectedFailure):
        compare_window(reform, YEARS, workers=1, checkpoint_dir=tmp_path, fail_after=3, checkpoint_every=1e9,
                       **WINDOW_KW)
    assert len(list((tmp_path / "parts").glob("part-*.ckpt"))) == 3  # one file per partition, all its years
    resumed = compare_window(reform, YEARS, workers=1, checkpoint_dir=tmp_path, **WINDOW_KW)
    for y in YEARS:
        run = resumed[y]["reform"]["meta"]["run"]
        assert (run["resumed_partitions"], run["computed_partitions"]) == (3, n - 3)
    assert _figures(resumed) == _figures(window_local)
    again = compare_window(reform, YEARS, workers=2, checkpoint_dir=tmp_path, **WINDOW_KW)  # nothing left to do
    assert again[YEARS[1]]["reform"]["meta"]["run"]["computed_partitions"] == 0
    assert _figures(again) == _figures(window_local)


def test_window_checkpoint_of_another_run_is_refused(reform, tmp_path):
    from gongfu.run import CheckpointMismatch
    from gongfu.run.api import InjectedFailure, simulate_with_reform

    kw = {"households": 400, "seed": 5, "workers": 1, "replicates": 0}
    with pytest.raises(InjectedFailure):
        compare_window(reform, YEARS, checkpoint_dir=tmp_path, fail_after=1, **kw)
    with pytest.raises(CheckpointMismatch, match="window"):  # other years
        compare_window(reform, [2025, 2026, 2027], checkpoint_dir=tmp_path, **kw)
    with pytest.raises(CheckpointMismatch, match="reform"):
        compare_window(workflow.resolve("dibao_plus_20pct"), YEARS, checkpoint_dir=tmp_path, **kw)
    with pytest.raises(CheckpointMismatch):  # a single-year run into a window's directory
        simulate_with_reform(reform, year=2025, checkpoint_dir=tmp_path, **kw)
    runner = CliRunner()  # the CLI: one line, exit code 2, nothing computed
    r = runner.invoke(app, ["compare", "baseline", "resident_pension_300", "--years", "2025:2027", "--households",
                            "400", "--seed", "5", "--workers", "1", "--checkpoint", str(tmp_path), "--json"])
    assert r.exit_code == 2 and "different run" in r.stderr and "--checkpoint" in r.stderr and r.stdout == ""


def test_cli_window_with_checkpoint_resumes(tmp_path):
    """`compare --years --checkpoint DIR` runs (no refusal) and a second start recomputes nothing, same JSON."""
    runner = CliRunner()
    args = ["compare", "baseline", "resident_pension_300", "--years", "2025:2026", "--households", "62",
            "--workers", "1", "--checkpoint", str(tmp_path), "--json"]
    first = runner.invoke(app, args, catch_exceptions=False)
    assert first.exit_code == 0, first.output
    second = runner.invoke(app, args, catch_exceptions=False)
    assert second.exit_code == 0, second.output
    a, b = json.loads(first.stdout), json.loads(second.stdout)
    assert b["meta"]["run"]["computed_partitions"] == 0 and a["meta"]["run"]["computed_partitions"] > 0
    assert a["by_year"] == b["by_year"] and a["total"] == b["total"]
