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
    args = worker_args("gongfu: the whole law, end to end")
    import numpy as np

    from gongfu.engine import load_system

    name, partitions = population_source()
    t_system = clock()
    system = load_system()
    outputs = [o for o in OUTPUTS if o in system.variables]
    t0 = clock()
    build = compute = 0.0
    n_p = n_h = n_parts = computed = 0
    checksum = 0.0
    t1 = t0
    for households, persons in partitions(max(62, round(args.persons / CENSUS_MEAN_SIZE)), args.seed):
        sim = system.simulation(households=households, persons=persons, year=YEAR, strict=False)
        t2 = clock()
        build += t2 - t1
        for o in outputs:
            checksum += float(np.asarray(sim.calc(o), dtype=np.float64).sum())
        computed = max(computed, len(getattr(sim, "_cache", ())))
        t1 = clock()
        compute += t1 - t2
        n_p += rows(persons)
        n_h += rows(households)
        n_parts += 1
    emit("gongfu-full-law", n_p, build, compute, checksum, households=n_h, outputs=outputs,
         variables=computed or None, partitions=n_parts, seconds_system=round(t0 - t_system, 6),
         config=f"load_system(); {name}; {n_parts} partition(s), one simulation each")


if __name__ == "__main__":
    main()
