"""Individual income tax of resident individuals (个人所得税), 2019 law (parameters: `tax.iit.*`).

Computed per person on annual amounts (the annual-reconciliation view, 年度汇算):

* comprehensive income (综合所得): wages (`gross_wages`, the annual bonus included), plus labour remuneration,
  royalties (each less 20% of costs) and author's remuneration (less 20%, then at 70%), plus employer housing-fund
  contributions above the tax-free limit; less the 60,000-yuan basic deduction, the special deductions (专项扣除:
  personal social-insurance and housing-fund contributions), the special additional deductions (专项附加扣除) and
  the other deductions (individual pension account up to 12,000, annuities within 4% of the base); taxed at
  3-45% (个人所得税法 第二条, 第三条第(一)项, 第六条第一款第(一)项, 第六条第二款);
* the annual one-time bonus (全年一次性奖金), taxed apart on the monthly-converted schedule until 2027 or with
  comprehensive income, whichever is lower by default (财税〔2018〕164号; 财政部 税务总局公告2023年第30号);
* business income (经营所得) at 5-35%, with the individual-business halving of 2021-2027
  (个人所得税法 第三条第(二)项, 第六条第一款第(三)项; 财政部 税务总局公告2023年第12号);
* property income at 20%: dividends (listed-share holding-period relief, 财税〔2015〕101号), taxable interest
  (deposit interest exempt), rent (housing 10%), property-transfer gains; and incidental income at 20%
  (第三条第(三)项).

Farming income is not taxed (财税〔2004〕30号); pensions are exempt (第四条第一款第(七)项).

Part-year work (`months_employed`): the tax is the annual settlement's, with the 60,000-yuan basic deduction of the
year whatever the months worked (第六条第一款第(一)项: 以每一纳税年度的收入额减除费用六万元; 第十一条: 综合所得按年计算,
扣缴义务人按月预扣预缴, 次年三月一日至六月三十日汇算清缴). The employer's withholding (累计预扣法: 5,000 × the months
of employment at that employer, 国家税务总局公告2018年第61号 第六条; 5,000 × the months since January for a first
job in the year, 公告2020年第13号) depends on which months were worked and is refunded or topped up at settlement,
so it is not modelled; the months change the tax only through the contributions deducted (专项扣除).

Special additional deductions by default: the household's children, its parents aged 60+ and its housing are
claimed by one person, the head or spouse with the higher wages plus business income (the head on a tie):
the law lets parents choose who claims (国发〔2018〕41号 第六条, 第十五条, 第十九条), and giving the whole
deduction to the higher earner is what a couple minimising tax would normally do. Every default can be
overridden per person (`iit_children_deduction_share`, `iit_grandchildren_deduction_share`,
`iit_housing_deduction_share`, `iit_elderly_support_monthly`), and personal ones are inputs
(`iit_continuing_education_months`, `iit_vocational_certificate`, `iit_serious_illness_expenses`,
`iit_only_child`). Household files breaking the legal limits of these choices are refused
(`check_household_inputs`).
Children are members with role `child`, claimed by the head/spouse claimant. Grandchildren (role `grandchild`)
are claimed by their parent generation: the adult member with role `child` with the largest earnings (their
parent as a rule in a three-generation household); when no such member earns (left-behind children whose parents
work elsewhere), the deduction is claimed outside the household and is not modelled.
Elderly support is given only for parents aged 60+ living in the household -- the head's parents (role `parent`,
claimed by the head/spouse claimant) and an elderly head or spouse (claimed by their earning adult children):
parents living elsewhere are not observed, which understates the deduction (give `iit_elderly_support_monthly`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from gongfu.engine import HOUSEHOLD, PERSON, InputError, P, Rows, Scale, input_variable, variable
from gongfu.engine.enums import EmploymentStatus, Role, Tenure
from gongfu.engine.errors import where
from gongfu.engine.variables import AMOUNT

LAW = "中华人民共和国个人所得税法 (2018年修正)"
SAD = "个人所得税专项附加扣除暂行办法 (国发〔2018〕41号); 国发〔2022〕8号; 国发〔2023〕13号"
ENT = "tax.iit.special_additional_deductions"
COMP = "tax.iit.comprehensive_income"
BONUS = "tax.iit.annual_bonus"
OTHER = "tax.iit.other_deductions"

# ------------------------------------------------------------------ personal inputs
input_variable("iit_continuing_education_months", entity=PERSON, dtype="int", unit="month", default=0, valid=(0, 12),
               reference=f"{SAD} 第八条",
               label={"en": "Months of academic continuing education in the year", "zh": "学历(学位)继续教育月数"})
input_variable("iit_vocational_certificate", entity=PERSON, dtype="bool", unit="bool", default=False,
               reference=f"{SAD} 第八条",
               label={"en": "Obtained a vocational qualification certificate this year",
                      "zh": "当年取得职业资格相关证书"})
input_variable("iit_serious_illness_expenses", entity=PERSON, unit="CNY/year", default=0.0, valid=AMOUNT,
               reference=f"{SAD} 第十一条",
               label={"en": "Out-of-pocket medical expenses within insurance scope, after reimbursement",
                      "zh": "医保目录范围内自付医药费用(扣除医保报销后)"})
input_variable("iit_only_child", entity=PERSON, dtype="bool", unit="bool", default=False,
               reference=f"{SAD} 第二十三条",
               label={"en": "Only child, for the elderly-support deduction", "zh": "独生子女(赡养老人扣除)"})
input_variable("individual_pension_contribution", entity=PERSON, unit="CNY/year", default=0.0, valid=AMOUNT,
               reference="财政部 税务总局关于个人养老金有关个人所得税政策的公告 (财政部 税务总局公告2022年第34号) 第一条",
               label={"en": "Contributions to the individual pension account", "zh": "个人养老金资金账户缴费"})
input_variable("enterprise_annuity_contribution", entity=PERSON, unit="CNY/year", default=0.0, valid=AMOUNT,
               reference="财政部 人力资源社会保障部 国家税务总局关于企业年金 职业年金个人所得税有关问题的通知 (财税〔2013〕103号) 第一条",
               label={"en": "Employee contributions to an enterprise or occupational annuity",
                      "zh": "企业年金、职业年金个人缴费"})


# ------------------------------------------------------------------ who claims the household's deductions
@variable(entity=PERSON, dtype="bool", unit="bool", reference=f"{SAD} 第六条, 第十五条, 第十九条",
          label={"en": "Claims the household's special additional deductions", "zh": "申报家庭专项附加扣除的纳税人"})
def iit_deduction_claimant(role, gross_wages, self_employment_income, members):
    """The head or spouse with the larger wages plus business income (the earlier listed, normally the head, on a
    tie). Modelling convention: the law lets the couple choose (100% to one, or 50% each)."""
    couple = (role == Role.head) | (role == Role.spouse)
    earnings = gross_wages + np.maximum(self_employment_income, 0.0)
    return members.first_max(earnings, where=couple)


@variable(entity=PERSON, unit="ratio", reference=f"{SAD} 第六条",
          label={"en": "Share of the household's child deductions claimed", "zh": "子女教育/婴幼儿照护扣除分摊比例"})
def iit_children_deduction_share(iit_deduction_claimant):
    """1 for the household's claimant, else 0; give 0.5 to two parents to split (第六条: 100% or 50% each)."""
    return iit_deduction_claimant.astype(np.float64)


