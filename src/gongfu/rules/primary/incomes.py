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

# Incomes for the individual income tax (个人所得税法 第二条). Labour remuneration is 工资性收入 in the NBS survey
# ("从事各种自由职业、兼职和零星劳动得到的全部劳动报酬"), author's remuneration as well, royalties are property income
# (知识产权收入 in the NBS tables): all three are market income, given gross and NOT included in `wage_income`.
# Taxable interest is property income (利息净收入), apart from `interest_income` (exempt deposit and government-bond
# interest). Gains on the transfer of property are not NBS income (财产净收入不包括转让资产所有权的溢价所得), nor are
# prizes (转移性收入 counts recurrent transfers only): no role, only their tax counts (as in the national accounts,
# where taxes on income include taxes on holding gains, SNA 2008 D.51). `annual_bonus` is the part of
# `wage_income` paid as the annual one-time bonus (no role: it is already in wage_income).
IIT_LAW = "中华人民共和国个人所得税法 (2018年修正) 第二条"
input_variable("labour_remuneration", entity=PERSON, unit="CNY/year", valid=AMOUNT, role="market", tier="primary",
               reference=f"{IIT_LAW}第一款第(二)项; {NBS}",
               label={"en": "Labour remuneration (gross, not in wage_income)", "zh": "劳务报酬所得(收入, 不含在工资薪金中)"})
input_variable("author_remuneration", entity=PERSON, unit="CNY/year", valid=AMOUNT, role="market", tier="primary",
               reference=f"{IIT_LAW}第一款第(三)项; {NBS}",
               label={"en": "Author's remuneration (gross)", "zh": "稿酬所得(收入)"})
input_variable("royalty_income", entity=PERSON, unit="CNY/year", valid=AMOUNT, role="market", tier="primary",
               reference=f"{IIT_LAW}第一款第(四)项; {NBS}",
               label={"en": "Royalties (gross)", "zh": "特许权使用费所得(收入)"})
input_variable("taxable_interest_income", entity=PERSON, unit="CNY/year", valid=AMOUNT, role="market", tier="primary",
               reference=f"{IIT_LAW}第一款第(六)项; 财税〔2008〕132号 (deposit interest exempt); {NBS}",
               label={"en": "Taxable interest (other than deposits and government bonds; not in interest_income)",
                      "zh": "应税利息收入(储蓄存款、国债利息以外)"})
input_variable("annual_bonus", entity=PERSON, unit="CNY/year", valid=AMOUNT,
               reference="财政部 税务总局公告2023年第30号; 财税〔2018〕164号 第一条第(一)项",
               label={"en": "Annual one-time bonus (the part of wage_income paid as such)",
                      "zh": "全年一次性奖金(工资薪金收入中的部分)"})
input_variable("property_transfer_gain", entity=PERSON, unit="CNY/year", valid=AMOUNT,
               reference=f"{IIT_LAW}第一款第(八)项; 第六条第一款第(五)项",
               label={"en": "Taxable gain on the transfer of property (proceeds less cost and expenses)",
                      "zh": "财产转让所得(应税, 收入减除财产原值和合理费用)"})
input_variable("incidental_income", entity=PERSON, unit="CNY/year", valid=AMOUNT,
               reference=f"{IIT_LAW}第一款第(九)项",
               label={"en": "Incidental income (prizes, lottery wins; taxable part)", "zh": "偶然所得(应税部分)"})
