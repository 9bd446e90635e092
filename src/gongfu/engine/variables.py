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
from .errors import InputError

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
    #: values a user may give: an inclusive interval (min, max), None for an open end, `Above(x)` for an
    #: exclusive lower bound; None when not declared (see `bounds`). Enums, provinces and bools: their members.
    valid: tuple[Any, Any] | None = None

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
                label: Mapping[str, str], enum: type[IntEnum] | None, valid: Any = None) -> None:
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
    if valid is not None:
        ok = isinstance(valid, tuple) and len(valid) == 2 and all(
            b is None or isinstance(b, Above) or (isinstance(b, int | float) and not isinstance(b, bool)
                                                  and np.isfinite(b)) for b in valid)
        if not ok or isinstance(valid[1], Above) or dtype in ("enum", "bool"):
            raise TypeError(f"variable {name}: valid must be (min, max) with numbers, Above(x) or None "
                            "(enums and bools are valid on their members)")


def variable(*, entity: Entity, unit: str, label: Mapping[str, str], dtype: str = "float",
             reference: str | None = None, role: str | None = None, tier: str | None = None,
             default: Any = 0, enum: type[IntEnum] | None = None, name: str | None = None,
             valid: tuple[Any, Any] | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare the decorated function as the formula of a variable named after it (or `name`).

    `valid` bounds the values a user may give instead of the formula's (household files, populations)."""

    def register(formula: Callable[..., Any]) -> Callable[..., Any]:
        var_name = name or formula.__name__
        _check_meta(var_name, entity, dtype, role, tier, label, enum, valid)
        var = Variable(name=var_name, entity=entity, dtype=dtype, unit=unit, label=dict(label),
                       reference=reference, role=role, tier=tier, default=default, enum=enum, valid=valid,
                       formula=formula, doc=inspect.getdoc(formula) or "",
                       file=inspect.getsourcefile(formula), line=formula.__code__.co_firstlineno,
                       module=formula.__module__, arguments=_arguments(formula))
        REGISTRY[formula.__module__].append(var)
        formula.variable = var  # type: ignore[attr-defined]
        return formula

    return register


def input_variable(name: str, *, entity: Entity, unit: str, label: Mapping[str, str], dtype: str = "float",
                   default: Any = 0, enum: type[IntEnum] | None = None, reference: str | None = None,
                   role: str | None = None, tier: str | None = None,
                   valid: tuple[Any, Any] | None = None) -> Variable:
    """Declare a variable that is only ever given as input (with a default when not given).

    `valid` is the inclusive interval (min, max) of values a user may give (None: open end; `Above(x)`: more
    than x); enums, provinces and bools are valid on their members. See `check_values`."""
    _check_meta(name, entity, dtype, role, tier, label, enum, valid)
    frame = sys._getframe(1)
    module = frame.f_globals.get("__name__", "")
    var = Variable(name=name, entity=entity, dtype=dtype, unit=unit, label=dict(label), reference=reference,
                   role=role, tier=tier, default=default, enum=enum, valid=valid, file=frame.f_code.co_filename,
                   line=frame.f_lineno, module=module)
    REGISTRY[module].append(var)
    return var


# ---------------------------------------------------------------- valid values
#: Upper bound of money amounts given as input (yuan): a trillion, above any household's figure, so that a typo
#: or an overflow-sized number (1e300) is refused while every real figure passes; the tax scales are exact to
#: ~1e-9 yuan below it (see engine.parameters.Scale).
MAX_YUAN = 1e12
AMOUNT = (0, MAX_YUAN)  # a non-negative amount of money
SIGNED_AMOUNT = (-MAX_YUAN, MAX_YUAN)  # a net income that may be a loss


@dataclass(frozen=True)
class Above:
    """An exclusive lower bound in `valid=(Above(0), None)`: more than 0 (weights)."""

    value: float


def bounds(var: Variable) -> tuple[float, bool, float]:
    """(lowest, lowest excluded?, highest) value a user may give for a numeric variable.

    The declared `valid` interval within what the variable's storage type holds; when nothing is declared:
    identifiers any value of their type, other numbers 0 and more (negative amounts, ages, counts are
    mistakes unless a variable says otherwise)."""
    dtype = var.np_dtype
    lo_t, hi_t = (float(np.iinfo(dtype).min), float(np.iinfo(dtype).max)) if dtype.kind in "iu" else (-np.inf, np.inf)
    if var.valid is None:
        lo, hi = (None, None) if var.unit == "id" else (0, None)
    else:
        lo, hi = var.valid
    excluded = isinstance(lo, Above)
    lo = lo.value if isinstance(lo, Above) else lo
    lo = lo_t if lo is None else max(float(lo), lo_t)
    hi = hi_t if hi is None else min(float(hi), hi_t)
    return lo, excluded, hi


def members(var: Variable) -> dict[int, str] | None:
    """The codes a categorical variable accepts with their names (enums, GB/T 2260 provinces, bools)."""
    if var.enum is not None:
        return {int(m): m.name for m in var.enum}
    if var.unit == "GB/T 2260":
        from .geography import PROVINCES

        return {p.code: p.key for p in PROVINCES}
    if var.dtype == "bool":
        return {0: "false", 1: "true"}
    return None


def allowed(var: Variable) -> str:
    """The values a user may give, in words: '0–4', '≥ 0', '> 0', 'one of male (0), female (1)'."""
    codes = members(var)
    if codes is not None:
        if var.dtype == "bool":
            return "true or false (1 or 0)"
        if var.unit == "GB/T 2260":
            return "a GB/T 2260 province code (11–65) or a province name"
        return "one of " + ", ".join(f"{name} ({code})" for code, name in codes.items())
    if var.unit == "id":
        return "a whole number (an identifier)"
    lo, excluded, hi = bounds(var)
    if np.isinf(lo) and np.isinf(hi):
        return "any finite number"
    if np.isinf(hi):
        return f"{'>' if excluded else '≥'} {_show(lo)}"
    if np.isinf(lo):
        return f"≤ {_show(hi)}"
    return f"{_show(lo)}–{_show(hi)}" if not excluded else f"> {_show(lo)} and ≤ {_show(hi)}"


def _show(x: Any) -> str:
    """A value as a user wrote it: 128 (not 128.0), 0.5, NaN, inf."""
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float):
        if np.isnan(x):
            return "NaN"
        if np.isinf(x):
            return "inf" if x > 0 else "-inf"
        if x.is_integer() and abs(x) < 2 ** 53:
            x = int(x)
        else:
            return repr(x)
    if isinstance(x, int) and not isinstance(x, bool):
        return f"{x:,}" if abs(x) >= 100_000 else str(x)
    return str(x)


