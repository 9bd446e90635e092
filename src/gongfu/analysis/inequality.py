"""Weighted inequality statistics: Gini, Lorenz curve, Theil indices and decomposition, quantiles, shares.

All functions take ``values`` (1-D incomes) and ``weights`` (person weights; ``None`` = unit weights) and treat
the data as a finite population: unit i stands for ``w_i`` identical people, so a row of weight 2 is exactly the
same as two rows of weight 1 (no n/(n-1) small-sample corrections). Rows of weight 0 are ignored. Non-finite
inputs or negative weights raise ``ValueError``.

Zero and negative incomes (losses from self-employment or farming do occur in per-capita disposable income):

* ``gini``, ``lorenz_curve``, shares, quantile-group means and quantiles accept them unchanged; they need a
  positive total income. With negative incomes the Lorenz curve dips below zero and the Gini can exceed 1
  (Chen, Tsaur & Rhai 1982, "The Gini coefficient and negative income", Oxford Economic Papers 34).
* ``theil_t`` is defined for x >= 0 (its term x ln x -> 0 as x -> 0); ``theil_l`` needs x > 0. Rows outside
  that domain raise ``ValueError`` unless ``invalid="exclude"``, which drops them (and recomputes the mean over
  the rows kept), as Stata's ``ineqdeco`` does. The number of people dropped is the caller's to report.

References: P. J. Lambert (2001), *The Distribution and Redistribution of Income*, 3rd ed., Manchester UP;
F. A. Cowell (2011), *Measuring Inequality*, 3rd ed., Oxford UP; H. Theil (1967), *Economics and Information
Theory*; A. F. Shorrocks (1980), "The class of additively decomposable inequality measures", Econometrica 48;
R. J. Hyndman & Y. Fan (1996), "Sample quantiles in statistical packages", The American Statistician 50;
J. G. Palma (2011), "Homogeneous middles vs. heterogeneous tails", Development and Change 42.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from ._common import (
    FloatArray,
    IntArray,
    concentration,
    dot,
    fractional_rank,
    group_index,
    prepare,
    tie_groups,
)

QuantileMethod = Literal["averaged_inverted_cdf", "inverted_cdf", "linear"]
InvalidPolicy = Literal["raise", "exclude"]

#: relative tolerance within which a cumulative weight is treated as exactly equal to q * W (quantiles)
_HIT_RTOL = 1e-12


class LorenzCurve(NamedTuple):
    """Vertices of a Lorenz curve: cumulative population share and cumulative income share, from (0, 0)."""

    population_share: FloatArray
    income_share: FloatArray


@dataclass(frozen=True)
class TheilDecomposition:
    """Additive decomposition of a Theil index by population subgroup (arrays ordered like ``groups``).

    ``total == between + within`` up to floating-point rounding, ``within == within_contribution.sum()`` and
    ``between == between_contribution.sum()``.
    """

    index: str
    total: float
    between: float
    within: float
    groups: np.ndarray
    population_share: FloatArray
    income_share: FloatArray
    mean: FloatArray
    group_index: FloatArray
    within_contribution: FloatArray
    between_contribution: FloatArray


# ----------------------------------------------------------------------------------------------------- Gini --


def gini(values: ArrayLike, weights: ArrayLike | None = None) -> float:
    """Weighted Gini coefficient of a finite population.

    G = sum_i sum_j w_i w_j |x_i - x_j| / (2 W^2 mu), computed in O(n log n) by the covariance formula
    G = 2 cov_w(x, R) / mu = (2 sum_i w_i x_i R_i / sum_i w_i x_i) - 1, where R_i is the weighted mid-rank
    (Lerman & Yitzhaki 1984; Lambert 2001, ch. 2). The two formulas agree exactly (not asymptotically) for
    any weights and ties. Requires a positive mean; negative incomes are allowed (G may exceed 1).
    """
    x, w, _ = prepare(values, weights)
    if dot(w, x) <= 0:
        raise ValueError("the Gini coefficient needs a positive mean income")
    return concentration(x, x, w)


def lorenz_curve(values: ArrayLike, weights: ArrayLike | None = None) -> LorenzCurve:
    """Vertices of the Lorenz curve L(p), one per row plus the origin (Lambert 2001, ch. 2).

    Rows are sorted by income; p_k = (sum of the first k weights) / W and L_k = (income of the first k rows) /
    total income. Between vertices the Lorenz curve of a finite population is exactly linear, so
    ``np.interp(p, *lorenz_curve(x, w))`` gives L at any p (that is what ``lorenz_ordinates`` does).
    """
    x, w, _ = prepare(values, weights)
    return _lorenz_vertices(x, w)


def _lorenz_vertices(x: FloatArray, w: FloatArray) -> LorenzCurve:
    cum_w, cum_y = _cumulative(x, w)
    if cum_y[-1] <= 0:
        raise ValueError("the Lorenz curve needs a positive total income")
    return LorenzCurve(cum_w / cum_w[-1], cum_y / cum_y[-1])


def _cumulative(x: FloatArray, w: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Cumulative weight and cumulative income (the generalised Lorenz curve) at each vertex, from 0."""
    order = np.argsort(x, kind="stable")
    ws = w[order]
    cum_w = np.concatenate(([0.0], np.cumsum(ws)))
    cum_y = np.concatenate(([0.0], np.cumsum(ws * x[order])))
    return cum_w, cum_y


