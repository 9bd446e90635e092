"""Medical assistance: the resident medical-insurance premium paid for people in social assistance
(医疗救助资助参保).

Law: 国务院办公厅关于健全重特大疾病医疗保险和救助制度的意见 (国办发〔2021〕42号): full payment for tekun persons,
a fixed amount for dibao recipients. Parameters: parameters/secondary/assistance/medical_assistance.yaml.
Nothing in the dibao or tekun means tests reads this variable (no dependency cycle).
"""

from __future__ import annotations

import numpy as np

from gongfu.engine import PERSON, P, Rows, variable

OPINION = "国务院办公厅关于健全重特大疾病医疗保险和救助制度的意见 (国办发〔2021〕42号)"


@variable(entity=PERSON, unit="CNY/year", role="benefit", tier="secondary", reference=OPINION,
          label={"en": "Resident medical premium paid by medical assistance", "zh": "医疗救助资助参保金额"})
def medical_premium_assistance(resident_medical_premium, tekun_recipient, dibao,
                               share=P("assistance.medical_assistance.premium_share")):
    """Share of the person's resident medical premium paid: `tekun` share (1.0) for tekun persons, `dibao`
    share for the other members of households receiving dibao, nothing for others."""
    r = Rows(tekun_recipient | (dibao > 0))
    return r.fill(np.where(r(tekun_recipient), share.tekun, share.dibao) * r(resident_medical_premium))
