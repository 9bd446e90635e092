"""Static ageing by raking (issue 14 §2, population/ageing.py): each year other than 2024 is reweighted to its
demography (targets_years.yaml) by household factors that depend only on the household and national constants."""

from __future__ import annotations

import numpy as np
import pytest

from gongfu.population import ageing
from gongfu.population.ageing import (
    DESIGN,
    REFERENCE_HOUSEHOLDS,
    REFERENCE_SEED,
    TargetsYearsError,
    check_years,
    household_design,
    load_years,
    project_population,
    rake,
    raking_constants,
)
from gongfu.population.check import GROUPS, measure, random_group_se, year_targets
from gongfu.population.io import concat
from gongfu.population.partition import generate_partition, plan_partitions

SHARES = ("share_urban", "share_age_0_15", "share_age_60_plus", "share_age_65_plus")


@pytest.fixture(scope="module")
def reference():
    parts = [generate_partition(s) for s in plan_partitions(REFERENCE_HOUSEHOLDS, REFERENCE_SEED)]
    return concat([x[0] for x in parts]), concat([x[1] for x in parts])


def _size_shares(h, p):
    x = household_design(h, p)
    cols = [DESIGN.index(f"households_size_{k}") for k in ageing.SIZE_CLASSES]
    n = x[:, cols].T @ h["weight"]
    return n / n.sum()


def test_rake_hand_case():
    # two households of weight 1: x = (1, 0) and (1, 1); totals (3, 2) -> e^a = 1, e^(a+b) = 2: a = 0, b = ln 2
    lam = rake(np.array([[1.0, 0.0], [1.0, 1.0]]), np.array([1.0, 1.0]), np.array([3.0, 2.0]))
    assert lam == pytest.approx([0.0, np.log(2.0)], abs=1e-12)
    with pytest.raises(ValueError, match="cannot be reached"):  # a share above 1 of everyone: no weights do it
        rake(np.array([[1.0, 1.0], [1.0, 1.0]]), np.array([1.0, 1.0]), np.array([2.0, 3.0]))


@pytest.mark.parametrize("year", [2022, 2023, 2026, 2027, 2030])
def test_reference_meets_the_years_margins(reference, year):
    """On the reference sample the constants are solved on, every margin is met to 1e-9 (Newton stops at 1e-12
    relative on every margin; float sums over 40,000 households add about 1e-13)."""
    h, p = reference
    base = measure(h, p)
    h2, p2 = project_population(h, p, year)
    got, t, data = measure(h2, p2), year_targets(year), load_years()
    ratio = t["population_total"]["value"] / data["base_2024"]["population_total"]["value"]
    assert got["population_total"] == pytest.approx(base["population_total"] * ratio, rel=1e-9)
    met = [name for name in SHARES if name in t]
    assert {"share_urban", "share_age_60_plus"} <= set(met)
    for name in met:
        assert got[name] == pytest.approx(t[name]["value"], rel=1e-9), name
    # household size: no cited projection, the 2024 distribution is held
    assert _size_shares(h2, p2) == pytest.approx(_size_shares(h, p), rel=1e-9)


@pytest.mark.parametrize("year", [2022, 2027, 2030])
def test_another_sample_meets_margins_within_sampling_error(sample, year):
    """A sample other than the reference meets the margins up to sampling error: its own (random-group SE) and
    the reference's (solved on 40,000 households, twice this sample: variance x 1/2), 4 SE as in the check."""
    h, p = sample
    h2, p2 = project_population(h, p, year)
    got, se, t = measure(h2, p2), random_group_se(h2, p2, None, GROUPS), year_targets(year)
    widen = np.sqrt(1.0 + len(h["weight"]) / REFERENCE_HOUSEHOLDS)
    for name in SHARES:
        if name in t:
            assert abs(got[name] - t[name]["value"]) <= 4 * se[name] * widen, (name, got[name], se[name])
    base = measure(h, p)  # and the reweighting moved the shares the right way (2030: +4.4 points of 60+)
    assert (got["share_age_60_plus"] - base["share_age_60_plus"]) * (t["share_age_60_plus"]["value"] - 0.220) > 0


def test_identical_in_any_partitioning(sample):
    """A household's factor depends on its own rows and national constants only: projecting the population
    whole or in pieces gives bitwise the same weights."""
    h, p = sample
    whole = project_population(h, p, 2027)[0]["weight"]
    cuts = np.array_split(np.arange(len(h["weight"])), 7)
    pieces = []
    for idx in cuts:
        hs = {k: v[idx] for k, v in h.items()}
        keep = np.isin(p["household_id"], hs["household_id"])
        pieces.append(project_population(hs, {k: v[keep] for k, v in p.items()}, 2027)[0]["weight"])
    assert np.array_equal(np.concatenate(pieces), whole)
    assert not np.array_equal(whole, h["weight"])


