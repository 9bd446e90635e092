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
    from .engine.uprating import law_status

    out: dict[str, Any] = {"year": sim.year, "household": {}, "persons": [{"name": n} for n in names],
                           "law": law_status(system.parameters, sim.year)}
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


def _difference(a: Any, b: Any) -> float | int | None:
    """b − a for two numbers (bools, texts and missing values have no difference: None)."""
    if isinstance(a, bool) or isinstance(b, bool) or not isinstance(a, int | float) or not isinstance(b, int | float):
        return None
    if isinstance(a, int) and isinstance(b, int):
        return b - a
    return round(float(b) - float(a), 2)


def side_by_side(baseline: dict[str, Any], reform: dict[str, Any]) -> dict[str, Any]:
    """`calc --reform --json`: the reform's `results` (top-level `household`, `persons`) plus
    `"baseline": {"household", "persons"}` and `"change": {"household", "persons"}` (reform − baseline, for the
    numbers only: categorical and yes/no values have no change)."""
    change_hh = {k: d for k, v in reform["household"].items()
                 if (d := _difference(baseline["household"].get(k), v)) is not None}
    change_persons = []
    for old, new in zip(baseline["persons"], reform["persons"], strict=True):
        row: dict[str, Any] = {"name": new["name"]}
        row.update({k: d for k, v in new.items() if k != "name" and (d := _difference(old.get(k), v)) is not None})
        change_persons.append(row)
    return {**reform, "baseline": {"household": baseline["household"], "persons": baseline["persons"]},
            "change": {"household": change_hh, "persons": change_persons}}


def _shown(system: TaxBenefitSystem, sim: Simulation, entity, headline: tuple[str, ...],
           also: Simulation | None = None) -> list[str]:
    """Headline variables, then every other tax/contribution/benefit that is not zero for this household (in
    `sim`, or in `also`: the baseline of a reform)."""
    names = [n for n in headline if n in system.variables]
    for var in system.variables.values():
        if var.entity is entity and var.role in ("tax", "contribution", "benefit", "charity") and var.name not in names:
            if np.any(sim.calc(var.name) != 0) or (also is not None and var.name in also.system.variables
                                                    and np.any(also.calc(var.name) != 0)):
                names.append(var.name)
    return names


def render_compare_table(baseline: Simulation, sim: Simulation, hh: HouseholdInput, console: Console,
                         lang: str = "en", reform_name: str = "reform") -> None:
    """`calc --reform`: every figure as baseline | reform | change (persons one section each, then the
    household)."""
    system = sim.system
    zh = lang == "zh"
    wide = console.width >= 110
    heads = ("现行政策" if zh else "baseline", "改革" if zh else "reform", "变化" if zh else "change")

    def table(title: str) -> RichTable:
        t = _table(title, lang, wide, max(14, min(34, console.width - 3 * 14 - 10 - (30 if wide else 0))))
        for head in heads:
            t.add_column(head, justify="right", overflow="fold", min_width=10)
        return t

    def cells(var: Variable, old: Any, new: Any) -> tuple[str, str, str]:
        if var.name not in baseline.system.variables:
            return "—", _fmt(var, new, lang), ""
        d = _difference(_value(var, old), _value(var, new)) if var.enum is None and var.unit != "GB/T 2260" else None
        change = "" if not d else (f"{d:+,.2f}" if var.dtype == "float" else f"{d:+d}")
        return _fmt(var, old, lang), _fmt(var, new, lang), change

    persons = table(("个人 (元/年)" if zh else "Persons (yuan per year)") + f" — {sim.year} — "
                    + ("改革: " if zh else "reform: ") + escape(reform_name))
    names = _shown(system, sim, PERSON, HEADLINE_PERSON, also=baseline)
    for i, person in enumerate(hh.names):
        if i:
            persons.add_section()
        persons.add_row(f"[bold]{escape(person)}[/bold]", *([""] if wide else []), "", "", "")
        for name in names:
            var = system.variables[name]
            old = baseline.calc(name)[i] if name in baseline.system.variables else None
            persons.add_row(*_head(var, lang, wide), *cells(var, old, sim.calc(name)[i]))
    console.print(persons)
    household = table("家庭户 (元/年)" if zh else "Household (yuan per year)")
    for name in _shown(system, sim, HOUSEHOLD, HEADLINE_HOUSEHOLD, also=baseline):
        var = system.variables[name]
        old = baseline.calc(name)[0] if name in baseline.system.variables else None
        household.add_row(*_head(var, lang, wide), *cells(var, old, sim.calc(name)[0]))
    console.print(household)


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


