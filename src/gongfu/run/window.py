"""A budget window: baseline against a reform over several years, streamed partition by partition (issue 14).

Each partition is read (or generated) once and evaluated for every year of the window before the next one is
read; a worker keeps one context per year (reducer.KEPT_CONTEXTS). Year Y's state is exactly the state of a
single-year run of Y (the same partitions, the same `reduce_partition`), so a window's year equals `compare
--year Y`. The cost by year is also given in 2025 prices (the CPI of parameters/uprating.yaml: NBS figures, then
the projection assumption), and in total.

A window runs like one year (run/api.py `execute`): on local processes or on Dask (`dask`: a scheduler address
or "local"; the task is the same -- one partition, every year -- and returns the partition's states by year), and
with checkpoints (`checkpoint_dir`): a partition's states of every year are recorded together once all its years
are done (`YearStates`, one file per partition, run/checkpoint.py), so a window started again skips the finished
partitions. The checkpoint's fingerprint covers the years, the reform and everything a single year's covers: a
directory of another window (other years, reform, population ...) or of a single-year run is refused.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .aggregate import AggregateError, RunAggregate
from .api import RunSpec, _spec, fingerprint_details, stream_partitions
from .backends import dask_stream, local_stream, task_for
from .reducer import RunConfig, reduce_partition
from .scorecard import window_scorecard_note, year_scorecard
from .sources import PartitionRef, Source

PRICE_BASE_YEAR = 2025


@dataclass(frozen=True)
class WindowTask:
    """One partition, evaluated for every year's configuration."""

    source: Any
    ref: PartitionRef
    configs: tuple[RunConfig, ...]


class YearStates:
    """The states of a window, one per year, of the same partitions: merged year by year; one checkpoint file
    holds them all (a partition is recorded once every year of it is done)."""

    def __init__(self, states: Sequence[RunAggregate]):
        self.states = tuple(states)
        if not self.states or any(s.partitions != self.states[0].partitions for s in self.states):
            raise AggregateError("a window's states must cover the same partitions in every year")

    @property
    def partitions(self) -> frozenset[int]:
        return frozenset(self.states[0].partitions)

    @property
    def counts(self) -> dict[str, int]:
        """Households and persons of the partitions (the same in every year)."""
        return self.states[0].counts

    @property
    def layout(self) -> dict[str, Any]:
        return self.states[0].layout

    def merge(self, other: YearStates) -> YearStates:
        if len(other.states) != len(self.states):
            raise AggregateError("window states of different numbers of years")
        return YearStates([a.merge(b) for a, b in zip(self.states, other.states, strict=True)])

    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        np.savez(buf, **{f"year{k:03d}": np.frombuffer(s.to_bytes(), dtype=np.uint8)
                         for k, s in enumerate(self.states)})
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> YearStates:
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            names = sorted(z.files)
            if not names or names != [f"year{k:03d}" for k in range(len(names))]:
                raise AggregateError("not a window's states")
            return cls([RunAggregate.from_bytes(z[n].tobytes()) for n in names])


def run_window_task(task: WindowTask) -> list[RunAggregate]:
    """Load one partition once; its state under each year's configuration (runs in the worker)."""
    households, persons = task.source.load(task.ref)
    return [reduce_partition(households, persons, config, task.ref.partition_id, task.ref.label)
            for config in task.configs]


def _window_task(source: Source, ref: PartitionRef, configs: tuple[RunConfig, ...]) -> WindowTask:
    one = task_for(source, ref, configs[0])
    return WindowTask(one.source, one.ref, configs)


def run_window_local(source: Source, refs: Sequence[PartitionRef], configs: tuple[RunConfig, ...], workers: int
                     ) -> Iterator[list[RunAggregate]]:
    """The same per-partition task on this machine (backends.local_stream, as a single-year run)."""
    return local_stream(source, lambda ref: _window_task(source, ref, configs), run_window_task, refs, workers)


def price_index(year: int, base: int = PRICE_BASE_YEAR) -> float:
    """CPI level of `year` relative to `base` (uprating.cpi: NBS growth, then the projection assumption)."""
    from gongfu.engine import load_system
    from gongfu.engine.uprating import growth

    tree = load_system().parameters
    level = 1.0
    for t in range(min(year, base) + 1, max(year, base) + 1):
        g = growth(tree, "cpi", t)
        if g is None:
            raise ValueError(f"no CPI growth for {t} (parameters/uprating.yaml)")
        level *= 1.0 + g
    return level if year >= base else 1.0 / level


def run_window_dask(source: Source, refs: Sequence[PartitionRef], configs: tuple[RunConfig, ...], address: str,
                    workers: int, processes: bool = True) -> Iterator[list[RunAggregate]]:
    """The same per-partition task on a Dask cluster (backends.dask_stream: `address` or "local")."""
    return dask_stream(lambda ref: _window_task(source, ref, configs), run_window_task, refs, address, workers,
                       processes)


def window_fingerprint(specs: Sequence[RunSpec]) -> tuple[str, dict[str, Any]]:
    """The fingerprint of a window's checkpoints and what it is made of: every year's single-run details (law
    and engine, run code, reform, population, analysis) and the years, in order."""
    by_year = [fingerprint_details(s) for s in specs]
    details: dict[str, Any] = {"window": [d["year"] for d in by_year]}
    for key in by_year[0]:
        if key == "year":
            continue
        values = [d[key] for d in by_year]
        details[key] = values[0] if all(v == values[0] for v in values) else values
    return hashlib.sha256(repr(sorted(details.items())).encode()).hexdigest(), details


