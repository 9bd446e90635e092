"""`gongfu discover REGISTRY --out DIR`: households entitled to assistance they do not receive, receipt without
entitlement (for review), and households near the dibao line (issue 13; docs/discover.md).

Registered on the typer app of `gongfu.cli` by one line in `cli._mount_subapps`; self-contained otherwise (its own
options and error handling), like validate_cli.py. The work is in `gongfu.discover`.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from .engine import GongfuError

EXPLAINED = {"dibao": "dibao_entitlement", "tekun": "tekun", "disability_living_subsidy": "disability_living_subsidy",
             "disability_nursing_subsidy": "disability_nursing_subsidy", "old_age_allowance": "old_age_allowance",
             "childcare_subsidy": "childcare_subsidy"}


def _error(err: Console, message: str) -> None:
    from rich.text import Text

    err.print(Text.assemble(("error:", "bold red"), " ", message), highlight=False, soft_wrap=True)


def _key(key_file: Path | None) -> bytes:
    """The pseudonymisation key: the file's bytes (--key-file) or the environment variable GONGFU_DISCOVER_KEY."""
    from .discover.run import KEY_ENV

    if key_file is not None:
        try:
            key = key_file.read_bytes().strip()
        except OSError as exc:
            raise GongfuError(f"--key-file {key_file}: cannot read ({exc.strerror})") from None
    else:
        key = os.environ.get(KEY_ENV, "").encode("utf-8")
    if len(key) < 16:
        raise GongfuError(f"--pseudonymise needs a secret key of at least 16 characters: --key-file PATH or the "
                          f"environment variable {KEY_ENV} (keep it: the same key gives the same pseudonyms)")
    return key


