"""Reform files (YAML): read, check the structure, and validate against the system before anything runs.

```yaml
name: {en: Resident pension minimum to 200 yuan/month, zh: 城乡居民基础养老金最低标准提高到每月200元}
description: {en: ..., zh: ...}
source: {title: ..., year: 2026, url: ...}
from: 2025-01-01
parameters:
  pensions.resident.basic_pension_minimum: {value: 200, unit: CNY/month}
new_parameters: {...}
rules: [provincial_low_wage_uplift]        # structural reforms shipped in gongfu.reforms.structural, by name
```
Every error is a `ReformError` naming the file and the line (see docs/reforms.md for every option).

`resolve_reform` is the one way from what a user gives — a scenario key, a file path, a mapping, a `Reform` — to
a validated `Reform`. A scenario key and a file path are never confused: a path is a path (it contains a path
separator, or it ends in .yaml/.yml/.json and exists); a bare name is a scenario key, whatever files the working
directory holds; anything else is an error that lists the scenarios. With `files=False` (the HTTP API) no file is
ever read.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from gongfu.engine import TaxBenefitSystem, load_system
from gongfu.engine.errors import GongfuError, ReformError, where
from gongfu.engine.parameters import finite_float
from gongfu.engine.yamlio import load_yaml

from .changes import as_date
from .reform import Reform, check_rule

TOP_KEYS = ("name", "description", "source", "from", "parameters", "new_parameters", "rules", "targeting", "notes",
            "sample_households")
#: bounds of `sample_households` (the HTTP API runs a library scenario on up to that many households)
SAMPLE_HOUSEHOLDS_RANGE = (62, 2_000_000)
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
        raise ReformError(f"{at('rules')}`rules` is a list of structural reforms shipped with gongfu, by name")
    for i, rule in enumerate(rules):
        lines[f"rules.{i}"] = lines["rules"]
        check_rule(rule, at("rules"))  # refused here, before anything is imported
    targeting = data.get("targeting")
    if targeting is not None:
        _check_targeting(targeting, at("targeting"))
    sample = data.get("sample_households")
    lo, hi = SAMPLE_HOUSEHOLDS_RANGE
    if sample is not None and (isinstance(sample, bool) or not isinstance(sample, int) or not lo <= sample <= hi):
        raise ReformError(f"{at('sample_households')}sample_households: a whole number of households from {lo} to "
                          f"{hi:,} (the sample the HTTP API and web page run this scenario on), not {sample!r}")
    if not changes and not new and not rules:
        raise ReformError(f"{where(source, getattr(data, 'line', 1))}the reform changes nothing: give `parameters`, "
                          "`new_parameters` or `rules`")
    return Reform(name=data["name"], parameter_changes=changes, new_parameters=new, rules=tuple(rules), start=start,
                  description=data.get("description", ""), source=source_value, key=key,
                  targeting=targeting, notes=data.get("notes"), file=source, lines=lines, sample_households=sample)


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
    reform = parse_reform(data, source=str(path), key=key)
    return dataclasses.replace(reform, sha256=hashlib.sha256(Path(path).read_bytes()).hexdigest())


def load_reform(path: str | Path, system: TaxBenefitSystem | None = None, validate: bool = True) -> Reform:
    """Read a reform file — or a scenario of the library by name — and validate it completely against `system`
    (default: the shipped system), so that an error stops everything before any computation. Which of the two
    follows the rule of `resolve_reform` (a bare name is a scenario key, never a file of the working directory)."""
    reform = resolve_reform(path, system=system, validate=validate)
    if reform is None:
        raise ReformError("baseline: the law in force is not a reform file")
    return reform


REFORM_SUFFIXES = (".yaml", ".yml", ".json")


def _has_separator(spec: str) -> bool:
    return any(sep and sep in spec for sep in ("/", "\\", os.sep, os.altsep))


def _scenario_list() -> str:
    return ", ".join(scenario_keys())


def _digest_of_mapping(data: Mapping[str, Any]) -> str:
    text = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _with_rule_files(reform: Reform, rule_files: Sequence[str | Path]) -> Reform:
    """The reform with a user's own rule files added (trusted caller only); the digest covers their bytes."""
    files = []
    h = hashlib.sha256((reform.sha256 or "").encode())
    for given in rule_files:
        path = Path(given)
        if path.suffix != ".py" or not path.is_file():
            raise ReformError(f"--trust-rules {given}: no such Python file (FILE.py)")
        files.append(str(path.resolve()))
        h.update(path.read_bytes())
    return dataclasses.replace(reform, rule_files=tuple(reform.rule_files) + tuple(files), sha256=h.hexdigest())