def test_run_identical_with_one_or_several_partitions(sample):
    from gongfu.run import ArraySource, simulate

    h, p = sample
    idx = np.arange(1500)
    hs = {k: v[idx] for k, v in h.items()}
    keep = np.isin(p["household_id"], hs["household_id"])
    ps = {k: v[keep] for k, v in p.items()}
    runs = [simulate(ArraySource.split(hs, ps, n), year=2027, workers=1, replicates=0) for n in (1, 4)]
    a, b = _flat(runs[0]), _flat(runs[1])
    assert a.keys() == b.keys() and len(a) > 10  # float partial sums grouped differently: equal to 1e-9
    for path, value in a.items():
        assert b[path] == pytest.approx(value, rel=1e-9, abs=1e-9), path


def _flat(d, path=""):
    out = {}
    if isinstance(d, dict):
        for k, v in d.items():
            if k != "meta":
                out.update(_flat(v, f"{path}.{k}"))
    elif isinstance(d, list):
        for i, v in enumerate(d):
            out.update(_flat(v, f"{path}[{i}]"))
    elif isinstance(d, float):
        out[path] = d
    return out


def test_2024_is_not_reweighted(sample):
    h, p = sample
    h2, p2 = project_population(h, p, 2024)
    assert h2["weight"] is h["weight"] and p2["wage_income"] is p["wage_income"]
    assert raking_constants(2024) is None


def test_2025_is_reweighted_to_its_figures(sample):
    """2025, the default year, is raked to its NBS figures (60+ 23.0%) like every year other than 2024; the
    constants cover the total, urban, 0-15, 60+, 65+ and the size classes."""
    h, p = sample
    assert 2025 not in load_years()["keep_2024_weights"]
    assert project_population(h, p, 2025)[0]["weight"] is not h["weight"]
    assert year_targets(2025)["share_age_60_plus"]["value"] == 0.230
    assert len(raking_constants(2025)[1]) == 5 + len(ageing.SIZE_CLASSES)  # total, urban, 0-15, 60+, 65+, sizes


def test_unknown_year_is_a_clear_error(sample):
    h, p = sample
    for year in (2021, 2031):
        with pytest.raises(ValueError, match=f"no population for {year}.*2022, 2023, 2025"):
            project_population(h, p, year)
        with pytest.raises(ValueError, match=f"no official figures of {year}"):
            year_targets(year)
    with pytest.raises(ValueError, match="no demographic figures of 2019"):
        raking_constants(2019)


def test_targets_years_file_is_checked():
    data = load_years()
    assert data["reweight"][0] == "population_total" and data["2025"]["share_age_60_plus"]["value"] == 0.230
    good = {"base_2024": {"population_total": {"value": 1, "unit": "persons", "from": "x"}}, "reweight": []}
    assert check_years(good) is good
    for bad, fragment in [
        ({**good, "reweight": ["share_age_80_plus"]}, "unknown margins"),
        ({**good, "2026": {"population_total": {"value": 1, "unit": "persons"}}}, "where it comes from"),
        ({**good, "2026": {"population_total": {"value": 1, "unit": "p", "from": "x"},
                           "share_urban": {"value": 70, "unit": "percent", "from": "x"}}}, "lie in"),
        ({**good, "2026": {"share_urban": {"value": 0.7, "unit": "share", "from": "x"}}}, "population_total"),
        ({**good, "2026": {"population_total": {"value": 1, "unit": "p", "from": "x", "status": "guess"}}},
         "status"),
        ({"reweight": []}, "base_2024"),
        ({**good, "keep_2024_weights": [2026]}, "keep_2024_weights"),
    ]:
        with pytest.raises(TargetsYearsError, match=fragment):
            check_years(bad)


def test_weight_factors_are_exp_of_the_design_times_the_raking_constants(sample):
    """A household's factor is exp(x_h . lambda) with x_h its row of `household_design` (the sum taken column
    by column in the order of the raking constants)."""
    from gongfu.population.ageing import household_design, raking_constants, weight_factors

    h, p = sample
    cols, lam = raking_constants(2025)
    x = household_design(h, p, cols)
    z = np.zeros(x.shape[0])
    for i, v in enumerate(lam):
        z += x[:, i] * v
    assert np.array_equal(weight_factors(h, p, 2025), np.exp(z))
