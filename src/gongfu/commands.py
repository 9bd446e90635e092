"""The commands of the `gongfu` CLI: parse the options, ask `gongfu.workflow`, print the answer.

`cli.py` builds the typer app from these functions; nothing here computes: reforms are resolved once by the
workflow (`workflow.resolve`, files allowed on the command line), runs go through `workflow.run_simulation` and
`workflow.run_comparison`, one household through `workflow.calculate_household`. Terminal summaries use rich
(every user-provided text escaped); `--json` prints the results (docs/ARCHITECTURE.md, "Run results") as one
JSON object on stdout, the progress bar going to stderr; `--report DIR` writes the HTML report
(`gongfu.report.write_report`), the directory being checked before the run. Every user error ends with a one-line
message naming the problem and where it is, and exit code 2.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from . import workflow
from .engine import GongfuError, load_system
from .extras import require
from .progress import progress_bar
from .report import labels as L

console = Console()
err = Console(stderr=True)


def _error_line(message: str) -> None:
    err.print(f"[bold red]error:[/bold red] {escape(message)}", highlight=False, soft_wrap=True)


def friendly(fn):
    """Turn user errors into a clear one-line message and exit code 2 (never a traceback): GongfuErrors, missing
    files and the OS's refusals (a read-only or full output directory) naming the path. User text is printed as
    text, never as rich markup."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except GongfuError as exc:
            _error_line(str(exc))
            raise typer.Exit(exc.exit_code) from None
        except FileNotFoundError as exc:
            _error_line(f"{exc.filename}: no such file")
            raise typer.Exit(2) from None
        except OSError as exc:
            where = exc.filename if exc.filename is not None else ""
            _error_line(f"{where}{': ' if where else ''}{exc.strerror or exc}")
            raise typer.Exit(2) from None

    return wrapper


Lang = Annotated[str, typer.Option("--lang", help="Labels in English (en) or Chinese (zh).")]
TrustRulesOpt = Annotated[list[Path] | None, typer.Option(
    "--trust-rules", help="A Python file of your own structural rules (@variable / FORMULAS), loaded from this path "
                          "and added to the reform. It runs as code: only for files you trust.")]


def _check_lang(lang: str) -> None:
    if lang not in L.LANGS:
        raise GongfuError(f"--lang must be en or zh (got {lang!r})")


# ---------------------------------------------------------------------------------------------- household
def calc(
    file: Annotated[Path, typer.Argument(help="Household file (YAML or JSON).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print every variable as JSON.")] = False,
    explain: Annotated[str | None, typer.Option("--explain", help="Explain one variable as a tree.")] = None,
    depth: Annotated[int, typer.Option("--depth", min=1, help="Levels of the explanation tree to show "
                                                                "(default 3; more to go deeper).")] = 3,
    reform: Annotated[str | None, typer.Option("--reform", help="Reform file (a path: x.yaml, ./x) or scenario "
                                                                "name (see `gongfu scenarios`): shown beside the "
                                                                "law in force (baseline | reform | change).")] = None,
    vary: Annotated[str | None, typer.Option("--vary", help="Sweep this person input (e.g. wage_income) over a "
                                                            "range: net income and marginal effective tax rate "
                                                            "at each point (needs --person, --to, --step).")] = None,
    person: Annotated[str | None, typer.Option("--person", help="With --vary: the person (name) whose input "
                                                                "varies.")] = None,
    start: Annotated[float, typer.Option("--from", help="With --vary: first value (yuan/year).")] = 0.0,
    stop: Annotated[float | None, typer.Option("--to", help="With --vary: last value.")] = None,
    step: Annotated[float | None, typer.Option("--step", help="With --vary: step between points (at most 2,001 "
                                                              "points).")] = None,
    plot: Annotated[Path | None, typer.Option("--plot", help="With --vary: draw net income and the marginal rate "
                                                             "(baseline and reform) to FILE.png or FILE.svg.")] = None,
    trust_rules: TrustRulesOpt = None,
    lang: Lang = "en",
) -> None:
    """Compute taxes, contributions and benefits of one household, and explain any figure; beside a reform
    (--reform), or over a range of one person's earnings (--vary)."""
    from .calculator import render_compare_table, render_table, render_trace, results, side_by_side, to_json
    from .engine.yamlio import load_yaml

    _check_lang(lang)
    sweep_options = {"--person": person, "--to": stop, "--step": step, "--plot": plot}
    if vary is None:
        given = [k for k, v in sweep_options.items() if v is not None]
        if given:
            raise GongfuError(f"{given[0]}: only with --vary VARIABLE")
    else:
        _check_sweep_options(vary, person, stop, step, plot, explain)
    data = load_yaml(file)
    common = {"source": str(file), "reform": reform, "files": True, "relative_to": Path(file).parent,
              "rule_files": trust_rules or (), "reform_field": "--reform"}
    if vary is not None:
        _calc_sweep(data, vary, person, start, stop, step, plot, as_json, lang, common)
        return
    done = workflow.calculate_household(data, **common)
    sim, hh = done.simulation, done.household
    _warn_projected(done.law)
    if explain:
        done.system.variable(explain)
        node = sim.trace(explain, depth=depth)
        if as_json:
            print(to_json(node.to_dict()))
        else:
            console.print(render_trace(node, lang))
        return
    baseline = done.baseline_simulation()
    if as_json:
        out = results(sim, hh.names)
        if baseline is not None:
            out = side_by_side(results(baseline, hh.names), out) | {"reform": workflow.reform_info(done.reform)}
        print(to_json(out))
        return
    if baseline is not None:
        render_compare_table(baseline, sim, hh, console, lang, done.reform.label(lang))
        return
    render_table(sim, hh, console, lang)