def resolve_reform(spec: Any, *, files: bool = True, system: TaxBenefitSystem | None = None, validate: bool = True,
                   source: str = "reform", relative_to: str | Path | None = None,
                   rule_files: Sequence[str | Path] = ()) -> Reform | None:
    """The one resolver: `spec` → a validated `Reform` (None for the law in force: None or "baseline").

    * a `Reform`: itself;
    * a mapping (reform-file format, e.g. an HTTP body or a household file's `reform:`): parsed (`source` names it
      in messages);
    * a string: a **path** if it contains a path separator, or ends in .yaml/.yml/.json and exists (relative to
      `relative_to` if given, e.g. the household file's folder); a **bare name** is a scenario key — a file of the
      same name in the working directory is never read for it. An unknown name is an error listing the scenarios.
      With `files=False` (the HTTP API) strings are scenario keys only and no file is read.
    * `rule_files`: a user's own Python rule files, added to the reform (only from an explicit, trusted option).

    Validation (`validate`) applies the reform to `system` (default: the shipped system), so that every error
    names the file, line and field before anything is computed.
    """
    reform: Reform | None
    if spec is None or (isinstance(spec, str) and spec == "baseline"):
        reform = None
    elif isinstance(spec, Reform):
        reform = spec
    elif isinstance(spec, Mapping):
        reform = dataclasses.replace(parse_reform(spec, source=source), sha256=_digest_of_mapping(spec))
    elif isinstance(spec, str | os.PathLike):
        reform = _reform_of_text(spec, files, relative_to)
    else:
        raise ReformError(f"{source}: a reform is a scenario key, a reform file or a mapping, got "
                          f"{type(spec).__name__}")
    if rule_files:
        reform = _with_rule_files(reform or Reform(name="trusted rules: " + ", ".join(Path(f).name for f in rule_files),
                                                   key="trusted_rules"), rule_files)
    if reform is not None and validate:
        reform.apply(system or load_system())
    return reform


def _reform_of_text(spec: str | os.PathLike, files: bool, relative_to: str | Path | None) -> Reform:
    text = os.fspath(spec)
    if not isinstance(text, str) or not text.strip():
        raise ReformError(f"{text!r}: give a scenario key (see `gongfu scenarios`) or a reform file")
    shown = text if len(text) <= 80 else text[:77] + "..."
    path_like = isinstance(spec, os.PathLike) or _has_separator(text) or text.lower().endswith(REFORM_SUFFIXES)
    if not files:
        if text in scenario_keys():
            return load_scenario(text, validate=False)
        kind = "files are not read here; " if path_like else ""
        raise ReformError(f"unknown scenario {shown!r}{_suggest(text, tuple(scenario_keys()))}: {kind}give a scenario "
                          f"key or a reform object; scenarios: {_scenario_list()}")
    path = Path(text)
    if relative_to is not None and not path.is_absolute():
        path = Path(relative_to) / path
    if path_like:
        if path.exists():  # a directory, FIFO or device: the safe reader says which, without reading it
            return read_reform(path, key=path.stem)
        hint = ""
        if Path(text).stem in scenario_keys():
            hint = f" (the scenario is `{Path(text).stem}`, without folder or extension)"
        raise ReformError(f"{shown}: no such reform file{hint}; scenarios: {_scenario_list()}")
    if text in scenario_keys():
        return load_scenario(text, validate=False)
    hint = _suggest(text, tuple(scenario_keys()))
    if path.exists():
        raise ReformError(f"{shown!r} is not a scenario{hint}; a file is read only when given as a path, e.g. "
                          f"./{text} or {text}.yaml; scenarios: {_scenario_list()}")
    raise ReformError(f"{shown!r}: no scenario of that name and no reform file (a file is a path such as ./x.yaml)"
                      f"{hint}; scenarios: {_scenario_list()}")


# ---------------------------------------------------------------- the scenario library
def scenario_keys() -> list[str]:
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))


def list_scenarios() -> list[Reform]:
    """Every ready reform of the library (name, description, source, changes), sorted by key."""
    return [read_reform(SCENARIO_DIR / f"{k}.yaml", key=k) for k in scenario_keys()]


def load_scenario(key: str, system: TaxBenefitSystem | None = None, validate: bool = True) -> Reform:
    """A scenario of the library by key (file name without .yaml), validated against `system`."""
    if key not in scenario_keys():  # never a path built from the key (`../x`)
        raise ReformError(f"unknown scenario '{key}'{_suggest(key, tuple(scenario_keys()))}; "
                          f"scenarios: {', '.join(scenario_keys())}")
    reform = read_reform(SCENARIO_DIR / f"{key}.yaml", key=key)
    if validate:
        reform.apply(system or load_system())
    return reform
