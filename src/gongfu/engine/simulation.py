"""A simulation: one population (columnar arrays) under one system for one year, computed lazily."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from .entities import HOUSEHOLD, PERSON, Entity, Members
from .errors import InputError
from .variables import Variable

if TYPE_CHECKING:  # system.py builds simulations (TaxBenefitSystem.simulation): no import back
    from .system import TaxBenefitSystem

ID_COLUMNS = frozenset({"household_id", "person_id"})


class Simulation:
    """Computes any variable of `system` for the given households and persons in `year`.

    `households` and `persons` map variable names to arrays (a `np.ma.MaskedArray` gives values for some rows
    only: masked rows keep the formula's value). Persons are grouped by household, in household order, and
    carry `household_id`. Values are computed on first request and cached.
    """

    def __init__(self, system: TaxBenefitSystem, households: Mapping[str, Any], persons: Mapping[str, Any],
                 year: int, strict: bool = True, _members: Members | None = None):
        self.system = system
        self.year = int(year)
        self.date = dt.date(self.year, 1, 1)
        self.parameters = system.parameters.at(self.date)
        if "household_id" not in households or "household_id" not in persons:
            raise InputError("both households and persons need a `household_id` column")
        self.members = _members or _membership(np.asarray(households["household_id"]),
                                               np.asarray(persons["household_id"]))
        self.sizes = {PERSON: self.members.n_persons, HOUSEHOLD: self.members.n_households}
        self._inputs: dict[str, tuple[np.ndarray, np.ndarray | None]] = {}
        self._cache: dict[str, np.ndarray] = {}
        self._projected: dict[str, np.ndarray] = {}
        for entity, table in ((HOUSEHOLD, households), (PERSON, persons)):
            for name, values in table.items():
                if entity is PERSON and name == "household_id":
                    continue  # the membership key, not a person variable
                self.set_input(name, values, entity=entity, strict=strict)

    # -- inputs
    def set_input(self, name: str, values: Any, entity: Entity | None = None, strict: bool = True) -> None:
        """Give a variable's values (overrides its formula; masked entries keep the formula's value)."""
        var = self.system.variables.get(name)
        if var is None:
            if not strict:
                return
            self.system.variable(name)  # raises with a suggestion
        if entity is not None and var.entity is not entity:
            raise InputError(f"'{name}' is a {var.entity.key} variable, given in the {entity.key} table")
        n = self.sizes[var.entity]
        mask = None
        if isinstance(values, np.ma.MaskedArray):
            mask = ~np.ma.getmaskarray(values)
            values = values.filled(var.default)
            if mask.all():
                mask = None
            elif not mask.any():
                return
        array = _coerce(var, values, n)
        self._inputs[name] = (array, mask)
        self._cache.pop(name, None)
        self._projected.pop(name, None)

    def is_input(self, name: str) -> bool:
        return name in self._inputs

    # -- computing
    def calc(self, name: str) -> np.ndarray:
        """The values of a variable (one per person or per household)."""
        cached = self._cache.get(name)
        if cached is not None:
            return cached
        var = self.system.variable(name)
        given = self._inputs.get(name)
        if given is not None and given[1] is None:
            value = given[0]
        elif var.formula is None:
            value = given[0] if given is not None else var.default_array(self.sizes[var.entity])
        else:
            value = self._run_formula(var)
            if given is not None:
                value = np.where(given[1], given[0], value)
        self._cache[name] = value
        return value

    def calc_many(self, names: Iterable[str]) -> dict[str, np.ndarray]:
        return {name: self.calc(name) for name in names}

    def _argument(self, var: Variable, kind: str, target: str) -> Any:
        if kind == "parameter":
            return self.parameters.get(target)
        if kind == "special":
            return self.members if target == "members" else self.year
        if kind == "role":
            return self._role_sum(var, target)
        dep = self.system.variables[target]
        value = self.calc(target)
        if var.entity is PERSON and dep.entity is HOUSEHOLD:
            projected = self._projected.get(target)
            if projected is None:
                projected = self._projected[target] = self.members.project(value)
            return projected
        return value

    def _role_sum(self, var: Variable, role: str) -> np.ndarray:
        total = np.zeros(self.sizes[var.entity])
        person_total = np.zeros(self.sizes[PERSON]) if var.entity is HOUSEHOLD else total
        for name in self.system.role_members.get(role, ()):
            if name == var.name:
                continue
            dep = self.system.variables[name]
            if dep.entity is PERSON:
                np.add(person_total, self.calc(name), out=person_total)
            elif var.entity is HOUSEHOLD:
                np.add(total, self.calc(name), out=total)
        if var.entity is HOUSEHOLD:
            np.add(total, self.members.sum(person_total), out=total)
        return total if var.entity is HOUSEHOLD else person_total

    def _run_formula(self, var: Variable) -> np.ndarray:
        kwargs = {arg: self._argument(var, kind, target) for arg, (kind, target) in var.arguments}
        result = var.formula(**kwargs)
        n = self.sizes[var.entity]
        out = np.asarray(result)
        if out.ndim == 0:
            out = np.full(n, out)
        if out.shape != (n,):
            raise InputError(
                f"{var.file}:{var.line}: formula of '{var.name}' returned shape {out.shape}, expected ({n},) "
                f"({var.entity.plural})"
            )
        return out if out.dtype == var.np_dtype else out.astype(var.np_dtype)

    # -- derived simulations
    def branch(self, system: TaxBenefitSystem, changed_variables: Iterable[str] | None = None) -> Simulation:
        """The same population under another system (a reform), reusing every cached value the change
        cannot touch: only dependents of changed parameters and formulas are recomputed."""
        other = Simulation.__new__(Simulation)
        other.system, other.year, other.date = system, self.year, self.date
        other.parameters = system.parameters.at(self.date)
        other.members, other.sizes = self.members, self.sizes
        other._inputs = dict(self._inputs)
        stale = _stale(self.system, system)
        if changed_variables:
            stale = stale | system.dependents(parameters=(), variables=set(changed_variables))
        other._cache = {k: v for k, v in self._cache.items() if k not in stale}
        other._projected = {k: v for k, v in self._projected.items() if k not in stale}
        return other

    def recomputed_by(self, system: TaxBenefitSystem) -> set[str]:
        """Names of the variables a branch under `system` must recompute."""
        return set(_stale(self.system, system))

    def trace(self, name: str, household: int = 0, depth: int = 12) -> Any:
        from .trace import trace

        return trace(self, name, household=household, depth=depth)


_STALE: dict[tuple[int, int], tuple[TaxBenefitSystem, TaxBenefitSystem, frozenset[str]]] = {}


def _stale(before: TaxBenefitSystem, after: TaxBenefitSystem) -> frozenset[str]:
    """Variables of `after` that can differ from `before` (memoised: a run branches every block)."""
    key = (id(before), id(after))
    hit = _STALE.get(key)
    if hit is not None and hit[0] is before and hit[1] is after:
        return hit[2]
    stale = frozenset(after.dependents(parameters=changed_parameters(before, after),
                                       variables=changed_formulas(before, after)))
    if len(_STALE) >= 16:
        _STALE.clear()
    _STALE[key] = (before, after, stale)
    return stale


def changed_parameters(before: TaxBenefitSystem, after: TaxBenefitSystem) -> set[str]:
    """Paths of parameters that differ (reforms copy the tree, keeping untouched leaves identical objects)."""
    old, new = before.parameters.leaves(), after.parameters.leaves()
    return {p for p, leaf in new.items() if old.get(p) is not leaf} | (set(old) - set(new))


def changed_formulas(before: TaxBenefitSystem, after: TaxBenefitSystem) -> set[str]:
    old = before.variables
    return {n for n, v in after.variables.items() if n not in old or old[n].formula is not v.formula}


def _coerce(var: Variable, values: Any, n: int) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim == 0:
        array = np.full(n, array)
    if array.shape != (n,):
        raise InputError(f"'{var.name}': expected {n} values (one per {var.entity.key}), got {array.shape[0]}")
    dtype = var.np_dtype
    if array.dtype == dtype:
        return array
    if var.dtype in ("int", "enum") and array.dtype.kind == "f":
        if not np.all(np.isfinite(array)) or np.any(array != np.round(array)):
            raise InputError(f"'{var.name}': expected whole numbers")
    if var.dtype in ("float", "int", "enum") and array.dtype.kind not in "biuf":
        raise InputError(f"'{var.name}': expected numbers, got values of type {array.dtype}")
    if var.dtype == "float" and array.dtype.kind == "f" and not np.all(np.isfinite(array)):
        raise InputError(f"'{var.name}': missing or infinite values (NaN/inf) are not allowed")
    return array.astype(dtype)


def _membership(household_ids: np.ndarray, person_household_ids: np.ndarray) -> Members:
    n_hh = len(household_ids)
    if n_hh == 0:
        raise InputError("no households given")
    members = _grouped_membership(household_ids, person_household_ids)
    if members is not None:
        return members
    if np.all(household_ids[1:] > household_ids[:-1]):
        idx = np.searchsorted(household_ids, person_household_ids)
    else:
        sorter = np.argsort(household_ids, kind="stable")
        sorted_ids = household_ids[sorter]
        if np.any(sorted_ids[1:] == sorted_ids[:-1]):
            raise InputError("household_id values must be unique")
        pos = np.searchsorted(sorted_ids, person_household_ids)
        idx = sorter[np.minimum(pos, n_hh - 1)]
    idx = np.minimum(idx, n_hh - 1)
    bad = household_ids[idx] != person_household_ids
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise InputError(f"person row {first}: household_id {person_household_ids[first].item()!r} is not a household")
    if np.any(idx[1:] < idx[:-1]):
        raise InputError("persons must be grouped by household, in the same order as the households table")
    members = Members(idx.astype(np.int64), n_hh)
    empty = members.counts == 0
    if empty.any():
        raise InputError(f"household {household_ids[int(np.flatnonzero(empty)[0])].item()!r} has no persons")
    return members


def _grouped_membership(household_ids: np.ndarray, person_household_ids: np.ndarray) -> Members | None:
    """Fast path for the usual layout (persons in runs, one run per household, in household order):
    O(n) with no search. None when the layout is different (then the general path checks and explains)."""
    if len(person_household_ids) == 0:
        return None
    change = np.empty(len(person_household_ids), dtype=np.bool_)
    change[0] = True
    np.not_equal(person_household_ids[1:], person_household_ids[:-1], out=change[1:])
    run_starts = np.flatnonzero(change)
    if len(run_starts) != len(household_ids) or not np.array_equal(person_household_ids[run_starts], household_ids):
        return None
    index = np.cumsum(change, dtype=np.int64)
    index -= 1
    return Members(index, len(household_ids), counts=np.diff(np.append(run_starts, len(change))))