def _check_sweep_options(vary: str, person: str | None, stop: float | None, step: float | None,
                         plot: Path | None, explain: str | None) -> None:
    """The options --vary needs, checked before anything is computed (one message naming the option)."""
    from .calculator import check_plot_path

    if explain:
        raise GongfuError("--explain: explains one figure; leave it out with --vary")
    for option, value in (("--person", person), ("--to", stop), ("--step", step)):
        if value is None:
            raise GongfuError(f"{option}: missing; --vary {vary} needs --person NAME --to B --step S")
    if plot is not None:
        check_plot_path(plot)
        if not plot.parent.is_dir():
            raise GongfuError(f"--plot: {plot.parent}: no such directory")


def _calc_sweep(data: Any, vary: str, person: str | None, start: float, stop: float | None, step: float | None,
                plot: Path | None, as_json: bool, lang: str, common: dict[str, Any]) -> None:
    """`calc --vary`: the sweep as JSON or tables, and the chart when --plot is given."""
    from .calculator import plot_sweep, render_sweep, to_json

    result = workflow.sweep_household(data, vary, person, start, stop, step, **common)
    label = None
    if common["reform"] is not None:  # the reform's title in the language (resolved before: cached)
        label = workflow.resolve(common["reform"], "--reform", files=True,
                                 rule_files=common["rule_files"]).label(lang)
    var = load_system().variables.get(vary)
    if plot is not None:
        plot_sweep(result, plot, lang, label, var.label_in(lang) if var is not None else None)
    if as_json:
        print(to_json(result))
        return
    render_sweep(result, load_system(), console, lang, label)
    if plot is not None:
        console.print(("图已保存: " if lang == "zh" else "chart written to ") + escape(str(plot)))


def variables(lang: Lang = "en", role: Annotated[str | None, typer.Option(help="Only this role.")] = None) -> None:
    """List every variable of the law with its entity, unit, label and legal reference."""
    chosen = [v for v in load_system().variables.values() if not role or v.role == role]
    _identifier_rows("variable", ("entity", "unit", "role", "label", "reference"),
                     [(v.name, [v.entity.key, v.unit, v.role or "", v.label_in(lang), v.reference or ""])
                      for v in chosen])


def _identifier_rows(key: str, others: tuple[str, ...], rows: list[tuple[str, list[Any]]]) -> None:
    """Print rows led by an identifier users copy (a variable name, a parameter path): never cut or folded. On a
    terminal wide enough for a table (the longest identifier and 20 columns for each other field), a table whose
    first column is as wide as the longest identifier; otherwise each identifier on its own line, its fields
    below it (wrapping)."""
    longest = max([len(key), *(len(r[0]) for r in rows)])
    if console.width >= longest + 4 + 20 * len(others):
        table = Table()
        table.add_column(key, no_wrap=True, min_width=longest)
        for name in others:
            table.add_column(name, overflow="fold", ratio=1)
        for ident, fields in rows:
            table.add_row(escape(ident), *(escape(str(f)) for f in fields))
        console.print(table)
        return
    console.print(f"[dim]{escape(key)} — {escape(' · '.join(others))}[/dim]", highlight=False)
    for ident, fields in rows:
        console.print(f"[bold]{escape(ident)}[/bold]", highlight=False, overflow="ignore", crop=False)
        details = " · ".join(str(f) for f in fields if str(f))
        console.print(Padding(Text(details, style="dim", overflow="fold"), (0, 0, 0, 2)))


