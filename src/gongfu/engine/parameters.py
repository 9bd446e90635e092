"""The law as data: a tree of dated, sourced parameters read from YAML (see docs/ARCHITECTURE.md).

A leaf holds dated values ("in force from"), a unit, a reference and optionally an allowed range. Three kinds:
plain values (numbers, booleans), marginal-rate scales and tables by province (× urban/rural). The tree is read
once; `ParameterTree.at(date)` gives the values in force on a date, ready for vectorised formulas.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ParameterError, where
from .geography import BY_CODE, CODES, PROVINCES, province
from .uprating import Uprating, projected_value
from .uprating import parse as parse_uprating
from .yamlio import LineDict, load_yaml

META_KEYS = frozenset({"description", "label", "reference", "notes", "metadata"})
LEAF_KEYS = frozenset({"values", "type", "unit", "label", "reference", "range", "notes", "index", "description",
                       "uprating"})
UNITS = frozenset({"CNY", "CNY/year", "CNY/month", "CNY/day", "rate", "year", "month", "count", "bool",
                   "ratio", "m2", "CNY/m2", "CNY/hour"})
AREA_KEYS = ("rural", "urban")  # position = enums.Area code


# ---------------------------------------------------------------- runtime values handed to formulas
@dataclass(frozen=True)
class Scale:
    """A marginal-rate schedule: rate[i] applies to the part of the base between thresholds[i] and [i+1]."""

    thresholds: np.ndarray
    rates: np.ndarray

    def __post_init__(self) -> None:
        widths = np.diff(self.thresholds)
        base_tax = np.concatenate([[0.0], np.cumsum(widths * self.rates[:-1])])
        object.__setattr__(self, "_base_tax", base_tax)
        # piecewise-linear knots for np.interp: one far point carries the top rate (exact to ~1e-9 yuan below 1e12)
        far = max(self.thresholds[-1], 0.0) + 1e15
        knots_x = np.concatenate([self.thresholds, [far]])
        knots_y = np.concatenate([base_tax, [base_tax[-1] + self.rates[-1] * (far - self.thresholds[-1])]])
        object.__setattr__(self, "_knots", (knots_x, knots_y))

    def calc(self, base: np.ndarray) -> np.ndarray:
        """Tax on `base` by the schedule (0 below the first threshold)."""
        knots_x, knots_y = self._knots
        base = np.asarray(base, dtype=np.float64)
        taxed = ~(base <= knots_x[0])  # (NaN stays NaN)
        if base.ndim != 1 or 2 * np.count_nonzero(taxed) > base.size:
            return np.interp(base, knots_x, knots_y, left=0.0)
        out = np.zeros(base.shape)  # most bases are below the first threshold: interpolate the others only
        rows = np.flatnonzero(taxed)
        out[rows] = np.interp(base[rows], knots_x, knots_y, left=0.0)
        return out

    def marginal_rate(self, base: np.ndarray) -> np.ndarray:
        """The rate that applies to the last yuan of `base`."""
        idx = np.searchsorted(self.thresholds, np.asarray(base, dtype=np.float64), side="right") - 1
        return np.where(idx < 0, 0.0, self.rates[np.maximum(idx, 0)])

    def quick_deductions(self) -> np.ndarray:
        """速算扣除数: the quick deduction of each bracket (tax = base × rate − quick deduction)."""
        return self.rates * self.thresholds - self._base_tax

    def to_dict(self) -> dict[str, list[float]]:
        return {"thresholds": self.thresholds.tolist(), "rates": self.rates.tolist()}


@dataclass(frozen=True)
class Table:
    """A value per province (index [province]) or per province × area (index [province, area]).

    `lookup` is vectorised over GB/T 2260 province codes (and Area codes: 0 rural, 1 urban).
    """

    values: np.ndarray  # shape (31,) or (31, 2), in geography.PROVINCES order
    by_area: bool
    estimated: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        shape = (128, 2) if self.by_area else (128,)
        by_code = np.full(shape, np.nan)
        by_code[CODES] = self.values
        object.__setattr__(self, "_by_code", by_code)

    def lookup(self, province_code: np.ndarray, area: np.ndarray | None = None,
               missing: float | None = None) -> np.ndarray:
        """Values for arrays of province codes (and areas, when the table is by area).

        A province without a value (or a code that is not a province) gives NaN, or `missing` when given."""
        table = self._by_code if missing is None else self._filled(float(missing))
        if self.by_area:
            if area is None:
                raise ParameterError("this table is by province × area: pass `area` to lookup()")
            return table[province_code, area]
        return table[province_code]

    def _filled(self, missing: float) -> np.ndarray:
        cache = self.__dict__.setdefault("_filled_cache", {})
        table = cache.get(missing)
        if table is None:
            table = cache[missing] = np.where(np.isnan(self._by_code), missing, self._by_code)
        return table

    def get(self, province_key: str | int, area: str | int | None = None) -> float:
        """One value, by province name/code and area name/code."""
        code = province(province_key).code
        if not self.by_area:
            return float(self._by_code[code])
        a = AREA_KEYS.index(area) if isinstance(area, str) else int(area or 0)
        return float(self._by_code[code, a])

    def mean(self) -> float:
        return float(np.mean(self.values))


class NodeView:
    """Attribute access to a subtree of parameters as in force on one date (`node.basic_deduction`)."""

    def __init__(self, snapshot: Snapshot, path: str):
        self._snapshot = snapshot
        self._path = path

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return self._snapshot.get(f"{self._path}.{name}" if self._path else name)

    def __getitem__(self, name: str) -> Any:
        return self.__getattr__(name)

    def __repr__(self) -> str:
        return f"<parameters {self._path or '(root)'} on {self._snapshot.date}>"


# ---------------------------------------------------------------- the tree
@dataclass(frozen=True)
class ParameterLeaf:
    """One parameter: its dated values and what it means (unit, label, reference, allowed range)."""

    path: str
    kind: str  # value | scale | table
    unit: str
    values: tuple[tuple[dt.date, Any], ...]  # sorted by date; raw (validated) YAML values
    reference: Any
    label: Mapping[str, str] = field(default_factory=dict)
    description: str = ""
    range: tuple[float, float] | None = None
    index: tuple[str, ...] = ()
    notes: Any = None
    file: str | None = None
    line: int | None = None
    uprating: Uprating | None = None  # how it moves after its last dated value (engine/uprating.py)

    def value_at(self, date: dt.date) -> tuple[Any, dt.date | None]:
        """(raw value, date it took effect) in force on `date`; (None, None) before the first value."""
        found, since = None, None
        for start, value in self.values:
            if start <= date:
                found, since = value, start
            else:
                break
        return found, since

    def runtime_value(self, date: dt.date) -> Any:
        raw, _ = self.value_at(date)
        return to_runtime(self, raw)

    def with_value(self, start: dt.date, raw: Any) -> ParameterLeaf:
        """A copy in which `raw` is in force from `start` on (later dated values are replaced)."""
        checked = validate_value(self, raw, self.file, self.line)
        kept = tuple((d, v) for d, v in self.values if d < start)
        return replace(self, values=kept + ((start, checked),))

    @property
    def where(self) -> str:
        return where(self.file, self.line)


@dataclass
class ParameterNode:
    path: str
    children: dict[str, ParameterNode | ParameterLeaf] = field(default_factory=dict)
    description: str = ""
    reference: Any = None
    file: str | None = None


def to_runtime(leaf: ParameterLeaf, raw: Any) -> Any:
    """The value formulas receive: float/bool, `Scale` or `Table`."""
    if raw is None:
        return None
    if leaf.kind == "scale":
        return Scale(np.asarray(raw["thresholds"], dtype=np.float64), np.asarray(raw["rates"], dtype=np.float64))
    if leaf.kind == "table":
        return Table(raw["values"], by_area=("area" in leaf.index), estimated=raw.get("estimated", frozenset()))
    if isinstance(raw, bool):
        return raw
    return float(raw)


class ParameterTree:
    """All parameters, addressed by dotted path (`tax.iit.basic_deduction`)."""

    def __init__(self, root: ParameterNode):
        self.root = root
        self._leaves: dict[str, ParameterLeaf] = dict(_walk(root))
        self._snapshots: dict[dt.date, Snapshot] = {}

    # -- reading
    @classmethod
    def load(cls, directories: str | Path | list[str | Path]) -> ParameterTree:
        """Read every *.yaml below the directories; the tier folder (primary/secondary/tertiary) is not part
        of the name: parameters/secondary/tax/iit.yaml -> `tax.iit.*`."""
        dirs = [directories] if isinstance(directories, str | Path) else list(directories)
        root = ParameterNode("")
        for directory in dirs:
            directory = Path(directory)
            for file in sorted(directory.rglob("*.yaml")):
                rel = file.relative_to(directory).with_suffix("").parts
                if rel and rel[0] in ("primary", "secondary", "tertiary"):
                    rel = rel[1:]
                if not rel:
                    continue
                _attach(root, list(rel), file)
        return cls(root)

    def leaves(self) -> Mapping[str, ParameterLeaf]:
        return self._leaves

    def __contains__(self, path: str) -> bool:
        return self.find(path) is not None

    def find(self, path: str) -> ParameterNode | ParameterLeaf | None:
        node: ParameterNode | ParameterLeaf = self.root
        for part in path.split("."):
            if not isinstance(node, ParameterNode) or part not in node.children:
                return None
            node = node.children[part]
        return node

    def get(self, path: str) -> ParameterNode | ParameterLeaf:
        found = self.find(path)
        if found is None:
            raise ParameterError(f"unknown parameter '{path}'{self.suggest(path)}")
        return found

    def leaf(self, path: str) -> ParameterLeaf:
        found = self.get(path)
        if not isinstance(found, ParameterLeaf):
            raise ParameterError(f"'{path}' is a group of parameters, not one parameter")
        return found

    def suggest(self, path: str) -> str:
        close = difflib.get_close_matches(path, list(self._leaves) + list(_node_paths(self.root)), n=3)
        return f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""

    def at(self, date: dt.date) -> Snapshot:
        snap = self._snapshots.get(date)
        if snap is None:
            snap = self._snapshots[date] = Snapshot(self, date)
        return snap

    # -- changing (reforms): copies, never in place
    def with_leaves(self, new_leaves: Mapping[str, ParameterLeaf]) -> ParameterTree:
        """A new tree where the given leaves are added or replaced (their parent nodes are created if new)."""
        root = _copy_node(self.root)
        for path, leaf in new_leaves.items():
            parts = path.split(".")
            node = root
            for part in parts[:-1]:
                child = node.children.get(part)
                if child is None:
                    child = node.children[part] = ParameterNode(f"{node.path}.{part}".strip("."))
                elif isinstance(child, ParameterLeaf):
                    raise ParameterError(f"cannot add '{path}': '{child.path}' is a parameter, not a group")
                else:
                    child = node.children[part] = _copy_node(child)
                node = child
            node.children[parts[-1]] = leaf
        return ParameterTree(root)


class Snapshot:
    """The parameters in force on one date, converted lazily and cached."""

    def __init__(self, tree: ParameterTree, date: dt.date):
        self.tree = tree
        self.date = date
        self._cache: dict[str, Any] = {}
        self.projected: set[str] = set()  # parameters read past their dated values (computed by uprating)

    def get(self, path: str) -> Any:
        if path in self._cache:
            return self._cache[path]
        node = self.tree.get(path)
        if isinstance(node, ParameterLeaf):
            if node.values and self.date < node.values[0][0]:
                raise ParameterError(
                    f"{node.where}{path}: no value in force on {self.date} (the first is from "
                    f"{node.values[0][0]}); gongfu's law starts there — simulate a later year")
            raw, projected = projected_value(self.tree, node, self.date)
            value = to_runtime(node, raw)
            if projected:
                self.projected.add(path)
        else:
            value = NodeView(self, path)
        self._cache[path] = value
        return value


# ---------------------------------------------------------------- parsing and validation
def _walk(node: ParameterNode) -> Iterator[tuple[str, ParameterLeaf]]:
    for child in node.children.values():
        if isinstance(child, ParameterLeaf):
            yield child.path, child
        else:
            yield from _walk(child)


def _node_paths(node: ParameterNode) -> Iterator[str]:
    for child in node.children.values():
        if isinstance(child, ParameterNode):
            yield child.path
            yield from _node_paths(child)


def _copy_node(node: ParameterNode) -> ParameterNode:
    return replace(node, children=dict(node.children))


def _attach(root: ParameterNode, parts: list[str], file: Path) -> None:
    node = root
    for part in parts:
        child = node.children.get(part)
        if child is None:
            child = node.children[part] = ParameterNode(f"{node.path}.{part}".strip("."), file=str(file))
        node = child
    data = load_yaml(file)
    if not isinstance(data, dict):
        raise ParameterError(f"{file}: a parameter file must be a mapping")
    _fill(node, data, str(file), inherited_ref=None)


def _fill(node: ParameterNode, data: LineDict, file: str, inherited_ref: Any) -> None:
    node.description = data.get("description", node.description)
    node.reference = data.get("reference", node.reference)
    ref = node.reference or inherited_ref
    for key, value in data.items():
        if key in META_KEYS:
            continue
        line = data.line_of(key) if isinstance(data, LineDict) else None
        if not isinstance(key, str) or not key.replace("_", "a").isalnum():
            raise ParameterError(f"{where(file, line)}'{key}' is not a valid parameter name (use snake_case)")
        path = f"{node.path}.{key}".strip(".")
        if not isinstance(value, dict):
            raise ParameterError(f"{where(file, line)}{path}: expected a mapping with `values`, got {value!r}")
        if "values" in value:
            node.children[key] = _leaf(path, value, file, line, ref)
        else:
            child = node.children.get(key)
            if isinstance(child, ParameterLeaf):
                raise ParameterError(f"{where(file, line)}{path} defined twice")
            child = child or ParameterNode(path, file=file)
            node.children[key] = child
            _fill(child, value, file, ref)


def leaf_from_mapping(path: str, data: LineDict, file: str, line: int | None,
                      inherited_ref: Any = None) -> ParameterLeaf:
    """Parse and validate one parameter (a mapping with unit, reference, values...) as in a parameter file."""
    return _leaf(path, data, file, line, inherited_ref)


def _leaf(path: str, data: LineDict, file: str, line: int | None, inherited_ref: Any) -> ParameterLeaf:
    at = where(file, line)
    unknown = set(data) - LEAF_KEYS
    if unknown:
        raise ParameterError(f"{at}{path}: unknown key(s) {sorted(unknown)}; allowed: {sorted(LEAF_KEYS)}")
    kind = data.get("type", "value")
    if kind not in ("value", "scale", "table"):
        raise ParameterError(f"{at}{path}: type must be value, scale or table (got {kind!r})")
    unit = data.get("unit")
    if unit not in UNITS:
        raise ParameterError(f"{at}{path}: unit {unit!r} is not one of {sorted(UNITS)}")
    reference = data.get("reference", inherited_ref)
    if not reference:
        raise ParameterError(f"{at}{path}: every parameter needs a `reference` (law, notice or yearbook)")
    index = tuple(data.get("index", ("province",) if kind == "table" else ()))
    if kind == "table" and index not in (("province",), ("province", "area")):
        raise ParameterError(f"{at}{path}: table index must be [province] or [province, area]")
    rng = data.get("range")
    if rng is not None and (not isinstance(rng, list) or len(rng) != 2
                            or any(b is not None and (isinstance(b, bool) or finite_float(b) is None) for b in rng)
                            or (None not in rng and rng[0] > rng[1])):
        raise ParameterError(f"{at}{path}: range must be [min, max] (finite numbers, min ≤ max; null for no "
                             f"bound), got {rng!r}")
    label = data.get("label") or {}
    if isinstance(label, str):
        label = {"en": label}
    if not isinstance(label, dict) or set(label) - {"en", "zh"}:
        extra = sorted(set(label) - {"en", "zh"}) if isinstance(label, dict) else label
        raise ParameterError(f"{at}{path}: label must be {{en: ..., zh: ...}}; unexpected {extra!r} "
                             "(quote a label that contains a comma)")
    uprating = data.get("uprating")
    if uprating is not None:
        uline = data.line_of("uprating") if isinstance(data, LineDict) else line
        uprating = parse_uprating(uprating, path, kind, unit, file, uline)
    leaf = ParameterLeaf(path=path, kind=kind, unit=unit, values=(), reference=reference, label=label,
                         description=str(data.get("description", "")), range=tuple(rng) if rng else None,
                         index=index, notes=data.get("notes"), file=file, line=line, uprating=uprating)
    raw_values = data["values"]
    if not isinstance(raw_values, dict) or not raw_values:
        raise ParameterError(f"{at}{path}: `values` must map dates (YYYY-MM-DD) to values")
    dated = []
    for start, raw in raw_values.items():
        vline = raw_values.line_of(start) if isinstance(raw_values, LineDict) else line
        if isinstance(start, dt.datetime):
            start = start.date()
        if not isinstance(start, dt.date):
            raise ParameterError(f"{where(file, vline)}{path}: {start!r} is not a date (YYYY-MM-DD)")
        dated.append((start, validate_value(leaf, raw, file, vline)))
    dated.sort(key=lambda item: item[0])
    return replace(leaf, values=tuple(dated))


def validate_value(leaf: ParameterLeaf, raw: Any, file: str | None, line: int | None) -> Any:
    """Check one dated value against the leaf's kind, unit and range; return it in canonical form."""
    at = f"{where(file, line)}{leaf.path}: "
    if raw is None:
        return None
    if leaf.kind == "scale":
        return _validate_scale(raw, at)
    if leaf.kind == "table":
        return _validate_table(leaf, raw, at)
    if leaf.unit == "bool":
        if not isinstance(raw, bool):
            raise ParameterError(f"{at}expected true or false, got {raw!r}")
        return raw
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise ParameterError(f"{at}expected a number ({leaf.unit}), got {raw!r}")
    _check_range(leaf, raw, at)
    return raw


