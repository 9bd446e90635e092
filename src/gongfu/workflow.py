"""What a face asks of gongfu: resolve a reform, check the year, calculate one household, run a simulation or a
comparison — with every user error as one `GongfuError` naming the field — and make results JSON-safe.

The faces only parse and print: the CLI (`cli.py`, `commands.py`) and the HTTP API (`api/`) import this module.
May import: the engine, the household reader, gongfu.reforms, gongfu.run and gongfu.population; never a face
(cli, commands, api, report) — tests/test_import_graph.py. Tax-Calculator's
`cli/tc.py` handing everything to one IO class is the model.

Reforms are resolved once, here, by the one resolver (`gongfu.reforms.resolve_reform`); the runner receives the
validated `Reform` object, never the spec again. The HTTP API resolves with `files=False`: a string is a
scenario key and no file of the server is read.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import math
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .engine import GongfuError, Simulation, TaxBenefitSystem, load_system
from .engine.errors import where

__all__ = ["FieldError", "HouseholdCalculation", "calculate_household", "check_year", "jsonable", "keep_samples_warm",
           "law_coverage", "law_status", "parse_years", "projected_warning", "reform_info", "reformed_system", "resolve",
           "run_comparison", "run_simulation", "run_window", "sweep_household"]


class FieldError(GongfuError):
    """A user error about one field of a request (`loc` as in FastAPI's validation errors, e.g.
    ("body", "reform")); the CLI prints the message, the HTTP API answers 422 with `loc`."""

    def __init__(self, loc: tuple[Any, ...], message: str):
        super().__init__(message.removeprefix("body: "))
        self.loc = loc


def _prefixed(field: str, exc: Exception) -> str:
    text = str(exc)
    return text if text.startswith(f"{field}:") or text.startswith(f"{field}.") else f"{field}: {text}"


# ---------------------------------------------------------------------------------------------- JSON
_PLAIN = frozenset({str, int, bool, type(None)})


def jsonable(value: Any) -> Any:
    """Plain JSON types: numpy scalars and arrays to Python, NaN and infinities to None, dates to ISO text."""
    import numpy as np

    kind = type(value)
    if kind in _PLAIN:  # the common case first: most leaves of a result are plain
        return value
    if kind is float:
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k if type(k) is str else str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, np.generic):
        return jsonable(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


# ---------------------------------------------------------------------------------------------- years
@functools.cache
def law_coverage() -> tuple[int, str]:
    """First year in which every parameter of the law has a value on 1 January, and the parameter that starts
    last (a simulation of an earlier year would read missing values)."""
    from .engine.uprating import coverage

    cov = coverage(load_system().parameters)
    return cov.first, cov.first_path


def check_year(year: int, loc: tuple[Any, ...] = ("body", "year"), name: str = "year",
               system: TaxBenefitSystem | None = None) -> None:
    """A year the law covers — from its first year to the end of the projections (engine/uprating.py) — or a
    FieldError naming `name` (`--year` on the CLI, `year` over HTTP). `system`: a reformed system (a reform may
    switch the projections off or index a parameter); default the law in force."""
    from .engine.uprating import check_year as problem_of

    problem = problem_of((system or load_system()).parameters, year)
    if problem:
        raise FieldError(loc, f"{name}: {problem}")


def law_status(year: int, system: TaxBenefitSystem | None = None) -> dict[str, Any]:
    """`{"year", "projected", "reason", "first_year", "last_known_year", "horizon", "parameters"}`: whether `year`
    reads parameters past their dated values (computed by their uprating rule), for every face to show."""
    from .engine.uprating import law_status as status

    return status((system or load_system()).parameters, year)


def projected_warning(status: Mapping[str, Any]) -> str | None:
    """The one-line warning a face prints for a projected year (None for a year of known law)."""
    if not status.get("projected"):
        return None
    return f"warning: projected year: {status['reason']}"


# ---------------------------------------------------------------------------------------------- reforms
def resolve(spec: Any, field: str = "reform", *, files: bool = False, relative_to: str | Path | None = None,
            rule_files: Sequence[str | Path] = (), loc: tuple[Any, ...] | None = None, source: str | None = None):
    """The validated `Reform` of what a face was given (None for the law in force), errors as a FieldError.

    `files=False` (HTTP): a string is a scenario key, nothing is read from disk. `files=True` (CLI): a path is
    read (see `gongfu.reforms.resolve_reform` for the rule that keeps paths and scenario keys apart).
    `rule_files`: a user's own Python rule files, only from an explicit CLI option (`--trust-rules`).
    `source` names a mapping's file in messages (a household file's `reform:`); messages that name a file are not
    prefixed with the field."""
    from .reforms import resolve_reform

    try:
        reform = resolve_reform(spec, files=files, validate=False, source=source or field,
                                relative_to=relative_to, rule_files=rule_files)
        if reform is not None:
            reformed_system(reform)  # validates completely (and keeps the system for a household calculation)
        return reform
    except FieldError:
        raise
    except GongfuError as exc:
        text = str(exc)
        named_file = (source is not None and text.startswith(source)) or (
            files and isinstance(spec, str) and text.startswith(spec))
        raise FieldError(loc or ("body", field), text if named_file else _prefixed(field, exc)) from None


_SYSTEMS: OrderedDict[str, TaxBenefitSystem] = OrderedDict()
_SYSTEMS_KEPT = 32
_SYSTEMS_LOCK = threading.Lock()


def reformed_system(reform: Any) -> TaxBenefitSystem:
    """The shipped system with `reform` applied (None: the law in force). Systems of reforms with a digest (files,
    scenarios, mappings) are kept, a few dozen at most, so that repeated requests do not rebuild them."""
    base = load_system()
    if reform is None:
        return base
    key = getattr(reform, "sha256", None)
    if key is None:
        return reform.apply(base)
    with _SYSTEMS_LOCK:
        if key in _SYSTEMS:
            _SYSTEMS.move_to_end(key)
            return _SYSTEMS[key]
    system = reform.apply(base)
    with _SYSTEMS_LOCK:
        _SYSTEMS[key] = system
        while len(_SYSTEMS) > _SYSTEMS_KEPT:
            _SYSTEMS.popitem(last=False)
    return system


# ---------------------------------------------------------------------------------------------- one household
@dataclass
class HouseholdCalculation:
    """One household computed under the law in force or a reform."""

    household: Any  # gongfu.household.HouseholdInput
    simulation: Simulation
    reform: Any  # Reform | None

    @property
    def system(self) -> TaxBenefitSystem:
        return self.simulation.system

    @property
    def law(self) -> dict[str, Any]:
        """Whether the household's year is projected (see `law_status`)."""
        return law_status(self.simulation.year, self.system)

    @property
    def reform_key(self) -> str | None:
        return None if self.reform is None else self.reform.slug

    def baseline_simulation(self) -> Simulation | None:
        """The same household under the law in force (None when no reform applies): the baseline column of
        `calc --reform`. The household's arrays are those checked against the reformed system."""
        if self.reform is None:
            return None
        return self.household.simulate(load_system())


