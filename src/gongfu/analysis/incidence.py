"""Fiscal incidence: concentration, Kakwani and Reynolds-Smolensky indices, middle-income share, winners/losers.

Income concepts (market, disposable, ...) follow the CEQ Handbook (N. Lustig ed. 2022, *Commitment to Equity
Handbook: Estimating the Impact of Fiscal Policy on Inequality and Poverty*, 2nd ed., Brookings / CEQ
Institute, vol. 1, ch. 1-2). All rankings are by the *pre*-fiscal income given, with weighted mid-ranks and ties
averaged (so the order of tied rows never matters). Weights are person weights unless a function says
otherwise; rows of weight 0 are ignored.

References: N. C. Kakwani (1977), "Measurement of tax progressivity: an international comparison", Economic
Journal 87; M. Reynolds & E. Smolensky (1977), *Public Expenditures, Taxes, and the Distribution of Income*,
Academic Press; A. B. Atkinson (1980) / R. Plotnick (1981) on re-ranking; P. J. Lambert (2001), *The
Distribution and Redistribution of Income*, 3rd ed., ch. 6-7.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from ._common import FloatArray, concentration, dot, fractional_rank, group_index, prepare, row_dots


@dataclass(frozen=True)
class RedistributiveEffect:
    """Gini-based redistribution accounting (Lambert 2001, ch. 7; CEQ Handbook 2022, ch. 2).

    redistributive_effect = gini_pre - gini_post = reynolds_smolensky - reranking, where
    reynolds_smolensky = gini_pre - concentration_post (vertical effect) and
    reranking = gini_post - concentration_post >= 0 (Atkinson-Plotnick).
    """

    gini_pre: float
    gini_post: float
    concentration_post: float
    redistributive_effect: float
    reynolds_smolensky: float
    reranking: float


@dataclass(frozen=True)
class MiddleIncomeShare:
    """Persons, households and income in the middle-income band (bounds in yuan per person per year)."""

    population_share: float  # share of persons (household weight x size)
    household_share: float
    income_share: float
    population: float  # weighted number of persons in the band
    lower_per_capita: float
    upper_per_capita: float


@dataclass(frozen=True)
class ChangeTable:
    """Income change by group (rows follow ``groups``; threshold columns follow ``thresholds``)."""

    groups: np.ndarray
    population: FloatArray  # sum of weights
    mean_baseline: FloatArray
    mean_change: FloatArray  # weighted mean of reform - baseline (yuan)
    relative_change: FloatArray  # sum w (reform - baseline) / sum w baseline
    share_gaining: FloatArray  # (groups, thresholds): share with relative change > +t
    share_losing: FloatArray  # (groups, thresholds): share with relative change < -t


@dataclass(frozen=True)
class WinnersLosers:
    """Who gains and who loses from a reform (shares of the weighted population)."""

    thresholds: tuple[float, ...]
    share_gaining: FloatArray  # per threshold t: share with relative change > +t
    share_losing: FloatArray  # per threshold t: share with relative change < -t
    mean_change: float
    total_change: float  # sum w (reform - baseline)
    by_decile: ChangeTable  # groups 1..10 of baseline income
    by_group: ChangeTable | None


def concentration_index(values: ArrayLike, rank_by: ArrayLike, weights: ArrayLike | None = None) -> float:
    """Concentration index of ``values`` with the population ranked by ``rank_by``.

    C = 2 cov_w(v, R) / mean(v) = 2 sum_i w_i v_i R_i / sum_i w_i v_i - 1, R_i the weighted mid-rank of
    ``rank_by`` with ties averaged (Kakwani 1977; Lambert 2001, ch. 6). C lies in [-1, 1] for non-negative
    values; C = Gini when ``rank_by`` orders like ``values``; C < 0 when the values go mostly to the poor.
    """
    v, w, (r,) = prepare(values, weights, rank_by)
    r = r.astype(np.float64)
    if not np.all(np.isfinite(r)):
        raise ValueError("rank_by contains NaN or infinity")
    return concentration(v, r, w)


def _gini(x: FloatArray, w: FloatArray) -> float:
    if dot(w, x) <= 0:
        raise ValueError("the Gini coefficient needs a positive mean income")
    return concentration(x, x, w)


def kakwani(
    tax_or_benefit: ArrayLike,
    pre_income: ArrayLike,
    weights: ArrayLike | None = None,
    *,
    kind: Literal["tax", "benefit"] = "tax",
) -> float:
    """Kakwani progressivity index of a tax or a benefit (amounts >= 0 as paid or received).

    tax:     K = C_T - G_pre   (Kakwani 1977): > 0 progressive (tax more concentrated on the rich than income).
    benefit: K = G_pre - C_B   (CEQ Handbook 2022 sign convention): > 0 progressive, i.e. the benefit is
             distributed more equally than pre-fiscal income (relative to income, it favours the poor).
    Here C is the concentration index of the programme ranked by ``pre_income`` and G_pre the Gini of
    ``pre_income``. With this convention a positive K means "reduces inequality" for both kinds.
    """
    t, w, (pre,) = prepare(tax_or_benefit, weights, pre_income)
    pre = pre.astype(np.float64)
    c = concentration(t, pre, w)
    g = _gini(pre, w)
    if kind == "tax":
        return c - g
    if kind == "benefit":
        return g - c
    raise ValueError("kind must be 'tax' or 'benefit'")


def reynolds_smolensky(pre: ArrayLike, post: ArrayLike, weights: ArrayLike | None = None) -> float:
    """Reynolds-Smolensky index of vertical redistribution: Pi_RS = G_pre - C_post.

    C_post is the concentration index of post-fiscal income ranked by pre-fiscal income (Reynolds & Smolensky
    1977; Lambert 2001, ch. 7). For post = pre - T it equals g/(1-g) K_T, g the average tax rate. The overall
    change in the Gini (G_pre - G_post) is in ``redistributive_effect``.
    """
    return redistributive_effect(pre, post, weights).reynolds_smolensky


def redistributive_effect(pre: ArrayLike, post: ArrayLike, weights: ArrayLike | None = None) -> RedistributiveEffect:
    """G_pre - G_post split into the vertical (Reynolds-Smolensky) and re-ranking (Atkinson-Plotnick) parts."""
    x, w, (y,) = prepare(pre, weights, post)
    y = y.astype(np.float64)
    if not np.all(np.isfinite(y)):
        raise ValueError("post contains NaN or infinity")
    g_pre, g_post = _gini(x, w), _gini(y, w)
    c_post = concentration(y, x, w)
    return RedistributiveEffect(
        gini_pre=g_pre, gini_post=g_post, concentration_post=c_post,
        redistributive_effect=g_pre - g_post, reynolds_smolensky=g_pre - c_post, reranking=g_post - c_post,
    )


def middle_income_share(
    hh_income: ArrayLike,
    hh_size: ArrayLike,
    household_weights: ArrayLike | None = None,
    *,
    lower: float = 100_000.0,
    upper: float = 500_000.0,
    reference_size: float = 3.0,
    price_level: float = 1.0,
) -> MiddleIncomeShare:
    """Share of people in the NBS middle-income group (中等收入群体).

    NBS definition: a typical three-person household with annual income between 100,000 and 500,000 yuan
    (2018 prices) -- see /work/shared/data/china/calibration.yaml ``nbs_middle_income_definition``. Equivalence
    used: per capita (income / household size), i.e. a household is middle-income when
    ``lower <= reference_size * hh_income / hh_size <= upper`` (bounds inclusive), which for the defaults means
    33,333 - 166,667 yuan per person per year. One row per household; ``household_weights`` are households
    represented (the population ``weight`` input), and people are counted as weight x size, as NBS counts the
    group in persons (">400 million", 2022). ``price_level`` (price level of the income year relative to 2018,
    e.g. a CPI ratio) scales both bounds; NBS publishes no official re-based bounds, so the default is 1.
    """
    y, hw, (n,) = prepare(hh_income, household_weights, hh_size)
    n = n.astype(np.float64)
    if not np.all(np.isfinite(n) & (n > 0)):
        raise ValueError("household sizes must be positive")
    if not (0 < lower <= upper and reference_size > 0 and price_level > 0):
        raise ValueError("need 0 < lower <= upper, reference_size > 0, price_level > 0")
    lo, hi = lower * price_level, upper * price_level
    equivalent = y * (reference_size / n)
    inside = (equivalent >= lo) & (equivalent <= hi)
    persons = hw * n
    total_income = float(dot(hw, y))
    return MiddleIncomeShare(
        population_share=float(persons[inside].sum() / persons.sum()),
        household_share=float(hw[inside].sum() / hw.sum()),
        income_share=float(dot(hw[inside], y[inside]) / total_income) if total_income > 0 else float("nan"),
        population=float(persons[inside].sum()),
        lower_per_capita=lo / reference_size,
        upper_per_capita=hi / reference_size,
    )


def relative_change(baseline: ArrayLike, reform: ArrayLike, floor: float = 1.0) -> FloatArray:
    """Per-row relative income change (reform - baseline) / max(|baseline|, floor).

    The floor (default 1 yuan) keeps rows with zero or tiny baseline income finite: any change of more than
    t yuan for them counts as a relative change above t (PolicyEngine uses the same device).
    """
    b = np.asarray(baseline, dtype=np.float64)
    return (np.asarray(reform, dtype=np.float64) - b) / np.maximum(np.abs(b), floor)


def winners_losers(
    baseline: ArrayLike,
    reform: ArrayLike,
    weights: ArrayLike | None = None,
    *,
    groups: ArrayLike | None = None,
    thresholds: Sequence[float] = (0.01, 0.05),
    n_quantiles: int = 10,
    floor: float = 1.0,
) -> WinnersLosers:
    """Shares gaining / losing more than each threshold, and average change by baseline decile and by group.

    One row per unit (person, or household with person weights to count people). A unit gains more than t when
    ``relative_change(baseline, reform, floor) > t`` and loses more than t when it is ``< -t``. Deciles are of
    *baseline* income (``quantile_groups``: weighted mid-rank, ties together), labelled 1..``n_quantiles``.
    """
    b, w, rest = prepare(baseline, weights, reform, *(() if groups is None else (groups,)))
    r = rest[0].astype(np.float64)
    if not np.all(np.isfinite(r)):
        raise ValueError("reform contains NaN or infinity")
    th = np.asarray(tuple(thresholds), dtype=np.float64)
    if np.any(th < 0):
        raise ValueError("thresholds must be non-negative")
    delta = r - b
    rel = delta / np.maximum(np.abs(b), floor)
    gain, lose = rel[:, None] > th, rel[:, None] < -th
    W = w.sum()
    dec = np.minimum(np.floor(fractional_rank(b, w) * n_quantiles), n_quantiles - 1).astype(np.int64) + 1
    return WinnersLosers(
        thresholds=tuple(float(t) for t in th),
        share_gaining=row_dots(gain.T, w) / W,
        share_losing=row_dots(lose.T, w) / W,
        mean_change=float(dot(w, delta) / W),
        total_change=float(dot(w, delta)),
        by_decile=_change_table(dec, b, delta, w, gain, lose),
        by_group=None if groups is None else _change_table(rest[1], b, delta, w, gain, lose),
    )


def _change_table(
    groups: np.ndarray, b: FloatArray, delta: FloatArray, w: FloatArray, gain: np.ndarray, lose: np.ndarray
) -> ChangeTable:
    labels, inv = group_index(groups)
    k = labels.shape[0]
    wg = np.bincount(inv, weights=w, minlength=k)
    bg = np.bincount(inv, weights=w * b, minlength=k)
    dg = np.bincount(inv, weights=w * delta, minlength=k)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(bg != 0, dg / np.where(bg != 0, bg, 1.0), np.nan)

    def by(mask: np.ndarray) -> FloatArray:
        cols = [np.bincount(inv, weights=w * mask[:, j], minlength=k) for j in range(mask.shape[1])]
        return np.stack(cols, axis=1) / wg[:, None] if cols else np.zeros((k, 0))

    return ChangeTable(groups=labels, population=wg, mean_baseline=bg / wg, mean_change=dg / wg,
                       relative_change=rel, share_gaining=by(gain), share_losing=by(lose))
