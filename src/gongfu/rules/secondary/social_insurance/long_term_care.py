"""Long-term care insurance (长期护理保险) — a dormant programme for reforms: 0 in the baseline (`in_force` false).

Law: 人力资源社会保障部办公厅关于开展长期护理保险制度试点的指导意见 (人社厅发〔2016〕80号); 国家医保局 财政部关于扩大
长期护理保险制度试点的指导意见 (医保发〔2020〕37号). Pilots cover the basic care needs of severely disabled insured
persons; the model proxies severe disability by disability grade 1–2 and pays a pilot's monthly amount in cash.
Parameters: parameters/secondary/social_insurance/long_term_care.yaml.
"""

from __future__ import annotations

import numpy as np

from gongfu.engine import PERSON, P, variable

GUIDELINES = "人社厅发〔2016〕80号; 医保发〔2020〕37号 (长期护理保险制度试点)"


@variable(entity=PERSON, unit="CNY/year", role="benefit", tier="secondary", reference=GUIDELINES,
          label={"en": "Long-term care insurance benefit", "zh": "长期护理保险待遇"})
def long_term_care_benefit(disability_grade, age, p=P("social_insurance.long_term_care")):
    """12 × the monthly amount for a person with disability grade 1 to `max_disability_grade` (severe) aged at
    least `min_age`, where the programme is in force (it is not in the baseline)."""
    if not p.in_force:
        return np.zeros(len(age))
    eligible = (disability_grade >= 1) & (disability_grade <= p.max_disability_grade) & (age >= p.min_age)
    return np.where(eligible, 12.0 * p.monthly_amount, 0.0)
