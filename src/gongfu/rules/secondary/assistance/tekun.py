"""Support for persons in extreme poverty (特困人员救助供养, tekun).

Law: 国务院关于进一步健全特困人员救助供养制度的意见 (国发〔2016〕14号); 社会救助暂行办法 (2014) 第十四条;
特困人员认定办法 (民发〔2021〕43号) 第五条、第六条. Parameters: parameters/secondary/assistance/tekun.yaml.

Computed per person and summed to the household `tekun`. A person receiving tekun leaves the household's dibao
unit (rules/secondary/assistance/dibao.py). Only the basic-living standard is modelled (care standards are local).
"""

from __future__ import annotations

import numpy as np

from gongfu.engine import HOUSEHOLD, PERSON, P, input_variable, variable

OPINION = "国务院关于进一步健全特困人员救助供养制度的意见 (国发〔2016〕14号)"
MEASURES = "特困人员认定办法 (民发〔2021〕43号)"

input_variable("has_obligated_supporter", entity=PERSON, dtype="bool", default=True, unit="bool",
               reference="社会救助暂行办法 (2014) 第十四条; " + MEASURES,
               label={"en": "Has a legal supporter able to support them", "zh": "有具备履行能力的法定赡养、抚养、扶养义务人"})
input_variable("tekun_takeup", entity=PERSON, dtype="bool", default=True, unit="bool",
               reference="gongfu behavioural input (take-up); default: every eligible person claims",
               label={"en": "Claims tekun support when eligible", "zh": "符合条件时申请特困供养"})


@variable(entity=PERSON, unit="CNY/month", tier="secondary", reference=MEASURES + ", 第六条",
          label={"en": "Local dibao standard for the tekun test", "zh": "特困认定适用的当地低保标准"})
def tekun_local_dibao_standard(hukou_province, hukou_type, province, area,
                               standard=P("assistance.dibao.standard"),
                               follows_residence=P("assistance.dibao.follows_residence")):
    """Dibao standard of the person's own hukou province and hukou type (residence with the switch on)."""
    if follows_residence:
        return standard.lookup(province, area, missing=0.0)
    return standard.lookup(hukou_province, hukou_type, missing=0.0)


@variable(entity=PERSON, dtype="bool", unit="bool", tier="secondary", reference=MEASURES + ", 第五条",
          label={"en": "No capacity to work (tekun definition)", "zh": "无劳动能力（特困认定）"})
def tekun_no_work_capacity(age, disability_grade, elderly_age=P("assistance.tekun.elderly_age"),
                           minor_age=P("assistance.tekun.minor_age"),
                           max_grade=P("assistance.tekun.max_disability_grade")):
    """Aged 60 or over, under 16, or disabled at grade 1 to `max_disability_grade` (grades 1-2: approximation
    of 第五条 (三), which lists grades by type of disability)."""
    disabled = (disability_grade >= 1) & (disability_grade <= max_grade)
    return (age >= elderly_age) | (age < minor_age) | disabled


@variable(entity=PERSON, dtype="bool", unit="bool", tier="secondary", reference=OPINION + "; " + MEASURES,
          label={"en": "Eligible for tekun support", "zh": "符合特困人员认定条件"})
def tekun_eligible(tekun_no_work_capacity, dibao_counted_income, tekun_local_dibao_standard,
                   has_obligated_supporter):
    """No capacity to work, own counted income below the annual local dibao standard (no source of income,
    第六条), and no legal supporter able to support them."""
    no_income_source = dibao_counted_income < 12.0 * tekun_local_dibao_standard
    return tekun_no_work_capacity & no_income_source & ~has_obligated_supporter


@variable(entity=PERSON, dtype="bool", unit="bool", tier="secondary", reference=OPINION,
          label={"en": "Receives tekun support", "zh": "享受特困供养"})
def tekun_recipient(tekun_eligible, tekun_takeup):
    """Eligible and claiming."""
    return tekun_eligible & tekun_takeup


@variable(entity=PERSON, unit="CNY/year", tier="secondary", reference=OPINION,
          label={"en": "Tekun basic-living support the person is entitled to", "zh": "特困人员应享基本生活费（个人）"})
def tekun_entitlement_person(tekun_eligible, tekun_local_dibao_standard, dibao_counted_income,
                             multiplier=P("assistance.tekun.basic_living_multiplier"),
                             deducts_own_income=P("assistance.tekun.deducts_own_income")):
    """Basic-living standard = multiplier (1.3) × local dibao standard × 12, paid in full (or less the
    person's own income when `deducts_own_income` is on), for every eligible person whether or not they claim
    (the entitlement; `tekun_person` is what is paid)."""
    amount = multiplier * 12.0 * tekun_local_dibao_standard
    if deducts_own_income:
        amount = np.maximum(amount - np.maximum(dibao_counted_income, 0.0), 0.0)
    return np.where(tekun_eligible, amount, 0.0)


@variable(entity=PERSON, unit="CNY/year", tier="secondary", reference=OPINION,
          label={"en": "Tekun basic-living support (person)", "zh": "特困人员基本生活费（个人）"})
def tekun_person(tekun_recipient, tekun_entitlement_person):
    """The entitlement of the persons who claim (`tekun_recipient`: eligible and taking it up)."""
    return np.where(tekun_recipient, tekun_entitlement_person, 0.0)


@variable(entity=HOUSEHOLD, unit="CNY/year", role="benefit", tier="secondary", reference=OPINION,
          label={"en": "Tekun support (extreme poverty)", "zh": "特困人员救助供养金"})
def tekun(tekun_person, members):
    """Sum of the members' tekun basic-living support."""
    return members.sum(tekun_person)
