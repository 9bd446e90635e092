"""The national run: stream partitions through the engine (baseline and reform in one pass), merge their exact
aggregates, checkpoint, and summarise (docs/ARCHITECTURE.md, "Run results")."""

from __future__ import annotations

import datetime as dt
import hashlib
import pickle
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from gongfu.analysis.compare import compare_results, compare_state
from gongfu.analysis.summary import summarize

from .aggregate import RunAggregate
from .backends import default_workers, run_dask, run_local
from .checkpoint import CheckpointStore
from .lines import absolute_lines, poverty_lines
from .reducer import RunConfig
from .sources import DEFAULT_HOUSEHOLDS, Source, code_fingerprint, resolve_source


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("gongfu")
    except Exception:  # pragma: no cover
        return "0+unknown"


@dataclass
class ReformInfo:
    reform: Any  # Reform | TaxBenefitSystem
    name: str
    file: str | None
    sha256: str
    calibration: dict[str, Any] | None = None  # budget targeting: the threshold found by the first pass

    def to_dict(self) -> dict[str, Any]:
        out = {"name": self.name, "file": self.file, "sha256": self.sha256}
        if self.calibration:
            out["targeting"] = self.calibration
        return out


def resolve_reform(reform: Any) -> ReformInfo | None:
    """A reform given as a `Reform` (resolved once by the face: `gongfu.workflow.resolve`), a file path or a
    scenario key (resolved here by the same resolver, `gongfu.reforms.resolve_reform`: a bare name is a scenario
    key, never a file of the working directory), or a `TaxBenefitSystem`."""
    if reform is None:
        return None
    from gongfu.engine import TaxBenefitSystem

    if isinstance(reform, str | Path):
        from gongfu.reforms import resolve_reform as resolve_spec

        reform = resolve_spec(reform)
        if reform is None:  # "baseline"
            return None
    if isinstance(reform, TaxBenefitSystem):
        return ReformInfo(reform, reform.name, None, _pickle_digest(reform))
    if hasattr(reform, "apply"):
        label = reform.label() if hasattr(reform, "label") else str(getattr(reform, "name", "reform"))
        file = getattr(reform, "file", None)
        # the digest of the reform's source (file bytes: as before for files and scenarios), else of the object
        return ReformInfo(reform, label, file, getattr(reform, "sha256", None) or _pickle_digest(reform))
    raise TypeError(f"reform must be a path, a scenario key, a Reform or a TaxBenefitSystem, not {type(reform)}")


def _pickle_digest(obj: Any) -> str:
    try:
        return hashlib.sha256(pickle.dumps(obj)).hexdigest()
    except Exception:  # unpicklable (lambdas): identify by repr only
        return hashlib.sha256(repr(obj).encode()).hexdigest()


# -------------------------------------------------------------------------------------------- progress --


class _Progress:
    """A rich progress bar over households, with persons per second and ETA (stderr)."""

    def __init__(self, enabled: bool, total_households: int, description: str):
        self.bar = None
        if not enabled:
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("households · {task.fields[rate]}"), TimeElapsedColumn(),
                            TextColumn("ETA"), TimeRemainingColumn(),
                            console=Console(file=sys.stderr), transient=False)
        self.task = self.bar.add_task(description, total=total_households, rate="")
        self.bar.start()

    def advance(self, households: int, persons: int, elapsed: float, persons_done: int) -> None:
        if self.bar is not None:
            r = persons_done / elapsed if elapsed > 0 else 0.0
            rate = (f"{r / 1e6:.2f} M persons/s" if r >= 1e6 else f"{r / 1e3:.0f} k persons/s") if r else ""
            self.bar.update(self.task, advance=households, rate=rate)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


class ProcessTreeMemory:
    """Peak resident memory of this process plus its children (sampled at every finished partition)."""

    def __init__(self) -> None:
        self.peak_total = 0.0
        self.peak_worker = 0.0
        self.every = 0.25
        self._last = -float("inf")
        try:
            import psutil

            self.proc = psutil.Process()
        except Exception:  # pragma: no cover
            self.proc = None

    def sample(self, force: bool = False) -> None:
        """Sample now if `force` or at least `every` seconds after the last sample (reading every process of the
        machine for the children costs ~1 ms: small partitions finish faster than that matters)."""
        if self.proc is None:
            return
        now = time.monotonic()
        if not force and now - self._last < self.every:
            return
        self._last = now
        try:
            total = self.proc.memory_info().rss
            for child in self.proc.children(recursive=True):
                try:
                    rss = child.memory_info().rss
                except Exception:
                    continue
                total += rss
                self.peak_worker = max(self.peak_worker, rss / 2**20)
            self.peak_total = max(self.peak_total, total / 2**20)
        except Exception:  # pragma: no cover
            pass