@variable(entity=PERSON, dtype="bool", unit="bool", reference=f"{SAD} 第五条, 第六条; 国发〔2022〕8号 第二条",
          label={"en": "Claims the deductions for the household's grandchildren", "zh": "申报孙子女扣除的纳税人(子女辈)"})
def iit_grandchildren_claimant(role, age, gross_wages, self_employment_income, members):
    """The adult (18+) member with role `child` and the largest positive wages plus business income (the earliest
    listed on a tie): in a three-generation household, the parent of the grandchildren as a rule. None when no
    such member earns. Modelling convention: the deduction belongs to the child's parents (父母)."""
    earnings = gross_wages + np.maximum(self_employment_income, 0.0)
    eligible = (role == Role.child) & (age >= 18) & (earnings > 0.0)
    return members.first_max(earnings, where=eligible)


@variable(entity=PERSON, unit="ratio", reference=f"{SAD} 第六条",
          label={"en": "Share of the household's grandchild deductions claimed", "zh": "孙子女教育/婴幼儿照护扣除分摊比例"})
def iit_grandchildren_deduction_share(iit_grandchildren_claimant):
    """1 for the grandchildren's claimant, else 0."""
    return iit_grandchildren_claimant.astype(np.float64)


@variable(entity=PERSON, unit="ratio", reference=f"{SAD} 第十五条, 第十九条",
          label={"en": "Share of the household's housing deduction claimed", "zh": "住房租金/贷款利息扣除分摊比例"})
def iit_housing_deduction_share(iit_deduction_claimant):
    """1 for the household's claimant, else 0 (loan interest: one spouse, or 50% each for a home bought before
    marriage by both; rent: one spouse when they work in the same city)."""
    return iit_deduction_claimant.astype(np.float64)


# ------------------------------------------------------------------ household pools
def _in_education(age, employment_status, min_age, school_age):
    """From `min_age` (3) in pre-school or full-time education: everyone below `school_age` (18), and older
    persons whose employment status is student."""
    return (age >= min_age) & ((age < school_age) | (employment_status == EmploymentStatus.student))


@variable(entity=HOUSEHOLD, unit="CNY/year", reference=f"{SAD} 第五条",
          label={"en": "Children's education deduction of the household", "zh": "家庭子女教育扣除额"})
def iit_household_children_education(role, age, employment_status, members,
                                      amount=P(f"{ENT}.children_education"),
                                      min_age=P(f"{ENT}.children_education_min_age"),
                                      school_age=P(f"{ENT}.assume_in_education_below_age")):
    """12 × monthly amount for each child (role `child`) from 3 in pre-school or full-time education: every
    child from 3 to 17, and older children whose employment status is student."""
    eligible = (role == Role.child) & _in_education(age, employment_status, min_age, school_age)
    return members.count(eligible) * amount * 12.0


