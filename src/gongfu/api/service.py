"""What the HTTP API does, as plain functions (no HTTP): household calculation, listings, bounded runs.

Every user error is a `GongfuError` whose message names the field (`body: persons[0].age: missing …`);
`app.py` turns it into a 422.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .. import workflow
from ..engine import GongfuError, load_system
from ..engine.geography import PROVINCES
from ..engine.parameters import Scale, Table

# FieldError, jsonable and the year checks live in gongfu.workflow (shared with the CLI); re-exported for app.py
from ..workflow import FieldError, check_year, jsonable, law_coverage  # noqa: F401
from .limits import DEFAULT_CACHE_MB, DEFAULT_QUEUE, dumps
from .runs import ByteCache, RunQueue


# ---------------------------------------------------------------------------------------------- household
def _loc(message: str) -> tuple[Any, ...]:
    """('body', 'persons', 0, 'age') from a household-loader message 'body: persons[0].age: …'."""
    text = message.removeprefix("body: ")
    head = text.split(":", 1)[0].strip()
    loc: list[Any] = ["body"]
    for part in head.split("."):
        name, _, rest = part.partition("[")
        if not name.replace("_", "").isalnum():
            return ("body",)
        loc.append(name)
        if rest.rstrip("]").isdigit():
            loc.append(int(rest.rstrip("]")))
    return tuple(loc)


def calc(body: dict[str, Any], explain: str | None = None) -> dict[str, Any]:
    """Every variable of one household (or the explanation of one variable)."""
    from ..calculator import results, side_by_side

    data = {k: v for k, v in body.items() if v is not None}
    try:  # the reform (a scenario key or a reform object: no file is read) and the year first, then the household
        done = workflow.calculate_household(data, source="body", files=False)
    except FieldError:
        raise
    except GongfuError as exc:
        raise FieldError(_loc(str(exc)), str(exc)) from None
    system, hh, sim = done.system, done.household, done.simulation
    reform_info = workflow.reform_info(done.reform)
    if explain:
        if explain not in system.variables:
            try:
                system.variable(explain)
            except GongfuError as exc:
                raise FieldError(("query", "explain"), f"explain: {exc}") from None
        trace = sim.trace(explain).to_dict()
        return {"year": hh.year, "reform": reform_info, "variable": explain, "trace": jsonable(trace)}
    out = results(sim, hh.names)
    baseline = done.baseline_simulation()
    if baseline is not None:  # beside the law in force, as `gongfu calc --reform --json`
        out = side_by_side(results(baseline, hh.names), out)
    return jsonable(out | {"reform": reform_info})


def calc_sweep(body: dict[str, Any]) -> dict[str, Any]:
    """One household over a range of one person's input (`gongfu calc --vary … --json`): POST /calc/sweep."""
    data = {k: v for k, v in body.items() if v is not None and k != "vary"}
    vary = body["vary"]
    fields = {k: f"vary.{k}" for k in ("variable", "person", "from", "to", "step")}
    try:
        return jsonable(workflow.sweep_household(data, vary["variable"], vary["person"], vary.get("from", 0),
                                                 vary["to"], vary["step"], source="body", files=False,
                                                 fields=fields))
    except FieldError:
        raise
    except GongfuError as exc:
        raise FieldError(_loc(str(exc)), str(exc)) from None


# ---------------------------------------------------------------------------------------------- listings
def _label(label: Any) -> dict[str, str]:
    """{en, zh} text only (a label mis-parsed from YAML can carry stray keys)."""
    return {k: v for k, v in dict(label or {}).items() if k in ("en", "zh") and isinstance(v, str)}


def variables(role: str | None = None) -> list[dict[str, Any]]:
    out = []
    for var in load_system().variables.values():
        if role and var.role != role:
            continue
        out.append({"name": var.name, "entity": var.entity.key, "unit": var.unit, "dtype": var.dtype,
                    "role": var.role, "tier": var.tier, "label": _label(var.label), "reference": var.reference,
                    "input": var.is_input})
    return out


def _parameter_value(value: Any) -> Any:
    if isinstance(value, Scale):
        return value.to_dict()
    if isinstance(value, Table):
        rows = value.values.tolist()
        if value.by_area:
            return {p.key: {"rural": r[0], "urban": r[1]} for p, r in zip(PROVINCES, rows, strict=True)}
        return {p.key: r for p, r in zip(PROVINCES, rows, strict=True)}
    return value


