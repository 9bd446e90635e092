"""Turn the merged state of a national run (`gongfu.run.aggregate.RunAggregate`) into the run-results dict
(docs/ARCHITECTURE.md, "Run results"), with the error bound of every statistic.

Exactness (each figure below is also reported per run in ``meta.exactness`` and, as [lower, upper], in
``bounds``):

* **exact** (sums of fixed-point limbs, rounded once to float64; the only approximation is float64 arithmetic
  inside a partition, relative ~1e-16): population, households, every mean, every programme total and recipient
  count, group means and ratios (urban/rural, east/west, provinces), Theil T and L and their between/within
  decompositions, FGT headcount, gap and severity at the *absolute* lines (national and by group), middle-income
  and scorecard shares, and for a reform: net cost, the waterfall, winners and losers shares, group changes;
* **bounded** (from `DistributionSketch`es, rigorous over every distribution consistent with the bins):
  Gini, quantiles, median, P90/P10, top shares, Palma, quintile/decile means, high/low ratio, FGT at the
  *relative* lines (the median is bounded), poverty and Gini by group; concentration, Kakwani and
  Reynolds-Smolensky indices (rank of a person inside a bin of market income is unknown: |error| <=
  sum_b p_b |T_b| / |T| over bins holding more than one value); reform gains by baseline decile (a bin that
  straddles a decile boundary is split in proportion to weight; its change lies between the sums of the
  negative and positive changes in the bin).

These bounds are the numerical exactness of the arithmetic. Sampling uncertainty (the sample is a part of the
country's households) is another thing: the standard errors and 95% intervals of ``uncertainty``
(run/uncertainty.py).

Every *estimate* is the midpoint of its bounds, except quantiles (linear interpolation inside the bin) and the
concentration-type indices (bins at their mid-rank), both inside their bounds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

import gongfu.run.layout as L
from gongfu.analysis.bounds import Bounds
from gongfu.analysis.reductions import (
    bin_ranks,
    concentration_from_bins,
    theil_between_within,
    theil_finish,
)
from gongfu.analysis.sketch import DistributionSketch
from gongfu.engine.geography import PROVINCES, REGIONS
from gongfu.exact import limbs_to_float

from . import pgroups
from .layout import AREAS, CONCEPTS, GROUPINGS, HUKOU
from .scorecard import scorecard, scorecard_targets
from .sums import Sums
from .sums import json_float as _f
from .sums import ratio as _ratio
from .uncertainty import results_uncertainty

LORENZ_POINTS = 101



class Exactness:
    """Collects the half-width of the bounds of each statistic (max over concepts/groups)."""

    def __init__(self) -> None:
        self.bound: dict[str, float] = {}

    def note(self, key: str, b: Bounds, relative: bool = False) -> None:
        lo, hi, est = (np.asarray(v, dtype=float) for v in (b.lower, b.upper, b.estimate))
        if lo.size == 0:
            return
        half = np.maximum(hi - est, est - lo)
        if relative:
            half = half / np.maximum(np.abs(est), 1e-300)
        self.bound[key] = max(self.bound.get(key, 0.0), float(np.max(half)))


def _bounds_json(b: Bounds) -> list:
    lo, hi = np.asarray(b.lower, dtype=float), np.asarray(b.upper, dtype=float)
    if lo.ndim == 0:
        return [_f(lo), _f(hi)]
    return [[_f(a), _f(c)] for a, c in zip(lo, hi, strict=True)]


# -------------------------------------------------------------------------------------------- concepts --


def concept_stats(sketch: DistributionSketch, sums: Sums, system: str, concept: str, persons: float,
                  ex: Exactness, bounds: dict[str, Any]) -> dict[str, Any]:
    """Distribution statistics of one per-capita income concept (persons)."""
    total = sums.national(L.income(system, concept))
    out: dict[str, Any] = {"mean": _f(total / persons), "total": _f(total)}
    b: dict[str, Any] = {}

    def stat(key: str, fn: Any, relative: bool = False) -> None:
        try:
            res = fn()
        except ValueError:
            out[key] = None
            return
        ex.note(key + ("_relative" if relative else ""), res, relative)
        b[key] = _bounds_json(res)
        est = np.asarray(res.estimate, dtype=float)
        out[key] = _f(est) if est.ndim == 0 else [_f(v) for v in est]

    stat("median", sketch.median, relative=True)
    stat("gini", sketch.gini)
    out.update(theil(sums, system, concept, persons))
    stat("palma", sketch.palma, relative=True)
    stat("p90_p10", sketch.p90_p10, relative=True)
    stat("top10_share", lambda: sketch.share_of_top(0.1))
    stat("top1_share", lambda: sketch.share_of_top(0.01))
    stat("quintile_means", sketch.quintile_means, relative=True)
    stat("decile_means", sketch.decile_means, relative=True)
    stat("high_low_ratio", sketch.high_low_ratio, relative=True)
    try:
        p = np.linspace(0.0, 1.0, LORENZ_POINTS)
        lor = sketch.lorenz(p)
        ex.note("lorenz", lor)
        out["lorenz"] = [[_f(pi), _f(li)] for pi, li in zip(p, np.asarray(lor.estimate), strict=True)]
    except ValueError:
        out["lorenz"] = None
    out["min"], out["max"] = _f(sketch.min), _f(sketch.max)
    bounds[concept] = b
    return out


def _theil_parts(sums: Sums, grouping: str, system: str, concept: str) -> dict[str, np.ndarray]:
    w = sums.by(grouping, L.population("persons"))
    y = sums.by(grouping, L.income(system, concept))
    pieces = {k: sums.by(grouping, L.theil(system, concept, k)) for k in L.THEIL_PIECES}
    return {"w": w, "y": y, **pieces}


def _theil_values(t: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    return theil_finish(t["w"], t["y"], t)


def theil(sums: Sums, system: str, concept: str, persons: float) -> dict[str, Any]:
    v = _theil_values(_theil_parts(sums, "national", system, concept))
    return {"theil_t": _f(v["theil_t"][0]), "theil_l": _f(v["theil_l"][0]),
            "theil_excluded_share": {"theil_t": _f(v["excluded_t"][0] / persons),
                                     "theil_l": _f(v["excluded_l"][0] / persons)}}


def theil_decomposition(sums: Sums, system: str, concept: str = "disposable") -> dict[str, Any]:
    """Exact between/within decomposition of Theil T (Shorrocks 1980) by area, hukou type, province, region."""
    nat = _theil_values(_theil_parts(sums, "national", system, concept))
    out: dict[str, Any] = {}
    for grouping in ("area", "hukou_type", "province", "region"):
        g = _theil_values(_theil_parts(sums, grouping, system, concept))
        d = theil_between_within(nat, g)
        share_pop, share_inc = d["share_pop"], d["share_income"]
        groups = {}
        for k, key in enumerate(sums.keys[grouping]):
            if g["wt"][k] > 0:
                groups[key] = {"share_pop": _f(share_pop[k]), "share_income": _f(share_inc[k]),
                               "theil": _f(g["theil_t"][k]), "mean": _f(g["mu_t"][k])}
        out[grouping] = {"index": "theil_t", "total": _f(d["total"]), "between": _f(d["between"]),
                         "within": _f(d["within"]), "groups": groups}
    return out


# ---------------------------------------------------------------------------------------- group sketches --


def group_sketches(agg: Any, system: str) -> dict[str, dict[str, DistributionSketch]]:
    """Per-capita disposable income sketches by province, area, region and hukou type (merged from cells)."""
    cells = L.cell_sketches(agg.sketches, system)
    out: dict[str, dict[str, DistributionSketch]] = {"province": {}, "area": {}, "region": {}, "hukou_type": {}}

    def merged(ids: list[int]) -> DistributionSketch | None:
        names = [cells[i] for i in ids if i in cells]
        if not names:
            return None
        return DistributionSketch.merge_all([agg.sketches[n] for n in names])

    for i, p in enumerate(PROVINCES):
        s = merged([2 * i, 2 * i + 1])
        if s is not None:
            out["province"][p.key] = s
    for a, key in enumerate(AREAS):
        s = merged([2 * i + a for i in range(len(PROVINCES))])
        if s is not None:
            out["area"][key] = s
    for r in REGIONS:
        ids = [2 * i + a for i, p in enumerate(PROVINCES) if p.region == r for a in (0, 1)]
        s = merged(ids)
        if s is not None:
            out["region"][r] = s
    for key in HUKOU:
        s = agg.sketches.get(L.hukou_sketch(system, key))
        if s is not None:
            out["hukou_type"][key] = s
    return out


# ---------------------------------------------------------------------------------------------- poverty --


def poverty(agg: Any, sums: Sums, system: str, lines: list[Any], gsk: dict[str, dict[str, DistributionSketch]],
            ex: Exactness, persons: float) -> dict[str, Any]:
    sketch = agg.sketches[L.income_sketch(system, "disposable")]
    med = sketch.median()
    out: dict[str, Any] = {}
    for line in lines:
        if line.kind == "relative":
            f = float(line.fraction)
            z = f * float(med.estimate)
            entry = {"line": _f(z), "kind": "relative", "source": line.source, "label": line.label,
                     "line_bounds": [_f(f * med.lower), _f(f * med.upper)]}
            for key, alpha in (("headcount", 0.0), ("gap", 1.0), ("severity", 2.0)):
                b = sketch.fgt_relative(f, alpha)
                ex.note(f"poverty.relative.{key}", b)
                entry[key] = _f(b.estimate)
                entry[f"{key}_bounds"] = _bounds_json(b)
            entry["poor_persons"] = _f(entry["headcount"] * persons)
            by_group: dict[str, Any] = {}
            for grouping, sks in gsk.items():
                vals = {}
                for key, s in sks.items():
                    b_lo, b_hi, b = s.fgt_lines([f * float(med.lower), f * float(med.upper), z], 0.0)
                    lo, hi = b_lo.lower, b_hi.upper
                    est = min(max(float(b.estimate), lo), hi)
                    ex.note("poverty.relative.headcount_by_group", Bounds(est, lo, hi))
                    vals[key] = _f(est)
                by_group[grouping] = vals
            by_group.update(pgroups.relative_by_group(agg, system, f, z, med, ex))  # persons: age, sex, ...
            entry["by_group"] = by_group
        else:
            entry = {"line": _f(line.value), "kind": "absolute", "source": line.source, "label": line.label}
            for key, col in (("headcount", "h"), ("gap", "gap"), ("severity", "sev")):
                entry[key] = _f(sums.national(L.poverty(system, line.name, col)) / persons)
            entry["poor_persons"] = _f(sums.national(L.poverty(system, line.name, "h")))
            by_group = {}
            for grouping in ("province", "area", "region", "hukou_type"):
                w = sums.by(grouping, L.population("persons"))
                h = sums.by(grouping, L.poverty(system, line.name, "h"))
                by_group[grouping] = {k: _ratio(h[i], w[i]) for i, k in enumerate(sums.keys[grouping]) if w[i] > 0}
            by_group.update(pgroups.absolute_by_group(sums, system, line.name))  # persons: age, sex, ...
            entry["by_group"] = by_group
        out[line.name] = entry
    return out


# ---------------------------------------------------------------------------------------------- incidence --


def rank_table(agg: Any, system: str) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Per-bin sums (bins of the market-income sketch) of each programme and stage income."""
    layout = agg.layout
    out: dict[str, np.ndarray] = {}
    codes_all: list[np.ndarray] = []
    tables = []
    market_changed = "market" in layout.get("changed", {}).get("concepts", [])
    # a reform that leaves market income alone is ranked on the baseline's bins, its unchanged columns too
    for s in ([system] if system == "b" or market_changed else [system, "b"]):
        if L.rank_table(s) in agg.sparse:
            codes, vals = agg.sparse_table(L.rank_table(s))
            tables.append((s, codes, vals))
            codes_all.append(codes)
    if not tables:
        return np.zeros(0, np.int64), out
    codes = np.unique(np.concatenate(codes_all))
    for s, c, vals in tables:
        pos = np.searchsorted(codes, c)
        for j, name in enumerate(layout["rank"][s]):
            if name in out:
                continue
            col = np.zeros(codes.size)
            col[pos] = vals[:, j]
            out[name] = col
    return codes, out