@variable(entity=HOUSEHOLD, unit="CNY/year", reference=f"{SAD} 第五条",
          label={"en": "Grandchildren's education deduction of the household", "zh": "家庭孙子女教育扣除额"})
def iit_household_grandchildren_education(role, age, employment_status, members,
                                           amount=P(f"{ENT}.children_education"),
                                           min_age=P(f"{ENT}.children_education_min_age"),
                                           school_age=P(f"{ENT}.assume_in_education_below_age")):
    """As for children, for members with role `grandchild` (claimed by their parent generation)."""
    eligible = (role == Role.grandchild) & _in_education(age, employment_status, min_age, school_age)
    return members.count(eligible) * amount * 12.0


@variable(entity=HOUSEHOLD, unit="CNY/year", reference="国务院关于设立3岁以下婴幼儿照护个人所得税专项附加扣除的通知 (国发〔2022〕8号) 第一条; 国发〔2023〕13号",
          label={"en": "Infant-care deduction of the household", "zh": "家庭3岁以下婴幼儿照护扣除额"})
def iit_household_infant_care(role, age, members, amount=P(f"{ENT}.infant_care"),
                              max_age=P(f"{ENT}.infant_care_max_age")):
    """12 × monthly amount for each child (role `child`) under 3."""
    return members.count((role == Role.child) & (age < max_age)) * amount * 12.0


@variable(entity=HOUSEHOLD, unit="CNY/year", reference="国发〔2022〕8号 第一条; 国发〔2023〕13号",
          label={"en": "Infant-care deduction for the household's grandchildren", "zh": "家庭孙子女婴幼儿照护扣除额"})
def iit_household_grandchildren_infant_care(role, age, members, amount=P(f"{ENT}.infant_care"),
                                            max_age=P(f"{ENT}.infant_care_max_age")):
    """12 × monthly amount for each grandchild (role `grandchild`) under 3."""
    return members.count((role == Role.grandchild) & (age < max_age)) * amount * 12.0


@variable(entity=HOUSEHOLD, unit="CNY/year", reference=f"{SAD} 第十四条, 第十七条, 第十九条",
          label={"en": "Housing deduction of the household (rent or first-home loan interest)",
                 "zh": "家庭住房租金或住房贷款利息扣除额"})
def iit_household_housing(tenure, city_tier, has_mortgage, rent_1=P(f"{ENT}.housing_rent_tier_1"),
                          rent_2=P(f"{ENT}.housing_rent_tier_2"), rent_3=P(f"{ENT}.housing_rent_tier_3"),
                          loan=P(f"{ENT}.housing_loan_interest")):
    """Renters: rent by city tier; households paying a first-home loan: loan interest; never both
    (第十九条) -- a household with both takes the larger."""
    rent = np.select([city_tier <= 1, city_tier == 2], [rent_1, rent_2], rent_3)
    rent = np.where(tenure == Tenure.renter, rent, 0.0)
    interest = np.where(has_mortgage, loan, 0.0)
    return np.maximum(rent, interest) * 12.0


# ------------------------------------------------------------------ personal deductions
@variable(entity=PERSON, unit="CNY/year", reference=f"{SAD} 第五条, 第六条",
          label={"en": "Children's education deduction", "zh": "子女教育专项附加扣除"})
def iit_children_education_deduction(iit_children_deduction_share, iit_household_children_education,
                                     iit_grandchildren_deduction_share, iit_household_grandchildren_education):
    """The person's share of the household's children's (and, for their parent generation, grandchildren's)
    education deduction."""
    return (iit_children_deduction_share * iit_household_children_education
            + iit_grandchildren_deduction_share * iit_household_grandchildren_education)


@variable(entity=PERSON, unit="CNY/year", reference="国发〔2022〕8号 第一条, 第二条; 国发〔2023〕13号",
          label={"en": "Infant-care deduction", "zh": "3岁以下婴幼儿照护专项附加扣除"})
def iit_infant_care_deduction(iit_children_deduction_share, iit_household_infant_care,
                              iit_grandchildren_deduction_share, iit_household_grandchildren_infant_care):
    """The person's share of the household's infant-care deduction (children, and grandchildren for their parent
    generation)."""
    return (iit_children_deduction_share * iit_household_infant_care
            + iit_grandchildren_deduction_share * iit_household_grandchildren_infant_care)


@variable(entity=PERSON, unit="CNY/year", reference=f"{SAD} 第十四条至第十九条",
          label={"en": "Housing rent or loan-interest deduction", "zh": "住房租金/住房贷款利息专项附加扣除"})
def iit_housing_deduction(iit_housing_deduction_share, iit_household_housing):
    """The person's share of the household's housing deduction."""
    return iit_housing_deduction_share * iit_household_housing


@variable(entity=PERSON, unit="CNY/month", reference=f"{SAD} 第二十二条, 第二十三条; 国发〔2023〕13号",
          label={"en": "Elderly-support deduction claimed (monthly)", "zh": "赡养老人扣除额(每月)"})
