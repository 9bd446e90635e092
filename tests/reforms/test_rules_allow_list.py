"""Issue 9 §1: nothing a client sends runs as code. A reform's `rules:` names only structural reforms shipped with
gongfu (`gongfu.reforms.structural`); any other name is refused before anything is imported — over the Python API,
the CLI and HTTP — and the message is the same whether or not a module of that name is installed.

"Nothing imported" is checked three ways: a sentinel module on sys.path writes a file when imported; `this` and
`venv.__main__` (which printed the Zen of Python and created a virtual environment in the server) stay out of
sys.modules; and no call of `importlib.import_module` names anything outside the registry.
"""

from __future__ import annotations

import importlib
import json
import sys
import textwrap

import pytest
from typer.testing import CliRunner

from gongfu.engine import GongfuError, ReformError
from gongfu.reforms import Reform, load_reform, parse_reform, resolve_reform

SENTINEL = "gongfu_sentinel_rules_mod"
HOSTILE = ["this", "venv.__main__", "os", "gongfu.cli", SENTINEL, "gongfu.reforms.structural",
           "gongfu.reforms.structural.provincial_low_wage_uplift.np", "gongfu.rules.primary.minimum_wage",
           "../provincial_low_wage_uplift", "provincial_low_wage_uplift.py", "gongfu.reforms.structural._x"]


