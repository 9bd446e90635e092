"""`gongfu population check --year Y` reports the official figures of that year (issue 14)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from gongfu.cli import app
from gongfu.population.check import year_targets

runner = CliRunner()


def test_year_targets_are_the_shared_figures():
    assert year_targets(2024) is None  # the calibration targets (targets.yaml)
    assert year_targets(2022)["income_mean"]["value"] == 36883
    assert year_targets(2023)["population_total"]["value"] == 1409670000


def test_check_year_2023_reports_that_years_figures():
    r = runner.invoke(app, ["population", "check", "--households", "300", "--year", "2023", "--no-engine", "--json"])
    assert r.exit_code == 0, r.output
    rows = {row["name"]: row for row in json.loads(r.stdout)}
    assert rows["population_total"]["target"] == 1409670000 and rows["population_total"]["status"] == "info"
    assert rows["share_age_65_plus"]["target"] == 0.154


def test_check_year_without_figures_is_an_error():
    r = runner.invoke(app, ["population", "check", "--households", "300", "--year", "2031", "--no-engine"])
    assert r.exit_code == 2 and "no official figures of 2031" in r.stderr


def test_check_projected_year_reports_its_demography():
    """2027: the projected demography (targets_years.yaml) beside the reweighted population."""
    r = runner.invoke(app, ["population", "check", "--households", "3000", "--year", "2027", "--no-engine", "--json"])
    assert r.exit_code == 0, r.output
    rows = {row["name"]: row for row in json.loads(r.stdout)}
    assert set(rows) == {"population_total", "share_urban", "share_age_60_plus"}
    assert rows["share_age_60_plus"]["target"] == 0.244 and rows["share_age_60_plus"]["status"] == "info"
    assert abs(rows["share_age_60_plus"]["achieved"] - 0.244) < 0.01  # reweighted (the 2024 population: 0.22)
