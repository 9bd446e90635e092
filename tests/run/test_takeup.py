"""Take-up in the results of a run (issue 13, "National picture"): entitled persons, recipients, take-up rate,
entitlement and unmet entitlement, nationally and by province, area and hukou type; a reform's effect on them."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gongfu.engine import load_system
from gongfu.run import ArraySource, compare, simulate


@pytest.fixture(scope="module")
def results(source):
    return simulate(source, year=2025, workers=1, replicates=0)


def test_takeup_figures_agree_with_the_rules(results, population):
    t = results["takeup"]
    assert set(t) == {"dibao", "tekun"}
    d = t["dibao"]
    # recipients are the programme's recipients; unmet = entitlement − amount paid
    assert d["recipients"] == pytest.approx(results["programmes"]["dibao"]["recipients"], rel=1e-12)
    assert d["unmet_entitlement"] == pytest.approx(d["entitlement"] - results["programmes"]["dibao"]["total"],
                                                   rel=1e-9)
    assert 0 < d["takeup_rate"] < 1 and d["takeup_rate"] == pytest.approx(d["recipients"] / d["entitled_persons"])
    # the same figures straight from the engine on the whole population
    h, p = population
    sim = load_system().simulation(households=h, persons=p, year=2025)
    ent = sim.calc("dibao_entitlement")
    assert np.all(np.diff(h["household_id"]) > 0)
    persons = h["weight"] * sim.calc("household_size")
    assert d["entitled_persons"] == pytest.approx(float(np.sum(persons[ent > 0])), rel=1e-9)
    assert d["entitlement"] == pytest.approx(float(np.sum(h["weight"] * ent)), rel=1e-9)
    k = t["tekun"]
    assert k["recipients"] == pytest.approx(results["programmes"]["tekun"]["recipients"], rel=1e-12)
    assert k["unmet_entitlement"] == pytest.approx(k["entitlement"] - results["programmes"]["tekun"]["total"],
                                                   rel=1e-9)
    # groups add up to the national figure
    for grouping in ("province", "area", "hukou_type"):
        rows = d["by_group"][grouping]
        assert math.fsum(r["entitled_persons"] for r in rows.values()) == pytest.approx(d["entitled_persons"],
                                                                                       rel=1e-9)
        assert math.fsum(r["unmet_entitlement"] for r in rows.values()) == pytest.approx(
            d["unmet_entitlement"], rel=1e-9)


def test_full_takeup_leaves_nothing_unmet(population):
    h, p = population
    h = dict(h, dibao_takeup=np.ones(len(h["household_id"]), dtype=bool))
    p = dict(p, tekun_takeup=np.ones(len(p["person_id"]), dtype=bool))
    r = simulate(ArraySource.split(h, p, 3), year=2025, workers=1, replicates=0)
    for prog in ("dibao", "tekun"):
        assert r["takeup"][prog]["takeup_rate"] == pytest.approx(1.0)
        assert abs(r["takeup"][prog]["unmet_entitlement"]) < 1e-6 * r["takeup"][prog]["entitlement"]


def test_a_reform_changes_take_up_figures(source):
    c = compare(source, reform="dibao_plus_20pct", year=2025, workers=1, replicates=0)
    b, r = c["baseline"]["takeup"]["dibao"], c["reform"]["takeup"]["dibao"]
    assert r["entitled_persons"] > b["entitled_persons"]  # a higher standard: more households entitled
    assert r["entitlement"] > b["entitlement"]
    assert c["change"]["takeup"]["dibao"]["entitled_persons"] == pytest.approx(
        r["entitled_persons"] - b["entitled_persons"])