def parameters(prefix: str = "", year: int = 2025) -> list[dict[str, Any]]:
    system = load_system()
    if prefix:
        try:
            system.parameters.get(prefix)
        except GongfuError as exc:
            raise FieldError(("query", "prefix"), f"prefix: {exc}") from None
    check_year(year, loc=("query", "year"))
    snap = system.parameters.at(dt.date(year, 1, 1))
    out = []
    for path, leaf in system.parameters.leaves().items():
        if prefix and not (path == prefix or path.startswith(prefix + ".")):
            continue
        _, since = leaf.value_at(snap.date)
        value = jsonable(_parameter_value(snap.get(path)))
        out.append({"path": path, "kind": leaf.kind, "value": value,
                    "unit": leaf.unit, "since": since.isoformat() if since else None, "label": _label(leaf.label),
                    "reference": jsonable(leaf.reference), "projected": path in snap.projected})
    return out


def scenarios() -> list[dict[str, Any]]:
    from ..reforms import list_scenarios

    out = []
    for reform in list_scenarios():
        d = reform.to_dict()
        d.pop("file", None)
        for k in ("name", "description"):
            d[k] = d[k] if isinstance(d[k], dict) else {"en": str(d[k] or "")}
        out.append(jsonable(d))
    return out


# ---------------------------------------------------------------------------------------------- reference data
EXAMPLE_TITLES_ZH = {
    "zhejiang_migrant_toddler": "在浙江城镇务工的安徽农村户籍夫妇和两岁孩子",
    "guizhou_rural_dibao": "贵州农村务农家庭(含祖母):典型低保家庭",
    "beijing_professional": "北京城镇专业人士家庭:两个孩子、赡养老人、首套房贷",
    "rural_widow_85": "四川农村独居的85岁丧偶老人",
    "severely_disabled_alone": "河南城镇独居的一级重度残疾人",
}
EXAMPLE_ORDER = ("zhejiang_migrant_toddler", "guizhou_rural_dibao", "beijing_professional", "rural_widow_85",
                 "severely_disabled_alone")


@functools.cache
def examples() -> list[dict[str, Any]]:
    """The example households shipped with gongfu (household-file format), with a bilingual title."""
    import yaml

    folder = Path(__file__).resolve().parent.parent / "examples"
    files = sorted(folder.glob("*.yaml"), key=lambda p: (EXAMPLE_ORDER.index(p.stem) if p.stem in EXAMPLE_ORDER
                                                          else len(EXAMPLE_ORDER), p.stem))
    out = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        first = text.splitlines()[0] if text else ""
        title = first.lstrip("# ").strip() if first.startswith("#") else path.stem.replace("_", " ")
        out.append({"key": path.stem, "title": {"en": title, "zh": EXAMPLE_TITLES_ZH.get(path.stem, title)},
                    "household": jsonable(yaml.safe_load(text))})
    return out


@functools.cache
def codes() -> dict[str, Any]:
    """Provinces (GB/T 2260 code, pinyin key, names, region) and the enums with bilingual labels."""
    from ..engine import enums

    tables = {}
    for name in ("Area", "HukouType", "Sex", "Role", "EmploymentStatus", "PensionScheme", "Tenure"):
        cls = getattr(enums, name)
        tables[name] = {m.name: {"code": int(m), "en": cls.label(m, "en"), "zh": cls.label(m, "zh")} for m in cls}
    return {"provinces": [{"code": p.code, "key": p.key, "en": p.en, "zh": p.zh, "region": p.region}
                          for p in PROVINCES], "enums": tables, "first_year": law_coverage()[0],
            **{k: v for k, v in workflow.law_status(law_coverage()[0]).items()
               if k in ("last_known_year", "horizon")}}


@functools.cache
def years() -> dict[str, Any]:
    """The years the law covers, for a year selector: `first_year`, `last_known_year`, `horizon` and
    `projected_parameters` as `gongfu years --json`, plus `default_year` (a request without `year`) and `years`:
    each modelled year with `projected` (true past the last dated value of some parameter, whose uprating rule
    then computes it: engine/uprating.py). Any other year is refused (422)."""
    from .models import DEFAULT_YEAR

    status = workflow.law_status(law_coverage()[0])
    first, horizon = status["first_year"], status["horizon"]
    rows = [{"year": y, "projected": bool(workflow.law_status(y)["projected"])} for y in range(first, horizon + 1)]
    return jsonable({"first_year": first, "last_known_year": status["last_known_year"], "horizon": horizon,
                     "default_year": DEFAULT_YEAR, "years": rows,
                     "projected_parameters": workflow.law_status(horizon)["parameters"]})


# ---------------------------------------------------------------------------------------------- runs
#: encoded run results (the JSON bytes sent), bounded by memory; `RUNS` queues the runs (see api/runs.py)
_RUNS = ByteCache(DEFAULT_CACHE_MB * 1024 * 1024)
RUNS = RunQueue(_RUNS, workers=1, waiting=DEFAULT_QUEUE)

