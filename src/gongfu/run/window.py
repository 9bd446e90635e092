"""A budget window: baseline against a reform over several years, streamed partition by partition (issue 14).

Each partition is read (or generated) once and evaluated for every year of the window before the next one is
read; a worker keeps one context per year (reducer.KEPT_CONTEXTS). Year Y's state is exactly the state of a
single-year run of Y (the same partitions, the same `reduce_partition`), so a window's year equals `compare
--year Y`. The cost by year is also given in 2025 prices (the CPI of parameters/uprating.yaml: NBS figures, then
the projection assumption), and in total. Local processes only (no Dask, no checkpoints).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from .aggregate import RunAggregate
from .api import _spec
from .backends import _bounded, default_workers, process_pool, task_for
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
    if workers <= 1:
        for ref in refs:
            yield run_window_task(_window_task(source, ref, configs))
        return
    with process_pool(workers) as pool:
        yield from _bounded(lambda ref: pool.submit(run_window_task, _window_task(source, ref, configs)), refs,
                            2 * workers)


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


def compare_window(reform: Any, years: Sequence[int], population: Any = None, households: int | None = None,
                   seed: int = 0, workers: int | None = None,
                   on_progress: Callable[[int, int], None] | None = None, **options: Any) -> dict[str, Any]:
    """{year: compare dict} for the law in force against `reform`, every year of `years`, in one pass over the
    population (see the module docstring)."""
    years = list(years)
    specs = [_spec(population, households, seed, y, reform, workers, None, None, None, **dict(options))
             for y in years]
    source = specs[0].source
    refs = source.refs()
    configs = tuple(s.config for s in specs)
    n_workers = int(workers or default_workers())
    states: list[RunAggregate | None] = [None] * len(years)
    t0 = time.perf_counter()
    if on_progress is not None:
        on_progress(0, len(refs))
    stream = run_window_local(source, refs, configs, n_workers)
    persons = 0
    with contextlib.closing(stream):
        for done, parts in enumerate(stream, start=1):
            for k, part in enumerate(parts):
                states[k] = part if states[k] is None else states[k].merge(part)
            persons += parts[0].counts["persons"]
            if on_progress is not None:
                on_progress(done, len(refs))
    elapsed = time.perf_counter() - t0
    out: dict[int, dict[str, Any]] = {}
    for year, spec, state in zip(years, specs, states, strict=True):
        if state is None:
            raise ValueError("the population has no partitions")
        info = {"fingerprint": None, "resumed_partitions": 0, "computed_partitions": len(state.partitions),
                "ignored_checkpoints": [], "seconds": elapsed, "persons_per_s": None, "peak_rss_mb": None,
                "peak_worker_rss_mb": None, "details": {"population": source.fingerprint()}}
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
