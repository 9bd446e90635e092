"""Reform files (YAML): read, check the structure, and validate against the system before anything runs.

```yaml
name: {en: Resident pension minimum to 200 yuan/month, zh: 城乡居民基础养老金最低标准提高到每月200元}
description: {en: ..., zh: ...}
source: {title: ..., year: 2026, url: ...}
from: 2025-01-01
parameters:
  pensions.resident.basic_pension_minimum: {value: 200, unit: CNY/month}
new_parameters: {...}
rules: [gongfu.reforms.structural.some_module]
```
Every error is a `ReformError` naming the file and the line (see docs/reforms.md for every option).
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from gongfu.engine import TaxBenefitSystem, load_system
from gongfu.engine.errors import GongfuError, ReformError, where
from gongfu.engine.parameters import finite_float
from gongfu.engine.yamlio import load_yaml

from .changes import as_date
from .reform import Reform

TOP_KEYS = ("name", "description", "source", "from", "parameters", "new_parameters", "rules", "targeting", "notes")
SOURCE_KEYS = ("title", "author", "year", "url", "article", "publisher", "note", "accessed")
TARGETING_KEYS = ("budget", "note")
SCENARIO_DIR = Path(__file__).resolve().parent / "scenarios"


def _suggest(key: Any, options: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(str(key), options, n=2)
    return f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""


def parse_reform(data: Any, source: str = "<reform>", key: str | None = None) -> Reform:
    """Check the structure of a reform mapping (as read from YAML) and build the Reform.

    Values are checked against the parameters later, by `Reform.apply` (which `load_reform` calls)."""
    if not isinstance(data, dict):
        raise ReformError(f"{where(source, getattr(data, 'line', None))}a reform file is a mapping with `name` and "
                          f"`parameters` (and optionally {', '.join(k for k in TOP_KEYS[2:] if k != 'parameters')})")
    lines: dict[str, int] = {}

    def at(k: str) -> str:
        return where(source, data.line_of(k) if hasattr(data, "line_of") else None)

    for k in data:
        if k not in TOP_KEYS:
            raise ReformError(f"{at(k)}unknown key '{k}'{_suggest(k, TOP_KEYS)}; a reform file has "
                              f"{', '.join(TOP_KEYS)}")
        lines[k] = data.line_of(k) if hasattr(data, "line_of") else 0
    if "name" not in data:
        raise ReformError(f"{where(source, getattr(data, 'line', 1))}a reform needs a `name` (text, or {{en: .., zh: ..}})")
    for k in ("name", "description"):
        if k in data:
            _check_text(data[k], at(k), k)
    source_value = data.get("source")
    if source_value is not None:
        for item in source_value if isinstance(source_value, list) else [source_value]:
            _check_source(item, at("source"))
    start = as_date(data["from"], at("from")) if "from" in data else None

    changes = data.get("parameters") or {}
    if not isinstance(changes, dict):
        raise ReformError(f"{at('parameters')}`parameters` maps parameter paths to changes (path: value)")
    for path in changes:
        lines[f"parameters.{path}"] = changes.line_of(path) if hasattr(changes, "line_of") else lines["parameters"]
    new = data.get("new_parameters") or {}
    if not isinstance(new, dict):
        raise ReformError(f"{at('new_parameters')}`new_parameters` maps new paths to parameter definitions")
    for path in new:
        lines[f"new_parameters.{path}"] = new.line_of(path) if hasattr(new, "line_of") else lines["new_parameters"]
    rules = data.get("rules") or []
    if isinstance(rules, str):
        rules = [rules]
    if not isinstance(rules, list):
        raise ReformError(f"{at('rules')}`rules` is a list of Python module names")
    for i, _ in enumerate(rules):
        lines[f"rules.{i}"] = lines["rules"]
    targeting = data.get("targeting")
    if targeting is not None:
        _check_targeting(targeting, at("targeting"))
    if not changes and not new and not rules:
        raise ReformError(f"{where(source, getattr(data, 'line', 1))}the reform changes nothing: give `parameters`, "
                          "`new_parameters` or `rules`")
    return Reform(name=data["name"], parameter_changes=changes, new_parameters=new, rules=tuple(rules), start=start,
                  description=data.get("description", ""), source=source_value, key=key,
                  targeting=targeting, notes=data.get("notes"), file=source, lines=lines)


def _check_text(value: Any, at: str, key: str) -> None:
    if isinstance(value, str) and value.strip():
        return
    if isinstance(value, dict) and value and set(value) <= {"en", "zh"} and all(isinstance(v, str) for v in value.values()):
        return
    raise ReformError(f"{at}`{key}` is a text or {{en: .., zh: ..}}, got {value!r}")


def _check_source(item: Any, at: str) -> None:
    if isinstance(item, str) and item.strip():
        return
    if not isinstance(item, dict) or "title" not in item:
        raise ReformError(f"{at}`source` is a mapping with at least `title` (and year, url, ...), or a list of them")
    for k in item:
        if k not in SOURCE_KEYS:
            line = item.line_of(k) if hasattr(item, "line_of") else None
            here = where(getattr(item, "file", None), line) or at
            raise ReformError(f"{here}source: unknown key '{k}'{_suggest(k, SOURCE_KEYS)}; use {', '.join(SOURCE_KEYS)}")


def _check_targeting(value: Any, at: str) -> None:
    if not isinstance(value, dict) or "budget" not in value:
        raise ReformError(f"{at}`targeting` is {{budget: CNY per year}}: the runner then sets "
                          "targeted_philanthropy.income_threshold so that the programme costs the budget")
    for k in value:
        if k not in TARGETING_KEYS:
            raise ReformError(f"{at}targeting: unknown key '{k}'{_suggest(k, TARGETING_KEYS)}")
    budget = value["budget"]
    if isinstance(budget, bool) or not isinstance(budget, int | float) or finite_float(budget) is None or budget <= 0:
        raise ReformError(f"{at}targeting.budget must be a positive number of yuan per year, got {budget!r}")


def read_reform(path: str | Path, key: str | None = None) -> Reform:
    """Read and check the structure of a reform file (no system needed)."""
    try:
        data = load_yaml(path)
    except ReformError:
        raise
    except GongfuError as exc:  # malformed YAML, unreadable file: same message, as a reform error
        raise ReformError(str(exc)) from None
    return parse_reform(data, source=str(path), key=key)


def load_reform(path: str | Path, system: TaxBenefitSystem | None = None, validate: bool = True) -> Reform:
    """Read a reform file — or a scenario of the library by name — and validate it completely against `system`
    (default: the shipped system), so that an error stops everything before any computation."""
    file = Path(path)
    if not file.exists():
        if isinstance(path, str) and path in scenario_keys():
            return load_scenario(path, system, validate)
        hint = _suggest(str(path), tuple(scenario_keys()))
        raise ReformError(f"{path}: no such reform file and no scenario of that name{hint}; "
                          f"scenarios: {', '.join(scenario_keys())}")
    reform = read_reform(file, key=file.stem)
    if validate:
        reform.apply(system or load_system())
    return reform


# ---------------------------------------------------------------- the scenario library
def scenario_keys() -> list[str]:
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))


def list_scenarios() -> list[Reform]:
    """Every ready reform of the library (name, description, source, changes), sorted by key."""
    return [read_reform(SCENARIO_DIR / f"{k}.yaml", key=k) for k in scenario_keys()]


def load_scenario(key: str, system: TaxBenefitSystem | None = None, validate: bool = True) -> Reform:
    """A scenario of the library by key (file name without .yaml), validated against `system`."""
    file = SCENARIO_DIR / f"{key}.yaml"
    if not file.exists():
        raise ReformError(f"unknown scenario '{key}'{_suggest(key, tuple(scenario_keys()))}; "
                          f"scenarios: {', '.join(scenario_keys())}")
    reform = read_reform(file, key=key)
    if validate:
        reform.apply(system or load_system())
    return reform
