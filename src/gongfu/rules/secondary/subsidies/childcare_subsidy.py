"""National childcare subsidy (育儿补贴) for children under 3, from 2025-01-01.

Law: 中共中央办公厅 国务院办公厅《育儿补贴制度实施方案》 (2025-07-28). Parameters:
parameters/secondary/subsidies/childcare_subsidy.yaml. Exempt from individual income tax and not counted in the
dibao and tekun means tests (nothing there reads it).
"""

from __future__ import annotations

import numpy as np

from gongfu.engine import PERSON, P, Rows, variable

SCHEME = "育儿补贴制度实施方案 (中办、国办, 2025)"


@variable(entity=PERSON, unit="CNY/year", role="benefit", tier="secondary", reference=SCHEME,
          label={"en": "Childcare subsidy", "zh": "育儿补贴"})
def childcare_subsidy(age, amount=P("subsidies.childcare_subsidy.amount"),
                      max_age=P("subsidies.childcare_subsidy.max_age"),
                      months_last_year=P("subsidies.childcare_subsidy.months_at_last_year_of_age")):
    """Annual amount × months under 3 in the year / 12. Age is whole years on 1 January: under `max_age` − 1
    the child is under 3 all year (12 months); at `max_age` − 1 the child turns 3 during the year
    (`months_at_last_year_of_age`, 6 on average); from `max_age` nothing."""
    r = Rows((age >= 0) & (age < max_age))
    months = np.where(r(age) < max_age - 1, 12.0, months_last_year)
    return r.fill(amount * months / 12.0)
