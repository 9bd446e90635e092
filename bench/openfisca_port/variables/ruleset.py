"""The benchmark rule set (bench/ruleset/SPEC.md) as OpenFisca variables, written as an OpenFisca country package
would write them: vectorised formulas, `household.sum`, `person.household(...)`, a MarginalRateTaxScale.

Province tables: openfisca-core 46's fancy indexing (`node[province_enum_array]`) builds one Python object per
entity, so, to give OpenFisca the benefit of the doubt, the 31-row tables are turned into numpy arrays indexed
by GB/T 2260 code inside the formula (`by_code`) and looked up with one numpy gather.
"""

import numpy as np
from bench.openfisca_port.entities import Household, Person
from bench.ruleset.provinces import CODES, KEYS
from openfisca_core.periods import DateUnit
from openfisca_core.variables import Variable

YEAR = DateUnit.YEAR


def by_code(node) -> np.ndarray:
    """A province node (children keyed by pinyin) as an array indexed by GB/T 2260 code."""
    table = np.zeros(128)
    for code, key in zip(CODES, KEYS, strict=True):
        table[code] = node[key]
    return table


def by_code_and_area(node) -> np.ndarray:
    """A province x {rural, urban} node as an array [code, area] (area 0 rural, 1 urban)."""
    table = np.zeros((128, 2))
    for code, key in zip(CODES, KEYS, strict=True):
        table[code, 0] = node[key].rural
        table[code, 1] = node[key].urban
    return table


# ------------------------------------------------------------------ inputs
class age(Variable):
    value_type = int
    entity = Person
    definition_period = YEAR
    label = "Age"


class wage_income(Variable):
    value_type = float
    entity = Person
    definition_period = YEAR
    label = "Wages and salaries, CNY/year"


class province(Variable):
    value_type = int
    entity = Household
    definition_period = YEAR
    default_value = 11
    label = "Province of residence (GB/T 2260 code)"


class area(Variable):
    value_type = int
    entity = Household
    definition_period = YEAR
    default_value = 1
    label = "Area (0 rural, 1 urban)"


# ------------------------------------------------------------------ contributions and tax
class contribution_base(Variable):
    value_type = float
    entity = Person
    definition_period = YEAR
    label = "Contribution base"

    def formula(person, period, parameters):
        p = parameters(period).bench
        wage = person("wage_income", period)
        aw = by_code(p.average_wage)[person.household("province", period)]
        base = np.clip(wage, p.contributions.base_floor * aw, p.contributions.base_ceiling * aw)
        return np.where(wage > 0, base, 0)


class social_insurance_contributions(Variable):
    value_type = float
    entity = Person
    definition_period = YEAR
    label = "Social insurance contributions (employee)"

    def formula(person, period, parameters):
        return parameters(period).bench.contributions.employee_rate * person("contribution_base", period)


class taxable_income(Variable):
    value_type = float
    entity = Person
    definition_period = YEAR
    label = "Taxable income"

    def formula(person, period, parameters):
        wage = person("wage_income", period)
        contributions = person("social_insurance_contributions", period)
        return np.maximum(wage - parameters(period).bench.iit.basic_deduction - contributions, 0)


class individual_income_tax(Variable):
    value_type = float
    entity = Person
    definition_period = YEAR
    label = "Individual income tax"

    def formula(person, period, parameters):
        return parameters(period).bench.iit.schedule.calc(person("taxable_income", period))


class net_income(Variable):
    value_type = float
    entity = Person
    definition_period = YEAR
    label = "Net income"

    def formula(person, period, parameters):
        return (
            person("wage_income", period)
            - person("social_insurance_contributions", period)
            - person("individual_income_tax", period)
        )


# ------------------------------------------------------------------ dibao
class household_net_income(Variable):
    value_type = float
    entity = Household
    definition_period = YEAR
    label = "Household net income"

    def formula(household, period, parameters):
        return household.sum(household.members("net_income", period))


class household_size(Variable):
    value_type = int
    entity = Household
    definition_period = YEAR
    label = "Household size"

    def formula(household, period, parameters):
        return household.nb_persons()


class dibao(Variable):
    value_type = float
    entity = Household
    definition_period = YEAR
    label = "Dibao"

    def formula(household, period, parameters):
        standard = by_code_and_area(parameters(period).bench.dibao.standard)[
            household("province", period), household("area", period)
        ]
        need = 12 * standard * household("household_size", period)
        return np.maximum(need - household("household_net_income", period), 0)