# ---------------------------------------------------------------------------------------------- sweeps
#: at most this many rows of points in the sweep table (the points where the marginal rate changes)
SWEEP_ROWS = 40


def _rate(x: float | None) -> str:
    return "" if x is None else f"{x:.0%}"


def _breaks(points: list[dict[str, Any]], other: list[dict[str, Any]] | None) -> list[int]:
    """The rows worth showing: first, last, and each point whose marginal rate (or the baseline's) differs from
    the previous point's."""
    keep = [0]
    for i in range(1, len(points)):
        rates = [(p[i - 1]["marginal_effective_tax_rate"], p[i]["marginal_effective_tax_rate"])
                 for p in (points, other) if p is not None]
        if i == len(points) - 1 or any(a is None or b is None or abs(a - b) > 1e-6 for a, b in rates):
            keep.append(i)
    if len(keep) > SWEEP_ROWS:
        step = len(keep) / SWEEP_ROWS
        keep = sorted({keep[int(j * step)] for j in range(SWEEP_ROWS)} | {keep[-1]})
    return keep


def render_sweep(result: dict[str, Any], system: TaxBenefitSystem, console: Console, lang: str = "en",
                 reform_label: str | None = None) -> None:
    """`calc --vary`: disposable income and the marginal effective tax rate at the points where the rate changes,
    the cliffs (disposable income falls as the value rises) and where each programme pays."""
    zh = lang == "zh"
    var = system.variables.get(result["variable"])
    label = escape(var.label_in(lang)) if var is not None else result["variable"]
    points = result["points"]
    base = result.get("baseline", {}).get("points")
    reform = result.get("reform")
    title = (f"{escape(result['person'])} 的{label} ({result['variable']}) 变化时 — {result['year']}"
             if zh else f"As {escape(result['person'])}'s {label} ({result['variable']}) varies — {result['year']}")
    table = RichTable(title=title, title_justify="left")
    width = max(len(f"{p[k]:,.2f}") for p in points for k in ("value", "disposable_income")
                if p[k] is not None) if points else 10

    def column(head: str, money: bool = True) -> None:  # headers wrap, numbers never do
        table.add_column(head, justify="right", min_width=width if money else 5, overflow="fold")

    column("取值" if zh else "value")
    if base is not None:
        column("现行可支配收入" if zh else "disposable (baseline)")
        column("边际税率" if zh else "METR", money=False)
    if reform:
        table.caption = ("改革: " if zh else "reform: ") + escape(reform_label or reform["name"])
        table.caption_justify = "left"
    column(("改革后可支配收入" if zh else "disposable (reform)") if reform else
           ("可支配收入" if zh else "disposable income"))
    column("边际有效税率" if zh else "marginal effective tax rate" if base is None else "METR", money=False)
    rows = _breaks(points, base)
    for i in rows:
        p = points[i]
        cells = [f"{p['value']:,.0f}" if float(p["value"]).is_integer() else f"{p['value']:,.2f}"]
        if base is not None:
            cells += [f"{base[i]['disposable_income']:,.2f}", _style(base[i]["marginal_effective_tax_rate"])]
        cells += [f"{p['disposable_income']:,.2f}", _style(p["marginal_effective_tax_rate"])]
        table.add_row(*cells)
    console.print(table)
    if len(rows) < len(points):
        console.print("[dim]" + (f"共 {len(points):,} 个点;仅列出边际税率变化之处。全部: --json" if zh else
                                 f"{len(points):,} points; shown where the marginal rate changes. All: --json")
                      + "[/dim]")
    for label, res in (((("现行政策" if zh else "baseline"), result["baseline"]) if base is not None else (None, None)),
                       ((reform_label or reform["name"]) if reform else None, result)):
        if res is None:
            continue
        head = f" ({escape(label)})" if label else ""
        cl = res.get("cliffs", [])
        if cl:
            console.print(("[bold]断崖[/bold]" if zh else "[bold]Cliffs[/bold]") + head + ("(收入增加,可支配收入反而减少):" if zh
                          else " (disposable income falls as the value rises):"))
            for c in cl:
                console.print(f"  {c['from']:,.0f} → {c['to']:,.0f}: {c['disposable_change']:+,.2f} "
                              f"({'边际税率' if zh else 'METR'} {c['marginal_effective_tax_rate']:.0%})")
        else:
            console.print(("无断崖" if zh else "No cliff") + head + ("(可支配收入从不减少)" if zh else
                                                                   " (disposable income never falls)"))
        ranges = RichTable(title=("各项目的取值范围" if zh else "Where each programme applies") + head,
                           title_justify="left")
        ranges.add_column("项目" if zh else "programme", overflow="fold")
        ranges.add_column("取值范围" if zh else "from – to", min_width=2 * width - 3, overflow="fold")
        ranges.add_column("最大额 (元/年)" if zh else "largest (yuan/year)", justify="right", min_width=width,
                          overflow="fold")
        for prog, runs in res.get("ranges", {}).items():
            v = system.variables.get(prog)
            label_text = escape(v.label_in(lang)) if v is not None else prog
            for j, r in enumerate(runs):
                ranges.add_row(label_text if j == 0 else "", f"{r['from']:,.0f} – {r['to']:,.0f}", f"{r['max']:,.2f}")
        console.print(ranges)