def years(as_json: Annotated[bool, typer.Option("--json", help="Print as one JSON object.")] = False) -> None:
    """Which years the law covers: known (dated values), projected (uprating rules), and where it stops."""
    status = workflow.law_status(workflow.law_coverage()[0])
    cov = {k: status[k] for k in ("first_year", "last_known_year", "horizon")}
    upto = workflow.law_status(cov["horizon"])["parameters"]
    if as_json:
        _print_json(cov | {"projected_parameters": upto})
        return
    console.print(f"known law: {cov['first_year']}-{cov['last_known_year']}; projected (uprating rules): "
                  f"{cov['last_known_year'] + 1}-{cov['horizon']}; other years: an error")
    table = Table("parameter", "known to", "rule after", title="Uprated parameters", title_justify="left")
    for p in upto:
        table.add_row(escape(p["parameter"]), str(p["known_until"]), escape(p["rule"]))
    console.print(table)


def parameters(prefix: Annotated[str, typer.Argument(help="Show parameters under this path.")] = "",
               year: Annotated[int, typer.Option(help="Value in force on 1 January of this year.")] = 2025) -> None:
    """Show parameters with their value in a year, unit and source."""
    import datetime as dt

    from .engine.parameters import Scale
    from .engine.parameters import Table as PTable

    system = load_system()
    if prefix:
        system.parameters.get(prefix)
    workflow.check_year(year, name="--year")
    _warn_projected(workflow.law_status(year))
    snap = system.parameters.at(dt.date(year, 1, 1))
    chosen = {path: leaf for path, leaf in system.parameters.leaves().items()
              if not prefix or path == prefix or path.startswith(prefix + ".")}
    rows = []
    for path, leaf in chosen.items():
        value = snap.get(path)
        _, since = leaf.value_at(snap.date)
        if isinstance(value, Scale):
            shown = ", ".join(f"{r:.0%}>{t:,.0f}" for t, r in zip(value.thresholds, value.rates, strict=True))
        elif isinstance(value, PTable):
            shown = f"table ({'province × area' if value.by_area else 'province'}), mean {value.mean():,.1f}"
        else:
            shown = str(value)
        ref = leaf.reference.get("title", "") if isinstance(leaf.reference, dict) else str(leaf.reference)
        since = f"projected from {since}" if path in snap.projected else since
        rows.append((path, [shown, leaf.unit, since or "—", ref]))
    _identifier_rows("parameter", ("value", "unit", "since", "reference"), rows)


# ---------------------------------------------------------------------------------------------- rendering
def _print_json(data: dict[str, Any]) -> None:
    print(json.dumps(workflow.jsonable(data), ensure_ascii=False, indent=2))


def system_name(res: dict[str, Any], lang: str = "en") -> str:
    """The name of the system of a results dict in the language: the baseline's label, or the reform's name (its
    `zh` name in Chinese, where the scenario has one)."""
    from .reforms.reform import text

    meta = res.get("meta") or {}
    system = meta.get("system", "baseline")
    if system == "baseline":
        return L.t("baseline", lang)
    reform = meta.get("reform") or {}
    return text(reform.get("label") or reform.get("name") or system, lang)


def _title(res: dict[str, Any], lang: str = "en") -> str:
    return escape(f"{system_name(res, lang)} — {res.get('year')}")


