"""A budget window against separate single-year runs: seconds, and their ratio (issue 14).

    python -m bench.window [--households 200000] [--years 2025:2030] [--workers 2] [--repeat 1]

Both sides compare the law in force with the same reform (resident pension minimum 300) on the default generated
sample (partitions generated as they are read: no population in memory, as `gongfu compare` does). The window
(`gongfu.run.window.compare_window`) generates and reads each partition once and evaluates it for every year;
the separate runs (`simulate_windows_separately`) do everything once per year. Runs are interleaved (window,
separate, window, ...) so that drifts of the machine hit both; the results of both are checked to be identical.
"""

from __future__ import annotations

import argparse
import json
import time


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--households", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--years", default="2025:2030")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()

    from gongfu import workflow
    from gongfu.engine import load_system
    from gongfu.run.window import compare_window, simulate_windows_separately

    load_system()
    years = workflow.parse_years(args.years)
    reform = workflow.resolve("resident_pension_300")
    common = {"households": args.households, "seed": args.seed, "workers": args.workers}
    compare_window(reform, years[:1], **(common | {"households": 2000}))  # warm-up (imports, contexts)
    window_s, separate_s = [], []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        window = compare_window(reform, years, **common)
        window_s.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        separate = simulate_windows_separately(reform, years, **common)
        separate_s.append(time.perf_counter() - t0)
        for y in years:
            if window[y]["net_cost"] != separate[y]["net_cost"]:
                raise SystemExit(f"window and separate runs differ in {y}")
    w, s = sorted(window_s)[len(window_s) // 2], sorted(separate_s)[len(separate_s) // 2]
    print("RESULT " + json.dumps({"benchmark": "window", "households": args.households, "years": years,
                                  "workers": args.workers, "window_seconds": window_s,
                                  "separate_seconds": separate_s, "ratio_window_to_separate": w / s}))


if __name__ == "__main__":
    main()