def lorenz_ordinates(values: ArrayLike, weights: ArrayLike | None, p: ArrayLike) -> FloatArray:
    """L(p): share of total income held by the poorest fraction p of the population (exact interpolation)."""
    pa = _check_fractions(p)
    curve = lorenz_curve(values, weights)
    return np.interp(pa, curve.population_share, curve.income_share)


def share_of_top(values: ArrayLike, weights: ArrayLike | None = None, p: float = 0.1) -> float:
    """Income share of the richest fraction p of the population: 1 - L(1 - p) (top 10%: p=0.1; top 1%: 0.01).

    A person whose weight straddles the cut-off is split (the Lorenz curve is linear across a row), so the
    result is exact for the population the weights describe.
    """
    return float(1.0 - lorenz_ordinates(values, weights, 1.0 - _check_fraction(p)))


def share_of_bottom(values: ArrayLike, weights: ArrayLike | None = None, p: float = 0.4) -> float:
    """Income share of the poorest fraction p of the population: L(p)."""
    return float(lorenz_ordinates(values, weights, _check_fraction(p)))


def palma(values: ArrayLike, weights: ArrayLike | None = None) -> float:
    """Palma ratio: income share of the top 10% / income share of the bottom 40% (Palma 2011; Cobham &
    Sumner 2013). Raises ``ValueError`` if the bottom 40% hold a non-positive share."""
    curve = lorenz_curve(values, weights)
    l40, l90 = np.interp([0.4, 0.9], curve.population_share, curve.income_share)
    if l40 <= 0:
        raise ValueError("the bottom 40% hold a non-positive income share; the Palma ratio is undefined")
    return float((1.0 - l90) / l40)


# ------------------------------------------------------------------------------------------------ Theil --


def theil_t(values: ArrayLike, weights: ArrayLike | None = None, *, invalid: InvalidPolicy = "raise") -> float:
    """Theil T index (GE(1)): T = sum_i p_i (x_i / mu) ln(x_i / mu), p_i = w_i / W (Theil 1967; Cowell 2011).

    Zero incomes contribute 0 (the limit of x ln x). Negative incomes raise ``ValueError``, or are dropped
    with ``invalid="exclude"``. T ranges from 0 (equality) to ln N (one person of N has everything).
    """
    x, w = _theil_domain(values, weights, positive=False, invalid=invalid)
    return _theil_t(x, w)


def theil_l(values: ArrayLike, weights: ArrayLike | None = None, *, invalid: InvalidPolicy = "raise") -> float:
    """Theil L index, mean log deviation (GE(0)): L = sum_i p_i ln(mu / x_i) (Theil 1967; Cowell 2011).

    Needs strictly positive incomes: zero or negative rows raise ``ValueError``, or are dropped with
    ``invalid="exclude"``.
    """
    x, w = _theil_domain(values, weights, positive=True, invalid=invalid)
    return _theil_l(x, w)


def _theil_domain(
    values: ArrayLike, weights: ArrayLike | None, *others: ArrayLike, positive: bool, invalid: InvalidPolicy
) -> tuple:
    x, w, rest = prepare(values, weights, *others)
    bad = (x <= 0) if positive else (x < 0)
    if np.any(bad):
        if invalid != "exclude":
            domain = "strictly positive" if positive else "non-negative"
            raise ValueError(f"{int(bad.sum())} rows are not {domain}; pass invalid='exclude' to drop them")
        keep = ~bad
        if not np.any(keep):
            raise ValueError("no rows left after excluding invalid incomes")
        x, w, rest = x[keep], w[keep], [o[keep] for o in rest]
    if dot(w, x) <= 0:
        raise ValueError("the Theil index needs a positive mean income")
    return (x, w, *rest)


def _xlogx(r: FloatArray) -> FloatArray:
    return np.where(r > 0, r * np.log(np.where(r > 0, r, 1.0)), 0.0)


def _theil_t(x: FloatArray, w: FloatArray) -> float:
    mu = dot(w, x) / w.sum()
    return float(dot(w, _xlogx(x / mu)) / w.sum())


