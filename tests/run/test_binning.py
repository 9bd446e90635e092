"""Fast binning reproduces the sketch layout; partition states merge exactly in any order; checkpoint framing."""

from __future__ import annotations

import numpy as np
import pytest

from gongfu.analysis.sketch import DistributionSketch
from gongfu.exact import to_limbs
from gongfu.run.aggregate import AggregateError, RunAggregate
from gongfu.run.binning import BinAccumulator, bin_index
from gongfu.run.checkpoint import frame, unframe

CONFIGS = [{"sub_bins": 256, "min_exponent": -8, "max_exponent": 40},
           {"sub_bins": 1024, "min_exponent": 0, "max_exponent": 32},
           {"sub_bins": 1, "min_exponent": -3, "max_exponent": 3}]


@pytest.mark.parametrize("config", CONFIGS)
def test_bin_index_is_the_sketch_layout(config):
    rng = np.random.default_rng(1)
    top = 2.0 ** config["max_exponent"]
    edges = [0.0, -0.0, 5e-324, -5e-324, 1e-300, 2.0 ** config["min_exponent"], np.nextafter(top, 0), top, -top,
             1.7e308, -1.7e308, 1.0, 2.0, 3.0, 1.5, np.nextafter(2.0, 0), -1.0]
    x = np.concatenate([rng.lognormal(8, 4, 50_000), -rng.lognormal(6, 3, 5_000), edges])
    sketch = DistributionSketch(**config)
    assert np.array_equal(bin_index(x, config), sketch.bin_index(x))
    positive = rng.lognormal(9, 2, 20_000)  # the all-positive fast path
    assert np.array_equal(bin_index(positive, config), sketch.bin_index(positive))


def test_accumulated_sketch_equals_row_by_row_sketch():
    """With integer values and weights the per-bin float sums are exact, so the sketches must be equal."""
    rng = np.random.default_rng(2)
    config = CONFIGS[1]
    x = np.round(rng.lognormal(10, 1.2, 30_000))
    x[:50] = 0.0
    x[50:80] = -np.round(rng.lognormal(8, 1, 30))
    w = rng.integers(1, 5, x.size).astype(float)
    acc = BinAccumulator(config)
    half = x.size // 2
    for sl in (slice(0, half), slice(half, None)):
        acc.add(bin_index(x[sl], config), x[sl], [w[sl]])
    assert acc.sketch() == DistributionSketch.from_arrays(x, w, **config)


def test_grouped_accumulator_and_reset():
    config = CONFIGS[1]
    rng = np.random.default_rng(3)
    x = np.round(rng.lognormal(9, 1, 5_000))
    g = rng.integers(0, 4, x.size)
    acc = BinAccumulator(config, n_groups=4)
    acc.add(bin_index(x, config), x, [np.ones(x.size)], groups=g)
    for k in range(4):
        assert acc.sketch(k) == DistributionSketch.from_arrays(x[g == k], **config)
    acc.reset()
    assert acc.sketch(0) is None and not acc.w.any()


def _state(pid: int, seed: int) -> RunAggregate:
    rng = np.random.default_rng(seed)
    s = RunAggregate({"version": 1})
    s.partitions = {pid}
    s.counts = {"households": 10, "persons": 25}
    s.dense["t"] = to_limbs(rng.normal(0, 1e6, (3, 2)))
    codes = np.sort(rng.choice(50, 7, replace=False)).astype(np.int64)
    s.sparse["sp"] = (codes, to_limbs(rng.normal(0, 1e3, (7, 2))))
    s.sparse_size["sp"] = 50
    s.sparse["u"] = (codes, to_limbs(rng.normal(0, 1e3, (7, 3))))  # key range unknown: sorted union
    s.set_sketch("x", DistributionSketch.from_arrays(rng.lognormal(9, 1, 100), rng.uniform(0.5, 2, 100)))
    return s


def test_merge_is_order_free_and_refuses_double_counting():
    parts = [_state(i, 10 + i) for i in range(5)]
    a = RunAggregate.merge_all(parts)
    b = RunAggregate.merge_all(reversed([_state(i, 10 + i) for i in range(5)]))
    c = RunAggregate.merge_all([RunAggregate.merge_all([_state(0, 10), _state(3, 13)]),
                                RunAggregate.merge_all([_state(4, 14), _state(1, 11), _state(2, 12)])])
    assert a == b == c
    assert RunAggregate.from_bytes(a.to_bytes()) == a
    with pytest.raises(AggregateError, match="counted twice"):
        a.merge(_state(2, 12))
    # float sums: the table holds the exact sum of the parts (to ~1e-15 relative)
    rng_sum = sum(np.random.default_rng(10 + i).normal(0, 1e6, (3, 2)) for i in range(5))
    np.testing.assert_allclose(a.table("t"), rng_sum, rtol=1e-12)


def test_frame_detects_truncation_and_corruption():
    payload = b"x" * 1000
    framed = frame(payload)
    assert unframe(framed) == payload
    assert unframe(framed[:-1]) is None
    assert unframe(framed[:20]) is None
    bad = bytearray(framed)
    bad[-5] ^= 1
    assert unframe(bytes(bad)) is None


