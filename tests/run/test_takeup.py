"""Take-up in the results of a run (issue 13, "National picture"): entitled persons, recipients, take-up rate,
entitlement and unmet entitlement, nationally and by province, area and hukou type; a reform's effect on them."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gongfu.engine import load_system
from gongfu.run import ArraySource, compare, simulate

from .conftest import at_year


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
    h, p = at_year(population)
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


# ---------------------------------------------------------------------------------------------- uncertainty

FIGURES = ("entitled_persons", "recipients", "takeup_rate", "entitlement", "unmet_entitlement")


def test_takeup_figures_have_standard_errors_and_intervals(population):
    """`uncertainty.takeup.<programme>.<figure>` for every national take-up figure: a positive SE, a 95% interval
    holding the point estimate, the same for 1 and 5 partitions."""
    runs = [simulate(ArraySource.split(*population, n), year=2025, workers=1) for n in (1, 5)]
    for r in runs:
        unc = r["uncertainty"]
        for prog in ("dibao", "tekun"):
            for fig in FIGURES:
                e = unc[f"takeup.{prog}.{fig}"]
                point = r["takeup"][prog][fig]
                lo, hi = e["ci95"]
                assert e["se"] > 0 and lo < point < hi, (prog, fig, e, point)
                assert hi - lo == pytest.approx(2 * 1.959963984540054 * e["se"], rel=1e-9)
        # the take-up rate is a share: its SE is well below 1 (and not the SE of a count)
        assert unc["takeup.dibao.takeup_rate"]["se"] < 0.2
        # recipients of dibao are the programme's recipients: the same replicate sums, the same SE
        assert unc["takeup.dibao.recipients"]["se"] == pytest.approx(unc["programmes.dibao.recipients"]["se"],
                                                                    rel=1e-9)
    one, five = (r["uncertainty"] for r in runs)
    for key in (k for k in one if k.startswith("takeup.")):
        assert math.isclose(one[key]["se"], five[key]["se"], rel_tol=1e-7, abs_tol=1e-12), key


def test_takeup_replicate_sums_and_rate_se_from_the_replicate_ratio(population):
    """The streamed replicate sums of dibao's entitled persons and recipients are the direct sums
    (w n [entitled]) @ multipliers, and the take-up rate's SE is the spread of their ratio over replicates."""
    import gongfu.run.layout as L
    from gongfu.analysis.replicates import multipliers, standard_error
    from gongfu.run import run_state
    from gongfu.run.uncertainty import Replicates

    state, _, _ = run_state(ArraySource.split(*population, 3), workers=1, replicates=60, replicate_seed=5)
    reps = Replicates(state)
    h, p = at_year(population)
    sim = load_system().simulation(households=h, persons=p, year=2025)
    entitled = sim.calc("dibao_entitlement") > 0
    persons = h["weight"] * sim.calc("household_size") * entitled
    got = persons * (sim.calc("dibao") > 0)
    M = multipliers(h["household_id"], 60, seed=5)
    ent_r, got_r = reps.sum(L.takeup("b", "dibao", "entitled")), reps.sum(L.takeup("b", "dibao", "recipients"))
    assert np.allclose(ent_r, persons @ M, rtol=1e-9) and np.allclose(got_r, got @ M, rtol=1e-9)
    unc = simulate(ArraySource.split(*population, 3), workers=1, replicates=60, replicate_seed=5)["uncertainty"]
    assert unc["takeup.dibao.takeup_rate"]["se"] == pytest.approx(standard_error(got_r / ent_r), rel=1e-9)


def test_compare_carries_takeup_uncertainty_for_both_systems(source):
    c = compare(source, reform="dibao_plus_20pct", year=2025, workers=1)
    for side in ("baseline", "reform"):
        unc = c[side]["uncertainty"]
        for fig in FIGURES:
            e = unc[f"takeup.dibao.{fig}"]
            lo, hi = e["ci95"]
            assert e["se"] > 0 and lo < c[side]["takeup"]["dibao"][fig] < hi, (side, fig)
    # the reform's change of each figure (the replicate differences; the rate's: difference of the two ratios)
    for fig in FIGURES:
        e = c["uncertainty"][f"change.takeup.dibao.{fig}"]
        lo, hi = e["ci95"]
        assert e["se"] > 0 and lo <= c["change"]["takeup"]["dibao"][fig] <= hi, fig
    # the reform changes who is entitled: its own replicate sums, not the baseline's
    assert (c["reform"]["uncertainty"]["takeup.dibao.entitled_persons"]["se"]
            != c["baseline"]["uncertainty"]["takeup.dibao.entitled_persons"]["se"])
