"""One entry of a reform's `parameters:` section turned into a new, validated `ParameterLeaf`.

Forms of a change (see docs/reforms.md):

* ``path: 200`` or ``path: {value: 200, from: 2026-01-01, unit: CNY/month}`` — the value in force from the start
  date; later dated values of the baseline are dropped (the reform fixes the value from then on).
* ``path: {values: {2025-01-01: 200, 2027-01-01: 250}}`` — dated values, as in a parameter file.
* ``path: {multiply: 1.2}`` / ``{add: 50}`` — a number, every cell of a table (or both at once: × then +).
* ``path: {uprating: {rate: 0.05}, from: 2026-01-01}`` — dynamic adjustment (issue 14): the value in force on the
  start date (or ``value``, if given with it) then moves each year by the rule: ``{rate: r}``, ``{index: cpi |
  average_wage | consumption | income, lag: 1}``, ``frozen``, or ``{share_of: consumption | income, ratio: 0.3,
  lag: 1}`` (every year from the start: ratio × per-capita consumption (income) of the previous year, urban and
  rural levels for a table by area — national levels, provincial ones are not in the data). engine/uprating.py.
* scales: ``{rates: [...]}`` and/or ``{thresholds: [...]}`` — the other list is kept.
* tables: rows by province, ``{zhejiang: 1300}``, ``{zhejiang: {urban: 1300}}`` (the other area kept),
  ``{zhejiang: {multiply: 1.1}}``; may be combined with a whole-table ``multiply``/``add`` (applied first).

Relative changes (multiply, add, partial scales, table rows) apply to the value in force on the start date and
to every later dated value of the baseline, so a reform "20% above the law" stays 20% above it. Every value is
checked against the leaf: type (number or true/false), unit (when the change states one), allowed range, rates in
[0, 1], no negative amounts. Errors are `ReformError`s naming the file, the line and the parameter.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from gongfu.engine.errors import ParameterError, ReformError, where
from gongfu.engine.geography import PROVINCES, province
from gongfu.engine.parameters import AREA_KEYS, UNITS, ParameterLeaf, finite_float, validate_value

CONTROL_KEYS = ("from", "unit", "note", "uprating")
KIND_KEYS: dict[str, tuple[str, ...]] = {
    "value": ("value", "values", "multiply", "add"),
    "scale": ("value", "values", "thresholds", "rates"),
    "table": ("value", "values", "multiply", "add"),
}
ROW_KEYS = ("urban", "rural", "multiply", "add")
PROVINCE_KEYS = tuple(p.key for p in PROVINCES)
PER_YEAR = {"CNY/year": 1.0, "CNY/month": 12.0, "CNY/day": 365.0}


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _is_finite_number(x: Any) -> bool:
    """A number that is not NaN or infinite and fits a float (factors and shifts of relative changes)."""
    return _is_number(x) and finite_float(x) is not None


def _line(mapping: Any, key: Any, default: int | None) -> int | None:
    lines = getattr(mapping, "lines", None)
    return lines.get(key, default) if lines else default


def as_date(value: Any, at: str) -> dt.date:
    """A start date from YAML: a date, a datetime, a year (→ 1 January) or an ISO string."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and 1900 <= value <= 2200:
        return dt.date(value, 1, 1)
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ReformError(f"{at}{value!r} is not a date: write YYYY-MM-DD (or a year, meaning its 1 January)")


