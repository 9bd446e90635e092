"""Housing provident fund (住房公积金; parameters: `social_insurance.housing_fund.*`).

Members (`housing_fund_member`, a subset of employees) and their employer each pay a rate (5%-12%, 建金管〔2005〕5号)
on a base: the member's wages, at most 3 times the local average monthly wage of the previous year and at least
the local monthly minimum wage (local rule). Within 12% and the 3-times cap the employee part is a special
deduction of the income tax and the employer part is not income; the excess is taxable wages
(财税〔2006〕10号 第二条).

Income concepts: the employee contribution has role "contribution", so disposable income is net of it. This
follows the NBS household survey, where personal social-security payments (个人交纳的社会保障支出: pension,
medical, unemployment funds and the housing provident fund) are transfers paid deducted from disposable income
(e.g. NBS 齐齐哈尔调查队 2012: 个人交纳的住房公积金 is 41% of the households' 社会保障支出; the 2013- integrated survey
keeps 各项社会保障支出 in 转移性支出 — whether it still lists the fund there was not checked). Withdrawals
(提取住房公积金, a transfer received in the NBS survey) are not modelled. The employer part has no role.
"""

from __future__ import annotations

import numpy as np

from gongfu.engine import PERSON, P, Rows, input_variable, variable

HPF = "住房公积金管理条例 (国务院令第262号, 2019年修订)"
TAX = "财政部 国家税务总局关于基本养老保险费、基本医疗保险费、失业保险费、住房公积金有关个人所得税政策的通知 (财税〔2006〕10号)"
NODE = "social_insurance.housing_fund"

input_variable("housing_fund_member", entity=PERSON, dtype="bool", unit="bool", default=False,
               reference=f"{HPF} 第十五条, 第十八条",
               label={"en": "Member of the housing provident fund (the employer pays in)", "zh": "缴存住房公积金"})


@variable(entity=PERSON, unit="rate", reference=f"{HPF} 第十八条; 建金管〔2005〕5号 三",
          label={"en": "Housing-fund contribution rate (each side)", "zh": "住房公积金缴存比例(单位和个人各)"})
def housing_fund_rate(rate=P(f"{NODE}.rate")):
    """The modelled rate for every member (give the person's own rate as input: 5%-12% by law)."""
    return rate


@variable(entity=PERSON, unit="CNY/year", reference=f"{TAX} 第二条; 建金管〔2005〕5号 三",
          label={"en": "Housing-fund contribution base (annual)", "zh": "住房公积金缴存基数(年)"})
def housing_fund_base(housing_fund_member, gross_wages, social_insurance_average_wage, minimum_wage_monthly,
                      months_employed, cap=P(f"{NODE}.base_cap_multiple"),
                      floor=P(f"{NODE}.base_floor_minimum_wage")):
    """Wages of members who earn, at most `cap` (3) × the local average wage and, with the floor switch, at least
    the local monthly minimum wage, both per month of employment (the monthly deposit is the monthly wage times
    the rate, 住房公积金管理条例 第十六条; `months_employed`, default 12); 0 for non-members."""
    r = Rows(housing_fund_member & (gross_wages > 0.0) & (months_employed > 0))
    months = r(months_employed)
    base = np.minimum(r(gross_wages), cap * r(social_insurance_average_wage) * months / 12.0)
    if floor:
        base = np.maximum(base, months * r(minimum_wage_monthly))
    return r.fill(base)


@variable(entity=PERSON, unit="CNY/year", role="contribution", tier="secondary", reference=f"{HPF} 第十八条, 第十九条",
          label={"en": "Housing-fund contribution (employee)", "zh": "住房公积金个人缴存额"})
def housing_fund_employee_contribution(housing_fund_base, housing_fund_rate):
    """The member's rate times the base (withheld from wages)."""
    return housing_fund_base * housing_fund_rate


@variable(entity=PERSON, unit="CNY/year", reference=f"{HPF} 第二十条",
          label={"en": "Housing-fund contribution of the employer (information)", "zh": "住房公积金单位缴存额(参考)"})
def housing_fund_employer_contribution(housing_fund_base, housing_fund_rate):
    """Same rate on the same base (the model gives both sides one rate). Not household income (no role)."""
    return housing_fund_base * housing_fund_rate


@variable(entity=PERSON, unit="CNY/year", reference=f"{TAX} 第二条; 个人所得税法 第六条第四款 (专项扣除)",
          label={"en": "Housing-fund contribution deductible from income tax", "zh": "准予扣除的个人住房公积金"})
def housing_fund_iit_deductible(housing_fund_employee_contribution, housing_fund_base, housing_fund_rate,
                                social_insurance_average_wage, tax_free=P(f"{NODE}.tax_free_rate"),
                                cap=P(f"{NODE}.base_cap_multiple")):
    """The employee contribution within 12% of a base of at most 3 × the local average wage."""
    r = Rows(housing_fund_base > 0.0)  # (0 for non-members)
    limit = np.minimum(r(housing_fund_rate), tax_free) * np.minimum(r(housing_fund_base),
                                                                    cap * r(social_insurance_average_wage))
    return r.fill(np.minimum(r(housing_fund_employee_contribution), limit))


@variable(entity=PERSON, unit="CNY/year", reference=f"{TAX} 第二条",
          label={"en": "Employer housing-fund contribution above the tax-free limit (taxable wages)",
                 "zh": "单位超标准缴存的住房公积金(并入工资薪金)"})
def housing_fund_taxable_excess(housing_fund_base, housing_fund_rate, social_insurance_average_wage,
                                tax_free=P(f"{NODE}.tax_free_rate"), cap=P(f"{NODE}.base_cap_multiple")):
    """The employer's contribution (the same rate on the same base) beyond 12% of a base of at most 3 × the local
    average wage (0 within the limits, as with the default rate)."""
    r = Rows(housing_fund_base > 0.0)  # (0 for non-members)
    rate, base = r(housing_fund_rate), r(housing_fund_base)
    limit = np.minimum(rate, tax_free) * np.minimum(base, cap * r(social_insurance_average_wage))
    return r.fill(np.maximum(rate * base - limit, 0.0))