def summary_tables(res: dict[str, Any], lang: str = "en", wide: bool = True) -> list[Table]:
    """Headline figures, programmes and income concepts of one run, as rich tables (`wide`: with the variable
    names, for terminals of 110 columns or more)."""
    zh = lang == "zh"
    head = Table(title=("主要结果 — " if zh else "Headline — ") + _title(res, lang), title_justify="left",
                 show_header=False)
    head.add_column(style="bold")
    head.add_column(justify="right")
    disp = res.get("income", {}).get("disposable", {})
    head.add_row(L.t("persons", lang), L.people(res["population"]["persons"], lang))
    head.add_row(L.t("households", lang), L.people(res["population"]["households"], lang).replace("人", "户"))
    if disp:
        head.add_row(L.t("mean_disposable_pc", lang), L.num(disp.get("mean"), 0))
        head.add_row(L.stat("median", lang), L.num(disp.get("median"), 0))
    head.add_row(L.stat("gini", lang), f"{res['gini']:.4f}" + L.pm(res, "gini", lambda h: f"{h:.4f}"))
    head.add_row(L.stat("urban_rural_ratio", lang), f"{res['urban_rural_ratio']:.3f}")
    for name, p in (res.get("poverty") or {}).items():
        head.add_row(escape(f"{L.stat('headcount', lang)}: {L.line_label(name, p, lang)}"),
                     L.pct(p.get("headcount")) + L.pm(res, f"poverty.{name}.headcount", lambda h: L.pct(h)))
    progs = Table(title=L.t("programmes", lang) + (" (每年)" if zh else " (per year)"), title_justify="left")
    progs.add_column(L.t("programmes", lang), ratio=3, overflow="fold")
    if wide:
        progs.add_column("variable", style="dim", ratio=2, overflow="fold")
    progs.add_column(f"{L.stat('total', lang)} ({L.money_unit(lang)})", justify="right", no_wrap=True)
    progs.add_column(f"{L.stat('recipients', lang)} ({L.people_unit(lang)})", justify="right")
    from .report.tables import programme_order

    for var in programme_order(res["programmes"]):
        p = res["programmes"][var]
        progs.add_row(escape(L.programme_label(var, p, lang)), *([escape(var)] if wide else []),
                      L.money(p["total"], lang, unit=False)
                      + L.pm(res, f"programmes.{var}.total", lambda h: L.money(h, lang, unit=False)),
                      L.people(p.get("recipients"), lang, unit=False))
    if res.get("uncertainty"):
        head.caption = L.interval_note(lang)
    tables = [head, progs]
    if res.get("income"):
        inc = Table(title=L.t("inequality", lang), title_justify="left")
        inc.add_column(L.t("stage", lang), no_wrap=True)
        for s in ("mean", "median", "gini", "top10_share", "palma"):
            inc.add_column(L.stat(s, lang), justify="right")
        for c in ("market", "net_market", "disposable", "after_philanthropy"):
            d = res["income"].get(c)
            if d:
                inc.add_row(L.concept(c, lang), L.num(d.get("mean"), 0), L.num(d.get("median"), 0),
                            L.num(d.get("gini"), 4), L.pct(d.get("top10_share")), L.num(d.get("palma"), 2))
        tables.append(inc)
    groups = poverty_group_table(res, lang)
    if groups is not None:
        tables.append(groups)
    return tables


def poverty_group_table(res: dict[str, Any], lang: str = "en", cmp: dict[str, Any] | None = None) -> Table | None:
    """Poverty headcount by group of persons (age group, sex, left-behind children, persons with disabilities) at
    every line (a row per line, a column per group); with `cmp` (a comparison: `res` is its reform), the change
    in percentage points."""
    lines = res.get("poverty") or {}
    if not lines:
        return None
    zh = lang == "zh"
    title = ("贫困发生率:按人群" if zh else "Poverty headcount by group") + (
        (" — 变化(百分点)" if zh else " — change (percentage points)") if cmp is not None else " (%)")
    table = Table(title=title, title_justify="left")
    table.add_column("贫困线" if zh else "line", ratio=1, overflow="fold")
    groups = [g for g, _ in L.person_group_rows(next(iter(lines.values())).get("by_group"))]
    for g in groups:
        table.add_column(escape(L.person_group_short(g, lang)), justify="right", no_wrap=True)
    base_lines = (cmp or {}).get("baseline", {}).get("poverty") or {}
    for name, line in lines.items():
        stats = dict(L.person_group_rows(line.get("by_group")))
        base = dict(L.person_group_rows(base_lines.get(name, {}).get("by_group"))) if cmp is not None else {}
        cells = []
        for g in groups:
            h = (stats.get(g) or {}).get("headcount")
            if cmp is None:
                cells.append("—" if h is None else f"{h * 100:.1f}")
            else:
                b = (base.get(g) or {}).get("headcount")
                cells.append("—" if h is None or b is None else f"{(h - b) * 100:+.2f}")
        table.add_row(escape(L.line_label(name, line, lang)), *cells)
    table.caption = " · ".join(f"{L.person_group_short(g, lang)}: {L.person_group(g, lang)}" for g in groups)
    return table if groups else None


