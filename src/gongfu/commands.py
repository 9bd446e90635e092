"""`gongfu simulate`, `gongfu compare`, `gongfu scenarios`, `gongfu serve`: the population-level commands.

Registered on the typer app of `gongfu.cli` (imported at the end of `cli._mount_subapps`). Terminal summaries
use rich; `--json` prints the run results (docs/ARCHITECTURE.md, "Run results") as one JSON object on stdout,
the progress bar going to stderr; `--report DIR` writes the HTML report (`gongfu.report.write_report`).
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from .cli import Lang, app, console, err, friendly
from .engine import GongfuError
from .progress import progress_bar
from .report import labels as L

# ---------------------------------------------------------------------------------------------- the runner


def resolve_reform(spec: str | None) -> str | None:
    """Check a reform file or scenario name completely before any run (errors name the file and line);
    returns the spec itself (the runner hashes the file), or None for `baseline`."""
    if spec is None or spec == "baseline":
        return None
    from .reforms import load_reform

    load_reform(spec)
    return spec


def _runner_options(population: str | Path | None = None, households: int | None = None, seed: int | None = None,
                    year: int = 2025, workers: int | None = None, dask: str | None = None,
                    checkpoint: str | Path | None = None, on_progress: Any = None) -> dict[str, Any]:
    """Keyword arguments of `gongfu.run.simulate` (options left out take the runner's defaults)."""
    given = {"population": str(population) if population is not None else None, "households": households,
             "seed": seed, "workers": workers, "dask": dask,
             "checkpoint_dir": str(checkpoint) if checkpoint is not None else None}
    return {"year": year, "on_progress": on_progress} | {k: v for k, v in given.items() if v is not None}


@contextlib.contextmanager
def _user_errors():
    """The runner's errors that a user causes (a checkpoint of another run, a directory that is not a
    population) become one-line GongfuErrors (exit code 2)."""
    from .population.io import PopulationFileError
    from .run import CheckpointMismatch

    try:
        yield
    except CheckpointMismatch as exc:
        raise GongfuError(str(exc).replace("--checkpoint-dir", "--checkpoint")) from None
    except PopulationFileError as exc:
        raise GongfuError(f"--population: {exc}") from None


def run_simulation(reform: Any = None, **options: Any) -> dict[str, Any]:
    """One run of the population under `reform` (None: the law in force; a file, scenario key or Reform)."""
    from . import run

    with _user_errors():
        return run.simulate(reform=reform, **_runner_options(**options))


def run_comparison(baseline: Any = None, reform: Any = None, **options: Any) -> dict[str, Any]:
    """`baseline` (None: the law in force) against `reform`: the compare dict.

    Against the law in force, baseline and reform are computed in one pass (deciles, winners and losers, group
    changes included). Against another reform, two runs of the same population are compared from their totals
    (`gongfu.run.compare(results, results)`: no deciles or winners/losers, which need the pairing of one pass).
    """
    from . import run

    kwargs = _runner_options(**options)
    with _user_errors():
        if baseline is None:
            return run.compare(None, reform, **kwargs)
        return run.compare(run.simulate(reform=baseline, **kwargs), run.simulate(reform=reform, **kwargs))


# ---------------------------------------------------------------------------------------------- rendering
def _check_lang(lang: str) -> None:
    if lang not in L.LANGS:
        raise GongfuError(f"--lang must be en or zh (got {lang!r})")


def _print_json(data: dict[str, Any]) -> None:
    from .api.service import jsonable

    print(json.dumps(jsonable(data), ensure_ascii=False, indent=2))


def _title(res: dict[str, Any]) -> str:
    meta = res.get("meta") or {}
    return f"{meta.get('system', 'baseline')} — {res.get('year')}"


def summary_tables(res: dict[str, Any], lang: str = "en", wide: bool = True) -> list[Table]:
    """Headline figures, programmes and income concepts of one run, as rich tables (`wide`: with the variable
    names, for terminals of 110 columns or more)."""
    zh = lang == "zh"
    head = Table(title=("主要结果 — " if zh else "Headline — ") + _title(res), title_justify="left",
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
        head.add_row(f"{L.stat('headcount', lang)}: {name}",
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
        progs.add_row(L.programme_label(var, p, lang), *([var] if wide else []),
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
    return tables


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
    head = Table(title=("改革效果 — " if zh else "Reform effects — ") + _title(new), title_justify="left")
    head.add_column(L.t("indicator", lang))
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
        row(f"{L.stat('headcount', lang)}: {name}", p.get("headcount"),
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
        progs.add_row(L.programme_label(var, info, lang), *([var] if wide else []), L.money(a, lang, unit=False),
                      L.money(b, lang, unit=False), f"[{style}]{'+' if b > a else ''}{change}[/{style}]")

    wl = Table(title=L.t("winners_losers", lang), title_justify="left")
    wl.add_column("")
    wl.add_column(L.t("share_persons", lang), justify="right")
    for key in ("gain_over_5pct", "gain_over_1pct", "no_change", "lose_over_1pct", "lose_over_5pct"):
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
    return tables


# ---------------------------------------------------------------------------------------------- commands
ReformOpt = Annotated[str | None, typer.Option("--reform", help="Reform file (YAML) or scenario name.")]
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
DaskOpt = Annotated[str | None, typer.Option("--dask", help="Dask scheduler ADDRESS, or `local` for a local cluster.")]
CheckpointOpt = Annotated[Path | None, typer.Option("--checkpoint", help="Checkpoint directory: a killed run "
                                                    "resumes from here.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the results as one JSON object.")]
ReportOpt = Annotated[Path | None, typer.Option("--report", help="Write the HTML report (and PNG, CSV, Parquet) "
                                                "into this directory.")]


def _options(population, households, seed, year, workers, dask, checkpoint) -> dict[str, Any]:
    from .api.service import check_year

    check_year(year, name="--year")
    if population is not None and households is not None:
        raise GongfuError("give either --population DIR or --households N, not both")
    if population is not None and not Path(population).is_dir():
        raise GongfuError(f"--population {population}: no such directory (build one with `gongfu population build`)")
    return {"population": population, "households": households, "seed": seed, "year": year, "workers": workers,
            "dask": dask, "checkpoint": checkpoint}


@app.command()
@friendly
def simulate(reform: ReformOpt = None, population: PopulationOpt = None, households: HouseholdsOpt = None,
             seed: SeedOpt = None, year: YearOpt = 2025, workers: WorkersOpt = None, dask: DaskOpt = None,
             checkpoint: CheckpointOpt = None, as_json: JsonOpt = False, report: ReportOpt = None,
             lang: Lang = "en") -> None:
    """Run the whole population under the law in force (or a reform): inequality, poverty, programme totals."""
    _check_lang(lang)
    options = _options(population, households, seed, year, workers, dask, checkpoint)
    spec = resolve_reform(reform)
    with progress_bar("gongfu run", "partitions", err) as on_progress:
        results = run_simulation(spec, on_progress=on_progress, **options)
    if report is not None:
        from .report import write_report

        path = write_report(results, report, lang=lang)
        err.print(f"report: {path}")
    if as_json:
        _print_json(results)
        return
    for table in summary_tables(results, lang, wide=console.width >= 110):
        console.print(table)
    console.print(f"[dim]{_provenance(results)}[/dim]")


@app.command()
@friendly
def compare(baseline: Annotated[str, typer.Argument(help="`baseline` (the law in force), a reform file or a "
                                                         "scenario name.")],
            reform: Annotated[str, typer.Argument(help="Reform file (YAML) or scenario name.")],
            population: PopulationOpt = None, households: HouseholdsOpt = None, seed: SeedOpt = None,
            year: YearOpt = 2025, workers: WorkersOpt = None, dask: DaskOpt = None,
            checkpoint: CheckpointOpt = None, as_json: JsonOpt = False, report: ReportOpt = None,
            lang: Lang = "en") -> None:
    """Compare a reform with the baseline: changes, winners and losers, deciles, net cost."""
    _check_lang(lang)
    options = _options(population, households, seed, year, workers, dask, checkpoint)
    base, new = resolve_reform(baseline), resolve_reform(reform)
    if new is None:
        raise GongfuError("REFORM: give a reform file or a scenario name (see `gongfu scenarios`)")
    with progress_bar("gongfu run", "partitions", err) as on_progress:
        result = run_comparison(base, new, on_progress=on_progress, **options)
    if report is not None:
        from .report import write_report

        path = write_report(result, report, lang=lang)
        err.print(f"report: {path}")
    if as_json:
        _print_json(result)
        return
    for table in compare_tables(result, lang, wide=console.width >= 110):
        console.print(table)
    console.print(f"[dim]{_provenance(result['reform'])}[/dim]")


@app.command()
@friendly
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


@app.command()
@friendly
def serve(host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
          port: Annotated[int, typer.Option(min=1, max=65535, help="Port.")] = 8000,
          reload: Annotated[bool, typer.Option(help="Reload on code changes (development).")] = False) -> None:
    """Start the HTTP API and the web page (OpenAPI docs at /docs)."""
    import uvicorn

    err.print(f"gongfu: web page http://{host}:{port}/ · API docs http://{host}:{port}/docs")
    uvicorn.run("gongfu.api.app:app", host=host, port=port, reload=reload, log_level="info")
