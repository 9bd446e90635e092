"""What every measurement subprocess shares (stdlib only: imported by both venvs' interpreters).

A worker prints exactly one JSON line starting with `RESULT ` on stdout; `bench.run` parses it.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import sys
import time
from collections.abc import Mapping
from typing import Any

RESULT_PREFIX = "RESULT "
YEAR = 2025
OUTPUTS = ("individual_income_tax", "social_insurance_contributions", "dibao")


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (getrusage ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def clock() -> float:
    return time.perf_counter()


def worker_args(description: str, extra: Mapping[str, Any] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--persons", type=int, default=1_000_000, help="population size (persons)")
    parser.add_argument("--seed", type=int, default=0)
    for name, default in (extra or {}).items():
        parser.add_argument(f"--{name}", type=type(default), default=default)
    return parser.parse_args()


def emit(engine: str, persons: int, seconds_build: float, seconds_compute: float, checksum: float | None,
         **extra: Any) -> dict[str, Any]:
    """Print the result line of a measurement: end-to-end persons/s = persons / (build + compute)."""
    total = seconds_build + seconds_compute
    result = {
        "engine": engine,
        "persons": persons,
        "seconds_build": round(seconds_build, 6),
        "seconds_compute": round(seconds_compute, 6),
        "seconds_total": round(total, 6),
        "persons_per_s": persons / total if total > 0 else None,
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "checksum": checksum,
        "python": platform.python_version(),
        **extra,
    }
    sys.stdout.write(RESULT_PREFIX + json.dumps(result) + "\n")
    sys.stdout.flush()
    return result


def totals(arrays: Mapping[str, Any]) -> dict[str, float]:
    """Float64 sums of the benchmark outputs (OpenFisca computes in float32: sum in float64 all the same)."""
    return {name: float(arrays[name].sum(dtype="float64")) for name in OUTPUTS}
