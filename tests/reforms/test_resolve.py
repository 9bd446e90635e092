"""Issue 9 §6 / issue 10 §4: one resolver from what a user gives to a validated Reform, and scenario names never
confused with files. A file `dibao_plus_20pct` in the working directory once replaced the scenario of that name
(net cost +91 bn became −1,339 bn), on the CLI and over HTTP.
"""

from __future__ import annotations

import hashlib
import json

import pytest
from typer.testing import CliRunner

from gongfu.engine import ReformError
from gongfu.reforms import Reform, resolve_reform
from gongfu.reforms.loader import SCENARIO_DIR

# a valid reform, quite unlike the scenario: dibao standards cut to a tenth
IMPOSTOR = "name: impostor\nfrom: 2025-01-01\nparameters:\n  assistance.dibao.standard: {multiply: 0.1}\n"
SCENARIO = "dibao_plus_20pct"


def _scenario_sha() -> str:
    return hashlib.sha256((SCENARIO_DIR / f"{SCENARIO}.yaml").read_bytes()).hexdigest()


@pytest.fixture
def impostor_cwd(tmp_path, monkeypatch):
    """The working directory holds files named like the scenario (with and without extension)."""
    (tmp_path / SCENARIO).write_text(IMPOSTOR)
    (tmp_path / f"{SCENARIO}.yaml").write_text(IMPOSTOR)
    (tmp_path / "mine").write_text(IMPOSTOR)
    (tmp_path / "mine.yaml").write_text(IMPOSTOR)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_bare_name_is_the_scenario_whatever_the_working_directory_holds(impostor_cwd, system):
    reform = resolve_reform(SCENARIO, system=system)
    assert reform.key == SCENARIO and reform.sha256 == _scenario_sha()
    assert reform.file == str(SCENARIO_DIR / f"{SCENARIO}.yaml")
    assert "assistance.dibao.standard" in reform.parameter_changes
    assert reform.parameter_changes["assistance.dibao.standard"] != {"multiply": 0.1}


def test_a_path_is_a_path(impostor_cwd, system):
    for spec in (f"./{SCENARIO}", f"{SCENARIO}.yaml", "mine.yaml", str(impostor_cwd / "mine"), "./mine"):
        reform = resolve_reform(spec, system=system)
        assert reform.label() == "impostor", spec
        assert reform.sha256 == hashlib.sha256(IMPOSTOR.encode()).hexdigest()


def test_an_unknown_or_ambiguous_name_is_an_error_listing_scenarios(impostor_cwd, system):
    with pytest.raises(ReformError, match=r"'mine' is not a scenario; a file is read only when given as a path, "
                                          r"e.g. ./mine or mine.yaml; scenarios: childcare"):
        resolve_reform("mine", system=system)
    with pytest.raises(ReformError, match=r"'dibao_plus_20pc'.*did you mean 'dibao_plus_20pct'.*scenarios: "):
        resolve_reform("dibao_plus_20pc", system=system)
    with pytest.raises(ReformError, match=r"nope.yaml: no such reform file; scenarios: "):
        resolve_reform("nope.yaml", system=system)
    with pytest.raises(ReformError, match=r"no such reform file \(the scenario is `dibao_plus_20pct`"):
        resolve_reform("scenarios/dibao_plus_20pct.yaml", system=system)


def test_without_files_nothing_is_read(impostor_cwd, system):
    """The HTTP API's rule: a string is a scenario key; a path (even of a valid reform file) is refused."""
    assert resolve_reform(SCENARIO, files=False, system=system).sha256 == _scenario_sha()
    for spec in ("mine.yaml", "./mine", str(impostor_cwd / "mine.yaml"), "/etc/passwd", "../" + SCENARIO, "mine"):
        with pytest.raises(ReformError, match=r"unknown scenario .*scenarios: "):
            resolve_reform(spec, files=False, system=system)


def test_scenario_keys_are_not_paths(system):
    from gongfu.reforms import load_scenario

    with pytest.raises(ReformError, match="unknown scenario"):
        load_scenario("../scenarios/dibao_plus_20pct", system)


def test_mapping_reform_object_and_baseline(system):
    assert resolve_reform(None) is None and resolve_reform("baseline") is None
    data = {"name": "no deduction", "from": 2025, "parameters": {"tax.iit.basic_deduction": 0}}
    a, b = resolve_reform(data, system=system), resolve_reform(dict(reversed(list(data.items()))), system=system)
    assert a.sha256 == b.sha256 and a.label() == "no deduction"
    reform = Reform(name="py", start=2025, parameter_changes={"tax.iit.basic_deduction": 0})
    assert resolve_reform(reform, system=system) is reform
    with pytest.raises(ReformError, match="a reform is a scenario key, a reform file or a mapping"):
        resolve_reform(42)


def test_the_runner_takes_the_same_rule(impostor_cwd):
    """`gongfu.run.simulate(reform="dibao_plus_20pct")`: the scenario, not the file (run/api.resolve_reform)."""
    from gongfu.run.api import resolve_reform as runner_resolve

    info = runner_resolve(SCENARIO)
    assert info.sha256 == _scenario_sha() and info.file == str(SCENARIO_DIR / f"{SCENARIO}.yaml")
    info = runner_resolve(resolve_reform(SCENARIO))  # a Reform resolved by a face keeps the file's digest
    assert info.sha256 == _scenario_sha()


def test_cli_and_http_take_the_scenario_not_the_file(impostor_cwd, monkeypatch):
    from gongfu.cli import app

    seen = []

    def fake(*args, **kwargs):
        seen.append(args)
        raise SystemExit(0)

    monkeypatch.setattr("gongfu.workflow.run_simulation", fake)
    monkeypatch.setattr("gongfu.workflow.run_comparison", fake)
    CliRunner().invoke(app, ["simulate", "--reform", SCENARIO, "--households", "100"])
    CliRunner().invoke(app, ["compare", "baseline", SCENARIO, "--households", "100"])
    assert seen[0][0].sha256 == _scenario_sha() and seen[1][1].sha256 == _scenario_sha()
    CliRunner().invoke(app, ["simulate", "--reform", f"./{SCENARIO}", "--households", "100"])
    assert seen[2][0].label() == "impostor"

    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from gongfu.api import service
    from gongfu.api.app import app as http

    calls = []

    def fake_run(*args, **kwargs):
        calls.append(args)
        return json.loads(json.dumps({"ok": True}))

    service._RUNS.clear()
    monkeypatch.setattr("gongfu.workflow.run_comparison", fake_run)
    client = TestClient(http)
    assert client.post("/compare", json={"reform": SCENARIO, "households": 100}).status_code == 200
    assert calls[0][1].sha256 == _scenario_sha()
    r = client.post("/compare", json={"reform": str(impostor_cwd / "mine.yaml"), "households": 100})
    assert r.status_code == 422 and "unknown scenario" in r.text and len(calls) == 1
    household = {"household": {"province": "zhejiang"}, "persons": [{"age": 40, "wage_income": 500000}]}
    for spec in (str(impostor_cwd / "mine.yaml"), "./mine", "mine"):
        r = client.post("/calc", json={**household, "reform": spec})
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "reform"], r.text
    r = client.post("/calc", json={**household, "reform": SCENARIO})
    assert r.status_code == 200 and r.json()["reform"]["name"] == SCENARIO
    service._RUNS.clear()
