"""Validation table (gongfu.analysis.validation): ratios, points, missing figures, target flags, intervals, and the
loader of the official-figures YAML (malformed entries -> one-line error naming the key)."""

from __future__ import annotations

import copy
import textwrap
from pathlib import Path

import pytest
import yaml

from gongfu.analysis import validation as V

SRC = {"title": "Some official release", "year": 2025, "url": "https://example.org/release", "origin": "NBS"}


def _fig(key, value, unit="yuan/year", year=2024, area="taxes", **kw):
    return {"key": key, "area": area, "label": {"en": key, "zh": key}, "value": value, "unit": unit, "year": year,
            "source": dict(SRC), **kw}


FAKE_RESULTS = {
    "year": 2024,
    "gini": 0.42,
    "urban_rural_ratio": 2.40,
    "programmes": {
        "individual_income_tax": {"total": 900e9, "recipients": 200e6},
        "dibao": {"total": 150e9, "recipients": 41e6},
        "tekun": {"total": 50e9, "recipients": 4.8e6},
    },
    "income": {"disposable": {"mean": 41000.0, "quintile_means": [9000.0, 20000.0, 33000.0, 52000.0, 97000.0]}},
    "uncertainty": {
        "gini": {"se": 0.002, "ci95": [0.416, 0.424]},
        "programmes.individual_income_tax.total": {"se": 20e9, "ci95": [860e9, 940e9]},
        "income.disposable.quintile_means": {"se": [1, 1, 1, 1, 1],
                                             "ci95": [[8000, 9900], [1, 2], [1, 2], [1, 2], [1, 2]]},
    },
}

TARGETS = {
    "national": {
        "dibao_recipients": {"value": 40370000, "from": "calibration.yaml social_assistance.dibao.recipients", "tol": 0.05},
        "income_mean_urban": {"value": 54188, "from": "calibration.yaml income.x.urban", "tol": None},
        "tekun_recipients": {"value": 4720000, "from": "calibration.yaml social_assistance.tekun.recipients",
                             "tol": 0.10},
    },
    "quintile_means_2023": {"values": [1, 2, 3, 4, 5], "tol": [0.15, 0.08, 0.06, 0.06, 0.08]},
}

OFFICIAL = {
    "figures": [
        _fig("gini", 0.465, unit="ratio", area="income_distribution", compare="points", outside_check=True),
        _fig("programmes.individual_income_tax.total", 1452.2e9, outside_check=True),
        _fig("programmes.individual_income_tax.recipients", 65e6, unit="persons", year=2019, outside_check=True),
        _fig("programmes.dibao.recipients", 40.37e6, unit="persons", area="assistance",
             targets=["national.dibao_recipients"]),
        _fig("programmes.dibao.total", 191.57e9, year=2023, area="assistance"),
        # cited from a shared-data key that a target's `from:` quotes -> target without an explicit path
        _fig("programmes.tekun.recipients", 4.72e6, unit="persons", area="assistance",
             cited_from={"file": "calibration.yaml", "key": "social_assistance.tekun.recipients"}),
        _fig("groups.area.urban.mean_disposable_pc", 54188, unit="yuan/person/year", area="income_distribution",
             targets=["national.income_mean_urban"]),
        _fig("income.disposable.quintile_means.0", 9542, unit="yuan/person/year", area="income_distribution",
             targets=["quintile_means_2023"]),
        _fig("income.disposable.quintile_means.4", 98809, unit="yuan/person/year", area="income_distribution",
             targets=["quintile_means_2023"]),
        _fig("urban_rural_ratio", 2.3439, unit="ratio", area="income_distribution", year=2023),
        _fig("urban_rural_ratio", 2.50, unit="ratio", area="income_distribution", year=2026),
    ],
    "missing": [{"key": "programmes.tekun.total", "area": "assistance", "label": {"en": "Tekun spending", "zh": "x"},
                 "note": "none found"}],
}


@pytest.fixture
def rows():
    return {r["key"]: r for r in V.validation_table(FAKE_RESULTS, OFFICIAL, TARGETS)}


def test_ratios_and_points(rows):
    iit = rows["programmes.individual_income_tax.total"]
    assert iit["ratio"] == pytest.approx(900 / 1452.2)
    assert iit["verdict"]["en"] == "far: model -38%"
    payers = rows["programmes.individual_income_tax.recipients"]
    assert payers["ratio"] == pytest.approx(200 / 65)
    assert payers["verdict"]["en"].startswith("far: model 3.08× official")
    gini = rows["gini"]
    assert gini["diff"] == pytest.approx(-0.045)
    assert gini["verdict"]["en"] == "far: -4.5 points"
    dibao = rows["programmes.dibao.recipients"]
    assert dibao["ratio"] == pytest.approx(41 / 40.37)
    assert dibao["verdict"]["en"] == "close: model +1.6%"
    assert rows["programmes.dibao.total"]["ratio"] == pytest.approx(150 / 191.57)
    assert rows["programmes.dibao.total"]["verdict"]["en"] == "far: model -22%"


