"""Targeted philanthropy (第三次分配) — a dormant programme for reforms: 0 in the baseline (`in_force` false).

Policy: 中央财经委员会第十次会议 (2021-08-17) on the coordination of primary, secondary and tertiary distribution;
中华人民共和国慈善法 (2016, 2023 修正). A charitable budget paid per member to households whose per-capita disposable
income is below a threshold. A fixed budget for "the poorest households" is turned into a threshold by the runner
(gongfu.reforms.targeting), because a household formula cannot rank the whole population.
Parameters: parameters/tertiary/targeted_philanthropy.yaml.
"""

from __future__ import annotations

import numpy as np

from gongfu.engine import HOUSEHOLD, P, variable

POLICY = "中央财经委员会第十次会议 (2021-08-17): 三次分配; 中华人民共和国慈善法 (2016, 2023修正)"


@variable(entity=HOUSEHOLD, unit="CNY/year", role="charity", tier="tertiary", reference=POLICY,
          label={"en": "Targeted philanthropic transfer", "zh": "定向慈善帮扶"})
def targeted_philanthropy(per_capita_disposable_income, household_size, p=P("targeted_philanthropy")):
    """`amount_per_person` × household size where per-capita disposable income is below `income_threshold`;
    with `top_up_only`, each member gets at most the gap to the threshold. Disposable income does not include
    charity (it is tertiary), so the transfer does not move its own test."""
    if not p.in_force:
        return np.zeros(len(household_size))
    gap = p.income_threshold - per_capita_disposable_income
    per_person = np.minimum(p.amount_per_person, gap) if p.top_up_only else np.full(len(gap), p.amount_per_person)
    return np.where(gap > 0, np.maximum(per_person, 0.0) * household_size, 0.0)
