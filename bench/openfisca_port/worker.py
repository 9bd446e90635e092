"""One OpenFisca measurement of the benchmark rule set; run with bench/.venv-openfisca/bin/python.

    bench/.venv-openfisca/bin/python -m bench.openfisca_port.worker --persons 1000000
"""

from __future__ import annotations

from bench.common import OUTPUTS, YEAR, clock, emit, totals, worker_args


def main() -> None:
    args = worker_args("openfisca-core: benchmark rule set, end to end")
    t_import = clock()
    import numpy as np
    import openfisca_core
    from openfisca_core.simulations import SimulationBuilder

    from bench.openfisca_port import BenchTaxBenefitSystem
    from bench.ruleset.population import generate

    t_system = clock()
    tbs = BenchTaxBenefitSystem()
    period = str(YEAR)
    t0 = clock()
    # ---- build: population + SimulationBuilder + set_input
    pop = generate(args.persons, args.seed)
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
    t1 = clock()
    # ---- compute
    out = {name: sim.calculate(name, period) for name in OUTPUTS}
    t2 = clock()
    parts = totals(out)
    emit("openfisca", n, t1 - t0, t2 - t1, sum(parts.values()), households=pop.n_households,
         components=parts, input_wages=float(pop.persons["wage_income"].sum()),
         seconds_system=round(t0 - t_system, 6), seconds_import=round(t_system - t_import, 6),
         version=openfisca_core.__version__ if hasattr(openfisca_core, "__version__") else _version(),
         numpy=np.__version__, config="single simulation (SimulationBuilder + set_input)")


def _version() -> str:
    from importlib.metadata import version

    return version("openfisca-core")


if __name__ == "__main__":
    main()
