"""Contributions of flexible workers and individual businesses in the employee schemes
(灵活就业人员、个体工商户参加职工基本养老保险和职工基本医疗保险; parameters: `social_insurance.flexible.*`).

They pay 20% for the pension (8% to the personal account) and the local flexible-worker medical rate on a base
they choose within 60%-300% of the provincial average wage (社会保险法 第十条第二款, 第二十三条第二款;
国发〔2005〕38号 三; 国办发〔2019〕13号 四). Default choice: 60%.
"""

from __future__ import annotations

import numpy as np

from gongfu.engine import PERSON, P, variable
from gongfu.engine.enums import EmploymentStatus, PensionScheme

FLX = "social_insurance.flexible"
EMP = "social_insurance.employee"


@variable(entity=PERSON, dtype="bool", unit="bool", reference="社会保险法 第十条第二款, 第二十三条第二款",
          label={"en": "Contributes as a flexible worker or individual business", "zh": "以灵活就业人员身份参保"})
def flexible_contributor(pension_scheme, employment_status):
    """Flexible workers and the self-employed who belong to the urban employee pension scheme."""
    status = (employment_status == EmploymentStatus.flexible) | (employment_status == EmploymentStatus.self_employed)
    return status & (pension_scheme == PensionScheme.employee)


@variable(entity=PERSON, unit="ratio", reference="国办发〔2019〕13号 四 (在60%至300%之间选择适当的缴费基数)",
          label={"en": "Chosen contribution base (share of the average wage)", "zh": "灵活就业人员选择的缴费档次"},
          valid=(0.6, 3.0))  # the law's 60%–300% of the average wage
def flexible_contribution_base_ratio(pension_scheme, default=P(f"{FLX}.default_base_ratio")):
    """Default 0.6 (the lowest base); give a value between 0.6 and 3 per person."""
    return np.full(len(pension_scheme), default)


@variable(entity=PERSON, unit="CNY/year", reference="国办发〔2019〕13号 四",
          label={"en": "Flexible worker's contribution base", "zh": "灵活就业人员缴费基数"})
def flexible_contribution_base(flexible_contributor, flexible_contribution_base_ratio, social_insurance_average_wage,
                               floor=P(f"{EMP}.base_floor_ratio"), ceiling=P(f"{EMP}.base_ceiling_ratio")):
    """Chosen share (held within 60%-300%) of the provincial average wage; 0 for non-contributors."""
    ratio = np.clip(flexible_contribution_base_ratio, floor, ceiling)
    return np.where(flexible_contributor, ratio * social_insurance_average_wage, 0.0)


@variable(entity=PERSON, unit="CNY/year", reference="国发〔2005〕38号 三 (缴费比例为20%, 其中8%记入个人账户)",
          label={"en": "Flexible worker's pension contribution", "zh": "灵活就业人员基本养老保险缴费"})
def flexible_pension_contribution(flexible_contribution_base, receives_pension, rate=P(f"{FLX}.pension_rate")):
    """20% of the chosen base, unless the person already draws a pension."""
    return np.where(receives_pension, 0.0, flexible_contribution_base * rate)


@variable(entity=PERSON, unit="CNY/year", reference="社会保险法 第二十三条第二款; 劳社厅发〔2003〕10号",
          label={"en": "Flexible worker's medical contribution", "zh": "灵活就业人员职工基本医疗保险缴费"})
def flexible_medical_contribution(flexible_contribution_base, province, table=P(f"{FLX}.medical_rate")):
    """The local flexible-worker medical rate times the chosen base."""
    return flexible_contribution_base * table.lookup(province)
