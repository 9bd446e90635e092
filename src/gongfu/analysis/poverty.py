"""Foster-Greer-Thorbecke poverty measures at absolute and relative lines, overall and by group.

FGT(alpha) = (1 / W) sum_i w_i * ((z_i - x_i) / z_i)^alpha * 1[x_i < z_i]
(J. Foster, J. Greer & E. Thorbecke 1984, "A class of decomposable poverty measures", Econometrica 52(3)).
alpha = 0: headcount ratio; alpha = 1: poverty gap index; alpha = 2: squared gap (severity).

Conventions: a person is poor when income is *strictly below* the line (Chinese dibao and poverty rules speak
of income 低于 the standard; it is also the World Bank convention). The line ``z`` is positive and may be a
scalar or one value per row (e.g. each person's local dibao standard). Incomes may be zero or negative: the
normalised gap is then >= 1, as in the original FGT definition; cap incomes at 0 beforehand if you want gaps
bounded by 1. Weights are person weights; rows of weight 0 are ignored.

A relative line is a fraction of the weighted median of the whole population (e.g. 50% or 60% of median
per-capita income, the OECD / Eurostat conventions), see ``relative_poverty_line``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from ._common import FloatArray, dot, group_index, prepare
from .inequality import median


@dataclass(frozen=True)
class PovertyMeasures:
    """Headcount ratio, poverty gap and severity at one line, plus the poor population and total shortfall."""

    headcount: float
    gap: float
    severity: float
    poor_population: float  # sum of weights of the poor (persons if weights are person weights)
    shortfall: float  # sum_i w_i (z_i - x_i) over the poor: yuan needed to lift everyone to the line


@dataclass(frozen=True)
class GroupPoverty:
    """FGT(alpha) by group. ``population_share @ fgt`` equals the overall FGT (additive decomposability)."""

    alpha: float
    groups: np.ndarray
    population_share: FloatArray
    fgt: FloatArray
    contribution: FloatArray  # group share of total poverty, population_share * fgt / overall (sums to 1)
    total: float


def _normalised_gap(values: ArrayLike, weights: ArrayLike | None, line: ArrayLike, *others: ArrayLike):
    z_all = np.broadcast_to(np.asarray(line, dtype=np.float64), np.shape(values))
    x, w, rest = prepare(values, weights, z_all, *others)
    z = rest[0].astype(np.float64)
    if not np.all(np.isfinite(z) & (z > 0)):
        raise ValueError("poverty line must be finite and positive")
    poor = x < z
    gap = np.where(poor, (z - x) / z, 0.0)
    return x, w, z, poor, gap, rest[1:]


def _power(gap: FloatArray, poor: np.ndarray, alpha: float) -> FloatArray:
    if alpha < 0:
        raise ValueError("alpha must be non-negative")
    return poor.astype(np.float64) if alpha == 0 else np.where(poor, gap**alpha, 0.0)


def fgt(values: ArrayLike, weights: ArrayLike | None = None, *, line: ArrayLike, alpha: float = 0.0) -> float:
    """FGT(alpha) poverty index at line ``z`` (scalar or per row): (1/W) sum w ((z - x)/z)^alpha [x < z]."""
    _, w, _, poor, gap, _ = _normalised_gap(values, weights, line)
    return float(dot(w, _power(gap, poor, alpha)) / w.sum())


def headcount_ratio(values: ArrayLike, weights: ArrayLike | None = None, *, line: ArrayLike) -> float:
    """Share of the population with income strictly below the line (FGT alpha=0)."""
    return fgt(values, weights, line=line, alpha=0.0)


def poverty_gap(values: ArrayLike, weights: ArrayLike | None = None, *, line: ArrayLike) -> float:
    """Poverty gap index: mean normalised shortfall (z - x)/z over the whole population (FGT alpha=1)."""
    return fgt(values, weights, line=line, alpha=1.0)


def poverty_severity(values: ArrayLike, weights: ArrayLike | None = None, *, line: ArrayLike) -> float:
    """Squared poverty gap (severity): mean of ((z - x)/z)^2 over the whole population (FGT alpha=2)."""
    return fgt(values, weights, line=line, alpha=2.0)


def poverty_measures(values: ArrayLike, weights: ArrayLike | None = None, *, line: ArrayLike) -> PovertyMeasures:
    """FGT(0), FGT(1), FGT(2), weighted number of poor and total shortfall sum w (z - x) at one line."""
    x, w, z, poor, gap, _ = _normalised_gap(values, weights, line)
    W = w.sum()
    return PovertyMeasures(
        headcount=float(dot(w, poor) / W),
        gap=float(dot(w, gap) / W),
        severity=float(dot(w, gap * gap) / W),
        poor_population=float(dot(w, poor)),
        shortfall=float(dot(w, np.where(poor, z - x, 0.0))),
    )


def relative_poverty_line(values: ArrayLike, weights: ArrayLike | None = None, fraction: float = 0.5) -> float:
    """Relative poverty line: ``fraction`` x weighted median income (averaged inverted CDF median).

    E.g. 0.5 (OECD) or 0.6 (Eurostat at-risk-of-poverty). Raises ``ValueError`` if the median is not positive.
    """
    if not fraction > 0:
        raise ValueError("fraction must be positive")
    m = median(values, weights)
    if m <= 0:
        raise ValueError("median income is not positive; a relative line is undefined")
    return float(fraction * m)


def fgt_relative(
    values: ArrayLike, weights: ArrayLike | None = None, *, fraction: float = 0.5, alpha: float = 0.0
) -> float:
    """FGT(alpha) at the relative line ``fraction`` x weighted median of ``values``."""
    return fgt(values, weights, line=relative_poverty_line(values, weights, fraction), alpha=alpha)


def fgt_by_group(
    values: ArrayLike,
    weights: ArrayLike | None,
    groups: ArrayLike,
    *,
    line: ArrayLike,
    alpha: float = 0.0,
) -> GroupPoverty:
    """FGT(alpha) within each group at a common (or per-row) line.

    FGT measures are additively decomposable (FGT 1984): P = sum_g (W_g / W) P_g, so ``contribution`` gives each
    group's share of total poverty. For relative poverty by group pass the national line, e.g.
    ``line=relative_poverty_line(x, w, 0.5)``, not a group-specific median.
    """
    _, w, _, poor, gap, (g,) = _normalised_gap(values, weights, line, groups)
    labels, inv = group_index(g)
    k = labels.shape[0]
    per_row = w * _power(gap, poor, alpha)
    wg = np.bincount(inv, weights=w, minlength=k)
    pg = np.bincount(inv, weights=per_row, minlength=k) / wg
    share = wg / w.sum()
    total = float(per_row.sum() / w.sum())
    contribution = share * pg / total if total > 0 else np.zeros(k)
    return GroupPoverty(alpha=float(alpha), groups=labels, population_share=share, fgt=pg,
                        contribution=contribution, total=total)
