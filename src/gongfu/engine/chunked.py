"""Compute variables for a large population in blocks of households (cache-sized, memory reused per block).

Results are identical to one whole-population simulation: every rule is per person or per household, and a
block never splits a household.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

import numpy as np

from .entities import HOUSEHOLD, PERSON, Members
from .memory import tune_allocator
from .simulation import Simulation
from .system import TaxBenefitSystem

DEFAULT_BLOCK_HOUSEHOLDS = 65_536


def household_starts(household_ids: np.ndarray, person_household_ids: np.ndarray) -> np.ndarray:
    """Index of each household's first person (persons grouped by household, in household order)."""
    counts = np.diff(np.flatnonzero(np.r_[True, person_household_ids[1:] != person_household_ids[:-1], True]))
    if len(counts) != len(household_ids):
        raise ValueError("persons must be grouped by household, in household order")
    return np.r_[0, np.cumsum(counts)[:-1]]


def blocks(system: TaxBenefitSystem, households: Mapping[str, np.ndarray], persons: Mapping[str, np.ndarray],
           year: int, block: int = DEFAULT_BLOCK_HOUSEHOLDS, starts: np.ndarray | None = None
           ) -> Iterator[tuple[Simulation, slice, slice]]:
    """One simulation per block of at most `block` households, with the household and person rows it covers.

    `starts` (first person of each household) is computed when not given."""
    tune_allocator()
    n_hh = len(households["household_id"])
    n_p = len(persons["household_id"])
    if starts is None:
        starts = household_starts(households["household_id"], persons["household_id"])
    bounds = np.r_[starts, n_p]
    for h0 in range(0, n_hh, max(1, int(block))):
        h1 = min(h0 + block, n_hh)
        p0, p1 = int(bounds[h0]), int(bounds[h1])
        hh = {k: v[h0:h1] for k, v in households.items()}
        pp = {k: v[p0:p1] for k, v in persons.items()}
        counts = np.diff(bounds[h0:h1 + 1])
        index = np.repeat(np.arange(h1 - h0), counts)
        members = Members(index, h1 - h0, counts=counts)
        yield system.simulation(hh, pp, year, _members=members), slice(h0, h1), slice(p0, p1)


def compute(system: TaxBenefitSystem, households: Mapping[str, np.ndarray], persons: Mapping[str, np.ndarray],
            year: int, variables: Iterable[str], block: int = DEFAULT_BLOCK_HOUSEHOLDS,
            reform: TaxBenefitSystem | None = None, reform_variables: Iterable[str] = ()
            ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Values of `variables` for the whole population (and `reform_variables` under `reform`), block by block.

    Returns (baseline, reform) dicts of full-length arrays. The reform reuses every baseline value it cannot
    change (Simulation.branch).
    """
    names, rnames = list(variables), list(reform_variables)
    n_hh, n_p = len(households["household_id"]), len(persons["household_id"])

    def empty(sys: TaxBenefitSystem, name: str) -> np.ndarray:
        var = sys.variables[name]
        return np.empty(n_p if var.entity is PERSON else n_hh, var.np_dtype)

    out = {n: empty(system, n) for n in names}
    rout = {n: empty(reform, n) for n in rnames} if reform is not None else {}
    for sim, hh_rows, p_rows in blocks(system, households, persons, year, block):
        _store(sim, names, out, hh_rows, p_rows)
        if reform is not None:
            _store(sim.branch(reform), rnames, rout, hh_rows, p_rows)
    return out, rout


def _store(sim: Simulation, names: list[str], out: dict[str, np.ndarray], hh_rows: slice, p_rows: slice) -> None:
    for name in names:
        rows = hh_rows if sim.system.variables[name].entity is HOUSEHOLD else p_rows
        out[name][rows] = sim.calc(name)
