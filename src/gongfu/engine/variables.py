"""Variables: one concept of the law each, declared with entity, type, unit, bilingual label and reference.

A formula is a plain function whose argument names are the variables it reads; parameters come in as
defaults `P("path")`. The engine reads the signature to know the dependency graph before anything runs.
"""

from __future__ import annotations

import inspect
import sys
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from enum import IntEnum
from typing import Any

import numpy as np

from .entities import ENTITIES, Entity

DTYPES: dict[str, np.dtype] = {
    "float": np.dtype(np.float64),
    "int": np.dtype(np.int32),
    "int8": np.dtype(np.int8),  # codes (GB/T 2260 province codes, grades)
    "int16": np.dtype(np.int16),  # ages
    "int64": np.dtype(np.int64),  # identifiers
    "bool": np.dtype(np.bool_),
    "enum": np.dtype(np.int8),
}
ROLES = (None, "market", "tax", "contribution", "benefit", "charity")
TIERS = (None, "primary", "secondary", "tertiary")
SPECIAL_ARGS = frozenset({"members", "year"})

#: Variables declared by each module, in declaration order (filled at import time).
REGISTRY: dict[str, list[Variable]] = defaultdict(list)


@dataclass(frozen=True)
class P:
    """A formula argument default naming a parameter: `def f(x, rate=P("tax.iit.rate")): ...`."""

    path: str


@dataclass(frozen=True)
class ByRole:
    """A formula argument default standing for every variable of a role: `def total_taxes(t=ByRole("tax"))`.

    The formula receives their sum, for its own entity (person variables are summed over members for a
    household formula). The list is fixed when the system is built, so reforms that add a tax are included.
    """

    role: str


@dataclass(frozen=True)
class Variable:
    """A declared variable: metadata plus (optionally) its formula and what the formula reads."""

    name: str
    entity: Entity
    dtype: str
    unit: str
    label: Mapping[str, str]
    reference: str | None = None
    role: str | None = None
    tier: str | None = None
    default: Any = 0
    enum: type[IntEnum] | None = None
    formula: Callable[..., Any] | None = None
    doc: str = ""
    file: str | None = None
    line: int | None = None
    module: str = ""
    #: argument name -> ("variable", name) | ("parameter", path) | ("special", name) | ("role", role)
    arguments: tuple[tuple[str, tuple[str, str]], ...] = field(default=())

    @property
    def np_dtype(self) -> np.dtype:
        return DTYPES[self.dtype]

    @property
    def is_input(self) -> bool:
        return self.formula is None

    @property
    def variable_deps(self) -> tuple[str, ...]:
        return tuple(target for _, (kind, target) in self.arguments if kind == "variable")

    @property
    def parameter_deps(self) -> tuple[str, ...]:
        return tuple(target for _, (kind, target) in self.arguments if kind == "parameter")

    def label_in(self, lang: str = "en") -> str:
        return self.label.get(lang) or self.label.get("en") or self.name

    def default_array(self, n: int) -> np.ndarray:
        return np.full(n, self.default, dtype=self.np_dtype)

    def with_formula(self, formula: Callable[..., Any]) -> Variable:
        """The same variable computed by another formula (structural reforms)."""
        return replace(self, formula=formula, arguments=_arguments(formula), doc=inspect.getdoc(formula) or "",
                       file=inspect.getsourcefile(formula), line=formula.__code__.co_firstlineno)


def _arguments(formula: Callable[..., Any]) -> tuple[tuple[str, tuple[str, str]], ...]:
    args = []
    for name, param in inspect.signature(formula).parameters.items():
        if isinstance(param.default, P):
            args.append((name, ("parameter", param.default.path)))
        elif isinstance(param.default, ByRole):
            args.append((name, ("role", param.default.role)))
        elif name in SPECIAL_ARGS:
            args.append((name, ("special", name)))
        else:
            args.append((name, ("variable", name)))
    return tuple(args)


def _check_meta(name: str, entity: Entity, dtype: str, role: str | None, tier: str | None,
                label: Mapping[str, str], enum: type[IntEnum] | None) -> None:
    if entity not in ENTITIES:
        raise TypeError(f"variable {name}: entity must be PERSON or HOUSEHOLD")
    if dtype not in DTYPES:
        raise TypeError(f"variable {name}: dtype must be one of {sorted(DTYPES)}")
    if role not in ROLES or tier not in TIERS:
        raise TypeError(f"variable {name}: role must be one of {ROLES}, tier one of {TIERS}")
    if dtype == "enum" and enum is None:
        raise TypeError(f"variable {name}: an enum variable needs enum=IntEnumClass")
    if not label or "en" not in label or "zh" not in label:
        raise TypeError(f"variable {name}: label needs both 'en' and 'zh'")


def variable(*, entity: Entity, unit: str, label: Mapping[str, str], dtype: str = "float",
             reference: str | None = None, role: str | None = None, tier: str | None = None,
             default: Any = 0, enum: type[IntEnum] | None = None, name: str | None = None
             ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare the decorated function as the formula of a variable named after it (or `name`)."""

    def register(formula: Callable[..., Any]) -> Callable[..., Any]:
        var_name = name or formula.__name__
        _check_meta(var_name, entity, dtype, role, tier, label, enum)
        var = Variable(name=var_name, entity=entity, dtype=dtype, unit=unit, label=dict(label),
                       reference=reference, role=role, tier=tier, default=default, enum=enum,
                       formula=formula, doc=inspect.getdoc(formula) or "",
                       file=inspect.getsourcefile(formula), line=formula.__code__.co_firstlineno,
                       module=formula.__module__, arguments=_arguments(formula))
        REGISTRY[formula.__module__].append(var)
        formula.variable = var  # type: ignore[attr-defined]
        return formula

    return register


def input_variable(name: str, *, entity: Entity, unit: str, label: Mapping[str, str], dtype: str = "float",
                   default: Any = 0, enum: type[IntEnum] | None = None, reference: str | None = None,
                   role: str | None = None, tier: str | None = None) -> Variable:
    """Declare a variable that is only ever given as input (with a default when not given)."""
    _check_meta(name, entity, dtype, role, tier, label, enum)
    frame = sys._getframe(1)
    module = frame.f_globals.get("__name__", "")
    var = Variable(name=name, entity=entity, dtype=dtype, unit=unit, label=dict(label), reference=reference,
                   role=role, tier=tier, default=default, enum=enum, file=frame.f_code.co_filename,
                   line=frame.f_lineno, module=module)
    REGISTRY[module].append(var)
    return var