def _theil_l(x: FloatArray, w: FloatArray) -> float:
    mu = dot(w, x) / w.sum()
    return float(dot(w, np.log(mu / x)) / w.sum())


def theil_decomposition(
    values: ArrayLike,
    weights: ArrayLike | None,
    groups: ArrayLike,
    *,
    index: Literal["T", "L"] = "T",
    invalid: InvalidPolicy = "raise",
) -> TheilDecomposition:
    """Exact additive decomposition of the Theil T (or L) index into within- and between-group parts.

    With group g's population share p_g = W_g / W, income share s_g = W_g mu_g / (W mu), mean mu_g and
    own index T_g (Shorrocks 1980; Cowell 2011, ch. 4):

        T = sum_g s_g T_g  +  sum_g s_g ln(mu_g / mu)          (within + between)
        L = sum_g p_g L_g  +  sum_g p_g ln(mu / mu_g)

    Both identities hold exactly; ``total`` is computed directly from the rows, so ``between + within``
    reproduces it up to floating-point rounding (~1e-15). Per-group terms are in ``within_contribution`` and
    ``between_contribution``. For T a group whose incomes are all zero has s_g = 0 and contributes 0 to both
    parts (limit of s ln s); its own index is reported as 0. Domain rules as in ``theil_t``/``theil_l``.
    """
    if index not in ("T", "L"):
        raise ValueError("index must be 'T' or 'L'")
    x, w, g = _theil_domain(values, weights, groups, positive=index == "L", invalid=invalid)
    labels, inv = group_index(g)
    k = labels.shape[0]
    W, Y = w.sum(), dot(w, x)
    mu = Y / W
    wg = np.bincount(inv, weights=w, minlength=k)
    yg = np.bincount(inv, weights=w * x, minlength=k)
    mug = yg / wg
    pop, inc = wg / W, yg / Y
    safe_mug = np.where(mug > 0, mug, 1.0)
    if index == "T":
        per_row = w * _xlogx(x / safe_mug[inv])
        own = np.where(mug > 0, np.bincount(inv, weights=per_row, minlength=k) / wg, 0.0)
        within_c = inc * own
        between_c = np.where(inc > 0, inc * np.log(safe_mug / mu), 0.0)
        total = _theil_t(x, w)
    else:
        own = np.bincount(inv, weights=w * np.log(mug[inv] / x), minlength=k) / wg
        within_c = pop * own
        between_c = pop * np.log(mu / mug)
        total = _theil_l(x, w)
    return TheilDecomposition(
        index=index, total=total, between=float(between_c.sum()), within=float(within_c.sum()),
        groups=labels, population_share=pop, income_share=inc, mean=mug, group_index=own,
        within_contribution=within_c, between_contribution=between_c,
    )


# -------------------------------------------------------------------------------------------- quantiles --


def quantiles(
    values: ArrayLike,
    weights: ArrayLike | None = None,
    q: ArrayLike = 0.5,
    *,
    method: QuantileMethod = "averaged_inverted_cdf",
) -> FloatArray | float:
    """Weighted quantiles of the population distribution F(x) = (weight of rows with value <= x) / W.

    ``method`` (Hyndman & Fan 1996 definitions generalised to weights; identical to ``numpy.quantile`` with the
    same method name when all weights are 1):

    * ``"averaged_inverted_cdf"`` (default; H&F type 2): Q(q) = min{x : F(x) >= q}, except where F jumps over q
      exactly (F(x) == q) the average of that x and the next larger value -- the usual median of an even
      sample, and the weighted median of Eurostat's EU-SILC poverty line.
    * ``"inverted_cdf"`` (H&F type 1): Q(q) = min{x : F(x) >= q}, always an observed value.
    * ``"linear"``: piecewise-linear interpolation between distinct values placed at the mid-points of their
      cumulative weight, ((W_{<v} + W_v / 2) / W, v) (H&F type 5, Hazen), flat beyond the extreme mid-points.
      Tied rows are merged first, so it equals numpy's ``"hazen"`` on unit-weight data without ties.

    All three give identical results for a row of weight k and k copies of it. Cumulative weights within
    1e-12 W of q W count as exact hits (so 0.1 + 0.1 + ... rounding does not move a median).
    Returns a float for scalar ``q`` and an array otherwise.
    """
    x, w, _ = prepare(values, weights)
    qa = _check_fractions(q)
    order = np.argsort(x, kind="stable")
    xs = x[order]
    cum = np.cumsum(w[order])
    W = cum[-1]
    if method == "linear":
        starts, lengths = tie_groups(xs)
        ends = starts + lengths - 1
        block = np.diff(np.concatenate(([0.0], cum[ends])))
        mid = (cum[ends] - block / 2.0) / W
        out = np.interp(qa, mid, xs[starts])
    elif method in ("inverted_cdf", "averaged_inverted_cdf"):
        target = qa * W
        tol = _HIT_RTOL * W
        i = np.minimum(np.searchsorted(cum, target - tol, side="left"), xs.shape[0] - 1)
        out = xs[i]
        if method == "averaged_inverted_cdf":
            hit = (np.abs(cum[i] - target) <= tol) & (i < xs.shape[0] - 1)
            out = np.where(hit, (out + xs[np.minimum(i + 1, xs.shape[0] - 1)]) / 2.0, out)
    else:
        raise ValueError(f"unknown quantile method {method!r}")
    return float(out) if np.ndim(q) == 0 else out


