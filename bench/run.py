"""Run the benchmarks: `python -m bench.run [--quick] [--only NAME] [--repeat N]` (`make bench`).

Every measurement runs in a fresh subprocess (peak memory per measurement) with the interpreter of the venv that
holds its engine; repetitions are interleaved across engines so that drifts of the virtual machine hit all alike.
Writes bench/results/latest.json (raw runs + summaries) and bench/results/latest.md (tables), and prints them.
Exit status 1 when a benchmark fails (e.g. engines' checksums disagree); skipped benchmarks do not fail.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from . import benchmarks  # noqa: F401 - registers the benchmarks
from .benchmarks import fmt
from .common import RESULT_PREFIX
from .registry import REGISTRY, ROOT, BenchFailure, Measurement, Options, Plan, Skip, human

RESULTS_DIR = ROOT / "bench" / "results"
SKIP_PREFIX = "SKIP "


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {"cpus": os.cpu_count(), "platform": platform.platform(),
                            "python": platform.python_version()}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["memory_gb"] = round(int(line.split()[1]) / 1024 / 1024, 1)
                break
    except OSError:
        pass
    return info


def run_measurement(m: Measurement) -> dict[str, Any]:
    """One fresh subprocess; its RESULT line as a dict (Skip on a SKIP line, BenchFailure on a crash)."""
    env = dict(os.environ)
    src = str(ROOT / "src")
    for key, value in m.env.items():
        env[key] = value
    if "PYTHONPATH" not in m.env:  # gongfu from the work tree even when the venv has no editable install
        env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH", "")) if p)
    env.setdefault("OMP_NUM_THREADS", "1")
    cmd = [str(m.python), "-m", m.module, *m.args]
    try:
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=m.timeout,
                              check=False)
    except subprocess.TimeoutExpired:
        raise BenchFailure(f"{m.label}: no result after {m.timeout:.0f} s ({' '.join(cmd)})") from None
    for line in proc.stdout.splitlines():
        if line.startswith(SKIP_PREFIX):
            raise Skip(json.loads(line[len(SKIP_PREFIX):])["reason"])
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-15:])
        raise BenchFailure(f"{m.label}: exit status {proc.returncode} ({' '.join(cmd)})\n{tail}")
    lines = [line for line in proc.stdout.splitlines() if line.startswith(RESULT_PREFIX)]
    if len(lines) != 1:
        raise BenchFailure(f"{m.label}: expected one RESULT line, got {len(lines)}\n{proc.stdout[-2000:]}")
    return json.loads(lines[0][len(RESULT_PREFIX):])


def progress_line(r: dict[str, Any]) -> str:
    """Seconds, rate and peak memory of one measurement, with whichever of them it reports."""
    seconds = next((r[k] for k in ("seconds_total", "seconds_wall", "seconds_median") if k in r), None)
    parts = [f"{seconds:8.3f} s" if seconds is not None else ""]
    unit = "households" if "households_per_s" in r else "persons"
    if f"{unit}_per_s" in r:
        parts.append(f"{fmt(r[unit + '_per_s']):>12} {unit}/s")
    if "peak_rss_mb" in r:
        parts.append(f"peak {r['peak_rss_mb']:,.0f} MB")
    return "  ".join(parts)


def markdown(entry: dict[str, Any], plan_columns: list[tuple[str, str]]) -> str:
    out = [f"## {entry['title']}", "", f"_{entry['description']}_", ""]
    load = entry.get("load_average_after")
    load_text = f"; load average at the end {load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f} (1/5/15 min)" if load else ""
    out.append(f"Run {entry['finished']}, {entry['repeat']} repetition(s), sizes "
               f"{', '.join(human(n) for n in entry['sizes'])}{load_text}; status: **{entry['status']}**.")
    out.append("")
    if entry.get("message"):
        out += ["```", entry["message"], "```", ""]
    rows = entry.get("summary") or []
    if rows and plan_columns:
        out.append("| " + " | ".join(h for _, h in plan_columns) + " |")
        out.append("|" + "|".join("---" for _ in plan_columns) + "|")
        for row in rows:
            out.append("| " + " | ".join(fmt(row.get(k)) for k, _ in plan_columns) + " |")
        out.append("")
    for note in entry.get("notes") or []:
        out.append(f"- {note}")
    out.append("")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1M only (persons or households)")
    parser.add_argument("--only", action="append", metavar="NAME",
                        help=f"run only this benchmark (repeatable): {', '.join(REGISTRY)}")
    parser.add_argument("--repeat", type=int, default=None, help="repetitions per measurement (default 3)")
    parser.add_argument("--sizes", type=str, default=None, help="comma-separated sizes, e.g. 2000000,5000000")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    parser.add_argument("--no-save", action="store_true", help="do not write bench/results/latest.*")
    args = parser.parse_args(argv)
    console = Console()
    if args.list:
        for b in REGISTRY.values():
            console.print(f"[bold]{b.name}[/]: {b.title}\n    {b.description}")
        return 0
    unknown = [n for n in args.only or [] if n not in REGISTRY]
    if unknown:
        console.print(f"[red]unknown benchmark(s) {unknown}; choose from {list(REGISTRY)}[/]")
        return 2
    sizes = (tuple(int(float(s)) for s in args.sizes.split(",")) if args.sizes
             else (1_000_000,) if args.quick else (1_000_000, 10_000_000))
    opts = Options(sizes=sizes, repeat=args.repeat or 3, seed=args.seed, quick=args.quick)
    selected = [REGISTRY[n] for n in (args.only or REGISTRY)]

    entries: dict[str, dict[str, Any]] = {}
    plans: dict[str, Plan] = {}
    for b in selected:
        entry = entries[b.name] = {"title": b.title, "description": b.description, "sizes": list(opts.sizes),
                                   "repeat": opts.repeat, "quick": opts.quick, "status": "ok", "runs": [],
                                   "load_average_before": os.getloadavg()}
        try:
            plans[b.name] = b.plan(opts)
        except Skip as exc:
            entry.update(status="skipped", message=str(exc))

    total = sum(len(p.measurements) * opts.repeat for p in plans.values())
    with Progress(SpinnerColumn(), TextColumn("[progress.description]{task.description}"), BarColumn(),
                  MofNCompleteColumn(), TimeElapsedColumn(), console=console) as progress:
        task = progress.add_task("benchmarks", total=total)
        for name, plan in plans.items():
            entry = entries[name]
            results: dict[str, list[dict[str, Any]]] = {m.key: [] for m in plan.measurements}
            try:
                if plan.setup is not None:
                    progress.update(task, description=f"{name}: setting up")
                    plan.setup(progress.console)
                for rep in range(opts.repeat):
                    for m in plan.measurements:
                        progress.update(task, description=f"{name}: {m.label} (run {rep + 1}/{opts.repeat})")
                        r = run_measurement(m)
                        r["repetition"] = rep
                        results[m.key].append(r)
                        entry["runs"].append({"key": m.key, **r})
                        progress.console.print(f"  {m.label:<34} run {rep + 1}: {progress_line(r)}")
                        progress.advance(task)
                rows, notes = plan.summarize(results)
                entry.update(summary=rows, notes=notes)
            except Skip as exc:
                entry.update(status="skipped", message=str(exc))
                progress.console.print(f"[yellow]{name} skipped:[/] {exc}")
            except BenchFailure as exc:
                entry.update(status="FAILED", message=str(exc))
                progress.console.print(f"[bold red]{name} FAILED:[/] {exc}")
            finally:
                entry["finished"] = dt.datetime.now().isoformat(timespec="seconds")
                entry["load_average_after"] = os.getloadavg()
                # keep the bar honest when a benchmark stops early
                done = sum(len(v) for v in results.values())
                progress.advance(task, len(plan.measurements) * opts.repeat - done)
    for entry in entries.values():
        entry.setdefault("finished", dt.datetime.now().isoformat(timespec="seconds"))

    columns = {name: plan.columns for name, plan in plans.items()}
    if not args.no_save:
        save(entries, columns, opts)
    md = render(entries, columns)
    console.print(md, markup=False, highlight=False, soft_wrap=True)
    return 1 if any(e["status"] == "FAILED" for e in entries.values()) else 0


def render(entries: dict[str, dict[str, Any]], columns: dict[str, list[tuple[str, str]]]) -> str:
    return "\n".join(markdown(e, columns.get(name, e.get("columns", []))) for name, e in entries.items())


def save(entries: dict[str, dict[str, Any]], columns: dict[str, list[tuple[str, str]]], opts: Options) -> None:
    """Merge into bench/results/latest.json (a benchmark not run now keeps its last result) and rewrite latest.md."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / "latest.json"
    data: dict[str, Any] = {}
    if path.exists():
        try:
            data = json.loads(path.read_text())
        except json.JSONDecodeError:
            data = {}
    data.setdefault("benchmarks", {})
    data["machine"] = machine()
    data["updated"] = dt.datetime.now().isoformat(timespec="seconds")
    for name, entry in entries.items():
        data["benchmarks"][name] = {**entry, "columns": columns.get(name, [])}
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    tmp.replace(path)
    m = data["machine"]
    head = ["# gongfu benchmarks — latest results", "",
            f"Machine: {m.get('cpus')} CPUs ({m.get('cpu', '?')}), {m.get('memory_gb', '?')} GB, "
            f"Python {m.get('python')}. Generated by `python -m bench.run` (`make bench`); compare engines only "
            "as ratios within one run. Rule set: bench/ruleset/SPEC.md.", ""]
    body = render(data["benchmarks"], {n: [tuple(c) for c in e.get("columns", [])]
                                       for n, e in data["benchmarks"].items()})
    md_tmp = RESULTS_DIR / "latest.md.tmp"
    md_tmp.write_text("\n".join(head) + "\n" + body)
    md_tmp.replace(RESULTS_DIR / "latest.md")


if __name__ == "__main__":
    sys.exit(main())