def incidence(agg: Any, sums: Sums, system: str, stats: dict[str, Any], ex: Exactness) -> dict[str, Any]:
    market = agg.sketches.get(L.income_sketch(system, "market"))
    stages = [{"concept": c, "mean": stats[c]["mean"], "gini": stats[c]["gini"]} for c in CONCEPTS]
    result: dict[str, Any] = {"stages": stages, "programmes": {}, "ranked_by": "market income per capita"}
    if market is None:
        return result
    state = market.to_dict()
    bins = np.asarray(state["bins"], dtype=np.int64)
    wts = limbs_to_float(np.asarray(state["limbs"])[:, 0])
    mid, p_b = bin_ranks(wts, np.asarray(state["bin_max"]) > np.asarray(state["bin_min"]))
    codes, cols = rank_table(agg, system)
    pos = np.searchsorted(bins, codes)
    if codes.size and (np.any(pos >= bins.size) or np.any(bins[np.minimum(pos, bins.size - 1)] != codes)):
        raise ValueError("programme table and market-income sketch disagree on bins")
    R, P = mid[pos], p_b[pos]
    g = market.gini()
    G, dG = float(g.estimate), float(g.upper - g.estimate)
    Y = sums.national(L.income(system, "market"))

    def conc(col: np.ndarray, negative: float = 0.0) -> tuple[float, float, float]:
        return concentration_from_bins(col, R, P, negative)

    for k, stage in enumerate(stages[1:], start=1):
        col = cols.get(stage["concept"])
        if col is None:
            continue
        c, err, T = conc(col)
        ex.note("concentration", Bounds(c, c - err, c + err))
        stage["concentration_by_market"] = _f(c)
        stage["reynolds_smolensky"] = _f(G - c)
        stage["redistributive_effect"] = _f(G - stages[k]["gini"]) if stages[k]["gini"] is not None else None
        stage["reranking"] = _f(stages[k]["gini"] - c) if stages[k]["gini"] is not None else None
    info = agg.layout["programme_info"]
    for p in agg.layout["programmes"]:
        col = cols.get(p)
        if col is None:
            continue
        negative = sums.national(L.negative(system, p))
        c, err, T = conc(col, negative)
        if T == 0:
            result["programmes"][p] = {"concentration": None, "kakwani": None, "reynolds_smolensky": None}
            continue
        role = info[p]["role"]
        sign = -1.0 if role in ("tax", "contribution") else 1.0  # post = market -/+ programme
        kak = (c - G) if sign < 0 else (G - c)
        post = Y + sign * T
        c_post = (Y * (G + 1.0) + sign * T * (c + 1.0)) / post - 1.0 if post != 0 else float("nan")
        rs = G - c_post
        rs_err = dG + (abs(Y) * dG + abs(T) * err) / abs(post) if post != 0 else float("nan")
        ex.note("concentration", Bounds(c, c - err, c + err))
        ex.note("kakwani", Bounds(kak, kak - err - dG, kak + err + dG))
        ex.note("reynolds_smolensky", Bounds(rs, rs - rs_err, rs + rs_err))
        result["programmes"][p] = {"concentration": _f(c), "kakwani": _f(kak), "reynolds_smolensky": _f(rs),
                                   "kind": "tax" if sign < 0 else "benefit", "total": _f(T)}
    return result


