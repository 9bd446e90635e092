"""Minimum living guarantee (最低生活保障, dibao): the standard of the hukou place, the means test on household
per-capita income, and the top-up to the standard.

Law: 社会救助暂行办法 (国务院令第649号, 2014) 第九条至第十七条; 最低生活保障审核确认办法 (民发〔2021〕57号).
Parameters: parameters/secondary/assistance/dibao.yaml (`assistance.dibao.*`).

Who is in the dibao unit: every member of the household except persons receiving tekun (特困人员), who are
supported under their own programme and whose income is not pooled with the others; the unit's income is
divided by the unit's size. Income counted (57号): market income, pensions (less the central resident basic
pension, which is not counted in the 14th Five-Year Plan), minus taxes and personal social-insurance
contributions paid -- person-level ones per person, household-level ones (a tax on the dwelling) on the unit. Not counted: every social-assistance payment (dibao, tekun, medical assistance), the childcare
subsidy, the disability subsidies and the old-age allowance, and (baseline) charity received. Negative income
(business losses) counts as zero.

Work incentives (`assistance.dibao.work_incentives`, off by default; 国发〔2012〕45号: 可以扣减必要的就业成本;
民发〔2021〕57号: 渐退期): with the switch on, (1) a share of each member's work income (wages and positive non-farm
business income) plus a fixed work cost per month employed is left out of the means test, so that a yuan earned
inside the dibao range withdraws less than a yuan of dibao; (2) a household that received dibao last year
(`dibao_last_year`, an input: a one-year model has no history) and whose income is now above the standard keeps
last year's monthly dibao for `gradual_exit_months` months. Without last year's status (the default 0, and every
generated population) the gradual exit does nothing. The exit payment does not depend on this year's income, so
crossing the line can raise dibao for such a household (the exit payment replaces a smaller top-up).
"""

from __future__ import annotations

import numpy as np

from gongfu.engine import HOUSEHOLD, PERSON, ByRole, P, input_variable, variable
from gongfu.engine.enums import Role

LAW = "社会救助暂行办法 (国务院令第649号, 2014)"
MEASURES = "最低生活保障审核确认办法 (民发〔2021〕57号)"

WORK = "assistance.dibao.work_incentives"
INCENTIVES = "国务院关于进一步加强和改进最低生活保障工作的意见 (国发〔2012〕45号); " + MEASURES

input_variable("dibao_last_year", entity=HOUSEHOLD, unit="CNY/year", default=0.0, valid=(0, 1e9),
               reference=MEASURES + ": 渐退期 (the one-year model's stand-in for last year's status)",
               label={"en": "Dibao received last year (0: not a dibao household)", "zh": "上年领取的低保金(0为非低保户)"})
input_variable("dibao_takeup", entity=HOUSEHOLD, dtype="bool", default=True, unit="bool",
               label={"en": "Household claims dibao when eligible", "zh": "符合条件时申领低保"},
               reference="gongfu behavioural input (take-up); default: every eligible household claims")


def head_index(role: np.ndarray, members) -> np.ndarray:
    """Row of each household's head (the first member with role head; the first member if none is head)."""
    return members.first_where(role == Role.head)


@variable(entity=HOUSEHOLD, dtype="int8", unit="GB/T 2260", tier="secondary", reference=MEASURES,
          label={"en": "Province whose dibao standard applies", "zh": "适用低保标准的省份"})
def dibao_province(province, hukou_province, role, members,
                   follows_residence=P("assistance.dibao.follows_residence")):
    """The head's hukou province (application at the hukou place), or the province of residence when the
    `follows_residence` switch is on."""
    if follows_residence:
        return province
    return hukou_province[head_index(role, members)]


@variable(entity=HOUSEHOLD, dtype="int8", unit="code", tier="secondary", reference=MEASURES,
          label={"en": "Urban or rural dibao standard applies (0 rural, 1 urban)", "zh": "适用城市或农村低保标准"},
          valid=(0, 1))  # an Area code