def median(values: ArrayLike, weights: ArrayLike | None = None) -> float:
    """Weighted median, ``quantiles(values, weights, 0.5)`` (averaged inverted CDF)."""
    return float(quantiles(values, weights, 0.5))


def p90_p10(values: ArrayLike, weights: ArrayLike | None = None) -> float:
    """Decile ratio P90/P10 of weighted quantiles (averaged inverted CDF). Needs P10 > 0."""
    p10, p90 = quantiles(values, weights, [0.1, 0.9])
    if p10 <= 0:
        raise ValueError("P10 is not positive; the P90/P10 ratio is undefined")
    return float(p90 / p10)


def quantile_groups(values: ArrayLike, weights: ArrayLike | None = None, n: int = 10) -> IntArray:
    """Quantile-group code 0..n-1 of each row (0 = poorest), for tables by decile/quintile.

    A row goes to group floor(n R_i), R_i its weighted mid-rank with ties averaged, so tied rows share a group
    and groups hold n-ths of the population up to the weight of the rows at the boundaries. Rows of weight 0
    are ranked as weightless (they get the group of their income position). For exact n-th shares use
    ``quantile_group_means``, which splits boundary rows.
    """
    x = np.asarray(values, dtype=np.float64)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=np.float64)
    prepare(x, w)  # validation only
    r = fractional_rank(x, w)
    return np.minimum(np.floor(r * n), n - 1).astype(np.int64)


def quantile_group_means(values: ArrayLike, weights: ArrayLike | None = None, n: int = 5) -> FloatArray:
    """Mean income of each of n equal-population groups ranked by income (poorest first).

    Group k holds the population between ranks (k-1)/n and k/n exactly: a row straddling a boundary is split
    in proportion to its weight, so mean_k = n (GL(k/n) - GL((k-1)/n)) / W with GL the generalised Lorenz
    curve (cumulative income at cumulative weight), which is linear across each row (Lambert 2001, ch. 3).
    """
    if n < 1:
        raise ValueError("n must be a positive integer")
    x, w, _ = prepare(values, weights)
    cum_w, cum_y = _cumulative(x, w)
    W = cum_w[-1]
    gl = np.interp(np.arange(n + 1) * (W / n), cum_w, cum_y)
    return np.diff(gl) * (n / W)


def quintile_means(values: ArrayLike, weights: ArrayLike | None = None) -> FloatArray:
    """Mean income of the five population quintiles (NBS 五等份收入分组), poorest first."""
    return quantile_group_means(values, weights, 5)


def decile_means(values: ArrayLike, weights: ArrayLike | None = None) -> FloatArray:
    """Mean income of the ten population deciles, poorest first."""
    return quantile_group_means(values, weights, 10)


def high_low_ratio(values: ArrayLike, weights: ArrayLike | None = None) -> float:
    """NBS 高低收入组倍差: mean income of the top quintile / mean income of the bottom quintile.

    NBS ranks all surveyed households by per-capita disposable income and splits them into five equal
    groups (全国居民五等份收入分组); pass per-capita income with person weights for the person-based version.
    E.g. 2023: 95,055 / 9,215 = 10.3 (NBS statistical communique). Needs a positive bottom-quintile mean.
    """
    q = quintile_means(values, weights)
    if q[0] <= 0:
        raise ValueError("bottom-quintile mean is not positive; the high/low ratio is undefined")
    return float(q[-1] / q[0])


# ------------------------------------------------------------------------------------------------ utils --


def _check_fractions(p: ArrayLike) -> FloatArray:
    pa = np.asarray(p, dtype=np.float64)
    if not np.all((pa >= 0) & (pa <= 1)):
        raise ValueError("fractions must lie in [0, 1]")
    return pa


def _check_fraction(p: float) -> float:
    p = float(p)
    if not 0.0 <= p <= 1.0:
        raise ValueError("fraction must lie in [0, 1]")
    return p
