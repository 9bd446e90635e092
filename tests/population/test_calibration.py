"""Calibration: a 20,000-household build meets every target within its tolerance (model + 4 SE)."""

from __future__ import annotations

import numpy as np
import pytest

from gongfu.population.calibrate import RakingError, rake, rake_sparse
from gongfu.population.check import check, failures, measure
from gongfu.population.tables import load_fitted, targets_hash


def test_rake_meets_totals_and_returns_multipliers():
    rng = np.random.default_rng(0)
    x = np.column_stack([np.ones(2000), rng.poisson(1.5, 2000), rng.integers(0, 3, 2000)])
    d = np.full(2000, 5.0)
    totals = np.array([11000.0, 17000.0, 9000.0])
    lam, w = rake(x, d, totals)
    assert np.allclose(x.T @ w, totals, rtol=1e-8)
    assert np.allclose(w, d * np.exp(x @ lam)) and np.all(w > 0)


def test_rake_reports_unreachable_totals():
    x = np.column_stack([np.ones(10), np.zeros(10)])
    with pytest.raises(RakingError):
        rake(x, np.ones(10), np.array([10.0, 5.0]), max_iter=20)


def test_fitted_parameters_match_current_targets():
    assert load_fitted()["meta"]["targets_hash"] == targets_hash(), "re-run python -m gongfu.population.fit"


def test_demographic_targets_without_engine(sample):
    h, p = sample
    rows = [r for r in check(h, p, None) if np.isfinite(r.achieved)]
    assert len(rows) > 100
    bad = {r.name: f"{r.rel_error:+.3f}" for r in failures(rows, include_missing=False)}
    assert not bad, bad


def test_all_targets_with_engine(sample, engine_out):
    """Every target within its tolerance (model + 4 random-group SEs) on a 20,000-household build."""
    h, p = sample
    rows = check(h, p, engine_out)
    bad = {r.name: f"{r.rel_error:+.3f}" for r in failures(rows)}
    assert not bad, bad
    s = measure(h, p, engine_out)
    assert s["income_mean"] == pytest.approx(41314, rel=0.05)
    assert np.all(np.diff(s["quintile_means"]) > 0)
    # NBS composition: wages + business + property + net transfers = disposable income, per person (exact identity)
    total = s["wages_per_capita"] + s["business_per_capita"] + s["property_per_capita"] + s["net_transfers_per_capita"]
    assert total == pytest.approx(s["income_mean"], rel=1e-9)


def test_quintiles_and_median_are_by_household():
    """NBS ranks households, not persons. In each area a 1-person household has per-capita income 10 and a
    3-person household 20: the middle household has 10 (by persons it would be 20), and the bottom 'fifth'
    of households is the 1-person households alone."""
    area = np.array([1, 1, 0, 0], dtype=np.int8)
    hid = np.array([0, 1, 1, 1, 2, 3, 3, 3])
    h = {"household_id": np.arange(4), "weight": np.ones(4), "area": area, "province": np.full(4, 11, dtype=np.int8)}
    n = len(hid)
    p = {"household_id": hid, "age": np.full(n, 30, dtype=np.int16), "role": np.zeros(n, dtype=np.int8),
         "employment_status": np.ones(n, dtype=np.int8), "hukou_type": np.ones(n, dtype=np.int8),
         "hukou_province": np.full(n, 11, dtype=np.int8), "disability_grade": np.zeros(n, dtype=np.int8),
         "pension_scheme": np.zeros(n, dtype=np.int8), "wage_income": np.array([8.0, 18, 18, 18] * 2),
         "self_employment_income": np.ones(n), "agricultural_income": np.zeros(n), "interest_income": np.ones(n),
         "dividend_income": np.zeros(n), "rental_income": np.zeros(n), "private_transfers_received": np.zeros(n)}
    eng = {"per_capita_disposable_income": np.array([10.0, 20.0, 10.0, 20.0]), "dibao": np.zeros(4),
           "tekun_recipient": np.zeros(n, dtype=bool), "total_benefits": np.ones(4), "total_taxes": np.zeros(4),
           "total_contributions": np.zeros(4), "employee_pension": np.zeros(n)}
    s = measure(h, p, eng)
    assert s["income_mean"] == pytest.approx(17.5)  # (10 + 60) / 4 persons in each area
    assert s["income_median"] == 10.0 and s["income_median_urban"] == 10.0
    assert s["quintile_means"][0] == 10.0 and s["quintile_means"][4] == 20.0
    assert s["net_transfers_per_capita"] == 0.5 and s["wages_per_capita"] == pytest.approx(15.5)
    assert s["wages_ratio_rural_urban"] == pytest.approx(1.0)


def test_sparse_raking_equals_dense_raking():
    """rake_sparse (row-sparse features, bincount Hessian) finds the same multipliers as the dense rake."""
    rng = np.random.default_rng(3)
    n, k = 3000, 7
    cols = np.column_stack([np.zeros(n, int), rng.integers(1, 4, n), rng.integers(4, 7, n)])
    vals = np.column_stack([np.ones(n), rng.poisson(1.5, n) + 1.0, rng.integers(1, 4, n).astype(float)])
    x = np.zeros((n, k))
    for j in range(3):
        np.add.at(x, (np.arange(n), cols[:, j]), vals[:, j])
    d = np.full(n, 2.0)
    totals = (x.T @ d) * np.array([1.0, 1.1, 0.9, 1.05, 1.2, 0.8, 1.0])
    lam_d, w_d = rake(x, d, totals)
    lam_s, w_s = rake_sparse(cols, vals, d, totals)
    assert np.allclose(lam_s, lam_d, rtol=1e-6, atol=1e-12) and np.allclose(w_s, w_d, rtol=1e-8)
    assert np.allclose(x.T @ w_s, totals, rtol=1e-8)
