"""Results do not depend on how the population is partitioned, how many workers run it, or on the backend."""

from __future__ import annotations

import math

import pytest

from gongfu.run import ArraySource, compare, simulate

from .conftest import REFORM, canonical


def _leaves(d, path=""):
    if isinstance(d, dict):
        for k, v in d.items():
            if k in ("meta",):
                continue
            yield from _leaves(v, f"{path}.{k}")
    elif isinstance(d, list):
        for i, v in enumerate(d):
            yield from _leaves(v, f"{path}[{i}]")
    else:
        yield path, d


def test_partitionings_agree_within_exactness(population):
    """The same rows in 1, 3 or 7 partitions: every figure agrees to float rounding (far inside the bounds:
    bins and exact sums are identical, only the float64 partial sums inside partitions are grouped differently)."""
    runs = [simulate(ArraySource.split(*population, n), year=2025, workers=1) for n in (1, 3, 7)]
    assert [r["meta"]["partitions"] for r in runs] == [1, 3, 7]
    ref = dict(_leaves(runs[0]))
    compared = 0
    for other in runs[1:]:
        for path, value in _leaves(other):
            expected = ref[path]
            if isinstance(value, float) and isinstance(expected, float):
                assert math.isclose(value, expected, rel_tol=1e-9, abs_tol=1e-9), path
                compared += 1
            else:
                assert value == expected, path
    assert compared > 1000


def test_one_or_two_workers_give_identical_json(source):
    one = compare(reform=REFORM, population=source, workers=1)
    two = compare(reform=REFORM, population=source, workers=2)
    assert one["meta"]["workers"] == 1 and two["meta"]["workers"] == 2
    assert canonical(one) == canonical(two)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_dask_local_cluster_equals_local(source):
    local = simulate(source, workers=1)
    dask = simulate(source, workers=2, dask="local", dask_processes=False)
    assert dask["meta"]["backend"] == "dask"
    assert canonical(local) == canonical(dask)
