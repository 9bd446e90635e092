"""HTTP API: /calc (happy path, explain, reform), listings, and 422s that name the field — never a 500."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from gongfu.api import service
from gongfu.api.app import app
from gongfu.engine import load_system
from gongfu.household import parse_household

client = TestClient(app, raise_server_exceptions=False)

FAMILY = {"year": 2025, "household": {"province": "zhejiang", "area": "urban"},
          "persons": [{"name": "father", "age": 38, "hukou_province": "anhui", "hukou_type": "rural",
                       "wage_income": 96000},
                      {"name": "mother", "age": 36, "hukou_province": "anhui", "hukou_type": "rural",
                       "wage_income": 60000},
                      {"name": "son", "age": 2}]}


def _loc_msg(response) -> tuple[list, str]:
    assert response.status_code == 422, response.text
    detail = response.json()["detail"][0]
    return detail["loc"], detail["msg"]


def test_calc_matches_the_household_calculator():
    r = client.post("/calc", json=FAMILY)
    assert r.status_code == 200
    data = r.json()
    sim = parse_household(FAMILY, load_system()).simulate()
    assert data["household"]["disposable_income"] == pytest.approx(float(sim.calc("disposable_income")[0]), abs=0.01)
    assert [p["name"] for p in data["persons"]] == ["father", "mother", "son"]
    assert data["persons"][0]["wage_income"] == 96000
    h = data["household"]
    assert h["disposable_income"] == pytest.approx(h["market_income"] - h["total_taxes"] - h["total_contributions"]
                                                   + h["total_benefits"], abs=0.02)


def test_calc_explain_returns_the_tree():
    r = client.post("/calc", params={"explain": "disposable_income"}, json=FAMILY)
    assert r.status_code == 200
    trace = r.json()["trace"]
    assert trace["variable"] == "disposable_income"
    assert {c["variable"] for c in trace["inputs"]} >= {"market_income", "total_benefits"}


def test_calc_with_a_scenario_and_a_reform_object():
    base = client.post("/calc", json=FAMILY).json()["household"]["total_taxes"]
    rich = {"household": {"province": "beijing", "area": "urban"},
            "persons": [{"name": "a", "age": 45, "wage_income": 2_000_000}]}
    before = client.post("/calc", json=rich).json()["household"]["total_taxes"]
    after = client.post("/calc", json={**rich, "reform": "iit_top_rate_50"}).json()
    assert after["reform"]["name"] == "iit_top_rate_50" and len(after["reform"]["sha256"]) == 64
    assert after["household"]["total_taxes"] > before
    assert after["baseline"]["household"]["total_taxes"] == before  # beside the law in force (issue 12)
    assert after["change"]["household"]["total_taxes"] == pytest.approx(after["household"]["total_taxes"] - before)
    reform = {"name": "no deduction", "from": 2025, "parameters": {"tax.iit.basic_deduction": 0}}
    r = client.post("/calc", json={**FAMILY, "reform": reform})
    assert r.status_code == 200
    assert r.json()["household"]["total_taxes"] > base


@pytest.mark.parametrize("change, loc, words", [
    (lambda b: b["persons"][1].pop("age"), ["body", "persons", 1, "age"], "missing"),
    (lambda b: b["persons"][0].update(wage_income=-5), ["body", "persons", 0, "wage_income"], "negative"),
    (lambda b: b["persons"][0].update(wage_incme=5), ["body", "persons", 0, "wage_incme"], "wage_income"),
    (lambda b: b["persons"][0].update(age="old"), ["body", "persons", 0, "age"], "number"),
    (lambda b: b["household"].update(province="atlantis"), ["body", "household", "province"], "province"),
    (lambda b: b["household"].update(area="moon"), ["body", "household", "area"], "rural, urban"),
    (lambda b: b.update(persons=[]), ["body", "persons"], "at least 1"),
    (lambda b: b.update(year=1800), ["body", "year"], "2000"),
    (lambda b: b.update(year=2018), ["body", "year"], "covers"),
    (lambda b: b.update(colour="red"), ["body", "colour"], "not permitted"),
    (lambda b: b.update(reform="no_such_scenario"), ["body", "reform"], "unknown scenario"),
    (lambda b: b.update(reform={"name": "x", "from": 2025, "parameters": {"tax.iit.nope": 1}}),
     ["body", "reform"], "tax.iit.nope"),
    (lambda b: b.update(reform={"name": "x", "from": 2025, "parameters": {"tax.iit.basic_deduction": -1}}),
     ["body", "reform"], "range"),
])
def test_calc_validation_errors_are_422_naming_the_field(change, loc, words):
    body = {**FAMILY, "household": dict(FAMILY["household"]), "persons": [dict(p) for p in FAMILY["persons"]]}
    change(body)
    got_loc, msg = _loc_msg(client.post("/calc", json=body))
    assert got_loc == loc
    field = ".".join(str(x) for x in loc[1:]).replace(".0", "[0]").replace(".1", "[1]")
    assert msg.startswith(field), msg
    assert words in msg


def test_unknown_explain_and_malformed_json():
    loc, msg = _loc_msg(client.post("/calc", params={"explain": "nonsense"}, json=FAMILY))
    assert loc == ["query", "explain"] and "nonsense" in msg
    loc, msg = _loc_msg(client.post("/calc", content=b"{not json", headers={"content-type": "application/json"}))
    assert loc == ["body"] and "invalid JSON" in msg
    loc, msg = _loc_msg(client.post("/calc", content=b'{"household": {"province": "zhejiang"}, '
                                                        b'"persons": [{"age": NaN}]}',
                                    headers={"content-type": "application/json"}))
    assert loc == ["body", "persons", 0, "age"] and "finite" in msg


def test_simulate_refuses_more_than_the_bound_before_running(monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("the runner must not be called")

    monkeypatch.setattr("gongfu.workflow.run_simulation", never)
    monkeypatch.setattr("gongfu.workflow.run_comparison", never)
    loc, msg = _loc_msg(client.post("/simulate", json={"households": 200_001}))
    assert loc == ["body", "households"] and "200,000" in msg
    loc, msg = _loc_msg(client.post("/compare", json={"reform": "dibao_plus_20pct", "households": 10**9}))
    assert loc == ["body", "households"]
    loc, msg = _loc_msg(client.post("/compare", json={"reform": "nope", "households": 100}))
    assert loc == ["body", "reform"] and "unknown scenario" in msg
    loc, _ = _loc_msg(client.post("/compare", json={"households": 100}))
    assert loc == ["body", "reform"]
    loc, msg = _loc_msg(client.post("/simulate", json={"households": 10}))
    assert loc == ["body", "households"] and "62" in msg


def test_simulate_and_compare_return_the_runner_results(monkeypatch, results, comparison):
    calls = []

    def fake_sim(reform=None, **kw):
        calls.append(("simulate", reform, kw))
        return results

    def fake_cmp(baseline, reform, **kw):
        calls.append(("compare", reform, kw))
        return comparison

    service._RUNS.clear()
    monkeypatch.setattr("gongfu.workflow.run_simulation", fake_sim)
    monkeypatch.setattr("gongfu.workflow.run_comparison", fake_cmp)
    r = client.post("/simulate", json={"households": 1000, "seed": 3})
    assert r.status_code == 200 and r.json()["gini"] == pytest.approx(results["gini"])
    r = client.post("/compare", json={"reform": "dibao_plus_20pct", "households": 1000})
    assert r.status_code == 200 and r.json()["net_cost"] == pytest.approx(comparison["net_cost"])
    client.post("/compare", json={"reform": "dibao_plus_20pct", "households": 1000})  # cached
    assert [c[0] for c in calls] == ["simulate", "compare"]
    assert calls[0][2]["households"] == 1000 and calls[0][2]["seed"] == 3
    assert calls[1][1].key == "dibao_plus_20pct"  # resolved once, by the workflow


def test_listings():
    names = {v["name"]: v for v in client.get("/variables").json()}
    assert names["dibao"]["role"] == "benefit" and names["dibao"]["label"]["zh"] == "最低生活保障金"
    assert all(v["role"] == "tax" for v in client.get("/variables", params={"role": "tax"}).json())
    params = client.get("/parameters", params={"prefix": "tax.iit"}).json()
    basic = next(p for p in params if p["path"] == "tax.iit.basic_deduction")
    assert basic["value"] == 60000 and basic["since"] == "2019-01-01"
    assert all(p["path"].startswith("tax.iit") for p in params)
    table = client.get("/parameters", params={"prefix": "assistance.dibao.standard"}).json()[0]
    assert len(table["value"]) == 31
    loc, msg = _loc_msg(client.get("/parameters", params={"prefix": "tax.nope"}))
    assert loc == ["query", "prefix"]
    scen = client.get("/scenarios").json()
    assert "dibao_plus_20pct" in {s["key"] for s in scen}
    assert all("file" not in s for s in scen)
    assert client.get("/openapi.json").json()["paths"].keys() >= {"/calc", "/variables", "/parameters",
                                                                   "/scenarios", "/simulate", "/compare"}


def test_web_page_and_its_assets_are_served_without_cdn():
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert 'src="/static/app.js"' in page.text
    assert "http://" not in page.text and "https://" not in page.text
    js = client.get("/static/app.js").text
    assert "/calc" in js and "/compare" in js and "explain" in js
    assert "https://" not in js
    examples = client.get("/examples").json()
    assert examples and all(client.post("/calc", json=x["household"]).status_code == 200 for x in examples)


def test_a_scenario_needing_a_larger_sample_runs_on_it_by_default(monkeypatch):
    """Library scenarios whose net cost has a relative SE above 2% on 200,000 households name their own sample
    (`sample_households`): a request without `households` runs on it, may ask up to it, and no further; every
    other request keeps the 200,000 default and bound, and a client's own reform cannot raise it."""
    seen = []

    def fake(base, new, households, seed, year):
        seen.append(households)
        return {"households": households}

    monkeypatch.setattr("gongfu.workflow.run_comparison", fake)
    monkeypatch.setattr("gongfu.workflow.run_simulation", lambda spec, households, seed, year: fake(0, 0, households,
                                                                                                   seed, year))
    listed = {s["key"]: s.get("sample_households") for s in client.get("/scenarios").json()}
    assert listed["zhejiang_package"] == 1_300_000 and listed["minimum_wage_plus_10pct"] == 300_000
    assert listed["iit_top_rate_50"] == 300_000 and listed["hukou_residence"] == 300_000
    assert listed["dibao_plus_20pct"] is None and listed["childcare_subsidy_under_6"] is None
    for body, expected in (({"reform": "zhejiang_package"}, 1_300_000),
                           ({"reform": "minimum_wage_plus_10pct", "seed": 7}, 300_000),
                           ({"reform": "dibao_plus_20pct"}, 200_000),
                           ({"reform": "zhejiang_package", "households": 250_000}, 250_000)):
        r = client.post("/compare", json=body)
        assert r.status_code == 200, r.text
        assert seen[-1] == expected
    r = client.post("/simulate", json={"reform": "zhejiang_package"})
    assert r.status_code == 200 and seen[-1] == 1_300_000
    loc, msg = _loc_msg(client.post("/compare", json={"reform": "zhejiang_package", "households": 1_300_001}))
    assert loc == ["body", "households"] and "1,300,000" in msg and "this scenario" in msg
    loc, msg = _loc_msg(client.post("/compare", json={"reform": "dibao_plus_20pct", "households": 250_000}))
    assert loc == ["body", "households"] and "200,000" in msg
    own = {"name": "mine", "from": 2025, "parameters": {"assistance.dibao.standard": {"multiply": 1.2}},
           "sample_households": 1_000_000}
    r = client.post("/compare", json={"reform": own})
    assert r.status_code == 200 and seen[-1] == 200_000
    loc, msg = _loc_msg(client.post("/compare", json={"reform": own, "households": 1_000_000}))
    assert loc == ["body", "households"] and "200,000" in msg
