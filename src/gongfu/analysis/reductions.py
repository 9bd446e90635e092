"""Statistics over partitions, each as its per-partition step (chunk), its merge (combine) and its finish
(aggregate), after dask's ``array/reductions.py``.

A national run cannot hold every household at once: each partition is reduced to *terms* whose sums are the
state of the statistic (the chunk step below, applied row by row, then summed by group); the sums of all
partitions are added exactly (the combine step: integer limbs of `gongfu.exact`, done by the run's state); the
finish step turns the merged sums into the statistic. All functions are pure functions of numpy arrays; the
finish steps work on one number per group (arrays), so national and group figures come from the same code.

* Theil T and L and the Shorrocks (1980) between/within decomposition of Theil T: `theil_terms` /
  `theil_finish` / `theil_between_within`;
* FGT poverty at an absolute line (Foster, Greer & Thorbecke 1984): `fgt_terms` (the finish is the ratio to the
  persons of the group, `analysis.poverty.fgt` on all rows at once);
* winners and losers of a reform: `change_flags` / `change_shares`;
* mean change by decile of baseline income from the bins of a sketch (the chunk is the change added to the bin of
  each person's baseline income): `decile_changes`;
* concentration index of an amount ranked by a sketch's bins of market income, with a bound for the unknown
  ranks inside a bin: `concentration_from_bins`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ._common import FloatArray, dot, row_dots
from .incidence import relative_change

# ------------------------------------------------------------------------------------------------ Theil --

THEIL_TERMS = ("pos_w", "xlogx", "logx", "neg_w", "neg_y")


def theil_terms(x: FloatArray, w: FloatArray, log_x: FloatArray, wx: FloatArray | None = None
                ) -> dict[str, FloatArray]:
    """Chunk: the per-row terms of Theil T and L, to be summed by group with the weights w and the weighted
    values w x: persons with x > 0 (``pos_w``), w x ln x (``xlogx``), w ln x (``logx``) and, only when some x < 0,
    persons and income with x < 0 (``neg_w``, ``neg_y``; absent terms sum to 0). `log_x` is ln x where x > 0 and
    0 elsewhere; `wx` is w x when the caller has it."""
    wx = w * x if wx is None else wx
    terms = {"pos_w": w * (x > 0), "xlogx": wx * log_x, "logx": w * log_x}
    neg = x < 0
    if neg.any():
        terms["neg_w"] = w * neg
        terms["neg_y"] = w * np.where(neg, x, 0.0)
    return terms


def theil_finish(w: FloatArray, y: FloatArray, t: Mapping[str, FloatArray]) -> dict[str, FloatArray]:
    """Finish: Theil T over x >= 0 and Theil L over x > 0 (rows outside the domain excluded, as Stata's
    ineqdeco) by group, from the summed weights `w`, weighted values `y` and `theil_terms`; also the weight,
    income and mean of the domain of T and the excluded persons of each index."""
    with np.errstate(divide="ignore", invalid="ignore"):
        wt = w - t["neg_w"]
        yt = y - t["neg_y"]
        mu_t = yt / wt
        theil_t = t["xlogx"] / yt - np.log(mu_t)
        wl = t["pos_w"]
        mu_l = yt / wl
        theil_l = np.log(mu_l) - t["logx"] / wl
    return {"wt": wt, "yt": yt, "mu_t": mu_t, "theil_t": theil_t, "theil_l": theil_l,
            "excluded_t": t["neg_w"], "excluded_l": w - t["pos_w"]}


def theil_between_within(national: Mapping[str, FloatArray], groups: Mapping[str, FloatArray]
                         ) -> dict[str, Any]:
    """Finish of the exact between/within decomposition of Theil T (Shorrocks 1980): from `theil_finish` of the
    nation (arrays of one element) and of the groups, the population and income shares of each group and the
    between and within components (T = between + within)."""
    W, Y, mu = national["wt"][0], national["yt"][0], national["mu_t"][0]
    share_pop, share_inc = groups["wt"] / W, groups["yt"] / Y
    with np.errstate(divide="ignore", invalid="ignore"):
        within_c = np.where(share_inc > 0, share_inc * groups["theil_t"], 0.0)
        between_c = np.where(share_inc > 0, share_inc * np.log(groups["mu_t"] / mu), 0.0)
    return {"total": national["theil_t"][0], "share_pop": share_pop, "share_income": share_inc,
            "between": between_c.sum(), "within": within_c.sum()}


# -------------------------------------------------------------------------------------------------- FGT --

FGT_TERMS = ("h", "gap", "sev")


def fgt_terms(x: FloatArray, line: float) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Chunk: per-row FGT(0), FGT(1) and FGT(2) terms at an absolute line z -- poor (x < z), max(1 - x/z, 0) and
    its square -- to be summed with person weights; divided by the persons of the group they are the headcount
    ratio, the poverty gap and the severity."""
    gap = np.maximum(1.0 - x / line, 0.0)
    poor = (x < line).astype(np.float64)
    return poor, gap, gap * gap