def _provenance(res: dict[str, Any]) -> str:
    meta = res.get("meta") or {}
    pop = meta.get("population") or {}
    parts = [f"gongfu {meta.get('gongfu_version', '?')}", f"population {pop.get('source', '?')}",
             f"seed {pop.get('seed', '?')}", f"fingerprint {str(pop.get('fingerprint', '?'))[:12]}",
             f"{pop.get('households_sampled', '?')} households sampled",
             f"{meta.get('backend', '?')} × {meta.get('workers', '?')} workers"]
    if meta.get("reform"):
        parts.append(f"reform sha256 {str(meta['reform'].get('sha256', '?'))[:12]}")
    return " · ".join(parts)


def compare_tables(cmp: dict[str, Any], lang: str = "en", wide: bool = True) -> list[Table]:
    """Change tables of a comparison: headline changes, programmes, winners and losers, deciles."""
    zh = lang == "zh"
    base, new = cmp["baseline"], cmp["reform"]
    head = Table(title=("改革效果 — " if zh else "Reform effects — ") + _title(new, lang), title_justify="left")
    head.add_column(L.t("indicator", lang), overflow="fold")
    for col in ("baseline", "reform", "change"):
        head.add_column(L.t(col, lang), justify="right")

    def row(label: str, a: float | None, b: float | None, digits: int = 4, percent: bool = False,
            key: str = "") -> None:
        if a is None or b is None:
            return
        if percent:
            head.add_row(label, L.pct(a), L.pct(b), L.pct(b - a, signed=True, digits=2)
                         + L.pm(cmp, key, lambda h: L.pct(h, digits=2)))
        else:
            head.add_row(label, L.num(a, digits), L.num(b, digits), L.num(b - a, digits, signed=True)
                         + L.pm(cmp, key, lambda h: L.num(h, digits)))

    row(L.stat("gini", lang), base["gini"], new["gini"], key="change.gini")
    row(L.stat("urban_rural_ratio", lang), base["urban_rural_ratio"], new["urban_rural_ratio"], 3)
    bd, nd = base.get("income", {}).get("disposable", {}), new.get("income", {}).get("disposable", {})
    row(L.t("mean_disposable_pc", lang), bd.get("mean"), nd.get("mean"), 0)
    for name, p in (base.get("poverty") or {}).items():
        row(escape(f"{L.stat('headcount', lang)}: {L.line_label(name, p, lang)}"), p.get("headcount"),
            (new.get("poverty") or {}).get(name, {}).get("headcount"), percent=True,
            key=f"change.poverty.{name}.headcount")
    cost_pm = L.pm(cmp, "net_cost", lambda h: L.money(h, lang, unit=False))
    head.add_row(f"[bold]{L.stat('net_cost', lang)}[/bold]", "", "",
                 f"[bold]{L.money(cmp.get('net_cost'), lang)}[/bold]{cost_pm}")

    progs = Table(title=f"{L.t('programmes', lang)} ({L.money_unit(lang)})", title_justify="left")
    progs.add_column(L.t("programmes", lang), ratio=3, overflow="fold")
    if wide:
        progs.add_column("variable", style="dim", ratio=2, overflow="fold")
    for col in ("baseline", "reform", "change"):
        progs.add_column(L.t(col, lang), justify="right", no_wrap=True)
    from .report.tables import programme_order

    names = programme_order(base["programmes"]) + [v for v in programme_order(new["programmes"])
                                                   if v not in base["programmes"]]
    for var in names:
        a = base["programmes"].get(var, {}).get("total", 0.0)
        b = new["programmes"].get(var, {}).get("total", 0.0)
        info = new["programmes"].get(var) or base["programmes"].get(var)
        style = "green" if b > a else "red" if b < a else "dim"
        change = L.money(b - a, lang, unit=False)
        progs.add_row(escape(L.programme_label(var, info, lang)), *([escape(var)] if wide else []),
                      L.money(a, lang, unit=False),
                      L.money(b, lang, unit=False), f"[{style}]{'+' if b > a else ''}{change}[/{style}]")

    wl = Table(title=L.t("winners_losers", lang), title_justify="left")
    wl.add_column("")
    wl.add_column(L.t("share_persons", lang), justify="right")
    for key in L.FIVE_GROUPS:  # five mutually exclusive groups: they add up to 100%
        if key in (cmp.get("winners_losers") or {}):
            wl.add_row(L.stat(key, lang), L.pct(cmp["winners_losers"][key])
                       + L.pm(cmp, f"winners_losers.{key}", lambda h: L.pct(h)))

    dec = Table(title=L.t("deciles", lang), title_justify="left")
    dec.add_column("decile" if not zh else "十等分组", justify="right")
    dec.add_column(L.t("mean_change", lang), justify="right")
    dec.add_column(L.t("pct_change", lang), justify="right")
    for i, d in enumerate(cmp.get("deciles") or []):
        dec.add_row(str(d.get("decile")), L.num(d.get("mean_change"), 0, signed=True)
                    + L.pm(cmp, f"deciles.{i}.mean_change", lambda h: L.num(h, 0)),
                    L.pct(d.get("pct_change"), signed=True, digits=2))
    if cmp.get("uncertainty"):
        head.caption = L.interval_note(lang)
    tables = [head, progs]
    if wl.row_count:
        tables.append(wl)
    if dec.row_count:
        tables.append(dec)
    groups = poverty_group_table(new, lang, cmp)
    if groups is not None:
        tables.append(groups)
    return tables


