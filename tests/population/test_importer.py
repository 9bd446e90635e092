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
