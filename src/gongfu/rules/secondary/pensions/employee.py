"""Basic pension of the urban employee scheme (城镇职工基本养老金; parameters: `pensions.employee.*`).

国发〔2005〕38号 六: basic pension = previous-year provincial average wage × (1 + the person's average indexed
wage ratio) / 2 × years of contribution × 1%; personal-account pension = account balance / the months divisor
for the age at retirement (139 at 60, 170 at 55, 195 at 50). Paid to retired members of the employee scheme
with at least 15 contribution years (社会保险法 第十六条). Transitional pensions for pre-account years and the
upratings since retirement are not modelled: the amount is the one a person with these characteristics would
get on retiring now. Give `employee_pension` as input to use a known pension.
"""

from __future__ import annotations

import numpy as np

from gongfu.engine import PERSON, P, Rows, variable
from gongfu.engine.enums import EmploymentStatus, PensionScheme, Sex
from gongfu.engine.variables import AMOUNT

DECISION = "国务院关于完善企业职工基本养老保险制度的决定 (国发〔2005〕38号)"
PEN = "pensions.employee"
DIVISOR_AGES = range(40, 71)


@variable(entity=PERSON, unit="ratio", reference=f"{DECISION} 六",
          label={"en": "Average indexed contribution wage ratio", "zh": "本人平均缴费工资指数"},
          valid=(0.6, 3.0))  # contribution bases lie between 60% and 300% of the average wage (国发〔2005〕38号)
def pension_wage_index(pension_scheme, default=P(f"{PEN}.default_wage_index")):
    """Default when not given: `pensions.employee.default_wage_index` (1.0, contributions on the average wage);
    give the person's own index (0.6-3) when known."""
    return np.full(len(pension_scheme), default)


@variable(entity=PERSON, unit="year", reference="国务院关于工人退休、退职的暂行办法 (国发〔1978〕104号) 第一条",
          label={"en": "Age at retirement", "zh": "退休年龄"}, valid=(0, 150))  # an age, as `age`
def retirement_age(sex, male=P(f"{PEN}.retirement_age_male"), female=P(f"{PEN}.retirement_age_female")):
    """Default: the statutory age before the 2025 reform, 60 for men and 50 for women workers."""
    return np.where(sex == Sex.female, female, male)


@variable(entity=PERSON, unit="year", reference=f"{DECISION} 六; 社会保险法 第十六条",
          label={"en": "Years of contribution to the employee pension scheme", "zh": "职工养老保险累计缴费年限"},
          valid=(0, 80))  # years of a working life: 80 is above any career (1e10 gave a 24-trillion pension)
def contribution_years(age, retirement_age, pension_scheme, start=P(f"{PEN}.default_career_start_age")):
    """Default when not given (an assumption): members of the employee scheme contributed every year from 20
    until now or their retirement; 0 for others. Give the real figure when known."""
    years = np.maximum(np.minimum(age, retirement_age) - start, 0.0)
    return np.where(pension_scheme == PensionScheme.employee, years, 0.0)


@variable(entity=PERSON, unit="CNY", reference=f"{DECISION} 四, 六",
          label={"en": "Employee pension personal-account balance at retirement", "zh": "职工养老保险个人账户储存额"},
          valid=AMOUNT)  # an account balance: ≥ 0
def employee_pension_account(contribution_years, pension_wage_index, social_insurance_average_wage,
                             rate=P(f"{PEN}.account_rate")):
    """Default estimate: 8% of the indexed average wage for every contribution year, credited interest taken
    equal to wage growth. Give the balance when known."""
    return rate * social_insurance_average_wage * pension_wage_index * contribution_years


@variable(entity=PERSON, unit="count", reference=f"{DECISION} 附件 个人账户养老金计发月数表",
          label={"en": "Months divisor of the personal-account pension", "zh": "个人账户养老金计发月数"},
          valid=(1, None))  # a divisor: at least one month (0 would divide by zero)
def employee_pension_divisor(retirement_age, table=P(f"{PEN}.account_divisor")):
    """The divisor for the whole age at retirement (ages 40-70; outside, the nearest end of the table)."""
    divisors = np.array([getattr(table, f"age_{a}") for a in DIVISOR_AGES], dtype=np.float64)
    index = np.clip(np.floor(retirement_age).astype(np.int64) - DIVISOR_AGES.start, 0, len(divisors) - 1)
    return divisors[index]


@variable(entity=PERSON, dtype="bool", unit="bool", reference="社会保险法 第十六条",
          label={"en": "Draws an employee basic pension", "zh": "领取职工基本养老金"})
def employee_pension_eligible(employment_status, pension_scheme, contribution_years,
                              min_years=P(f"{PEN}.min_contribution_years")):
    """Retired members of the employee scheme with at least 15 years of contributions."""
    return ((employment_status == EmploymentStatus.retired) & (pension_scheme == PensionScheme.employee)
            & (contribution_years >= min_years))


@variable(entity=PERSON, unit="CNY/year", reference=f"{DECISION} 六",
          label={"en": "Basic pension (pooled part)", "zh": "基础养老金"})
def employee_basic_pension(employee_pension_eligible, social_insurance_average_wage, pension_wage_index,
                           contribution_years, accrual=P(f"{PEN}.accrual_rate")):
    """Average wage × (1 + index) / 2 × years × 1% (annual)."""
    r = Rows(employee_pension_eligible)
    return r.fill(r(social_insurance_average_wage) * (1.0 + r(pension_wage_index)) / 2.0 * r(contribution_years)
                  * accrual)


@variable(entity=PERSON, unit="CNY/year", reference=f"{DECISION} 六",
          label={"en": "Personal-account pension", "zh": "个人账户养老金"})
def employee_account_pension(employee_pension_eligible, employee_pension_account, employee_pension_divisor):
    """12 × account balance / months divisor (annual)."""
    r = Rows(employee_pension_eligible)
    return r.fill(12.0 * r(employee_pension_account) / r(employee_pension_divisor))


@variable(entity=PERSON, unit="CNY/year", role="benefit", tier="secondary", reference=f"{DECISION} 六; 社会保险法 第十五条, 第十六条",
          label={"en": "Employee basic pension", "zh": "城镇职工基本养老金"})
def employee_pension(employee_basic_pension, employee_account_pension):
    """Basic pension plus personal-account pension."""
    return employee_basic_pension + employee_account_pension
