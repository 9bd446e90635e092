"""`make demo`: the main job on the embedded default data, through the same commands a user types.

1. build the default sample (100,000 households, seed 2025) as partitioned Parquet;
2. check it against the official figures (exit non-zero if a target misses its tolerance);
3. compute and explain one household;
4. run the baseline and a reform on the sample in one pass and write the HTML report.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.rule import Rule

from .cli import app

OUT = Path(os.environ.get("GONGFU_DEMO_OUT", "out"))
HOUSEHOLDS = int(os.environ.get("GONGFU_DEMO_HOUSEHOLDS", "100000"))
SEED = int(os.environ.get("GONGFU_DEMO_SEED", "2025"))
REFORM = os.environ.get("GONGFU_DEMO_REFORM", "resident_pension_200")
EXAMPLE = Path(__file__).parent / "examples" / "guizhou_rural_dibao.yaml"

console = Console()


def step(title: str, args: list[str]) -> None:
    """Run one gongfu command; stop the demo if it fails."""
    console.print(Rule(f"[bold]{title}[/bold]"))
    console.print(f"[dim]$ gongfu {' '.join(args)}[/dim]")
    started = time.perf_counter()
    try:
        code = app(args, standalone_mode=False)  # click returns the exit code instead of exiting
    except SystemExit as exc:
        code = exc.code
    except Exception as exc:  # click usage errors and aborts carry an exit code
        console.print(f"[bold red]{exc}[/bold red]")
        code = getattr(exc, "exit_code", 1) or 1
    if code:
        console.print(f"[bold red]demo stopped: `gongfu {' '.join(args[:2])}` exited with {code}[/bold red]")
        sys.exit(int(code))
    console.print(f"[dim]({time.perf_counter() - started:.1f} s)[/dim]")


def main() -> None:
    population = OUT / "population"
    report = OUT / "report"
    console.print(f"[bold]gongfu demo[/bold] — {HOUSEHOLDS:,} households, seed {SEED}, reform '{REFORM}'; "
                  f"everything is written under {OUT}/")
    step("1. Build the default sample of China", ["population", "build", "--households", str(HOUSEHOLDS),
                                                  "--seed", str(SEED), "--out", str(population)])
    step("2. Check it against the official figures", ["population", "check", "--population", str(population),
                                                     "--failures"])
    step("3. One household: a rural Guizhou family", ["calc", str(EXAMPLE)])
    step("   … and why its dibao is what it is", ["calc", str(EXAMPLE), "--explain", "dibao", "--depth", "2"])
    step(f"4. Baseline and reform '{REFORM}' on the sample, with the report",
         ["compare", "baseline", REFORM, "--population", str(population), "--report", str(report)])
    console.print(Rule())
    console.print(f"Report: [bold]{(report / 'report.html').resolve()}[/bold]")


if __name__ == "__main__":
    main()
