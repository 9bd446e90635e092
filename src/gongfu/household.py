"""Household files (YAML or JSON): one household, its persons, any variable given as input.

```yaml
year: 2025
household: {province: zhejiang, area: urban}       # province: pinyin name or GB/T 2260 code ("33")
persons:
  - {name: father, age: 38, hukou_province: anhui, hukou_type: rural, wage_income: 96000}
  - {name: son, age: 2}
```
Every problem is reported with the file, line and field (`InputError`), never a traceback.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .engine import HOUSEHOLD, PERSON, InputError, Simulation, TaxBenefitSystem, load_system
from .engine.errors import GongfuError, where
from .engine.geography import province
from .engine.variables import Variable, allowed, check_values
from .engine.yamlio import LineDict, load_yaml

TOP_KEYS = {"year", "household", "persons", "name", "description", "source", "expected", "tolerance", "reform"}
DEFAULT_YEAR = 2025
MAX_PERSONS = 50


@dataclass
class HouseholdInput:
    """A parsed household: arrays for one household and its persons, plus the persons' names."""

    year: int
    households: dict[str, Any]
    persons: dict[str, Any]
    names: list[str]
    source: str

    def simulate(self, system: TaxBenefitSystem | None = None) -> Simulation:
        return (system or load_system()).simulation(households=self.households, persons=self.persons,
                                                    year=self.year)


def read_household(path: str | Path, system: TaxBenefitSystem | None = None) -> HouseholdInput:
    """Read and check a household file."""
    data = load_yaml(path)
    return parse_household(data, system or load_system(), source=str(path))


def parse_household(data: Any, system: TaxBenefitSystem, source: str = "<household>") -> HouseholdInput:
    """Check a household mapping against the system's variables and turn it into arrays."""
    line = getattr(data, "line", None)
    if not isinstance(data, dict):
        raise InputError(f"{where(source, line)}a household file is a mapping with `household` and `persons`")
    unknown = set(data) - TOP_KEYS
    if unknown:
        key = sorted(unknown, key=str)[0]
        raise InputError(f"{_at(source, data, key)}{key}: unknown key; expected {sorted(TOP_KEYS - {'expected'})}")
    year = data.get("year", DEFAULT_YEAR)
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        raise InputError(f"{_at(source, data, 'year')}year: expected a year such as 2025, got {year!r}")
    household = data.get("household")
    if not isinstance(household, dict):
        raise InputError(f"{_at(source, data, 'household')}household: expected a mapping such as "
                         "{province: zhejiang, area: urban}")
    if "province" not in household:
        raise InputError(f"{_at(source, data, 'household')}household.province: missing (pinyin name or GB/T code)")
    persons = data.get("persons")
    if not isinstance(persons, list) or not persons:
        raise InputError(f"{_at(source, data, 'persons')}persons: expected a non-empty list of persons")
    if len(persons) > MAX_PERSONS:
        raise InputError(f"{_at(source, data, 'persons')}persons: at most {MAX_PERSONS} persons in one household")

    hh_values = {"household_id": np.array([0], dtype=np.int64)}
    for key, value in household.items():
        var = _variable(system, key, HOUSEHOLD, source, household, "household")
        hh_values[key] = np.array([_value(var, value, source, household, key, f"household.{key}")])

    names, columns = [], {}
    for i, person in enumerate(persons):
        label = f"persons[{i}]"
        if not isinstance(person, dict):
            raise InputError(f"{where(source, line)}{label}: expected a mapping such as {{name: a, age: 30}}")
        name = str(person.get("name", f"person{i + 1}"))
        if name in names:
            raise InputError(f"{_at(source, person, 'name')}{label}.name: '{name}' is used twice")
        names.append(name)
        if "age" not in person:
            raise InputError(f"{where(source, getattr(person, 'line', None))}{label}.age: missing (every person needs an age)")
        for key, value in person.items():
            if key == "name":
                continue
            var = _variable(system, key, PERSON, source, person, label)
            columns.setdefault(key, {})[i] = _value(var, value, source, person, key, f"{label}.{key}")

    n = len(persons)
    person_values: dict[str, Any] = {"household_id": np.zeros(n, dtype=np.int64)}
    for key, given in columns.items():
        var = system.variables[key]
        values = np.full(n, var.default, dtype=var.np_dtype)
        mask = np.ones(n, dtype=bool)
        for i, v in given.items():
            values[i], mask[i] = v, False
        person_values[key] = np.ma.MaskedArray(values, mask=mask) if mask.any() else values
    parsed = HouseholdInput(year=year, households=hh_values, persons=person_values, names=names, source=source)
    from .rules.secondary.tax.iit import check_household_inputs  # legal limits of the income-tax choices
    check_household_inputs(parsed, system, household, persons)
    return parsed


def _at(source: str, mapping: Any, key: str) -> str:
    line = mapping.line_of(key) if isinstance(mapping, LineDict) else None
    return where(source, line)


def _variable(system: TaxBenefitSystem, key: Any, entity: Any, source: str, mapping: Mapping, label: str) -> Variable:
    at = _at(source, mapping, key)
    var = system.variables.get(key) if isinstance(key, str) else None
    if var is None:
        try:
            system.variable(str(key))
        except GongfuError as exc:
            raise InputError(f"{at}{label}.{key}: {exc}") from None
    if var.unit == "id":
        raise InputError(f"{at}{label}.{key}: identifiers are numbered by gongfu; leave `{key}` out")
    if var.entity is not entity:
        other = "household" if entity is PERSON else "persons"
        raise InputError(f"{at}{label}.{key}: '{key}' is a {var.entity.key} variable; give it under `{other}`")
    return var


def _value(var: Variable, value: Any, source: str, mapping: Mapping, key: str, label: str) -> Any:
    at = f"{_at(source, mapping, key)}{label}: "
    if var.unit == "GB/T 2260":
        try:
            return province(value).code
        except KeyError as exc:
            raise InputError(f"{at}{exc.args[0]}") from None
    if var.enum is not None:
        if isinstance(value, int | float) and not isinstance(value, bool):  # a code: must be a member's
            prefix = _at(source, mapping, key)
            check_values(var, value, label, error=lambda message: InputError(prefix + message))
        try:
            return int(var.enum.parse(value))
        except ValueError as exc:
            raise InputError(f"{at}{exc}") from None
    if var.dtype == "bool":
        if not isinstance(value, bool):
            raise InputError(f"{at}expected true or false, got {value!r}")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"{at}expected a number ({var.unit}), got {value!r}")
    if isinstance(value, int) and abs(value) >= 2 ** 63:  # beyond any storage type: never wrapped
        digits = str(value)
        shown = digits if len(digits) <= 30 else f"{digits[:20]}… ({len(digits)} digits)"
        raise InputError(f"{at}{shown} is outside the allowed range {allowed(var)}")
    prefix = _at(source, mapping, key)
    check_values(var, value, label, error=lambda message: InputError(prefix + message))
    return value
