"""The report (issue 12, sections 3 and 4): poverty by group of persons, the five groups of winners and losers
with the per-decile chart, Chinese titles, and no matplotlib font message on the terminal."""

from __future__ import annotations

import csv
import logging

import pytest

from gongfu.run import compare

pytest.importorskip("matplotlib")
pytest.importorskip("jinja2")


@pytest.fixture(scope="module")
def cmp():
    return compare(reform="dibao_plus_20pct", households=300, seed=3, workers=1)


def _csv(path):
    with open(path, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_the_report_has_poverty_by_group_and_five_winner_groups(cmp, tmp_path):
    from gongfu.report import write_report

    out = write_report(cmp, tmp_path / "en", lang="en").parent
    rows = _csv(out / "tables" / "poverty_by_group.csv")
    lines = cmp["baseline"]["poverty"]
    assert len(rows) == 7 * len(lines)
    first = next(iter(lines.values()))
    assert {r["group"] for r in rows} >= {"Children (0–15)", "Women and girls", "Left-behind children"}
    assert rows[0]["line"] == first["label"]["en"]
    assert float(rows[0]["headcount"]) == pytest.approx(first["by_group"]["age_group"]["children"]["headcount"])
    shares = _csv(out / "tables" / "winners_losers.csv")
    assert [r["outcome"] for r in shares] == ["gain_over_5pct", "gain_up_to_5pct", "no_change", "lose_up_to_5pct",
                                              "lose_over_5pct"]
    assert sum(float(r["share"]) for r in shares) == pytest.approx(1.0, abs=1e-9)
    by_decile = _csv(out / "tables" / "deciles_winners_losers.csv")
    assert len(by_decile) == 10
    for r in by_decile:
        assert sum(float(v) for k, v in r.items() if k != "decile") == pytest.approx(1.0, abs=1e-9)
    assert (out / "charts" / "deciles_winners_losers.png").stat().st_size > 1000
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Poverty by group of persons" in html and "Winners and losers by decile" in html


def test_a_chinese_report_has_chinese_titles_and_no_font_messages(cmp, tmp_path, capfd, caplog):
    from gongfu.report import write_report

    with caplog.at_level(logging.DEBUG):
        out = write_report(cmp, tmp_path / "zh", lang="zh").parent
    captured = capfd.readouterr()
    assert "findfont" not in captured.err and "Glyph" not in captured.err, captured.err
    assert not [r for r in caplog.records if r.name.startswith("matplotlib") and r.levelno >= logging.WARNING]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "城乡低保标准提高20%" in html and "Dibao standards raised" not in html
    assert "贫困:按人群" in html and "中位数收入的40%" in html
    for english in (">between<", ">within<", ">variable<", ">role<"):
        assert english not in html, english
    for english in ("parameters sha256", "population fingerprint", "numerical exactness", ">seed<",
                    ">backend<", ">created<"):
        assert english not in html, english  # the reproducibility section in Chinese too
    assert "人口数据指纹" in html and "随机种子" in html
    assert "±largest half-width" not in html  # the meaning of the exactness figures is not one of them
