"""Distributional analysis: weighted inequality, poverty and incidence statistics, and mergeable aggregates.

Small composable functions over (values, weights[, groups]) numpy arrays, weights being person weights:

* ``inequality`` -- Gini, Lorenz curve, Theil T/L and their decomposition, quantiles, shares, quintile means;
* ``poverty`` -- Foster-Greer-Thorbecke measures at absolute or relative lines, by group;
* ``incidence`` -- concentration, Kakwani, Reynolds-Smolensky, middle-income share, winners and losers;
* ``aggregates`` -- ``DistributionSketch`` and ``GroupedSums``: exact, mergeable partition summaries for
  national-scale runs, with rigorous bounds on every statistic.

May import: gongfu.engine only (statistics are pure functions of numpy arrays or of merged state).
"""

from .aggregates import Bounds, DistributionSketch, GroupedSums
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

__all__ = [
    "Bounds", "DistributionSketch", "GroupedSums", "concentration_index", "kakwani", "middle_income_share",
    "redistributive_effect", "reynolds_smolensky", "winners_losers", "decile_means", "gini", "high_low_ratio",
    "lorenz_curve", "median", "palma", "p90_p10", "quantiles", "quintile_means", "share_of_top",
    "theil_decomposition", "theil_l", "theil_t", "fgt", "fgt_by_group", "fgt_relative", "poverty_measures",
    "relative_poverty_line",
]
