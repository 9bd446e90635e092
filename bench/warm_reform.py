"""Reform on the warm default web/API sample: seconds of one /compare run as the HTTP API makes it.

    python -m bench.warm_reform [--households 200000] [--seed 20250101] [--repeat 3] [--workers N] [--cold]

The API runs `gongfu.workflow.run_comparison(None, reform, households=..., seed=..., year=...)` in the server
process, one run at a time (api/runs.py). "Warm" = the server has already run once: the law is loaded, the
generated sample is kept in memory (`workflow.keep_samples_warm`, which the API's run queue turns on) and the
baseline's statistics are reused (`gongfu.run.api.baseline_summary`). Each repetition runs the next scenario of the
library against the law in force, so no result is served from a cache of results. `--cold` turns the warm sample
off (the sample is generated again in every run, as before). Goal (issue 11): <= 1 s. Prints one `RESULT {json}`
line; records the load average, since these 2-core machines are shared.
"""

from __future__ import annotations

import argparse
import json
import os
import time

SCENARIOS = ("dibao_plus_20pct", "iit_top_rate_50", "resident_pension_200", "childcare_subsidy_under_6",
             "property_tax_beyond_first_home", "iit_basic_deduction_3500")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--households", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=20_250_101)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workers", type=int, default=None, help="worker processes (default: the cores, as the API)")
    ap.add_argument("--cold", action="store_true", help="generate the sample again in every run")
    args = ap.parse_args()

    from gongfu import workflow

    workflow.keep_samples_warm(0 if args.cold else None)
    names = list(SCENARIOS)
    options = {"households": args.households, "seed": args.seed, "year": 2025}
    if args.workers is not None:
        options["workers"] = args.workers
    t0 = time.perf_counter()
    workflow.run_comparison(None, workflow.resolve(names[0]), **options)  # the server's first run
    first = time.perf_counter() - t0
    times, costs = [], []
    for i in range(args.repeat):
        reform = workflow.resolve(names[(i + 1) % len(names)])
        t0 = time.perf_counter()
        cmp = workflow.run_comparison(None, reform, **options)
        times.append(time.perf_counter() - t0)
        costs.append(cmp["net_cost"])
    print("RESULT " + json.dumps({
        "benchmark": "warm_reform", "households": args.households, "seed": args.seed, "warm": not args.cold,
        "workers": args.workers, "persons": cmp["baseline"]["meta"]["population"]["persons_sampled"],
        "seconds_first": round(first, 3), "seconds": [round(t, 3) for t in times],
        "seconds_median": round(sorted(times)[len(times) // 2], 3), "scenarios": names[1: args.repeat + 1],
        "load_average": os.getloadavg()}))


if __name__ == "__main__":
    main()
