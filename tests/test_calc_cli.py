"""`gongfu calc`: example households run; bad input ends with one clear message naming the field, exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gongfu.cli import app

EXAMPLES = sorted((Path(__file__).parents[1] / "src" / "gongfu" / "examples").glob("*.yaml"))
runner = CliRunner()


def _run(*args: str):
    return runner.invoke(app, list(args))


def test_there_are_five_example_households():
    assert len(EXAMPLES) >= 5


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_examples_compute_and_satisfy_the_accounting_identity(example):
    result = _run("calc", str(example), "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    hh = out["household"]
    assert out["year"] == 2025 and len(out["persons"]) >= 1
    assert hh["disposable_income"] == pytest.approx(
        hh["market_income"] - hh["total_taxes"] - hh["total_contributions"] + hh["total_benefits"], abs=0.02)
    assert hh["per_capita_disposable_income"] == pytest.approx(hh["disposable_income"] / hh["household_size"], abs=0.01)


def test_table_and_chinese_labels():
    result = _run("calc", str(EXAMPLES[0]), "--lang", "zh")
    assert result.exit_code == 0, result.output
    assert "人均可支配收入" in result.stdout


def test_explain_shows_parameters_with_sources():
    example = next(p for p in EXAMPLES if "migrant" in p.stem)
    result = _run("calc", str(example), "--explain", "individual_income_tax", "--json")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert '"variable": "individual_income_tax"' in text and '"parameter": "tax.iit.' in text


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("household: {province: zhejiang}\npersons:\n  - {age: 30, wage_incom: 1}\n", "persons[0].wage_incom: unknown variable 'wage_incom' (did you mean 'wage_income'"),
        ("household: {province: atlantis}\npersons:\n  - {age: 30}\n", "household.province: unknown province 'atlantis'"),
        ("household: {province: zhejiang}\npersons:\n  - {age: -3}\n", "persons[0].age: -3 is outside the allowed range 0–150"),
        ("household: {province: zhejiang}\npersons:\n  - {age: 30, wage_income: lots}\n", "persons[0].wage_income: expected a number"),
        ("household: {province: zhejiang}\npersons:\n  - {age: 30, hukou_type: martian}\n", "persons[0].hukou_type: 'martian' is not a valid HukouType"),
        ("household: {province: zhejiang}\npersons:\n  - {name: a}\n", "persons[0].age: missing"),
        ("household: {province: zhejiang\npersons: []\n", "malformed YAML"),
        ("household: {province: zhejiang}\npersons: []\n", "persons: expected a non-empty list"),
        ("household: {province: zhejiang, age: 3}\npersons:\n  - {age: 30}\n", "household.age: 'age' is a person variable"),
        ("year: 1850\nhousehold: {province: zhejiang}\npersons:\n  - {age: 30}\n", "year: expected a year"),
    ],
)
def test_bad_households_fail_clearly(tmp_path, text, needle):
    f = tmp_path / "bad.yaml"
    f.write_text(text)
    result = _run("calc", str(f))
    assert result.exit_code == 2
    assert needle in result.output
    assert "Traceback" not in result.output
    assert f"{f}:" in result.output  # names the file (and line)


def test_missing_file_is_exit_2(tmp_path):
    result = _run("calc", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 2 and "nope.yaml" in result.output
