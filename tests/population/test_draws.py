"""Random-number machinery of the generator: 16-bit Bernoulli and categorical draws, table normals."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gongfu.population.synth import U16, Draws, cat_lut, inverse_normal_cdf, thr, uniform_int


def test_thresholds_are_exact_at_the_edges():
    u = np.arange(U16, dtype=np.uint16)  # every 16-bit uniform once
    assert not (u < thr(0.0)).any() and (u < thr(1.0)).all()
    assert (u < thr(0.25)).sum() == U16 // 4
    assert (u < thr(np.array([0.5, 1.0]))[:, None]).sum(axis=1).tolist() == [U16 // 2, U16]


def test_categorical_table_gives_each_category_its_probability():
    p = np.array([0.1, 0.0, 0.65, 0.25])
    lut = cat_lut(np.cumsum(p))
    counts = np.bincount(lut[0][np.arange(U16)], minlength=4) / U16  # every uniform once: exact frequencies
    assert np.abs(counts - p).max() <= 1 / U16
    assert counts[1] == 0.0


def test_uniform_int_covers_range_evenly():
    v = uniform_int(np.arange(U16, dtype=np.uint16), 12)
    c = np.bincount(v, minlength=12)
    assert v.min() == 0 and v.max() == 11 and c.max() - c.min() <= 1


def test_inverse_normal_cdf_matches_erf():
    p = np.array([1e-9, 1e-4, 0.02, 0.3, 0.5, 0.9, 0.999999])
    z = inverse_normal_cdf(p)
    back = np.array([0.5 * math.erfc(-x / math.sqrt(2)) for x in z])
    assert np.allclose(back, p, rtol=1e-7, atol=0)


def test_table_normals_have_normal_moments_and_tails():
    z = Draws(np.random.PCG64(7)).normal(2_000_000).astype(np.float64)
    assert abs(z.mean()) < 0.003 and abs(z.std() - 1) < 0.003
    # tail probabilities beyond 2 and 3.5 sd (exact: 0.02275, 0.000233)
    assert (z > 2).mean() == pytest.approx(0.02275, rel=0.03)
    assert (np.abs(z) > 3.5).mean() == pytest.approx(2 * 0.000233, rel=0.15)
    assert np.abs(z).max() > 4.5  # the extreme bins are exact, not truncated


def test_same_bit_generator_state_same_numbers():
    a, b = Draws(np.random.PCG64(3)), Draws(np.random.PCG64(3))
    assert np.array_equal(a.u16(3, 5), b.u16(3, 5)) and np.array_equal(a.normal(9), b.normal(9))
