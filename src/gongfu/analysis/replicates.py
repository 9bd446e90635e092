"""Sampling uncertainty by replicate weights: random half-samples within the design's strata, streamed and
mergeable.

Method (docs/ARCHITECTURE.md, "Run results", `uncertainty`):

* **Chunk.** Replicate r of a household's weight is ``w_r = w x m_r`` with ``m_r`` a pure function of (household
  id, r, seed) (`multipliers`). Default (``METHOD = "paired"``): households 2j and 2j + 1 form a pair, and in
  replicate r one of them gets 2 and the other 0, by a sign hashed (splitmix64) from (j, seed, r). The generator
  lays every design stratum (partition x area x top stratum, fixed sizes: population/synth.py
  `household_shock`, `household_ids`) out on consecutive ids starting at an even id, so pairs never straddle
  strata; the spread of a total over the replicates is then sum over pairs of (w1 y1 - w2 y2)^2, the
  with-replacement variance estimator of a stratified sample (each pair is two independent draws of one
  stratum: E (w1 y1 - w2 y2)^2 = 2 var_h), centred within strata. The multipliers do not depend on how the
  population is partitioned, on the block size, on the workers or on the order of the rows. Each partition sums
  every headline column under the R replicate weights (R extra sums per column) and, for statistics of the
  whole distribution (Gini, median, relative poverty lines, deciles), a coarse histogram of per-capita income per
  replicate (weight and income in each bin of a `DistributionSketch` layout with few sub-bins).
* **Combine.** Replicate sums and histograms add, like every other sum of the state (exact limbs).
* **Finish.** Each figure is computed once per replicate as it is from the full weights (ratios from the
  replicate sums; Gini, the median and the relative lines, decile means from the replicate histogram, all
  replicates at once: `hist_gini`, `hist_quantile`, `hist_share_below`, `hist_group_means`); its standard error is
  the standard deviation of the R replicate values (`standard_error`); the 95% interval is the point estimate
  +/- 1.96 se (`interval`). For the distributional figures the histogram is coarse, but its discretisation is the
  same in every replicate, so it moves every replicate value alike and cancels in their spread.

The former method, ``"poisson"`` (independent Poisson(1) multipliers hashed from the id: the streaming limit of
the bootstrap, Hanley & MacGibbon 2006; Chamandy et al. 2012), is kept as an option: it ignores the strata, so its
variance of a total is sum (w y)^2 around zero instead of around the stratum means (too large where a stratum's
mean matters: near-universal programmes, the top stratum drawn with probability proportional to size, where
every household carries about the same w y). Random groups of pairs are a form of balanced repeated replication
with random instead of Hadamard signs (Wolter, Introduction to Variance Estimation, 2007, ch. 3).

Limits: strata whose membership is random (the migrant and elderly-migrant oversampling of the hukou stage, a
Bernoulli draw per household) are domains inside the partition x area strata, and their variance is estimated
as such (correctly, since their sample size is random too). A stratum of odd size leaves one household without a
partner: it gets 0 or 2 alone (its uncentred square). Calibration of the weights (raking, post-stratification to
persons by province x area) is not replicated. An imported population is paired by its ids in file order
(population/importer.py numbers households by first appearance): adjacent households of a file sorted by its
strata or at random give a valid (possibly conservative) estimate; a file sorted by income would understate the
variance, and should be run with ``method="poisson"``. Persons in one household share its multiplier (households
are the sampling units).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

#: defaults of a run: replicates and the seed of the multipliers
N_REPLICATES = 40
SEED = 20_250_101
#: the default replicate method (`multipliers`): random half-samples within pairs of households 2j, 2j + 1
METHOD = "paired"
#: the coarse histogram layout of the replicate distributions (`DistributionSketch` config): 2^(1/16) per bin
HIST = {"sub_bins": 16, "min_exponent": 0, "max_exponent": 32}
Z95 = 1.959963984540054

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def _poisson_table() -> NDArray[np.uint8]:
    """Poisson(1) draw for each 16-bit uniform u: the smallest k with F(k) > (u + 1/2) / 2^16."""
    cdf = np.cumsum([math.exp(-1.0) / math.factorial(k) for k in range(12)])
    u = (np.arange(1 << 16) + 0.5) / float(1 << 16)
    return np.searchsorted(cdf, u, side="right").astype(np.uint8)


POISSON = _poisson_table()


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


def multipliers(ids: np.ndarray, n_replicates: int = N_REPLICATES, seed: int = SEED,
                method: str = METHOD) -> FloatArray:
    """(households, R) replicate multipliers, a pure function of each household id, r and the seed.

    ``"paired"`` (the default, `METHOD`): households 2j and 2j + 1 form a pair; in replicate r one of the two
    gets 2 and the other 0, by a sign hashed from (j, seed, r): random half-samples within pairs. One 64-bit
    hash of (j, seed, k) gives the signs of replicates 64k .. 64k + 63. A household whose partner is absent
    gets 0 or 2 alone. ``"poisson"``: independent Poisson(1) draws, one 64-bit hash of (id, seed, k) giving
    four 16-bit uniforms (replicates 4k .. 4k + 3)."""
    ids = np.asarray(ids).astype(np.int64).view(np.uint64)
    seed_key = splitmix64(np.uint64(seed & 0xFFFF_FFFF_FFFF_FFFF) + np.zeros(1, np.uint64))
    if method == "poisson":
        n_hash = -(-int(n_replicates) // 4)
        with np.errstate(over="ignore"):
            key = splitmix64(ids ^ seed_key)
            counters = key[:, None] + np.arange(1, n_hash + 1, dtype=np.uint64)[None, :] * _M2
        h = splitmix64(counters)  # (n, n_hash)
        u16 = np.ascontiguousarray(h).view(np.uint16).reshape(ids.size, 4 * n_hash)[:, :n_replicates]
        return POISSON[u16].astype(np.float64)
    if method != "paired":
        raise ValueError(f"replicate method must be 'paired' or 'poisson', not {method!r}")
    n_hash = -(-int(n_replicates) // 64)
    with np.errstate(over="ignore"):
        key = splitmix64((ids >> np.uint64(1)) ^ seed_key)
        counters = key[:, None] + np.arange(1, n_hash + 1, dtype=np.uint64)[None, :] * _M2
    h = splitmix64(counters)  # (n, n_hash): 64 sign bits each
    bits = np.unpackbits(np.ascontiguousarray(h).astype("<u8").view(np.uint8), axis=1,
                         bitorder="little")[:, :n_replicates]
    bits ^= (ids & np.uint64(1)).astype(np.uint8)[:, None]  # the partner takes the other half
    return bits.astype(np.float64) * 2.0


def multiplier_counts(ids: np.ndarray, n_replicates: int = N_REPLICATES, seed: int = SEED,
                      method: str = METHOD) -> NDArray[np.uint8]:
    """The same multipliers as `multipliers`, transposed and as counts: (R, households) uint8, replicate-major
    (each replicate's row contiguous: what the reducer's products and per-replicate histograms read)."""
    return np.ascontiguousarray(multipliers(ids, n_replicates, seed, method).T.astype(np.uint8))


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


__all__ = ["HIST", "METHOD", "N_REPLICATES", "SEED", "Z95", "entry", "hist_gini", "hist_group_means", "hist_quantile",
           "hist_share_below", "interval", "multiplier_counts", "multipliers", "standard_error"]
