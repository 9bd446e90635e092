"""GET /years (the web page's year selector) and POST /compare/window (its cost-by-year table), issue 14 §3.

/years must list exactly the years the rest of the API accepts, each flagged projected exactly when /calc says
so; /compare/window must refuse what the API's limits refuse (years outside the law, too many years, too many
households, no reform) with a 422 naming the field, and answer the window's costing by year otherwise.
"""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from gongfu.api import models, service
from gongfu.api.app import app
from gongfu.cli import app as cli

client = TestClient(app, raise_server_exceptions=False, base_url="http://127.0.0.1:8000")
FAMILY = {"household": {"province": "zhejiang", "area": "urban"},
          "persons": [{"name": "a", "age": 38, "wage_income": 96000}]}
REFORM = "dibao_plus_20pct"


@pytest.fixture(scope="module")
def years() -> dict:
    r = client.get("/years")
    assert r.status_code == 200, r.text
    return r.json()


def test_years_lists_the_known_and_projected_years(years):
    assert (years["first_year"], years["last_known_year"], years["horizon"]) == (2022, 2025, 2030)
    assert [r["year"] for r in years["years"]] == list(range(2022, 2031))
    assert [r["year"] for r in years["years"] if r["projected"]] == [2026, 2027, 2028, 2029, 2030]
    assert years["default_year"] == 2025 == models.DEFAULT_YEAR
    assert years["default_year"] in [r["year"] for r in years["years"]]


def test_years_says_what_gongfu_years_json_says(years):
    out = CliRunner().invoke(cli, ["years", "--json"], catch_exceptions=False)
    assert out.exit_code == 0, out.output
    printed = json.loads(out.output)
    assert printed == {k: years[k] for k in printed}  # first_year, last_known_year, horizon, projected_parameters
    assert printed["projected_parameters"]


def test_every_listed_year_is_accepted_with_its_projected_flag_and_no_other(years):
    """What the selector offers is what /calc computes: each listed year answers 200 with `law.projected` as
    listed; the years on either side of the list are refused (422 on `year`)."""
    for row in years["years"]:
        r = client.post("/calc", json=FAMILY | {"year": row["year"]})
        assert r.status_code == 200, (row, r.text)
        assert r.json()["year"] == row["year"]
        assert bool((r.json().get("law") or {}).get("projected")) is row["projected"], row
    for outside in (years["first_year"] - 1, years["horizon"] + 1):
        r = client.post("/calc", json=FAMILY | {"year": outside})
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "year"], r.text


BAD_WINDOWS = [
    ({"reform": REFORM, "years": "2019:2025"}, ["body", "years"], "2022"),
    ({"reform": REFORM, "years": "2025:2031"}, ["body", "years"], "2030"),
    ({"reform": REFORM, "years": "2027:2025"}, ["body", "years"], "FIRST:LAST"),
    ({"reform": REFORM, "years": "twenty"}, ["body", "years"], "FIRST:LAST"),
    ({"reform": REFORM, "households": 20_001}, ["body", "households"], "at most 20,000"),
    ({"reform": REFORM, "households": 10}, ["body", "households"], "62"),
    ({"reform": "baseline"}, ["body", "reform"], "not 'baseline'"),
    ({"reform": "no_such_reform"}, ["body", "reform"], "no_such_reform"),
    ({"reform": REFORM, "year": 2027}, ["body", "year"], "xtra"),
    ({}, ["body", "reform"], "required"),
]


@pytest.mark.parametrize(("body", "loc", "words"), BAD_WINDOWS)
def test_window_refuses_what_the_limits_refuse_naming_the_field(body, loc, words):
    r = client.post("/compare/window", json=body)
    assert r.status_code == 422, r.text
    detail = r.json()["detail"][0]
    assert detail["loc"][:len(loc)] == loc and words in detail["msg"], detail


def test_window_longer_than_the_http_limit_is_refused(monkeypatch):
    monkeypatch.setattr(models, "WINDOW_MAX_YEARS", 3)
    r = client.post("/compare/window", json={"reform": REFORM, "years": "2025:2028"})
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == ["body", "years"]
    assert "at most 3 years" in r.json()["detail"][0]["msg"]


def test_window_runs_the_reform_year_by_year_with_intervals_and_projected_years():
    """A real (small) window: one row per year, the net cost with a 95% interval around it, each year's `law`
    as /years lists it, and the total the sum of the years; the same request again is the same answer (cached)."""
    body = {"reform": REFORM, "years": "2025:2026", "households": 300, "seed": 11}
    r = client.post("/compare/window", json=body)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["years"] == [2025, 2026]
    rows = out["by_year"]
    assert [row["law"]["projected"] for row in rows] == [False, True]
    for row in rows:
        lo, hi = row["net_cost_ci95"]
        assert lo < row["net_cost"] < hi
        assert row["net_cost"] > 0  # raising dibao standards costs money
    assert out["total"]["net_cost"] == pytest.approx(sum(row["net_cost"] for row in rows))
    assert out["meta"]["population"]["households_sampled"] == 300
    again = client.post("/compare/window", json=body)
    assert again.content == r.content
    assert service.window_years("2025:2030") == list(range(2025, 2031))
