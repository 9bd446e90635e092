"""Income concepts (NBS household survey and CEQ): market income, taxes, contributions, benefits and disposable
income, per household and per capita.

NBS defines disposable income (可支配收入) as wage income + net business income + net property income + net transfer
income, where net transfers = transfers received (pensions, social assistance, subsidies ...) minus transfers paid
(taxes, social-insurance contributions ...). Pensions therefore count as benefits (转移性收入), not market income.
Totals use `ByRole`, so every variable declared with role "tax", "contribution", "benefit" or "market" is
included, and a reform that adds a programme is counted without editing this file. The identity
disposable_income = market_income − total_taxes − total_contributions + total_benefits holds exactly.
"""

from __future__ import annotations

import numpy as np

from gongfu.engine import HOUSEHOLD, PERSON, ByRole, variable

NBS = "国家统计局 住户收支与生活状况调查 指标解释: 可支配收入、转移净收入"
CEQ = "Lustig (ed.), Commitment to Equity Handbook (2018), ch. 6: income concepts"


@variable(entity=PERSON, unit="CNY/year", reference=NBS,
          label={"en": "Market income (person)", "zh": "个人市场收入"})
def person_market_income(market=ByRole("market")):
    """Gross wages (after minimum-wage rules) + net business and farm income + interest, dividends and rent:
    the sum of every person variable with role "market"."""
    return market


@variable(entity=HOUSEHOLD, unit="CNY/year", reference=NBS + "; " + CEQ,
          label={"en": "Market income", "zh": "市场收入"})
def market_income(market=ByRole("market")):
    """Household market income: every market-income component of every member."""
    return market


@variable(entity=HOUSEHOLD, unit="CNY/year", reference=NBS,
          label={"en": "Taxes paid", "zh": "缴纳税款合计"})
def total_taxes(taxes=ByRole("tax")):
    """Every tax (role "tax") of the household and its members (individual income tax, ...)."""
    return taxes


@variable(entity=HOUSEHOLD, unit="CNY/year", reference=NBS,
          label={"en": "Social-insurance and housing-fund contributions paid", "zh": "个人缴纳社会保险费和住房公积金合计"})
def total_contributions(contributions=ByRole("contribution")):
    """Every personal contribution (role "contribution") of the members: social insurance and the housing provident
    fund (NBS 社会保障支出, deducted from disposable income)."""
    return contributions


@variable(entity=HOUSEHOLD, unit="CNY/year", reference=NBS,
          label={"en": "Public transfers received", "zh": "政府转移性收入合计"})
def total_benefits(benefits=ByRole("benefit")):
    """Every public transfer (role "benefit"): pensions, dibao, tekun, subsidies, medical-premium assistance."""
    return benefits


@variable(entity=HOUSEHOLD, unit="CNY/year", reference=NBS + "; " + CEQ,
          label={"en": "Net market income", "zh": "税费后市场收入"})
def net_market_income(market_income, total_taxes, total_contributions):
    """Market income minus taxes and contributions (before any transfer)."""
    return market_income - total_taxes - total_contributions


@variable(entity=HOUSEHOLD, unit="CNY/year", reference=NBS + "; " + CEQ,
          label={"en": "Disposable income", "zh": "可支配收入"})
def disposable_income(market_income, total_taxes, total_contributions, total_benefits):
    """Market income − taxes − contributions + public transfers (exact identity)."""
    return market_income - total_taxes - total_contributions + total_benefits


@variable(entity=HOUSEHOLD, unit="CNY/year", reference=NBS,
          label={"en": "Per-capita disposable income", "zh": "人均可支配收入"})
def per_capita_disposable_income(disposable_income, household_size):
    """Disposable income divided by the number of household members (the NBS per-capita concept)."""
    return disposable_income / np.maximum(household_size, 1)


@variable(entity=HOUSEHOLD, unit="CNY/year", reference=CEQ + " (tertiary distribution)",
          label={"en": "Income after philanthropy", "zh": "含慈善捐助的收入"})
def income_after_philanthropy(disposable_income, charity=ByRole("charity")):
    """Disposable income plus charitable transfers received (third distribution, 第三次分配)."""
    return disposable_income + charity
