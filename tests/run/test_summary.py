"""Run results against the exact analysis functions on the same rows (within the stated bounds), the one-pass
reform against a separate reform run, and the waterfall identity."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gongfu.analysis import incidence, inequality, poverty
from gongfu.engine import PERSON, load_system
from gongfu.reforms import load_scenario
from gongfu.run import compare, simulate
from gongfu.run.lines import poverty_lines

from .conftest import REFORM, at_year, canonical

REL = 1e-9  # exact figures: float64 rounding only


@pytest.fixture(scope="module")
def exact(population):
    """Household-level arrays from one whole-population simulation (baseline and reform)."""
    households, persons = at_year(population)
    base = load_system()
    reformed = load_scenario(REFORM).apply(base)
    out = {}
    for key, system in (("b", base), ("r", reformed)):
        sim = system.simulation(households, persons, 2025)
        n = sim.calc("household_size").astype(float)
        w = sim.calc("weight")
        d = {"n": n, "w": w, "pw": w * n,
             "disposable": sim.calc("per_capita_disposable_income"),
             "market": sim.calc("market_income") / n,
             "net_market": sim.calc("net_market_income") / n,
             "after_philanthropy": sim.calc("income_after_philanthropy") / n,
             "area": sim.calc("area"), "programmes": {},
             "n_urban_hukou": sim.members.sum(sim.calc("hukou_type") == 1).astype(float)}
        for v in system.variables_with_role("tax", "contribution", "benefit", "charity"):
            t = sim.calc(v.name).astype(float)
            d["programmes"][v.name] = sim.members.sum(t) if v.entity is PERSON else t
        out[key] = d
    return out


@pytest.fixture(scope="module")
def results(source):
    return compare(reform=REFORM, population=source, workers=1)


def _within(value, bounds, exact_value, slack=1e-12):
    lo, hi = bounds
    assert lo - slack <= exact_value <= hi + slack, (exact_value, bounds)
    assert lo - slack <= value <= hi + slack


def test_distribution_statistics_within_bounds(results, exact):
    base = results["baseline"]
    e = exact["b"]
    pw = e["pw"]
    assert math.isclose(base["population"]["persons"], pw.sum(), rel_tol=REL)
    assert math.isclose(base["population"]["households"], e["w"].sum(), rel_tol=REL)
    for concept in ("market", "net_market", "disposable", "after_philanthropy"):
        x = e[concept]
        got = base["income"][concept]
        b = base["bounds"]["income"][concept]
        assert math.isclose(got["mean"], np.average(x, weights=pw), rel_tol=REL)
        _within(got["gini"], b["gini"], inequality.gini(x, pw))
        assert b["gini"][1] - b["gini"][0] < 2e-4  # the project's 1e-4 (half-width) target
        _within(got["median"], b["median"], inequality.median(x, pw))
        _within(got["top10_share"], b["top10_share"], inequality.share_of_top(x, pw, 0.1))
        _within(got["top1_share"], b["top1_share"], inequality.share_of_top(x, pw, 0.01))
        for k, v in enumerate(inequality.quintile_means(x, pw)):
            _within(got["quintile_means"][k], b["quintile_means"][k], v, slack=1e-6)
        if concept != "market":  # market P10 is 0 (retired households): P90/P10 and high/low are undefined
            _within(got["palma"], b["palma"], inequality.palma(x, pw))
            _within(got["p90_p10"], b["p90_p10"], inequality.p90_p10(x, pw))
        assert math.isclose(got["theil_t"], inequality.theil_t(x, pw, invalid="exclude"), rel_tol=1e-9)
        assert math.isclose(got["theil_l"], inequality.theil_l(x, pw, invalid="exclude"), rel_tol=1e-9)
    assert base["income"]["disposable"]["min"] < 0  # the fixture's business losses reach disposable income


def test_theil_decomposition_is_exact(results, exact):
    e = exact["b"]
    x, pw = e["disposable"], e["pw"]
    dec = results["baseline"]["theil_decomposition"]["area"]
    ref = inequality.theil_decomposition(x, pw, e["area"], invalid="exclude")
    assert math.isclose(dec["total"], ref.total, rel_tol=1e-9)
    assert math.isclose(dec["between"], ref.between, rel_tol=1e-9, abs_tol=1e-12)
    assert math.isclose(dec["within"], ref.within, rel_tol=1e-9)
    assert math.isclose(dec["between"] + dec["within"], dec["total"], rel_tol=1e-12)


def test_poverty_exact_at_absolute_and_bounded_at_relative_lines(results, exact):
    e = exact["b"]
    x, pw = e["disposable"], e["pw"]
    pov = results["baseline"]["poverty"]
    for line in poverty_lines(2025):
        got = pov[line.name]
        if line.kind == "absolute":
            m = poverty.poverty_measures(x, pw, line=line.value)
            assert math.isclose(got["headcount"], m.headcount, rel_tol=REL, abs_tol=1e-15)
            assert math.isclose(got["gap"], m.gap, rel_tol=REL, abs_tol=1e-15)
            assert math.isclose(got["severity"], m.severity, rel_tol=REL, abs_tol=1e-15)
            rural = e["area"] == 0
            h_rural = poverty.headcount_ratio(x[rural], pw[rural], line=line.value)
            assert math.isclose(got["by_group"]["area"]["rural"], h_rural, rel_tol=REL, abs_tol=1e-15)
            pw_urban_hukou = e["w"] * e["n_urban_hukou"]  # persons of urban hukou, wherever they live
            h_uh = poverty.headcount_ratio(x, pw_urban_hukou, line=line.value)
            assert math.isclose(got["by_group"]["hukou_type"]["urban"], h_uh, rel_tol=REL, abs_tol=1e-15)
        else:
            for key, alpha in (("headcount", 0), ("gap", 1), ("severity", 2)):
                _within(got[key], got[f"{key}_bounds"],
                        poverty.fgt_relative(x, pw, fraction=line.fraction, alpha=alpha))


def test_programmes_and_incidence(results, exact):
    base = results["baseline"]
    e = exact["b"]
    mkt = e["market"]
    width = results["baseline"]["meta"]["exactness"]["kakwani"]
    for name, t in e["programmes"].items():
        got = base["programmes"][name]
        assert math.isclose(got["total"], np.dot(e["w"], t), rel_tol=REL, abs_tol=1e-6)
        inc = base["incidence"]["programmes"][name]
        if not np.any(t):
            assert inc["kakwani"] is None
            continue
        kind = "tax" if got["role"] in ("tax", "contribution") else "benefit"
        k = incidence.kakwani(t / e["n"], mkt, e["pw"], kind=kind)
        assert abs(inc["kakwani"] - k) <= width + 1e-12, name


def test_reform_in_one_pass_equals_separate_run(results, source):
    """The reform branch recomputes only what the reform changes; a run of the reformed law from scratch
    (as the baseline system) gives identical figures."""
    _assert_equals_separate_run(results["reform"], REFORM, source)


def _assert_equals_separate_run(one_pass: dict, reform: str, source) -> None:
    """The reform part of a one-pass compare equals a run of the reformed law as the baseline system (the
    reformed system has the same programmes; only the run's labels in `meta` differ)."""
    separate = simulate(source, workers=1, system=load_scenario(reform).apply(load_system()))
    one_pass = dict(one_pass)
    for d in (one_pass, separate):
        d["meta"] = {}
    assert canonical(one_pass) == canonical(separate)


def test_waterfall_adds_up_exactly(results, exact):
    parts = [p["change"] for p in results["waterfall"]]
    assert parts and math.fsum(parts) == results["waterfall_total"]
    direct = results["waterfall_check"]["disposable_income_change"]
    assert abs(direct - results["waterfall_total"]) <= 1e-9 * abs(direct)
    db = np.dot(exact["b"]["pw"], exact["b"]["disposable"])
    dr = np.dot(exact["r"]["pw"], exact["r"]["disposable"])
    assert math.isclose(results["change"]["disposable_income"], dr - db, rel_tol=1e-9)
    assert math.isclose(results["net_cost"], results["waterfall_total"], rel_tol=1e-12)  # market unchanged


def test_winners_losers_and_deciles(results, exact):
    b, r = exact["b"], exact["r"]
    pw = b["pw"]
    wl = incidence.winners_losers(b["disposable"], r["disposable"], pw)
    got = results["winners_losers"]
    assert math.isclose(got["gain_over_1pct"], wl.share_gaining[0], rel_tol=REL)
    assert math.isclose(got["gain_over_5pct"], wl.share_gaining[1], rel_tol=REL)
    assert math.isclose(got["lose_over_1pct"], wl.share_losing[0], rel_tol=REL, abs_tol=1e-15)
    assert math.isclose(got["mean_change"], wl.mean_change, rel_tol=REL)
    # deciles of baseline income, boundary households split by weight
    order = np.argsort(b["disposable"], kind="stable")
    d = (r["disposable"] - b["disposable"])[order]
    w = pw[order]
    cum = np.concatenate(([0.0], np.cumsum(w)))
    W = cum[-1]
    for k, row in enumerate(results["deciles"]):
        take = np.clip(np.minimum(cum[1:], W * (k + 1) / 10) - np.maximum(cum[:-1], W * k / 10), 0, None)
        exact_mean = float(np.dot(take, d) / (W / 10))
        lo, hi = row["mean_change_bounds"]
        assert lo - 1e-9 <= exact_mean <= hi + 1e-9, (k, exact_mean, row)
    total = sum(row["mean_change"] for row in results["deciles"]) * W / 10
    assert math.isclose(total, got["total_change"], rel_tol=1e-9)


def test_contract_keys(results):
    for d in (results["baseline"], results["reform"]):
        for key in ("meta", "year", "population", "gini", "urban_rural_ratio", "programmes", "income",
                    "theil_decomposition", "poverty", "gaps", "groups", "incidence", "scorecard"):
            assert key in d
        for key in ("gongfu_version", "created", "year", "system", "reform", "population", "partitions",
                    "workers", "backend", "exactness"):
            assert key in d["meta"]
        assert set(d["groups"]) == {"province", "area", "hukou_type", "region"}
        assert {"mean", "median", "gini", "theil_t", "theil_l", "palma", "p90_p10", "top10_share", "top1_share",
                "quintile_means", "decile_means", "high_low_ratio", "lorenz"} <= set(d["income"]["disposable"])
        assert set(d["scorecard"]["zhejiang"]) >= {"per_capita_disposable_income", "urban_rural_income_ratio"}
    for key in ("baseline", "reform", "change", "net_cost", "waterfall", "deciles", "winners_losers", "by_group"):
        assert key in results
    assert results["reform"]["meta"]["system"] != "baseline"
    assert results["baseline"]["meta"]["reform"] is None


def test_market_changing_reform_same_pass_and_waterfall(source):
    """A reform that changes market income (minimum wage): the waterfall has a market part, the reform is ranked
    on its own market-income bins, and the one-pass figures equal a separate run of the reformed law."""
    reform = "minimum_wage_plus_10pct"
    cmp = compare(reform=reform, population=source, workers=1)
    assert "market" in cmp["recomputed"]["concepts"]
    kinds = {p["variable"]: p["role"] for p in cmp["waterfall"]}
    assert kinds.get("minimum_wage_adjustment") == "market"
    assert math.fsum(p["change"] for p in cmp["waterfall"]) == cmp["waterfall_total"]
    check = cmp["waterfall_check"]["disposable_income_change"]
    assert abs(check - cmp["waterfall_total"]) <= 1e-9 * abs(check)
    market_part = next(p["change"] for p in cmp["waterfall"] if p["variable"] == "minimum_wage_adjustment")
    assert math.isclose(cmp["net_cost"], cmp["waterfall_total"] - market_part, rel_tol=1e-9, abs_tol=1.0)
    _assert_equals_separate_run(cmp["reform"], reform, source)


def test_compare_of_two_results_dicts(results, source):
    """compare(baseline_dict, reform_dict): changes, net cost and waterfall from programme totals."""
    base = simulate(source, workers=1)
    reformed = simulate(source, workers=1, reform=REFORM)
    assert reformed["meta"]["system"] != "baseline" and reformed["meta"]["reform"]["sha256"]
    cmp = compare(base, reformed)
    assert cmp["deciles"] is None  # needs households paired: the one-pass run
    assert math.fsum(p["change"] for p in cmp["waterfall"]) == cmp["waterfall_total"]
    assert math.isclose(cmp["net_cost"], results["net_cost"], rel_tol=1e-9)
    assert math.isclose(cmp["change"]["gini"], results["change"]["gini"], rel_tol=1e-9, abs_tol=1e-15)


def test_baseline_summary_is_reused_only_for_the_same_baseline(source, monkeypatch):
    """The baseline's statistics are computed from the baseline's part of the state, equal those of the whole
    state, and are reused by the next reform against the same baseline (not by another baseline)."""
    from gongfu.run import ArraySource, api, run_state
    from gongfu.run import summary as summary_module

    lines = poverty_lines(2025)
    state, _, _ = run_state(source, reform=REFORM)
    whole = summary_module.summarize(state, "b", lines, {"x": 1})
    api._BASELINE_CACHE.clear()
    first = api.baseline_summary(state, lines, {"x": 1})
    assert canonical(first) == canonical(whole)
    calls = []
    real = summary_module.summarize
    monkeypatch.setattr(api, "summarize", lambda *a, **k: calls.append(a[1]) or real(*a, **k))
    first["gini"] = -1.0  # callers own what they get
    other, _, _ = run_state(source, reform="resident_pension_300")  # another reform, the same baseline
    again = api.baseline_summary(other, lines, {"y": 2})
    assert calls == [] and again["meta"]["y"] == 2 and "x" not in again["meta"]
    assert canonical({k: v for k, v in again.items() if k != "meta"}) == canonical(
        {k: v for k, v in whole.items() if k != "meta"})
    assert again["meta"]["exactness"] == whole["meta"]["exactness"]
    smaller = ArraySource(source.parts[:2])
    api.baseline_summary(run_state(smaller, reform=REFORM)[0], lines, {})
    assert calls == ["b"]  # a different baseline is summarised afresh
