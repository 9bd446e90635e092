"""The two subsidies for disabled people (残疾人两项补贴): living subsidy for disabled people in dibao households
and nursing subsidy for the severely disabled.

Law: 国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见 (国发〔2015〕52号), in force 2016-01-01.
Parameters: parameters/secondary/subsidies/disability.yaml. The living subsidy reads `dibao_eligible`, which does
not depend on either subsidy; neither subsidy is counted in the dibao means test.
"""

from __future__ import annotations

import numpy as np

from gongfu.engine import PERSON, P, variable

OPINION = "国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见 (国发〔2015〕52号)"


def _province(hukou_province: np.ndarray, province: np.ndarray, follows_residence: bool) -> np.ndarray:
    return province if follows_residence else hukou_province


@variable(entity=PERSON, unit="CNY/year", role="benefit", tier="secondary", reference=OPINION,
          label={"en": "Living subsidy for disabled people in difficulty", "zh": "困难残疾人生活补贴"})
def disability_living_subsidy(disability_grade, dibao_eligible, tekun_recipient, hukou_province, province,
                              p=P("subsidies.disability.living_subsidy"),
                              follows_residence=P("subsidies.disability.follows_residence")):
    """Monthly provincial amount × 12 for a certified disabled person (grade 1 to `max_grade`) in a household
    eligible for dibao, unless the person already receives tekun (`excludes_tekun`)."""
    eligible = (disability_grade >= 1) & (disability_grade <= p.max_grade) & dibao_eligible
    if p.excludes_tekun:
        eligible &= ~tekun_recipient
    monthly = np.nan_to_num(p.amount.lookup(_province(hukou_province, province, follows_residence)), nan=0.0)
    return np.where(eligible, 12.0 * monthly, 0.0)


@variable(entity=PERSON, unit="CNY/year", role="benefit", tier="secondary", reference=OPINION,
          label={"en": "Nursing subsidy for severely disabled people", "zh": "重度残疾人护理补贴"})
def disability_nursing_subsidy(disability_grade, hukou_province, province,
                               p=P("subsidies.disability.nursing_subsidy"),
                               follows_residence=P("subsidies.disability.follows_residence")):
    """Monthly provincial amount × 12 for disability grades 1 to `max_grade` (1-2), not means-tested; every
    such person is assumed to need long-term care."""
    eligible = (disability_grade >= 1) & (disability_grade <= p.max_grade)
    monthly = np.nan_to_num(p.amount.lookup(_province(hukou_province, province, follows_residence)), nan=0.0)
    return np.where(eligible, 12.0 * monthly, 0.0)