# --------------------------------------------------------------------------------------------- the dict --


def summarize(agg: Any, system: str, lines: list[Any], meta: Mapping[str, Any]) -> dict[str, Any]:
    """The run-results dict of system "b" (baseline) or "r" (reform) from a merged run state."""
    sums = Sums(agg)
    ex = Exactness()
    persons = sums.national(L.population("persons"))
    households = sums.national(L.population("households"))
    if not persons > 0:
        raise ValueError("the population has no weight")
    bounds: dict[str, Any] = {"income": {}}
    income = {}
    for c in CONCEPTS:
        sk = agg.sketches.get(L.income_sketch(system, c))
        if sk is None:
            continue
        income[c] = concept_stats(sk, sums, system, c, persons, ex, bounds["income"])
    gsk = group_sketches(agg, system)
    groups = _groups(agg, sums, system, gsk, ex)
    area = groups["area"]
    urban_rural = _ratio(area.get("urban", {}).get("mean_disposable_pc") or 0.0,
                         area.get("rural", {}).get("mean_disposable_pc") or 0.0)
    region = groups["region"]
    prov_means = [v["mean_disposable_pc"] for v in groups["province"].values() if v["mean_disposable_pc"]]
    band = agg.layout["bands"][0][0] if agg.layout["bands"] else None
    gaps = {
        "urban_rural_ratio": urban_rural,
        "east_west_ratio": _ratio(region.get("east", {}).get("mean_disposable_pc") or 0.0,
                                  region.get("west", {}).get("mean_disposable_pc") or 0.0),
        "max_min_province_ratio": _ratio(max(prov_means), min(prov_means)) if prov_means else None,
        "middle_income_share": _ratio(sums.national(L.band(system, band, "persons")), persons) if band else None,
        "middle_income_definition": ("NBS: three-person household income 100,000-500,000 yuan (2018 prices; not "
                                     "deflated), i.e. 3 x per-capita disposable income in that band (persons)"),
    }
    programmes = {}
    for p in agg.layout["programmes"]:
        info = agg.layout["programme_info"][p]
        if (system == "b" and not info["in_baseline"]) or (system == "r" and not info["in_reform"]):
            continue
        programmes[p] = {"total": _f(sums.national(L.programme(system, p))),
                         "recipients": _f(sums.national(L.recipients(system, p))),
                         "role": info["role"], "tier": info["tier"], "entity": info["entity"],
                         "label": info["label"]}
    stats_for_incidence = {c: income.get(c, {"mean": None, "gini": None}) for c in CONCEPTS}
    result = {
        "meta": dict(meta, exactness=ex.bound),
        "year": meta.get("year"),
        "population": {"persons": _f(persons), "households": _f(households)},
        "gini": income.get("disposable", {}).get("gini"),
        "urban_rural_ratio": urban_rural,
        "programmes": programmes,
        "income": income,
        "theil_decomposition": theil_decomposition(sums, system),
        "poverty": poverty(agg, sums, system, lines, gsk, ex, persons),
        "gaps": gaps,
        "groups": groups,
        "incidence": incidence(agg, sums, system, stats_for_incidence, ex),
        "scorecard": scorecard(sums, system, groups, persons, households, agg.layout),
        "scorecard_targets": scorecard_targets(),
        "bounds": bounds,
        "takeup": takeup(agg, sums, system),
    }
    result["meta"]["exactness"] = _exactness_summary(ex.bound)
    result["uncertainty"] = results_uncertainty(agg, system, result)
    return result


