"""Individual income tax of resident individuals (个人所得税), 2019 law (parameters: `tax.iit.*`).

Three schedules, computed per person on annual amounts (the annual-reconciliation view, 年度汇算):

* comprehensive income (综合所得; here wages, `gross_wages`) less the 60,000-yuan basic deduction, the special
  deductions (专项扣除: the person's social-insurance contributions) and the special additional deductions
  (专项附加扣除), taxed at 3-45% (个人所得税法 第三条第(一)项, 第六条第一款第(一)项);
* business income (经营所得) at 5-35%, with the individual-business halving of 2021-2027
  (个人所得税法 第三条第(二)项, 第六条第一款第(三)项; 财政部 税务总局公告2023年第12号);
* property income: dividends and rent at 20% (rent of housing 10%), deposit interest exempt (第三条第(三)项).

Farming income is not taxed (财税〔2004〕30号); pensions are exempt (第四条第一款第(七)项).

Special additional deductions by default: the household's children, its parents aged 60+ and its housing are
claimed by one person, the head or spouse with the higher wages plus business income (the head on a tie):
the law lets parents choose who claims (国发〔2018〕41号 第六条, 第十五条, 第十九条), and giving the whole
deduction to the higher earner is what a couple minimising tax would normally do. Every default can be
overridden per person (`iit_children_deduction_share`, `iit_grandchildren_deduction_share`,
`iit_housing_deduction_share`, `iit_elderly_support_monthly`), and personal ones are inputs
(`iit_continuing_education_months`, `iit_vocational_certificate`, `iit_serious_illness_expenses`).
Children are members with role `child`, claimed by the head/spouse claimant. Grandchildren (role `grandchild`)
are claimed by their parent generation: the adult member with role `child` with the largest earnings (their
parent as a rule in a three-generation household); when no such member earns (left-behind children whose parents
work elsewhere), the deduction is claimed outside the household and is not modelled.
Elderly support is given only for parents aged 60+ living in the household -- the head's parents (role `parent`,
claimed by the head/spouse claimant) and an elderly head or spouse (claimed by their earning adult children):
parents living elsewhere are not observed, which understates the deduction (give `iit_elderly_support_monthly`).
"""

from __future__ import annotations

import numpy as np

from gongfu.engine import HOUSEHOLD, PERSON, P, Rows, input_variable, variable
from gongfu.engine.enums import EmploymentStatus, Role, Tenure

LAW = "中华人民共和国个人所得税法 (2018年修正)"
SAD = "个人所得税专项附加扣除暂行办法 (国发〔2018〕41号); 国发〔2022〕8号; 国发〔2023〕13号"
ENT = "tax.iit.special_additional_deductions"

# ------------------------------------------------------------------ personal inputs
input_variable("iit_continuing_education_months", entity=PERSON, dtype="int", unit="month", default=0,
               reference=f"{SAD} 第八条",
               label={"en": "Months of academic continuing education in the year", "zh": "学历(学位)继续教育月数"})
input_variable("iit_vocational_certificate", entity=PERSON, dtype="bool", unit="bool", default=False,
               reference=f"{SAD} 第八条",
               label={"en": "Obtained a vocational qualification certificate this year",
                      "zh": "当年取得职业资格相关证书"})
input_variable("iit_serious_illness_expenses", entity=PERSON, unit="CNY/year", default=0.0,
               reference=f"{SAD} 第十一条",
               label={"en": "Out-of-pocket medical expenses within insurance scope, after reimbursement",
                      "zh": "医保目录范围内自付医药费用(扣除医保报销后)"})


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
                                only_child=P(f"{ENT}.elderly_support"),
                                sibling_cap=P(f"{ENT}.elderly_support_sibling_cap"),
                                parent_age=P(f"{ENT}.elderly_support_parent_age"),
                                assume_only_child=P(f"{ENT}.assume_only_child")):
    """Parents aged 60+ living in the household give the deduction to their children in it:
    (1) a parent of the head (role `parent`): the head/spouse claimant takes the sibling cap (1,500 a month from
    2023; the only-child amount when `assume_only_child`);
    (2) a head or spouse aged 60+: each adult member with role `child` who has wages or business income claims,
    the siblings sharing the only-child amount (第二十二条: 每人分摊不超过 the cap): min(cap, 3,000 / number of such
    children); a single earning child takes the cap (siblings elsewhere are assumed) or, with `assume_only_child`,
    the whole amount.
    Parents living elsewhere are not observed: give the amount as input to model them."""
    old = age >= parent_age
    has_parent = members.any((role == Role.parent) & old)
    couple_amount = only_child if assume_only_child else sibling_cap
    earnings = gross_wages + np.maximum(self_employment_income, 0.0)
    supporter = (role == Role.child) & (age >= 18) & (earnings > 0.0)
    old_parents = members.any(((role == Role.head) | (role == Role.spouse)) & old)
    claims_for_parent = iit_deduction_claimant & has_parent[members.index]
    r = Rows(claims_for_parent | (supporter & old_parents[members.index]))  # the few who claim
    n = members.count(supporter)[r(members.index)]
    own = np.where((n == 1) & assume_only_child, only_child, sibling_cap)
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