def dibao_area(area, hukou_type, role, members, follows_residence=P("assistance.dibao.follows_residence")):
    """Rural standard for a rural-hukou head, urban standard for an urban-hukou head (HukouType and Area codes
    coincide); the area of residence when `follows_residence` is on."""
    if follows_residence:
        return area
    return hukou_type[head_index(role, members)]


@variable(entity=HOUSEHOLD, unit="CNY/month", tier="secondary", reference=LAW + ", 第十条",
          label={"en": "Dibao standard (per person)", "zh": "最低生活保障标准（每人每月）"})
def dibao_standard(dibao_province, dibao_area, standard=P("assistance.dibao.standard")):
    """The monthly per-person standard of the applicable province and area (0 for an unknown province)."""
    return standard.lookup(dibao_province, dibao_area, missing=0.0)


@variable(entity=PERSON, unit="CNY/year", tier="secondary", reference=MEASURES + ", 家庭收入",
          label={"en": "Income counted in the dibao and tekun means tests", "zh": "低保特困认定计入的个人收入"})
def dibao_counted_income(person_market_income, employee_pension, resident_pension,
                         taxes=ByRole("tax"), contributions=ByRole("contribution"),
                         excluded=P("assistance.dibao.excluded_central_basic_pension")):
    """Market income + pensions − taxes − personal contributions, leaving out the central resident basic
    pension (57号 下列收入不计入家庭收入 (三)). Transfers of social assistance and subsidies are not counted."""
    resident_counted = np.maximum(resident_pension - 12.0 * excluded, 0.0)
    return person_market_income + employee_pension + resident_counted - taxes - contributions


@variable(entity=PERSON, unit="CNY/year", tier="secondary", reference=MEASURES + ", 家庭收入",
          label={"en": "Taxes and contributions of the person (all person-level programmes)",
                 "zh": "个人缴纳的税费合计"})
def person_taxes_and_contributions(taxes=ByRole("tax"), contributions=ByRole("contribution")):
    """Every person-level tax and contribution (a person formula's ByRole sums person variables only)."""
    return taxes + contributions


@variable(entity=HOUSEHOLD, unit="CNY/year", tier="secondary", reference=MEASURES + ", 家庭收入",
          label={"en": "Household-level taxes and contributions (not attached to a person)",
                 "zh": "以家庭为单位缴纳的税费"})
def dibao_household_level_deductions(person_taxes_and_contributions, members, taxes=ByRole("tax"),
                                     contributions=ByRole("contribution")):
    """Taxes and contributions declared on the household (e.g. a tax on the dwelling): the household total of each
    role less the members' part, so that a household-level programme also nets out of counted income."""
    return taxes + contributions - members.sum(person_taxes_and_contributions)


@variable(entity=PERSON, unit="CNY/year", tier="secondary", reference=INCENTIVES,
          label={"en": "Work income left out of the dibao means test (work incentive)",
                 "zh": "低保收入核算扣减的就业收入(就业成本)"})
def dibao_work_income_disregard(gross_wages, self_employment_income, months_employed,
                                applies=P(f"{WORK}.applies"), rate=P(f"{WORK}.work_income_disregard_rate"),
                                monthly=P(f"{WORK}.work_cost_monthly")):
    """With the switch on: `rate` × work income (wages + positive non-farm business income) + the monthly work
    cost × months employed, at most the work income; 0 otherwise (the baseline)."""
    if not applies:
        return np.zeros(gross_wages.shape)
    work = gross_wages + np.maximum(self_employment_income, 0.0)
    cost = rate * work + np.where(work > 0.0, monthly * months_employed, 0.0)
    return np.minimum(cost, work)


@variable(entity=HOUSEHOLD, dtype="int", unit="persons", tier="secondary", reference=LAW + ", 第九条",
          label={"en": "Members in the dibao unit (household less tekun persons)", "zh": "低保核算人数（不含特困人员）"})