def _as_numbers(values: Any) -> np.ndarray | None:
    """A flat numeric array (Python ints beyond int64 as floats, ±inf when beyond a float); None for text."""
    array = np.asarray(values)
    if array.dtype.kind in "USV":
        return None
    if array.dtype == object:
        out = np.empty(array.size, dtype=np.float64)
        for i, v in enumerate(array.ravel()):
            if isinstance(v, bool | np.bool_) or not isinstance(v, int | float | np.number):
                return None
            try:
                out[i] = float(v)
            except OverflowError:
                out[i] = np.inf if v > 0 else -np.inf
        return out
    return array.ravel()


def check_values(var: Variable, values: Any, where: str, rows: str = "rows", first_row: int = 0,
                 error: type[Exception] = InputError) -> None:
    """Refuse values a variable cannot take: one message naming `where` (field or column), the first bad
    value, how many there are and what is allowed. Never wraps or clips.

    `values`: a scalar or an array of any numeric dtype (vectorised: a column of millions of rows costs a
    min/max pass when it is valid). Checks that numbers are finite, whole for integer variables, members of
    enums (codes), provinces (GB/T 2260) and bools (0/1), and within `bounds(var)` (the declared `valid`
    interval within the storage type). `first_row` numbers the first row in the message (1 for data rows of
    a CSV); `error` is the exception raised (an `InputError` unless the reader has its own).
    """
    a = _as_numbers(values)
    if a is None:
        raise error(f"{where}: expected numbers, got text or other values")
    if a.size == 0:
        return
    if a.dtype.kind == "b":
        a = a.view(np.uint8)
    if a.dtype.kind not in "iuf":
        raise error(f"{where}: expected numbers, got values of type {a.dtype}")
    bad, problem = None, ""
    low, high = a.min(), a.max()  # one pass each; NaN propagates, so finite extremes mean finite values
    if a.dtype.kind == "f" and not (np.isfinite(low) and np.isfinite(high)):
        bad, problem = ~np.isfinite(a), "is not a finite number"
    elif a.dtype.kind == "f" and var.dtype != "float":
        whole = a == np.floor(a)
        if not whole.all():
            bad, problem = ~whole, "is not a whole number"
    if bad is None:
        codes = members(var)
        if codes is not None:
            keys = np.fromiter(codes, dtype=np.int64)
            lo, hi = int(keys.min()), int(keys.max())
            if low < lo or high > hi:
                bad = ~np.isin(a, keys)
            elif len(keys) <= hi - lo:  # codes with gaps (provinces): a table look-up, as fast as a comparison
                table = np.zeros(hi - lo + 1, dtype=np.bool_)
                table[keys - lo] = True
                if a.dtype.itemsize == 1 and a.dtype.kind in "iu":  # int8 codes: index by the byte itself
                    table = np.roll(np.pad(table, (0, 256 - table.size)), lo)
                    ok = table[a.view(np.uint8)]
                else:
                    ok = table[(a - lo).astype(np.intp)]
                if not ok.all():
                    bad = ~ok
            if bad is not None and bad.any():
                problem = f"is not {allowed(var)}" if var.dtype == "bool" or var.unit == "GB/T 2260" \
                    else f"is not a valid code: {allowed(var)}"
        else:
            lo, excluded, hi = bounds(var)
            if (low <= lo if excluded else low < lo) or high > hi:
                bad = ((a <= lo) if excluded else (a < lo)) | (a > hi)
                problem = f"is outside the allowed range {allowed(var)}"
                if lo == 0 and not excluded and a[np.argmax(bad)] < 0:
                    problem += " (must not be negative)"
                if var.reference:
                    problem += f" ({var.reference})"
    if bad is None or not bad.any():
        return
    index = np.flatnonzero(bad)
    count = "" if a.size == 1 else (f" ({index.size} {rows}, first at row {int(index[0]) + first_row})"
                                    if index.size > 1 else f" (row {int(index[0]) + first_row})")
    raise error(f"{where}: {_show(a[index[0]])}{count} {problem}")
