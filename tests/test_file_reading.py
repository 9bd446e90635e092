"""Files a user gives are read safely, and every defect is one line naming the file (and line), exit 2 (issue 9 §5).

Before: a date that does not exist (`from: 2025-02-30`, month 13, even inside `notes`) and unhashable keys were
tracebacks (PyYAML raises ValueError/TypeError), a non-UTF-8 file a UnicodeDecodeError, a FIFO hung the process
and /dev/zero filled the memory. Now only regular files of at most 10 MB are read (engine/yamlio.read_text).
`calc --json` never prints NaN or Infinity (invalid JSON).
"""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from gongfu.cli import app
from gongfu.engine import GongfuError, ReformError, load_system
from gongfu.engine.yamlio import MAX_BYTES, load_yaml, read_text
from gongfu.reforms import load_reform

runner = CliRunner()
HOUSEHOLD = "year: 2025\nhousehold: {province: zhejiang, area: urban}\npersons:\n  - {name: a, age: 40}\n"
REFORM = "name: test\nfrom: 2025-01-01\nparameters:\n  tax.iit.basic_deduction: 72000\n"
EXAMPLE = Path(__file__).resolve().parents[1] / "src" / "gongfu" / "examples" / "rural_widow_85.yaml"


# (name, bytes of the file, line, words in the message)
DEFECTS = [
    ("date_feb_30", HOUSEHOLD.replace("year: 2025\n", "year: 2025\nsource: {checked: 2025-02-30}\n").encode(), 2,
     "'2025-02-30' is not a date that exists"),
    ("month_13_in_notes", ("notes: {seen: 2025-13-01}\n" + HOUSEHOLD).encode(), 1, "'2025-13-01' is not a date"),
    ("date_day_0", ("description: x\nsource: 2024-00-10\n" + HOUSEHOLD).encode(), 2, "not a date that exists"),
    ("unhashable_list_key", ("? [a, b]\n: 1\n" + HOUSEHOLD).encode(), 1, "a list cannot be a key"),
    ("unhashable_flow_key", (b"household: {province: zhejiang, [a]: 1}\n"), 1, "a list cannot be a key"),
    ("unhashable_map_key", (b"? {a: 1}\n: 1\n"), 1, "a mapping cannot be a key"),
    ("unhashable_in_set", b"a: !!set {? [a]}\n", 1, "malformed YAML"),
    ("not_utf8_latin1", HOUSEHOLD.replace("name: a", "name: Jos\xe9").encode("latin-1"), 4, "not UTF-8 text (byte 0xe9)"),
    ("not_utf8_utf16", HOUSEHOLD.encode("utf-16"), 1, "not UTF-8 text"),
    ("duplicate_key", (HOUSEHOLD + "year: 2026\n").encode(), 5, "duplicate key 'year'"),
    ("deep_nesting", ("a: " + "[" * 5000 + "]" * 5000 + "\n").encode(), 1, "malformed YAML"),
    ("python_tag", b"a: !!python/object/apply:os.system ['true']\n", 1, "malformed YAML"),
    ("bad_surrogate", b'a: "\\ud800"\n', 1, "malformed YAML"),
    ("bad_timestamp_tag", b"a: !!timestamp 2025-99-99\n", 1, "not a date that exists"),
]


@pytest.mark.parametrize("name, data, line, words", DEFECTS, ids=[d[0] for d in DEFECTS])
def test_load_yaml_defects_are_one_line_with_file_and_line(tmp_path, name, data, line, words):
    path = tmp_path / f"{name}.yaml"
    path.write_bytes(data)
    with pytest.raises(GongfuError) as info:
        load_yaml(path)
    message = str(info.value)
    assert message.startswith(f"{path}:{line}: "), message
    assert words in message and "\n" not in message, message


