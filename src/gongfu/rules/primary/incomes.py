"""Primary tier: market incomes by source, as the NBS household survey defines them (annual, gross of
individual income tax and personal social-insurance contributions)."""

from gongfu.engine import PERSON, input_variable
from gongfu.engine.variables import AMOUNT, SIGNED_AMOUNT

NBS = "国家统计局 住户收支与生活状况调查 指标解释: 可支配收入 (工资性收入、经营净收入、财产净收入、转移净收入)"

# Valid values: wages, interest, dividends and transfers received are amounts received, ≥ 0. Net business, farm
# and rental income are net of costs (经营净收入, 财产净收入) and may be losses: the tax rules floor them at 0
# (iit_business_income, iit_rental), market income counts the loss, as the NBS survey does.

input_variable("wage_income", entity=PERSON, unit="CNY/year", role="market", tier="primary", reference=NBS, valid=AMOUNT,
               label={"en": "Wages and salaries (gross)", "zh": "工资薪金收入(税前)"})
input_variable("self_employment_income", entity=PERSON, unit="CNY/year", role="market", tier="primary", valid=SIGNED_AMOUNT,
               reference=NBS, label={"en": "Net non-farm business income", "zh": "经营净收入(非农)"})
input_variable("agricultural_income", entity=PERSON, unit="CNY/year", role="market", tier="primary", valid=SIGNED_AMOUNT,
               reference=NBS, label={"en": "Net farming income", "zh": "农业经营净收入"})
input_variable("interest_income", entity=PERSON, unit="CNY/year", role="market", tier="primary", reference=NBS, valid=AMOUNT,
               label={"en": "Interest (deposits, government bonds)", "zh": "利息收入"})
input_variable("dividend_income", entity=PERSON, unit="CNY/year", role="market", tier="primary", reference=NBS, valid=AMOUNT,
               label={"en": "Dividends", "zh": "红利收入"})
input_variable("rental_income", entity=PERSON, unit="CNY/year", role="market", tier="primary", reference=NBS,
               valid=SIGNED_AMOUNT,
               label={"en": "Rental income (net of costs before tax)", "zh": "出租房屋收入"})
input_variable("private_transfers_received", entity=PERSON, unit="CNY/year", role="market", tier="primary", valid=AMOUNT,
               reference=NBS + "; Lustig (ed.), CEQ Handbook (2018) ch. 6: market income includes private transfers",
               label={"en": "Private transfers received (remittances, support from relatives outside the household)",
                      "zh": "私人转移收入(外出亲属寄回、亲友赡养等)"})
