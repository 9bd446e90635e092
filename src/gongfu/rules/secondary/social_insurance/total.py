"""All personal social-insurance contributions of a person (个人缴纳的社会保险费), and the part the individual
income tax deducts as special deductions (专项扣除, 个人所得税法 第六条第四款: 基本养老保险、基本医疗保险、
失业保险等社会保险费). No parameters of its own: it adds up the employee, flexible and resident schemes."""

from __future__ import annotations

from gongfu.engine import PERSON, variable


@variable(entity=PERSON, unit="CNY/year", role="contribution", tier="secondary",
          reference="中华人民共和国社会保险法 (2010, 2018年修正) 第十条, 第十二条, 第二十条, 第二十三条, 第二十五条, 第四十四条",
          label={"en": "Social-insurance contributions (personal)", "zh": "个人缴纳的社会保险费"})
def social_insurance_contributions(employee_pension_contribution, employee_medical_contribution,
                                   unemployment_contribution, flexible_pension_contribution,
                                   flexible_medical_contribution, resident_pension_contribution,
                                   resident_medical_premium):
    """Employee pension, medical and unemployment; flexible workers' pension and medical; resident pension and
    medical premiums."""
    return (employee_pension_contribution + employee_medical_contribution + unemployment_contribution
            + flexible_pension_contribution + flexible_medical_contribution
            + resident_pension_contribution + resident_medical_premium)


@variable(entity=PERSON, unit="CNY/year", reference="个人所得税法 第六条第四款; 个人所得税法实施条例 第十三条",
          label={"en": "Contributions deductible from income tax (special deductions)", "zh": "个人所得税专项扣除(社会保险费)"})
def iit_deductible_contributions(social_insurance_contributions):
    """All personal contributions to basic pension, medical and unemployment insurance paid under state rules,
    resident schemes included. The housing provident fund is not modelled."""
    return social_insurance_contributions
