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
    r = runner.invoke(app, ["population", "check", "--households", "300", "--year", "2027", "--no-engine"])
    assert r.exit_code == 2 and "no official figures of 2027" in r.stderr
