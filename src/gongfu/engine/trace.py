"""Explain a figure: the tree of variables and parameters (value, date, source) that produced it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .entities import HOUSEHOLD, PERSON
from .parameters import ParameterLeaf, Scale, Table

if TYPE_CHECKING:
    from .simulation import Simulation


@dataclass
class ParameterTrace:
    path: str
    value: Any
    since: str | None
    unit: str
    label: dict[str, str]
    reference: Any

    def to_dict(self) -> dict[str, Any]:
        return {"parameter": self.path, "value": self.value, "in_force_since": self.since, "unit": self.unit,
                "label": self.label, "reference": self.reference}


@dataclass
class TraceNode:
    """One variable's value for one household (a list over members for a person variable)."""

    name: str
    label: dict[str, str]
    entity: str
    unit: str
    value: Any
    source: str  # formula | input | default
    reference: str | None
    doc: str
    parameters: list[ParameterTrace] = field(default_factory=list)
    children: list[TraceNode] = field(default_factory=list)
    repeated: bool = False  # already explained higher up in the tree

    def to_dict(self) -> dict[str, Any]:
        out = {"variable": self.name, "label": self.label, "entity": self.entity, "unit": self.unit,
               "value": self.value, "source": self.source}
        if self.reference:
            out["reference"] = self.reference
        if self.repeated:
            out["see_above"] = True
            return out
        if self.parameters:
            out["parameters"] = [p.to_dict() for p in self.parameters]
        if self.children:
            out["inputs"] = [c.to_dict() for c in self.children]
        return out


def _plain(values: np.ndarray, enum: Any = None) -> Any:
    items = values.tolist()
    if enum is not None:
        items = [enum(int(v)).name for v in items]
    return items[0] if len(items) == 1 else items


def _parameter_value(sim: Simulation, leaf: ParameterLeaf, rows: dict[str, Any]) -> Any:
    value = sim.parameters.get(leaf.path)
    if isinstance(value, Scale):
        return value.to_dict()
    if isinstance(value, Table):
        out = {}
        for column in ("province", "hukou_province"):
            codes = rows.get(column)
            if codes is None:
                continue
            for code in np.unique(codes):
                if value.by_area:
                    out[str(int(code))] = {"rural": float(value.lookup(np.array([code]), np.array([0]))[0]),
                                           "urban": float(value.lookup(np.array([code]), np.array([1]))[0])}
                else:
                    out[str(int(code))] = float(value.lookup(np.array([code]))[0])
        return {"by_province_code": out}
    return value


def trace(sim: Simulation, name: str, household: int = 0, depth: int = 12) -> TraceNode:
    """The explanation tree of `name` for household number `household` (0-based row)."""
    members = sim.members
    if not 0 <= household < members.n_households:
        raise IndexError(f"household {household} out of range (0..{members.n_households - 1})")
    start = int(members.starts[household])
    persons = slice(start, start + int(members.counts[household]))
    rows = {}
    for column, entity in (("province", HOUSEHOLD), ("hukou_province", PERSON)):
        if column in sim.system.variables:
            values = sim.calc(column)
            rows[column] = values[persons] if entity is PERSON else values[household:household + 1]
    seen: set[str] = set()

    def node(var_name: str, level: int) -> TraceNode:
        var = sim.system.variables[var_name]
        values = sim.calc(var_name)
        picked = values[persons] if var.entity is PERSON else values[household:household + 1]
        source = "input" if sim.is_input(var_name) else ("default" if var.formula is None else "formula")
        out = TraceNode(name=var.name, label=dict(var.label), entity=var.entity.key, unit=var.unit,
                        value=_plain(picked, var.enum), source=source, reference=var.reference, doc=var.doc)
        if var_name in seen and var.formula is not None and source == "formula":
            out.repeated = True
            return out
        seen.add(var_name)
        if source != "formula" or level >= depth:
            return out
        for path in var.parameter_deps:
            found = sim.system.parameters.get(path)
            leaves = [found] if isinstance(found, ParameterLeaf) else [
                leaf for p, leaf in sim.system.parameters.leaves().items() if p.startswith(path + ".")]
            for leaf in leaves:
                _, since = leaf.value_at(sim.date)
                out.parameters.append(ParameterTrace(
                    path=leaf.path, value=_parameter_value(sim, leaf, rows),
                    since=since.isoformat() if since else None, unit=leaf.unit, label=dict(leaf.label),
                    reference=leaf.reference))
        for dep in sim.system.deps[var_name]:
            out.children.append(node(dep, level + 1))
        return out

    return node(name, 0)