TAKEUP_GROUPINGS = ("province", "area", "hukou_type")


def _takeup_row(entitled: float, recipients: float, entitlement: float, unmet: float) -> dict[str, Any]:
    return {"entitled_persons": _f(entitled), "recipients": _f(recipients),
            "takeup_rate": _ratio(recipients, entitled), "entitlement": _f(entitlement),
            "unmet_entitlement": _f(unmet)}


def takeup(agg: Any, sums: Sums, system: str) -> dict[str, Any]:
    """Take-up of the programmes whose rules separate entitlement from take-up (issue 13): persons entitled
    (living in an entitled household for dibao), recipients among them, the take-up rate, the entitlement and the
    unmet entitlement (entitled − paid, yuan per year), nationally and by province, area of residence and hukou
    type. Rests on the take-up of the population (docs/population.md: fitted to official recipient counts)."""
    out: dict[str, Any] = {}
    info = agg.layout["programme_info"]
    for p in agg.layout.get("takeup_programmes", ()):
        cols = {k: L.takeup(system, p, k) for k in L.TAKEUP_STATS}  # type: ignore[arg-type]
        row = _takeup_row(*(sums.national(c) for c in cols.values()))
        by_group: dict[str, Any] = {}
        for grouping in TAKEUP_GROUPINGS:
            vals = [sums.by(grouping, c) for c in cols.values()]
            by_group[grouping] = {key: _takeup_row(*(float(v[k]) for v in vals))
                                  for k, key in enumerate(sums.keys[grouping]) if vals[0][k] > 0}
        out[p] = {"label": info[p]["label"], **row, "by_group": by_group,
                  "entitlement_variable": L.TAKEUP_PROGRAMMES[p]}
    return out