# ------------------------------------------------------------------------------------------------ runs --


@dataclass
class RunSpec:
    source: Source
    config: RunConfig
    reform: ReformInfo | None
    workers: int
    dask: str | None
    dask_processes: bool = True
    checkpoint_dir: str | Path | None = None
    checkpoint_every: float = 30.0
    progress: bool = True
    fail_after: int | None = None  # testing: raise after recording this many new partitions
    extra: dict[str, Any] = field(default_factory=dict)


def fingerprint_details(spec: RunSpec) -> dict[str, Any]:
    return {"gongfu_version": _version(), "year": spec.config.year,
            "law_and_engine": code_fingerprint("rules", "parameters", "engine"),
            "run_code": code_fingerprint("run") + hashlib.sha256(
                (Path(__file__).resolve().parent.parent / "analysis" / "aggregates.py").read_bytes()).hexdigest(),
            "reform": spec.reform.sha256 if spec.reform else None,
            "population": spec.source.fingerprint(),
            "analysis": spec.config.description()}


class InjectedFailure(RuntimeError):
    """Raised by the test hook `fail_after` (simulates a crash after some partitions are recorded)."""


def execute(spec: RunSpec) -> tuple[RunAggregate, dict[str, Any]]:
    """Run every partition not already checkpointed; return the merged state and run information."""
    refs = spec.source.refs()
    details = fingerprint_details(spec)
    fingerprint = hashlib.sha256(repr(sorted(details.items())).encode()).hexdigest()
    store = CheckpointStore(spec.checkpoint_dir, fingerprint, details) if spec.checkpoint_dir else None
    state = store.load() if store is not None else None
    resumed = sorted(state.partitions) if state is not None else []
    known = {r.partition_id for r in refs}
    if state is not None and not state.partitions <= known:
        raise ValueError("checkpointed partitions are not in this run's plan")
    todo = [r for r in refs if state is None or r.partition_id not in state.partitions]
    total_hh = sum(r.households for r in refs)
    done_hh = sum(r.households for r in refs if state is not None and r.partition_id in state.partitions)
    progress = _Progress(spec.progress, total_hh, "gongfu run")
    if done_hh:
        progress.advance(done_hh, 0, 0.0, 0)
    memory = ProcessTreeMemory()
    t0 = time.perf_counter()
    persons_done = 0
    new = 0
    last_fold = time.monotonic()
    if spec.dask:
        stream: Iterator[RunAggregate] = run_dask(spec.source, todo, spec.config, spec.dask, spec.workers,
                                                  spec.dask_processes)
    else:
        stream = run_local(spec.source, todo, spec.config, spec.workers)
    by_id = {r.partition_id: r for r in refs}
    try:
        for part in stream:
            if store is not None:
                store.record(part)
            state = part if state is None else state.merge(part)
            new += 1
            persons_done += part.counts["persons"]
            (pid,) = part.partitions
            memory.sample()
            progress.advance(by_id[pid].households, part.counts["persons"], time.perf_counter() - t0,
                             persons_done)
            if spec.fail_after is not None and new >= spec.fail_after:
                raise InjectedFailure(f"injected failure after {new} partitions")
            if store is not None and time.monotonic() - last_fold > spec.checkpoint_every:
                store.consolidate(state)
                last_fold = time.monotonic()
    finally:
        progress.close()
    if state is None:
        raise ValueError("the population has no partitions")
    if store is not None and new:
        store.consolidate(state)
    elapsed = time.perf_counter() - t0
    memory.sample(force=True)
    info = {"fingerprint": fingerprint, "resumed_partitions": len(resumed), "computed_partitions": new,
            "ignored_checkpoints": list(store.ignored) if store is not None else [],
            "seconds": elapsed, "persons_computed": persons_done,
            "persons_per_s": persons_done / elapsed if elapsed > 0 and persons_done else None,
            "peak_rss_mb": memory.peak_total, "peak_worker_rss_mb": memory.peak_worker,
            "details": details}
    return state, info