def iit_elderly_support_monthly(iit_deduction_claimant, role, age, gross_wages, self_employment_income, members,
                                iit_only_child, only_child=P(f"{ENT}.elderly_support"),
                                sibling_cap=P(f"{ENT}.elderly_support_sibling_cap"),
                                parent_age=P(f"{ENT}.elderly_support_parent_age"),
                                assume_only_child=P(f"{ENT}.assume_only_child")):
    """Parents aged 60+ living in the household give the deduction to their children in it:
    (1) a parent of the head (role `parent`): the head/spouse claimant takes the sibling cap (1,500 a month from
    2023; the only-child amount when `assume_only_child` or the claimant's `iit_only_child`);
    (2) a head or spouse aged 60+: each adult member with role `child` who has wages or business income claims,
    the siblings sharing the only-child amount (第二十二条: 每人分摊不超过 the cap): min(cap, 3,000 / number of such
    children); a single earning child takes the cap (siblings elsewhere are assumed) or, with `assume_only_child`
    or `iit_only_child`, the whole amount.
    Parents living elsewhere are not observed: give the amount as input to model them."""
    old = age >= parent_age
    has_parent = members.any((role == Role.parent) & old)
    earnings = gross_wages + np.maximum(self_employment_income, 0.0)
    supporter = (role == Role.child) & (age >= 18) & (earnings > 0.0)
    old_parents = members.any(((role == Role.head) | (role == Role.spouse)) & old)
    claims_for_parent = iit_deduction_claimant & has_parent[members.index]
    r = Rows(claims_for_parent | (supporter & old_parents[members.index]))  # the few who claim
    n = members.count(supporter)[r(members.index)]
    is_only = r(iit_only_child) | assume_only_child
    couple_amount = np.where(is_only, only_child, sibling_cap)
    own = np.where((n == 1) & is_only, only_child, sibling_cap)
    child_amount = np.minimum(own, only_child / np.maximum(n, 1))
    return r.fill(np.where(r(claims_for_parent), couple_amount, child_amount))


@variable(entity=PERSON, unit="CNY/year", reference=f"{SAD} 第二十二条, 第二十三条; 国发〔2023〕13号",
          label={"en": "Elderly-support deduction", "zh": "赡养老人专项附加扣除"})
def iit_elderly_support_deduction(iit_elderly_support_monthly, cap=P(f"{ENT}.elderly_support")):
    """12 × the monthly amount claimed, at most the only-child amount."""
    return np.clip(iit_elderly_support_monthly, 0.0, cap) * 12.0


@variable(entity=PERSON, unit="CNY/year", reference=f"{SAD} 第八条",
          label={"en": "Continuing-education deduction", "zh": "继续教育专项附加扣除"})
def iit_continuing_education_deduction(iit_continuing_education_months, iit_vocational_certificate,
                                       academic=P(f"{ENT}.continuing_education_academic"),
                                       certificate=P(f"{ENT}.continuing_education_certificate")):
    """400 a month of academic continuing education (at most 12 in a year) plus 3,600 in the year a vocational
    qualification certificate is obtained."""
    months = np.clip(iit_continuing_education_months, 0, 12)
    return months * academic + np.where(iit_vocational_certificate, certificate, 0.0)


@variable(entity=PERSON, unit="CNY/year", reference=f"{SAD} 第十一条",
          label={"en": "Serious-illness medical deduction", "zh": "大病医疗专项附加扣除"})
def iit_serious_illness_deduction(iit_serious_illness_expenses,
                                  threshold=P(f"{ENT}.serious_illness_threshold"),
                                  cap=P(f"{ENT}.serious_illness_cap")):
    """Out-of-pocket expenses above 15,000 yuan, at most 80,000 yuan (claimed by the patient)."""
    return np.clip(iit_serious_illness_expenses - threshold, 0.0, cap)


@variable(entity=PERSON, unit="CNY/year", reference=f"{LAW} 第六条第一款第(一)项, 第四款; {SAD}",
          label={"en": "Special additional deductions (total)", "zh": "专项附加扣除合计"})
def iit_special_additional_deductions(iit_children_education_deduction, iit_infant_care_deduction,
                                      iit_housing_deduction, iit_elderly_support_deduction,
                                      iit_continuing_education_deduction, iit_serious_illness_deduction):
    """Sum of the seven special additional deductions."""
    return (iit_children_education_deduction + iit_infant_care_deduction + iit_housing_deduction
            + iit_elderly_support_deduction + iit_continuing_education_deduction + iit_serious_illness_deduction)


# ------------------------------------------------------------------ other deductions
@variable(entity=PERSON, unit="CNY/year", reference="财政部 税务总局公告2022年第34号 第一条",
          label={"en": "Individual pension account deduction", "zh": "个人养老金扣除"})
def iit_individual_pension_deduction(individual_pension_contribution, node=P(f"{OTHER}")):
    """Contributions as paid, at most 12,000 a year (from 2022)."""
    r = Rows(individual_pension_contribution > 0.0)  # (0 without contributions)
    return r.fill(np.minimum(r(individual_pension_contribution), node.individual_pension_cap))


@variable(entity=PERSON, unit="CNY/year", reference="财税〔2013〕103号 第一条第(二)项, 第(三)项",
          label={"en": "Enterprise/occupational annuity deduction", "zh": "企业年金、职业年金个人缴费扣除"})
