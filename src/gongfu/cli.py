"""gongfu command line: `gongfu calc`, `gongfu simulate`, `gongfu compare`, `gongfu population …`, …

Every user error ends with a one-line message naming the problem and where it is, and exit code 2.
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from .engine import GongfuError, load_system

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode="rich",
                  help="gongfu (共富): China's taxes and transfers, for one household or the whole country.")
console = Console()
err = Console(stderr=True)


def friendly(fn):
    """Turn user errors into a clear message and exit code 2 (never a traceback)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except GongfuError as exc:
            err.print(f"[bold red]error:[/bold red] {escape(str(exc))}", highlight=False, soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None
        except FileNotFoundError as exc:
            err.print(f"[bold red]error:[/bold red] {exc.filename}: no such file")
            raise typer.Exit(2) from None

    return wrapper


Lang = Annotated[str, typer.Option("--lang", help="Labels in English (en) or Chinese (zh).")]


def _system_with(reform: Path | None):
    system = load_system()
    if reform is None:
        return system
    from .reforms import load_reform

    return load_reform(reform).apply(system)


@app.command()
@friendly
def calc(
    file: Annotated[Path, typer.Argument(help="Household file (YAML or JSON).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print every variable as JSON.")] = False,
    explain: Annotated[str | None, typer.Option("--explain", help="Explain one variable as a tree.")] = None,
    depth: Annotated[int, typer.Option("--depth", min=1, help="Levels of the explanation tree to show.")] = 12,
    reform: Annotated[Path | None, typer.Option("--reform", help="Reform file (YAML).")] = None,
    lang: Lang = "en",
) -> None:
    """Compute taxes, contributions and benefits of one household, and explain any figure."""
    from .calculator import render_table, render_trace, results
    from .household import read_household

    if lang not in ("en", "zh"):
        raise GongfuError(f"--lang must be en or zh (got {lang!r})")
    system = _system_with(reform)
    hh = read_household(file, system)
    sim = hh.simulate(system)
    if explain:
        system.variable(explain)
        node = sim.trace(explain, depth=depth)
        if as_json:
            print(json.dumps(node.to_dict(), ensure_ascii=False, indent=2, default=str))
        else:
            console.print(render_trace(node, lang))
        return
    if as_json:
        print(json.dumps(results(sim, hh.names), ensure_ascii=False, indent=2))
        return
    render_table(sim, hh, console, lang)


@app.command()
@friendly
def variables(lang: Lang = "en", role: Annotated[str | None, typer.Option(help="Only this role.")] = None) -> None:
    """List every variable of the law with its entity, unit, label and legal reference."""
    from rich.table import Table

    table = Table("variable", "entity", "unit", "role", "label", "reference")
    for var in load_system().variables.values():
        if role and var.role != role:
            continue
        table.add_row(var.name, var.entity.key, var.unit, var.role or "", var.label_in(lang), var.reference or "")
    console.print(table)


@app.command()
@friendly
def parameters(prefix: Annotated[str, typer.Argument(help="Show parameters under this path.")] = "",
               year: Annotated[int, typer.Option(help="Value in force on 1 January of this year.")] = 2025) -> None:
    """Show parameters with their value in a year, unit and source."""
    import datetime as dt

    from rich.table import Table

    from .engine.parameters import Scale
    from .engine.parameters import Table as PTable

    system = load_system()
    if prefix:
        system.parameters.get(prefix)
    snap = system.parameters.at(dt.date(year, 1, 1))
    table = Table("parameter", "value", "unit", "since", "reference")
    for path, leaf in system.parameters.leaves().items():
        if prefix and not (path == prefix or path.startswith(prefix + ".")):
            continue
        value = snap.get(path)
        _, since = leaf.value_at(snap.date)
        if isinstance(value, Scale):
            shown = ", ".join(f"{r:.0%}>{t:,.0f}" for t, r in zip(value.thresholds, value.rates, strict=True))
        elif isinstance(value, PTable):
            shown = f"table ({'province × area' if value.by_area else 'province'}), mean {value.mean():,.1f}"
        else:
            shown = str(value)
        ref = leaf.reference.get("title", "") if isinstance(leaf.reference, dict) else str(leaf.reference)
        table.add_row(path, shown, leaf.unit, str(since or "—"), ref)
    console.print(table)


def _mount_subapps() -> None:
    import importlib.util

    if importlib.util.find_spec("gongfu.population.cli") is None:
        return
    from .population.cli import app as population_app

    app.add_typer(population_app, name="population", help="Build, check and import populations.")
    from . import commands  # noqa: F401  (simulate, compare, scenarios, serve)


_mount_subapps()


def main() -> None:  # pragma: no cover - console entry
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