def _meta(spec: RunSpec, state: RunAggregate, info: dict[str, Any], system: str) -> dict[str, Any]:
    pop = dict(spec.source.describe())
    pop.update({"fingerprint": info["details"]["population"], "households_sampled": state.counts["households"],
                "persons_sampled": state.counts["persons"]})
    return {
        "gongfu_version": _version(),
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "year": spec.config.year,
        "system": "baseline" if system == "b" else spec.reform.name,
        "reform": spec.reform.to_dict() if (spec.reform and system == "r") else None,
        "population": pop,
        "partitions": len(state.partitions),
        "workers": spec.workers,
        "backend": "dask" if spec.dask else "local",
        "run": {"fingerprint": info["fingerprint"], "resumed_partitions": info["resumed_partitions"],
                "computed_partitions": info["computed_partitions"],
                "ignored_checkpoints": info["ignored_checkpoints"]},
        "timing": {"seconds": info["seconds"], "persons_per_s": info["persons_per_s"],
                   "peak_rss_mb": info["peak_rss_mb"], "peak_worker_rss_mb": info["peak_worker_rss_mb"]},
        "recomputed_by_reform": state.layout.get("changed") if system == "r" else None,
    }


#: meta fields that legitimately differ between runs of the same population (time, backend, workers, resume)
VOLATILE_META = ("created", "workers", "backend", "run", "timing")


def _spec(population: Any, households: int | None, seed: int, year: int, reform: Any, workers: int | None,
          dask: str | None, checkpoint_dir: Any, progress: bool, **options: Any) -> RunSpec:
    source = resolve_source(population, households, seed, options.pop("max_households", None))
    info = resolve_reform(reform)
    fine = options.pop("fine", None)
    group = options.pop("group", None)
    system = options.pop("system", None)
    config = RunConfig(year=int(year), reform=info.reform if info else None,
                       reform_digest=info.sha256 if info else None, lines=absolute_lines(int(year)),
                       block=int(options.pop("block", 65_536)), system=system,
                       system_digest=_pickle_digest(system) if system is not None else None)
    if fine:
        config = replace(config, fine=tuple(dict(fine).items()))
    if group:
        config = replace(config, group=tuple(dict(group).items()))
    if getattr(info.reform if info else None, "targeting", None):
        info = _calibrate_targeting(info, source, config, workers, dask, options)
        config = replace(config, reform=info.reform, reform_digest=info.sha256)
    return RunSpec(source=source, config=config, reform=info, workers=int(workers or default_workers()),
                   dask=dask, dask_processes=bool(options.pop("dask_processes", True)),
                   checkpoint_dir=checkpoint_dir, checkpoint_every=float(options.pop("checkpoint_every", 30.0)),
                   progress=progress, fail_after=options.pop("fail_after", None), extra=_no_more(options))


def _no_more(options: dict[str, Any]) -> dict[str, Any]:
    if options:
        raise TypeError(f"unknown option(s): {', '.join(sorted(options))}")
    return {}


def _calibrate_targeting(info: ReformInfo, source: Source, config: RunConfig, workers: int | None,
                         dask: str | None, options: dict[str, Any]) -> ReformInfo:
    """Targeted philanthropy with a budget: a first pass finds the income threshold (see run/targeting.py)."""
    from gongfu.reforms.targeting import THRESHOLD

    from .targeting import calibrate_on_source

    reform = calibrate_on_source(info.reform, source, config, workers or default_workers(), dask,
                                 bool(options.get("dask_processes", True)))
    calibration = {"budget": float(info.reform.targeting["budget"]),
                   "income_threshold": float(reform.parameter_changes[THRESHOLD]),
                   "method": "first pass over the population: threshold from the sketch of per-capita disposable "
                             "income under the reform (run/targeting.py); the cost is then measured exactly"}
    return ReformInfo(reform, info.name, info.file, _pickle_digest((info.sha256, reform.parameter_changes)),
                      calibration)


def simulate(population: str | Path | Source | None = None, households: int | None = None, seed: int = 0,
             year: int = 2025, reform: Any = None, workers: int | None = None, dask: str | None = None,
             checkpoint_dir: str | Path | None = None, progress: bool = True, **options: Any) -> dict[str, Any]:
    """Run the whole population and return the run-results dict (docs/ARCHITECTURE.md).

    `population`: None (generate `households` households from `seed`, partition by partition, nothing written),
    a directory built by `gongfu population build`, or a `Source`. `reform`: None, a reform file, a scenario key,
    a `Reform` or a `TaxBenefitSystem` -- the results are then those of the reformed system (computed in the same
    pass as the baseline; use `compare` to get both). `workers`: processes (default: the cores); `dask`: a
    scheduler address or "local"; `checkpoint_dir`: record finished partitions there and resume from them.
    Options: `max_households` (per partition), `block` (households per engine block), `dask_processes`,
    `checkpoint_every` (seconds between folds of the checkpoints), `fine`/`group` (sketch resolutions).
    """
    spec = _spec(population, households, seed, year, reform, workers, dask, checkpoint_dir, progress, **options)
    state, info = execute(spec)
    system = "r" if spec.reform is not None else "b"
    return summarize(state, system, poverty_lines(spec.config.year), _meta(spec, state, info, system))


