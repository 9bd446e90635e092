"""A reform against the baseline: changes of every statistic, net cost, the programme waterfall, gains by baseline
decile and group, winners and losers (docs/ARCHITECTURE.md, `compare`).

`compare_state(agg, baseline, reform)` uses the one-pass run state (household-level changes were reduced during
the pass: winners and losers, gains by decile of baseline income, by group); `compare_results(baseline, reform)`
compares two results dicts only (changes, net cost, waterfall; no decile or winner/loser figures, which need
households paired across the two systems).

Definitions:
* a person's change is the change of their household's per-capita disposable income; they gain (lose) more than
  t when change / max(|baseline|, 1 yuan) > t (< -t), as in `analysis.incidence.relative_change`;
* `net_cost` is the cost to the government: change in benefits - change in taxes - change in contributions
  (yuan per year; negative = net revenue); charitable transfers (third distribution) are reported apart;
* the waterfall lists, for every market-income component and every tax, contribution and benefit that changes,
  its contribution to the change of total disposable income (taxes and contributions with a minus sign); the
  contributions are exact differences of exact national sums, and `total` is their exactly rounded sum
  (math.fsum), so the parts add up to the total exactly. `check` gives the change of disposable income measured
  directly (sum over households); it differs from `total` only by the float64 rounding of the per-household
  identity disposable = market - taxes - contributions + benefits.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

import gongfu.run.layout as L
from gongfu.analysis.reductions import change_shares, decile_changes
from gongfu.exact import limbs_to_float

from .layout import CHANGE_STATS, GROUPINGS
from .sums import Sums
from .sums import json_float as _f
from .uncertainty import compare_uncertainty

SIGN = {"market": 1.0, "tax": -1.0, "contribution": -1.0, "benefit": 1.0}
SKIP_DIFF = {"meta", "label", "source", "kind", "role", "tier", "entity", "comparison", "lorenz", "bounds",
             "scorecard_targets", "middle_income_definition", "ranked_by", "concept", "theil_excluded_share",
             "uncertainty"}


def diff(base: Any, reform: Any) -> Any:
    """Reform minus baseline for every number in two parallel results dicts (None where either is missing)."""
    if isinstance(base, Mapping) and isinstance(reform, Mapping):
        out = {}
        for k in base.keys() | reform.keys():
            if k in SKIP_DIFF or (isinstance(k, str) and k.endswith("_bounds")):
                continue
            d = diff(base.get(k), reform.get(k))
            if d is not None and d != {}:
                out[k] = d
        return out
    if isinstance(base, list) and isinstance(reform, list) and len(base) == len(reform):
        return [diff(a, b) for a, b in zip(base, reform, strict=True)]
    if isinstance(base, bool) or isinstance(reform, bool):
        return None
    if isinstance(base, int | float) and isinstance(reform, int | float):
        return float(reform) - float(base)
    return None


def _exact_change(sums: Sums, col_b: str, col_r: str) -> float:
    """Reform minus baseline national sum, exactly (difference of limbs), rounded once."""
    return float(limbs_to_float(sums.exact_national(col_r) - sums.exact_national(col_b)))


def waterfall(sums: Sums, layout: Mapping[str, Any]) -> dict[str, Any]:
    info = layout["programme_info"]
    parts = []
    for m in layout.get("changed", {}).get("market", []):
        ch = _exact_change(sums, L.market("b", m), L.market("r", m))
        if ch != 0.0:
            parts.append({"variable": m, "role": "market", "programme_change": ch, "change": ch})
    for p in layout["programmes"]:
        role = info[p]["role"]
        if role not in SIGN:
            continue
        ch = _exact_change(sums, L.programme("b", p), L.programme("r", p))
        if ch != 0.0:
            parts.append({"variable": p, "role": role, "programme_change": ch, "change": SIGN[role] * ch,
                          "label": info[p]["label"]})
    total = math.fsum(x["change"] for x in parts)
    check = _exact_change(sums, L.income("b", "disposable"), L.income("r", "disposable"))
    return {"parts": parts, "total": total, "check": check, "residual": check - total}


def _charity_change(sums: Sums, layout: Mapping[str, Any]) -> float:
    info = layout["programme_info"]
    return math.fsum(_exact_change(sums, L.programme("b", p), L.programme("r", p)) for p in layout["programmes"]
                     if info[p]["role"] == "charity")


def net_cost(sums: Sums, layout: Mapping[str, Any]) -> float:
    info = layout["programme_info"]
    parts = []
    for p in layout["programmes"]:
        role = info[p]["role"]
        if role in ("tax", "contribution", "benefit"):
            sign = 1.0 if role == "benefit" else -1.0
            parts.append(sign * _exact_change(sums, L.programme("b", p), L.programme("r", p)))
    return math.fsum(parts)


def winners_losers(sums: Sums, grouping: str = "national") -> dict[str, np.ndarray]:
    """Shares of persons gaining/losing more than 1% and 5%, with no change, and the mean change, by group."""
    if grouping == "national":
        get = sums.national
        persons = np.array([get(L.population("persons"))])
        vals = {k: np.array([get(L.change(k))]) for k in CHANGE_STATS}
        base = np.array([get(L.income("b", "disposable"))])
    else:
        persons = sums.by(grouping, L.population("persons"))
        vals = {k: sums.by(grouping, L.change(k)) for k in CHANGE_STATS}
        base = sums.by(grouping, L.income("b", "disposable"))
    return change_shares(persons, vals, base)


def deciles(agg: Any, n: int = 10) -> dict[str, Any]:
    """Change of per-capita disposable income by decile of *baseline* per-capita disposable income (persons).

    The change of each person was added to the bin of their baseline income in the baseline sketch; a decile
    takes the bins inside it whole and the bins straddling its boundaries in proportion to the weight it takes
    from them (estimate). The change of the part of a straddling bin lies between the sum of the negative and
    of the positive changes of that bin, which bounds the decile's mean change (`mean_change_bounds`).
    """
    sketch = agg.sketches[L.income_sketch("b", "disposable")]
    state = sketch.to_dict()
    bins = np.asarray(state["bins"], dtype=np.int64)
    limbs = np.asarray(state["limbs"])
    wts = limbs_to_float(limbs[:, 0])
    mass = limbs_to_float(limbs[:, 1])
    cols = agg.layout["deciles"]
    table = {c: np.zeros(bins.size) for c in cols}
    if L.DECILE_TABLE in agg.sparse:
        codes, vals = agg.sparse_table(L.DECILE_TABLE)
        pos = np.searchsorted(bins, codes)
        if codes.size and (np.any(pos >= bins.size) or np.any(bins[np.minimum(pos, bins.size - 1)] != codes)):
            raise ValueError("change table and baseline sketch disagree on bins")
        for j, c in enumerate(cols):
            table[c][pos] = vals[:, j]
    out = []
    for k, g in enumerate(decile_changes(wts, mass, table, n)):
        est, base_income, size, (lo, hi) = g["sums"], g["baseline_income"], g["size"], g["bounds"]
        out.append({
            "decile": k + 1, "mean_change": _f(est["sum"] / size),
            "pct_change": _f(est["sum"] / base_income) if base_income else None,
            "mean_change_bounds": [_f(lo / size), _f(hi / size)],
            "mean_baseline_pc": _f(base_income / size),
            "gain_over_1pct": _f(est["gain1"] / size), "gain_over_5pct": _f(est["gain5"] / size),
            "lose_over_1pct": _f(est["lose1"] / size), "lose_over_5pct": _f(est["lose5"] / size),
            "no_change": _f(1.0 - est["changed"] / size),
        })
        if "gain" in est:  # the five mutually exclusive groups (gain_over_5pct, no_change: above)
            out[-1]["gain_up_to_5pct"] = _f((est["gain"] - est["gain5"]) / size)
            out[-1]["lose_up_to_5pct"] = _f((est["changed"] - est["gain"] - est["lose5"]) / size)
    return {"rows": out, "bound": max((max(r["mean_change"] - r["mean_change_bounds"][0],
                                           r["mean_change_bounds"][1] - r["mean_change"]) for r in out
                                       if r["mean_change"] is not None), default=0.0)}


def compare_state(agg: Any, baseline: dict[str, Any], reform: dict[str, Any]) -> dict[str, Any]:
    """The compare dict of a one-pass run (baseline and reform results computed from the same state)."""
    sums = Sums(agg)
    layout = agg.layout
    wf = waterfall(sums, layout)
    wl = winners_losers(sums)
    dec = deciles(agg)
    by_group: dict[str, Any] = {}
    for grouping in GROUPINGS:
        g = winners_losers(sums, grouping)
        keys = sums.keys[grouping]
        progs = {p: sums.by(grouping, L.programme("r", p)) - sums.by(grouping, L.programme("b", p))
                 for p in layout["programmes"]}
        info = layout["programme_info"]
        rows = {}
        for i, key in enumerate(keys):
            if g["persons"][i] <= 0:
                continue
            cost = math.fsum((1.0 if info[p]["role"] == "benefit" else -1.0) * progs[p][i]
                             for p in layout["programmes"] if info[p]["role"] in ("tax", "contribution", "benefit"))
            rows[key] = {k: _f(v[i]) for k, v in g.items() if k != "persons"}
            rows[key]["net_cost"] = _f(cost)
        by_group[grouping] = rows
    change = diff(baseline, reform)
    change["disposable_income"] = wf["total"]
    change["gini"] = (None if baseline.get("gini") is None or reform.get("gini") is None
                      else reform["gini"] - baseline["gini"])
    change["urban_rural_ratio"] = (None if baseline.get("urban_rural_ratio") is None
                                   or reform.get("urban_rural_ratio") is None
                                   else reform["urban_rural_ratio"] - baseline["urban_rural_ratio"])
    meta = dict(reform.get("meta", {}))
    meta.setdefault("exactness", {})
    meta["exactness"] = dict(meta["exactness"], deciles_mean_change=_f(dec["bound"]))
    out = {
        "meta": meta,
        "baseline": baseline,
        "reform": reform,
        "change": change,
        "net_cost": net_cost(sums, layout),
        "charity_change": _charity_change(sums, layout),
        "waterfall": [{k: v for k, v in p.items()} for p in wf["parts"]],
        "waterfall_total": wf["total"],
        "waterfall_check": {"disposable_income_change": wf["check"], "residual": wf["residual"]},
        "deciles": dec["rows"],
        "winners_losers": {k: _f(v[0]) for k, v in wl.items() if k != "persons"},
        "by_group": by_group,
        "recomputed": layout.get("changed", {}),
    }
    out["uncertainty"] = compare_uncertainty(agg, out)
    return out


def compare_results(baseline: dict[str, Any], reform: dict[str, Any]) -> dict[str, Any]:
    """Compare two results dicts (e.g. from separate runs): changes, net cost and waterfall from programme
    totals. Decile, winner/loser and group-change figures need the one-pass run (`gongfu.run.compare`)."""
    change = diff(baseline, reform)
    parts = []
    cost = []
    for p in sorted(baseline.get("programmes", {}).keys() | reform.get("programmes", {}).keys()):
        b = baseline.get("programmes", {}).get(p, {})
        r = reform.get("programmes", {}).get(p, {})
        role = r.get("role") or b.get("role")
        ch = float(r.get("total") or 0.0) - float(b.get("total") or 0.0)
        if role in SIGN and ch != 0.0:
            parts.append({"variable": p, "role": role, "programme_change": ch, "change": SIGN[role] * ch})
            cost.append(ch if role == "benefit" else -ch)
    bm, rm = baseline["income"]["market"], reform["income"]["market"]
    dm = float(rm["total"]) - float(bm["total"]) if "total" in bm and "total" in rm else 0.0
    if dm:
        parts.insert(0, {"variable": "market_income", "role": "market", "programme_change": dm, "change": dm})
    total = math.fsum(p["change"] for p in parts)
    return {"meta": dict(reform.get("meta", {})), "baseline": baseline, "reform": reform, "change": change,
            "net_cost": math.fsum(cost), "waterfall": parts, "waterfall_total": total,
            "deciles": None, "winners_losers": None, "by_group": None,
            "note": "separate runs: deciles, winners/losers and group changes need gongfu.run.compare (one pass)"}
