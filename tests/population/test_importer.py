"""Microdata import: the shipped example works; bad files give errors naming columns and rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from gongfu.engine.enums import Role
from gongfu.population.importer import MicrodataError, import_microdata, load_mapping, to_population
from gongfu.population.io import read_population

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "population-example"


def _example():
    df = pd.read_csv(EXAMPLE / "microdata.csv", dtype=str)
    return df, load_mapping(EXAMPLE / "mapping.yaml")


def test_example_imports_and_round_trips(tmp_path):
    man = import_microdata(EXAMPLE / "microdata.csv", EXAMPLE / "mapping.yaml", tmp_path / "pop")
    assert man["households"] == 3 and man["persons"] == 9
    h, p = read_population(tmp_path / "pop")
    by_prov = dict(zip(h["province"].tolist(), h["weight"].tolist(), strict=True))
    assert by_prov == {33: 1200.5, 41: 2310.0, 44: 980.0}  # 浙江, henan, 44 all resolved
    assert p["role"].tolist().count(Role.head) == 3 and p["age"].dtype == np.int16
    assert sorted(p["wage_income"].tolist())[-3:] == [60000.0, 88000.0, 96000.0]


def test_missing_column_is_named():
    df, m = _example()
    with pytest.raises(MicrodataError, match="missing column.*'wage'"):
        to_population(df.drop(columns=["wage"]), m)


def test_wrong_type_names_column_and_row():
    df, m = _example()
    df.loc[4, "age"] = "nine"
    with pytest.raises(MicrodataError, match=r"column 'age' \(age\): not a number in rows 5"):
        to_population(df, m)


def test_unknown_province_names_value_and_row():
    df, m = _example()
    df.loc[[3, 4], "prov"] = "Atlantis"
    with pytest.raises(MicrodataError, match=r"unknown province\(s\) \['Atlantis'\] in rows 4, 5"):
        to_population(df, m)


def test_every_problem_is_reported_together():
    df, m = _example()
    df.loc[0, "gender"] = "x"
    df.loc[1, "urban"] = "7"
    with pytest.raises(MicrodataError) as exc:
        to_population(df, m)
    assert len(exc.value.problems) == 2 and "gender" in str(exc.value) and "urban" in str(exc.value)


def test_household_variable_must_be_constant_within_household():
    df, m = _example()
    df.loc[1, "hhwgt"] = "5"
    with pytest.raises(MicrodataError, match="weight differs within household"):
        to_population(df, m)


def test_unknown_gongfu_variable_in_mapping(tmp_path):
    bad = yaml.safe_load((EXAMPLE / "mapping.yaml").read_text())
    bad["columns"]["wage"] = "salary"
    f = tmp_path / "m.yaml"
    f.write_text(yaml.safe_dump(bad))
    with pytest.raises(MicrodataError, match="unknown gongfu variable"):
        load_mapping(f)


def test_stata_and_parquet_inputs(tmp_path):
    df, _ = _example()
    num = df.copy()
    for c in ("age", "wage", "business", "farm", "hhwgt"):
        num[c] = pd.to_numeric(num[c])
    num.to_parquet(tmp_path / "x.parquet")
    import pyreadstat

    pyreadstat.write_dta(num, str(tmp_path / "x.dta"))
    for f in ("x.parquet", "x.dta"):
        man = import_microdata(tmp_path / f, EXAMPLE / "mapping.yaml", tmp_path / f"out-{f}")
        assert man["persons"] == 9


# ------------------------------------------------------------- ambiguous columns are refused (issue 9, section 4)
def _mapping_file(tmp_path, edit) -> Path:
    text = (EXAMPLE / "mapping.yaml").read_text(encoding="utf-8")
    f = tmp_path / "mapping.yaml"
    f.write_text(edit(text), encoding="utf-8")
    return f


def test_duplicated_csv_header_is_refused_naming_the_column(tmp_path):
    """`age` twice: pandas would read the first and rename the second `age.1`; which one was meant is unknown."""
    lines = (EXAMPLE / "microdata.csv").read_text(encoding="utf-8").splitlines()
    lines[0] = lines[0].replace("farm", "age")  # column 13 is now a second `age`
    f = tmp_path / "dup.csv"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(MicrodataError, match=r"'age' \(columns 7, 13\)"):
        import_microdata(f, EXAMPLE / "mapping.yaml", tmp_path / "pop")
    assert not (tmp_path / "pop").exists()


def test_duplicated_parquet_column_is_refused(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    df, _ = _example()
    cols = list(df.columns) + ["age"]
    arrays = [pa.array(df[c].tolist()) for c in df.columns] + [pa.array(["1"] * len(df))]
    pq.write_table(pa.Table.from_arrays(arrays, names=cols), tmp_path / "dup.parquet")
    with pytest.raises(MicrodataError, match=r"'age' \(columns 7, 16\)"):
        import_microdata(tmp_path / "dup.parquet", EXAMPLE / "mapping.yaml", tmp_path / "pop")


def test_two_columns_mapped_to_one_variable_are_refused(tmp_path):
    f = _mapping_file(tmp_path, lambda t: t.replace("  business: self_employment_income",
                                                    "  business: wage_income"))
    with pytest.raises(MicrodataError, match=r"wage_income is mapped from 2 columns \('wage', 'business'\)"):
        load_mapping(f)


def test_two_columns_mapped_to_one_variable_in_code_are_refused():
    df, m = _example()
    m = {**m, "columns": {**m["columns"], "farm": "age"}}
    with pytest.raises(MicrodataError, match=r"variable age is mapped from 2 columns \('age', 'farm'\)"):
        to_population(df, m)


def test_weight_column_mapped_twice_is_refused(tmp_path):
    f = _mapping_file(tmp_path, lambda t: t.replace("  farm: agricultural_income", "  farm: weight"))
    with pytest.raises(MicrodataError, match=r"weight is mapped from 2 columns \('hhwgt \(weight:\)', 'farm'\)"):
        load_mapping(f)
    g = _mapping_file(tmp_path, lambda t: t.replace("  farm: agricultural_income", "  hhwgt: agricultural_income"))
    with pytest.raises(MicrodataError, match="'hhwgt' is both `weight:` and mapped"):
        load_mapping(g)


def test_a_source_column_named_twice_in_the_mapping_is_refused(tmp_path):
    """YAML would keep the last of two equal keys: `wage: wage_income` then `wage: rental_income`."""
    f = _mapping_file(tmp_path, lambda t: t.replace("  business: self_employment_income",
                                                    "  wage: rental_income"))
    with pytest.raises(MicrodataError, match=r"mapping.yaml:15: malformed YAML: duplicate key 'wage'"):
        load_mapping(f)


def test_import_into_a_directory_of_other_files_is_refused(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "data.csv").write_text("mine")
    with pytest.raises(ValueError, match="not a gongfu population"):
        import_microdata(EXAMPLE / "microdata.csv", EXAMPLE / "mapping.yaml", tmp_path / "out")
    assert (tmp_path / "out" / "data.csv").read_text() == "mine"


def test_import_cli_errors_are_exit_2_without_traceback(tmp_path):
    from typer.testing import CliRunner

    from gongfu.cli import app

    f = _mapping_file(tmp_path, lambda t: t.replace("  business: self_employment_income", "  business: age"))
    result = CliRunner().invoke(app, ["population", "import", str(EXAMPLE / "microdata.csv"), "-m", str(f),
                                      "-o", str(tmp_path / "pop")])
    assert result.exit_code == 2 and "mapped from 2 columns" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
