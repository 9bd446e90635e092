"""`gongfu population build | check | import` (typer sub-app, mounted by gongfu.cli)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

app = typer.Typer(help="Synthetic populations calibrated to official figures: build, check, import.",
                  no_args_is_help=True, add_completion=False)
console = Console()
err = Console(stderr=True)


@app.command()
def build(
    households: int = typer.Option(100_000, "--households", "-n", help="Households in the sample (any size >= 62)."),
    seed: int = typer.Option(0, "--seed", "-s", help="Random seed: same seed, same files."),
    out: Path = typer.Option(..., "--out", "-o", help="Output directory: created, or an earlier population "
                                                       "replaced whole once the new one is complete."),
    workers: int = typer.Option(1, "--workers", "-w", help="Worker processes (the files do not depend on it)."),
    max_households: int = typer.Option(1_000_000, "--max-households", help="Largest partition (households)."),
) -> None:
    """Generate a population and write it as partitioned Parquet (by province) with a manifest."""
    from gongfu.population.build import build as do_build
    from gongfu.population.io import check_target

    try:
        check_target(out)  # before the progress bar: a refused --out is one line
    except ValueError as exc:
        _fail(exc)
    t0 = time.perf_counter()
    with Progress(TextColumn("[bold]building[/]"), BarColumn(), MofNCompleteColumn(), TextColumn("households"),
                  TimeElapsedColumn(), console=err, transient=False) as bar:
        task = bar.add_task("build", total=households)
        try:
            manifest = do_build(households, seed, out, workers=workers, max_households=max_households,
                                progress=lambda done, total: bar.update(task, completed=done))
        except ValueError as exc:  # PopulationFileError too: a target that cannot be written or replaced
            bar.stop()
            _fail(exc)
    dt = time.perf_counter() - t0
    console.print(f"wrote {len(manifest['partitions'])} partitions, {manifest['households']:,} households, "
                  f"{manifest['persons']:,} persons to {out} in {dt:.1f} s")


def _fail(exc: Exception) -> None:
    """Print a user error on one line (user text escaped: a path may contain [markup]) and exit 2."""
    err.print(f"[red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
    raise typer.Exit(2) from None


def _print_rows(rows, show_all: bool) -> None:
    table = Table(title="gongfu population check: target vs achieved", show_lines=False)
    longest = max([6, *(len(r.name) for r in rows)])
    table.add_column("target", no_wrap=True, min_width=longest)  # a name users copy: never cut
    for col, just in (("official", "right"), ("achieved", "right"), ("error", "right"), ("tolerance", "right"),
                      ("", "left")):
        table.add_column(col, justify=just, overflow="fold")
    style = {"ok": "green", "MISS": "bold red", "info": "dim", "n/a": "yellow"}
    for r in rows:
        if not show_all and r.group == "province" and r.status == "ok":
            continue
        tol = "-" if r.effective_tol is None else f"±{100 * r.effective_tol:.1f}%"
        table.add_row(r.name, _fmt(r.target), _fmt(r.achieved), f"{100 * r.rel_error:+.1f}%", tol,
                      f"[{style[r.status]}]{r.status}[/]")
    console.print(table)


def _fmt(x: float) -> str:
    if x != x:
        return "n/a"
    if abs(x) >= 1e6:
        return f"{x / 1e6:,.2f}M"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.4f}"


@app.command()
def check(
    population: Path | None = typer.Option(None, "--population", "-p",
                                           help="Check this population directory instead of generating one."),
    households: int = typer.Option(100_000, "--households", "-n", help="Households to generate when no --population."),
    seed: int = typer.Option(0, "--seed", "-s"),
    engine: bool = typer.Option(True, "--engine/--no-engine",
                                help="Run the engine for the income and recipient targets (else they are skipped)."),
    show_all: bool = typer.Option(True, "--all/--failures", help="Show every province row, or only misses."),
    as_json: bool = typer.Option(False, "--json", help="Print the rows as JSON."),
    files_only: bool = typer.Option(False, "--files-only",
                                    help="With --population: only verify the files (sizes, rows, sha256)."),
    year: int = typer.Option(2024, "--year", help="Report the figures of this year beside the population of that year "
                             "(2024: the calibration targets; 2022-2023, 2025-2030: that year's demography, which the "
                             "population is reweighted to, and its incomes; informational)."),
) -> None:
    """Print every target beside the achieved value and relative error; exit 1 when a target misses.

    With --population, first verify every file against the manifest (sizes, row counts and sha256 checksums);
    exit 2 naming the first damaged file."""
    import numpy as np

    from gongfu.population.check import check as do_check
    from gongfu.population.check import engine_outputs, failures
    from gongfu.population.io import concat, open_population, read_population, verify_checksums
    from gongfu.population.partition import generate_partition, plan_partitions

    try:
        if population is not None:
            manifest = open_population(population)
            n_files = verify_checksums(population, manifest)
            err.print(f"files: {n_files} files of {len(manifest['partitions'])} partitions match the manifest "
                      "(sizes, rows, sha256)", highlight=False)
            if files_only:
                return
            h, p = read_population(population)
        else:
            parts = [generate_partition(s) for s in plan_partitions(households, seed)]
            h, p = concat([x[0] for x in parts]), concat([x[1] for x in parts])
    except ValueError as exc:  # PopulationFileError included
        _fail(exc)
    from gongfu.population.check import year_targets

    try:
        targets = year_targets(year)
    except ValueError as exc:
        _fail(exc)
    if year != 2024:
        from gongfu.population.ageing import project_population

        h, p = project_population(h, p, year)
    eng = engine_outputs(h, p, year=year) if engine else None
    if targets is None:
        rows = do_check(h, p, eng)
    else:  # another year: its own figures (demography reweighted to them), informational (tol: null)
        from gongfu.population.check import check_year

        rows = check_year(h, p, eng, targets)
    if not engine:
        rows = [r for r in rows if np.isfinite(r.achieved)]
    bad = failures(rows)
    if as_json:
        print(json.dumps([{"name": r.name, "target": r.target, "achieved": r.achieved, "rel_error": r.rel_error,
                           "tolerance": r.effective_tol, "model_tolerance": r.tol, "se": r.se, "status": r.status}
                          for r in rows], indent=1))
    else:
        _print_rows(rows, show_all)
        n_ok = sum(r.status == "ok" for r in rows)
        msg = f"{n_ok} targets met, {len(bad)} missed, {sum(r.status == 'info' for r in rows)} informational"
        console.print(f"[{'red' if bad else 'green'}]{msg}[/]" + ("" if engine else " (income targets skipped: --no-engine)"))
    if bad:
        raise typer.Exit(1)


@app.command("import")
def import_(
    file: Path = typer.Argument(..., help="Microdata: .csv, .parquet or .dta"),
    mapping: Path = typer.Option(..., "--mapping", "-m", help="Column-mapping YAML (see docs/population.md)."),
    out: Path = typer.Option(..., "--out", "-o", help="Output population directory."),
) -> None:
    """Import your own microdata through a column mapping into a gongfu population directory."""

    from gongfu.extras import MissingExtra

    try:
        from gongfu.population.importer import import_microdata
    except MissingExtra as exc:  # pandas (the 'import' extra) is not installed
        _fail(exc)
    try:
        manifest = import_microdata(file, mapping, out)
    except ValueError as exc:  # MicrodataError, or PopulationFileError for an --out that cannot be written
        _fail(exc)
    console.print(f"imported {manifest['households']:,} households, {manifest['persons']:,} persons "
                  f"into {len(manifest['partitions'])} partitions in {out}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())


