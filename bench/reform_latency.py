"""Reform latency on the default sample, warm: seconds from a reform file to the full analysis (compare dict).

    python -m bench.reform_latency [--households 100000] [--workers 1] [--repeat 3] [--cold-baseline]

The population (the `make demo` default: 100,000 households, seed 2025) is generated once and kept in memory
(an ArraySource) and the law is loaded once — that is what "warm" means: an analyst's session (the API server, a
notebook) that already holds them. Each repetition then reads and validates a reform file, runs baseline and
reform in one pass and builds every statistic of the compare dict. Goal: <= 1 second.
The baseline's statistics are reused while the baseline is byte-identical (`gongfu.run.api.baseline_summary`), as
in such a session; `--cold-baseline` forgets them before every repetition (the first reform of a session).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

REFORM = """name: {en: Dibao standards +20% and resident pension minimum 200, zh: 低保标准提高20%并提高居民基础养老金}
from: 2025-01-01
parameters:
  assistance.dibao.standard: {multiply: 1.2}
  pensions.resident.basic_pension_minimum: {value: 200, unit: CNY/month}
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--households", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=2025)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--cold-baseline", action="store_true", help="summarise the baseline again every time")
    args = ap.parse_args()

    from gongfu.engine import load_system
    from gongfu.population import generate_partition, plan_partitions
    from gongfu.run import ArraySource, api, compare

    load_system()
    parts = [generate_partition(spec) for spec in plan_partitions(args.households, args.seed)]
    source = ArraySource(parts, name=f"default sample ({args.households:,} households, seed {args.seed})")
    with tempfile.TemporaryDirectory() as tmp:
        reform = Path(tmp) / "reform.yaml"
        reform.write_text(REFORM, encoding="utf-8")
        compare(reform=str(reform), population=source, workers=args.workers)  # warm-up
        times = []
        for _ in range(args.repeat):
            if args.cold_baseline:
                api._BASELINE_CACHE.clear()
            t0 = time.perf_counter()
            cmp = compare(reform=str(reform), population=source, workers=args.workers)
            times.append(time.perf_counter() - t0)
    persons = cmp["baseline"]["meta"]["population"]["persons_sampled"]
    print("RESULT " + json.dumps({"benchmark": "reform_latency", "households": args.households, "persons": persons,
                                  "workers": args.workers, "cold_baseline": args.cold_baseline,
                                  "seconds": sorted(times),
                                  "seconds_median": sorted(times)[len(times) // 2],
                                  "net_cost": cmp["net_cost"]}))


if __name__ == "__main__":
    main()