@pytest.fixture
def guarded(tmp_path, monkeypatch):
    """A sentinel module that writes `imported.txt` when imported, on sys.path; a log of import_module calls."""
    (tmp_path / f"{SENTINEL}.py").write_text(
        f"from pathlib import Path\nPath({str(tmp_path / 'imported.txt')!r}).write_text('imported')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    before = {m for m in ("this", "venv.__main__", SENTINEL) if m in sys.modules}
    calls: list[str] = []
    real = importlib.import_module

    def logged(name, package=None):
        calls.append(name)
        return real(name, package)

    monkeypatch.setattr(importlib, "import_module", logged)
    yield calls
    assert not (tmp_path / "imported.txt").exists(), "the sentinel module was imported"
    for name in ("this", "venv.__main__", SENTINEL):
        assert name in before or name not in sys.modules, f"{name} was imported"
    foreign = [c for c in calls if c.startswith(("this", "venv", "os", SENTINEL, "gongfu.cli"))]
    assert not foreign, foreign


@pytest.fixture
def no_runs(monkeypatch):
    """A refused reform never reaches the runner."""
    def never(*args, **kwargs):
        raise AssertionError("the runner must not be called")

    monkeypatch.setattr("gongfu.workflow.run_simulation", never)
    monkeypatch.setattr("gongfu.workflow.run_comparison", never)


def _reform(rule) -> dict:
    return {"name": "x", "from": 2025, "parameters": {"tax.iit.basic_deduction": 61000}, "rules": [rule]}


# ---------------------------------------------------------------------------------------------- Python API
@pytest.mark.parametrize("rule", HOSTILE + [1, None, {"module": "os"}])
def test_python_api_refuses_unshipped_rules_without_importing(guarded, system, rule):
    with pytest.raises(ReformError, match="is not a structural reform shipped with gongfu"):
        parse_reform(_reform(rule))
    with pytest.raises(ReformError, match="is not a structural reform shipped with gongfu"):
        resolve_reform(_reform(rule), files=False)
    with pytest.raises(ReformError, match="is not a structural reform shipped with gongfu"):
        Reform(name="x", rules=(rule,)).apply(system)


def test_reform_file_naming_a_module_is_refused_at_its_line(guarded, system, tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text(textwrap.dedent(f"""
        name: x
        from: 2025-01-01
        parameters:
          tax.iit.basic_deduction: 61000
        rules: [{SENTINEL}]
    """))
    with pytest.raises(ReformError, match=rf"{path}:6: rules: '{SENTINEL}' is not a structural reform"):
        load_reform(path, system)


def test_messages_do_not_tell_which_modules_are_installed():
    """`os` is installed and `no_such_module_xyz` is not: the answers differ only by the name given."""
    def message(rule: str) -> str:
        with pytest.raises(ReformError) as info:
            parse_reform(_reform(rule))
        return str(info.value).replace(rule, "NAME")

    assert message("os") == message("no_such_module_xyz") == message("venv.__main__")
    text = message("os")
    assert "No module" not in text and "ModuleNotFound" not in text and "provincial_low_wage_uplift" in text


# ---------------------------------------------------------------------------------------------- CLI
def _cli(*args: str):
    from gongfu.cli import app

    return CliRunner().invoke(app, list(args))


FAMILY = "household: {province: zhejiang, area: urban}\npersons:\n  - {name: a, age: 40, wage_income: 500000}\n"


@pytest.mark.parametrize("rule", ["this", "venv.__main__", "os", "gongfu.cli", SENTINEL])
def test_cli_refuses_unshipped_rules_without_importing(guarded, no_runs, tmp_path, rule):
    reform = tmp_path / "r.yaml"
    reform.write_text(json.dumps(_reform(rule)))
    household = tmp_path / "hh.yaml"
    household.write_text(FAMILY)
    inline = tmp_path / "hh_with_reform.yaml"
    inline.write_text(FAMILY + f"reform: {json.dumps(_reform(rule))}\n")
    for args in (("calc", str(household), "--reform", str(reform)), ("calc", str(inline)),
                 ("simulate", "--households", "100", "--reform", str(reform)),
                 ("compare", "baseline", str(reform), "--households", "100"),
                 ("compare", str(reform), "dibao_plus_20pct", "--households", "100")):
        r = _cli(*args)
        assert r.exit_code == 2, (args, r.output)
        assert "is not a structural reform shipped with gongfu" in r.output and "Traceback" not in r.output
        assert len(r.output.strip().splitlines()) == 1


def test_cli_trust_rules_loads_a_users_file_by_path_only(guarded, tmp_path):
    """`--trust-rules FILE.py` is the only way to a user's own rules; the same module named in a file is refused."""
    rules = tmp_path / "head_tax.py"
    rules.write_text(textwrap.dedent('''
        from gongfu.engine import HOUSEHOLD, variable

        @variable(entity=HOUSEHOLD, unit="CNY/year", role="tax", tier="secondary",
                  label={"en": "Head tax", "zh": "人头税"})
        def head_tax(household_size):
            """Test reform: 10 yuan per person."""
            return 10.0 * household_size
    '''))
    household = tmp_path / "hh.yaml"
    household.write_text(FAMILY)
    base = json.loads(_cli("calc", str(household), "--json").stdout)["household"]
    r = _cli("calc", str(household), "--json", "--trust-rules", str(rules))
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)["household"]
    assert out["head_tax"] == 10.0
    assert out["disposable_income"] == pytest.approx(base["disposable_income"] - 10.0)
    named = tmp_path / "named.yaml"
    named.write_text("name: x\nfrom: 2025-01-01\nrules: [head_tax]\n")
    r = _cli("calc", str(household), "--reform", str(named))
    assert r.exit_code == 2 and "not a structural reform shipped" in r.output and "--trust-rules" in r.output


# ---------------------------------------------------------------------------------------------- HTTP
@pytest.fixture(scope="module")
def client():
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from gongfu.api.app import app

    return TestClient(app)


@pytest.mark.parametrize("rule", ["this", "venv.__main__", "os", "gongfu.cli", SENTINEL])
def test_http_refuses_unshipped_rules_without_importing(guarded, no_runs, client, rule):
    household = {"household": {"province": "zhejiang"}, "persons": [{"age": 40, "wage_income": 500000}]}
    reform = _reform(rule)
    for route, body, field in (("/calc", {**household, "reform": reform}, "reform"),
                               ("/simulate", {"reform": reform, "households": 100}, "reform"),
                               ("/compare", {"reform": reform, "households": 100}, "reform"),
                               ("/compare", {"baseline": reform, "reform": "dibao_plus_20pct", "households": 100},
                                "baseline")):
        r = client.post(route, json=body)
        assert r.status_code == 422, (route, r.text)
        detail = r.json()["detail"][0]
        assert detail["loc"] == ["body", field]
        assert "is not a structural reform shipped with gongfu" in detail["msg"]
        assert "No module" not in r.text and "Traceback" not in r.text


def test_http_shipped_rule_by_name_works(client):
    table = {"type": "table", "index": ["province"], "unit": "rate", "reference": {"title": "t", "year": 2025},
             "values": {"2025-01-01": {"_default": 0, "zhejiang": 0.1}}}
    body = {"household": {"province": "zhejiang", "area": "urban"},
            "persons": [{"age": 30, "wage_income": 20000, "employment_status": "employee"}],
            "reform": {"name": "uplift", "from": 2025, "rules": ["provincial_low_wage_uplift"],
                       "new_parameters": {"minimum_wage.low_wage_uplift_rate_by_province": table}}}
    r = client.post("/calc", json=body)
    assert r.status_code == 200, r.text
    assert r.json()["reform"]["name"] == "uplift"


def test_gongfu_error_is_the_base(guarded):
    """ReformError is a GongfuError: every face turns it into exit code 2 / a 422, never a 500."""
    with pytest.raises(GongfuError):
        parse_reform(_reform("os"))