# ---------------------------------------------------------------------------------------------- commands
ReformOpt = Annotated[str | None, typer.Option("--reform", help="Reform file (a path: x.yaml, ./x) or scenario "
                                                                 "name (see `gongfu scenarios`).")]
PopulationOpt = Annotated[Path | None, typer.Option("--population", help="Population directory (Parquet), "
                                                    "from `gongfu population build`.")]
#: The smallest generated sample: one household per province and area (gongfu.population.partition).
MIN_HOUSEHOLDS = 62
HouseholdsOpt = Annotated[int | None, typer.Option("--households", min=MIN_HOUSEHOLDS,
                                                   help="Generate a sample of N households (at least 62: one per "
                                                        "province and area) instead of reading --population.")]
SeedOpt = Annotated[int | None, typer.Option("--seed", help="Seed of the generated sample.")]
YearOpt = Annotated[int, typer.Option("--year", min=2000, max=2100, help="Law in force on 1 January of this year.")]
WorkersOpt = Annotated[int | None, typer.Option("--workers", min=1, help="Local worker processes.")]
DaskOpt = Annotated[str | None, typer.Option("--dask", help="Dask scheduler ADDRESS, or `local` for a local cluster "
                                             "(also with --years).")]
CheckpointOpt = Annotated[Path | None, typer.Option("--checkpoint", help="Checkpoint directory: a killed run "
                                                    "(or --years window) resumes from here.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the results as one JSON object.")]
ReportOpt = Annotated[Path | None, typer.Option("--report", help="Write the HTML report (and PNG, CSV, Parquet) "
                                                "into this directory.")]


def run_progress(lang: str) -> Any:
    """The progress bar of a national run, in the language (stderr; nothing when it is not a terminal)."""
    if lang == "zh":
        return progress_bar("共富计算", "个分区", err, eta="预计剩余")
    return progress_bar("gongfu run", "partitions", err)


def _options(population, households, seed, year, workers, dask, checkpoint) -> dict[str, Any]:
    workflow.check_year(year, name="--year")
    if population is not None and households is not None:
        raise GongfuError("give either --population DIR or --households N, not both")
    if population is not None and not Path(population).is_dir():
        raise GongfuError(f"--population {population}: no such directory (build one with `gongfu population build`)")
    return {"population": population, "households": households, "seed": seed, "year": year, "workers": workers,
            "dask": dask, "checkpoint": checkpoint}


def _warn_projected(status: dict[str, Any]) -> None:
    """A projected year (past the last dated law, computed by uprating rules): one warning line on stderr."""
    warning = workflow.projected_warning(status)
    if warning:
        err.print(f"[yellow]{escape(warning)}[/yellow]", highlight=False, soft_wrap=True)


def _check_report(report: Path | None) -> None:
    """Refuse an unusable --report directory before the run (not after an hour of computing)."""
    if report is not None:
        from .report.writer import check_report_dir  # needs the 'report' extra: a missing one stops here

        check_report_dir(report)


