"""targets.yaml copies figures from shared/data/china: they must still agree with the shared files."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from gongfu.engine.geography import PROVINCES
from gongfu.population.tables import load_generator, load_targets

SHARED = next((p / "shared" / "data" / "china" for p in Path(__file__).resolve().parents
               if (p / "shared" / "data" / "china" / "calibration.yaml").is_file()), None)
if SHARED is None and Path("/work/shared/data/china/calibration.yaml").is_file():
    SHARED = Path("/work/shared/data/china")

pytestmark = pytest.mark.skipif(SHARED is None, reason="shared/data/china not found beside the repository")


def _shared():
    return (yaml.safe_load((SHARED / "calibration.yaml").read_text(encoding="utf-8")),
            yaml.safe_load((SHARED / "provinces.yaml").read_text(encoding="utf-8")))


def test_national_figures_equal_shared():
    c, _ = _shared()
    t = load_targets()["national"]
    inc = c["income"]["per_capita_disposable_income"]["2024"]
    assert t["income_mean"]["value"] == inc["total"]["value"]
    assert t["income_median"]["value"] == inc["median_total"]["value"]
    assert t["wages_per_capita"]["value"] == inc["composition_total"]["wages"]
    pop = c["population"]["national_2024"]
    assert t["share_age_60_plus"]["value"] == pytest.approx(pop["age_60_plus"]["share_pct"] / 100)
    assert t["persons_age_0_1"]["value"] == (pop["births"]["value"] + c["population"]["national_2023"]["births"]["value"]) * 1e4
    assert t["migrant_workers"]["value"] == c["hukou_and_migration"]["migrant_workers_农民工"]["2024"]["total"]["value"] * 1e4
    assert t["disabled_severe"]["value"] == c["disability"]["population"]["severe"]["value"] * 1e4
    assert t["tekun_recipients"]["value"] == c["social_assistance"]["tekun_特困人员"]["recipients"][0]["value"] * 1e4



def test_distribution_figures_equal_shared():
    """Quintiles 2024 (national, urban, rural), income composition by area 2024, housing-fund contributors and the
    STA facts are copied from distribution.yaml; the survey-coverage figures of generator.yaml too."""
    d = yaml.safe_load((SHARED / "distribution.yaml").read_text(encoding="utf-8"))
    c, _ = _shared()
    t = load_targets()
    keys = ("low", "lower_middle", "middle", "upper_middle", "high")
    dist = d["income_distribution"]
    for area in ("national", "urban", "rural"):
        assert t["quintiles_2024"][area] == [dist[f"quintiles_{area}"]["values"]["2024"][k] for k in keys]
    inc = c["income"]["per_capita_disposable_income"]["2024"]
    assert t["quintiles_2024"]["area_means"] == {"urban": inc["urban"]["value"], "rural": inc["rural"]["value"]}
    comp = dist["composition_by_area_2024"]
    names = {"wages": "wages", "business": "net_business", "property": "net_property", "net_transfers": "net_transfers"}
    for area in ("urban", "rural"):
        assert t["composition_by_area_2024"][area] == {k: comp[area][v] for k, v in names.items()}
    hpf = d["housing_provident_fund"]["annual"]["2023"]["contributors"]
    assert t["housing_fund_contributors"]["value"] == hpf["value"] * 1e4
    sta = d["iit"]["sat_settlement_distribution_2023"]
    ts = t["sta_comprehensive_income"]
    assert sta["share_of_iit_paid_by_income_above_1m"]["value"] == ">50%"
    assert ts["share_of_tax_paid_by_income_above_1m"]["lower"] == 0.50
    assert sta["share_of_payers_only_at_3pct_rate"]["value"] == ">60%" and ts["share_of_payers_only_at_3pct"]["lower"] == 0.60
    assert sta["share_of_taxpayers_with_annual_income_above_1m"]["value"] == "about 1%"
    assert ts["share_of_payers_income_above_1m"]["lower"] < 0.01 < ts["share_of_payers_income_above_1m"]["upper"]
    wy = d["top_income_shares_and_tail"]["wan_yu_2023_chip_corrected"]
    g = load_generator()["survey_coverage"]
    assert g["missing_population_share"] * 100 == pytest.approx(wy["missing_population_2018"]["value"])
    assert g["missing_income_share"] * 100 == pytest.approx(wy["missing_income_2018"]["value"])


def test_province_table_equals_shared():
    _, pv = _shared()
    rows = load_targets()["provinces"]["values"]
    for p in PROVINCES:
        pop, urb, a65, inc, src = rows[p.key]
        assert pop == pv["resident_population"]["values"][p.key]["value"]
        assert urb == pv["urbanisation_rate"]["values"][p.key]["value"]
        assert a65 == pv["age_65_plus_share"]["values"][p.key]["share_pct"]
        shared_inc = pv["disposable_income_per_capita"]["total_2023"]["values"][p.key]
        if src in ("A", "R"):
            assert inc == shared_inc["value"]
        if src == "H":
            h1 = pv["disposable_income_per_capita"]["h1_2023_first_half"]["values"][p.key]
            assert inc == round(h1 * 2.0052541970960283)


def test_average_pension_target_equals_the_law_calibration_figure():
    """targets.yaml copies the law audit's sourced average employee pension (2024); it must follow the law file."""
    law = yaml.safe_load((Path(__file__).resolve().parents[2] / "src" / "gongfu" / "parameters" / "secondary"
                          / "pensions" / "employee.yaml").read_text(encoding="utf-8"))
    figure = law["calibration_check"]["target_monthly"]["values"]
    assert load_targets()["national"]["employee_pension_monthly"]["value"] == figure[next(k for k in figure
                                                                                            if str(k).startswith("2024"))]
