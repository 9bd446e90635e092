"""The synthetic population runs through every rule of the engine."""

from __future__ import annotations

import numpy as np

from gongfu.engine import load_system


def test_every_variable_computes_on_the_population(sample):
    h, p = sample
    system = load_system()
    sim = system.simulation(households=h, persons=p, year=2025)
    n_h, n_p = len(h["household_id"]), len(p["person_id"])
    for name in system.variables:
        out = np.asarray(sim.calc(name))
        assert len(out) in (n_h, n_p), name
        if out.dtype.kind == "f":
            assert np.all(np.isfinite(out)), name
    di = sim.calc("disposable_income")
    ident = sim.calc("market_income") - sim.calc("total_taxes") - sim.calc("total_contributions") \
        + sim.calc("total_benefits")
    assert np.allclose(di, ident)
