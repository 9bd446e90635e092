"""Standard errors and 95% intervals of the headline figures of a run, from its replicate sums
(`analysis/replicates.py`: random half-samples of households within pairs inside the design strata, reduced in the
same pass and merged like every other sum of the state).

The ``uncertainty`` dict of a results dict (`simulate`) and of a compare dict (`compare`) maps a *dotted path* into
that same dict to ``{"se": ..., "ci95": [lo, hi]}``; list items are addressed by their index (``deciles.0`` is the
first decile). The point estimate is the figure at that path (the interval is centred on it); the standard error
is the spread of the figure recomputed under each replicate weight. Keys (docs/ARCHITECTURE.md, "Run results"):

* results: ``gini``, ``programmes.<p>.total``, ``programmes.<p>.recipients``, ``poverty.<line>.headcount``,
  ``takeup.<p>.<figure>`` (entitled_persons, recipients, takeup_rate, entitlement, unmet_entitlement; issue 13);
* compare: ``net_cost``, ``change.gini``, ``change.programmes.<p>.total`` and ``change.takeup.<p>.<figure>``
  (programmes the reform changes),
  ``change.poverty.<line>.headcount``, ``winners_losers.<share>``, ``deciles.<i>.mean_change``; the compare dict's
  ``baseline`` and ``reform`` carry their own ``uncertainty``.

A figure is left out when it is undefined in a replicate (e.g. an empty population) or has no point estimate.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import gongfu.run.layout as L
from gongfu.analysis.replicates import entry, hist_gini, hist_group_means, hist_quantile, hist_share_below
from gongfu.analysis.sketch import DistributionSketch
from gongfu.exact import limbs_to_float

from . import pgroups
from .layout import CHANGE_STATS

SIGN = {"tax": -1.0, "contribution": -1.0, "benefit": 1.0}


class Replicates:
    """The replicate sums and histograms of a run state (a reform's unchanged columns read the baseline's)."""

    def __init__(self, agg: Any):
        reps = agg.layout.get("replicates") or {}
        self.n = int(reps.get("n", 0))
        self.index = {s: {c: j for j, c in enumerate(cols)} for s, cols in reps.get("columns", {}).items()}
        self.tables = {s: limbs_to_float(agg.dense[L.replicate_table(s)]) for s in self.index
                       if L.replicate_table(s) in agg.dense}
        self.hists = {s: limbs_to_float(agg.dense[L.replicate_hist(s)]) for s in reps.get("hist", [])
                      if L.replicate_hist(s) in agg.dense}
        self.dec = (limbs_to_float(agg.dense[L.DECILE_REPLICATES]) if L.DECILE_REPLICATES in agg.dense else None)
        self.edges = DistributionSketch(**reps["hist_config"]).bin_edges() if self.n else None

    def __bool__(self) -> bool:
        return self.n > 1 and "b" in self.tables

    def sum(self, col: str) -> np.ndarray | None:
        """(R,) replicate sums of a column (a reform column it does not change: the baseline's)."""
        system = L.system_of(col) or ("r" if col.startswith("chg.") else "b")
        j = self.index.get(system, {}).get(col)
        if j is not None and system in self.tables:
            return self.tables[system][j]
        base = L.reform_counterpart(col)
        if base is not None:
            return self.sum(base)
        j = self.index.get("b", {}).get(col)
        return self.tables["b"][j] if j is not None else None

    def hist(self, system: str) -> np.ndarray:
        """(bins, R, 2) replicate histogram of per-capita disposable income (a reform that does not change it:
        the baseline's)."""
        return self.hists[system] if system in self.hists else self.hists["b"]

    def gini(self, system: str) -> np.ndarray:
        h = self.hist(system)
        return hist_gini(h[:, :, 0], h[:, :, 1])

    def relative_headcount(self, system: str, fraction: float) -> np.ndarray:
        """Share of persons below `fraction` x the replicate's own median."""
        h = self.hist(system)
        lo, hi = self.edges
        median = hist_quantile(h[:, :, 0], lo, hi, 0.5)
        return hist_share_below(h[:, :, 0], lo, hi, fraction * median)


def _ratio(a: np.ndarray | None, b: np.ndarray | None) -> np.ndarray | None:
    if a is None or b is None:
        return None
    with np.errstate(divide="ignore", invalid="ignore"):
        return a / b


def _put(out: dict[str, Any], key: str, point: Any, values: np.ndarray | None) -> None:
    if values is None or not isinstance(point, int | float) or isinstance(point, bool):
        return
    e = entry(point, values)
    if e is not None:
        out[key] = e


def results_uncertainty(agg: Any, system: str, results: dict[str, Any], reps: Replicates | None = None
                        ) -> dict[str, Any]:
    """The ``uncertainty`` dict of one system's results dict (keys: see the module docstring)."""
    reps = reps or Replicates(agg)
    out: dict[str, Any] = {}
    if not reps:
        return out
    _put(out, "gini", results.get("gini"), reps.gini(system))
    for p, fig in results.get("programmes", {}).items():
        _put(out, f"programmes.{p}.total", fig.get("total"), reps.sum(L.programme(system, p)))
        _put(out, f"programmes.{p}.recipients", fig.get("recipients"), reps.sum(L.recipients(system, p)))
    for p, fig in results.get("takeup", {}).items():
        _takeup(out, f"takeup.{p}", fig, {k: reps.sum(L.takeup(system, p, k)) for k in L.TAKEUP_STATS})
    persons = reps.sum(L.population("persons"))
    for name, line in results.get("poverty", {}).items():
        if line.get("kind") == "relative":
            values = reps.relative_headcount(system, _fraction(agg, name, line))
        else:
            values = _ratio(reps.sum(L.poverty(system, name, "h")), persons)
        _put(out, f"poverty.{name}.headcount", line.get("headcount"), values)
    pgroups.results_uncertainty(reps, system, results, out, _put)
    return out


#: take-up figure of the results (`summary.takeup`) -> its column (`layout.takeup`)
TAKEUP_FIGURES = {"entitled_persons": "entitled", "recipients": "recipients", "entitlement": "entitlement",
                  "unmet_entitlement": "unmet"}


def _takeup(out: dict[str, Any], prefix: str, fig: dict[str, Any], sums: dict[str, np.ndarray | None],
            rate: np.ndarray | None = None) -> None:
    """SE and interval of a programme's national take-up figures: the sums from their replicate sums, the take-up
    rate from the replicate ratio recipients / entitled persons (or the replicate values `rate`: a reform's
    change of the rate); a replicate with nobody entitled leaves the rate out."""
    for key, stat in TAKEUP_FIGURES.items():
        _put(out, f"{prefix}.{key}", fig.get(key), sums[stat])
    if rate is None:
        rate = _ratio(sums["recipients"], sums["entitled"])
    if rate is not None and np.all(np.isfinite(rate)):
        _put(out, f"{prefix}.takeup_rate", fig.get("takeup_rate"), rate)


def _fraction(agg: Any, name: str, line: dict[str, Any]) -> float:
    from .lines import poverty_lines

    for ln in poverty_lines(int(agg.layout.get("year", 2025))):
        if ln.name == name and ln.fraction is not None:
            return float(ln.fraction)
    raise ValueError(f"relative poverty line {name!r} is not a line of this run")


def compare_uncertainty(agg: Any, cmp: dict[str, Any]) -> dict[str, Any]:
    """The ``uncertainty`` dict of a one-pass compare dict (keys: see the module docstring)."""
    reps = Replicates(agg)
    out: dict[str, Any] = {}
    if not reps:
        return out
    layout = agg.layout
    info = layout["programme_info"]
    zero = np.zeros(reps.n)
    cost = zero.copy()
    change = cmp.get("change", {})
    for p in layout["programmes"]:
        rb, rr = reps.sum(L.programme("b", p)), reps.sum(L.programme("r", p))
        d = (rr if rr is not None else zero) - (rb if rb is not None else zero)
        if info[p]["role"] in SIGN:
            cost += (1.0 if info[p]["role"] == "benefit" else -1.0) * d
        if p in layout.get("changed", {}).get("programmes", []):
            _put(out, f"change.programmes.{p}.total", change.get("programmes", {}).get(p, {}).get("total"), d)
    _put(out, "net_cost", cmp.get("net_cost"), cost)
    for p in layout.get("takeup_programmes", ()):
        if p in layout.get("changed", {}).get("programmes", []):
            sb = {k: reps.sum(L.takeup("b", p, k)) for k in L.TAKEUP_STATS}
            sr = {k: reps.sum(L.takeup("r", p, k)) for k in L.TAKEUP_STATS}
            d = {k: None if sb[k] is None or sr[k] is None else sr[k] - sb[k] for k in L.TAKEUP_STATS}
            rb, rr = _ratio(sb["recipients"], sb["entitled"]), _ratio(sr["recipients"], sr["entitled"])
            _takeup(out, f"change.takeup.{p}", change.get("takeup", {}).get(p, {}), d,
                    None if rb is None or rr is None else rr - rb)
    _put(out, "change.gini", change.get("gini"), reps.gini("r") - reps.gini("b"))
    for name, line in cmp.get("reform", {}).get("poverty", {}).items():
        b_unc = cmp.get("baseline", {}).get("uncertainty", {})
        if f"poverty.{name}.headcount" not in b_unc:
            continue
        if line.get("kind") == "relative":
            f = _fraction(agg, name, line)
            values = reps.relative_headcount("r", f) - reps.relative_headcount("b", f)
        else:
            persons = reps.sum(L.population("persons"))
            values = _ratio(reps.sum(L.poverty("r", name, "h")) - reps.sum(L.poverty("b", name, "h")), persons)
        _put(out, f"change.poverty.{name}.headcount", change.get("poverty", {}).get(name, {}).get("headcount"),
             values)
    persons = reps.sum(L.population("persons"))
    sums = {k: reps.sum(L.change(k)) for k in CHANGE_STATS}
    if persons is not None and all(v is not None for v in sums.values()):
        with np.errstate(divide="ignore", invalid="ignore"):
            shares = {"gain_over_1pct": sums["gain1"] / persons, "gain_over_5pct": sums["gain5"] / persons,
                      "lose_over_1pct": sums["lose1"] / persons, "lose_over_5pct": sums["lose5"] / persons,
                      "no_change": 1.0 - sums["changed"] / persons, "mean_change": sums["sum"] / persons,
                      "gain_up_to_5pct": (sums["gain"] - sums["gain5"]) / persons,
                      "lose_up_to_5pct": (sums["changed"] - sums["gain"] - sums["lose5"]) / persons}
        for k, v in shares.items():
            _put(out, f"winners_losers.{k}", (cmp.get("winners_losers") or {}).get(k), v)
    rows = cmp.get("deciles") or []
    if rows and reps.dec is not None and "b" in reps.hists:
        per = hist_group_means(reps.hists["b"][:, :, 0], reps.dec, len(rows))
        for i, row in enumerate(rows):
            _put(out, f"deciles.{i}.mean_change", row.get("mean_change"), per[i])
    pgroups.compare_uncertainty(reps, cmp, out, _put)
    return out


__all__ = ["Replicates", "compare_uncertainty", "results_uncertainty"]
