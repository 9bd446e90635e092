"""A reform: parameter changes, new parameters and structural (formula) changes, applied to a system as a copy.

```python
from gongfu.reforms import Reform
reform = Reform(name="Resident pension minimum 200", start=2025,
                parameter_changes={"pensions.resident.basic_pension_minimum": 200})
reformed = reform.apply(load_system())          # a new TaxBenefitSystem; the baseline is untouched
sim.branch(reformed)                            # recomputes only what depends on the changed leaves
```
Untouched parameter leaves stay the *same objects*, and untouched variables keep their formulas, so
`Simulation.branch` knows exactly what to recompute.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import importlib.util
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from gongfu.engine import ParameterLeaf, TaxBenefitSystem
from gongfu.engine.errors import GongfuError, ParameterError, ReformError, SystemLoadError, where
from gongfu.engine.geography import PROVINCES
from gongfu.engine.parameters import AREA_KEYS, Scale, Table, leaf_from_mapping
from gongfu.engine.variables import REGISTRY, Variable

from .changes import ChangeCompiler, as_date, compile_change


def text(value: Any, lang: str = "en") -> str:
    """A bilingual field ({en, zh} or a plain string) in one language (falls back to English)."""
    if isinstance(value, Mapping):
        return str(value.get(lang) or value.get("en") or next(iter(value.values()), ""))
    return "" if value is None else str(value)


@dataclass(frozen=True)
class Reform:
    """A change of the law. Built from a YAML file (`load_reform`) or directly in Python.

    * `parameter_changes`: {path: change} — a value, or a mapping as in a reform file (see docs/reforms.md).
    * `new_parameters`: {path: leaf mapping as in a parameter file (values, unit, reference, ...)}.
    * `formulas`: {variable name: function (replaces the formula of an existing variable) or Variable (adds a
      variable or replaces one whole)}; a function decorated with `@variable` may also add its variable.
    * `rules`: names of the structural reforms shipped with gongfu (`gongfu.reforms.structural`, by short name
      or full dotted name): their `@variable`s are added or replace the baseline's, and a module-level
      `FORMULAS` dict works as `formulas`. Any other name is refused without importing anything.
    * `rule_files`: paths of a user's own Python rule files, loaded from those paths (the same as `rules`
      otherwise). Only a trusted caller sets them (`--trust-rules FILE.py`); a reform file or an HTTP body cannot.
    * `start`: default start date of every change (a date or a year).
    """

    name: str | Mapping[str, str] = "reform"
    parameter_changes: Mapping[str, Any] = field(default_factory=dict)
    new_parameters: Mapping[str, Any] = field(default_factory=dict)
    formulas: Mapping[str, Callable[..., Any] | Variable] = field(default_factory=dict)
    rules: Sequence[str] = ()
    start: dt.date | int | None = None
    description: str | Mapping[str, str] = ""
    source: Any = None
    key: str | None = None
    targeting: Mapping[str, Any] | None = None
    notes: Any = None
    #: the households the HTTP API and the web page sample for this scenario by default, where the default sample
    #: (200,000) leaves its net cost with a relative SE above 2% (library scenarios only; docs/reforms.md)
    sample_households: int | None = None
    file: str | None = None
    lines: Mapping[str, int] = field(default_factory=dict)
    rule_files: Sequence[str] = ()
    sha256: str | None = None  # of the reform's source (file bytes, or canonical JSON of a mapping)

    # -- description
    def label(self, lang: str = "en") -> str:
        return text(self.name, lang)

    @property
    def slug(self) -> str:
        if self.key:
            return self.key
        return "".join(c if c.isalnum() else "_" for c in self.label().lower()).strip("_")[:60] or "reform"

    @property
    def changed_parameters(self) -> tuple[str, ...]:
        """Paths the reform sets or adds (the leaves that will differ from the baseline)."""
        return tuple(self.parameter_changes) + tuple(p for p in self.new_parameters if p not in self.parameter_changes)

    @property
    def start_date(self) -> dt.date | None:
        return None if self.start is None else as_date(self.start, self._at("from"))

    def _at(self, key: str) -> str:
        return where(self.file, self.lines.get(key))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (for the CLI, the HTTP API and reports)."""
        start = self.start_date
        return {"key": self.slug, "name": self.name, "description": self.description, "source": self.source,
                "from": start.isoformat() if start else None, "parameters": list(self.parameter_changes),
                "new_parameters": list(self.new_parameters), "rules": list(self.rules),
                "formulas": list(self.formulas), "targeting": dict(self.targeting) if self.targeting else None,
                "sample_households": self.sample_households, "file": self.file}

    def with_changes(self, changes: Mapping[str, Any], **fields: Any) -> Reform:
        """A copy with more (or overriding) parameter changes, e.g. a threshold chosen by the runner."""
        merged = dict(self.parameter_changes)
        merged.update(changes)
        return replace(self, parameter_changes=merged, **fields)

    # -- applying
    def parameters(self, system: TaxBenefitSystem) -> Any:
        """The reformed parameter tree (new parameters added, changes applied; other leaves shared)."""
        tree = system.parameters
        start = self.start_date
        title = self.label()
        added: dict[str, ParameterLeaf] = {}
        for path, data in self.new_parameters.items():
            at = self._at(f"new_parameters.{path}")
            _check_path(path, at)
            if path in tree:
                raise ReformError(f"{at}{path} already exists: change it under `parameters:` instead")
            if not isinstance(data, Mapping) or "values" not in data:
                raise ReformError(f"{at}{path}: a new parameter is a mapping with `values`, `unit` and `reference` "
                                  "(as in a parameter file)")
            data = _with_dates(data, f"{at}{path}: ")
            try:
                leaf = leaf_from_mapping(path, data, self.file or "<reform>", self.lines.get(f"new_parameters.{path}"), None)
            except ParameterError as exc:
                raise ReformError(str(exc)) from None
            checker = ChangeCompiler(leaf, None, None, self.file, self.lines.get(f"new_parameters.{path}"), title)
            for _, value in leaf.values:
                checker.check_signs(value, f"{at}{path}: ")  # no negative amounts, as for changes
            added[path] = replace(leaf, notes=leaf.notes or f"added by reform: {title}")
        if added:
            try:
                tree = tree.with_leaves(added)
            except ParameterError as exc:
                raise ReformError(f"{self._at('new_parameters')}{exc}") from None
        changed: dict[str, ParameterLeaf] = {}
        for path, spec in self.parameter_changes.items():
            line = self.lines.get(f"parameters.{path}")
            at = where(self.file, line)
            _check_path(path, at)
            found = tree.find(path)
            if found is None:
                raise ReformError(f"{at}unknown parameter '{path}'{tree.suggest(path)}")
            if not isinstance(found, ParameterLeaf):
                inside = sorted(p for p in tree.leaves() if p.startswith(path + "."))
                listed = ", ".join(inside[:8]) + (", ..." if len(inside) > 8 else "")
                raise ReformError(f"{at}'{path}' is a group of parameters, not one parameter: change one of {listed}")
            changed[path] = compile_change(found, spec, start, self.file, line, title)
        return tree.with_leaves(changed) if changed else tree

    def variables(self, system: TaxBenefitSystem) -> dict[str, Variable]:
        """The reformed variables: the baseline's, with the structural changes."""
        variables = dict(system.variables)
        for index, rule in enumerate(self.rules):
            at = self._at(f"rules.{index}")
            for name, new in _shipped_formulas(rule, at).items():
                variables[name] = _resolve(variables, name, new, at)
        for path in self.rule_files:
            for name, new in _file_formulas(path).items():
                variables[name] = _resolve(variables, name, new, f"{path}: ")
        for name, new in self.formulas.items():
            variables[name] = _resolve(variables, name, new, self._at("formulas"))
        return variables

    def apply(self, system: TaxBenefitSystem) -> TaxBenefitSystem:
        """A new system with the reform: validated completely before anything is computed."""
        parameters = self.parameters(system)
        variables = self.variables(system) if (self.rules or self.formulas or self.rule_files) else system.variables
        try:
            return TaxBenefitSystem(variables, parameters, name=self.slug)
        except SystemLoadError as exc:
            raise ReformError(f"{self._at('rules') if self.rules else ''}the reform's rules do not fit the "
                              f"system: {exc}") from None

    validate = apply

    def diff(self, system: TaxBenefitSystem, year: int) -> list[dict[str, Any]]:
        """What the reform changes on 1 January of `year`: [{parameter, unit, before, after}] (tables: only the
        rows that differ; scales as thresholds/rates)."""
        date = dt.date(int(year), 1, 1)
        before, after = system.parameters.at(date), self.apply(system).parameters.at(date)
        out = []
        for path in self.changed_parameters:
            leaf = after.tree.leaf(path)
            old = before.get(path) if path in system.parameters else None
            new = after.get(path)
            if isinstance(new, Table):
                rows = _table_rows(old if isinstance(old, Table) else None, new)
                out.append({"parameter": path, "unit": leaf.unit, "rows": rows})
                continue
            out.append({"parameter": path, "unit": leaf.unit, "before": _plain(old), "after": _plain(new)})
        return out