# ------------------------------------------------------------------------------------ winners and losers --

CHANGE_FLAGS = ("gain1", "gain5", "lose1", "lose5", "gain")
#: the five mutually exclusive groups of winners and losers (shares of persons adding up to 1)
FIVE_GROUPS = ("gain_over_5pct", "gain_up_to_5pct", "no_change", "lose_up_to_5pct", "lose_over_5pct")


def change_flags(baseline: FloatArray, reform: FloatArray) -> dict[str, np.ndarray]:
    """Chunk: whether each row gains or loses more than 1% and 5% (`incidence.relative_change`, floor 1 yuan), and
    whether it gains at all (``gain``: with ``changed``, the losers at all are the changed rows that do not gain)."""
    rel = relative_change(baseline, reform)
    return {"gain1": rel > 0.01, "gain5": rel > 0.05, "lose1": rel < -0.01, "lose5": rel < -0.05, "gain": rel > 0}


def five_groups(persons: FloatArray, gain: FloatArray, gain5: FloatArray, lose5: FloatArray, changed: FloatArray
                ) -> dict[str, FloatArray]:
    """Finish: the shares of persons in the five mutually exclusive groups `FIVE_GROUPS` -- gain more than 5%,
    gain up to 5%, no change, lose up to 5%, lose more than 5% -- from the summed weights of the persons gaining at
    all, gaining more than 5%, losing more than 5% and changing; they add up to 1 (up to float rounding)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return {"gain_over_5pct": gain5 / persons, "gain_up_to_5pct": (gain - gain5) / persons,
                "no_change": (persons - changed) / persons,
                "lose_up_to_5pct": (changed - gain - lose5) / persons, "lose_over_5pct": lose5 / persons}


def change_shares(persons: FloatArray, sums: Mapping[str, FloatArray], baseline_total: FloatArray
                  ) -> dict[str, FloatArray]:
    """Finish: shares of persons gaining/losing more than 1% and 5% and with no change, the mean, total and
    relative change, by group, from the summed weights of `change_flags` (keys gain1 ... lose5), of the persons
    whose income changes (``changed``) and of the change itself (``sum``)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = {"gain_over_1pct": sums["gain1"] / persons, "gain_over_5pct": sums["gain5"] / persons,
               "lose_over_1pct": sums["lose1"] / persons, "lose_over_5pct": sums["lose5"] / persons,
               "no_change": 1.0 - sums["changed"] / persons, "mean_change": sums["sum"] / persons,
               "total_change": sums["sum"], "pct_change": sums["sum"] / baseline_total, "persons": persons}
    if "gain" in sums:
        five = five_groups(persons, sums["gain"], sums["gain5"], sums["lose5"], sums["changed"])
        out.update({k: five[k] for k in ("gain_up_to_5pct", "lose_up_to_5pct")})
    return out


