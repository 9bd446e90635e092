"""The household calculator: every figure of one household, as a table, JSON, or an explanation tree."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
from rich.console import Console
from rich.markup import escape
from rich.table import Table as RichTable
from rich.tree import Tree

from .engine import HOUSEHOLD, PERSON, Simulation, TaxBenefitSystem
from .engine.trace import TraceNode
from .engine.variables import Variable
from .household import HouseholdInput

#: Shown first in the tables, in this order, when present in the system.
HEADLINE_PERSON = ("age", "hukou_province", "hukou_type", "employment_status", "gross_wages", "wage_income",
                   "self_employment_income", "agricultural_income", "social_insurance_contributions",
                   "individual_income_tax", "employee_pension", "resident_pension")
HEADLINE_HOUSEHOLD = ("household_size", "market_income", "total_taxes", "total_contributions", "total_benefits",
                      "dibao", "tekun", "disposable_income", "per_capita_disposable_income",
                      "income_after_philanthropy")


def _value(var: Variable, value: Any) -> Any:
    if var.enum is not None:
        return var.enum(int(value)).name
    if var.dtype == "bool":
        return bool(value)
    if var.dtype == "float":
        number = float(value)
        return round(number, 2) if math.isfinite(number) else None  # JSON has no NaN or Infinity
    return int(value)


def to_json(data: Any) -> str:
    """`calc --json` text: numpy values as plain JSON, NaN and infinities as null (never invalid JSON)."""
    from .workflow import jsonable  # not from the HTTP face: api/service.py imports this module

    return json.dumps(jsonable(data), ensure_ascii=False, indent=2, allow_nan=False, default=str)


def results(sim: Simulation, names: list[str], variables: list[str] | None = None) -> dict[str, Any]:
    """`{"year", "household": {var: value}, "persons": [{"name", var: value}]}` for every variable (or those given)."""
    system = sim.system
    chosen = variables or [n for n in system.order]
    out: dict[str, Any] = {"year": sim.year, "household": {}, "persons": [{"name": n} for n in names]}
    for name in chosen:
        var = system.variables[name]
        if name in ("household_id", "person_id"):
            continue
        values = sim.calc(name)
        if var.entity is HOUSEHOLD:
            out["household"][name] = _value(var, values[0])
        else:
            for i, person in enumerate(out["persons"]):
                person[name] = _value(var, values[i])
    return out


def _shown(system: TaxBenefitSystem, sim: Simulation, entity, headline: tuple[str, ...]) -> list[str]:
    """Headline variables, then every other tax/contribution/benefit that is not zero for this household."""
    names = [n for n in headline if n in system.variables]
    for var in system.variables.values():
        if var.entity is entity and var.role in ("tax", "contribution", "benefit", "charity") and var.name not in names:
            if np.any(sim.calc(var.name) != 0):
                names.append(var.name)
    return names


def render_table(sim: Simulation, hh: HouseholdInput, console: Console, lang: str = "en") -> None:
    """Persons as columns, variables as rows; then the household's totals."""
    system = sim.system
    zh = lang == "zh"
    wide = console.width >= 110
    # labels get a fixed width that leaves each person 9 characters and the border (rich overshoots the console
    # with a min/max width), so five persons fit in 80 columns
    need = sum(min(max(len(n), 9), 12) + 3 for n in hh.names) + 4 + (43 if wide else 0)
    label_width = max(12, min(34, console.width - need))
    persons = _table(("个人 (元/年)" if zh else "Persons (yuan per year)") + f" — {sim.year}", lang, wide, label_width)
    for name in hh.names:  # (labels wrap, numbers do not: five persons fit in 80 columns with the border)
        persons.add_column(escape(name), justify="right", overflow="fold")  # user text, not markup
    for name in _shown(system, sim, PERSON, HEADLINE_PERSON):
        var = system.variables[name]
        values = sim.calc(name)
        persons.add_row(*_head(var, lang, wide), *(_fmt(var, v, lang) for v in values))
    console.print(persons)
    household = _table("家庭户 (元/年)" if zh else "Household (yuan per year)", lang, wide, 34)
    household.add_column("值" if zh else "value", justify="right", no_wrap=True)
    for name in _shown(system, sim, HOUSEHOLD, HEADLINE_HOUSEHOLD):
        var = system.variables[name]
        household.add_row(*_head(var, lang, wide), _fmt(var, sim.calc(name)[0], lang))
    console.print(household)
    if not wide:
        console.print("[dim]" + ("变量名见 --json;解释某一数字: --explain 变量名" if zh else
                                 "variable names: --json; explain a figure: --explain VARIABLE") + "[/dim]")