def reform_info(reform: Any) -> dict[str, Any] | None:
    """`{"name", "sha256"}` of a resolved reform (name: the scenario key or the reform's slug), None without."""
    if reform is None:
        return None
    return {"name": reform.slug, "sha256": getattr(reform, "sha256", None)}


def calculate_household(data: Any, source: str = "body", reform: Any = None, *, files: bool = False,
                        relative_to: str | Path | None = None, rule_files: Sequence[str | Path] = (),
                        reform_field: str = "reform") -> HouseholdCalculation:
    """Check a household mapping (household-file format) and compute it.

    The reform is the face's (`reform`, e.g. `calc --reform`) or the household's own `reform:` key; both at
    once is an error unless they are the same reform. A household's `reform:` path is read relative to
    `relative_to` (the household file's folder), and only when `files` is true (never over HTTP).
    Errors: a FieldError for the year or the reform, an InputError (file, line, field) for the household."""
    from .household import parse_household

    own = data.get("reform") if isinstance(data, Mapping) else None
    year = data.get("year") if isinstance(data, Mapping) else None
    if isinstance(year, int) and not isinstance(year, bool) and 2000 <= year <= 2100:  # else the household says
        line = data.line_of("year") if hasattr(data, "line_of") else None
        check_year(year, name="year" if source == "body" else f"{where(source, line)}year")
    chosen = resolve(reform, reform_field, files=files, rule_files=rule_files) if (reform is not None or rule_files) \
        else None
    if own is not None:
        at = where(source, data.line_of("reform") if hasattr(data, "line_of") else None) if source != "body" else ""
        mine = resolve(own, f"{at}reform" if at else "reform", files=files, relative_to=relative_to,
                       loc=("body", "reform"), source=None if source == "body" else source)
        if chosen is not None and mine is not None and chosen.sha256 != mine.sha256:
            raise FieldError(("body", "reform"), f"{at}reform: the household file names the reform "
                                                 f"'{mine.slug}' and {reform_field} gives '{chosen.slug}'; give one "
                                                 "of them (or the same reform in both)")
        chosen = chosen if chosen is not None else mine
    system = reformed_system(chosen)
    if chosen is not None and isinstance(year, int) and not isinstance(year, bool) and 2000 <= year <= 2100:
        line = data.line_of("year") if hasattr(data, "line_of") else None
        check_year(year, name="year" if source == "body" else f"{where(source, line)}year", system=system)
    household = parse_household(data, system, source=source)
    return HouseholdCalculation(household, household.simulate(system), chosen)


