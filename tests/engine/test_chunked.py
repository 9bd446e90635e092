"""Block-wise evaluation gives exactly the whole-population values, whatever the block size."""

from __future__ import annotations

import numpy as np
import pytest

import gongfu.rules.demographics
import gongfu.rules.primary.incomes
from gongfu.engine import build_system
from gongfu.engine.chunked import compute, household_starts


@pytest.fixture(scope="module")
def population():
    rng = np.random.default_rng(7)
    nh = 3000
    size = rng.integers(1, 6, nh)
    hh = {"household_id": np.arange(nh) * 3, "province": rng.choice([11, 33, 52], nh).astype(np.int8)}
    pp = {"household_id": np.repeat(hh["household_id"], size), "age": rng.integers(0, 90, size.sum()).astype(np.int16),
          "wage_income": rng.choice([0.0, 50000.0], size.sum())}
    return hh, pp


@pytest.mark.parametrize("block", [1, 7, 1000, 10_000])
def test_blocks_equal_whole(population, block):
    hh, pp = population
    system = build_system([], [gongfu.rules.demographics, gongfu.rules.primary.incomes])
    names = ["role", "household_size", "pension_scheme", "employment_status"]
    got, _ = compute(system, hh, pp, 2025, names, block=block)
    whole = system.simulation(hh, pp, 2025)
    for name in names:
        np.testing.assert_array_equal(got[name], whole.calc(name))


def test_household_starts_requires_grouping():
    assert household_starts(np.array([5, 6]), np.array([5, 5, 6])).tolist() == [0, 2]
    with pytest.raises(ValueError, match="grouped"):
        household_starts(np.array([5, 6]), np.array([5, 6, 5]))
