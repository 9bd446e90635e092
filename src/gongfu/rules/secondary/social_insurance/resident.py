"""Personal contributions to the urban-rural resident schemes (城乡居民基本养老保险、城乡居民基本医疗保险;
parameters: `social_insurance.resident.*`).

Pension: residents aged 16-59 in the resident scheme, not in school and not drawing a pension, pay a tier of
their choice (国发〔2014〕8号 三, 四; default the lowest national tier, 100 yuan a year). Medical: everyone not
covered by the employee medical scheme -- children and students included -- pays the individual premium
(社会保险法 第二十五条; 380 yuan for 2024, 400 yuan for 2025), unless the premium is paid by medical
assistance (`resident_medical_premium_waived`) or the person is not insured (`resident_medical_takeup`).
"""

from __future__ import annotations

import numpy as np

from gongfu.engine import PERSON, P, input_variable, variable
from gongfu.engine.enums import EmploymentStatus, PensionScheme

RES = "social_insurance.resident"

input_variable("resident_medical_takeup", entity=PERSON, dtype="bool", unit="bool", default=True,
               reference="社会保险法 第二十五条",
               label={"en": "Enrolled in resident medical insurance (when not in the employee scheme)",
                      "zh": "参加城乡居民基本医疗保险"})
input_variable("resident_medical_premium_waived", entity=PERSON, dtype="bool", unit="bool", default=False,
               reference="社会保险法 第二十五条第三款; 国务院办公厅关于健全重特大疾病医疗保险和救助制度的意见 (国办发〔2021〕42号)",
               label={"en": "Resident medical premium paid by medical assistance", "zh": "个人缴费由医疗救助资助"})


@variable(entity=PERSON, unit="CNY/year", reference="国发〔2014〕8号 四(一)",
          label={"en": "Chosen resident pension contribution tier", "zh": "城乡居民养老保险缴费档次"})
def resident_pension_contribution_tier(pension_scheme, default=P(f"{RES}.pension_contribution")):
    """Default: the lowest national tier (100 yuan a year); give the chosen tier per person."""
    return np.full(len(pension_scheme), default)


@variable(entity=PERSON, unit="CNY/year", reference="国发〔2014〕8号 三, 四(一); 社会保险法 第二十条, 第二十一条",
          label={"en": "Resident pension contribution", "zh": "城乡居民基本养老保险个人缴费"})
def resident_pension_contribution(pension_scheme, age, employment_status, receives_pension,
                                  resident_pension_contribution_tier,
                                  min_age=P(f"{RES}.pension_contribution_min_age"),
                                  max_age=P(f"{RES}.pension_contribution_max_age")):
    """The chosen tier, for resident-scheme members aged 16-59 not in school and not drawing a pension."""
    payer = ((pension_scheme == PensionScheme.resident) & (age >= min_age) & (age < max_age)
             & (employment_status != EmploymentStatus.student) & ~receives_pension)
    return resident_pension_contribution_tier * payer


@variable(entity=PERSON, dtype="bool", unit="bool", reference="社会保险法 第二十三条; 国发〔1998〕44号",
          label={"en": "Covered by employee medical insurance", "zh": "参加职工基本医疗保险"})
def employee_medical_covered(pension_scheme, employment_status):
    """Members of the employee scheme who work as employees, flexible workers or self-employed, or are retired
    from it (retirees with enough contribution years pay no medical contributions, 社会保险法 第二十七条)."""
    status = EmploymentStatus.isin(employment_status, (EmploymentStatus.employee, EmploymentStatus.flexible,
                                                       EmploymentStatus.self_employed, EmploymentStatus.retired))
    return status & (pension_scheme == PensionScheme.employee)


@variable(entity=PERSON, unit="CNY/year", reference="社会保险法 第二十五条; 国家医保局 财政部 国家税务总局 2023, 2024年城乡居民基本医疗保障通知",
          label={"en": "Resident medical insurance premium", "zh": "城乡居民基本医疗保险个人缴费"})
def resident_medical_premium(employee_medical_covered, resident_medical_takeup, resident_medical_premium_waived,
                             premium=P(f"{RES}.medical_premium")):
    """The national individual premium for every insured person outside the employee scheme (all ages)."""
    payer = ~employee_medical_covered & resident_medical_takeup & ~resident_medical_premium_waived
    return premium * payer