def _exactness_summary(bound: dict[str, float]) -> dict[str, Any]:
    exact = ["population", "means", "programme_totals", "recipients", "group_means", "theil", "theil_decomposition",
             "poverty.absolute", "middle_income_share", "scorecard", "net_cost", "waterfall", "winners_losers"]
    out: dict[str, Any] = {k: 0.0 for k in exact}
    out.update({k: _f(v) for k, v in sorted(bound.items())})
    out["_meaning"] = ("largest half-width of the rigorous bounds of each statistic over concepts and groups "
                       "(absolute, or relative for keys ending _relative); 0.0 = exact sums (float64 rounding "
                       "only, relative ~1e-15); see analysis/summary.py")
    return out


def _groups(agg: Any, sums: Sums, system: str, gsk: dict[str, dict[str, DistributionSketch]],
            ex: Exactness) -> dict[str, Any]:
    out: dict[str, Any] = {}
    info = agg.layout["programme_info"]
    progs = [p for p in agg.layout["programmes"]
             if info[p]["in_baseline" if system == "b" else "in_reform"]]
    for grouping in GROUPINGS:
        keys = sums.keys[grouping]
        persons = sums.by(grouping, L.population("persons"))
        households = sums.by(grouping, L.population("households"))
        means = {c: sums.by(grouping, L.income(system, c)) for c in CONCEPTS}
        prog = {p: sums.by(grouping, L.programme(system, p)) for p in progs}
        rows = {}
        for k, key in enumerate(keys):
            if persons[k] <= 0:
                continue
            row = {"persons": _f(persons[k]), "households": _f(households[k]),
                   "mean_disposable_pc": _ratio(means["disposable"][k], persons[k]),
                   "mean_market_pc": _ratio(means["market"][k], persons[k]),
                   "mean_net_market_pc": _ratio(means["net_market"][k], persons[k]),
                   "mean_after_philanthropy_pc": _ratio(means["after_philanthropy"][k], persons[k]),
                   "programmes": {p: _f(prog[p][k]) for p in progs}}
            sk = gsk.get(grouping, {}).get(key)
            if sk is not None:
                try:
                    g = sk.gini()
                    ex.note("gini_by_group", g)
                    row["gini"] = _f(g.estimate)
                    m = sk.median()
                    ex.note("median_by_group_relative", m, relative=True)
                    row["median_disposable_pc"] = _f(m.estimate)
                except ValueError:
                    row["gini"] = None
            rows[key] = row
        out[grouping] = rows
    return out


