"""Tests of gongfu.analysis._common.dot / row_dots: the correctly rounded dot product used by every statistic.

What is guaranteed and tested: the result is bit for bit ``math.fsum`` of the rounded products (both code paths:
``math.fsum`` for short arrays, error-free extraction for long ones), hence independent of the row order, of
the number of BLAS threads (no BLAS is involved) and of the machine. What is *not* claimed: that summing
chunks with ``dot`` and adding the chunk results gives the same bits as one call (it does not in general).
"""

import ast
import math
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongfu.analysis import DistributionSketch
from gongfu.analysis import _common as common
from gongfu.analysis._common import dot, row_dots

ANALYSIS = pathlib.Path(common.__file__).parent


def same_bits(a: float, b: float) -> bool:
    return math.isnan(a) and math.isnan(b) or (a == b and math.copysign(1.0, a) == math.copysign(1.0, b))


def fsum_dot(a, b) -> float:
    return math.fsum(np.multiply(np.asarray(a, float), np.asarray(b, float)).tolist())


def wide_arrays(rng: np.random.Generator, n: int, kind: int) -> tuple[np.ndarray, np.ndarray]:
    """Operands whose products span many binades (cancellation, subnormals, mixed signs)."""
    a = rng.normal(size=n)
    if kind == 0:  # incomes and weights
        return rng.lognormal(10, 1, n), rng.lognormal(0, 0.5, n)
    if kind == 1:  # products over 600 decades
        return a * 10.0 ** rng.integers(-300, 300, n), rng.normal(size=n)
    if kind == 2:  # heavy cancellation: the exact sum is far below the largest product
        half = a[: n // 2]
        return np.concatenate([half, -half, np.ones(n % 2)]), np.ones(n) * 1e20
    if kind == 3:  # subnormal products
        return a * 2.0 ** rng.integers(-1074, -900, n), np.abs(rng.normal(size=n))
    return np.where(rng.random(n) < 0.5, 0.0, a), rng.random(n)  # half zeros


# ------------------------------------------------------------------------------------------ exactness --


def test_hand_computed_cases():
    # 1e16 + 1 - 1e16: a naive left-to-right sum gives 0, the exact sum is 1
    assert dot([1e16, 1.0, -1e16], [1.0, 1.0, 1.0]) == 1.0
    # the same with 1,000 repetitions goes through the extraction path (3,000 elements): exact sum 1000
    x = np.tile([2.0**60, 1.0, -(2.0**60)], 1000)
    assert x.size >= common._FSUM_BELOW and dot(x, np.ones_like(x)) == 1000.0
    assert float(np.sum(x)) != 1000.0  # the pairwise sum numpy would use loses it
    # ties round to even: 1 + 2^-53 is exactly between 1 and 1 + 2^-52 -> 1; a tiny extra term breaks the tie
    pad = np.zeros(2000)
    tie = np.concatenate([[1.0, 2.0**-53], pad])
    assert dot(tie, np.ones_like(tie)) == 1.0
    above = np.concatenate([[1.0, 2.0**-53, 2.0**-200], pad])
    assert dot(above, np.ones_like(above)) == 1.0 + 2.0**-52
    # the products are rounded first: 0.1 * 3 rounds to 0.30000000000000004, plus -0.3 leaves 2^-54 + ...
    assert dot([0.1, -0.3], [3.0, 1.0]) == fsum_dot([0.1, -0.3], [3.0, 1.0]) == 0.1 * 3.0 - 0.3


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 3000), kind=st.integers(0, 4))
def test_dot_is_fsum_of_the_rounded_products(seed, n, kind):
    a, b = wide_arrays(np.random.default_rng(seed), n, kind)
    assert same_bits(dot(a, b), fsum_dot(a, b))


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 2500), kind=st.integers(0, 4))
def test_permuting_the_rows_gives_identical_bits(seed, n, kind):
    rng = np.random.default_rng(seed)
    a, b = wide_arrays(rng, n, kind)
    perm = rng.permutation(n)
    assert same_bits(dot(a[perm], b[perm]), dot(a, b))


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 1500), rows=st.integers(1, 4))
def test_row_dots_equal_dot_of_each_row(seed, n, rows):
    rng = np.random.default_rng(seed)
    # rows of very different magnitudes share one extraction grid (kind 1 already spans 600 decades)
    kinds = [int(k) for k in rng.integers(0, 5, rows)]
    table = np.stack([wide_arrays(rng, n, k)[0] * (1.0 if k == 1 else 10.0 ** rng.integers(-30, 30)) for k in kinds])
    w = rng.lognormal(size=n)
    got = row_dots(table, w)
    assert got.shape == (rows,)
    for i in range(rows):
        assert same_bits(float(got[i]), fsum_dot(table[i], w))


