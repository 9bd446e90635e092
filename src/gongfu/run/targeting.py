"""Budget targeting at national scale: the income threshold of `targeted_philanthropy` that spends a budget.

`gongfu.reforms.targeting.threshold_for_budget` needs every household's income; a national run has only
mergeable aggregates. The programme pays each member of a household below the threshold T either a flat amount
a or (top-up) min(a, T - x), x the household's per-capita disposable income, which the programme itself does not
change (charity is tertiary). So a first pass computes the sketch of x under the reform (persons), and the cost
of any T is read from its bins: cost(T) = sum over persons of g(x), g(x) = a [x < T] or min(a, T - x)^+.
Inside a bin g is bounded by its values at the bin's extremes (g is non-increasing), so the cost has rigorous
bounds; T is chosen where the *estimate* (each bin at its mean, straddling bins by linear share) equals the
budget, by bisection. The cost of the chosen threshold is then measured exactly by the main pass and reported
(`programmes.targeted_philanthropy.total`). This costs one more pass over the population (baseline + reform).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import replace
from typing import Any

import numpy as np

from gongfu.exact import limbs_to_float
from gongfu.reforms.targeting import THRESHOLD

from .backends import run_dask, run_local
from .layout import income_sketch
from .reducer import resolve_reform_system


def _bins(sketch: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    state = sketch.to_dict()
    limbs = np.asarray(state["limbs"])
    w = limbs_to_float(limbs[:, 0])
    mass = limbs_to_float(limbs[:, 1])
    keep = w > 0
    lo, hi = np.asarray(state["bin_min"])[keep], np.asarray(state["bin_max"])[keep]
    return w[keep], np.clip(mass[keep] / w[keep], lo, hi), lo, hi


def cost_estimate(sketch: Any, threshold: float, amount: float, top_up: bool) -> float:
    """Estimated yearly cost (yuan) at `threshold` from the bins of the per-capita income sketch (persons)."""
    w, mean, lo, hi = _bins(sketch)
    if top_up:
        g = np.clip(threshold - mean, 0.0, amount)
        # a bin straddling T: the part below T at roughly its linear share
        straddle = (lo < threshold) & (hi >= threshold) & (hi > lo)
        share = np.where(straddle, (threshold - lo) / np.where(hi > lo, hi - lo, 1.0), 0.0)
        g = np.where(straddle, share * np.clip((threshold - lo) / 2.0, 0.0, amount), g)
        return float(np.dot(w, g))
    below = np.where(hi < threshold, 1.0, np.where(lo >= threshold, 0.0,
                                                    (threshold - lo) / np.where(hi > lo, hi - lo, 1.0)))
    return float(amount * np.dot(w, below))


def threshold_from_sketch(sketch: Any, budget: float, amount: float, top_up: bool) -> float:
    lo, hi = 0.0, max(float(sketch.max), 1.0) + amount
    if cost_estimate(sketch, hi, amount, top_up) <= budget:
        return hi
    for _ in range(100):
        mid = (lo + hi) / 2.0
        if cost_estimate(sketch, mid, amount, top_up) > budget:
            hi = mid
        else:
            lo = mid
    return lo


def calibrate_on_source(reform: Any, source: Any, config: Any, workers: int, dask: str | None,
                        dask_processes: bool) -> Any:
    """The reform with its income threshold set so that the transfer costs the budget of `reform.targeting`."""
    from gongfu.engine import load_system

    refs = source.refs()
    pre = replace(config, reform=reform, reform_digest=(config.reform_digest or "") + ":calibration")
    stream = (run_dask(source, refs, pre, dask, workers, dask_processes) if dask
              else run_local(source, refs, pre, workers))
    state = None
    with contextlib.closing(stream):  # an error or a signal here ends the workers at once
        for part in stream:
            state = part if state is None else state.merge(part)
    if state is None:
        raise ValueError("the population has no partitions")
    sketch = state.sketches[income_sketch("r", "disposable")]
    system = resolve_reform_system(reform, load_system())
    params = system.parameters.at(dt.date(config.year, 1, 1))
    amount = float(params.get("targeted_philanthropy.amount_per_person"))
    top_up = bool(params.get("targeted_philanthropy.top_up_only"))
    budget = float(reform.targeting["budget"])
    threshold = threshold_from_sketch(sketch, budget, amount, top_up)
    return reform.with_changes({THRESHOLD: round(threshold, 2)})
