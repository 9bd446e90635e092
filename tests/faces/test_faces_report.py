"""The report writer: every section, embedded charts, tables as CSV and Parquet, the waterfall check, atomicity."""

from __future__ import annotations

import base64
import re

import pandas as pd
import pytest

from gongfu.report import SECTION_IDS, write_report
from gongfu.report import charts as charts_module
from gongfu.report.tables import total_disposable

PNG = b"\x89PNG\r\n\x1a\n"


def test_compare_report_has_every_section_and_embedded_charts(comparison, tmp_path):
    html_path = write_report(comparison, tmp_path / "rep")
    html = html_path.read_text(encoding="utf-8")
    for section in SECTION_IDS:
        assert f'<section id="{section}">' in html, section
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    charts = sorted(p.name for p in (tmp_path / "rep" / "charts").glob("*.png"))
    assert len(images) == len(charts) >= 8
    assert all(base64.b64decode(i).startswith(PNG) for i in images)
    assert {"lorenz.png", "deciles.png", "winners_losers.png", "waterfall.png", "tile_map.png",
            "provinces_change.png", "provinces_disposable.png", "incidence.png"} <= set(charts)
    # self-contained: nothing is fetched from elsewhere
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "<script" not in html
    # the reproducibility box carries the fingerprints of the run
    assert comparison["reform"]["meta"]["reform"]["sha256"] in html
    assert comparison["baseline"]["meta"]["population"]["fingerprint"] in html


def test_tables_written_as_csv_and_parquet(comparison, tmp_path):
    write_report(comparison, tmp_path / "rep")
    tables = tmp_path / "rep" / "tables"
    for name in ("programmes", "inequality", "poverty", "gaps", "deciles", "winners_losers", "waterfall",
                 "provinces", "incidence_stages", "incidence_programmes", "scorecard"):
        csv = pd.read_csv(tables / f"{name}.csv")
        parquet = pd.read_parquet(tables / f"{name}.parquet")
        assert len(csv) == len(parquet) > 0, name
    provinces = pd.read_parquet(tables / "provinces.parquet")
    assert len(provinces) == 31
    assert provinces["mean_change"].notna().all()
    deciles = pd.read_csv(tables / "deciles.csv")
    assert deciles["decile"].tolist() == list(range(1, 11))


def test_waterfall_parts_add_up_to_total_change(comparison, tmp_path):
    write_report(comparison, tmp_path / "rep")
    table = pd.read_csv(tmp_path / "rep" / "tables" / "waterfall.csv")
    parts = table[table["variable"] != "total"]["change"].sum()
    total = table[table["variable"] == "total"]["change"].item()
    expected = total_disposable(comparison["reform"]) - total_disposable(comparison["baseline"])
    assert total == pytest.approx(expected, rel=1e-12)
    assert parts == pytest.approx(total, rel=1e-9)
    assert total > 0


def test_waterfall_that_does_not_add_up_is_refused_and_nothing_is_left(comparison, tmp_path):
    comparison["waterfall"][0]["change"] += 5e8
    with pytest.raises(ValueError, match="waterfall parts sum"):
        write_report(comparison, tmp_path / "rep")
    assert list(tmp_path.iterdir()) == []


def test_failure_while_writing_leaves_no_half_written_report(comparison, tmp_path, monkeypatch):
    def broken(self, frame, *args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", broken)
    with pytest.raises(OSError, match="disk full"):
        write_report(comparison, tmp_path / "rep")
    assert list(tmp_path.iterdir()) == []


def test_rewrite_replaces_a_previous_report_but_refuses_other_directories(results, comparison, tmp_path):
    out = tmp_path / "rep"
    write_report(comparison, out)
    assert (out / "charts" / "waterfall.png").exists()
    write_report(results, out)  # a single run has no waterfall chart: the old one must be gone
    assert not (out / "charts" / "waterfall.png").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rep"]
    other = tmp_path / "mine"
    other.mkdir()
    (other / "thesis.tex").write_text("keep me")
    from gongfu.engine import GongfuError

    with pytest.raises(GongfuError, match="not a gongfu report"):
        write_report(results, other)
    assert (other / "thesis.tex").read_text() == "keep me"


def test_single_run_report_explains_comparison_only_sections(results, tmp_path):
    html = write_report(results, tmp_path / "rep").read_text(encoding="utf-8")
    for section in SECTION_IDS:
        assert f'<section id="{section}">' in html
    assert html.count("Shown when a reform is compared with a baseline.") == 3  # deciles, winners, waterfall
    assert not (tmp_path / "rep" / "tables" / "waterfall.csv").exists()
    assert (tmp_path / "rep" / "charts" / "tile_map.png").exists()


def test_chinese_labels_and_font_fallback(comparison, tmp_path, monkeypatch):
    html = write_report(comparison, tmp_path / "zh", lang="zh").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in html
    for title in ("主要结果", "洛伦兹曲线", "分项目瀑布图", "共同富裕评分卡", "可复现信息"):
        assert title in html
    assert "浙江" in html and "最低生活保障金" in html
    monkeypatch.setattr(charts_module, "cjk_font", lambda: None)
    html = write_report(comparison, tmp_path / "zh2", lang="zh").read_text(encoding="utf-8")
    assert "fonts-noto-cjk" in html  # the note that charts fell back to English labels
    assert "主要结果" in html  # the page itself stays Chinese


def test_unknown_language_is_refused(results, tmp_path):
    from gongfu.engine import GongfuError

    with pytest.raises(GongfuError, match="en or zh"):
        write_report(results, tmp_path / "rep", lang="fr")


def test_report_has_the_validation_section_with_official_figures(comparison, tmp_path):
    """Issue 11 §4: the validation table goes in the report (model beside official, targets or not)."""
    from gongfu.analysis import validation as V

    html = write_report(comparison, tmp_path / "rep").read_text(encoding="utf-8")
    start = html.index('<section id="validation">')
    section = html[start:html.index("</section>", start)]
    assert "Validation against official figures" in section
    assert "Gini of per-capita disposable income" in section and "not a target" in section
    table = pd.read_csv(tmp_path / "rep" / "tables" / "validation.csv")
    rows = V.validation_table(comparison["baseline"], V.load_official(), V.load_targets())
    assert len(table) == len(rows) > 10
    gini = table[table["key"] == "gini"].iloc[0]
    assert gini["model"] == pytest.approx(comparison["baseline"]["gini"]) and not gini["target"]
    assert gini["official"] == pytest.approx(0.465)