def iit_enterprise_annuity_deduction(enterprise_annuity_contribution, gross_wages, social_insurance_average_wage,
                                     node=P(f"{OTHER}")):
    """The employee's annuity contribution within 4% of the base: wages up to 3 × the local average wage."""
    r = Rows(enterprise_annuity_contribution > 0.0)  # (0 without an annuity)
    base = np.minimum(np.maximum(r(gross_wages), 0.0),
                      node.enterprise_annuity_base_cap_multiple * r(social_insurance_average_wage))
    return r.fill(np.minimum(r(enterprise_annuity_contribution), node.enterprise_annuity_rate * base))


@variable(entity=PERSON, unit="CNY/year", reference=f"{LAW} 第六条第一款第(一)项, 第四款; 个人所得税法实施条例 第十三条",
          label={"en": "Deductions from comprehensive income", "zh": "综合所得减除项合计"})
def iit_comprehensive_deductions(iit_deductible_contributions, housing_fund_iit_deductible,
                                 iit_special_additional_deductions, iit_individual_pension_deduction,
                                 iit_enterprise_annuity_deduction, basic=P("tax.iit.basic_deduction")):
    """60,000 + the special deductions (专项扣除: personal basic pension, medical and unemployment contributions, and
    the housing-fund contribution within its limits, 第六条第四款) + the special additional deductions + the other
    deductions (依法确定的其他扣除: individual pension account, annuities; 实施条例 第十三条)."""
    return (basic + iit_deductible_contributions + housing_fund_iit_deductible + iit_special_additional_deductions
            + iit_individual_pension_deduction + iit_enterprise_annuity_deduction)


# ------------------------------------------------------------------ comprehensive income
@variable(entity=PERSON, unit="CNY/year", reference=f"{LAW} 第六条第二款",
          label={"en": "Income amount of labour remuneration, author's remuneration and royalties",
                 "zh": "劳务报酬、稿酬、特许权使用费所得收入额"})
def iit_remuneration_income(labour_remuneration, author_remuneration, royalty_income, node=P(f"{COMP}")):
    """Receipts less 20% of costs; author's remuneration counted at 70% of that."""
    has = labour_remuneration > 0.0
    has |= author_remuneration > 0.0
    has |= royalty_income > 0.0
    r = Rows(has)  # (0 without such income)
    gross = (np.maximum(r(labour_remuneration), 0.0) + node.author_factor * np.maximum(r(author_remuneration), 0.0)
             + np.maximum(r(royalty_income), 0.0))
    return r.fill(gross * (1.0 - node.remuneration_cost_rate))


@variable(entity=PERSON, unit="CNY/year", reference=f"{LAW} 第二条第一款第(一)至(四)项, 第六条第二款; 财税〔2006〕10号 第二条",
          label={"en": "Comprehensive income (annual, annual bonus included)", "zh": "综合所得收入额(含全年一次性奖金)"})
def iit_comprehensive_income(gross_wages, iit_remuneration_income, housing_fund_taxable_excess):
    """Wages (with the annual bonus), the income amount of the other three items, and employer housing-fund
    contributions above the tax-free limit."""
    return gross_wages + iit_remuneration_income + housing_fund_taxable_excess


@variable(entity=PERSON, unit="CNY/year", reference="财税〔2018〕164号 第一条第(一)项; 财政部 税务总局公告2023年第30号",
          label={"en": "Annual one-time bonus", "zh": "全年一次性奖金"})
def iit_annual_bonus_amount(annual_bonus, gross_wages):
    """The bonus, never more than the wages it is part of (a household file giving more is refused)."""
    r = Rows(annual_bonus > 0.0)  # (0 without a bonus)
    return r.fill(np.minimum(r(annual_bonus), np.maximum(r(gross_wages), 0.0)))


def _bonus_tax(bonus: np.ndarray, schedule) -> np.ndarray:
    """Tax on a separately taxed bonus: bonus / 12 gives the bracket of the monthly-converted schedule (the annual
    thresholds / 12; 'not above 3,000' is the 3% bracket), tax = bonus × rate − that bracket's quick deduction."""
    monthly = Scale(schedule.thresholds / 12.0, schedule.rates)
    bracket = np.maximum(np.searchsorted(monthly.thresholds, bonus / 12.0, side="left") - 1, 0)
    return np.maximum(bonus * monthly.rates[bracket] - monthly.quick_deductions()[bracket], 0.0)


@variable(entity=PERSON, dtype="bool", unit="bool",
          reference="财税〔2018〕164号 第一条第(一)项 (也可以选择并入当年综合所得); 财政部 税务总局公告2023年第30号",
          label={"en": "Annual bonus taxed separately", "zh": "全年一次性奖金单独计税"})