@pytest.mark.parametrize("name, data, line, words", DEFECTS, ids=[d[0] for d in DEFECTS])
def test_calc_cli_defects_exit_2(tmp_path, name, data, line, words):
    path = tmp_path / f"{name}.yaml"
    path.write_bytes(data)
    result = runner.invoke(app, ["calc", str(path), "--json"])
    assert result.exit_code == 2, result.output
    assert result.stdout == "" and "Traceback" not in result.output
    assert f"{path}:{line}: " in result.stderr and words in result.stderr, result.stderr


@pytest.mark.parametrize("body, line, words", [
    ("name: t\nfrom: 2025-02-30\nparameters:\n  tax.iit.basic_deduction: 72000\n", 2, "'2025-02-30' is not a date"),
    ("name: t\nfrom: 2025-01-01\nparameters:\n  tax.iit.basic_deduction: {value: 1, from: 2025-13-01}\n", 4,
     "'2025-13-01' is not a date"),
    ("name: t\nnotes: {checked: 2023-02-29}\nfrom: 2025-01-01\nparameters:\n  tax.iit.basic_deduction: 1\n", 2,
     "'2023-02-29' is not a date that exists"),
    ("name: t\nfrom: 2025-01-01\nparameters:\n  ? [tax, iit]\n  : 1\n", 4, "a list cannot be a key"),
])
def test_reform_file_defects_are_reform_errors(tmp_path, body, line, words):
    path = tmp_path / "reform.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ReformError) as info:
        load_reform(path)
    assert str(info.value).startswith(f"{path}:{line}: ") and words in str(info.value), str(info.value)
    result = runner.invoke(app, ["calc", str(EXAMPLE), "--reform", str(path), "--json"])
    assert result.exit_code == 2 and result.stdout == "" and words in result.stderr


def test_reform_file_not_utf8(tmp_path):
    path = tmp_path / "reform.yaml"
    path.write_bytes(REFORM.replace("test", "r\xe9forme").encode("latin-1"))
    with pytest.raises(ReformError, match=r"reform.yaml:1: not UTF-8 text \(byte 0xe9\)"):
        load_reform(path)


# ---------------------------------------------------------------- what is not a regular file, or too big
def _special(kind: str, tmp_path: Path) -> tuple[str, str]:
    if kind == "fifo":
        path = tmp_path / "household.yaml"
        os.mkfifo(path)
        return str(path), "a FIFO (named pipe), not a regular file"
    if kind == "directory":
        path = tmp_path / "household.yaml"
        path.mkdir()
        return str(path), "a directory, not a regular file"
    if kind == "dev_zero":
        return "/dev/zero", "a device or special file, not a regular file"
    if kind == "huge":
        path = tmp_path / "household.yaml"
        with open(path, "wb") as fh:
            fh.truncate(MAX_BYTES + 1)  # sparse: nothing is really written
        return str(path), f"{MAX_BYTES + 1:,} bytes, larger than the 10 MB allowed"
    if kind == "missing":
        return str(tmp_path / "nothing.yaml"), "cannot read file (No such file or directory)"
    raise AssertionError(kind)


SPECIAL = ["fifo", "directory", "dev_zero", "huge", "missing"]


@pytest.mark.skipif(not hasattr(os, "mkfifo") or not Path("/dev/zero").exists(), reason="POSIX only")
@pytest.mark.parametrize("kind", SPECIAL)
def test_read_text_refuses_what_is_not_a_small_regular_file(tmp_path, kind):
    path, words = _special(kind, tmp_path)
    with pytest.raises(GongfuError) as info:
        read_text(path)
    assert str(info.value) == f"{path}: {words}" or str(info.value).startswith(f"{path}: {words}"), str(info.value)


@pytest.mark.skipif(not hasattr(signal, "SIGALRM") or not hasattr(os, "mkfifo"), reason="POSIX only")
@pytest.mark.parametrize("command", ["calc", "reform"])
@pytest.mark.parametrize("kind", ["directory", "huge", "missing", "fifo"])
def test_cli_refuses_special_files(tmp_path, kind, command):
    path, words = _special(kind, tmp_path)
    args = ["calc", path] if command == "calc" else ["calc", str(EXAMPLE), "--reform", path]
    if kind == "missing" and command == "reform":
        words = "no such reform file"

    def hung(*_):
        raise AssertionError(f"gongfu {' '.join(args)} hung")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(30)  # a FIFO blocked open() before the fix: fail instead of hanging the suite
    try:
        result = runner.invoke(app, args)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert result.exit_code == 2, result.output
    assert result.stdout == "" and words in " ".join(result.stderr.split()) and "Traceback" not in result.output