class ChangeCompiler:
    """Compiles one change against one leaf. `file`/`line` point at the change in the reform file."""

    def __init__(self, leaf: ParameterLeaf, spec: Any, default_start: dt.date | None, file: str | None,
                 line: int | None, source_title: str):
        self.leaf = leaf
        self.spec = spec
        self.default_start = default_start
        self.file = file
        self.line = line
        self.source_title = source_title

    # -- messages
    def at(self, key: Any = None, mapping: Any = None) -> str:
        line = _line(mapping if mapping is not None else self.spec, key, self.line) if key is not None else self.line
        return f"{where(self.file, line)}{self.leaf.path}: "

    def fail(self, message: str, key: Any = None, mapping: Any = None) -> ReformError:
        return ReformError(self.at(key, mapping) + message)

    # -- entry point
    def compile(self) -> ParameterLeaf:
        spec = self.spec
        if not isinstance(spec, dict):
            spec = {"value": spec}
        if "uprating" in spec:
            return self._indexed(spec)
        self._check_keys(spec)
        self._check_unit(spec)
        if "values" in spec:
            values = self._dated(spec)
        else:
            start = self._start(spec)
            if "value" in spec:
                kept = tuple((d, v) for d, v in self.leaf.values if d < start)
                values = kept + ((start, self._absolute(spec["value"], "value")),)
            else:
                values = self._relative(spec, start)
        return replace(self.leaf, values=values, reference=self._reference())

    def _indexed(self, spec: Mapping[Any, Any]) -> ParameterLeaf:
        """A dynamic adjustment: the value on the start date (given or in force), then the `uprating` rule."""
        from gongfu.engine.uprating import parse

        others = [k for k in spec if k not in CONTROL_KEYS + ("value",)]
        if others:
            raise self.fail(f"`uprating` (dynamic adjustment) combines only with `value` and `from`, not "
                            f"{', '.join(f'`{k}`' for k in others)}", others[0])
        self._check_unit(spec)
        start = self._start(spec)
        try:
            rule = parse(spec["uprating"], self.leaf.path, self.leaf.kind, self.leaf.unit, self.file,
                         _line(spec, "uprating", self.line), source="reform", start=start.year)
        except ParameterError as exc:
            raise ReformError(str(exc)) from None
        if rule.method == "share" and (start.month, start.day) != (1, 1):
            raise self.fail(f"a share_of rule starts on 1 January (simulations read 1 January), got {start}", "from")
        if "value" in spec:
            current = self._absolute(spec["value"], "value")
        else:
            current, _ = self.leaf.value_at(start)
            if current is None:
                raise self.fail(f"no value in force on {start} to index: give `value` with `uprating`", "uprating")
        kept = tuple((d, v) for d, v in self.leaf.values if d < start)
        return replace(self.leaf, values=kept + ((start, current),), reference=self._reference(), uprating=rule)

    def _reference(self) -> Any:
        return {"title": f"reform: {self.source_title}", "reform_file": where(self.file, self.line).rstrip(": "),
                "baseline_reference": self.leaf.reference}

    # -- structure
    def _check_keys(self, spec: Mapping[Any, Any]) -> None:
        leaf = self.leaf
        allowed = CONTROL_KEYS + KIND_KEYS[leaf.kind]
        if leaf.unit == "bool":
            allowed = CONTROL_KEYS + ("value", "values")
        for key in spec:
            if key in allowed or (leaf.kind == "table" and isinstance(key, str) and _is_province(key)):
                continue
            options = list(allowed) + (list(PROVINCE_KEYS) if leaf.kind == "table" else [])
            close = difflib.get_close_matches(str(key), options, n=2)
            hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
            what = {"value": "a number" if leaf.unit != "bool" else "a switch (true/false)",
                    "scale": "a scale", "table": "a table by province"}[leaf.kind]
            raise self.fail(f"unknown key '{key}'{hint}; {leaf.path} is {what}: use {', '.join(allowed)}"
                            + (" or province names" if leaf.kind == "table" else ""), key)
        modes = [k for k in spec if k not in CONTROL_KEYS]
        if not modes:
            raise self.fail("nothing to change: give `value` (or " + ", ".join(KIND_KEYS[leaf.kind][1:]) + ")")
        if "values" in modes and len(modes) > 1:
            raise self.fail("`values` (dated values) cannot be combined with other changes", "values")
        if "value" in modes and len(modes) > 1:
            raise self.fail("`value` replaces the whole parameter: it cannot be combined with "
                            + ", ".join(f"`{m}`" for m in modes if m != "value"), "value")
        if "values" in modes and "from" in spec:
            raise self.fail("`from` is not used with `values` (each value has its own date)", "from")

    def _check_unit(self, spec: Mapping[Any, Any]) -> None:
        unit = spec.get("unit")
        if unit is None or unit == self.leaf.unit:
            return
        if unit not in UNITS:
            raise self.fail(f"unit {unit!r} is not a unit; units are {', '.join(sorted(UNITS))}", "unit")
        hint = ""
        if unit in PER_YEAR and self.leaf.unit in PER_YEAR and self.leaf.kind == "value" \
                and _is_number(spec.get("value")):
            converted = spec["value"] * PER_YEAR[unit] / PER_YEAR[self.leaf.unit]
            hint = f" ({spec['value']} {unit} = {converted:g} {self.leaf.unit}: write `value: {converted:g}`)"
        raise self.fail(f"wrong unit: the parameter is in {self.leaf.unit}, the reform says {unit}{hint}", "unit")

    def _start(self, spec: Mapping[Any, Any]) -> dt.date:
        if "from" in spec:
            return as_date(spec["from"], self.at("from"))
        if self.default_start is None:
            raise self.fail("no start date: give `from:` at the top of the reform or in this change")
        return self.default_start

    # -- absolute values
    def _absolute(self, raw: Any, key: Any, mapping: Any = None) -> Any:
        """Validate a whole value (number/bool, scale mapping, table mapping) and return it canonical."""
        leaf = self.leaf
        at = self.at(key, mapping)
        if raw is None:
            raise ReformError(f"{at}no value (null): a reform cannot abolish a parameter that formulas read; "
                              "set 0 or false instead")
        if leaf.kind == "value" and leaf.unit != "bool" and isinstance(raw, bool):
            raise ReformError(f"{at}expected a number ({leaf.unit}), got {str(raw).lower()} (true/false is for "
                              "switches)")
        if leaf.kind == "value" and leaf.unit == "bool" and _is_number(raw):
            raise ReformError(f"{at}{leaf.path} is a switch: expected true or false, got {raw!r}")
        if leaf.kind == "table" and _is_number(raw):
            raw = {"_default": raw}  # one number for every province (and area)
        try:
            canonical = validate_value(leaf, raw, None, None)
        except ParameterError as exc:
            raise ReformError(at + str(exc).removeprefix(f"{leaf.path}: ")) from None
        self.check_signs(canonical, at)
        return canonical

    def _dated(self, spec: Mapping[Any, Any]) -> tuple[tuple[dt.date, Any], ...]:
        dated = spec["values"]
        if not isinstance(dated, dict) or not dated:
            raise self.fail("`values` maps dates (YYYY-MM-DD) to values", "values")
        out = []
        for start, raw in dated.items():
            day = as_date(start, self.at(start, dated))
            out.append((day, self._absolute(raw, start, dated)))
        out.sort(key=lambda item: item[0])
        kept = tuple((d, v) for d, v in self.leaf.values if d < out[0][0])
        return kept + tuple(out)

    # -- relative changes
    def _relative(self, spec: Mapping[Any, Any], start: dt.date) -> tuple[tuple[dt.date, Any], ...]:
        transform = {"value": self._number_transform, "scale": self._scale_transform,
                     "table": self._table_transform}[self.leaf.kind](spec)
        current, since = self.leaf.value_at(start)
        if current is None:
            raise self.fail(f"no value in force on {start} to change relatively: give `value` instead")
        kept = tuple((d, v) for d, v in self.leaf.values if d < start)
        later = tuple((d, None if v is None else transform(v)) for d, v in self.leaf.values if d > start)
        return kept + ((start, transform(current)),) + later

    def _factor(self, spec: Mapping[Any, Any], key: str, neutral: float) -> float:
        value = spec.get(key, neutral)
        if not _is_finite_number(value):
            raise self.fail(f"`{key}` must be a finite number, got {_shown(value)}", key, spec)
        if key == "multiply" and value < 0:
            raise self.fail(f"`multiply` must not be negative, got {value!r}", key, spec)
        return float(value)

    def _number_transform(self, spec: Mapping[Any, Any]) -> Callable[[Any], Any]:
        factor, shift = self._factor(spec, "multiply", 1.0), self._factor(spec, "add", 0.0)
        at = self.at(next(k for k in spec if k in ("multiply", "add")))

        def apply(raw: Any) -> Any:
            value = round(float(raw) * factor + shift, 9)  # no binary noise (1382 × 1.2 = 1658.4)
            self._check_number(value, at)
            return value

        return apply

    def _scale_transform(self, spec: Mapping[Any, Any]) -> Callable[[Any], Any]:
        for key in ("thresholds", "rates"):
            if key in spec and (not isinstance(spec[key], list) or not all(_is_finite_number(x) for x in spec[key])):
                raise self.fail(f"`{key}` must be a list of finite numbers", key)
        key = "rates" if "rates" in spec else "thresholds"
        at = self.at(key)

        def apply(raw: Any) -> Any:
            new = {"thresholds": spec.get("thresholds", raw["thresholds"]), "rates": spec.get("rates", raw["rates"])}
            if len(new["thresholds"]) != len(new["rates"]):
                given = "rates" if "rates" in spec and "thresholds" not in spec else "thresholds"
                raise ReformError(f"{at}{len(spec[given])} {given} given for a scale of {len(raw['thresholds'])} "
                                  "brackets: give both `thresholds` and `rates` to change the number of brackets")
            return self._absolute(new, key)

        return apply

    def _table_transform(self, spec: Mapping[Any, Any]) -> Callable[[Any], Any]:
        leaf = self.leaf
        by_area = "area" in leaf.index
        factor, shift = self._factor(spec, "multiply", 1.0), self._factor(spec, "add", 0.0)
        rows: list[tuple[int, Any, int | None, str]] = []
        for key, row in spec.items():
            if key in CONTROL_KEYS or key in ("multiply", "add"):
                continue
            rows.append((_province_index(key), row, _line(spec, key, self.line), str(key)))
            self._check_row(row, key, by_area)
        seen: dict[int, str] = {}
        for index, _, line, key in rows:
            if index in seen:
                raise ReformError(f"{where(self.file, line)}{leaf.path}: province {PROVINCES[index].key} given twice "
                                  f"({seen[index]!r} and {key!r})")
            seen[index] = key

        def apply(raw: Any) -> Any:
            table = np.array(raw["values"], dtype=np.float64)
            table = np.round(table * factor + shift, 9)
            estimated = set(raw.get("estimated", ()))
            for index, row, line, key in rows:
                at = f"{where(self.file, line)}{leaf.path}: {key}: "
                table[index] = self._row_value(table[index], row, by_area, at)
                if not isinstance(row, dict) or not set(row) & {"multiply", "add"}:
                    estimated.discard(PROVINCES[index].key)  # a value set by the reform is not an estimate
                for cell in np.atleast_1d(table[index]):
                    self._check_number(float(cell), at)
            at_all = self.at("multiply" if "multiply" in spec else ("add" if "add" in spec else None))
            for cell in table.ravel():
                self._check_number(float(cell), at_all)
            return {"values": table, "estimated": frozenset(estimated)}

        return apply

    def _check_row(self, row: Any, key: Any, by_area: bool) -> None:
        if _is_number(row) and not _is_finite_number(row):
            raise self.fail(f"row {key!r}: must be a finite number, got {_shown(row)}", key)
        if _is_number(row):
            return
        area_keys = ("urban", "rural") if by_area else ()
        if isinstance(row, dict) and row and set(row) <= set(area_keys + ("multiply", "add")):
            for k, v in row.items():
                if not _is_finite_number(v):
                    raise self.fail(f"{key}.{k} must be a finite number, got {_shown(v)}", k, row)
                if k == "multiply" and v < 0:
                    raise self.fail(f"{key}.multiply must not be negative, got {v!r}", k, row)
            return
        expected = "a number, {urban: .., rural: ..} (either or both)" if by_area else "a number"
        raise self.fail(f"row {key!r}: expected {expected}, or {{multiply: ..}} / {{add: ..}}; got {row!r}", key)

    @staticmethod
    def _row_value(current: Any, row: Any, by_area: bool, at: str) -> Any:
        if _is_number(row):
            return float(row)
        out = np.round(np.array(current, dtype=np.float64) * float(row.get("multiply", 1.0))
                       + float(row.get("add", 0.0)), 9)
        if by_area:
            for area_code, area in enumerate(AREA_KEYS):
                if area in row:
                    out[area_code] = float(row[area])
        return out

    # -- checks
    def _check_number(self, value: float, at: str) -> None:
        leaf = self.leaf
        if not np.isfinite(value):
            raise ReformError(f"{at}value must be a finite number, got {value!r} (the result of the change)")
        if leaf.range is not None:
            lo, hi = leaf.range
            if (lo is not None and value < lo) or (hi is not None and value > hi):
                raise ReformError(f"{at}{value:g} is outside the allowed range [{lo}, {hi}] of {leaf.path}")
            return
        if leaf.unit == "rate" and not 0.0 <= value <= 1.0:
            raise ReformError(f"{at}a rate is a fraction between 0 and 1, got {value:g}")
        if value < 0:
            raise ReformError(f"{at}{value:g} is negative: {leaf.path} ({leaf.unit}) cannot be below 0")

    def check_signs(self, canonical: Any, at: str) -> None:
        """Values validate_value accepted but a reform may not set: negative amounts where the leaf has no range."""
        leaf = self.leaf
        if canonical is None or isinstance(canonical, bool):
            return
        if leaf.kind == "value":
            self._check_number(float(canonical), at)
        elif leaf.kind == "table":
            for cell in np.ravel(canonical["values"]):
                self._check_number(float(cell), at)
        elif any(t < 0 for t in canonical["thresholds"]):
            raise ReformError(f"{at}scale thresholds cannot be negative, got {canonical['thresholds']}")


def _shown(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and len(str(abs(value))) > 30:
        return f"an integer of {len(str(abs(value)))} digits"
    return repr(value)


def _is_province(key: str) -> bool:
    try:
        province(key)
    except KeyError:
        return False
    return True


def _province_index(key: Any) -> int:
    code = province(key).code
    return next(i for i, p in enumerate(PROVINCES) if p.code == code)


def compile_change(leaf: ParameterLeaf, spec: Any, default_start: dt.date | None, file: str | None = None,
                   line: int | None = None, source_title: str = "reform") -> ParameterLeaf:
    """The leaf after the change `spec` (see the module docstring); raises ReformError with file and line."""
    return ChangeCompiler(leaf, spec, default_start, file, line, source_title).compile()
