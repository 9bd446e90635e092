"""The national run: stream partitions through the engine (baseline and reform in one pass), merge their exact
aggregates, checkpoint, and summarise (docs/ARCHITECTURE.md, "Run results")."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import pickle
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import gongfu.run.layout as L
from gongfu.analysis.replicates import N_REPLICATES
from gongfu.analysis.replicates import SEED as REPLICATE_SEED

from .aggregate import RunAggregate
from .backends import default_workers, run_dask, run_local
from .checkpoint import CheckpointStore
from .compare import compare_results, compare_state
from .disclosure import default_min_count, small_groups, suppress_comparison, suppress_results
from .lines import absolute_lines, poverty_lines
from .reducer import RunConfig
from .sources import DEFAULT_HOUSEHOLDS, PartitionRef, Source, code_fingerprint, resolve_source
from .summary import summarize
from .sums import Sums


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
    label: dict[str, str] | None = None  # the reform's name in each language ({en, zh}) where it has them

    def to_dict(self) -> dict[str, Any]:
        out = {"name": self.name, "file": self.file, "sha256": self.sha256}
        if self.label:
            out["label"] = dict(self.label)
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
        names = getattr(reform, "name", None)
        names = {k: str(v) for k, v in names.items()} if isinstance(names, Mapping) else None
        return ReformInfo(reform, label, file, getattr(reform, "sha256", None) or _pickle_digest(reform),
                          label=names)
    raise TypeError(f"reform must be a path, a scenario key, a Reform or a TaxBenefitSystem, not {type(reform)}")


def _pickle_digest(obj: Any) -> str:
    try:
        return hashlib.sha256(pickle.dumps(obj)).hexdigest()
    except Exception:  # unpicklable (lambdas): identify by repr only
        return hashlib.sha256(repr(obj).encode()).hexdigest()


# ------------------------------------------------------------------------------------------- resources --


class ProcessTreeMemory:
    """Peak resident memory of this process plus its children (sampled at every finished partition)."""

    def __init__(self, children: bool = True) -> None:
        self.peak_total = 0.0
        self.peak_worker = 0.0
        self.every = 0.25
        self.children = children  # False: no worker processes (listing them reads every /proc/*/stat)
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
            for child in (self.proc.children(recursive=True) if self.children else ()):
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
    on_progress: Callable[[int, int], None] | None = None  # (partitions done, total) after each partition
    min_cell_count: int = 0  # small-cell suppression of group tables (0: off); see run/disclosure.py
    fail_after: int | None = None  # testing: raise after recording this many new partitions
    extra: dict[str, Any] = field(default_factory=dict)


def fingerprint_details(spec: RunSpec) -> dict[str, Any]:
    return {"gongfu_version": _version(), "year": spec.config.year,
            "law_and_engine": code_fingerprint("rules", "parameters", "engine"),
            "run_code": code_fingerprint("run", "analysis") + _files_digest("exact.py"),
            "reform": spec.reform.sha256 if spec.reform else None,
            "population": spec.source.fingerprint(),
            "analysis": spec.config.description()}


def _files_digest(*names: str) -> str:
    """Hash of source files of the package that the reduced state depends on (outside run/)."""
    root = Path(__file__).resolve().parent.parent
    return hashlib.sha256(b"".join((root / n).read_bytes() for n in names)).hexdigest()


class InjectedFailure(RuntimeError):
    """Raised by the test hook `fail_after` (simulates a crash after some partitions are recorded)."""


def execute(spec: RunSpec) -> tuple[RunAggregate, dict[str, Any]]:
    """Run every partition not already checkpointed; return the merged state and run information."""
    details = fingerprint_details(spec)
    fingerprint = hashlib.sha256(repr(sorted(details.items())).encode()).hexdigest()

    def stream(todo: list[PartitionRef]) -> Iterator[RunAggregate]:
        if spec.dask:
            return run_dask(spec.source, todo, spec.config, spec.dask, spec.workers, spec.dask_processes)
        return run_local(spec.source, todo, spec.config, spec.workers)

    state, info = stream_partitions(spec, fingerprint, details, RunAggregate, stream)
    return state, {**info, "details": details}


def stream_partitions(spec: RunSpec, fingerprint: str, details: dict[str, Any], kind: Any,
                      stream: Callable[[list[PartitionRef]], Iterator[Any]],
                      wrap: Callable[[Any], Any] = lambda part: part) -> tuple[Any, dict[str, Any]]:
    """The partitions of `spec.source` not already in its checkpoint (`kind` of state: `RunAggregate`, or a
    window's `YearStates`), streamed by `stream(todo)` and merged as they come (each result `wrap`ped into a
    state), recorded and folded into the checkpoint; progress, the `fail_after` test hook and memory as for any
    run. Returns the merged state and the run information."""
    refs = spec.source.refs()
    store = CheckpointStore(spec.checkpoint_dir, fingerprint, details, kind=kind) if spec.checkpoint_dir else None
    state = store.load() if store is not None else None
    resumed = sorted(state.partitions) if state is not None else []
    if state is not None and not state.partitions <= {r.partition_id for r in refs}:
        raise ValueError("checkpointed partitions are not in this run's plan")
    todo = [r for r in refs if state is None or r.partition_id not in state.partitions]
    report = spec.on_progress
    if report is not None:
        report(len(refs) - len(todo), len(refs))
    memory = ProcessTreeMemory(children=bool(spec.dask) or spec.workers > 1)
    t0 = time.perf_counter()
    persons_done = new = 0
    last_fold = time.monotonic()
    parts = stream(todo)
    with contextlib.closing(parts):  # an error or a signal in this loop ends the workers at once, not at exit
        for result in parts:
            part = wrap(result)
            if store is not None:
                store.record(part)
            state = part if state is None else state.merge(part)
            new += len(part.partitions)  # (a local pool's batch merges several)
            persons_done += part.counts["persons"]
            memory.sample()
            if report is not None:
                report(len(refs) - len(todo) + new, len(refs))
            if spec.fail_after is not None and new >= spec.fail_after:
                raise InjectedFailure(f"injected failure after {new} partitions")
            if store is not None and time.monotonic() - last_fold > spec.checkpoint_every:
                store.consolidate(state)
                last_fold = time.monotonic()
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
            "peak_rss_mb": memory.peak_total, "peak_worker_rss_mb": memory.peak_worker}
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
          dask: str | None, checkpoint_dir: Any, on_progress: Callable[[int, int], None] | None,
          **options: Any) -> RunSpec:
    source = resolve_source(population, households, seed, options.pop("max_households", None))
    info = resolve_reform(reform)
    fine = options.pop("fine", None)
    group = options.pop("group", None)
    system = options.pop("system", None)
    config = RunConfig(year=int(year), reform=info.reform if info else None,
                       reform_digest=info.sha256 if info else None, lines=absolute_lines(int(year)),
                       block=int(options.pop("block", 65_536)), system=system,
                       replicates=_replicates(options.pop("replicates", N_REPLICATES)),
                       replicate_seed=int(options.pop("replicate_seed", REPLICATE_SEED)),
                       system_digest=_pickle_digest(system) if system is not None else None)
    if fine:
        config = replace(config, fine=tuple(dict(fine).items()))
    if group:
        config = replace(config, group=tuple(dict(group).items()))
    if getattr(info.reform if info else None, "targeting", None):
        info = _calibrate_targeting(info, source, config, workers, dask, options)
        config = replace(config, reform=info.reform, reform_digest=info.sha256)
    min_count = options.pop("min_cell_count", None)
    min_count = default_min_count(source) if min_count is None else min_count
    if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count < 0:
        raise ValueError(f"min_cell_count must be a whole number >= 0 (0: no suppression), not {min_count!r}")
    return RunSpec(source=source, config=config, reform=info, workers=int(workers or default_workers()),
                   min_cell_count=min_count,
                   dask=dask, dask_processes=bool(options.pop("dask_processes", True)),
                   checkpoint_dir=checkpoint_dir, checkpoint_every=float(options.pop("checkpoint_every", 30.0)),
                   on_progress=on_progress, fail_after=options.pop("fail_after", None), extra=_no_more(options))


def _replicates(n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or not (n == 0 or 2 <= n <= 1000):
        raise ValueError(f"replicates must be 0 (no standard errors) or a whole number from 2 to 1000, not {n!r}")
    return n


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
             checkpoint_dir: str | Path | None = None, on_progress: Callable[[int, int], None] | None = None,
             **options: Any) -> dict[str, Any]:
    """Run the whole population and return the run-results dict (docs/ARCHITECTURE.md).

    `population`: None (generate `households` households from `seed`, partition by partition, nothing written),
    a directory built by `gongfu population build`, or a `Source`. `reform`: None, a reform file, a scenario key,
    a `Reform` or a `TaxBenefitSystem` -- the results are then those of the reformed system (computed in the same
    pass as the baseline; use `compare` to get both). `workers`: processes (default: the cores); `dask`: a
    scheduler address or "local"; `checkpoint_dir`: record finished partitions there and resume from them.
    Options: `max_households` (per partition), `block` (households per engine block), `dask_processes`,
    `checkpoint_every` (seconds between folds of the checkpoints), `fine`/`group` (sketch resolutions),
    `replicates` (replicate weights for the standard errors of `uncertainty`, default 40; 0 = none),
    `replicate_seed`, `min_cell_count` (leave out of the tables by group the groups with fewer sample rows; default 10 for an
    imported population, 0 = off for a generated one; run/disclosure.py).
    `on_progress(done, total)`: called with the number of partitions done (resumed ones included) and their
    total, once before the first partition and after each one; nothing is printed.
    """
    spec = _spec(population, households, seed, year, reform, workers, dask, checkpoint_dir, on_progress, **options)
    state, info = execute(spec)
    system = "r" if spec.reform is not None else "b"
    results = summarize(state, system, poverty_lines(spec.config.year), _meta(spec, state, info, system))
    if spec.min_cell_count:
        suppress_results(results, small_groups(Sums(state), spec.min_cell_count), spec.min_cell_count)
    return results


def simulate_with_reform(reform: Any, population: str | Path | Source | None = None, households: int | None = None,
                         seed: int = 0, year: int = 2025, workers: int | None = None, dask: str | None = None,
                         checkpoint_dir: str | Path | None = None,
                         on_progress: Callable[[int, int], None] | None = None, **options: Any) -> dict[str, Any]:
    """Baseline and reform in one pass (the reform recomputes only what it can change): the compare dict."""
    if reform is None:
        raise ValueError("simulate_with_reform needs a reform")
    spec = _spec(population, households, seed, year, reform, workers, dask, checkpoint_dir, on_progress, **options)
    state, info = execute(spec)
    return comparison(spec, state, info)


def comparison(spec: RunSpec, state: RunAggregate, info: dict[str, Any]) -> dict[str, Any]:
    """The compare dict of a one-pass state: baseline and reform summaries, small cells suppressed when asked."""
    lines = poverty_lines(spec.config.year)
    base = baseline_summary(state, lines, _meta(spec, state, info, "b"))
    ref = summarize(state, "r", lines, _meta(spec, state, info, "r"))
    if not spec.min_cell_count:
        return compare_state(state, base, ref)
    sums = Sums(state)
    small = small_groups(sums, spec.min_cell_count)
    for results in (base, ref):
        suppress_results(results, small, spec.min_cell_count)
    cmp = compare_state(state, base, ref)
    suppress_comparison(cmp, small, spec.min_cell_count, sums.national(L.ROWS))
    return cmp


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
              checkpoint_dir: Any = None, on_progress: Callable[[int, int], None] | None = None, **options: Any
              ) -> tuple[RunAggregate, dict[str, Any], RunSpec]:
    """The merged run state itself (for tests and advanced analysis)."""
    spec = _spec(population, households, seed, year, reform, workers, dask, checkpoint_dir, on_progress, **options)
    state, info = execute(spec)
    return state, info, spec


__all__ = ["simulate", "simulate_with_reform", "compare", "run_state", "VOLATILE_META", "DEFAULT_HOUSEHOLDS"]