def test_two_column_accumulator_equals_per_column_sketches():
    """The hukou split: each column's sketch (weights, masses, per-bin minima and maxima, row counts) equals the
    sketch of the rows with weight in that column, whatever the mix of rows."""
    config = {"sub_bins": 256, "min_exponent": 0, "max_exponent": 32}
    rng = np.random.default_rng(4)
    x = np.round(rng.lognormal(10, 1, 20_000))
    w = rng.integers(1, 4, x.size).astype(float)
    u = rng.random(x.size)
    wu = np.where(u < 0.4, w, np.where(u < 0.5, w / 2, 0.0))
    wr = w - wu
    wu[:20] = wr[:20] = 0.0  # rows of weight 0 enter neither sketch
    acc = BinAccumulator(config, n_weights=2)
    acc.add(bin_index(x, config), x, [wu, wr])
    for column, weights in enumerate((wu, wr)):
        assert acc.sketch(0, column) == DistributionSketch.from_arrays(x, weights, **config)


def test_sparse_table_rows_and_merged_sketches_equal_the_dense_ways():
    """The merged state's sparse tables (read through the rows ever added to) and sketches merged from several
    named sketches in their sparse form equal the plain computations."""
    parts = [_state(i, 30 + i) for i in range(4)]
    for i, s in enumerate(parts):
        rng = np.random.default_rng(40 + i)
        s.set_sketch("y", DistributionSketch.from_arrays(-rng.lognormal(3, 1, 50), rng.uniform(0.5, 2, 50)))
    a = RunAggregate.merge_all(parts)
    codes, vals = a.sparse_table("sp")
    dense = np.zeros((50, 2, 4), np.int64)
    for i in range(4):
        c, limbs = _state(i, 30 + i).sparse["sp"]
        dense[c] += limbs
    expected = np.flatnonzero(np.any(dense != 0, axis=(1, 2)))
    np.testing.assert_array_equal(codes, expected)
    assert vals.shape == (expected.size, 2)
    whole = DistributionSketch.merge_all([a.sketches["x"], a.sketches["y"]])
    assert a.merged_sketch(["x", "y"]) == whole and a.merged_sketch(["x"]) == a.sketches["x"]
    single = _state(9, 99)
    single.set_sketch("y", DistributionSketch.from_arrays([5.0, 7.0, 1e6]))
    assert single.merged_sketch(["x", "y"]) == DistributionSketch.merge_all([single.sketches["x"],
                                                                             single.sketches["y"]])
    assert a.merged_sketch([]) is None


@pytest.mark.parametrize("n_weights", [1, 2])
def test_reset_clears_every_bin_written_even_by_rows_of_weight_zero(n_weights):
    """After a reset the accumulator equals a fresh one: bins written only by rows of weight 0 (their minimum and
    maximum) and bins of either kind of row are cleared, whether few or most bins of the range were written."""
    config = CONFIGS[1]
    rng = np.random.default_rng(5)
    for n_first in (40, 20_000):  # few bins of a wide range (cleared bin by bin), or most of it (cleared whole)
        first = np.concatenate([rng.lognormal(9, 2, n_first), [-5e3, 0.0, 3e9]])
        w0 = rng.uniform(0, 2, first.size)
        w0[::3] = 0.0
        weights = [w0] if n_weights == 1 else [w0, np.where(np.arange(first.size) % 2 == 0, w0, 0.0)]
        acc = BinAccumulator(config, n_weights=n_weights, n_extra=1)
        acc.add(bin_index(first, config), first, weights)
        acc.add_extra(bin_index(first, config), [w0])
        acc.reset()
        second = np.round(rng.lognormal(10, 0.5, 500))
        w = rng.integers(1, 4, second.size).astype(float)
        wts = [w] if n_weights == 1 else [w, w * (np.arange(second.size) % 3 == 0)]
        fresh = BinAccumulator(config, n_weights=n_weights, n_extra=1)
        for a in (acc, fresh):
            a.add(bin_index(second, config), second, wts)
        for c in range(n_weights):
            assert acc.sketch(0, c) == fresh.sketch(0, c)
        assert np.array_equal(acc.lo, fresh.lo) and np.array_equal(acc.hi, fresh.hi)
        assert np.array_equal(acc.w, fresh.w) and np.array_equal(acc.y, fresh.y) and not acc.extra.any()


def test_tracked_and_scanned_bins_give_the_same_states():
    """Small partitions read and clear the bins they wrote; large ones scan the written range: same states."""
    config = CONFIGS[1]
    rng = np.random.default_rng(6)
    x = np.concatenate([rng.lognormal(9, 1.5, 3000), -rng.lognormal(7, 1, 30), np.zeros(20)])
    g = rng.integers(0, 3, x.size)
    w = rng.uniform(0, 3, x.size)
    w[::7] = 0.0
    accs = [BinAccumulator(config, n_groups=3, n_extra=2) for _ in range(2)]
    accs[1]._track_limit = 0  # always scan
    for acc in accs:
        for part in (slice(0, 1500), slice(1500, None)):
            acc.add(bin_index(x[part], config), x[part], [w[part]], groups=g[part])
            r = np.flatnonzero(w[part])
            acc.add_extra(bin_index(x[part], config), [w[part][r], (w[part] * x[part])[r]], rows=r)
    assert accs[0]._added is not None and accs[1]._added is None
    for k in range(3):
        assert accs[0].sketch(k) == accs[1].sketch(k) is not None
    for a, b in zip(accs[0].extra_table(), accs[1].extra_table(), strict=True):
        np.testing.assert_array_equal(a, b)
    for acc in accs:
        acc.reset()
        assert not acc.w.any() and not acc.extra.any() and np.all(acc.lo == np.inf) and np.all(acc.hi == -np.inf)
