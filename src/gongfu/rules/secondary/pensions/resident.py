"""Urban-rural resident basic pension (城乡居民基本养老金; parameters: `pensions.resident.*`).

From 60, members of the resident scheme who do not receive an employee pension get the basic pension -- the
national minimum (123 yuan a month in 2024, 143 in 2025) plus the provincial top-up of the hukou province
(Shanghai 1,412, Beijing 855, ... Jilin 11 in 2025; resident.yaml, partly from a secondary source) -- and
the individual-account pension (国发〔2014〕8号 五, 六; 社会保险法 第二十一条). The account is rarely known:
`resident_pension_account` is an input (default 0, which understates the pension of those who paid higher tiers).
"""

from __future__ import annotations

from gongfu.engine import PERSON, P, Rows, input_variable, variable
from gongfu.engine.enums import PensionScheme
from gongfu.engine.variables import AMOUNT

OPINION = "国务院关于建立统一的城乡居民基本养老保险制度的意见 (国发〔2014〕8号)"
RES = "pensions.resident"

input_variable("resident_pension_account", entity=PERSON, unit="CNY", default=0.0, reference=f"{OPINION} 四, 五(二)",
               valid=AMOUNT,  # an account balance: ≥ 0
               label={"en": "Resident pension individual-account balance at 60", "zh": "城乡居民养老保险个人账户储存额"})


@variable(entity=PERSON, dtype="bool", unit="bool", reference=f"{OPINION} 六",
          label={"en": "Draws the resident basic pension", "zh": "领取城乡居民基本养老金"})
def resident_pension_eligible(age, pension_scheme, employee_pension,
                              min_age=P("social_insurance.resident.pension_contribution_max_age")):
    """Members of the resident scheme aged 60+ without an employee pension."""
    return (age >= min_age) & (pension_scheme == PensionScheme.resident) & (employee_pension <= 0.0)


@variable(entity=PERSON, unit="CNY/month", reference=f"{OPINION} 五(一)",
          label={"en": "Resident basic pension rate (monthly)", "zh": "城乡居民基础养老金标准(月)"})
def resident_basic_pension_rate(hukou_province, province, minimum=P(f"{RES}.basic_pension_minimum"),
                                top_up=P(f"{RES}.provincial_top_up"),
                                follows_residence=P(f"{RES}.follows_residence")):
    """National minimum plus the top-up of the hukou province (or the province of residence when switched)."""
    where = province if follows_residence else hukou_province
    return minimum + top_up.lookup(where)


@variable(entity=PERSON, unit="CNY/year", role="benefit", tier="secondary", reference=f"{OPINION} 五; 社会保险法 第二十一条",
          label={"en": "Resident basic pension", "zh": "城乡居民基本养老金"})
def resident_pension(resident_pension_eligible, resident_basic_pension_rate, resident_pension_account,
                     divisor=P(f"{RES}.account_divisor")):
    """12 × (basic pension rate + account / 139) for those eligible."""
    r = Rows(resident_pension_eligible)
    return r.fill(12.0 * (r(resident_basic_pension_rate) + r(resident_pension_account) / divisor))
