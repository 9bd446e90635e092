"""Hooks into gongfu modules other helpers write: the synthetic population generator (gongfu.population).

`partitions(n_households, seed)` yields (households, persons) column mappings, persons grouped by household,
from the first of these that exists:
1. `gongfu.population.partition.plan_partitions(n_households, seed)` + `generate_partition(spec)` (streaming);
2. `gongfu.population.generate(n_households, seed=...)` / `generate_population` / `synthesize` (one piece),
   returning an object with `.households` and `.persons`, a `(households, persons)` tuple or such a mapping.
A worker that finds neither prints a `SKIP {"reason": ...}` line and exits 0; bench.run reports the skip.
"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Callable, Iterator, Mapping
from typing import Any

WHOLE = ("generate", "generate_population", "synthesize")

Tables = tuple[Mapping[str, Any], Mapping[str, Any]]


def skip(reason: str) -> None:
    sys.stdout.write("SKIP " + json.dumps({"reason": reason}) + "\n")
    sys.stdout.flush()
    raise SystemExit(0)


def population_source() -> tuple[str, Callable[[int, int], Iterator[Tables]]]:
    """(description, partitions(n_households, seed) -> iterator of (households, persons))."""
    try:
        part = importlib.import_module("gongfu.population.partition")
    except ImportError:
        part = None
    if part is not None and hasattr(part, "plan_partitions") and hasattr(part, "generate_partition"):
        def partitions(n_households: int, seed: int) -> Iterator[Tables]:
            for spec in part.plan_partitions(n_households, seed):
                yield tables(part.generate_partition(spec))

        return "gongfu.population.partition (plan_partitions + generate_partition, streamed)", partitions
    try:
        module = importlib.import_module("gongfu.population")
    except ImportError as exc:
        skip(f"gongfu.population cannot be imported yet ({exc}); this benchmark needs its generator")
        raise AssertionError from exc  # unreachable
    for name in WHOLE:
        fn = getattr(module, name, None)
        if callable(fn):
            def whole(n_households: int, seed: int, fn: Callable[..., Any] = fn) -> Iterator[Tables]:
                try:
                    result = fn(n_households, seed=seed)
                except TypeError:
                    result = fn(n_households=n_households, seed=seed)
                yield tables(result)

            return f"gongfu.population.{name}", whole
    skip("gongfu.population has neither partition.plan_partitions/generate_partition nor one of "
         f"{', '.join(WHOLE)}(n_households, seed): see bench/workers/hooks.py")
    raise AssertionError  # unreachable


def tables(population: Any) -> Tables:
    """(households, persons) column mappings from whatever the generator returned."""
    if isinstance(population, tuple) and len(population) == 2:
        return _columns(population[0]), _columns(population[1])
    if isinstance(population, Mapping) and "households" in population and "persons" in population:
        return _columns(population["households"]), _columns(population["persons"])
    if hasattr(population, "households") and hasattr(population, "persons"):
        return _columns(population.households), _columns(population.persons)
    skip(f"gongfu.population returned a {type(population).__name__}; expected households and persons tables")
    raise AssertionError  # unreachable


def _columns(table: Any) -> Mapping[str, Any]:
    """A mapping of numpy arrays from a mapping, a pandas DataFrame or a pyarrow Table."""
    if isinstance(table, Mapping):
        return table
    if hasattr(table, "column_names") and hasattr(table, "column"):  # pyarrow
        return {name: table.column(name).to_numpy() for name in table.column_names}
    if hasattr(table, "columns") and hasattr(table, "to_numpy"):  # pandas
        return {name: table[name].to_numpy() for name in table.columns}
    return table


def rows(table: Mapping[str, Any]) -> int:
    return len(next(iter(table.values())))
