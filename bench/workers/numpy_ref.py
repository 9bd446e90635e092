"""Plain hand-written numpy on the benchmark rule set (no engine): the line both engines are read against."""

from __future__ import annotations

from bench.common import clock, emit, totals, worker_args


def main() -> None:
    args = worker_args("numpy reference: benchmark rule set, end to end")
    import numpy as np

    from bench.ruleset import numpy_ref
    from bench.ruleset.population import generate

    t_system = clock()
    params = numpy_ref.load_params()
    t0 = clock()
    pop = generate(args.persons, args.seed)
    t1 = clock()
    out = numpy_ref.compute(params, pop.persons["wage_income"], pop.persons["household_id"],
                            pop.households["province"], pop.households["area"])
    t2 = clock()
    parts = totals(out)
    emit("numpy", pop.n_persons, t1 - t0, t2 - t1, sum(parts.values()), households=pop.n_households,
         components=parts, input_wages=float(pop.persons["wage_income"].sum()),
         seconds_system=round(t0 - t_system, 6), numpy=np.__version__, config="plain numpy, one pass")


if __name__ == "__main__":
    main()
