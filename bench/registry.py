"""A registry of benchmarks: each one plans measurements (subprocesses) and summarises their results.

Add a benchmark by decorating a plan function in bench/benchmarks.py:

    @benchmark("name", "Title", "what it measures")
    def plan(opts: Options) -> Plan: ...

A measurement is one fresh subprocess (`python -m module args...`, with the interpreter of the venv that has the
engine) that prints one `RESULT {json}` line (bench/common.py). Fresh processes keep peak memory per measurement.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MAIN_PYTHON = ROOT / ".venv" / "bin" / "python"


class BenchFailure(RuntimeError):
    """A benchmark produced wrong or inconsistent results (e.g. engines disagree): the bench run fails."""


class Skip(Exception):  # noqa: N818 - a signal, not an error
    """A benchmark cannot run here (missing module, venv...): reported, not a failure."""


@dataclass(frozen=True)
class Options:
    sizes: tuple[int, ...] = (1_000_000, 10_000_000)
    repeat: int = 3
    seed: int = 0
    quick: bool = False


@dataclass
class Measurement:
    key: str  # identifies what is repeated: e.g. "gongfu@1000000"
    label: str  # for humans: "gongfu, 1M persons"
    module: str
    args: list[str] = field(default_factory=list)
    python: Path = MAIN_PYTHON
    env: dict[str, str] = field(default_factory=dict)
    timeout: float = 1800.0


@dataclass
class Plan:
    measurements: list[Measurement]
    #: results grouped by key (one dict per repetition) -> (summary rows, notes); raise BenchFailure if wrong
    summarize: Callable[[dict[str, list[dict[str, Any]]]], tuple[list[dict[str, Any]], list[str]]]
    setup: Callable[[Any], None] | None = None  # called with the rich console before the first measurement
    columns: list[tuple[str, str]] = field(default_factory=list)  # (row key, header) for the markdown table


@dataclass(frozen=True)
class Benchmark:
    name: str
    title: str
    description: str
    plan: Callable[[Options], Plan]


REGISTRY: dict[str, Benchmark] = {}


def benchmark(name: str, title: str, description: str) -> Callable[[Callable[[Options], Plan]], Callable[[Options], Plan]]:
    def register(plan: Callable[[Options], Plan]) -> Callable[[Options], Plan]:
        if name in REGISTRY:
            raise ValueError(f"benchmark {name!r} registered twice")
        REGISTRY[name] = Benchmark(name, title, description, plan)
        return plan

    return register


def human(n: int) -> str:
    """1000000 -> '1M', 10000000 -> '10M', 2000 -> '2k'."""
    for unit, div in (("M", 1_000_000), ("k", 1_000)):
        if n >= div and n % (div // 10 or 1) == 0:
            value = n / div
            return f"{value:g}{unit}"
    return str(n)
