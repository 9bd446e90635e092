"""The package's shape: extras named in one line when missing, a light start-up, pins that agree with pyproject."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version
from typer.testing import CliRunner

import gongfu
from gongfu.extras import EXTRAS, MissingExtra, message, require

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
EXAMPLE = Path(gongfu.__file__).parent / "examples" / "guizhou_rural_dibao.yaml"
#: Libraries that `gongfu --help` and `gongfu calc` must not load (plotting, dataframes, cluster, server).
HEAVY = ("matplotlib", "pandas", "dask", "distributed", "pyreadstat", "fastapi", "uvicorn", "jinja2", "starlette")


def _missing(monkeypatch, *modules: str) -> None:
    """Make `modules` look uninstalled (`import` raises ModuleNotFoundError) and forget gongfu's modules that
    imported them, so they are imported again under the test."""
    stale = ("gongfu.report.writer", "gongfu.report.charts", "gongfu.population.importer")
    for name in list(sys.modules):
        if name.split(".")[0] in modules or name in stale:
            monkeypatch.delitem(sys.modules, name)
            parent, _, child = name.rpartition(".")
            if parent in sys.modules and hasattr(sys.modules[parent], child):
                monkeypatch.delattr(sys.modules[parent], child)
    for name in modules:
        monkeypatch.setitem(sys.modules, name, None)


# ---------------------------------------------------------------------------------------------- extras


def test_require_names_the_extra_in_one_line(monkeypatch):
    _missing(monkeypatch, "uvicorn")
    with pytest.raises(MissingExtra) as info:
        require("uvicorn", "serve")
    text = str(info.value)
    assert text == "gongfu serve needs the 'serve' extra: pip install 'gongfu[serve]' (uvicorn is not installed)"
    assert "\n" not in text
    assert message("serve").startswith("gongfu serve needs the 'serve' extra: pip install 'gongfu[serve]'")


def test_require_returns_the_module_when_installed():
    assert require("json", "report") is json
    with pytest.raises(ValueError, match="unknown extra 'plots'"):
        require("json", "plots")


def test_extras_table_matches_pyproject():
    """gongfu.extras.EXTRAS lists the same packages per extra as pyproject.toml; [all] is their union."""
    optional = PYPROJECT["optional-dependencies"]
    for extra, (_, packages) in EXTRAS.items():
        declared = {canonicalize_name(Requirement(r).name) for r in optional[extra]}
        assert declared == {canonicalize_name(p) for p in packages}, extra
    assert optional["all"] == [f"gongfu[{','.join(EXTRAS)}]"]
    core = {canonicalize_name(Requirement(r).name) for r in PYPROJECT["dependencies"]}
    assert core == {"numpy", "pyarrow", "pyyaml", "pydantic", "typer", "rich", "psutil"}


@pytest.fixture
def cli(monkeypatch):
    from gongfu.cli import app

    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args))


def test_serve_without_the_serve_extra(monkeypatch, cli):
    _missing(monkeypatch, "uvicorn")
    r = cli("serve")
    assert r.exit_code == 2, r.output
    assert "gongfu serve needs the 'serve' extra: pip install 'gongfu[serve]'" in r.stderr
    assert "Traceback" not in r.output and len(r.stderr.strip().splitlines()) == 1


def test_report_without_the_report_extra_writes_nothing(monkeypatch, cli, tmp_path):
    _missing(monkeypatch, "matplotlib")
    out = tmp_path / "report"
    r = cli("simulate", "--households", "200", "--seed", "1", "--workers", "1", "--report", str(out))
    assert r.exit_code == 2, r.output
    assert "needs the 'report' extra: pip install 'gongfu[report]' (matplotlib" in r.stderr
    assert "Traceback" not in r.output
    assert not out.exists()


def test_dask_without_the_dask_extra(monkeypatch, cli):
    _missing(monkeypatch, "distributed")
    r = cli("simulate", "--households", "200", "--seed", "1", "--dask", "local", "--json")
    assert r.exit_code == 2, r.output
    assert "needs the 'dask' extra: pip install 'gongfu[dask]' (distributed is not installed)" in r.stderr
    assert "Traceback" not in r.output


def test_population_import_without_the_import_extra(monkeypatch, cli, tmp_path):
    _missing(monkeypatch, "pandas")
    (tmp_path / "data.csv").write_text("hid,prov,area,age\n1,zhejiang,urban,40\n", encoding="utf-8")
    (tmp_path / "map.yaml").write_text("household_id: hid\ncolumns: {prov: province, area: area, age: age}\n",
                                       encoding="utf-8")
    r = cli("population", "import", str(tmp_path / "data.csv"), "-m", str(tmp_path / "map.yaml"),
            "-o", str(tmp_path / "pop"))
    assert r.exit_code == 2, r.output
    assert "gongfu population import needs the 'import' extra: pip install 'gongfu[import]'" in r.stderr
    assert not (tmp_path / "pop").exists()


# ---------------------------------------------------------------------------------------------- start-up

_PROBE = """
import contextlib, io, json, sys
from gongfu.cli import app
out = io.StringIO()
with contextlib.redirect_stdout(out):
    try:
        app(sys.argv[1:], prog_name="gongfu")
    except SystemExit as exc:
        code = exc.code