def _style(rate: float | None) -> str:
    text = _rate(rate)
    if rate is not None and rate > 1 + 1e-9:
        return f"[bold red]{text}[/bold red]"
    if rate is not None and rate >= 1 - 1e-9:
        return f"[yellow]{text}[/yellow]"
    return text


def check_plot_path(path: Any) -> str:
    """The format of a --plot file from its suffix (png or svg), or a GongfuError naming the option."""
    from pathlib import Path

    from .engine import GongfuError

    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in ("png", "svg"):
        raise GongfuError(f"--plot: {path}: expected a .png or .svg file name")
    return suffix


def plot_sweep(result: dict[str, Any], path: Any, lang: str = "en", reform_label: str | None = None,
               variable_label: str | None = None) -> None:
    """Net (disposable) income and the marginal effective tax rate against the swept value, baseline and reform
    together (matplotlib's Agg canvas, no pyplot state; Chinese labels need a CJK font, else English). Font
    warnings are kept off the terminal."""
    import io
    import logging
    import warnings
    from pathlib import Path

    from .extras import require

    fmt = check_plot_path(path)
    figure = require("matplotlib.figure", "report", "--plot").Figure
    require("matplotlib.backends.backend_agg", "report", "--plot")
    font = None
    if lang == "zh":
        from .report.charts import cjk_font

        font = cjk_font()
    zh = lang == "zh" and font is not None
    fm_log = logging.getLogger("matplotlib.font_manager")
    level = fm_log.level
    fm_log.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fig = figure(figsize=(8, 6.4), dpi=110, layout="constrained")
            top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[3, 2])
            series = []
            if "baseline" in result:
                series.append(("现行政策" if zh else "baseline", result["baseline"]["points"], "#8a8a8a", "--"))
            name = (reform_label or result["reform"]["name"]) if result.get("reform") else (
                "现行政策" if zh else "law in force")
            series.append((name, result["points"], "#1f5fa8", "-"))
            for label, points, colour, style in series:
                x = [p["value"] for p in points]
                top.plot(x, [p["disposable_income"] for p in points], color=colour, linestyle=style, label=label)
                rates = [p["marginal_effective_tax_rate"] for p in points]
                if len(x) > 1:  # the rate of each step between two points, drawn over that step
                    bottom.stairs([100 * r if r is not None else float("nan") for r in rates[1:]], x,
                                  color=colour, linestyle=style, label=label, baseline=None)
            bottom.axhline(100, color="#c0392b", linewidth=0.8, linestyle=":")
            top.set_ylabel("可支配收入 (元/年)" if zh else "disposable income (yuan/year)")
            bottom.set_ylabel("边际有效税率 (%)" if zh else "marginal effective tax rate (%)")
            what = variable_label or result["variable"]
            bottom.set_xlabel(f"{result['person']} 的{what} (元/年)" if zh else f"{result['person']}: {what} (yuan/year)")
            top.set_title(f"{'收入曲线' if zh else 'Net income and marginal rate'} — {result['year']}")
            top.legend(loc="upper left", fontsize=9)
            top.grid(alpha=0.3)
            bottom.grid(alpha=0.3)
            if font:
                for text in fig.findobj(match=lambda o: hasattr(o, "set_fontfamily")):
                    text.set_fontfamily([font, "DejaVu Sans"])
            buffer = io.BytesIO()
            fig.savefig(buffer, format=fmt)
    finally:
        fm_log.setLevel(level)
    Path(path).write_bytes(buffer.getvalue())  # written whole, after drawing succeeded
