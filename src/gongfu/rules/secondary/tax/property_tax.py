"""Residential property tax (房地产税) — a dormant programme for reforms: 0 in the baseline (`in_force` false).

Authority: 全国人民代表大会常务委员会关于授权国务院在部分地区开展房地产税改革试点工作的决定 (2021-10-23). Design
parameters from the Shanghai pilot, 上海市开展对部分个人住房征收房产税试点的暂行办法 (沪府发〔2011〕3号): tax =
rate × 70% of the market value of the taxable homes; taxable homes are those beyond the first (第二条), or the floor
area above 60 m² per household member (第六条). Parameters: parameters/secondary/tax/property_tax.yaml.
"""

from __future__ import annotations

import numpy as np

from gongfu.engine import HOUSEHOLD, P, variable

DECISION = "全国人大常委会关于授权国务院在部分地区开展房地产税改革试点工作的决定 (2021)"
SHANGHAI = "上海市开展对部分个人住房征收房产税试点的暂行办法 (沪府发〔2011〕3号)"


@variable(entity=HOUSEHOLD, unit="rate", tier="secondary", reference=SHANGHAI + " 第二条、第六条",
          label={"en": "Share of the household's home value exempt from property tax",
                 "zh": "房地产税免税住房价值占比"})
def property_tax_exempt_share(n_homes, floor_area, household_size,
                              exempt_homes=P("tax.property_tax.exempt_homes"),
                              exempt_area=P("tax.property_tax.exempt_floor_area_per_person")):
    """The more generous of two exemptions, as a share of the value of all homes owned (1 = fully exempt):

    * by number of homes: min(exempt_homes, n_homes) / n_homes (homes valued at the household's average);
    * by floor area: min(exempt_area × household_size, floor_area) / floor_area (each m² valued at the average).

    With equal-sized homes this reproduces Shanghai's rule (only homes beyond the first are taxed, and only on the
    area above 60 m² per person). A household owning no home is fully exempt; when the floor area is unknown (0)
    the area exemption, if any, exempts everything (no base without an area).
    """
    homes = n_homes.astype(np.float64)
    by_homes = np.where(homes > 0, np.minimum(exempt_homes, homes) / np.maximum(homes, 1.0), 1.0)
    allowance = exempt_area * household_size
    if exempt_area > 0:
        by_area = np.where(floor_area > 0, np.minimum(allowance, floor_area) / np.maximum(floor_area, 1e-9), 1.0)
    else:
        by_area = np.zeros(len(homes))
    return np.maximum(by_homes, by_area)


@variable(entity=HOUSEHOLD, unit="CNY", tier="secondary", reference=SHANGHAI + " 第四条",
          label={"en": "Assessed value of the household's taxable homes", "zh": "应税住房计税价值"})
def property_tax_base(home_value, property_tax_exempt_share,
                      assessment_ratio=P("tax.property_tax.assessment_ratio")):
    """Market value of the homes owned × (1 − exempt share) × the assessment ratio (70% in Shanghai)."""
    return np.maximum(home_value, 0.0) * (1.0 - property_tax_exempt_share) * assessment_ratio


@variable(entity=HOUSEHOLD, unit="CNY/year", role="tax", tier="secondary", reference=DECISION + "; " + SHANGHAI,
          label={"en": "Residential property tax", "zh": "个人住房房地产税"})
def property_tax(property_tax_base, in_force=P("tax.property_tax.in_force"), rate=P("tax.property_tax.rate")):
    """Rate × assessed value of the taxable homes, where the tax is in force (it is not in the baseline)."""
    if not in_force:
        return np.zeros(len(property_tax_base))
    return rate * property_tax_base