# ------------------------------------------------------------------ comprehensive income
@variable(entity=PERSON, unit="CNY/year", reference=f"{LAW} 第六条第一款第(一)项",
          label={"en": "Taxable comprehensive income", "zh": "综合所得应纳税所得额"})
def iit_comprehensive_taxable_income(gross_wages, iit_deductible_contributions, iit_special_additional_deductions,
                                     basic=P("tax.iit.basic_deduction")):
    """Wages less 60,000, the special deductions (personal social-insurance contributions) and the special
    additional deductions; never negative."""
    deductions = basic + iit_deductible_contributions + iit_special_additional_deductions
    return np.maximum(gross_wages - deductions, 0.0)


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


@variable(entity=PERSON, unit="CNY/year", reference=f"{LAW} 第六条第一款第(三)项; 个人所得税法实施条例 第十五条第二款",
          label={"en": "Taxable business income", "zh": "经营所得应纳税所得额"})
def iit_business_taxable_income(iit_business_income, gross_wages, iit_deductible_contributions,
                                iit_special_additional_deductions, basic=P("tax.iit.basic_deduction"),
                                switch=P("tax.iit.business_deductions_without_comprehensive_income")):
    """Net business income; a person without comprehensive income (no wages) also deducts 60,000, the special
    deductions and the special additional deductions (实施条例 第十五条第二款)."""
    r = Rows(iit_business_income > 0.0)  # (0 without business income)
    deductions = basic + r(iit_deductible_contributions) + r(iit_special_additional_deductions)
    applied = np.where((r(gross_wages) <= 0.0) & switch, deductions, 0.0)
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


# ------------------------------------------------------------------ property income
@variable(entity=PERSON, unit="CNY/year", reference=f"{LAW} 第三条第(三)项; 财税〔2015〕101号",
          label={"en": "Income tax on dividends", "zh": "股息红利所得个人所得税"})
def iit_dividends(dividend_income, rate=P("tax.iit.property.dividend_rate"),
                  exempt=P("tax.iit.property.dividend_exempt_share")):
    """20% of dividends, less the share exempt (listed shares held over a year)."""
    return np.maximum(dividend_income, 0.0) * (1.0 - exempt) * rate


@variable(entity=PERSON, unit="CNY/year", reference="财税〔2008〕132号; 个人所得税法 第四条第一款第(二)项",
          label={"en": "Income tax on interest", "zh": "利息所得个人所得税"})
def iit_interest(interest_income, rate=P("tax.iit.property.deposit_interest_rate")):
    """Deposit interest: exempt since 2008-10-09 (rate 0); government-bond interest is exempt by law."""
    return np.maximum(interest_income, 0.0) * rate


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


@variable(entity=PERSON, unit="CNY/year", role=None, tier="secondary", reference=f"{LAW} 第三条第(三)项",
          label={"en": "Income tax on property income", "zh": "财产性所得个人所得税"})
def iit_property(iit_dividends, iit_interest, iit_rental):
    """Tax on dividends, interest and rent."""
    return iit_dividends + iit_interest + iit_rental


# ------------------------------------------------------------------ total
@variable(entity=PERSON, unit="CNY/year", role="tax", tier="secondary", reference=LAW,
          label={"en": "Individual income tax", "zh": "个人所得税"})
def individual_income_tax(iit_comprehensive, iit_business, iit_property):
    """Income tax on comprehensive, business and property income."""
    return iit_comprehensive + iit_business + iit_property
