"""Structural reform: the low-wage uplift lever by province (for provincial packages such as Zhejiang's).

The baseline lever `minimum_wage.low_wage_uplift_rate` is national. This module replaces the formula of
`minimum_wage_adjustment` so that the rate is the national one plus a per-province rate read from the new table
parameter `minimum_wage.low_wage_uplift_rate_by_province` (which the reform file declares under
`new_parameters:`). The rule itself is the law's (rules/primary/minimum_wage.py), called with a rate per person.
"""

from __future__ import annotations

import numpy as np

from gongfu.engine import P
from gongfu.rules.primary import minimum_wage as law


def minimum_wage_adjustment(wage_income, employment_status, minimum_wage_monthly, province,
                            enforce=P("minimum_wage.enforce"),
                            uplift_rate=P("minimum_wage.low_wage_uplift_rate"),
                            by_province=P("minimum_wage.low_wage_uplift_rate_by_province"),
                            threshold_multiple=P("minimum_wage.low_wage_threshold_multiple")):
    """The law's minimum-wage adjustment with uplift rate = national rate + the rate of the province of
    residence (0 where the table gives none)."""
    rate = uplift_rate + np.nan_to_num(by_province.lookup(province), nan=0.0)
    return law.minimum_wage_adjustment(wage_income, employment_status, minimum_wage_monthly, enforce=enforce,
                                       uplift_rate=rate, threshold_multiple=threshold_multiple)


FORMULAS = {"minimum_wage_adjustment": minimum_wage_adjustment}
