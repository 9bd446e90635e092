"""Minimum wage (最低工资): the applicable monthly minimum, the shortfall of employees' wages below it, and the
model's wage adjustment (enforcement and the low-wage uplift reform), giving `gross_wages`, the wage every tax and
contribution rule uses.

Law: 最低工资规定 (劳动和社会保障部令第21号, 2004); tables: parameters/primary/minimum_wage.yaml.
"""

from __future__ import annotations

import numpy as np

from gongfu.engine import HOUSEHOLD, PERSON, P, variable
from gongfu.engine.enums import EmploymentStatus

LAW = "最低工资规定 (劳动和社会保障部令第21号, 2004)"


@variable(entity=HOUSEHOLD, unit="CNY/month", tier="primary", reference=LAW + "; MOHRSS provincial table",
          label={"en": "Applicable monthly minimum wage", "zh": "适用的月最低工资标准"})
def minimum_wage_monthly(province, area, table=P("minimum_wage.monthly")):
    """The monthly minimum wage where the household lives: first tier in urban areas, lowest tier in rural
    areas (the model has no city within a province; see minimum_wage.yaml)."""
    return table.lookup(province, area, missing=0.0)


def _employee(wage_income: np.ndarray, employment_status: np.ndarray) -> np.ndarray:
    return (employment_status == EmploymentStatus.employee) & (wage_income > 0)


@variable(entity=PERSON, unit="CNY/year", tier="primary", reference=LAW + ", 第十二条",
          label={"en": "Shortfall of annual wages below 12 × the monthly minimum (employees)",
                 "zh": "年工资低于12个月最低工资的差额（职工）"})
def minimum_wage_shortfall(wage_income, employment_status, minimum_wage_monthly):
    """How far an employee's annual wage is below 12 × the monthly minimum (0 for others).

    Reported, not paid: annual wages in the data include part-year and part-time work, so a shortfall is not
    by itself a breach of the law (see `minimum_wage.enforce`).
    """
    shortfall = np.maximum(12.0 * minimum_wage_monthly - wage_income, 0.0)
    return np.where(_employee(wage_income, employment_status), shortfall, 0.0)


@variable(entity=PERSON, unit="CNY/year", role="market", tier="primary", reference=LAW,
          label={"en": "Wage change from minimum-wage rules in the model", "zh": "最低工资规则带来的工资变动"})
def minimum_wage_adjustment(wage_income, employment_status, minimum_wage_monthly,
                            enforce=P("minimum_wage.enforce"),
                            uplift_rate=P("minimum_wage.low_wage_uplift_rate"),
                            threshold_multiple=P("minimum_wage.low_wage_threshold_multiple")):
    """Raise to employees' wages (0 in the baseline).

    1. Low-wage uplift (reform lever): a wage below `threshold_multiple` × 12 × the monthly minimum rises by
       `uplift_rate`, but not above that threshold, so no one overtakes a worker who earned more before.
    2. Enforcement (switch, off by default): the wage after step 1 is raised to 12 × the monthly minimum.
    """
    if not np.any(uplift_rate) and not np.any(enforce):  # the baseline: nobody's wage changes
        return np.zeros(wage_income.shape)
    annual_minimum = 12.0 * minimum_wage_monthly
    threshold = threshold_multiple * annual_minimum
    uplifted = np.where(wage_income < threshold,
                        np.minimum(wage_income * (1.0 + uplift_rate), threshold), wage_income)
    uplifted = np.maximum(uplifted, wage_income)
    if enforce:
        uplifted = np.maximum(uplifted, annual_minimum)
    return (uplifted - wage_income) * _employee(wage_income, employment_status)  # both terms >= 0


@variable(entity=PERSON, unit="CNY/year", tier="primary", reference=LAW,
          label={"en": "Gross wages (after minimum-wage rules)", "zh": "税前工资（最低工资规则后）"})
def gross_wages(wage_income, minimum_wage_adjustment):
    """Wages used by taxes, contributions and income concepts: reported wages plus the model's adjustment."""
    return wage_income + minimum_wage_adjustment