def decile_changes(weights: FloatArray, mass: FloatArray, table: Mapping[str, FloatArray], n: int = 10
                   ) -> list[dict[str, Any]]:
    """Finish: the change of income by n-tile of baseline income, from the bins of the baseline sketch (weight
    and income mass of each bin, in value order) and the per-bin sums of the changes (`table`: ``sum``, ``pos``,
    ``neg``, ``gain1`` ... ``lose5``, ``changed``, aligned with the bins).

    A quantile group takes the bins inside it whole and the bins straddling its boundaries in proportion to the
    weight it takes from them (estimate). The change of the part of a straddling bin lies between the sum of the
    negative and of the positive changes of that bin, which bounds the group's change (``bounds``). Returns, per
    group, the estimated sums of the table's columns (``sums``), its baseline income, its population and the
    bounds of its total change."""
    cols = list(table)
    W = weights.sum()
    cum = np.concatenate(([0.0], np.cumsum(weights)))
    rows = np.stack([*(table[c] for c in cols), mass])  # (columns + 1, bins)
    out = []
    for k in range(n):
        a, b = W * k / n, W * (k + 1) / n
        take = np.clip(np.minimum(cum[1:], b) - np.maximum(cum[:-1], a), 0.0, None)  # weight taken from each bin
        frac = np.where(weights > 0, take / np.where(weights > 0, weights, 1.0), 0.0)
        # only the bins the group takes weight from (a contiguous run) can contribute: the other products are 0
        used = np.flatnonzero(frac > 0)
        sl = slice(int(used[0]), int(used[-1]) + 1) if used.size else slice(0, 0)
        f = frac[sl]
        whole = f >= 1.0 - 1e-12
        part = (f > 0) & ~whole
        sums = row_dots(rows[:, sl], f)  # each a correctly rounded sum (dot): thread- and order-free
        # whole and part are disjoint, so each row below is exact and its sum is whole.sum + part.neg (.pos)
        lo_hi = np.stack([np.where(whole, table["sum"][sl], np.where(part, table[x][sl], 0.0)) for x in ("neg", "pos")])
        lo, hi = row_dots(lo_hi, 1.0).tolist()
        out.append({"sums": dict(zip(cols, sums[:-1].tolist(), strict=True)), "baseline_income": float(sums[-1]),
                    "size": b - a, "bounds": (lo, hi)})
    return out


# ------------------------------------------------------------------------------------------ concentration --


def bin_ranks(weights: FloatArray, spread: np.ndarray) -> tuple[FloatArray, FloatArray]:
    """The mid-rank (fractional rank of the bin's middle person) of each bin of a sketch in value order, and
    each bin's population share where its values differ (`spread`: max > min), which bounds the error of
    ranking everyone in a bin at its mid-rank."""
    W = weights.sum()
    mid = (np.cumsum(weights) - weights / 2.0) / W
    return mid, np.where(spread, weights / W, 0.0)


def concentration_from_bins(amount: FloatArray, rank: FloatArray, spread_share: FloatArray,
                            negative: float = 0.0) -> tuple[float, float, float]:
    """Finish: concentration index of an amount summed by bin of the ranking variable (`bin_ranks`), its error
    bound and the total: C = 2 sum_b T_b R_b / T - 1, |error| <= sum_b p_b |T_b| / |T| over bins whose values
    differ (wider when some amounts are negative: `negative` is the sum of the negative amounts)."""
    T = float(amount.sum())
    if T == 0:
        return float("nan"), float("nan"), 0.0
    c = 2.0 * float(dot(amount, rank)) / T - 1.0
    err = float(dot(np.abs(amount), spread_share)) / abs(T)
    if negative:
        err = max(err, float(spread_share.max(initial=0.0)) * (abs(T) + 2 * abs(negative)) / abs(T))
    return c, err, T


__all__: Sequence[str] = ["CHANGE_FLAGS", "FGT_TERMS", "THEIL_TERMS", "bin_ranks", "change_flags",
                          "change_shares", "concentration_from_bins", "FIVE_GROUPS", "five_groups", "decile_changes", "fgt_terms",
                          "theil_between_within", "theil_finish", "theil_terms"]