def _table(title: str, lang: str, wide: bool, label_width: int) -> RichTable:
    table = RichTable(title=title, title_justify="left")
    table.add_column("项目" if lang == "zh" else "item", width=label_width, overflow="fold")
    if wide:
        table.add_column("变量名" if lang == "zh" else "variable", style="dim", no_wrap=True, overflow="fold")
    return table


def _head(var: Variable, lang: str, wide: bool) -> tuple[str, ...]:
    return (escape(var.label_in(lang)), var.name) if wide else (escape(var.label_in(lang)),)


def _fmt(var: Variable, value: Any, lang: str) -> str:
    if var.enum is not None:
        return var.enum.label(int(value), lang)
    if var.unit == "GB/T 2260":
        from .engine.geography import BY_CODE

        prov = BY_CODE.get(int(value))
        return (prov.zh if lang == "zh" else prov.en) if prov else str(value)
    if var.dtype == "bool":
        return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
    if var.dtype == "float":
        return f"{float(value):,.2f}"
    return str(int(value))


def render_trace(node: TraceNode, lang: str = "en") -> Tree:
    """The explanation as a rich tree: value and unit in the language, where it comes from, the arithmetic of the
    formula where `trace_format.ARITHMETIC` writes it out, parameters (schedules and province tables as rows) with
    their date and source. No Python reprs: every number is formatted (`trace_format`)."""
    from . import trace_format as F

    def label(n: TraceNode) -> str:
        name = n.label.get(lang) or n.label.get("en") or n.name
        shown = F.value(n.value, n.unit, lang)
        u = F.unit(n.unit, lang)
        src = {"input": F.word("given", lang), "default": F.word("default", lang)}.get(n.source, "")
        ref = f"  [dim]{escape(str(n.reference))}[/dim]" if n.reference and not n.repeated else ""
        more = f" [dim]({F.word('see_above', lang)})[/dim]" if n.repeated else ""
        tag = f" [italic]{escape(src)}[/italic]" if src else ""
        text = (f"[bold]{escape(str(name))}[/bold] [dim]{escape(n.name)}[/dim] = [cyan]{escape(shown)}[/cyan]"
                f"{' ' + escape(u) if u else ''}{tag}{more}{ref}")
        if not n.repeated:
            line = F.arithmetic(n.name, n.value, {c.name: c.value for c in n.children})
            if line:
                text += f"\n[green]= {escape(line)}[/green]"
        return text

    def grow(tree: Tree, n: TraceNode) -> None:
        for p in n.parameters:
            ref = p.reference.get("title") if isinstance(p.reference, dict) else p.reference
            name = p.label.get(lang) or p.label.get("en") or p.path
            u = F.unit(p.unit, lang)
            tree.add(f"[magenta]{F.word('parameter', lang)}[/magenta] {escape(str(name))} [dim]{escape(p.path)}[/dim]"
                     f" = [cyan]{escape(F.parameter_value(p.value, p.unit, lang))}[/cyan]{' ' + escape(u) if u else ''}"
                     f" [dim]({F.word('since', lang)} {p.since}; {escape(str(ref))})[/dim]")
        for child in n.children:
            grow(tree.add(label(child)), child)

    root = Tree(label(node))
    grow(root, node)
    return root
