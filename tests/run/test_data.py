"""The figures of gongfu/data/*.yaml: loaded, checked, and used by the run as they stand in the files."""

import pytest

from gongfu.run import data
from gongfu.run.lines import official_rural_line, poverty_lines


def test_official_line_is_the_2019_line_uprated_by_the_cpi_of_the_file():
    d = data.load("poverty_lines.yaml")
    value = d["china_rural_line"]["current_2019"]["value"]
    for year in (2020, 2021, 2022, 2023, 2024):
        value *= 1.0 + d["cpi_growth"][year]["value"]
    assert official_rural_line(2025)[0] == value
    assert round(value, 2) == 3408.29  # 3218 x 1.025 x 1.009 x 1.020 x 1.002 x 1.002 (3298.45, 3328.14, 3394.70, 3401.49)
    assert official_rural_line(2019)[0] == 3218.0
    names = [ln.name for ln in poverty_lines(2025)]
    assert names == ["relative_40_median", "relative_50_median", "relative_60_median", "china_rural_2010_standard",
                     "world_bank_2_15", "world_bank_3_65", "world_bank_6_85"]


def test_zhejiang_targets_are_those_of_calibration_yaml_as_fractions():
    from gongfu.run.scorecard import ZHEJIANG_TARGETS

    assert ZHEJIANG_TARGETS == {"per_capita_disposable_income": (">=", 75_000.0),
                                "urban_rural_income_ratio": ("<", 1.9),
                                "households_disposable_income_100k_500k_share": (">=", 0.80),
                                "households_disposable_income_200k_600k_share": (">=", 0.45)}


@pytest.mark.parametrize(("text", "message"), [
    ("x: {value: 1, unit: yuan, year: 2020}", "x: missing source"),
    ("x: {value: one, unit: yuan, year: 2020, source: {title: t}}", "x.value: expected a number"),
    ("x: {value: 1, unit: yuan, year: 2020, source: {url: u}}", "x.source: expected a mapping with a title"),
    ("y: 1", "missing field x"),
])
def test_a_malformed_figure_is_refused_naming_file_and_field(tmp_path, monkeypatch, text, message):
    (tmp_path / "bad.yaml").write_text(text)
    monkeypatch.setattr(data, "DATA", tmp_path)
    data.load.cache_clear()
    try:
        with pytest.raises(data.DataError, match=message) as err:
            data.figure(data.load("bad.yaml"), "bad.yaml", "x")
        assert "bad.yaml" in str(err.value)
    finally:
        data.load.cache_clear()
