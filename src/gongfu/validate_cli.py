"""`gongfu validate`: the model's figures side by side with official ones (issue 11 section 4).

Runs the population through `gongfu.run.simulate` (by default the same default sample as `gongfu simulate`) and
prints, one table per area (income distribution, taxes, social insurance, pensions, assistance), the model's
figure with its 95% interval when the results carry one, the official figure with its source and year, the
difference (ratio or points), whether the figure was a calibration target of the population, and a verdict.
`--json` prints ``{"year", "rows": [...], "meta"}`` (rows of `gongfu.analysis.validation.validation_table`).

Registered on the typer app of `gongfu.cli` by one line in `cli._mount_subapps`; self-contained otherwise (its
own options and error handling) so that it does not depend on the layout of cli.py/commands.py.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from .analysis import validation as V
from .engine import GongfuError

#: The year of the latest official figures and of the population's calibration (population/targets.yaml).
DEFAULT_YEAR = 2024
MIN_HOUSEHOLDS = 62  # one household per province and area (gongfu.population.partition)

HEAD = {
    "figure": {"en": "Figure", "zh": "指标"},
    "model": {"en": "Model", "zh": "模型"},
    "ci95": {"en": "Model 95% CI", "zh": "模型95%区间"},
    "official": {"en": "Official", "zh": "官方"},
    "year": {"en": "Year", "zh": "年份"},
    "source": {"en": "Source", "zh": "来源"},
    "diff": {"en": "Model/official", "zh": "模型/官方"},
    "target": {"en": "Calibration", "zh": "校准"},
    "verdict": {"en": "Verdict", "zh": "判断"},
    "is_target": {"en": "target", "zh": "校准目标"},
    "not_target": {"en": "not a target", "zh": "非校准目标"},
    "outside": {"en": "not a target (outside check)", "zh": "非校准目标(外部检验)"},
    "title": {"en": "Validation against official figures", "zh": "与官方数据对照验证"},
    "notes": {"en": "Concepts", "zh": "口径说明"},
}


def target_text(row: dict[str, Any], lang: str) -> str:
    """"target", "not a target" or "not a target (outside check)", in `lang`."""
    if row.get("target"):
        return HEAD["is_target"][lang]
    return HEAD["outside" if row.get("outside_check") else "not_target"][lang]


def tables(rows: list[dict[str, Any]], year: Any, lang: str = "en", notes: bool = True) -> list[Any]:
    """Rich renderables: one table per area, each followed by its numbered concept notes."""
    out: list[Any] = []
    for area, title in V.AREAS.items():
        mine = [r for r in rows if r["area"] == area]
        if not mine:
            continue
        t = Table(title=f"{HEAD['title'][lang]} — {title[lang]} ({year})", title_justify="left", show_lines=False)
        t.add_column("#", justify="right", style="dim")
        t.add_column(HEAD["figure"][lang], ratio=3, overflow="fold")
        t.add_column(HEAD["model"][lang], justify="right", no_wrap=True)
        t.add_column(HEAD["ci95"][lang], justify="right", overflow="fold")
        t.add_column(HEAD["official"][lang], justify="right", no_wrap=True)
        t.add_column(HEAD["year"][lang], justify="right")
        t.add_column(HEAD["source"][lang], ratio=2, overflow="fold")
        t.add_column(HEAD["diff"][lang], justify="right", no_wrap=True)
        t.add_column(HEAD["target"][lang], overflow="fold")
        t.add_column(HEAD["verdict"][lang], ratio=2, overflow="fold")
        notes_of: dict[str, list[int]] = {}
        for i, r in enumerate(mine, 1):
            unit = r["unit"]
            official = V.format_value(r["official"], unit, lang) if r["official"] is not None else \
                ("unknown here" if lang == "en" else "此处未知")
            bound = {"lower": "≥ ", "upper": "≤ "}.get(r.get("bound") or "", "")
            style = "green" if r["verdict"]["en"].startswith(("close", "consistent")) else \
                "yellow" if r["verdict"]["en"].startswith("near") else "red" if r["official"] is not None else "dim"
            t.add_row(str(i), r["label"][lang], V.format_value(r["model"], unit, lang),
                      V.format_interval(r["model_ci95"], unit, lang), bound + official,
                      str(r["year"] or "—"), V.source_text(r, lang), V.format_diff(r), target_text(r, lang),
                      f"[{style}]{r['verdict'][lang]}[/{style}]")
            if r.get("note"):
                notes_of.setdefault(r["note"], []).append(i)
        out.append(t)
        lines = [f"[{_span(ix)}] {note}" for note, ix in notes_of.items()]
        if notes and lines:
            out.append("[dim]" + "\n".join(lines).replace("[", "\\[") + "[/dim]")
    return out


def _error(err: Console, message: str) -> None:
    """One line on stderr: the message as text (never read as rich markup)."""
    from rich.text import Text

    err.print(Text.assemble(("error:", "bold red"), " ", message), highlight=False, soft_wrap=True)


def _span(ix: list[int]) -> str:
    """Row numbers sharing one note: "9-13" for a run, else "2, 5"."""
    if len(ix) > 1 and ix == list(range(ix[0], ix[-1] + 1)):
        return f"{ix[0]}-{ix[-1]}"
    return ", ".join(map(str, ix))


def _check(lang: str, year: int, households: int | None, population: Path | None) -> None:
    if lang not in ("en", "zh"):
        raise GongfuError(f"--lang must be en or zh (got {lang!r})")
    try:
        from .workflow import check_year
    except ImportError:  # pragma: no cover - trees before gongfu/workflow.py
        from .api.service import check_year
    check_year(year, name="--year")
    if population is not None and households is not None:
        raise GongfuError("give either --population DIR or --households N, not both")
    if population is not None and not Path(population).is_dir():
        raise GongfuError(f"--population {population}: no such directory (build one with `gongfu population build`)")


def run_results(year: int, households: int | None = None, population: Path | None = None, seed: int | None = None,
                workers: int | None = None, progress: bool = False) -> dict[str, Any]:
    """The baseline run-results dict of `gongfu.run.simulate` (runner errors a user causes -> GongfuError);
    `progress`: a bar on stderr when it is a terminal (gongfu.progress)."""
    import contextlib

    from . import run
    from .population.io import PopulationFileError

    kwargs: dict[str, Any] = {"year": year}
    for k, v in (("households", households), ("seed", seed), ("workers", workers),
                 ("population", str(population) if population is not None else None)):
        if v is not None:
            kwargs[k] = v
    try:
        from .progress import progress_bar
    except ImportError:  # pragma: no cover - older trees: the runner draws its own bar
        progress_bar = None
    bar = progress_bar("gongfu validate", "partitions") if progress and progress_bar else contextlib.nullcontext()
    try:
        with bar as on_progress:
            if on_progress is not None:
                kwargs["on_progress"] = on_progress
            return run.simulate(**kwargs)
    except PopulationFileError as exc:
        raise GongfuError(f"--population: {exc}") from None


def validate(
    year: Annotated[int, typer.Option("--year", min=2000, max=2100,
                                      help="Law in force on 1 January of this year; official figures of this year "
                                           "or the latest before it.")] = DEFAULT_YEAR,
    as_json: Annotated[bool, typer.Option("--json", help="Print {\"year\", \"rows\": [...]} as JSON.")] = False,
    households: Annotated[int | None, typer.Option("--households", min=MIN_HOUSEHOLDS,
                                                   help="Generate a sample of N households (default: the "
                                                        "runner's default sample, as `simulate`).")] = None,
    population: Annotated[Path | None, typer.Option("--population", help="Population directory (Parquet).")] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Seed of the generated sample.")] = None,
    workers: Annotated[int | None, typer.Option("--workers", min=1, help="Local worker processes.")] = None,
    official: Annotated[Path | None, typer.Option("--official", help="Official-figures YAML (default: the "
                                                  "packaged gongfu/data/official_figures.yaml).")] = None,
    lang: Annotated[str, typer.Option("--lang", help="Labels in English (en) or Chinese (zh).")] = "en",
) -> None:
    """Compare the model with official figures (spending, revenue, recipients, Gini, quintiles, payers): model
    with its interval, official with source and year, difference, calibration target or not."""
    err = Console(stderr=True)
    try:
        _check(lang, year, households, population)
        figures = V.load_official(official)  # before the run: a bad file fails fast
        targets = V.load_targets()
        results = run_results(year, households, population, seed, workers, progress=err.is_terminal)
        rows = V.validation_table(results, figures, targets)
    except GongfuError as exc:
        _error(err, str(exc))
        raise typer.Exit(2) from None
    except FileNotFoundError as exc:
        _error(err, f"{exc.filename}: no such file")
        raise typer.Exit(2) from None
    if as_json:
        meta = results.get("meta") or {}
        out = {"year": results.get("year", year), "rows": rows,
               "meta": {"system": meta.get("system"), "population": meta.get("population"),
                        "official_figures": str(official) if official else "gongfu/data/official_figures.yaml"}}
        sys.stdout.write(json.dumps(out, ensure_ascii=False, indent=2) + "\n")
        return
    console = Console()
    for item in tables(rows, results.get("year", year), lang):
        console.print(item)
    pop = (results.get("meta") or {}).get("population") or {}
    console.print(f"[dim]population {pop.get('source', '?')} · seed {pop.get('seed', '?')} · "
                  f"{pop.get('households_sampled', '?')} households sampled · law of {results.get('year', year)}"
                  "[/dim]")