# ---------------------------------------------------------------- helpers
def _check_path(path: Any, at: str) -> None:
    if not isinstance(path, str) or not path or not all(p.replace("_", "a").isalnum() for p in path.split(".")):
        raise ReformError(f"{at}{path!r} is not a parameter path (dotted snake_case, e.g. tax.iit.basic_deduction)")


def _with_dates(data: Mapping[str, Any], at: str) -> Mapping[str, Any]:
    """Python callers may write dates as strings ("2025-01-01") or years in `values`."""
    values = data.get("values")
    if not isinstance(values, Mapping) or all(isinstance(k, dt.date) for k in values):
        return data
    out = dict(data)
    out["values"] = {as_date(k, at): v for k, v in values.items()}
    return out


def check_rule(rule: Any, at: str) -> str:
    """The registry name of a `rules:` entry, or a ReformError: only structural reforms shipped with gongfu can
    be named (nothing is imported to check, and the message lists only the shipped names)."""
    from . import structural

    name = structural.registry_name(rule)
    if name is None:
        shown = repr(rule) if len(repr(rule)) <= 80 else repr(rule)[:77] + "..."
        raise ReformError(f"{at}rules: {shown} is not a structural reform shipped with gongfu; rules names one of "
                          f"{', '.join(structural.names()) or '(none)'} (your own Python rules: give the file with "
                          "--trust-rules FILE.py on the command line)")
    return name


