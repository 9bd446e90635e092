"""gongfu on the benchmark rule set, end to end, in one of two configurations:

* `single`: one `system.simulation(...)` over the whole population (freshly allocated arrays);
* `chunked`: the same population generated partition by partition into reused buffers
  (`population.BlockWriter`), one simulation per partition, totals accumulated. Same values, same checksum.
"""

from __future__ import annotations

from bench.common import OUTPUTS, YEAR, clock, emit, totals, worker_args


def main() -> None:
    args = worker_args("gongfu: benchmark rule set, end to end", {"mode": "single", "blocks": 4})
    import numpy as np

    from bench.ruleset import gongfu_rules
    from bench.ruleset.population import BLOCK, BlockWriter, generate

    t_system = clock()
    system = gongfu_rules.system()
    t0 = clock()
    if args.mode == "single":
        pop = generate(args.persons, args.seed)
        sim = system.simulation(households=pop.households, persons=pop.persons, year=YEAR)
        t1 = clock()
        out = {name: sim.calc(name) for name in OUTPUTS}
        t2 = clock()
        parts = totals(out)
        seconds_build, seconds_compute = t1 - t0, t2 - t1
        households, wages = pop.n_households, float(pop.persons["wage_income"].sum())
        config = "single simulation"
    elif args.mode == "chunked":
        parts = dict.fromkeys(OUTPUTS, 0.0)
        seconds_build = seconds_compute = 0.0
        households, wages = 0, 0.0
        t1 = t0
        for part in BlockWriter(args.persons, args.seed, blocks=args.blocks):
            sim = system.simulation(households=part.households, persons=part.persons, year=YEAR)
            t2 = clock()
            seconds_build += t2 - t1
            for name, value in totals({name: sim.calc(name) for name in OUTPUTS}).items():
                parts[name] += value
            t1 = clock()
            seconds_compute += t1 - t2
            households += part.n_households
            wages += float(part.persons["wage_income"].sum())
        config = f"chunked: partitions of {args.blocks * BLOCK:,} persons, reused input buffers"
    else:
        raise SystemExit(f"unknown --mode {args.mode!r} (single | chunked)")
    emit("gongfu" if args.mode == "single" else "gongfu-chunked", args.persons, seconds_build, seconds_compute,
         sum(parts.values()), households=households, components=parts, input_wages=wages,
         seconds_system=round(t0 - t_system, 6), numpy=np.__version__, config=config)


if __name__ == "__main__":
    main()