def _write_report(data: dict[str, Any], report: Path | None, lang: str) -> None:
    if report is not None:
        from .report import write_report

        try:
            path = write_report(data, report, lang=lang)
        except OSError as exc:  # a full disk, a directory made read-only during the run: one line, the path
            raise GongfuError(f"--report {report}: cannot write the report ({exc.strerror or exc})") from None
        err.print(f"report: {escape(str(path))}", highlight=False)


def simulate(reform: ReformOpt = None, population: PopulationOpt = None, households: HouseholdsOpt = None,
             seed: SeedOpt = None, year: YearOpt = 2025, workers: WorkersOpt = None, dask: DaskOpt = None,
             checkpoint: CheckpointOpt = None, as_json: JsonOpt = False, report: ReportOpt = None,
             trust_rules: TrustRulesOpt = None, lang: Lang = "en") -> None:
    """Run the whole population under the law in force (or a reform): inequality, poverty, programme totals."""
    _check_lang(lang)
    options = _options(population, households, seed, year, workers, dask, checkpoint)
    spec = workflow.resolve(reform, "--reform", files=True, rule_files=trust_rules or ())
    _check_report(report)
    with run_progress(lang) as on_progress:
        results = workflow.run_simulation(spec, on_progress=on_progress, **options)
    _warn_projected(results.get("law") or {})
    _write_report(results, report, lang)
    if as_json:
        _print_json(results)
        return
    for table in summary_tables(results, lang, wide=console.width >= 110):
        console.print(table)
    console.print(f"[dim]{escape(_provenance(results))}[/dim]")


def compare(baseline: Annotated[str, typer.Argument(help="`baseline` (the law in force), a reform file or a "
                                                         "scenario name.")],
            reform: Annotated[str, typer.Argument(help="Reform file (a path: x.yaml, ./x) or scenario name.")],
            population: PopulationOpt = None, households: HouseholdsOpt = None, seed: SeedOpt = None,
            year: YearOpt = 2025, workers: WorkersOpt = None, dask: DaskOpt = None,
            checkpoint: CheckpointOpt = None, as_json: JsonOpt = False, report: ReportOpt = None,
            trust_rules: TrustRulesOpt = None, lang: Lang = "en",
            years: Annotated[str | None, typer.Option("--years", help="A budget window FIRST:LAST (e.g. 2025:2030): "
                                                      "the cost by year and in total, nominal and in 2025 prices."
                                                      )] = None) -> None:
    """Compare a reform with the baseline: changes, winners and losers, deciles, net cost."""
    _check_lang(lang)
    options = _options(population, households, seed, year, workers, dask, checkpoint)
    if reform == "baseline":
        raise GongfuError("REFORM: give a reform file or a scenario name (see `gongfu scenarios`)")
    base = workflow.resolve(baseline, "BASELINE", files=True)
    new = workflow.resolve(reform, "REFORM", files=True, rule_files=trust_rules or ())
    if years is not None:
        _compare_window(base, new, years, options, as_json, report, lang)
        return
    _check_report(report)
    with run_progress(lang) as on_progress:
        result = workflow.run_comparison(base, new, on_progress=on_progress, **options)
    _warn_projected(result.get("law") or {})
    _write_report(result, report, lang)
    if as_json:
        _print_json(result)
        return
    for table in compare_tables(result, lang, wide=console.width >= 110):
        console.print(table)
    console.print(f"[dim]{escape(_provenance(result['reform']))}[/dim]")


def _compare_window(base: Any, new: Any, years: str, options: dict[str, Any], as_json: bool,
                    report: Path | None, lang: str = "en") -> None:
    """`compare --years FIRST:LAST`: the costing of a budget window (run/window.py); `--report DIR` writes its
    year-by-year report (report/window.py), checked before the run and written atomically after it."""
    window = workflow.parse_years(years)
    options = {k: v for k, v in options.items() if k != "year"}
    _check_report(report)
    with progress_bar("gongfu window", "partitions", err) as on_progress:
        result = workflow.run_window(base, new, window, on_progress=on_progress, **options)
    _warn_projected(result.get("law") or {})
    _write_report(result, report, lang)
    if as_json:
        _print_json(result)
        return
    from .report.window import cli_table, projected_note, scorecard_note

    console.print(cli_table(result, lang))
    note = projected_note(result, lang)
    if note:
        console.print(f"[yellow]{escape(note)}[/yellow]", highlight=False)
    console.print(f"[dim]{escape(scorecard_note(result, lang))}[/dim]", highlight=False)