def finite_float(value: Any) -> float | None:
    """`value` as a float when it is a finite number (NaN, ±inf and integers too large for a float: None)."""
    try:
        number = float(value)
    except (OverflowError, TypeError, ValueError):
        return None
    return number if np.isfinite(number) else None


def _check_range(leaf: ParameterLeaf, raw: Any, at: str) -> None:
    """Every numeric value: finite (no NaN or infinity), a fraction for rates, within the leaf's `range`."""
    value = finite_float(raw)
    if value is None:
        shown = repr(raw) if not isinstance(raw, int) else f"an integer of {len(str(abs(raw)))} digits"
        raise ParameterError(f"{at}value must be a finite number, got {shown}"
                             + (f" (allowed range [{leaf.range[0]}, {leaf.range[1]}])" if leaf.range else ""))
    if leaf.unit == "rate" and not 0.0 <= value <= 1.0 and leaf.range is None:
        raise ParameterError(f"{at}a rate is a fraction between 0 and 1, got {value!r}")
    if leaf.range is not None:
        lo, hi = leaf.range
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise ParameterError(f"{at}{raw!r} is outside the allowed range [{lo}, {hi}]")


def _validate_scale(raw: Any, at: str) -> dict[str, list[float]]:
    if not isinstance(raw, dict) or set(raw) - {"thresholds", "rates"} or len(raw) != 2:
        raise ParameterError(f"{at}a scale needs `thresholds` and `rates` (lists of equal length)")
    th, rates = raw["thresholds"], raw["rates"]
    ok = isinstance(th, list) and isinstance(rates, list) and len(th) == len(rates) and len(th) > 0
    if not ok or not all(isinstance(x, int | float) and not isinstance(x, bool) for x in th + rates):
        raise ParameterError(f"{at}`thresholds` and `rates` must be lists of numbers of equal length")
    infinite = [x for x in th + rates if finite_float(x) is None]
    if infinite:
        raise ParameterError(f"{at}thresholds and rates must be finite numbers, got {infinite[0]!r}")
    if any(b <= a for a, b in zip(th, th[1:], strict=False)):
        raise ParameterError(f"{at}thresholds must increase strictly, got {th}")
    if any(not 0.0 <= r <= 1.0 for r in rates):
        raise ParameterError(f"{at}rates are fractions between 0 and 1, got {rates}")
    return {"thresholds": [float(x) for x in th], "rates": [float(x) for x in rates]}