# ---------------------------------------------------------------------------------------------- sweeps
def sweep_household(data: Any, variable: Any, person: Any, start: Any, stop: Any, step: Any, source: str = "body",
                    reform: Any = None, *, files: bool = False, relative_to: str | Path | None = None,
                    rule_files: Sequence[str | Path] = (), reform_field: str = "reform",
                    fields: Mapping[str, str] | None = None, loc: tuple[Any, ...] = ("body", "vary"),
                    ) -> dict[str, Any]:
    """One household over a range of one person's input (`gongfu.sweep`): `{"variable", "person", "year",
    "points", "cliffs", "ranges"}`; under a reform the points are the reform's, with `"baseline": {"points",
    "cliffs", "ranges"}` and `"reform": {"name", "sha256"}` added.

    `fields` names the options in messages (CLI: --vary, --person, --from, --to, --step; HTTP: vary.variable,
    …); a bad option is a FieldError at `loc` + the option's key."""
    from . import sweep as sw

    names = {"variable": "--vary", "person": "--person", "from": "--from", "to": "--to", "step": "--step"}
    names.update(fields or {})
    by_field = {v: k for k, v in names.items()}
    done = calculate_household(data, source=source, reform=reform, files=files, relative_to=relative_to,
                               rule_files=rule_files, reform_field=reform_field)
    try:
        numbers = []
        for key, value in (("from", start), ("to", stop), ("step", step)):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise sw.SweepError(names[key], f"expected a number, got {value!r}")
            numbers.append(float(value))
        values = sw.grid(*numbers, fields=(names["from"], names["to"], names["step"]))

        def one(system: TaxBenefitSystem) -> dict[str, Any]:
            out = sw.sweep(done.household, str(variable), str(person), values, system=system,
                           fields=(names["variable"], names["person"]))
            return out | {"cliffs": sw.cliffs(out["points"]), "ranges": sw.programme_ranges(out["points"])}

        result = one(done.system)
        if done.reform is not None:
            base = one(load_system())
            result["baseline"] = {k: base[k] for k in ("points", "cliffs", "ranges")}
            result["reform"] = reform_info(done.reform)
    except sw.SweepError as exc:
        raise FieldError((*loc, by_field.get(exc.field, exc.field)), str(exc)) from None
    return result


# ---------------------------------------------------------------------------------------------- runs
#: generated samples up to this many households are kept in memory between runs (0: none); the HTTP API sets it
#: (`keep_samples_warm`), the CLI, which runs once per process, does not
WARM_HOUSEHOLDS = 0


def keep_samples_warm(max_households: int | None = None) -> None:
    """Keep the generated sample of a run (up to `max_households` households, default: the runner's default sample
    size) in memory for the next runs of this process: a server runs reform after reform on the same default
    sample (same results: `gongfu.run.sources.WarmGeneratedSource`)."""
    global WARM_HOUSEHOLDS
    if max_households is None:
        from .run.sources import DEFAULT_HOUSEHOLDS

        max_households = DEFAULT_HOUSEHOLDS
    WARM_HOUSEHOLDS = int(max_households)


def _runner_options(population: str | Path | None = None, households: int | None = None, seed: int | None = None,
                    year: int = 2025, workers: int | None = None, dask: str | None = None,
                    checkpoint: str | Path | None = None, **runner: Any) -> dict[str, Any]:
    """Keyword arguments of `gongfu.run.simulate` (options left out take the runner's defaults; `runner`: passed
    as they are, e.g. the `on_progress` callback of the bar the CLI draws; the runner itself draws nothing)."""
    given = {"population": str(population) if population is not None else None, "households": households,
             "seed": seed, "workers": workers, "dask": dask,
             "checkpoint_dir": str(checkpoint) if checkpoint is not None else None}
    if population is None and dask is None and checkpoint is None and WARM_HOUSEHOLDS:
        from .run.sources import DEFAULT_HOUSEHOLDS, warm_source

        n = households or DEFAULT_HOUSEHOLDS
        if n <= WARM_HOUSEHOLDS:
            given.update(population=warm_source(n, seed or 0), households=None, seed=None)
    return {"year": year} | {k: v for k, v in given.items() if v is not None} | runner