def scenarios(lang: Lang = "en", as_json: JsonOpt = False) -> None:
    """List the scenario library: ready reforms from the common-prosperity debate, with their sources."""
    _check_lang(lang)
    from .reforms import list_scenarios
    from .reforms.reform import text

    items = list_scenarios()
    if as_json:
        _print_json({"scenarios": [{k: v for k, v in r.to_dict().items() if k != "file"} for r in items]})
        return
    table = Table(title="情景库" if lang == "zh" else "Scenario library", title_justify="left")
    table.add_column("scenario", style="bold", no_wrap=True)
    table.add_column("名称" if lang == "zh" else "name", ratio=3, overflow="fold")
    table.add_column("changes" if lang == "en" else "改动", ratio=2, overflow="fold", style="dim")
    for r in items:
        start = f" ({r.start_date.isoformat()})" if r.start_date else ""
        changes = "\n".join(list(r.changed_parameters) + list(r.rules))
        table.add_row(r.slug, text(r.name, lang) + start, changes)
    console.print(table)
    console.print("[dim]gongfu compare baseline SCENARIO --households 20000[/dim]")


def serve(host: Annotated[str, typer.Option(help="Address to listen on (127.0.0.1: this machine only).")] = "127.0.0.1",
          port: Annotated[int, typer.Option(min=1, max=65535, help="Port.")] = 8000,
          reload: Annotated[bool, typer.Option(help="Reload on code changes (development).")] = False,
          max_body: Annotated[int, typer.Option(min=1, help="Largest request body in bytes (413 beyond).")
                              ] = 1_000_000,
          queue: Annotated[int, typer.Option(min=0, help="Runs (/simulate, /compare) that may wait for the one "
                                                         "running; more get 429 with Retry-After.")] = 8,
          allowed_hosts: Annotated[str | None, typer.Option(
              help="Comma-separated Host names served (e.g. 'gongfu.example.org,localhost:8000'; '*' for any). "
                   "Default: localhost, 127.0.0.1 and [::1] on PORT when bound to loopback.")] = None,
          access_log: Annotated[bool, typer.Option(help="Log every request (about 1 ms of CPU each); errors are "
                                                        "always logged.")] = False) -> None:
    """Start the HTTP API and the web page (OpenAPI docs at /docs). docs/http.md says how to run it safely."""
    import os
    import sys

    uvicorn = require("uvicorn", "serve")
    require("fastapi", "serve")  # gongfu.api.app
    from .api.limits import Settings, is_loopback

    hosts = [h.strip() for h in (allowed_hosts or "").split(",") if h.strip()]
    bad = [h for h in hosts if any(c.isspace() or c in "/@?#" for c in h)]
    if bad:
        raise GongfuError(f"--allowed-hosts: {bad[0]!r} is not a host name (give names such as "
                          "'gongfu.example.org' or 'localhost:8000', comma-separated)")
    os.environ["GONGFU_MAX_BODY"] = str(max_body)
    os.environ["GONGFU_RUN_QUEUE"] = str(queue)
    os.environ["GONGFU_ALLOWED_HOSTS"] = ",".join(hosts)
    if "gongfu.api.app" in sys.modules:  # already imported (tests, embedding): apply the settings now
        sys.modules["gongfu.api.app"].configure(Settings.from_env())
    if not is_loopback(host):
        err.print(f"[bold yellow]warning:[/bold yellow] listening on {escape(host)}, reachable from other "
                  "machines: gongfu has no authentication and no TLS; put it behind a reverse proxy that adds "
                  "them (docs/http.md)" + ("" if hosts else ", and pass --allowed-hosts with its public name"),
                  highlight=False, soft_wrap=True)
    shown = f"[{host}]" if ":" in host else host
    err.print(f"gongfu: web page http://{escape(shown)}:{port}/ · API docs http://{escape(shown)}:{port}/docs · "
              f"body limit {max_body:,} bytes · {queue} runs may wait", highlight=False)
    uvicorn.run("gongfu.api.app:app", host=host, port=port, reload=reload, log_level="info", access_log=access_log)
