"""The whole gongfu law (`load_system()`) on gongfu's own population: persons/s and peak memory.

~n persons: households = n / 2.62 (2020 census average family-household size), as many persons as the generator
gives them. Per partition of the generator: build = generating it + `system.simulation(...)`; compute = every
output of docs/ARCHITECTURE.md "Outputs relied on from outside" that the system defines. Partitions are
streamed (one simulation each, totals accumulated), the way a run over a large population goes.
"""

from __future__ import annotations

from bench.common import YEAR, clock, emit, worker_args

from .hooks import population_source, rows

OUTPUTS = ("social_insurance_contributions", "individual_income_tax", "employee_pension", "resident_pension",
           "household_size", "market_income", "dibao", "tekun", "total_taxes", "total_contributions",
           "total_benefits", "disposable_income", "per_capita_disposable_income", "income_after_philanthropy")
CENSUS_MEAN_SIZE = 2.62


def main() -> None:
    args = worker_args("gongfu: the whole law, end to end", {"block": 65_536})
    import numpy as np

    from gongfu.engine import load_system
    from gongfu.engine.chunked import compute as compute_blocks

    name, partitions = population_source()
    t_system = clock()
    system = load_system()
    outputs = [o for o in OUTPUTS if o in system.variables]
    t0 = clock()
    build = compute = 0.0
    n_p = n_h = n_parts = 0
    checksum = 0.0
    t1 = t0
    for households, persons in partitions(max(62, round(args.persons / CENSUS_MEAN_SIZE)), args.seed):
        t2 = clock()
        build += t2 - t1
        values, _ = compute_blocks(system, households, persons, YEAR, outputs, block=args.block)
        for o in outputs:
            checksum += float(np.asarray(values[o], dtype=np.float64).sum())
        t1 = clock()
        compute += t1 - t2
        n_p += rows(persons)
        n_h += rows(households)
        n_parts += 1
    emit("gongfu-full-law", n_p, build, compute, checksum, households=n_h, outputs=outputs,
         variables=len(system.variables), partitions=n_parts, seconds_system=round(t0 - t_system, 6),
         config=f"load_system(); {name}; {n_parts} partition(s), engine.chunked blocks of {args.block:,} households")


if __name__ == "__main__":
    main()