def test_zeros_signed_zeros_and_empty():
    for n in (0, 5, 2000):
        assert same_bits(dot(np.zeros(n), np.ones(n)), math.fsum([0.0] * n))
        neg = np.full(n, -0.0)
        assert same_bits(dot(neg, np.ones(n)), math.fsum(neg.tolist()))
    # a zero row next to a non-zero one in the extraction path
    table = np.stack([np.full(1000, -0.0), np.arange(1000.0)])
    got = row_dots(table, 1.0)
    assert same_bits(float(got[0]), math.fsum([-0.0] * 1000)) and got[1] == 999 * 1000 / 2


@pytest.mark.parametrize("n", [3, 2000])
def test_non_finite_products_behave_as_fsum(n):
    base = np.ones(n)
    x = base.copy()
    x[0] = np.nan
    assert math.isnan(dot(x, base))
    x[0], x[1] = np.inf, -np.inf
    with pytest.raises(ValueError):  # math.fsum: -inf + inf
        dot(x, base)
    x[1] = 1.0
    assert dot(x, base) == np.inf
    huge = np.full(n, 1e308)
    with pytest.raises(OverflowError):  # the exact sum overflows; np.dot would say inf
        dot(huge, base)


def test_shapes_are_checked():
    with pytest.raises(ValueError):
        dot(np.ones(3), np.ones(4))
    with pytest.raises(ValueError):
        dot(np.ones((2, 2)), np.ones((2, 2)))
    with pytest.raises(ValueError):
        row_dots(np.ones(3), np.ones(3))


# ------------------------------------------------------------------------------------------ threads --

_CHILD = """
import numpy as np
from gongfu.analysis._common import dot, row_dots
rng = np.random.default_rng(20250101)
a, b = rng.lognormal(10, 1, 60_000), rng.random(60_000)
print(dot(a, b).hex(), float(row_dots(np.stack([a, b]), a)[1]).hex())
"""


def test_result_does_not_depend_on_the_number_of_blas_threads():
    """Same bits with 1 and 2 BLAS/OpenMP threads (np.dot of 60,000 elements may differ between the two)."""
    outputs = set()
    for threads in ("1", "2"):
        env = dict(os.environ, OPENBLAS_NUM_THREADS=threads, OMP_NUM_THREADS=threads, MKL_NUM_THREADS=threads)
        done = subprocess.run([sys.executable, "-c", _CHILD], env=env, capture_output=True, text=True, check=True)
        outputs.add(done.stdout.strip())
    assert len(outputs) == 1
    rng = np.random.default_rng(20250101)
    a, b = rng.lognormal(10, 1, 60_000), rng.random(60_000)
    assert outputs.pop() == f"{fsum_dot(a, b).hex()} {fsum_dot(b, a).hex()}"


# ------------------------------------------------------------------------------------- call sites --


def test_analysis_takes_no_float_dot_products_through_numpy():
    """No ``np.dot``, ``@``, ``np.inner``, ``np.vdot`` or ``np.matmul`` in gongfu.analysis (use ``dot``)."""
    banned = {"dot", "inner", "vdot", "matmul", "einsum"}
    found = []
    for path in sorted(ANALYSIS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.BinOp | ast.AugAssign) and isinstance(node.op, ast.MatMult):
                found.append(f"{path.name}:{node.lineno} @")
            if (isinstance(node, ast.Attribute) and node.attr in banned and isinstance(node.value, ast.Name)
                    and node.value.id == "np"):
                found.append(f"{path.name}:{node.lineno} np.{node.attr}")
    assert found == []


def _fgt_all_bins(sketch: DistributionSketch, z: float, alpha: float) -> tuple[float, float]:
    """FGT bounds of ``DistributionSketch.fgt`` evaluated over every bin (no cut at the line), with math.fsum."""
    b = sketch._bins()

    def g(x):
        gap = np.maximum(1.0 - x / z, 0.0)
        return (x < z).astype(float) if alpha == 0 else np.where(x < z, gap**alpha, 0.0)

    span = b.hi - b.lo
    a = np.where(span > 0, (b.hi - b.mean) / np.where(span > 0, span, 1.0), 1.0)
    chord, jensen = a * g(b.lo) + (1.0 - a) * g(b.hi), g(b.mean)
    if alpha >= 1:
        lower, upper = jensen, chord
    else:
        below = b.hi <= z
        lower, upper = np.where(below, chord, g(b.hi)), np.where(below, jensen, g(b.lo))
    W = b.weight.sum()
    fp = 4.0 * (b.weight.size + 2) * float(np.finfo(float).eps)
    return max(fsum_dot(b.weight, lower) / W - fp, 0.0), fsum_dot(b.weight, upper) / W + fp


@pytest.mark.parametrize("alpha", [0.0, 0.5, 1.0, 2.0])
def test_fgt_leaving_out_bins_above_the_line_changes_no_bit(alpha):
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.lognormal(10, 1, 20_000), np.zeros(50), -rng.lognormal(7, 1, 60)])
    s = DistributionSketch().update(x, rng.lognormal(0, 0.3, x.size))
    for z in (500.0, 8_000.0, 22_026.0, 1e6):
        got = s.fgt(z, alpha)
        assert (got.lower, got.upper) == _fgt_all_bins(s, z, alpha)
