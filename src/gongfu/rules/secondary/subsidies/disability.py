"""The two subsidies for disabled people (残疾人两项补贴): living subsidy for disabled people in dibao households
and nursing subsidy for the severely disabled.

Law: 国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见 (国发〔2015〕52号), in force 2016-01-01, and the
provincial implementing rules that set the amounts (parameters/secondary/subsidies/disability.yaml). The living
subsidy reads `dibao_eligible`, which does not depend on either subsidy; neither subsidy is counted in the dibao
means test. Persons supported as tekun receive neither (provincial rules; switches `excludes_tekun`).
"""

from __future__ import annotations

import numpy as np

from gongfu.engine import PERSON, P, Rows, variable

OPINION = "国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见 (国发〔2015〕52号)"
PROVINCIAL = "provincial implementing rules (see subsidies/disability.yaml)"


def _place(hukou_province: np.ndarray, hukou_type: np.ndarray, province: np.ndarray, area: np.ndarray,
           follows_residence: bool) -> tuple[np.ndarray, np.ndarray]:
    """Province and urban/rural code whose amounts apply: the hukou place, or the residence with the switch."""
    return (province, area) if follows_residence else (hukou_province, hukou_type)


@variable(entity=PERSON, unit="CNY/year", role="benefit", tier="secondary", reference=f"{OPINION}; {PROVINCIAL}",
          label={"en": "Living subsidy for disabled people in difficulty", "zh": "困难残疾人生活补贴"})
def disability_living_subsidy(disability_grade, dibao_eligible, tekun_recipient, hukou_province, hukou_type,
                              province, area, p=P("subsidies.disability.living_subsidy"),
                              dibao_standard_table=P("assistance.dibao.standard"),
                              follows_residence=P("subsidies.disability.follows_residence")):
    """12 × the monthly provincial amount for a certified disabled person (grade 1 to `max_grade`) in a household
    eligible for dibao, unless the person receives tekun. The amount depends on severity (grades 1-2 or 3-4) and,
    where a province links it to the dibao standard (Zhejiang, Jiangsu), is at least that share of the local
    monthly dibao standard."""
    where, kind = _place(hukou_province, hukou_type, province, area, follows_residence)
    eligible = (disability_grade >= 1) & (disability_grade <= p.max_grade) & dibao_eligible
    if p.excludes_tekun:
        eligible &= ~tekun_recipient
    r = Rows(eligible)  # computed for the eligible persons only (a few per thousand)
    where, kind, severe = r(where), r(kind), r(disability_grade) <= 2
    fixed = np.where(severe, p.amount.lookup(where, missing=0.0), p.amount_grades_3_4.lookup(where, missing=0.0))
    share = np.where(severe, p.dibao_share_severe.lookup(where), p.dibao_share_mild.lookup(where))
    linked = share * dibao_standard_table.lookup(where, kind, missing=0.0)
    return r.fill(12.0 * np.maximum(fixed, linked))


@variable(entity=PERSON, unit="CNY/year", role="benefit", tier="secondary", reference=f"{OPINION}; {PROVINCIAL}",
          label={"en": "Nursing subsidy for severely disabled people", "zh": "重度残疾人护理补贴"})
def disability_nursing_subsidy(disability_grade, tekun_recipient, hukou_province, hukou_type, province, area,
                               p=P("subsidies.disability.nursing_subsidy"),
                               follows_residence=P("subsidies.disability.follows_residence")):
    """12 × the monthly provincial amount (grade 1 or grade 2; urban or rural where they differ) for disability
    grades 1 to `max_grade` (1-2), not means-tested, unless the person receives tekun; every such person is assumed
    to need long-term care."""
    where, kind = _place(hukou_province, hukou_type, province, area, follows_residence)
    eligible = (disability_grade >= 1) & (disability_grade <= p.max_grade)
    if p.excludes_tekun:
        eligible &= ~tekun_recipient
    r = Rows(eligible)  # computed for the severely disabled only
    where, kind = r(where), r(kind)
    monthly = np.where(r(disability_grade) == 1, p.amount.lookup(where, kind, missing=0.0),
                       p.amount_grade_2.lookup(where, kind, missing=0.0))
    return r.fill(12.0 * monthly)