def test_verdict_tiers():
    assert V.verdict(104, 100)["en"] == "close: model +4.0%"
    assert V.verdict(115, 100)["en"].startswith("near")
    assert V.verdict(125, 100)["en"].startswith("far")
    assert V.verdict(0.475, 0.465, "points")["en"].startswith("close")
    assert V.verdict(0.44, 0.465, "points")["en"].startswith("near")
    assert V.verdict(0.5, 0.28, "points", bound="lower")["en"].startswith("consistent")
    assert V.verdict(0.2, 0.28, "points", bound="lower")["en"].startswith("far")
    assert V.verdict(None, 1.0)["en"] == "not in these results"
    assert V.verdict(1.0, None)["en"] == "unknown here"
    assert V.verdict(0.0, 5.0)["en"].startswith("far: the model has none")
    # an official figure inside the model's 95% interval is close whatever the point estimate
    assert V.verdict(70, 100, ci95=[60, 105])["en"].startswith("close")


def test_missing_figures_are_rows_with_no_official_value(rows):
    tekun_total = rows["programmes.tekun.total"]
    assert tekun_total["official"] is None and tekun_total["source"] is None
    assert tekun_total["model"] == 50e9
    assert tekun_total["verdict"]["en"] == "unknown here" and tekun_total["target"] is False
    # an official figure whose model figure is not in the results
    urban = rows["groups.area.urban.mean_disposable_pc"]
    assert urban["model"] is None and urban["ratio"] is None and urban["verdict"]["en"] == "not in these results"


def test_target_flags(rows):
    assert rows["programmes.dibao.recipients"]["target"] is True
    assert rows["programmes.tekun.recipients"]["target"] is True  # via the shared-data key in `from:`
    assert rows["income.disposable.quintile_means.0"]["target"] is True  # a section with a list of tolerances
    assert rows["groups.area.urban.mean_disposable_pc"]["target"] is False  # informational: tol null
    assert rows["programmes.dibao.total"]["target"] is False
    for key in ("gini", "programmes.individual_income_tax.total", "programmes.individual_income_tax.recipients"):
        assert rows[key]["target"] is False and rows[key]["outside_check"] is True
    # an outside check that someone fits (a target quoting its source) is reported as a target, with a warning
    sneaky = copy.deepcopy(TARGETS)
    sneaky["national"]["iit_revenue"] = {"value": 1.4522e12, "from": f"MOF 2024 ({SRC['url']})", "tol": 0.05}
    fitted = {r["key"]: r for r in V.validation_table(FAKE_RESULTS, OFFICIAL, sneaky)}
    assert fitted["programmes.individual_income_tax.total"]["target"] is True
    assert fitted["programmes.individual_income_tax.total"]["verdict"]["en"].startswith("WARNING: an outside check")
    sneaky["national"]["iit_revenue"]["tol"] = None  # informational only: not fitted
    assert V.is_target(OFFICIAL["figures"][1], sneaky) is False


def test_intervals_passed_through(rows):
    assert rows["gini"]["model_ci95"] == [0.416, 0.424]
    assert rows["programmes.individual_income_tax.total"]["model_ci95"] == [860e9, 940e9]
    assert rows["income.disposable.quintile_means.0"]["model_ci95"] == [8000.0, 9900.0]
    assert rows["programmes.dibao.recipients"]["model_ci95"] is None
    assert V.format_interval(None, "ratio") == "—"
    # the official bottom-quintile mean (9542) lies inside the model's interval: close
    assert rows["income.disposable.quintile_means.0"]["verdict"]["en"].startswith("close")
    no_unc = {k: v for k, v in FAKE_RESULTS.items() if k != "uncertainty"}
    assert all(r["model_ci95"] is None for r in V.validation_table(no_unc, OFFICIAL, TARGETS))


def test_official_figure_of_the_run_year_or_the_latest_before(rows):
    assert rows["urban_rural_ratio"]["year"] == 2023 and rows["urban_rural_ratio"]["official"] == 2.3439
    later = dict(FAKE_RESULTS, year=2027)
    by_key = {r["key"]: r for r in V.validation_table(later, OFFICIAL, TARGETS)}
    assert by_key["urban_rural_ratio"]["year"] == 2026
    early = dict(FAKE_RESULTS, year=2020)
    by_key = {r["key"]: r for r in V.validation_table(early, OFFICIAL, TARGETS)}
    assert by_key["urban_rural_ratio"]["year"] == 2023  # none before: the earliest after


def test_rows_are_grouped_by_area_in_order(rows):
    areas = [r["area"] for r in V.validation_table(FAKE_RESULTS, OFFICIAL, TARGETS)]
    order = list(V.AREAS)
    assert areas == sorted(areas, key=order.index)


# ------------------------------------------------------------------------------------ the packaged file ----


def test_packaged_official_figures_load_and_every_entry_has_a_source():
    data = V.load_official()
    assert len(data["figures"]) >= 20
    for e in data["figures"]:
        assert e["source"]["title"] and (e["source"].get("url") or e["source"].get("origin")), e["key"]
        assert isinstance(e["year"], int) and e["unit"] in V.UNITS


