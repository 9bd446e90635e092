"""One OpenFisca measurement of the benchmark rule set; run with bench/.venv-openfisca/bin/python.

    bench/.venv-openfisca/bin/python -m bench.openfisca_port.worker --persons 1000000 [--mode chunked]

`single`: one simulation over the whole population (how OpenFisca is normally used on microdata);
`chunked`: the same population generated partition by partition into reused buffers, one simulation each
(the same treatment gongfu's chunked configuration gets, so that the two fastest configurations compare).
"""

from __future__ import annotations

from bench.common import OUTPUTS, YEAR, clock, emit, totals, worker_args


def simulate(tbs, pop, period: str):
    """SimulationBuilder (entities, join, build) + set_input of every input: the OpenFisca building step."""
    import numpy as np
    from openfisca_core.simulations import SimulationBuilder

    n = pop.n_persons
    builder = SimulationBuilder()
    builder.create_entities(tbs)
    builder.declare_person_entity("person", np.arange(n))
    household = builder.declare_entity("household", pop.households["household_id"])
    builder.join_with_persons(household, pop.persons["household_id"], np.zeros(n, dtype=np.int8))
    sim = builder.build(tbs)
    for name in ("age", "wage_income"):
        sim.set_input(name, period, pop.persons[name])
    for name in ("province", "area"):
        sim.set_input(name, period, pop.households[name])
    return sim


def main() -> None:
    args = worker_args("openfisca-core: benchmark rule set, end to end", {"mode": "single", "blocks": 1})
    t_import = clock()
    from importlib.metadata import version

    import numpy as np

    from bench.openfisca_port import BenchTaxBenefitSystem
    from bench.ruleset.population import BLOCK, BlockWriter, generate

    t_system = clock()
    tbs = BenchTaxBenefitSystem()
    period = str(YEAR)
    t0 = clock()
    if args.mode == "single":
        pop = generate(args.persons, args.seed)
        sim = simulate(tbs, pop, period)
        t1 = clock()
        parts = totals({name: sim.calculate(name, period) for name in OUTPUTS})
        t2 = clock()
        seconds_build, seconds_compute = t1 - t0, t2 - t1
        households, wages = pop.n_households, float(pop.persons["wage_income"].sum())
        config = "single simulation (SimulationBuilder + set_input)"
    elif args.mode == "chunked":
        parts = dict.fromkeys(OUTPUTS, 0.0)
        seconds_build = seconds_compute = 0.0
        households, wages = 0, 0.0
        t1 = t0
        for part in BlockWriter(args.persons, args.seed, blocks=args.blocks):
            sim = simulate(tbs, part, period)
            t2 = clock()
            seconds_build += t2 - t1
            for name, value in totals({name: sim.calculate(name, period) for name in OUTPUTS}).items():
                parts[name] += value
            t1 = clock()
            seconds_compute += t1 - t2
            households += part.n_households
            wages += float(part.persons["wage_income"].sum())
        config = f"chunked: partitions of {args.blocks * BLOCK:,} persons, reused input buffers"
    else:
        raise SystemExit(f"unknown --mode {args.mode!r} (single | chunked)")
    emit("openfisca" if args.mode == "single" else "openfisca-chunked", args.persons, seconds_build,
         seconds_compute, sum(parts.values()), households=households, components=parts, input_wages=wages,
         seconds_system=round(t0 - t_system, 6), seconds_import=round(t_system - t_import, 6),
         version=version("openfisca-core"), numpy=np.__version__, config=config)


if __name__ == "__main__":
    main()
