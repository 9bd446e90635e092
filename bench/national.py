"""National-run benchmark: the whole country at 1:1 (1.41 billion persons, baseline + one reform in one pass,
population generated on the fly), and 10 M persons on the local process pool vs a Dask LocalCluster.

    python -m bench.national                      # 10M local vs Dask LocalCluster(2 workers), then 1:1
    python -m bench.national --scale 10000000 --modes local,dask
    python -m bench.national --scale full --modes local

`run(args) -> dict` (for bench/run.py) runs every (scale, mode) in a fresh subprocess -- so peak memory is per
configuration -- and returns wall time, persons/s and peak resident memory of the process tree (sampled every
0.2 s by a thread: main process + workers), plus whether local and Dask results are identical.
Each configuration prints one `RESULT {json}` line (bench/common.py) when run with `--one`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from gongfu.run.api import ProcessTreeMemory

RESULT_PREFIX = "RESULT "
ROOT = Path(__file__).resolve().parent.parent
FULL_PERSONS = 1_410_000_000


class TreeMemory(ProcessTreeMemory):
    """Peak resident memory of this process and all its descendants, sampled by a background thread."""

    def __init__(self, interval: float = 0.2):
        super().__init__()
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()


def households_for(scale: str | int) -> int:
    from gongfu.run import full_scale_households

    full = full_scale_households()
    if str(scale) == "full":
        return full
    return max(62, round(full * int(scale) / FULL_PERSONS))


def one(scale: str, mode: str, workers: int, reform: str, seed: int, checkpoint_dir: str | None,
        replicates: int | None = None, without: tuple[str, ...] = ()) -> dict[str, Any]:
    """One configuration in this process: returns the measurement (and a digest of the results). `replicates`:
    the replicate weights of the standard errors (None: the runner's default, 40; 0: none, as before issue 11);
    `without`: parts of the run switched off for a timing attribution (bench/ablation.py; wrong figures)."""
    import hashlib

    from bench.ablation import without as switched_off

    if without:
        with switched_off(without):
            return {**one(scale, mode, workers, reform, seed, checkpoint_dir, replicates), "without": list(without)}

    from gongfu.run import VOLATILE_META, compare

    households = households_for(scale)
    kwargs: dict[str, Any] = {"households": households, "seed": seed, "workers": workers,
                              "checkpoint_dir": checkpoint_dir}
    if replicates is not None:
        kwargs["replicates"] = int(replicates)
    if mode == "dask":
        kwargs.update(dask="local", dask_processes=True)
    with TreeMemory() as mem:
        t0, c0 = time.perf_counter(), os.times()
        cmp = compare(reform=reform, **kwargs)
        wall, c1 = time.perf_counter() - t0, os.times()
    # CPU seconds of this process and of its finished children (the local pool's workers; not Dask's)
    cpu = sum(getattr(c1, k) - getattr(c0, k) for k in ("user", "system", "children_user", "children_system"))
    meta = cmp["baseline"]["meta"]

    def strip(d: Any) -> Any:
        if isinstance(d, dict):
            return {k: strip({mk: mv for mk, mv in v.items() if mk not in VOLATILE_META} if k == "meta" else v)
                    for k, v in d.items()}
        return [strip(x) for x in d] if isinstance(d, list) else d

    digest = hashlib.sha256(json.dumps(strip(cmp), sort_keys=True).encode()).hexdigest()
    persons = meta["population"]["persons_sampled"]
    return {
        "benchmark": "national", "scale": scale, "mode": mode, "workers": workers, "reform": reform,
        "households": households, "persons": persons, "partitions": meta["partitions"],
        "seconds_wall": round(wall, 3), "seconds_run": round(meta["timing"]["seconds"], 3),
        "cpu_seconds": round(cpu, 2), "replicates": replicates, "load_average": os.getloadavg(),
        "persons_per_s": persons / wall, "peak_rss_mb": round(mem.peak_total, 1),
        "peak_worker_rss_mb": round(mem.peak_worker, 1), "results_sha256": digest,
        "gini_baseline": cmp["baseline"]["gini"], "gini_reform": cmp["reform"]["gini"],
        "net_cost": cmp["net_cost"], "cpus": os.cpu_count(),
        "run_fingerprint": meta["run"]["fingerprint"],  # law, engine, generator code, population plan, reform
        "exactness": {k: v for k, v in meta["exactness"].items() if not k.startswith("_") and v},
    }


def run(args: Any) -> dict[str, Any]:
    """Every requested configuration in a fresh subprocess; returns {"runs": [...], "dask_equals_local": ...}.

    `args`: an argparse namespace or a dict with `scales` (list of "full" or persons), `modes` ("local", "dask"),
    `workers`, `reform`, `seed`, `timeout` (seconds per configuration).
    """
    a = vars(args) if not isinstance(args, dict) else dict(args)
    scales = a.get("scales") or ["10000000", "full"]
    modes = a.get("modes") or ["local", "dask"]
    runs: list[dict[str, Any]] = []
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src") + os.pathsep + str(ROOT))
    for scale in scales:
        for mode in modes:
            if str(scale) == "full" and mode == "dask" and not a.get("full_dask"):
                continue  # the 1:1 run is measured on the local pool (pass full_dask=True for both)
            cmd = [sys.executable, "-m", "bench.national", "--one", "--scale", str(scale), "--mode", mode,
                   "--workers", str(a.get("workers", 2)), "--reform", a.get("reform", "dibao_plus_20pct"),
                   "--seed", str(a.get("seed", 1))]
            proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True,
                                  timeout=float(a.get("timeout", 7200)))
            line = next((ln for ln in proc.stdout.splitlines() if ln.startswith(RESULT_PREFIX)), None)
            if proc.returncode != 0 or line is None:
                runs.append({"scale": scale, "mode": mode, "error": proc.stderr[-2000:]})
                continue
            runs.append(json.loads(line[len(RESULT_PREFIX):]))
    out: dict[str, Any] = {"runs": runs}
    by = {(r.get("scale"), r.get("mode")): r for r in runs if "error" not in r}
    for scale in scales:
        loc, dsk = by.get((str(scale), "local")), by.get((str(scale), "dask"))
        if loc and dsk:
            if loc["run_fingerprint"] != dsk["run_fingerprint"]:
                out[f"dask_equals_local@{scale}"] = "not comparable: the code or data changed between the runs"
            else:
                out[f"dask_equals_local@{scale}"] = loc["results_sha256"] == dsk["results_sha256"]
            out[f"dask_vs_local_speed@{scale}"] = dsk["persons_per_s"] / loc["persons_per_s"]
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--one", action="store_true", help="run one configuration in this process")
    p.add_argument("--scale", default="10000000", help='persons, or "full" (1:1)')
    p.add_argument("--scales", default=None, help='comma-separated scales (default "10000000,full")')
    p.add_argument("--mode", default="local", choices=["local", "dask"])
    p.add_argument("--modes", default=None, help='comma-separated modes (default "local,dask")')
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--reform", default="dibao_plus_20pct")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--checkpoint-dir", default=None)
    p.add_argument("--replicates", type=int, default=None,
                   help="replicate weights for the standard errors (default: the runner's, 40; 0: none)")
    p.add_argument("--full-dask", action="store_true", help="also run the 1:1 scale on Dask")
    p.add_argument("--without", default="",
                   help="timing attribution only: switch off person_groups, takeup, reweighting (comma-separated; "
                        "bench/ablation.py; the figures of those parts are then wrong)")
    ns = p.parse_args()
    if ns.one:
        result = one(ns.scale, ns.mode, ns.workers, ns.reform, ns.seed, ns.checkpoint_dir, ns.replicates,
                     tuple(x for x in ns.without.split(",") if x))
        sys.stdout.write(RESULT_PREFIX + json.dumps(result) + "\n")
        return
    out = run({"scales": ns.scales.split(",") if ns.scales else None,
               "modes": ns.modes.split(",") if ns.modes else None, "workers": ns.workers, "reform": ns.reform,
               "seed": ns.seed, "full_dask": ns.full_dask})
    sys.stdout.write(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