Job = tuple[str, Callable[[], bytes]]


def _job(key_parts: list[Any], make: Callable[[], dict[str, Any]]) -> Job:
    """(cache key, a function that runs and returns the result as strict JSON bytes, keeping no objects)."""

    def encoded() -> bytes:
        return dumps(jsonable(make()))

    return json.dumps(key_parts, sort_keys=True, default=str), encoded


def sample_size(households: int | None, *specs: Any) -> int:
    """The households of a run over HTTP: those asked for, or by default `DEFAULT_HOUSEHOLDS` -- or, for a library
    scenario whose net cost needs more for a relative SE <= 2%, its own `sample_households` (docs/reforms.md). At
    most `MAX_HOUSEHOLDS`, or that scenario's own size; a FieldError on `households` beyond."""
    from ..reforms import Reform
    from .models import DEFAULT_HOUSEHOLDS, MAX_HOUSEHOLDS

    own = max((int(s.sample_households) for s in specs
               if isinstance(s, Reform) and s.key and s.file and s.sample_households), default=0)
    if households is None:
        return max(DEFAULT_HOUSEHOLDS, own)
    limit = max(MAX_HOUSEHOLDS, own)
    if households > limit:
        which = " for this scenario" if own > MAX_HOUSEHOLDS else ""
        raise FieldError(("body", "households"), f"households: at most {limit:,} households over HTTP{which} (got "
                                                 f"{households:,}); run `gongfu simulate --households N` for larger "
                                                 "samples")
    return households


def simulate_job(reform: str | dict | None, households: int | None, seed: int, year: int) -> Job:
    """One bounded run on a generated sample, checked (a bad reform or year is a 422 before any queueing)."""
    check_year(year)
    spec = workflow.resolve(reform, "reform")
    households = sample_size(households, spec)
    check_year(year, system=workflow.reformed_system(spec))  # a validated Reform: a bad reform is a 422, not a failed run
    return _job(["simulate", reform, households, seed, year],
                lambda: workflow.run_simulation(spec, households=households, seed=seed, year=year))


def compare_job(baseline: str | dict, reform: str | dict, households: int | None, seed: int, year: int) -> Job:
    """Baseline (or a first reform) against a reform, on the same generated sample, checked."""
    check_year(year)
    base = workflow.resolve(baseline, "baseline")
    new = workflow.resolve(reform, "reform")
    if new is None:
        raise FieldError(("body", "reform"), "reform: give a scenario key or a reform object, not 'baseline'")
    households = sample_size(households, base, new)
    return _job(["compare", baseline, reform, households, seed, year],
                lambda: workflow.run_comparison(base, new, households=households, seed=seed, year=year))


def window_years(text: str) -> list[int]:
    """"2025:2030" -> [2025, …, 2030]: at most WINDOW_MAX_YEARS years, each covered by the law, or a FieldError on
    `years`."""
    from .models import WINDOW_MAX_YEARS

    try:
        chosen = workflow.parse_years(text, name="years")
    except FieldError as exc:
        raise FieldError(("body", "years"), str(exc)) from None
    if len(chosen) > WINDOW_MAX_YEARS:
        raise FieldError(("body", "years"), f"years: at most {WINDOW_MAX_YEARS} years over HTTP (got {len(chosen)}); "
                                            "run `gongfu compare baseline REFORM --years FIRST:LAST` for more")
    return chosen


def window_job(reform: str | dict, years_text: str, households: int, seed: int) -> Job:
    """The reform against the law in force over a window of years on one generated sample (gongfu.run.window),
    checked before any queueing: the costing by year (95% intervals, `law` of each year) and in total."""
    chosen = window_years(years_text)
    new = workflow.resolve(reform, "reform")
    if new is None:
        raise FieldError(("body", "reform"), "reform: give a scenario key or a reform object, not 'baseline'")
    system = workflow.reformed_system(new)
    for year in chosen:
        check_year(year, loc=("body", "years"), name="years", system=system)
    return _job(["window", reform, chosen, households, seed],
                lambda: workflow.run_window(None, new, chosen, households=households, seed=seed))


def simulate(reform: str | dict | None, households: int, seed: int, year: int) -> dict[str, Any]:
    """`simulate_job` through the run queue, waited for (the HTTP route awaits the queue instead)."""
    return json.loads(RUNS.submit(*simulate_job(reform, households, seed, year)).result())


def compare(baseline: str | dict, reform: str | dict, households: int, seed: int, year: int) -> dict[str, Any]:
    """`compare_job` through the run queue, waited for."""
    return json.loads(RUNS.submit(*compare_job(baseline, reform, households, seed, year)).result())
