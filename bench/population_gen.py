"""Generation speed of gongfu's synthetic population: households/s and peak RSS at 1M and 10M households.

``run(args) -> dict`` measures each size in a fresh subprocess (so peak RSS belongs to that size alone). The
child generates every partition of ``plan_partitions(households, seed)`` in memory (no Parquet writing) and
discards it, as a runner does; it calls ``gongfu.engine.memory.tune_allocator()`` first, as every worker does.
Households/s is reported per core (households / CPU seconds of the process, which is single-threaded) and by
wall clock; the best of ``repeat`` passes over the whole plan is kept (the first pass also warms the tables).

    python -m bench.population_gen                      # 1M and 10M households, seed 0
    python -m bench.population_gen --sizes 1000000 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "RESULT "


def _one(households: int, seed: int, repeat: int) -> dict[str, Any]:
    """Generate the population ``repeat`` times in this process; the best pass."""
    from gongfu.engine.memory import tune_allocator
    from gongfu.population.partition import generate_partition, plan_partitions
    from gongfu.population.tables import model

    tuned = tune_allocator()
    m = model()
    specs = plan_partitions(households, seed, m=m)
    best: dict[str, Any] | None = None
    for _ in range(max(repeat, 1)):
        n_h = n_p = 0
        c0, w0 = time.process_time(), time.perf_counter()
        for spec in specs:
            h, p = generate_partition(spec, m)
            n_h += len(h["household_id"])
            n_p += len(p["person_id"])
            del h, p
        cpu, wall = time.process_time() - c0, time.perf_counter() - w0
        if best is None or cpu < best["cpu_seconds"]:
            best = {"households": n_h, "persons": n_p, "partitions": len(specs), "cpu_seconds": round(cpu, 4),
                    "wall_seconds": round(wall, 4), "households_per_s_per_core": n_h / cpu,
                    "households_per_s_wall": n_h / wall, "persons_per_s_per_core": n_p / cpu}
    assert best is not None
    best["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1)
    best["allocator_tuned"] = tuned
    best["largest_partition"] = max(s.n_households for s in specs)
    return best


def run(args: argparse.Namespace | None = None) -> dict[str, Any]:
    """Measure each size of ``args.sizes`` (default 1M and 10M households) in a fresh subprocess."""
    sizes = tuple(getattr(args, "sizes", None) or (1_000_000, 10_000_000))
    seed = int(getattr(args, "seed", 0) or 0)
    repeat = int(getattr(args, "repeat", 2) or 2)
    results = []
    for n in sizes:
        cmd = [sys.executable, "-m", "bench.population_gen", "--one", str(n), "--seed", str(seed),
               "--repeat", str(repeat)]
        out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True).stdout
        line = next(x for x in out.splitlines() if x.startswith(PREFIX))
        results.append(json.loads(line[len(PREFIX):]))
    return {"benchmark": "population_gen", "seed": seed, "repeat": repeat,
            "target_households_per_s_per_core": 1_000_000, "results": results}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.population_gen", description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)  # child process: one size
    a = ap.parse_args(argv)
    if a.one is not None:
        sys.stdout.write(PREFIX + json.dumps(_one(a.one, a.seed, a.repeat)) + "\n")
        return 0
    res = run(a)
    for r in res["results"]:
        print(f"{r['households']:>11,} households ({r['partitions']} partitions): "
              f"{r['households_per_s_per_core'] / 1e6:.2f} M households/s per core (CPU {r['cpu_seconds']:.2f} s), "
              f"{r['households_per_s_wall'] / 1e6:.2f} M/s wall, peak RSS {r['peak_rss_mb']:.0f} MB")
    print(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