def iit_annual_bonus_separate(iit_annual_bonus_amount, iit_comprehensive_income, iit_comprehensive_deductions,
                              schedule=P("tax.iit.comprehensive_schedule"), node=P(f"{BONUS}")):
    """Whether the bonus is taxed apart: never after 2027 (or with choice 2), always with choice 1, and by
    default (choice 0) when that gives the lower total tax (a tie stays combined)."""
    r = Rows(iit_annual_bonus_amount > 0.0)  # (False without a bonus)
    if not r.index.size or not node.separate_taxation or node.choice == 2:
        return np.zeros(r.size, dtype=bool)
    if node.choice == 1:
        return r.fill(True, default=False, dtype=bool)
    bonus, income, deductions = r(iit_annual_bonus_amount), r(iit_comprehensive_income), r(iit_comprehensive_deductions)
    combined = schedule.calc(np.maximum(income - deductions, 0.0))
    separate = schedule.calc(np.maximum(income - bonus - deductions, 0.0)) + _bonus_tax(bonus, schedule)
    return r.fill(separate < combined, default=False, dtype=bool)


@variable(entity=PERSON, unit="CNY/year", role=None, tier="secondary",
          reference="财税〔2018〕164号 第一条第(一)项; 财政部 税务总局公告2023年第30号",
          label={"en": "Income tax on the separately taxed annual bonus", "zh": "全年一次性奖金单独计税税额"})
def iit_annual_bonus(iit_annual_bonus_separate, iit_annual_bonus_amount,
                     schedule=P("tax.iit.comprehensive_schedule")):
    """Bonus × rate − quick deduction of the monthly-converted schedule, when taxed separately (else 0)."""
    r = Rows(iit_annual_bonus_separate)
    return r.fill(_bonus_tax(r(iit_annual_bonus_amount), schedule))


@variable(entity=PERSON, unit="CNY/year", reference=f"{LAW} 第六条第一款第(一)项",
          label={"en": "Taxable comprehensive income", "zh": "综合所得应纳税所得额"})
def iit_comprehensive_taxable_income(iit_comprehensive_income, iit_comprehensive_deductions,
                                     iit_annual_bonus_separate, iit_annual_bonus_amount):
    """Comprehensive income (less the annual bonus when it is taxed apart) less 60,000, the special deductions
    (personal social-insurance and housing-fund contributions), the special additional deductions and the other
    deductions; never negative."""
    taxable = iit_comprehensive_income - iit_comprehensive_deductions
    r = Rows(iit_annual_bonus_separate)  # the bonus is taken out where it is taxed apart
    taxable[r.index] -= r(iit_annual_bonus_amount)
    return np.maximum(taxable, 0.0, out=taxable)


@variable(entity=PERSON, unit="CNY/year", role=None, tier="secondary", reference=f"{LAW} 第三条第(一)项, 附表一",
          label={"en": "Income tax on comprehensive income", "zh": "综合所得个人所得税"})
def iit_comprehensive(iit_comprehensive_taxable_income, schedule=P("tax.iit.comprehensive_schedule")):
    """3-45% progressive schedule on annual taxable comprehensive income."""
    return schedule.calc(iit_comprehensive_taxable_income)


# ------------------------------------------------------------------ business income
@variable(entity=PERSON, unit="CNY/year", reference=f"{LAW} 第二条第一款第(五)项; 财税〔2004〕30号",
          label={"en": "Business income subject to IIT", "zh": "经营所得(应税)"})
def iit_business_income(self_employment_income, agricultural_income,
                        farm_exempt=P("tax.iit.agricultural_income_exempt")):
    """Net non-farm business income (a loss is not set against other income), plus farm income only if the
    exemption is switched off."""
    income = np.maximum(self_employment_income, 0.0)
    return income if farm_exempt else income + np.maximum(agricultural_income, 0.0)


@variable(entity=PERSON, unit="CNY/year", reference=f"{LAW} 第六条第一款第(三)项; 个人所得税法实施条例 第十五条第二款; 财政部 税务总局公告2022年第34号",
          label={"en": "Taxable business income", "zh": "经营所得应纳税所得额"})
def iit_business_taxable_income(iit_business_income, iit_comprehensive_income, iit_comprehensive_deductions,
                                switch=P("tax.iit.business_deductions_without_comprehensive_income")):
    """Net business income; a person without comprehensive income also deducts 60,000, the special deductions,
    the special additional deductions and the other deductions (实施条例 第十五条第二款; 公告2022年第34号: the
    individual pension from comprehensive or business income)."""
    r = Rows(iit_business_income > 0.0)  # (0 without business income)
    applied = np.where((r(iit_comprehensive_income) <= 0.0) & switch, r(iit_comprehensive_deductions), 0.0)
    return r.fill(np.maximum(r(iit_business_income) - applied, 0.0))


@variable(entity=PERSON, unit="CNY/year", role=None, tier="secondary",
          reference="财政部 税务总局公告2023年第12号 第二条; 财政部 税务总局公告2021年第12号 第二条",
          label={"en": "Individual-business halving relief", "zh": "个体工商户经营所得减半征收减免税额"})
def iit_business_relief(iit_business_taxable_income, schedule=P("tax.iit.business_schedule"),
                        node=P("tax.iit.individual_business_relief")):
    """Reduction share (50%) of the tax on the part of taxable income up to the ceiling (2 million from 2023):
    减免税额 = 不超过200万元部分的应纳税额 × (1 − 50%), the tax on that part being the schedule applied to
    min(taxable, ceiling); other reliefs (其他政策减免税额) are not modelled. Times the individual-business share."""
    within = np.minimum(iit_business_taxable_income, node.ceiling)
    return schedule.calc(within) * node.reduction * node.individual_business_share