def _formulas_of(module: Any, label: str, at: str) -> dict[str, Any]:
    out: dict[str, Any] = {var.name: var for var in REGISTRY.get(module.__name__, ())}
    out.update(getattr(module, "FORMULAS", {}) or {})
    if not out:
        raise ReformError(f"{at}rules {label} declares no variable (@variable) and no FORMULAS")
    return out


def _shipped_formulas(rule: Any, at: str) -> dict[str, Any]:
    """The formulas of a shipped structural reform, by registry name."""
    from . import structural

    name = check_rule(rule, at)
    return _formulas_of(structural.load(name), f"'{name}'", at)


def _file_formulas(path: str) -> dict[str, Any]:
    """The formulas of a user's Python rule file, loaded from its path once per process (under a module name
    made from the path, so that its @variables register apart from any other module)."""
    file = str(path)
    module_name = "gongfu_trusted_rules._" + hashlib.sha256(file.encode()).hexdigest()[:16]
    module = sys.modules.get(module_name)
    if module is None:
        spec = importlib.util.spec_from_file_location(module_name, file)
        if spec is None or spec.loader is None or not file.endswith(".py"):
            raise ReformError(f"{file}: a rule file is a Python file (.py)")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        try:
            spec.loader.exec_module(module)
        except GongfuError:
            sys.modules.pop(module_name, None)
            raise
        except FileNotFoundError:
            sys.modules.pop(module_name, None)
            raise ReformError(f"{file}: no such rule file") from None
        except Exception as exc:  # an error in the user's own file: say where, no traceback
            sys.modules.pop(module_name, None)
            raise ReformError(f"{file}: cannot load the rule file: {type(exc).__name__}: {exc}") from None
    return _formulas_of(module, f"file {file}", f"{file}: ")


def _resolve(variables: Mapping[str, Variable], name: str, new: Any, at: str) -> Variable:
    if isinstance(new, Variable):
        if new.name != name:
            raise ReformError(f"{at}formula for '{name}' is the variable '{new.name}': the names must match")
        return new
    declared = getattr(new, "variable", None)
    if name not in variables:
        if isinstance(declared, Variable) and declared.name == name:
            return declared
        close = difflib.get_close_matches(name, list(variables), n=3)
        hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
        raise ReformError(f"{at}unknown variable '{name}'{hint}; to add a variable, declare it with @variable")
    if not callable(new):
        raise ReformError(f"{at}formula for '{name}' must be a function or a Variable, got {new!r}")
    return variables[name].with_formula(new)


def _plain(value: Any) -> Any:
    if isinstance(value, Scale):
        return value.to_dict()
    return value


def _table_rows(old: Table | None, new: Table) -> dict[str, Any]:
    rows: dict[str, Any] = {}
    for i, prov in enumerate(PROVINCES):
        a = None if old is None else old.values[i]
        b = new.values[i]
        if a is not None and np.array_equal(np.asarray(a), np.asarray(b)):
            continue
        if new.by_area:
            rows[prov.key] = {area: {"before": None if a is None else float(a[k]), "after": float(b[k])}
                              for k, area in enumerate(AREA_KEYS)}
        else:
            rows[prov.key] = {"before": None if a is None else float(a), "after": float(b)}
    return rows
