"""Old-age allowance (高龄津贴) for people aged 80 and over — provincial programmes.

Sources: parameters/secondary/subsidies/old_age_allowance.yaml (fragments by province; documented fallback).
Not counted in the dibao or tekun means tests (特困人员认定办法 第六条 excludes 高龄津贴).
"""

from __future__ import annotations

from gongfu.engine import PERSON, P, Rows, variable


@variable(entity=PERSON, unit="CNY/year", role="benefit", tier="secondary",
          reference="高龄津贴 (provincial programmes; China Daily 2016-08-25: 26 provinces)",
          label={"en": "Old-age allowance (80+)", "zh": "高龄津贴"})
def old_age_allowance(age, hukou_province, province, min_age=P("subsidies.old_age_allowance.min_age"),
                      amount=P("subsidies.old_age_allowance.amount"),
                      follows_residence=P("subsidies.old_age_allowance.follows_residence")):
    """Monthly amount of the hukou province (residence with the switch on) × 12, from age 80."""
    r = Rows(age >= min_age)
    where = r(province if follows_residence else hukou_province)
    return r.fill(12.0 * amount.lookup(where, missing=0.0))
