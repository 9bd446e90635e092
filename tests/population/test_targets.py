"""targets.yaml copies figures from shared/data/china: they must still agree with the shared files."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from gongfu.engine.geography import PROVINCES
from gongfu.population.tables import load_targets

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
    q = c["income"]["quintiles_national_per_capita_disposable_income"]["2023"]
    assert load_targets()["quintile_means_2023"]["values"] == [q[k] for k in ("low", "lower_middle", "middle",
                                                                                 "upper_middle", "high")]


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
