"""Benchmark of `gongfu discover` on a synthetic registry of 5 million persons: persons per second and peak memory.

    PYTHONPATH=src .venv/bin/python -m bench.discover                      # 5M persons, 1 and 2 workers
    PYTHONPATH=src .venv/bin/python -m bench.discover --persons 1000000 --workers 2 --format csv

The registry is built once by `gongfu.discover.example.write` (all of China, from the synthetic population, with
its calibrated take-up) into --dir and reused. Each measurement runs `gongfu discover` in a fresh subprocess;
the peak memory is the largest sum of the resident sizes of that process and its workers, sampled every 0.1 s
(psutil). Results are printed as one JSON line each and appended to bench/results/discover.jsonl.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psutil


def tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def measure(registry: Path, mapping: Path, out: Path, workers: int) -> dict:
    cmd = [sys.executable, "-m", "gongfu.cli", "discover", str(registry), "--mapping", str(mapping), "--out",
           str(out), "--workers", str(workers), "--json"]
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).parents[1] / "src"))
    t0 = time.perf_counter()
    out_json = out.parent / f"{out.name}.json"  # a file, not a pipe: a full pipe would stall the child
    fout, ferr = open(out_json, "wb"), open(out.parent / f"{out.name}.err", "wb")
    proc = subprocess.Popen(cmd, stdout=fout, stderr=ferr, env=env)
    ps = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            peak = max(peak, tree_rss(ps))
        except psutil.Error:
            pass
        time.sleep(0.1)
    seconds = time.perf_counter() - t0
    fout.close()
    ferr.close()
    if proc.returncode != 0:
        raise SystemExit(f"discover failed ({proc.returncode}): "
                         f"{(out.parent / f'{out.name}.err').read_text()[-2000:]}")
    summary = json.loads(out_json.read_text(encoding="utf-8"))
    return {"persons": summary["persons"], "households": summary["households"], "workers": workers,
            "seconds": round(seconds, 1), "persons_per_s": round(summary["persons"] / seconds),
            "peak_rss_mb": round(peak / 2**20), "rows_flagged": sum(
                v["households"] for p in summary["programmes"].values() for k, v in p.items()
                if isinstance(v, dict)),
            "registry": registry.name, "registry_mb": round(registry.stat().st_size / 2**20)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--persons", type=int, default=5_000_000)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    ap.add_argument("--dir", type=Path, default=Path("/tmp/gongfu-bench-discover"))
    a = ap.parse_args()
    a.dir.mkdir(parents=True, exist_ok=True)
    registry = a.dir / f"registry_{a.persons}.{a.format}"
    mapping = a.dir / f"registry_{a.persons}_mapping.yaml"
    if not registry.exists() or not mapping.exists():
        from gongfu.discover.example import write

        t0 = time.perf_counter()
        n = write(registry, a.persons, seed=2024)
        print(f"built {registry} ({n} persons) in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    results = Path(__file__).parent / "results" / "discover.jsonl"
    for w in a.workers:
        r = measure(registry, mapping, a.dir / f"out{w}", w)
        r["machine_cpus"] = os.cpu_count()
        r["load_1min"] = round(os.getloadavg()[0], 1)
        line = json.dumps(r)
        print(line)
        with open(results, "a", encoding="utf-8") as f:
            f.write(line + "\n")


if __name__ == "__main__":
    main()
