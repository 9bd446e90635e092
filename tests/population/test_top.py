"""A population with a real top (issue 11 §2): the Pareto tail, the oversampled top stratum and its design
weights, the survey frame of the NBS figures, the STA bounds, the IIT-base inputs and generator.yaml."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from gongfu.engine import load_system
from gongfu.engine.enums import EmploymentStatus, PensionScheme
from gongfu.engine.errors import GongfuError
from gongfu.population import PERSON_COLUMNS, generate_partition, plan_partitions
from gongfu.population.check import Row, sta_measures
from gongfu.population.synth import IIT_FLAT_INPUTS, Draws, household_shock, inverse_normal_cdf
from gongfu.population.tables import GeneratorFileError, _read_yaml, check_generator, load_generator, model

NEW_COLUMNS = ("annual_bonus", "housing_fund_member", "labour_remuneration", "individual_pension_contribution",
               "enterprise_annuity_contribution", "property_transfer_gain", "incidental_income",
               "taxable_interest_income")


def _shocks(n: int = 400_000, seed: int = 7):
    m = model()
    return m, household_shock(Draws(np.random.PCG64(seed)), m, n)


def test_top_stratum_is_oversampled_with_design_weights():
    """The last k q_o n households (rounded to even) form the top stratum (rank above 1 - q_o); the body's design
    factor is (1 - q_o) / (1 - k q_o); inside the top the richest are drawn most often (probability proportional
    to size), so the design factor falls as the shock rises, and the design-weighted share of the stratum is q_o."""
    m, (shock, design, tail, excess) = _shocks()
    q_o, k = m.g["oversampling"]["top_share"], m.g["oversampling"]["factor"]
    n = shock.size
    n_t = 2 * round(k * q_o * n / 2)
    top = np.arange(n) >= n - n_t
    assert np.allclose(design[~top], (1 - q_o) / (1 - n_t / n))
    assert design[top].sum() / design.sum() == pytest.approx(q_o, rel=0.03)
    # the top stratum is the top of the rank: every top household's shock is above every other household's
    assert shock[top].min() >= shock[~top].max()
    o = np.argsort(-design[top], kind="stable")  # PPS: the smaller the design weight, the richer (float32 shock)
    assert np.all(np.diff(shock[top][o]) >= -1e-5) and design[top].max() / design[top].min() > 100
    # weight x income varies far less than income along the stratum (that is the point of the design)
    x = np.exp(shock[top].astype(np.float64))
    assert np.std(np.log(x * design[top])) < 0.5 * np.std(np.log(x))


def test_household_ids_start_every_stratum_even_so_that_pairs_stay_inside_strata():
    """Strata of a partition (urban body, urban top, rural body, rural top) each begin at an even id: households
    2j and 2j + 1 are of the same stratum (the pairs of the replicate weights)."""
    from gongfu.population.synth import household_ids, ids_needed, strata_sizes

    m = model()
    for nu, nr in ((1001, 777), (5000, 20), (3, 1), (12345, 6789)):
        ids = household_ids(10, nu, nr, m)
        assert ids.size == nu + nr and np.all(np.diff(ids) >= 1) and ids[-1] < 10 + ids_needed(nu, nr, m)
        stratum = np.repeat(np.arange(4), strata_sizes(nu, nr, m))
        first = np.r_[0, np.flatnonzero(np.diff(stratum)) + 1]
        assert np.all(ids[first] % 2 == 0)
        pair = ids // 2
        same = pair[1:] == pair[:-1]
        assert np.all(stratum[1:][same] == stratum[:-1][same])
    specs = plan_partitions(20_000, 1)
    assert all(s.household_id_start % 2 == 0 for s in specs)


def test_household_shock_has_a_pareto_tail_spliced_at_the_tail_share():
    """Below 1 - q_t the shock is sd x a normal quantile; above, exp(shock) is Pareto(alpha) from the splice point:
    the design-weighted survival of exp(shock) above the splice x0 is q_t (x / x0)^-alpha."""
    m, (shock, design, tail, excess) = _shocks()
    q_t = m.g["top_incomes"]["tail_share"]
    alpha = m.f["income"]["tail_alpha"]
    sd = m.a["income"]["household_shock_sd"]
    base = sd * float(inverse_normal_cdf(np.array([1 - q_t]))[0])
    w = design / design.sum()
    assert w[shock >= base - 1e-6].sum() == pytest.approx(q_t, rel=0.03)
    assert np.allclose(shock[tail], base + excess, atol=1e-5) and np.all(excess >= 0)
    for mult in (2.0, 5.0):  # survival at x0 * mult = q_t * mult^-alpha
        expected = q_t * mult ** -alpha
        assert w[shock > base + math.log(mult)].sum() == pytest.approx(expected, rel=0.08)
    # the body below the splice: sd x normal quantiles (weighted median 0, weighted quartile sd x -0.674)
    o = np.argsort(shock)
    c = np.cumsum(w[o])
    for q, z in ((0.5, 0.0), (0.25, -0.6745)):
        assert shock[o][np.searchsorted(c, q)] == pytest.approx(sd * z, abs=0.01 * sd)


def test_generated_top_incomes_follow_the_tail_and_weights_still_sum_to_the_totals():
    spec = plan_partitions(40_000, 3)[18]  # Guangdong
    h, p = generate_partition(spec)
    hidx = np.searchsorted(h["household_id"], p["household_id"])
    wp = h["weight"][hidx]
    assert wp.sum() == pytest.approx(spec.persons_urban + spec.persons_rural, rel=1e-9)
    wages = p["wage_income"]
    earners = wages > 0
    # local Pareto coefficient of wages between the 99th and 99.9th weighted percentiles: near the fitted alpha
    # (a log-normal of the body's spread would give 4 or more, distribution.yaml lognormal_local_pareto)
    o = np.argsort(wages[earners])
    x, w = wages[earners][o], wp[earners][o]
    c = np.cumsum(w) / w.sum()
    x99, x999 = x[np.searchsorted(c, 0.99)], x[np.searchsorted(c, 0.999)]
    local_alpha = math.log(10) / math.log(x999 / x99)
    assert 1.2 < local_alpha < 3.0
    # oversampling: far more sampled households than their weight share at the top
    from gongfu.population.synth import strata_sizes

    top = np.repeat(np.arange(4) % 2 == 1, strata_sizes(spec.n_urban, spec.n_rural, model()))
    assert 0.09 < top.mean() < 0.11 and h["weight"][top].sum() / h["weight"].sum() < 0.03


def test_new_iit_base_columns_dtypes_and_rules():
    spec = plan_partitions(20_000, 5)[9]
    h, p = generate_partition(spec)
    assert set(NEW_COLUMNS) <= set(PERSON_COLUMNS) and set(NEW_COLUMNS) <= set(p)
    assert p["housing_fund_member"].dtype == np.bool_
    for c in NEW_COLUMNS:
        if c != "housing_fund_member":
            assert p[c].dtype == np.float64 and np.all(p[c] >= 0), c
    assert np.all(p["annual_bonus"] <= p["wage_income"])
    member = p["housing_fund_member"]
    assert member.any()
    assert np.all(p["employment_status"][member] == EmploymentStatus.employee)
    assert np.all(p["pension_scheme"][member] == PensionScheme.employee)
    g = load_generator()["iit_base_inputs"]
    for c in IIT_FLAT_INPUTS:  # documented fallbacks: 0 where shared/data/china has no figure
        assert np.all(p[c] == g[c]), c


def test_engine_reads_the_iit_base_columns_and_refuses_unknown_ones():
    spec = plan_partitions(3_000, 5)[10]
    h, p = generate_partition(spec)
    sim = load_system().simulation(households=h, persons=p, year=2025)
    assert np.all(np.isfinite(sim.calc("individual_income_tax")))
    with pytest.raises(GongfuError, match="wage_incme"):
        load_system().simulation(households=h, persons={**p, "wage_incme": p["wage_income"]}, year=2025)


def test_sta_measures_by_hand():
    """Five payers and one non-payer. Income above 1 million: one payer of five (20%), paying 900 of 1,000 (90%);
    top 10% of payers by income: the richest (900 / 1000); payers at 3% only (taxable <= 36,000): 3 of 5."""
    gross = np.array([2_000_000.0, 300_000, 100_000, 90_000, 80_000, 50_000])
    tax = np.array([900.0, 70, 10, 10, 10, 0])
    taxable = np.array([1_500_000.0, 200_000, 30_000, 20_000, 10_000, 0])
    eng = {"iit_comprehensive": tax, "gross_wages": gross, "iit_comprehensive_taxable_income": taxable}
    out = sta_measures({}, eng, np.ones(6))
    assert out["iit_comprehensive_payers"] == 5 and out["iit_comprehensive_revenue"] == 1000
    assert out["sta_share_of_payers_income_above_1m"] == pytest.approx(0.2)
    assert out["sta_share_of_tax_paid_by_income_above_1m"] == pytest.approx(0.9)
    assert out["sta_share_of_tax_paid_by_top_10pct_of_payers"] == pytest.approx(0.9)
    assert out["sta_share_of_payers_only_at_3pct"] == pytest.approx(0.6)


def test_bound_rows_pass_inside_their_bounds_widened_by_four_se():
    assert Row("x", 0.5, 0.55, 0.0, lower=0.5).status == "ok"
    assert Row("x", 0.5, 0.45, 0.0, se=0.01, lower=0.5).status == "MISS"
    assert Row("x", 0.5, 0.47, 0.0, se=0.01, lower=0.5).status == "ok"  # within 4 SE of the bound
    assert Row("x", 0.005, 0.02, 0.0, lower=0.005, upper=0.015).status == "MISS"
    assert Row("x", 0.6, 0.58, 0.03, se=0.001, lower=0.6).status == "ok"  # an absolute model tolerance
    assert Row("x", 0.6, 0.56, 0.03, se=0.001, lower=0.6).status == "MISS"


def test_generator_file_is_checked_entry_by_entry():
    raw = _read_yaml("generator.yaml")
    assert check_generator(raw)["oversampling"]["factor"] >= 1
    bad = copy.deepcopy(raw)
    del bad["top_incomes"]["tail_share"]["unit"]
    with pytest.raises(GeneratorFileError, match=r"top_incomes\.tail_share: missing 'unit'"):
        check_generator(bad)
    bad = copy.deepcopy(raw)
    bad["oversampling"]["factor"]["value"] = 0.5
    with pytest.raises(GeneratorFileError, match=r"oversampling\.factor: value 0\.5 outside"):
        check_generator(bad)
    bad = copy.deepcopy(raw)
    bad["iit_base_inputs"]["incidental_income"].pop("reason")
    with pytest.raises(GeneratorFileError, match="incidental_income: needs a 'source'"):
        check_generator(bad)
    bad = copy.deepcopy(raw)
    bad["oversampling"]["factor"]["value"] = 200
    with pytest.raises(GeneratorFileError, match="must be < 1"):
        check_generator(bad)