def execute_window(specs: Sequence[RunSpec]) -> tuple[list[RunAggregate], dict[str, Any]]:
    """Every partition not already checkpointed, for every year (as `run.api.execute` for one year, through the
    same `stream_partitions`): the merged state of each year and the run information."""
    first = specs[0]
    configs = tuple(s.config for s in specs)
    fingerprint, details = window_fingerprint(specs)

    def stream(todo: list[PartitionRef]) -> Iterator[list[RunAggregate]]:
        if first.dask:
            return run_window_dask(first.source, todo, configs, first.dask, first.workers, first.dask_processes)
        return run_window_local(first.source, todo, configs, first.workers)

    state, info = stream_partitions(first, fingerprint, details, YearStates, stream, wrap=YearStates)
    return list(state.states), info


def compare_window(reform: Any, years: Sequence[int], population: Any = None, households: int | None = None,
                   seed: int = 0, workers: int | None = None, dask: str | None = None,
                   checkpoint_dir: Any = None, on_progress: Callable[[int, int], None] | None = None,
                   **options: Any) -> dict[int, dict[str, Any]]:
    """{year: compare dict} for the law in force against `reform`, every year of `years`, in one pass over the
    population (see the module docstring). `dask`: a scheduler address or "local"; `checkpoint_dir`: record
    finished partitions (all their years) there and resume from them; options as `run.simulate_with_reform`
    (`fail_after`: testing, raise after recording this many new partitions)."""
    years = list(years)
    if not years:
        raise ValueError("a window needs at least one year")
    specs = [_spec(population, households, seed, y, reform, workers, dask, checkpoint_dir, on_progress,
                   **dict(options)) for y in years]
    states, run_info = execute_window(specs)
    out: dict[int, dict[str, Any]] = {}
    for year, spec, state in zip(years, specs, states, strict=True):
        info = dict(run_info, details=fingerprint_details(spec))
        out[year] = _comparison(spec, state, info)
    return out


def _comparison(spec: Any, state: RunAggregate, info: dict[str, Any]) -> dict[str, Any]:
    """As `run.api.simulate_with_reform` after its pass: baseline and reform summaries, the compare dict."""
    from .api import comparison

    return comparison(spec, state, info)


def window_summary(by_year: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """The costing of a window: by year (nominal and in 2025 prices, Gini, recipients and poverty changes, with
    95% intervals where the run has replicates) and the totals."""
    rows = []
    total = total_real = 0.0
    var_total = var_real = 0.0
    for year, cmp in sorted(by_year.items()):
        p = price_index(year)
        unc = cmp.get("uncertainty") or {}
        se = (unc.get("net_cost") or {}).get("se")
        change = cmp.get("change") or {}
        reform_progs = (cmp.get("reform") or {}).get("programmes") or {}
        progs = {k: dict(v, recipients_reform=(reform_progs.get(k) or {}).get("recipients"))
                 for k, v in (change.get("programmes") or {}).items() if v.get("total") or v.get("recipients")}
        row = {"year": year, "net_cost": cmp["net_cost"], "net_cost_2025_prices": cmp["net_cost"] / p,
               "price_index_2025": p, "net_cost_ci95": (unc.get("net_cost") or {}).get("ci95"),
               "gini": {"baseline": cmp["baseline"]["gini"], "reform": cmp["reform"]["gini"],
                        "change": change.get("gini"), "change_ci95": (unc.get("change.gini") or {}).get("ci95")},
               "programmes": progs,
               "poverty": {k: {"label": cmp["baseline"]["poverty"][k].get("label"),
                               "baseline": cmp["baseline"]["poverty"][k]["headcount"],
                               "change": (v or {}).get("headcount"),
                               "change_ci95": (unc.get(f"change.poverty.{k}.headcount") or {}).get("ci95")}
                           for k, v in ((k, (change.get("poverty") or {}).get(k)) for k in cmp["baseline"]["poverty"])
                           if k in (change.get("poverty") or {})},
               "law": cmp.get("law"), "scorecard": year_scorecard(cmp, year)}
        rows.append(row)
        total += cmp["net_cost"]
        total_real += cmp["net_cost"] / p
        if se is not None:  # years are NOT independent (same sample): the SE of the sum is at most the sum of SEs
            var_total += se
            var_real += se / p
    return {"years": [r["year"] for r in rows], "by_year": rows,
            "scorecard_note": window_scorecard_note([r["year"] for r in rows]),
            "total": {"net_cost": total, "net_cost_2025_prices": total_real,
                      "net_cost_se_bound": var_total or None, "net_cost_2025_prices_se_bound": var_real or None,
                      "note": "se_bound: the sum of the yearly standard errors (an upper bound: the years share "
                              "one sample, so their errors are correlated)"}}


def simulate_windows_separately(reform: Any, years: Sequence[int], **kwargs: Any) -> dict[int, dict[str, Any]]:
    """The same comparisons as separate single-year runs (for tests and the bench)."""
    from .api import simulate_with_reform

    return {y: simulate_with_reform(reform, year=y, **kwargs) for y in years}