def dibao_unit_size(tekun_recipient, members):
    """Members whose income is pooled for dibao: everyone except persons receiving tekun."""
    return members.count(~tekun_recipient)


@variable(entity=HOUSEHOLD, unit="CNY/year", tier="secondary", reference=MEASURES,
          label={"en": "Per-capita income for the dibao means test", "zh": "低保家庭人均收入"})
def dibao_income_per_capita(dibao_counted_income, tekun_recipient, dibao_unit_size, charity_received, members,
                            dibao_household_level_deductions, dibao_work_income_disregard,
                            counts_charity=P("assistance.dibao.counts_charity_received")):
    """Counted income of the dibao unit, less household-level taxes and contributions and the work income left
    out (work incentives, 0 in the baseline), (floored at 0) divided by its size; charity received only if the
    switch says so."""
    counted = dibao_counted_income - dibao_work_income_disregard
    income = members.sum(np.where(tekun_recipient, 0.0, counted)) - dibao_household_level_deductions
    if counts_charity:
        income = income + charity_received
    return np.maximum(income, 0.0) / np.maximum(dibao_unit_size, 1)


@variable(entity=HOUSEHOLD, dtype="bool", tier="secondary", unit="bool", reference=LAW + ", 第九条",
          label={"en": "Eligible for dibao", "zh": "符合低保条件"})
def dibao_eligible(dibao_unit_size, dibao_income_per_capita, dibao_standard, n_homes,
                   asset_test=P("assistance.dibao.asset_test")):
    """Per-capita income below the annual standard (and, if the optional asset test applies, no more homes
    than allowed). Depends on nothing that dibao or the subsidies pay."""
    eligible = (dibao_unit_size > 0) & (dibao_income_per_capita < 12.0 * dibao_standard)
    if asset_test.applies:
        eligible &= n_homes <= asset_test.max_homes
    return eligible


@variable(entity=HOUSEHOLD, unit="CNY/year", tier="secondary", reference=LAW + ", 第十条",
          label={"en": "Dibao entitlement", "zh": "应发低保金"})
def dibao_entitlement(dibao_eligible, dibao_standard, dibao_income_per_capita, dibao_unit_size,
                      dibao_gradual_exit):
    """(Annual standard − per-capita income) × members of the dibao unit, for eligible households; the
    gradual-exit payment for households that left dibao this year (0 in the baseline)."""
    gap = np.maximum(12.0 * dibao_standard - dibao_income_per_capita, 0.0)
    return np.where(dibao_eligible, gap * dibao_unit_size, dibao_gradual_exit)


@variable(entity=HOUSEHOLD, unit="CNY/year", tier="secondary", reference=INCENTIVES + ", 渐退期",
          label={"en": "Dibao kept during the gradual exit (work incentive)", "zh": "渐退期内继续发放的低保金"})
def dibao_gradual_exit(dibao_eligible, dibao_last_year, dibao_unit_size, applies=P(f"{WORK}.applies"),
                       months=P(f"{WORK}.gradual_exit_months")):
    """With the switch on, a household that received dibao last year and is no longer eligible keeps last year's
    monthly dibao for `gradual_exit_months` months: dibao_last_year × months / 12; 0 otherwise."""
    if not applies or not months:
        return np.zeros(dibao_last_year.shape)
    leaving = ~dibao_eligible & (dibao_last_year > 0.0) & (dibao_unit_size > 0)
    return np.where(leaving, dibao_last_year * min(float(months), 12.0) / 12.0, 0.0)


@variable(entity=HOUSEHOLD, unit="CNY/year", role="benefit", tier="secondary", reference=LAW + ", 第九条、第十条",
          label={"en": "Dibao (minimum living guarantee)", "zh": "最低生活保障金"})
def dibao(dibao_entitlement, dibao_takeup):
    """Dibao paid: the entitlement where the household takes it up."""
    return np.where(dibao_takeup, dibao_entitlement, 0.0)
