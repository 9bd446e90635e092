from __future__ import annotations

import numpy as np
import pytest

from gongfu.population.io import concat
from gongfu.population.partition import generate_partition, plan_partitions


@pytest.fixture(scope="session")
def sample():
    """An in-memory population of 20,000 households (seed 11) and its engine outputs (law of 2024)."""
    parts = [generate_partition(s) for s in plan_partitions(20_000, 11)]
    h, p = concat([x[0] for x in parts]), concat([x[1] for x in parts])
    return h, p


@pytest.fixture(scope="session")
def engine_out(sample):
    from gongfu.population.check import engine_outputs

    h, p = sample
    return engine_outputs(h, p)


def household_index(h, p):
    return np.searchsorted(h["household_id"], p["household_id"])
