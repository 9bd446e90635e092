"""Parameter tree: dated values, scales (checked against the IIT quick-deduction table), province tables."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from gongfu.engine import ParameterError, ParameterTree, Scale

IIT = """
reference: {title: 个人所得税法, year: 2018}
basic_deduction:
  label: {en: Basic deduction, zh: 基本减除费用}
  unit: CNY/year
  range: [0, 1000000]
  values:
    2011-09-01: 42000
    2019-01-01: 60000
schedule:
  type: scale
  unit: CNY/year
  values:
    2019-01-01: {thresholds: [0, 36000, 144000, 300000, 420000, 660000, 960000],
                 rates: [0.03, 0.10, 0.20, 0.25, 0.30, 0.35, 0.45]}
standard:
  type: table
  index: [province, area]
  unit: CNY/month
  values:
    2024-01-01:
      shanghai: 1510
      beijing: {urban: 1395, rural: 1300}
      _default: {urban: 800, rural: 600}
"""


@pytest.fixture
def tree(tmp_path):
    (tmp_path / "secondary" / "tax").mkdir(parents=True)
    (tmp_path / "secondary" / "tax" / "iit.yaml").write_text(IIT)
    return ParameterTree.load(tmp_path)


def test_dated_values_follow_the_date(tree):
    assert tree.at(dt.date(2018, 1, 1)).get("tax.iit.basic_deduction") == 42000
    assert tree.at(dt.date(2019, 1, 1)).get("tax.iit.basic_deduction") == 60000
    leaf = tree.leaf("tax.iit.basic_deduction")
    assert leaf.value_at(dt.date(2025, 1, 1)) == (60000, dt.date(2019, 1, 1))


def test_scale_matches_the_quick_deduction_table(tree):
    """个人所得税税率表一 (综合所得适用): tax = taxable × rate − quick deduction."""
    scale: Scale = tree.at(dt.date(2025, 1, 1)).get("tax.iit.schedule")
    assert scale.quick_deductions().tolist() == pytest.approx([0, 2520, 16920, 31920, 52920, 85920, 181920])
    taxable = np.array([-5.0, 0, 36000, 47400, 144000, 500000, 1_000_000])
    expected = [0, 0, 1080, 47400 * 0.10 - 2520, 144000 * 0.10 - 2520, 500000 * 0.30 - 52920,
                1_000_000 * 0.45 - 181920]
    assert scale.calc(taxable).tolist() == pytest.approx(expected)
    assert scale.marginal_rate(np.array([100.0, 400000.0])).tolist() == [0.03, 0.25]


def test_table_lookup_by_code_and_area(tree):
    table = tree.at(dt.date(2025, 1, 1)).get("tax.iit.standard")
    got = table.lookup(np.array([31, 11, 11, 52], dtype=np.int8), np.array([0, 1, 0, 1], dtype=np.int8))
    assert got.tolist() == [1510, 1395, 1300, 800]
    assert table.get("guizhou", "rural") == 600
    assert table.values.shape == (31, 2)
    codes, areas = np.array([11, 99, 0], dtype=np.int8), np.array([1, 1, 0], dtype=np.int8)  # 99, 0: no province
    assert np.isnan(table.lookup(codes, areas)[1:]).all()
    assert table.lookup(codes, areas, missing=0.0).tolist() == [1395, 0, 0]
    assert table.lookup(codes, areas, missing=-1.0).tolist() == [1395, -1, -1]


def test_unknown_path_suggests_the_right_one(tree):
    with pytest.raises(ParameterError, match="did you mean 'tax.iit.basic_deduction'"):
        tree.get("tax.iit.basic_deductoin")


def test_reform_copy_keeps_untouched_leaves(tree):
    leaf = tree.leaf("tax.iit.basic_deduction").with_value(dt.date(2025, 1, 1), 72000)
    new = tree.with_leaves({leaf.path: leaf})
    assert new.at(dt.date(2025, 6, 1)).get("tax.iit.basic_deduction") == 72000
    assert tree.at(dt.date(2025, 6, 1)).get("tax.iit.basic_deduction") == 60000
    assert new.leaf("tax.iit.schedule") is tree.leaf("tax.iit.schedule")


def test_value_out_of_range_is_refused(tree):
    with pytest.raises(ParameterError, match="outside the allowed range"):
        tree.leaf("tax.iit.basic_deduction").with_value(dt.date(2025, 1, 1), -1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x: {unit: CNY, reference: r, values: {2020-01-01: abc}}", "expected a number"),
        ("x: {unit: dollars, reference: r, values: {2020-01-01: 1}}", "unit 'dollars'"),
        ("x: {unit: CNY, values: {2020-01-01: 1}}", "needs a `reference`"),
        ("x: {unit: rate, reference: r, values: {2020-01-01: 3}}", "fraction between 0 and 1"),
        ("x: {type: table, unit: CNY, reference: r, values: {2020-01-01: {atlantis: 1}}}", "unknown province"),
        ("x: {type: table, unit: CNY, reference: r, values: {2020-01-01: {beijing: 1}}}", "no value for tianjin"),
        ("x: {type: scale, unit: CNY, reference: r, values: {2020-01-01: {thresholds: [0, 5, 1], rates: [0.1, 0.2, 0.3]}}}",
         "increase strictly"),
        ("x: {unit: CNY, reference: r, values: {2020-01-01: 1}}\nx: {unit: CNY, reference: r, values: {}}",
         "duplicate key"),
        ("x: [1, 2", "malformed YAML"),
    ],
)
def test_bad_parameter_files_name_the_file_and_line(tmp_path, text, message):
    (tmp_path / "demo.yaml").write_text(text)
    with pytest.raises(Exception, match=message) as info:
        ParameterTree.load(tmp_path)
    assert "demo.yaml:" in str(info.value)


def test_a_label_split_by_an_unquoted_comma_is_refused(tmp_path):
    (tmp_path / "demo.yaml").write_text("x: {unit: CNY, reference: r, label: {en: a, b, zh: 甲}, values: {2020-01-01: 1}}")
    with pytest.raises(ParameterError, match="quote a label that contains a comma"):
        ParameterTree.load(tmp_path)


def test_reading_before_the_first_value_is_a_clear_error(tree):
    with pytest.raises(ParameterError, match="no value in force on 2010-01-01 \\(the first is from 2011-09-01\\)"):
        tree.at(dt.date(2010, 1, 1)).get("tax.iit.basic_deduction")


def test_scale_on_mostly_untaxed_bases_equals_the_plain_interpolation(tree):
    """The shortcut for bases mostly below the first threshold gives the same values (NaN stays NaN)."""
    scale: Scale = tree.at(dt.date(2025, 1, 1)).get("tax.iit.schedule")
    base = np.zeros(1000)
    base[::7] = np.linspace(1.0, 2_000_000.0, base[::7].size)
    base[5] = np.nan
    knots_x, knots_y = scale._knots
    want = np.interp(base, knots_x, knots_y, left=0.0)
    np.testing.assert_array_equal(scale.calc(base), want)