def _validate_table(leaf: ParameterLeaf, raw: Any, at: str) -> dict[str, Any]:
    """A table value: {province: number | {urban, rural}, _default: ...} -> full ndarray + estimated rows."""
    if isinstance(raw, dict) and "values" in raw and isinstance(raw["values"], np.ndarray):
        return raw  # already canonical (a copy of a validated value)
    if not isinstance(raw, dict):
        raise ParameterError(f"{at}a table value maps province names to values")
    by_area = "area" in leaf.index
    default = raw.get("_default")
    rows: dict[int, Any] = {}
    for key, value in raw.items():
        if key in ("_default", "_estimated"):
            continue
        try:
            code = province(key).code
        except KeyError as exc:
            raise ParameterError(f"{at}{exc.args[0]}") from None
        if code in rows:
            raise ParameterError(f"{at}province {BY_CODE[code].key} given twice")
        rows[code] = value
    out = np.empty((len(PROVINCES), 2) if by_area else (len(PROVINCES),))
    for i, prov in enumerate(PROVINCES):
        value = rows.get(prov.code, default)
        if value is None:
            raise ParameterError(f"{at}no value for {prov.key} and no `_default`")
        out[i] = _table_cell(leaf, value, at + f"{prov.key}: ", by_area)
    estimated = raw.get("_estimated") or []
    return {"values": out, "estimated": frozenset(estimated)}


def _table_cell(leaf: ParameterLeaf, value: Any, at: str, by_area: bool) -> Any:
    if isinstance(value, dict):
        if not by_area or set(value) != set(AREA_KEYS):
            raise ParameterError(f"{at}expected a number" + (" or {urban: .., rural: ..}" if by_area else ""))
        cells = [value[a] for a in AREA_KEYS]
    else:
        cells = [value, value] if by_area else [value]
    for cell in cells:
        if isinstance(cell, bool) or not isinstance(cell, int | float):
            raise ParameterError(f"{at}expected a number ({leaf.unit}), got {cell!r}")
        _check_range(leaf, cell, at)
    return cells if by_area else cells[0]
