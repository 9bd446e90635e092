"""`gongfu discover` on an Excel .xlsx registry: the same lists as from the CSV; a broken file is one line, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from gongfu.cli import app

pd = pytest.importorskip("pandas", reason="reading registries needs the 'import' extra (pandas)")
pytest.importorskip("openpyxl", reason="reading .xlsx registries needs openpyxl (the 'import' extra)")

EXAMPLE = Path(__file__).parents[2] / "src" / "gongfu" / "examples" / "registry"
MAPPING = EXAMPLE / "registry_example_mapping.yaml"


def discover(registry: Path, out: Path) -> bytes:
    r = CliRunner().invoke(app, ["discover", str(registry), "--mapping", str(MAPPING), "--year", "2025",
                                 "--out", str(out)])
    assert r.exit_code == 0, r.output
    return (out / "households.csv").read_bytes()


def test_xlsx_registry_gives_the_same_households_as_the_csv(tmp_path):
    # numbers stored as Excel numbers (as an office's sheet would hold them), blanks as empty cells
    frame = pd.read_csv(EXAMPLE / "registry_example.csv")
    assert frame.isna().any().any()  # the example has blank cells (unknown receipt): they must survive
    xlsx = tmp_path / "registry_example.xlsx"
    frame.to_excel(xlsx, index=False, sheet_name="登记表")
    from_csv = discover(EXAMPLE / "registry_example.csv", tmp_path / "csv")
    from_xlsx = discover(xlsx, tmp_path / "xlsx")
    assert from_csv.count(b"\n") > 100
    assert from_xlsx == from_csv


def test_malformed_xlsx_is_one_line_exit_2(tmp_path):
    bad = tmp_path / "registry.xlsx"
    bad.write_text("household_id,person_id\nH1,P1\n", encoding="utf-8")  # a CSV saved under the wrong name
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["discover", str(bad), "--out", str(out)])
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and "registry.xlsx" in lines[0] and "not a readable Excel .xlsx" in lines[0], r.output
    assert not out.exists()