def test_non_targets_exist_and_are_flagged_not_a_target_on_the_real_files():
    """Issue 11: the Gini, national IIT revenue and the number of IIT payers are outside checks."""
    official, targets = V.load_official(), V.load_targets()
    keys = {e["key"]: e for e in official["figures"]}
    for key in ("gini", "programmes.individual_income_tax.total", "programmes.individual_income_tax.recipients"):
        assert keys[key].get("outside_check") is True
        assert V.is_target(keys[key], targets) is False
    rows = {r["key"]: r for r in V.validation_table({"year": 2024}, official, targets)}
    for key in ("gini", "programmes.individual_income_tax.total", "programmes.individual_income_tax.recipients"):
        assert rows[key]["target"] is False
    # and the calibrated recipients are targets on the real targets.yaml
    assert rows["programmes.dibao.recipients"]["target"] is True
    assert rows["income.disposable.mean"]["target"] is True


def test_model_keys_of_the_packaged_file_exist_in_real_shaped_results():
    """Every key names a figure of the run-results contract (docs/ARCHITECTURE.md), checked on the faces' fake
    results where the contract's fields are present."""
    import sys

    sys.path.insert(0, str(Path(__file__).parent.parent / "faces"))
    import faces_fake_results

    res = faces_fake_results.results()
    for e in V.load_official()["figures"]:
        head = e["key"].split(".")[0]
        assert head in res, e["key"]


# ----------------------------------------------------------------------------------------- malformed files --


def _write(tmp_path, figures) -> Path:
    p = tmp_path / "official.yaml"
    p.write_text(yaml.safe_dump({"figures": figures}, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return p


@pytest.mark.parametrize("field", ["value", "unit", "year", "source"])
def test_malformed_entry_one_line_error_naming_the_key(tmp_path, field):
    bad = _fig("programmes.dibao.total", 1.0, area="assistance")
    del bad[field]
    path = _write(tmp_path, [_fig("gini", 0.465, unit="ratio", area="income_distribution"), bad])
    with pytest.raises(V.OfficialFiguresError) as exc:
        V.load_official(path)
    msg = str(exc.value)
    assert "\n" not in msg
    assert "'programmes.dibao.total'" in msg and f"'{field}'" in msg and str(path) in msg
    assert "line " in msg


@pytest.mark.parametrize("change, words", [
    ({"value": "lots"}, "value must be a number"),
    ({"unit": "furlongs"}, "unit 'furlongs'"),
    ({"year": 1800}, "year must be"),
    ({"source": {"title": ""}}, "source must give a title"),
    ({"area": "weather"}, "area 'weather'"),
    ({"compare": "vibes"}, "compare 'vibes'"),
    ({"label": {"en": "x"}}, "label must give"),
    ({"outside_check": True, "targets": ["national.income_mean"]}, "outside check"),
])
def test_malformed_fields(tmp_path, change, words):
    path = _write(tmp_path, [dict(_fig("programmes.dibao.total", 1.0, area="assistance"), **change)])
    with pytest.raises(V.OfficialFiguresError, match="programmes.dibao.total") as exc:
        V.load_official(path)
    assert words in str(exc.value)


def test_error_names_the_line_of_the_entry(tmp_path):
    p = tmp_path / "official.yaml"
    p.write_text(textwrap.dedent("""\
        figures:
          - key: gini
            area: income_distribution
            label: {en: Gini, zh: 基尼系数}
            value: 0.465
            unit: ratio
            year: 2024
            source: {title: t, origin: NBS}
          - key: programmes.dibao.total
            area: assistance
            label: {en: Dibao, zh: 低保}
            value: 1.9e9
            unit: yuan/year
            year: 2023
            source: {title: t, origin: MCA}
        """), encoding="utf-8")
    with pytest.raises(V.OfficialFiguresError) as exc:
        V.load_official(p)
    # YAML 1.1 reads 1.9e9 as a string: the message names the entry's line (9) and the key
    assert "line 9" in str(exc.value) and "programmes.dibao.total" in str(exc.value)


def test_report_table_rows_columns_and_html():
    from gongfu.report.tables import validation_report_table

    table = validation_report_table(FAKE_RESULTS, "en", OFFICIAL, TARGETS)
    frame = table.frame()
    assert len(frame) == len(V.validation_table(FAKE_RESULTS, OFFICIAL, TARGETS))
    gini = frame[frame.key == "gini"].iloc[0]
    assert gini.model == 0.42 and gini.official == 0.465 and not gini.target
    assert (gini.model_ci95_low, gini.model_ci95_high) == (0.416, 0.424)
    iit = frame[frame.key == "programmes.individual_income_tax.total"].iloc[0]
    assert iit.model_over_official == pytest.approx(900 / 1452.2)
    cells = {row[1]["v"]: row for row in table.html_rows()}
    assert cells["programmes.individual_income_tax.total"][3]["v"] == "900.0 bn"
    assert cells["programmes.dibao.recipients"][13]["v"] == "target"
    assert cells["programmes.tekun.total"][9]["v"] == "unknown here"
    zh = validation_report_table(FAKE_RESULTS, "zh", OFFICIAL, TARGETS)
    assert "校准目标" in zh.headers and zh.rows[0][0] == "收入分配"
