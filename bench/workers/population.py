"""Households/s of gongfu's synthetic population generator (gongfu.population; see hooks.py)."""

from __future__ import annotations

import argparse
import json
import sys

from bench.common import clock, peak_rss_mb

from .hooks import population_source, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    name, partitions = population_source()
    n_h = n_p = n_parts = 0
    t0 = clock()
    for households, persons in partitions(args.households, args.seed):
        n_h += rows(households)
        n_p += rows(persons)
        n_parts += 1
    seconds = clock() - t0
    result = {"engine": "gongfu.population", "households": n_h, "persons": n_p, "partitions": n_parts,
              "seconds_total": round(seconds, 6), "households_per_s": n_h / seconds, "persons_per_s": n_p / seconds,
              "peak_rss_mb": round(peak_rss_mb(), 1), "config": f"{name}; {n_parts} partition(s)"}
    sys.stdout.write("RESULT " + json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
