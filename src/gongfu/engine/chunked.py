"""Compute variables for a large population in blocks of households (cache-sized, memory reused per block).

Results are identical to one whole-population simulation: every rule is per person or per household, and a
block never splits a household.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from .entities import HOUSEHOLD, PERSON, Members
from .memory import tune_allocator
from .system import TaxBenefitSystem

DEFAULT_BLOCK_HOUSEHOLDS = 65_536


def household_starts(household_ids: np.ndarray, person_household_ids: np.ndarray) -> np.ndarray:
    """Index of each household's first person (persons grouped by household, in household order)."""
    counts = np.diff(np.flatnonzero(np.r_[True, person_household_ids[1:] != person_household_ids[:-1], True]))
    if len(counts) != len(household_ids):
        raise ValueError("persons must be grouped by household, in household order")
    return np.r_[0, np.cumsum(counts)[:-1]]


def compute(system: TaxBenefitSystem, households: Mapping[str, np.ndarray], persons: Mapping[str, np.ndarray],
            year: int, variables: Iterable[str], block: int = DEFAULT_BLOCK_HOUSEHOLDS,
            reform: TaxBenefitSystem | None = None, reform_variables: Iterable[str] = ()
            ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Values of `variables` for the whole population (and `reform_variables` under `reform`), block by block.

    Returns (baseline, reform) dicts of full-length arrays. The reform reuses every baseline value it cannot
    change (Simulation.branch).
    """
    tune_allocator()
    names, rnames = list(variables), list(reform_variables)
    n_hh = len(households["household_id"])
    starts = household_starts(households["household_id"], persons["household_id"])
    n_p = len(persons["household_id"])
    bounds = np.r_[starts, n_p]
    out = {n: np.empty(n_p if system.variables[n].entity is PERSON else n_hh, system.variables[n].np_dtype)
           for n in names}
    rout = {n: np.empty(n_p if reform.variables[n].entity is PERSON else n_hh, reform.variables[n].np_dtype)
            for n in rnames} if reform is not None else {}
    for h0 in range(0, n_hh, block):
        h1 = min(h0 + block, n_hh)
        p0, p1 = int(bounds[h0]), int(bounds[h1])
        hh = {k: v[h0:h1] for k, v in households.items()}
        pp = {k: v[p0:p1] for k, v in persons.items()}
        index = np.repeat(np.arange(h1 - h0), np.diff(bounds[h0:h1 + 1]))
        sim = system.simulation(hh, pp, year, _members=Members(index, h1 - h0))
        _store(sim, names, out, h0, h1, p0, p1)
        if reform is not None:
            _store(sim.branch(reform), rnames, rout, h0, h1, p0, p1)
    return out, rout


def _store(sim: Any, names: list[str], out: dict[str, np.ndarray], h0: int, h1: int, p0: int, p1: int) -> None:
    for name in names:
        entity = sim.system.variables[name].entity
        if entity is HOUSEHOLD:
            out[name][h0:h1] = sim.calc(name)
        else:
            out[name][p0:p1] = sim.calc(name)