@variable(entity=PERSON, unit="CNY/year", role=None, tier="secondary", reference=f"{LAW} 第三条第(二)项, 附表二",
          label={"en": "Income tax on business income", "zh": "经营所得个人所得税"})
def iit_business(iit_business_taxable_income, iit_business_relief, schedule=P("tax.iit.business_schedule")):
    """5-35% progressive schedule on annual taxable business income, less the individual-business relief."""
    return schedule.calc(iit_business_taxable_income) - iit_business_relief


# ------------------------------------------------------------------ property and incidental income
@variable(entity=PERSON, unit="CNY/year", reference=f"{LAW} 第三条第(三)项; 财税〔2015〕101号 第一条",
          label={"en": "Income tax on dividends", "zh": "股息红利所得个人所得税"})
def iit_dividends(dividend_income, node=P("tax.iit.property")):
    """20% of dividends, less the listed-share holding-period relief: the share held over a year exempt, the
    share held one month to a year counted at 50% (财税〔2015〕101号)."""
    taxable = 1.0 - node.dividend_exempt_share - node.dividend_reduced_share * (1.0 - node.dividend_reduced_inclusion)
    return np.maximum(dividend_income, 0.0) * (taxable * node.dividend_rate)


@variable(entity=PERSON, unit="CNY/year", reference=f"财税〔2008〕132号; {LAW} 第三条第(三)项, 第四条第一款第(二)项",
          label={"en": "Income tax on interest", "zh": "利息所得个人所得税"})
def iit_interest(interest_income, taxable_interest_income, node=P("tax.iit.property")):
    """Deposit interest: exempt since 2008-10-09 (rate 0); government-bond interest is exempt by law; other
    interest (`taxable_interest_income`) at 20%."""
    return (np.maximum(interest_income, 0.0) * node.deposit_interest_rate
            + np.maximum(taxable_interest_income, 0.0) * node.dividend_rate)


@variable(entity=PERSON, unit="CNY/year", reference=f"{LAW} 第三条第(三)项, 第六条第一款第(四)项; 实施条例 第十四条; 财税〔2008〕24号",
          label={"en": "Income tax on rental income", "zh": "财产租赁所得个人所得税"})
def iit_rental(rental_income, node=P("tax.iit.property")):
    """Per monthly payment: less 800 when it is at most 4,000, else less 20%; taxed at 10% for housing let by
    individuals (财税〔2008〕24号) and 20% otherwise."""
    n = node.rental_payments_per_year
    r = Rows(rental_income > 0.0)  # (0 without rent)
    payment = r(rental_income) / n
    cost = np.where(payment <= node.rental_small_payment_limit, node.rental_fixed_deduction,
                    payment * node.rental_cost_rate)
    taxable = np.maximum(payment - cost, 0.0)
    share = node.residential_rental_share
    rate = share * node.residential_rental_rate + (1.0 - share) * node.rental_rate
    return r.fill(taxable * rate * n)


@variable(entity=PERSON, unit="CNY/year", reference=f"{LAW} 第三条第(三)项, 第六条第一款第(五)项",
          label={"en": "Income tax on property-transfer gains", "zh": "财产转让所得个人所得税"})
def iit_property_transfer(property_transfer_gain, rate=P("tax.iit.property.property_transfer_rate")):
    """20% of the taxable gain (proceeds less original value and reasonable costs)."""
    return np.maximum(property_transfer_gain, 0.0) * rate


@variable(entity=PERSON, unit="CNY/year", role=None, tier="secondary", reference=f"{LAW} 第三条第(三)项",
          label={"en": "Income tax on property income", "zh": "财产性所得个人所得税"})
def iit_property(iit_dividends, iit_interest, iit_rental, iit_property_transfer):
    """Tax on dividends, interest, rent and property-transfer gains."""
    return iit_dividends + iit_interest + iit_rental + iit_property_transfer


@variable(entity=PERSON, unit="CNY/year", role=None, tier="secondary", reference=f"{LAW} 第三条第(三)项, 第六条第一款第(六)项",
          label={"en": "Income tax on incidental income", "zh": "偶然所得个人所得税"})
def iit_incidental(incidental_income, rate=P("tax.iit.property.incidental_rate")):
    """20% of incidental income (per payment, no deduction)."""
    return np.maximum(incidental_income, 0.0) * rate


# ------------------------------------------------------------------ total
@variable(entity=PERSON, unit="CNY/year", role="tax", tier="secondary", reference=LAW,
          label={"en": "Individual income tax", "zh": "个人所得税"})
def individual_income_tax(iit_comprehensive, iit_annual_bonus, iit_business, iit_property, iit_incidental):
    """Income tax on comprehensive income, the separately taxed annual bonus, business, property and incidental
    income."""
    return iit_comprehensive + iit_annual_bonus + iit_business + iit_property + iit_incidental