def simulate_with_reform(reform: Any, population: str | Path | Source | None = None, households: int | None = None,
                         seed: int = 0, year: int = 2025, workers: int | None = None, dask: str | None = None,
                         checkpoint_dir: str | Path | None = None, progress: bool = True,
                         **options: Any) -> dict[str, Any]:
    """Baseline and reform in one pass (the reform recomputes only what it can change): the compare dict."""
    if reform is None:
        raise ValueError("simulate_with_reform needs a reform")
    spec = _spec(population, households, seed, year, reform, workers, dask, checkpoint_dir, progress, **options)
    state, info = execute(spec)
    lines = poverty_lines(spec.config.year)
    base = baseline_summary(state, lines, _meta(spec, state, info, "b"))
    ref = summarize(state, "r", lines, _meta(spec, state, info, "r"))
    return compare_state(state, base, ref)


# The summary of the last baseline, by digest of everything it is computed from: an analyst's session (the API
# server, a notebook) runs reform after reform against the same baseline, whose statistics need not be rebuilt.
_BASELINE_CACHE: dict[str, dict[str, Any]] = {}
_BASELINE_LOCK = threading.Lock()


def baseline_summary(state: RunAggregate, lines: list[Any], meta: dict[str, Any]) -> dict[str, Any]:
    """`summarize(state, "b", lines, meta)`, computed on the baseline's part of the state only
    (`RunAggregate.baseline_view`) and reused when that part and the lines are byte-identical to the last one's
    (the results dict is copied, so callers may change it; `meta` is always the given one)."""
    view = state.baseline_view()
    key = hashlib.sha256((view.digest() + repr(lines)).encode()).hexdigest()
    with _BASELINE_LOCK:
        hit = _BASELINE_CACHE.get(key)
    if hit is not None:
        out = _copy_tree(hit)
        out["meta"] = dict(meta, exactness=out["meta"]["exactness"])
        return out
    result = summarize(view, "b", lines, meta)
    kept = _copy_tree(result)
    kept["meta"] = {"exactness": kept["meta"]["exactness"]}
    with _BASELINE_LOCK:
        _BASELINE_CACHE.clear()
        _BASELINE_CACHE[key] = kept
    return result


def _copy_tree(x: Any) -> Any:
    """Copy of the dicts, lists and tuples of a results dict (the leaves -- numbers, strings, None -- are
    immutable and shared)."""
    if isinstance(x, dict):
        return {k: _copy_tree(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_copy_tree(v) for v in x]
    if isinstance(x, tuple):
        return tuple(_copy_tree(v) for v in x)
    return x


def compare(baseline: Any = None, reform: Any = None, **kwargs: Any) -> dict[str, Any]:
    """`compare(baseline_results, reform_results)` compares two results dicts; `compare(reform=..., population=...,
    ...)` (or `compare(None, reform, ...)`) runs baseline and reform in one pass (`simulate_with_reform`)."""
    if isinstance(baseline, dict) and isinstance(reform, dict):
        return compare_results(baseline, reform)
    if baseline is not None and not isinstance(baseline, dict):
        kwargs.setdefault("population", baseline)
    return simulate_with_reform(reform, **kwargs)


def run_state(population: Any = None, households: int | None = None, seed: int = 0, year: int = 2025,
              reform: Any = None, workers: int | None = 1, dask: str | None = None,
              checkpoint_dir: Any = None, progress: bool = False, **options: Any
              ) -> tuple[RunAggregate, dict[str, Any], RunSpec]:
    """The merged run state itself (for tests and advanced analysis)."""
    spec = _spec(population, households, seed, year, reform, workers, dask, checkpoint_dir, progress, **options)
    state, info = execute(spec)
    return state, info, spec


__all__ = ["simulate", "simulate_with_reform", "compare", "run_state", "VOLATILE_META", "DEFAULT_HOUSEHOLDS"]
