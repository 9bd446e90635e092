"""Employee social insurance contributions (职工社会保险个人缴费; parameters: `social_insurance.employee.*`).

Employees in the urban employee scheme pay 8% pension, 2% medical and the provincial unemployment rate on
their wage, the base clipped to 60%-300% of the provincial average wage (全口径) (社会保险法 第十二条,
第二十三条, 第四十四条; 国发〔2005〕38号; 国发〔1998〕44号; 失业保险条例 第六条; 国办发〔2019〕13号).
The contributions are taken from `gross_wages` (wages after the minimum-wage adjustment).

Part-year work (`months_employed`, 0-12, default 12): contributions are declared and paid month by month for
the months of employment (社会保险费征缴暂行条例 (国务院令第259号) 第十条: 缴费单位必须按月申报、缴纳; 社会保险费申报
缴纳管理规定 (人社部令第20号, 2013) 第四条 按月申报, 第八条 自用工之日起30日内申报缴纳), and the base is a monthly wage
bounded by 60%-300% of the monthly average wage, so the floor and ceiling of the year are the monthly bounds
times the months employed: a person who worked two months for 1,000 yuan pays on 2 × 60% of the monthly average
wage, not 12 ×. The wage is taken as earned evenly over those months (monthly wage = annual wages / months).
Flexible workers (灵活就业, `flexible.py`) choose their own base and months and are not concerned. The employer's
contributions are reported for information (`employer_social_insurance_contributions`, no role: they are
not part of household income in the NBS concept).
"""

from __future__ import annotations

import numpy as np

from gongfu.engine import PERSON, P, Rows, input_variable, variable
from gongfu.engine.enums import EmploymentStatus, PensionScheme

SIL = "中华人民共和国社会保险法 (2010, 2018年修正)"
EMP = "social_insurance.employee"


CONTRIB = "社会保险费征缴暂行条例 (国务院令第259号, 1999) 第十条; 社会保险费申报缴纳管理规定 (人社部令第20号, 2013) 第四条, 第八条"

input_variable("months_employed", entity=PERSON, dtype="int", unit="month", default=12, valid=(0, 12),
               reference=f"{CONTRIB}; 国办发〔2019〕13号 四 (monthly base bounds)",
               label={"en": "Months in wage employment in the year (part-year work)", "zh": "全年受雇月数"})


@variable(entity=PERSON, dtype="bool", unit="bool", reference=f"{SIL} 第十条, 第二十三条",
          label={"en": "Contributes as an employee to the employee schemes", "zh": "以职工身份参加职工社会保险"})
def employee_contributor(pension_scheme, employment_status, gross_wages, months_employed):
    """Employees (employment status) with wages and at least one month of employment who belong to the urban
    employee pension scheme."""
    return ((pension_scheme == PensionScheme.employee) & (employment_status == EmploymentStatus.employee)
            & (gross_wages > 0.0) & (months_employed > 0))


@variable(entity=PERSON, unit="CNY/year", reference="国办发〔2019〕13号 四、调整社保缴费基数政策",
          label={"en": "Average wage for contribution bases (annual)", "zh": "核定缴费基数的全口径平均工资(年)"})
def social_insurance_average_wage(province, table=P(f"{EMP}.average_wage")):
    """12 × the provincial average monthly wage (全口径) used to set bases, by province of residence (work)."""
    return table.lookup(province) * 12.0


@variable(entity=PERSON, unit="CNY/year", reference=f"国办发〔2019〕13号 四; {SIL} 第十二条; {CONTRIB}",
          label={"en": "Employee contribution base (months employed)", "zh": "职工个人缴费基数(受雇月份合计)"})
def employee_contribution_base(employee_contributor, gross_wages, social_insurance_average_wage, months_employed,
                               floor=P(f"{EMP}.base_floor_ratio"), ceiling=P(f"{EMP}.base_ceiling_ratio")):
    """Sum over the months employed of the monthly base: the monthly wage (wages / months) clipped to 60%-300%
    of the provincial monthly average wage, i.e. wages clipped to months/12 of the annual bounds; 0 for
    non-contributors."""
    r = Rows(employee_contributor)
    wage = r(social_insurance_average_wage) * r(months_employed) / 12.0
    return r.fill(np.clip(r(gross_wages), floor * wage, ceiling * wage))


@variable(entity=PERSON, dtype="bool", unit="bool", reference=f"{SIL} 第十六条; 国发〔2014〕8号 六",
          label={"en": "Receives a basic pension", "zh": "领取基本养老金"})
def receives_pension(employee_pension, resident_pension):
    """Receives an employee or a resident basic pension (and so no longer pays pension contributions)."""
    return (employee_pension > 0.0) | (resident_pension > 0.0)


@variable(entity=PERSON, unit="CNY/year", reference=f"{SIL} 第十二条第二款; 国发〔2005〕38号 四",
          label={"en": "Employee pension contribution", "zh": "职工基本养老保险个人缴费"})
def employee_pension_contribution(employee_contribution_base, receives_pension,
                                  rate=P(f"{EMP}.pension_rate")):
    """8% of the base, unless the person already draws a pension."""
    return np.where(receives_pension, 0.0, employee_contribution_base * rate)


@variable(entity=PERSON, unit="CNY/year", reference=f"{SIL} 第二十三条; 国发〔1998〕44号 二",
          label={"en": "Employee medical contribution", "zh": "职工基本医疗保险个人缴费"})
def employee_medical_contribution(employee_contribution_base, rate=P(f"{EMP}.medical_rate")):
    """2% of the base."""
    return employee_contribution_base * rate


@variable(entity=PERSON, unit="CNY/year", reference=f"{SIL} 第四十四条; 失业保险条例 第六条; 人社部发〔2017〕14号",
          label={"en": "Unemployment-insurance contribution", "zh": "失业保险个人缴费"})
def unemployment_contribution(employee_contribution_base, province, table=P(f"{EMP}.unemployment_rate")):
    """The provincial employee rate (the total phased rate is 1%) times the base."""
    return employee_contribution_base * table.lookup(province)


@variable(entity=PERSON, unit="CNY/year", role=None, tier="secondary",
          reference="国办发〔2019〕13号 一; 国发〔1998〕44号 二; 失业保险条例 第六条",
          label={"en": "Employer social-insurance contributions (information)", "zh": "单位社会保险缴费(参考)"})
def employer_social_insurance_contributions(employee_contribution_base, province,
                                            pension=P(f"{EMP}.employer_pension_rate"),
                                            medical=P(f"{EMP}.employer_medical_rate"),
                                            unemployment=P(f"{EMP}.employer_unemployment_rate")):
    """Employer pension (16%), medical incl. maternity and unemployment contributions on the employee's base.
    Work injury (by industry) is not included. Not a personal contribution: no effect on disposable income."""
    rate = pension + medical.lookup(province) + unemployment.lookup(province)
    return employee_contribution_base * rate