@contextlib.contextmanager
def _user_errors() -> Iterator[None]:
    """The runner's errors that a user causes (a checkpoint of another run, a directory that is not a
    population) become one-line GongfuErrors (exit code 2 on the CLI, 422 over HTTP)."""
    from .population.io import PopulationFileError
    from .run import CheckpointMismatch

    try:
        yield
    except CheckpointMismatch as exc:
        raise GongfuError(str(exc).replace("--checkpoint-dir", "--checkpoint")) from None
    except PopulationFileError as exc:
        raise GongfuError(f"--population: {exc}") from None


def _checked(reform: Any) -> Any:
    """The runner takes a validated Reform (or None); a spec that was not resolved is refused, so that no face
    hands the runner a string it would interpret again."""
    if reform is None or hasattr(reform, "apply"):
        return reform
    raise TypeError(f"resolve the reform first (gongfu.workflow.resolve), got {type(reform).__name__}")


def run_simulation(reform: Any = None, **options: Any) -> dict[str, Any]:
    """One run of the population under `reform` (None: the law in force; a resolved Reform)."""
    from . import run

    kwargs = _runner_options(**options)
    system = reformed_system(_checked(reform))
    check_year(kwargs["year"], name="--year", system=system)
    with _user_errors():
        results = run.simulate(reform=_checked(reform), **kwargs)
    results["law"] = law_status(kwargs["year"], system)
    return results


def run_comparison(baseline: Any = None, reform: Any = None, **options: Any) -> dict[str, Any]:
    """`baseline` (None: the law in force) against `reform` (resolved Reforms): the compare dict.

    Against the law in force, baseline and reform are computed in one pass (deciles, winners and losers, group
    changes included). Against another reform, two runs of the same population are compared from their totals
    (`gongfu.run.compare(results, results)`: no deciles or winners/losers, which need the pairing of one pass).
    """
    from . import run

    kwargs = _runner_options(**options)
    base, new = _checked(baseline), _checked(reform)
    systems = {"baseline": reformed_system(base), "reform": reformed_system(new)}
    for system in systems.values():
        check_year(kwargs["year"], name="--year", system=system)
    with _user_errors():
        if base is None:
            result = run.compare(None, new, **kwargs)
        else:
            result = run.compare(run.simulate(reform=base, **kwargs), run.simulate(reform=new, **kwargs))
    for side, system in systems.items():
        if isinstance(result.get(side), dict):
            result[side]["law"] = law_status(kwargs["year"], system)
    statuses = [law_status(kwargs["year"], system) for system in systems.values()]
    result["law"] = next((s for s in statuses if s["projected"]), statuses[0])
    return result


def parse_years(text: str, name: str = "--years") -> list[int]:
    """"2025:2030" (inclusive) or "2025" -> the years, each checked against the law's coverage."""
    parts = str(text).split(":")
    try:
        first, last = (int(parts[0]), int(parts[-1])) if len(parts) in (1, 2) else (None, None)
    except ValueError:
        first = last = None
    if first is None or last is None or last < first or last - first > 20:
        raise FieldError(("body", "years"), f"{name}: expected FIRST:LAST (e.g. 2025:2030, at most 21 years), "
                                            f"got {text!r}")
    years = list(range(first, last + 1))
    for year in (first, last):
        check_year(year, name=name)
    return years


def run_window(baseline: Any = None, reform: Any = None, years: Sequence[int] = (), **options: Any
               ) -> dict[str, Any]:
    """The law in force against `reform` over `years`, streamed (gongfu.run.window): the costing by year and in
    total, nominal and in 2025 prices, with each year's `law` status."""
    from .run.window import compare_window, window_summary

    if baseline is not None:
        raise FieldError(("body", "baseline"), "--years: a window compares `baseline` (the law in force) with a "
                                               "reform; give `baseline` as BASELINE")
    new = _checked(reform)
    system = reformed_system(new)
    for year in years:
        check_year(year, name="--years", system=system)
    kwargs = _runner_options(**options)
    kwargs.pop("year", None)
    with _user_errors():
        by_year = compare_window(new, list(years), **kwargs)
    out = window_summary(by_year)
    for row in out["by_year"]:
        row["law"] = law_status(row["year"], system)
    out["law"] = next((r["law"] for r in reversed(out["by_year"]) if r["law"]["projected"]), out["by_year"][-1]["law"])
    first = by_year[min(by_year)]
    out["meta"] = {k: first["reform"]["meta"].get(k) for k in ("gongfu_version", "created", "system", "reform",
                                                                "population", "partitions", "workers",
                                                                "backend", "run")}
    out["meta"]["method"] = ("each partition evaluated for every year before the next is read (run/window.py); "
                             "other years' population: incomes moved by the indices, households reweighted to each "
                             "year's demography (population/ageing.py)")
    return out
