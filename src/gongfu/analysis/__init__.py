"""Distributional analysis: weighted inequality, poverty and incidence statistics as pure functions of arrays.

Small composable functions over (values, weights[, groups]) numpy arrays, weights being person weights:

* ``inequality`` -- Gini, Lorenz curve, Theil T/L and their decomposition, quantiles, shares, quintile means;
* ``poverty`` -- Foster-Greer-Thorbecke measures at absolute or relative lines, by group;
* ``incidence`` -- concentration, Kakwani, Reynolds-Smolensky, middle-income share, winners and losers;
* ``sketch`` -- ``DistributionSketch``: an exact, mergeable histogram of an income distribution for national-scale
  runs (its exact sums are `gongfu.exact`'s), the one container of distribution bins;
* ``bounds`` -- Gini, Lorenz, quantiles, shares, FGT of a binned distribution with rigorous bounds (functions of
  the bins; the sketch's methods apply them);
* ``reductions`` -- statistics over partitions as chunk (per-partition terms), combine (exact sums) and finish:
  Theil and its decomposition, FGT, winners and losers, changes by decile, concentration from bins.

May import numpy and `gongfu.exact` only: it knows nothing of the law, the population or the run (the national
run, `gongfu.run`, imports these statistics and assembles its results from them).
"""

from .incidence import (
    concentration_index,
    kakwani,
    middle_income_share,
    redistributive_effect,
    reynolds_smolensky,
    winners_losers,
)
from .inequality import (
    decile_means,
    gini,
    high_low_ratio,
    lorenz_curve,
    median,
    p90_p10,
    palma,
    quantiles,
    quintile_means,
    share_of_top,
    theil_decomposition,
    theil_l,
    theil_t,
)
from .poverty import fgt, fgt_by_group, fgt_relative, poverty_measures, relative_poverty_line
from .sketch import Bounds, DistributionSketch

__all__ = [
    "Bounds", "DistributionSketch", "concentration_index", "kakwani", "middle_income_share",
    "redistributive_effect", "reynolds_smolensky", "winners_losers", "decile_means", "gini", "high_low_ratio",
    "lorenz_curve", "median", "palma", "p90_p10", "quantiles", "quintile_means", "share_of_top",
    "theil_decomposition", "theil_l", "theil_t", "fgt", "fgt_by_group", "fgt_relative", "poverty_measures",
    "relative_poverty_line",
]
