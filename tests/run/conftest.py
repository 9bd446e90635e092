"""Small populations shared by the run tests (generated once per session)."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from gongfu.run import VOLATILE_META, ArraySource


def _concat(tables: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {k: np.concatenate([t[k] for t in tables]) for k in tables[0]}


@pytest.fixture(scope="session")
def population() -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """About 2,400 households (6,000 persons) from 6 provinces of the generator, as one table."""
    from gongfu.population.partition import generate_partition, plan_partitions

    specs = plan_partitions(20_000, seed=11)
    chosen = [s for s in specs if s.province in (11, 33, 44, 51, 52, 65)]
    parts = [generate_partition(s) for s in chosen]
    households = _concat([h for h, _ in parts])
    persons = _concat([p for _, p in parts])
    # a few negative incomes (business losses) so the domain rules of Theil and the mirrored bins are exercised
    persons["self_employment_income"] = persons["self_employment_income"].copy()
    persons["self_employment_income"][::997] = -15_000.0
    return households, persons


def at_year(population: tuple[dict[str, np.ndarray], dict[str, np.ndarray]], year: int = 2025
            ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The population as a run of `year` sees it (`population.ageing.project_population`: weights raked to that
    year's demography, money moved by the indices): what reference computations must start from."""
    from gongfu.population.ageing import project_population

    return project_population(*population, year)


@pytest.fixture(scope="session")
def source(population) -> ArraySource:
    return ArraySource.split(*population, 4)


REFORM = "dibao_plus_20pct"


def canonical(results: dict[str, Any]) -> str:
    """JSON of a results or compare dict without the fields that legitimately differ between runs."""

    def strip(d: Any) -> Any:
        if isinstance(d, dict):
            out = {}
            for k, v in d.items():
                if k == "meta" and isinstance(v, dict):
                    v = {mk: mv for mk, mv in v.items() if mk not in VOLATILE_META}
                out[k] = strip(v)
            return out
        if isinstance(d, list):
            return [strip(x) for x in d]
        return d

    return json.dumps(strip(results), sort_keys=True, allow_nan=False)