print(json.dumps({"code": code, "stdout": out.getvalue(), "modules": sorted(sys.modules)}))
"""


def _probe(*args: str) -> dict:
    """Run the CLI in a fresh interpreter; its exit code, stdout and every module it loaded."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(Path(gongfu.__file__).parents[1]),
                                                       os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, env=env,
                          timeout=300, check=True)
    return json.loads(proc.stdout)


@pytest.mark.parametrize("args", [("--help",), ("calc", str(EXAMPLE), "--json")], ids=["help", "calc"])
def test_help_and_calc_load_no_heavy_library(args):
    got = _probe(*args)
    assert got["code"] in (0, None), got["stdout"]
    if args[0] == "calc":
        assert json.loads(got["stdout"])["household"]["disposable_income"] > 0
    else:
        assert "calc" in got["stdout"] and "simulate" in got["stdout"]
    loaded = sorted({m.split(".")[0] for m in got["modules"]} & set(HEAVY))
    assert loaded == [], f"`gongfu {args[0]}` imported {loaded}"


# ---------------------------------------------------------------------------------------------- pins


def _pins(name: str) -> dict[str, Version]:
    pins = {}
    for line in (ROOT / "constraints" / name).read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line:
            req = Requirement(line)
            (spec,) = req.specifier
            assert spec.operator == "==", f"constraints/{name}: {line} is not an exact pin"
            pins[canonicalize_name(req.name)] = Version(spec.version)
    return pins


def _direct() -> dict[str, Requirement]:
    reqs = list(PYPROJECT["dependencies"])
    for extra in PYPROJECT["optional-dependencies"].values():
        reqs += [r for r in extra if not r.startswith("gongfu")]
    out = {}
    for r in map(Requirement, reqs):
        out.setdefault(canonicalize_name(r.name), r)
    return out


def test_minimum_constraints_pin_the_declared_lower_bounds():
    """constraints/minimum.txt (make test-min) pins each direct dependency exactly at pyproject's `>=` bound."""
    pins = _pins("minimum.txt")
    direct = _direct()
    assert set(pins) == set(direct)
    for name, req in direct.items():
        (lower,) = [s for s in req.specifier if s.operator == ">="]
        assert pins[name] == Version(lower.version), f"{name}: minimum.txt {pins[name]} != pyproject {req}"


def test_lock_pins_every_direct_dependency_within_pyproject():
    pins = _pins("all.txt")
    for name, req in _direct().items():
        assert name in pins, f"constraints/all.txt does not pin {name}"
        assert req.specifier.contains(pins[name]), f"{name}=={pins[name]} in all.txt does not satisfy {req}"
