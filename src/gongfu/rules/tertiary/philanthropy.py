"""Tertiary distribution (第三次分配): charitable transfers received by households.

Law: 中华人民共和国慈善法 (2016, 2023 修正). Only receipts are modelled, as an input; targeted-transfer reforms
(a fixed budget to the poorest households) can add formulas later.
"""

from __future__ import annotations

from gongfu.engine import HOUSEHOLD, input_variable
from gongfu.engine.variables import AMOUNT

input_variable("charity_received", entity=HOUSEHOLD, unit="CNY/year", default=0.0, role="charity", tier="tertiary",
               valid=AMOUNT,  # transfers received: ≥ 0
               reference="中华人民共和国慈善法 (2016年, 2023年修正)",
               label={"en": "Charitable transfers received", "zh": "获得的慈善捐助"})
