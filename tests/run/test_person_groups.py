"""Poverty by group of persons (issue 12, section 3): age groups and sexes add up to the national figure, a
hand-made population gives the headcounts counted by hand, small groups are suppressed on imported microdata."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gongfu.engine import load_system
from gongfu.engine.enums import Area, EmploymentStatus, Role, Sex
from gongfu.run import ArraySource, compare, simulate
from gongfu.run.layout import PERSON_GROUPINGS

from .conftest import REFORM


@pytest.fixture(scope="module")
def cmp(source):
    return compare(reform=REFORM, population=source, workers=1)


def _stats(line, grouping):
    return line["by_group"][grouping]


@pytest.mark.parametrize("system", ["baseline", "reform"])
def test_age_groups_and_sexes_add_up_to_the_national_headcount(cmp, system):
    res = cmp[system]
    persons = res["population"]["persons"]
    n_absolute = 0
    for name, line in res["poverty"].items():
        for grouping in ("age_group", "sex"):
            table = _stats(line, grouping)
            assert set(table) == set(PERSON_GROUPINGS[grouping]), name
            assert math.isclose(sum(g["persons"] for g in table.values()), persons, rel_tol=1e-12)
            poor = sum(g["poor_persons"] for g in table.values())
            if line["kind"] == "absolute":  # exact sums: the groups add up to the national count
                n_absolute += 1
                assert math.isclose(poor, line["poor_persons"], rel_tol=1e-12), (name, grouping)
                for key in ("gap", "severity"):
                    total = sum(g[key] * g["persons"] for g in table.values())
                    assert math.isclose(total, line[key] * persons, rel_tol=1e-9), (name, grouping, key)
            else:  # relative lines: each group is bounded; the bounds of the parts hold the national count
                lo = sum(g["headcount_bounds"][0] * g["persons"] for g in table.values())
                hi = sum(g["headcount_bounds"][1] * g["persons"] for g in table.values())
                lo_n, hi_n = (b * persons for b in line["headcount_bounds"])
                assert lo <= hi_n * (1 + 1e-9) and hi >= lo_n * (1 - 1e-9), name
                assert math.isclose(poor, line["poor_persons"], rel_tol=1e-2), name  # sketch resolution
        assert line["by_group"]["left_behind_children"]["persons"] > 0
        assert 0 < line["by_group"]["disability"]["persons"] < persons
    assert n_absolute >= 2


def test_the_change_of_each_group_is_reform_minus_baseline_with_its_uncertainty(cmp):
    name = "world_bank_6_85"
    b = cmp["baseline"]["poverty"][name]["by_group"]["age_group"]["children"]["headcount"]
    r = cmp["reform"]["poverty"][name]["by_group"]["age_group"]["children"]["headcount"]
    ch = cmp["change"]["poverty"][name]["by_group"]["age_group"]["children"]["headcount"]
    assert ch == pytest.approx(r - b, abs=1e-15)
    assert r <= b  # the reform raises dibao: no more poor children
    changes = [cmp["change"]["poverty"][name]["by_group"]["sex"][k]["headcount"] for k in ("male", "female")]
    assert min(changes) < 0 and max(changes) <= 0
    key = f"poverty.{name}.by_group.sex.female.headcount"
    unc = cmp["baseline"]["uncertainty"][key]
    assert unc["se"] > 0 and unc["ci95"][0] < cmp["baseline"]["poverty"][name]["by_group"]["sex"]["female"][
        "headcount"] < unc["ci95"][1]
    assert f"change.poverty.{name}.by_group.disability.headcount" in cmp["uncertainty"]


def _hand_made():
    """Three rural households in Guizhou, dibao not taken up (so the two without earnings stay poor):
    P (weight 100): man 30, woman 28, their son 4 (role child); no income.
    L (weight 50): grandmother 62 (head) and granddaughter 8: a left-behind child; no income.
    R (weight 200): man 40 with a disability (grade 3) earning 200,000, woman 38, son 10; rich."""
    hh = {"household_id": np.array([1, 2, 3]), "province": np.array([52, 52, 52], dtype=np.int8),
          "area": np.array([Area.rural] * 3, dtype=np.int8), "weight": np.array([100.0, 50.0, 200.0]),
          "dibao_takeup": np.array([False, False, False])}
    rows = [  # household, role, age, sex, disability grade, wage
        (1, Role.head, 30, Sex.male, 0, 0.0), (1, Role.spouse, 28, Sex.female, 0, 0.0),
        (1, Role.child, 4, Sex.male, 0, 0.0),
        (2, Role.head, 62, Sex.female, 0, 0.0), (2, Role.grandchild, 8, Sex.female, 0, 0.0),
        (3, Role.head, 40, Sex.male, 3, 200_000.0), (3, Role.spouse, 38, Sex.female, 0, 0.0),
        (3, Role.child, 10, Sex.male, 0, 0.0),
    ]
    cols = list(zip(*rows, strict=True))
    pp = {"person_id": np.arange(1, len(rows) + 1), "household_id": np.array(cols[0]),
          "role": np.array(cols[1], dtype=np.int8), "age": np.array(cols[2], dtype=np.int16),
          "sex": np.array(cols[3], dtype=np.int8), "disability_grade": np.array(cols[4], dtype=np.int8),
          "wage_income": np.array(cols[5]),
          "employment_status": np.array([EmploymentStatus.employee if w else EmploymentStatus.inactive
                                         for w in cols[5]], dtype=np.int8)}
    return hh, pp


def test_a_hand_made_population_gives_the_headcounts_counted_by_hand():
    hh, pp = _hand_made()
    # 2024, the calibration year: the weights stay those of the hand count (other years are raked)
    res = simulate(ArraySource([(hh, pp)]), year=2024, workers=1, replicates=0)
    line = res["poverty"]["world_bank_2_15"]
    z = line["line"]
    pc = load_system().simulation(hh, pp, 2024).calc("per_capita_disposable_income")
    assert pc[0] < z and pc[1] < z and pc[2] > z, (pc, z)  # the premise: P and L poor, R not
    g = line["by_group"]
    expect = {  # poor weighted persons / weighted persons, counted from the docstring
        ("age_group", "children"): (100 + 50, 100 + 50 + 200),
        ("age_group", "working_age"): (2 * 100, 2 * 100 + 2 * 200),
        ("age_group", "elderly"): (50, 50),
        ("sex", "male"): (2 * 100, 2 * 100 + 2 * 200),
        ("sex", "female"): (100 + 2 * 50, 100 + 2 * 50 + 200),
        ("left_behind_children", None): (50, 50),
        ("disability", None): (0, 200),
    }
    for (grouping, group), (poor, persons) in expect.items():
        stats = g[grouping] if group is None else g[grouping][group]
        assert stats["persons"] == pytest.approx(persons), (grouping, group)
        assert stats["poor_persons"] == pytest.approx(poor), (grouping, group)
        assert stats["headcount"] == pytest.approx(poor / persons), (grouping, group)
    # the gap of the elderly: the one poor household's gap
    assert g["age_group"]["elderly"]["gap"] == pytest.approx((z - pc[1]) / z)
    assert res["population"]["persons"] == pytest.approx(100 * 3 + 50 * 2 + 200 * 3)


def test_small_person_groups_are_suppressed_on_imported_microdata(tmp_path):
    from pathlib import Path

    from gongfu.population.importer import import_microdata

    example = Path(__file__).resolve().parents[2] / "docs" / "population-example"
    import_microdata(example / "microdata.csv", example / "mapping.yaml", tmp_path / "pop")
    res = simulate(tmp_path / "pop", workers=1)  # 3 households: every person group is small
    small = res["meta"]["suppressed"]["groups"]["person_groups"]
    assert "working_age" in small
    for name, line in res["poverty"].items():
        assert "working_age" not in line["by_group"]["age_group"], name
        assert not any(".by_group.age_group.working_age" in k for k in res["uncertainty"])
    shown = simulate(tmp_path / "pop", workers=1, min_cell_count=0)
    assert all("working_age" in line["by_group"]["age_group"] for line in shown["poverty"].values())


def test_member_counts_are_the_person_masks_summed_by_household(population):
    """`member_counts` (integer counts in one pass) equals each group's definition (`person_masks`) summed over
    every household's members, on a generated population with left-behind children and disabilities."""
    from gongfu.engine.chunked import blocks
    from gongfu.run.layout import PERSON_GROUPS
    from gongfu.run.pgroups import member_counts, person_masks

    sim, _, _ = next(blocks(load_system(), *population, 2025, block=10**9))
    index, n = sim.members.index, sim.members.n_households
    role = np.asarray(sim.calc("role"))
    has_child = np.bincount(index, weights=role == Role.child, minlength=n) > 0
    rural = np.asarray(sim.calc("area")) == Area.rural
    masks = person_masks(sim.calc("age"), sim.calc("sex"), sim.calc("disability_grade"), role, rural[index],
                         has_child[index])
    counts = member_counts(sim, index, n)
    assert counts.shape == (len(PERSON_GROUPS), n) and counts.flags.c_contiguous
    for k, g in enumerate(PERSON_GROUPS):
        assert np.array_equal(counts[k], np.bincount(index, weights=masks[g], minlength=n)), g
    assert counts[PERSON_GROUPS.index("left_behind_children")].sum() > 0
    assert counts[PERSON_GROUPS.index("disability")].sum() > 0