# ------------------------------------------------------------------ legal limits of a household file's choices
SHARES = (0.0, 0.5, 1.0)  # 国发〔2018〕41号 第六条, 第十五条: 100% to one, or 50% each
SHARE_RULES = {
    "iit_children_deduction_share": ("iit_household_children_education", "iit_household_infant_care",
                                     "a child's education or infant-care deduction goes 100% to one parent or 50% to "
                                     "each (国发〔2018〕41号 第六条; 国发〔2022〕8号 第二条)"),
    "iit_grandchildren_deduction_share": ("iit_household_grandchildren_education",
                                          "iit_household_grandchildren_infant_care",
                                          "a child's education or infant-care deduction goes 100% to one parent or "
                                          "50% to each (国发〔2018〕41号 第六条; 国发〔2022〕8号 第二条)"),
    "iit_housing_deduction_share": ("iit_household_housing", None,
                                    "the housing deduction goes 100% to one spouse, or 50% to each for a loan on a "
                                    "home both bought before marriage (国发〔2018〕41号 第十五条, 第十九条)"),
}


def _at(source: str, mapping: Any, key: str) -> str:
    line = mapping.line_of(key) if hasattr(mapping, "line_of") else None
    return where(source, line)


def check_household_inputs(hh: Any, system: Any, household: Mapping, persons: Sequence[Mapping]) -> None:
    """Refuse a household file whose income-tax inputs break a legal limit (`InputError`, exit code 2 on the CLI),
    rather than cutting them silently: city tier 1-3 (国发〔2018〕41号 第十七条); an annual bonus larger than wages;
    deduction shares other than 100% or 50%, or summing over 100% in the household (第六条, 第十五条); elderly
    support above the only-child amount, above the sibling cap for a taxpayer who is not an only child, or shared
    by siblings beyond the only-child amount (第二十二条, 第二十三条; amounts of the simulated year, 国发〔2023〕13号).

    `hh` is the parsed `HouseholdInput`, `household` and `persons` the mappings read from the file (for lines)."""
    source = hh.source
    tier = household.get("city_tier")
    if tier is not None and tier not in (1, 2, 3):
        raise InputError(f"{_at(source, household, 'city_tier')}household.city_tier: must be 1, 2 or 3 (the three "
                         f"classes of city of the rent deduction, 国发〔2018〕41号 第十七条), got {tier!r}")
    for i, person in enumerate(persons):
        bonus = person.get("annual_bonus")
        if bonus is not None and bonus > person.get("wage_income", 0.0):
            raise InputError(f"{_at(source, person, 'annual_bonus')}persons[{i}].annual_bonus: {bonus!r} is more than "
                             f"wage_income {person.get('wage_income', 0.0)!r}; the annual one-time bonus is the part "
                             "of wages paid as such (财政部 税务总局公告2023年第30号)")
    given = {key for p in persons for key in p} & (set(SHARE_RULES) | {"iit_elderly_support_monthly"})
    if not given:
        return
    sim = hh.simulate(system)
    for key in sorted(given & set(SHARE_RULES)):
        first_pool, second_pool, rule = SHARE_RULES[key]
        for i, person in enumerate(persons):
            if key in person and float(person[key]) not in SHARES:
                raise InputError(f"{_at(source, person, key)}persons[{i}].{key}: {person[key]!r} is not allowed: "
                                 f"{rule}; give 1, 0.5 or 0")
        pool = sim.calc(first_pool)[0] + (sim.calc(second_pool)[0] if second_pool else 0.0)
        total = float(sim.calc(key).sum())
        if pool > 0.0 and total > 1.0 + 1e-9:
            i = next(i for i, p in enumerate(persons) if key in p)
            raise InputError(f"{_at(source, persons[i], key)}persons[{i}].{key}: the household's shares add up to "
                             f"{total:g} (defaults included) but may not exceed 1: {rule}; give every claimant's share")
    if "iit_elderly_support_monthly" in given:
        only_child = sim.parameters.get(f"{ENT}.elderly_support")
        sibling_cap = sim.parameters.get(f"{ENT}.elderly_support_sibling_cap")
        assume_only = sim.parameters.get(f"{ENT}.assume_only_child")
        is_only = sim.calc("iit_only_child")
        key = "iit_elderly_support_monthly"
        for i, person in enumerate(persons):
            amount = person.get(key)
            if amount is None:
                continue
            at = f"{_at(source, person, key)}persons[{i}].{key}: "
            if amount > only_child:
                raise InputError(f"{at}{amount!r} a month is above the legal cap of {only_child:g} a month for an only "
                                 f"child ({SAD} 第二十二条, 第二十三条; {sim.year})")
            if amount > sibling_cap and not (is_only[i] or assume_only):
                raise InputError(f"{at}{amount!r} a month is above {sibling_cap:g}, the most a taxpayer with siblings "
                                 f"may claim ({SAD} 第二十三条; {sim.year}); give iit_only_child: true for an only child")
        role, amounts = sim.calc("role"), sim.calc(key)
        siblings = float(amounts[role == Role.child].sum())
        if siblings > only_child + 1e-9:
            i = next(i for i, p in enumerate(persons) if key in p)
            raise InputError(f"{_at(source, persons[i], key)}persons[{i}].{key}: the children of the household share "
                             f"{siblings:g} a month for their parents, above {only_child:g} ({SAD} 第二十三条: siblings "
                             f"share the only-child amount; {sim.year})")
