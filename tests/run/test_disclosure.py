"""Small-cell suppression: on imported microdata, groups with few sample rows are left out of the group tables."""

from pathlib import Path

import numpy as np
import pytest

from gongfu.engine.geography import PROVINCES
from gongfu.run import compare, simulate

from .conftest import REFORM

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "population-example"
CODE_TO_KEY = {p.code: p.key for p in PROVINCES}


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    from gongfu.population.importer import import_microdata

    out = tmp_path_factory.mktemp("imported") / "pop"
    import_microdata(EXAMPLE / "microdata.csv", EXAMPLE / "mapping.yaml", out)
    return out


def test_imported_microdata_hides_groups_of_fewer_than_ten_households_by_default(imported):
    res = simulate(imported, workers=1)  # 3 households in 3 provinces
    note = res["meta"]["suppressed"]
    assert note["min_count"] == 10
    assert sorted(note["groups"]["province"]) == ["guangdong", "henan", "zhejiang"]
    assert res["groups"]["province"] == {} and res["groups"]["area"] == {}
    assert all(line["by_group"]["province"] == {} for line in res["poverty"].values())
    assert res["theil_decomposition"]["province"]["groups"] == {}
    assert list(res["scorecard"]) == ["national"]
    assert res["population"]["households"] > 0 and res["gini"] is not None  # national figures stay
    shown = simulate(imported, workers=1, min_cell_count=0)
    assert "suppressed" not in shown["meta"] and set(shown["groups"]["province"]) == set(note["groups"]["province"])


def test_a_comparison_on_imported_microdata_hides_group_changes_and_deciles(imported):
    cmp = compare(reform=REFORM, population=imported, workers=1)
    assert cmp["meta"]["suppressed"]["deciles"] is True and cmp["deciles"] == []
    assert cmp["by_group"]["province"] == {} and cmp["baseline"]["groups"]["province"] == {}
    assert "province" not in cmp["change"].get("groups", {}) or cmp["change"]["groups"]["province"] == {}


def test_generated_population_is_not_suppressed_and_the_threshold_counts_households(source, population):
    assert "suppressed" not in simulate(source, workers=1)["meta"]
    households = population[0]
    codes, counts = np.unique(households["province"], return_counts=True)
    threshold = int(np.sort(counts)[2]) + 1  # hides the three smallest provinces
    res = simulate(source, workers=1, min_cell_count=threshold)
    hidden = {CODE_TO_KEY[int(c)] for c, n in zip(codes, counts, strict=True) if n < threshold}
    assert len(hidden) == 3 and set(res["meta"]["suppressed"]["groups"]["province"]) == hidden
    assert set(res["groups"]["province"]) == {CODE_TO_KEY[int(c)] for c in codes} - hidden
    with pytest.raises(ValueError, match="min_cell_count"):
        simulate(source, workers=1, min_cell_count=-1)
