"""The fixed benchmark rule set (bench/ruleset/SPEC.md) for the gongfu engine. A BENCHMARK, not gongfu's law.

Build it with `bench.ruleset.gongfu_rules.system()`: parameters from bench/ruleset/parameters/ (`bench.*`).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np

from gongfu.engine import HOUSEHOLD, PERSON, P, build_system, input_variable, variable

PARAMETERS_DIR = Path(__file__).resolve().parent / "parameters"
SPEC = "bench/ruleset/SPEC.md (benchmark rule set)"


@cache
def system():
    """The benchmark tax-benefit system (built once per process)."""
    return build_system(PARAMETERS_DIR, __name__, name="bench")


# ------------------------------------------------------------------ inputs
input_variable("household_id", entity=HOUSEHOLD, dtype="int64", unit="id",
               label={"en": "Household identifier", "zh": "家庭户编号"})
input_variable("province", entity=HOUSEHOLD, dtype="int8", unit="GB/T 2260", default=11,
               label={"en": "Province of residence", "zh": "常住省份"})
input_variable("area", entity=HOUSEHOLD, dtype="int8", unit="code", default=1,
               label={"en": "Area (0 rural, 1 urban)", "zh": "城乡 (0 农村, 1 城镇)"})
input_variable("person_id", entity=PERSON, dtype="int64", unit="id",
               label={"en": "Person identifier", "zh": "个人编号"})
input_variable("age", entity=PERSON, dtype="int16", unit="year", default=30,
               label={"en": "Age", "zh": "年龄"})
input_variable("wage_income", entity=PERSON, unit="CNY/year", default=0.0,
               label={"en": "Wages and salaries (gross)", "zh": "工资薪金收入"})


# ------------------------------------------------------------------ contributions
@variable(entity=PERSON, unit="CNY/year", label={"en": "Contribution base", "zh": "社会保险缴费基数"},
          reference=SPEC + "; 国办发〔2019〕13号")
def contribution_base(wage_income, province, average_wage=P("bench.average_wage"),
                      floor=P("bench.contributions.base_floor"), ceiling=P("bench.contributions.base_ceiling")):
    """Wages clipped to [floor, ceiling] × the province average wage; 0 without wages."""
    aw = average_wage.lookup(province)
    return np.where(wage_income > 0, np.clip(wage_income, floor * aw, ceiling * aw), 0.0)


@variable(entity=PERSON, unit="CNY/year", role="contribution", tier="secondary",
          label={"en": "Social insurance contributions (employee)", "zh": "个人社会保险缴费"}, reference=SPEC)
def social_insurance_contributions(contribution_base, rate=P("bench.contributions.employee_rate")):
    """Employee rate × contribution base."""
    return rate * contribution_base


# ------------------------------------------------------------------ income tax
@variable(entity=PERSON, unit="CNY/year", label={"en": "Taxable income", "zh": "应纳税所得额"},
          reference=SPEC + "; 个人所得税法 (2018) 第六条")
def taxable_income(wage_income, social_insurance_contributions, deduction=P("bench.iit.basic_deduction")):
    """Wages less the basic deduction and contributions, not below zero."""
    return np.maximum(wage_income - deduction - social_insurance_contributions, 0.0)


@variable(entity=PERSON, unit="CNY/year", role="tax", tier="secondary",
          label={"en": "Individual income tax", "zh": "个人所得税"},
          reference=SPEC + "; 个人所得税法 (2018) 税率表一")
def individual_income_tax(taxable_income, schedule=P("bench.iit.schedule")):
    """3-45% marginal schedule on taxable income."""
    return schedule.calc(taxable_income)


@variable(entity=PERSON, unit="CNY/year", label={"en": "Net income", "zh": "税后收入"}, reference=SPEC)
def net_income(wage_income, social_insurance_contributions, individual_income_tax):
    """Wages less contributions and tax."""
    return wage_income - social_insurance_contributions - individual_income_tax


# ------------------------------------------------------------------ dibao
@variable(entity=HOUSEHOLD, unit="CNY/year", label={"en": "Household net income", "zh": "家庭税后收入"},
          reference=SPEC)
def household_net_income(net_income, members):
    """Sum of the members' net incomes."""
    return members.sum(net_income)


@variable(entity=HOUSEHOLD, dtype="int", unit="persons", label={"en": "Household size", "zh": "家庭户人口数"},
          reference=SPEC)
def household_size(members):
    """Number of members."""
    return members.counts


@variable(entity=HOUSEHOLD, unit="CNY/year", role="benefit", tier="secondary",
          label={"en": "Dibao", "zh": "最低生活保障金"}, reference=SPEC + "; 社会救助暂行办法 (2014) 第九条")
def dibao(household_net_income, household_size, province, area, standard=P("bench.dibao.standard")):
    """Gap between 12 × monthly standard × household size and net income, not below zero."""
    return np.maximum(12.0 * standard.lookup(province, area) * household_size - household_net_income, 0.0)