@pytest.mark.skipif(not hasattr(os, "mkfifo") or not Path("/dev/zero").exists(), reason="POSIX only")
@pytest.mark.parametrize("kind, command", [("fifo", "calc"), ("dev_zero", "calc"), ("dev_zero", "reform")])
def test_cli_never_hangs_on_a_fifo_or_dev_zero(tmp_path, kind, command):
    """The real command in a subprocess with a timeout: before the fix a FIFO hung `calc` and /dev/zero
    exhausted the memory."""
    path, words = _special(kind, tmp_path)
    args = ["calc", path] if command == "calc" else ["calc", str(EXAMPLE), "--reform", path]
    code = "import sys; from gongfu.cli import app; sys.argv = ['gongfu', *sys.argv[1:]]; app()"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    try:
        done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60,
                              env=env)
    except subprocess.TimeoutExpired:
        pytest.fail(f"gongfu {' '.join(args)} hung")
    assert done.returncode == 2, done.stderr
    assert done.stdout == "" and words in " ".join(done.stderr.split()) and "Traceback" not in done.stderr


def test_a_regular_file_under_the_limit_is_read():
    assert read_text(EXAMPLE).startswith(EXAMPLE.read_text(encoding="utf-8")[:20])
    assert load_yaml(EXAMPLE)["year"] >= 2024


def test_json_numbers_with_an_exponent_are_numbers(tmp_path):
    """A JSON household file means 1e5 as a number (YAML 1.1 would read it as text)."""
    path = tmp_path / "h.json"
    path.write_text(json.dumps({"household": {"province": "zhejiang"},
                                "persons": [{"age": 40, "wage_income": 1e5}]}), encoding="utf-8")
    assert "1e+05" in path.read_text() or "100000.0" in path.read_text()
    path.write_text(path.read_text().replace("100000.0", "1e5"))
    assert load_yaml(path)["persons"][0]["wage_income"] == 100000.0
    result = runner.invoke(app, ["calc", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["persons"][0]["wage_income"] == 100000.0


# ---------------------------------------------------------------- JSON output never has NaN or Infinity
def _strict(text: str):
    def refuse(constant):
        raise AssertionError(f"invalid JSON constant {constant}")

    return json.loads(text, parse_constant=refuse)


def test_to_json_turns_non_finite_numbers_into_null():
    from gongfu.calculator import to_json

    data = _strict(to_json({"a": float("nan"), "b": np.float64(np.inf), "c": [1.5, -math.inf], "d": np.int8(3)}))
    assert data == {"a": None, "b": None, "c": [1.5, None], "d": 3}


def test_calc_json_and_explain_json_are_strict_json_even_when_a_formula_gives_nan(monkeypatch):
    import gongfu.calculator as calculator
    from gongfu.engine import Simulation

    real = Simulation.calc

    def nan_pension(self, name):
        value = real(self, name)
        if name == "resident_pension":
            value = np.full_like(value, np.nan)
        return value

    monkeypatch.setattr(Simulation, "calc", nan_pension)
    result = runner.invoke(app, ["calc", str(EXAMPLE), "--json"])
    assert result.exit_code == 0, result.output
    assert _strict(result.stdout)["persons"][0]["resident_pension"] is None
    result = runner.invoke(app, ["calc", str(EXAMPLE), "--json", "--explain", "resident_pension"])
    assert result.exit_code == 0, result.output
    _strict(result.stdout)
    pension = load_system().variables["resident_pension"]
    assert calculator._value(pension, np.float64(np.inf)) is None and calculator._value(pension, 1.234) == 1.23