def discover(
    registry: Annotated[Path, typer.Argument(help="Person-level registry: CSV, Parquet, Stata .dta, SPSS .sav, "
                                                  "Excel .xlsx.")],
    out: Annotated[Path | None, typer.Option("--out", help="Output directory (households.csv, .parquet, "
                                                           "rejected.csv, summary.html).")] = None,
    mapping: Annotated[Path | None, typer.Option("--mapping", help="Mapping YAML (the importer's format; see "
                                                                   "docs/discover.md).")] = None,
    year: Annotated[int, typer.Option("--year", min=2000, max=2100, help="Law in force on 1 January.")] = 2025,
    reform: Annotated[str | None, typer.Option("--reform", help="Reform file or scenario name.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    lang: Annotated[str, typer.Option("--lang", help="Reasons and page in Chinese (zh) or English (en).")] = "en",
    explain: Annotated[str | None, typer.Option("--explain", help="Print the explanation tree of one household "
                                                                  "(registry id) and stop.")] = None,
    programme: Annotated[str | None, typer.Option("--programme", help="With --explain: the programme (default: "
                                                                      "those with a status).")] = None,
    pseudonymise: Annotated[bool, typer.Option("--pseudonymise", help="Replace household ids by keyed hashes "
                                                                      "(HMAC-SHA256).")] = False,
    key_file: Annotated[Path | None, typer.Option("--key-file", help="File holding the pseudonymisation key "
                                                                     "(else env GONGFU_DISCOVER_KEY).")] = None,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Worker processes.")] = 1,
    partitions: Annotated[int | None, typer.Option("--partitions", min=1, max=100_000,
                                                   help="Partitions of households (default: about 100,000 rows "
                                                        "each; memory per worker ~ rows per partition).")] = None,
    depth: Annotated[int, typer.Option("--depth", min=1, help="Levels of the explanation tree.")] = 12,
) -> None:
    """Find the households entitled to assistance they do not receive (and receipt to review, and the dibao
    edge), with the law traced for every case. Scores no one; outputs carry only the registry's own ids."""
    err = Console(stderr=True)
    try:
        if lang not in ("en", "zh"):
            raise GongfuError(f"--lang must be en or zh (got {lang!r})")
        from .workflow import check_year, resolve

        check_year(year, name="--year")
        if reform:
            resolve(reform, "--reform", files=True)  # a bad reform fails before the registry is read
        from .discover import registry as R
        from .discover import run as D

        m = R.load_mapping(mapping) if mapping else R.identity_mapping(R.header_of(registry))
        key = _key(key_file) if pseudonymise else None
        if explain is not None:
            _explain(registry, m, explain, programme, year, reform, lang, depth, key)
            return
        if out is None:
            raise GongfuError("--out DIR is required (or --explain HOUSEHOLD_ID)")
        opts = D.Options(registry=str(registry), mapping=m, year=year, reform=reform, lang=lang,
                         partitions=partitions, pseudonym_key=key)
        result = D.discover(opts, out, workers=workers,
                            warn=lambda s: err.print(f"[yellow]warning:[/yellow] {s}", highlight=False))
    except GongfuError as exc:
        _error(err, str(exc))
        raise typer.Exit(2) from None
    except OSError as exc:
        _error(err, f"{exc.filename or ''}: {exc.strerror or exc}")
        raise typer.Exit(2) from None
    if as_json:
        sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
        return
    _print(result, out, lang)


def _print(result: dict[str, Any], out: Path | None, lang: str) -> None:
    from rich.table import Table

    from .discover.statuses import LABELS, STATUS_LABELS, STATUSES

    console = Console()
    t = Table(title=f"gongfu discover — {result['registry']} ({result['year']})", title_justify="left")
    for c in ("programme", "status", "households", "entitlement", "received"):
        t.add_column(c, justify="left" if c in ("programme", "status") else "right")
    for prog, by in result["programmes"].items():
        for st in STATUSES:
            c = by[st]
            if c["households"]:
                t.add_row(LABELS[prog][lang], STATUS_LABELS[st][lang], f"{c['households']:,}",
                          f"{c['entitlement']:,.0f}", f"{c['received']:,.0f}")
    console.print(t)
    console.print(f"{result['households']:,} households, {result['rows_read']:,} rows read, "
                  f"{result['rejected_rows']:,} rejected (rejected.csv) -> {out}", highlight=False)


def _explain(registry: Path, m: Any, hid: str, programme: str | None, year: int, reform: str | None, lang: str,
             depth: int, key: bytes | None) -> None:
    """The explanation tree (as `calc --explain`) of one household of the registry, for its programmes."""
    from .calculator import render_trace
    from .discover import registry as R
    from .discover.households import to_block
    from .discover.run import _system, pseudonym
    from .discover.statuses import evaluate

    if programme is not None and programme not in EXPLAINED:
        raise GongfuError(f"--programme {programme!r}: one of {', '.join(EXPLAINED)}")
    parts = []
    for chunk in R.iter_registry(registry, m):
        ids = chunk[m.household_id].astype(str).str.strip()
        mine = ids == hid
        if key is not None:
            mine |= ids.map(lambda h: pseudonym(key, h)) == hid
        if mine.any():
            parts.append(chunk[mine.to_numpy()])
    if not parts:
        raise GongfuError(f"--explain {hid}: no such household in {registry}")
    df = R.pd.concat(parts, ignore_index=True)
    block = to_block(df, m, allow_id_like_household=key is not None)
    if not len(block.ids):
        raise GongfuError(f"--explain {hid}: the household's rows are rejected: "
                          + "; ".join(f"row {r}, {c}: {p}" for r, c, p in zip(
                              block.rejected.row, block.rejected.column, block.rejected.problem, strict=True))[:500])
    system = _system(reform)
    ev = evaluate(system, block, year, lang, show_person_ids=key is None)
    progs = [programme] if programme else list(dict.fromkeys(ev.rows["programme"])) or ["dibao"]
    console = Console()
    sim = system.simulation(households=block.households, persons=block.persons, year=year)
    for p in progs:
        for k in range(len(ev.rows["programme"])):
            if ev.rows["programme"][k] == p:
                console.print(f"[bold]{p}[/bold]: {ev.rows['status'][k]} — {ev.rows['reason'][k]}", highlight=False)
        console.print(render_trace(sim.trace(EXPLAINED[p], household=0, depth=depth), lang))
