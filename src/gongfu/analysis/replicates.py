"""Sampling uncertainty by replicate weights: balanced half-samples of pairs of households within the design's
strata, streamed and mergeable.

Method (docs/ARCHITECTURE.md, "Run results", `uncertainty`):

* **Design.** Households 2j and 2j + 1 form a pair; the generator lays every design stratum (partition x area x
  top stratum, fixed sizes: population/synth.py `household_shock`, `household_ids`) out on consecutive ids
  starting at an even id, so pairs never straddle strata. Each pair falls in one of G random groups, g(j) hashed
  (splitmix64) from (j, seed) (`group_keys`). Replicate r doubles one household of every pair and drops the other:
  the even one where the group's sign S[g, r] is +1, the odd one where it is -1 (`multipliers`): ``w_r = w x m_r``
  with ``m_r = 1 + sigma_h S[g, r]``, sigma_h = +1 for an even id and -1 for an odd one. A household whose partner
  is absent gets 0 or 2 alone. The multipliers are a pure function of (household id, r, seed): they do not depend
  on how the population is partitioned, on the block size, on the workers or on the order of the rows.
* **Balanced repeated replication** (McCarthy 1966; Wolter, Introduction to Variance Estimation, 2007, ch. 3:
  BRR with grouped strata). The signs are the rows of a Hadamard matrix of order R without its row of ones
  (`signs`; G = R - 1 groups): every group is doubled in half of the replicates, and any two groups' signs are
  orthogonal, so the spread of a total over the replicates is exactly sum over groups of D_g^2, with D_g the sum
  of the pairs' differences w1 y1 - w2 y2 in the group. Each pair is two independent draws of one stratum
  (E (w1 y1 - w2 y2)^2 = 2 var_h), so this is the with-replacement variance estimator of a stratified sample,
  centred within strata, with G degrees of freedom (as R random half-samples of the pairs have about R). Where
  no Hadamard matrix of order R is built here (`hadamard`: Sylvester, Paley I and II and their products: every
  multiple of 4 up to 200 but 52, 92, 100, 116, 156, 172, 184 and 188), the signs are random (hashed from (g, r, seed)),
  G = R: still unbiased, with about R / 2 degrees of freedom.
* **Chunk.** Because a replicate's multiplier depends on the household only through its key 2 g + parity, the
  replicate sums of a column are ``T + sum_g S[g, r] (E_g - O_g)``, with E_g and O_g the column's sums over the
  even and the odd households of group g: one `np.bincount` over 2G keys per column (per bin of a histogram)
  and a small product at the end of a partition (`expand`), instead of R sums over every household. Each
  partition sums every headline column this way and, for statistics of the whole distribution (Gini, median,
  relative poverty lines, deciles), a coarse histogram of per-capita income (weight and income in each bin of a
  `DistributionSketch` layout with few sub-bins) per key.
* **Combine.** Replicate sums and histograms add, like every other sum of the state (exact limbs).
* **Finish.** Each figure is computed once per replicate as it is from the full weights (ratios from the
  replicate sums; Gini, the median and the relative lines, decile means from the replicate histogram, all
  replicates at once: `hist_gini`, `hist_quantile`, `hist_share_below`, `hist_group_means`); its standard error is
  the standard deviation of the R replicate values (`standard_error`); the 95% interval is the point estimate
  +/- 1.96 se (`interval`). For the distributional figures the histogram is coarse, but its discretisation is the
  same in every replicate, so it moves every replicate value alike and cancels in their spread.

Limits: strata whose membership is random (the migrant and elderly-migrant oversampling of the hukou stage, a
Bernoulli draw per household) are domains inside the partition x area strata, and their variance is estimated
as such (correctly, since their sample size is random too). A stratum of odd size leaves one household without a
partner: it gets 0 or 2 alone (its uncentred square). Calibration of the weights (raking, post-stratification to
persons by province x area) is not replicated. An imported population is paired by its ids in file order
(population/importer.py numbers households by first appearance): adjacent households of a file sorted by its
strata or at random give a valid (possibly conservative) estimate; a file sorted by income would understate the
variance. Persons in one household share its multiplier (households are the sampling units). With R = 40 an SE is
itself uncertain by about 11% (1/sqrt(2G)).
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

#: defaults of a run: replicates and the seed of the groups
N_REPLICATES = 40
SEED = 20_250_101
#: the replicate method (`multipliers`): balanced half-samples of pairs of households 2j, 2j + 1 in G groups
METHOD = "brr-grouped-pairs"
#: the coarse histogram layout of the replicate distributions (`DistributionSketch` config): 2^(1/16) per bin
HIST = {"sub_bins": 16, "min_exponent": 0, "max_exponent": 32}
Z95 = 1.959963984540054

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def splitmix64(x: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """The splitmix64 finaliser (Steele et al. 2014): a bijective 64-bit mix, applied element-wise."""
    with np.errstate(over="ignore"):
        z = x * _GOLDEN
        z ^= z >> np.uint64(30)
        z *= _M1
        z ^= z >> np.uint64(27)
        z *= _M2
        z ^= z >> np.uint64(31)
    return z


def _is_prime(n: int) -> bool:
    return n >= 2 and all(n % k for k in range(2, math.isqrt(n) + 1))


def _jacobsthal(q: int) -> NDArray[np.int64]:
    """Q[i, j] = Legendre symbol of (j - i) mod q (q an odd prime)."""
    squares = np.zeros(q, dtype=np.int64) - 1
    squares[(np.arange(1, q) ** 2) % q] = 1
    squares[0] = 0
    return squares[(np.arange(q)[None, :] - np.arange(q)[:, None]) % q]


@functools.lru_cache(maxsize=64)
def hadamard(n: int) -> NDArray[np.int64] | None:
    """A Hadamard matrix of order n (entries +-1, H H^T = n I) with a first row and column of ones, or None where
    none is built here: Sylvester's doubling, Paley's constructions I (n = q + 1, q a prime = 3 mod 4) and II
    (n = 2 (q + 1), q a prime = 1 mod 4), and Kronecker products of these."""
    if n == 1:
        return np.ones((1, 1), dtype=np.int64)
    if n == 2:
        return np.array([[1, 1], [1, -1]], dtype=np.int64)
    if n % 4:
        return None
    q = n - 1
    if _is_prime(q) and q % 4 == 3:  # Paley I
        Q = _jacobsthal(q)
        H = np.ones((n, n), dtype=np.int64)
        H[1:, 0] = -1
        H[1:, 1:] = Q + np.eye(q, dtype=np.int64)
        return _normalised(H)
    q = n // 2 - 1
    if _is_prime(q) and q % 4 == 1:  # Paley II
        Q = _jacobsthal(q)
        C = np.zeros((q + 1, q + 1), dtype=np.int64)
        C[0, 1:] = 1
        C[1:, 0] = 1
        C[1:, 1:] = Q
        A, B = np.array([[1, -1], [-1, -1]]), np.array([[1, 1], [1, -1]])
        H = np.kron(C, B) + np.kron(np.eye(q + 1, dtype=np.int64), A)
        return _normalised(H)
    for a in range(2, math.isqrt(n) + 1):
        if n % a == 0:
            Ha, Hb = hadamard(a), hadamard(n // a)
            if Ha is not None and Hb is not None:
                return np.kron(Ha, Hb)
    return None


def _normalised(H: NDArray[np.int64]) -> NDArray[np.int64]:
    """H with its rows and columns negated so that the first row and column are ones."""
    H = H * H[:, :1]
    return H * H[:1, :]


@functools.lru_cache(maxsize=16)
def signs(n_replicates: int = N_REPLICATES, seed: int = SEED) -> FloatArray:
    """(G, R) the groups' signs in each replicate: the rows of a Hadamard matrix of order R without its row of
    ones (G = R - 1: balanced), or random signs hashed from (g, r, seed) with G = R where `hadamard` has none."""
    R = int(n_replicates)
    H = hadamard(R)
    if H is not None:
        out = H[1:].astype(np.float64)
    else:
        cells = np.arange(R * R, dtype=np.uint64) + splitmix64(np.array([seed & 0xFFFF_FFFF], np.uint64) + _M1)
        out = np.where(splitmix64(cells) >> np.uint64(63), 1.0, -1.0).reshape(R, R)
    out.setflags(write=False)
    return out


def n_groups(n_replicates: int = N_REPLICATES) -> int:
    """G, the number of groups of pairs (`signs`)."""
    return int(signs(n_replicates).shape[0])


def group_keys(ids: np.ndarray, n_replicates: int = N_REPLICATES, seed: int = SEED) -> NDArray[np.int64]:
    """Each household's key 2 g + parity in [0, 2G): g the group of its pair (ids 2j and 2j + 1), hashed from
    (j, seed); parity 0 for an even id, 1 for an odd one."""
    ids = np.asarray(ids).astype(np.int64).view(np.uint64)
    seed_key = splitmix64(np.uint64(seed & 0xFFFF_FFFF_FFFF_FFFF) + np.zeros(1, np.uint64))
    g = splitmix64((ids >> np.uint64(1)) ^ seed_key) % np.uint64(n_groups(n_replicates))
    return (g.astype(np.int64) << 1) | (ids & np.uint64(1)).astype(np.int64)


def multipliers(ids: np.ndarray, n_replicates: int = N_REPLICATES, seed: int = SEED) -> FloatArray:
    """(households, R) replicate multipliers m_r = 1 + sigma S[g, r] in {0, 2}, a pure function of each household
    id, r and the seed (what `expand` computes by groups)."""
    key = group_keys(ids, n_replicates, seed)
    sigma = 1.0 - 2.0 * (key & 1)
    return 1.0 + sigma[:, None] * signs(n_replicates, seed)[key >> 1]


def expand(by_key: FloatArray, n_replicates: int = N_REPLICATES, seed: int = SEED) -> FloatArray:
    """Replicate sums from sums by key (last axis 2G, `group_keys`): (..., 2G) -> (..., R), each
    ``T + sum_g S[g, r] (E_g - O_g)`` with T the sum over all keys. Each output row depends on its own input row
    only (no BLAS: the same rounding whatever else is expanded with it; a matrix product's is not)."""
    S = signs(n_replicates, seed)
    D = by_key[..., 0::2] - by_key[..., 1::2]  # even minus odd households of each group
    out = np.repeat(by_key.sum(axis=-1)[..., None], S.shape[1], axis=-1)
    term = np.empty_like(out)
    for g in range(S.shape[0]):
        np.multiply(D[..., g:g + 1], S[g], out=term)
        out += term
    return out


def standard_error(values: np.ndarray) -> float | None:
    """Standard deviation of the replicate values of a figure (None when a replicate is undefined), to 10
    significant digits: an SE from 40 replicates is itself uncertain by about 11%, and its last float digits
    depend on the order in which a partition's float partial sums were formed (a reform's sparse rows or a
    separate run's dense ones), which must not show in the output."""
    v = np.asarray(values, dtype=np.float64)
    if v.size < 2 or not np.all(np.isfinite(v)):
        return None
    return float(f"{float(np.std(v, ddof=1)):.10g}")


def interval(point: float | None, se: float | None) -> list[float] | None:
    """Normal 95% interval around the point estimate."""
    if point is None or se is None or not math.isfinite(point):
        return None
    return [point - Z95 * se, point + Z95 * se]


def entry(point: Any, values: np.ndarray) -> dict[str, Any] | None:
    """The ``{"se", "ci95"}`` entry of a figure from its point estimate and its replicate values."""
    if point is None:
        return None
    se = standard_error(values)
    if se is None:
        return None
    return {"se": se, "ci95": interval(float(point), se)}


# Statistics of the replicate histograms, all replicates at once: `weight`, `mass` are (bins, R), bins in value
# order; `lo`, `hi` the bins' value limits (infinite end bins are clipped to +-2^64: they are empty in practice).


def _limits(lo: FloatArray, hi: FloatArray) -> tuple[FloatArray, FloatArray]:
    big = 2.0 ** 64
    return np.clip(lo, -big, big)[:, None], np.clip(hi, -big, big)[:, None]


def hist_gini(weight: FloatArray, mass: FloatArray) -> FloatArray:
    """Gini of each replicate from its bins (persons of a bin at the bin's mean: between-bin inequality only; the
    within-bin part is small in 2^(1/16) bins and alike in every replicate)."""
    W, S = weight.sum(axis=0), mass.sum(axis=0)
    mid = (np.cumsum(weight, axis=0) - weight / 2.0) / W
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(S > 0, 2.0 * (mass * mid).sum(axis=0) / S - 1.0, np.nan)


def hist_quantile(weight: FloatArray, lo: FloatArray, hi: FloatArray, q: float) -> FloatArray:
    """The q-quantile of each replicate, linear inside its bin."""
    lo2, hi2 = _limits(lo, hi)
    C = np.cumsum(weight, axis=0)
    t = q * C[-1]
    k = np.argmax(C >= t, axis=0)
    r = np.arange(weight.shape[1])
    w_k = weight[k, r]
    frac = np.where(w_k > 0, (t - (C[k, r] - w_k)) / np.where(w_k > 0, w_k, 1.0), 0.0)
    return lo2[k, 0] + frac * (hi2[k, 0] - lo2[k, 0])


def hist_share_below(weight: FloatArray, lo: FloatArray, hi: FloatArray, z: FloatArray) -> FloatArray:
    """Share of the weight of each replicate below its line z[r] (uniform inside the bin holding the line)."""
    lo2, hi2 = _limits(lo, hi)
    span = hi2 - lo2
    frac = np.where(span > 0, np.clip((z[None, :] - lo2) / np.where(span > 0, span, 1.0), 0.0, 1.0),
                    (lo2 < z[None, :]).astype(np.float64))
    return (weight * frac).sum(axis=0) / weight.sum(axis=0)


def hist_group_means(weight: FloatArray, values: FloatArray, n: int = 10) -> FloatArray:
    """(n, R): mean of `values` (per-bin sums) over each n-tile of the weight of each replicate, the bins
    straddling a boundary split in proportion to weight (as `reductions.decile_changes`)."""
    cum = np.cumsum(weight, axis=0)
    prev = cum - weight
    W = cum[-1]
    out = np.empty((n, weight.shape[1]))
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(weight > 0, values / np.where(weight > 0, weight, 1.0), 0.0)
        for k in range(n):
            a, b = W * k / n, W * (k + 1) / n
            take = np.clip(np.minimum(cum, b) - np.maximum(prev, a), 0.0, None)
            out[k] = (take * share).sum(axis=0) / (b - a)
    return out


__all__ = ["HIST", "METHOD", "N_REPLICATES", "SEED", "Z95", "entry", "expand", "group_keys", "hadamard", "hist_gini",
           "hist_group_means", "hist_quantile", "hist_share_below", "interval", "multipliers", "n_groups", "signs",
           "standard_error"]
