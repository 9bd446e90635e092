"""Structural reforms in Python: replace a formula, add a variable, rules modules named in a reform file."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

from gongfu.engine import HOUSEHOLD, P, ReformError, variable
from gongfu.engine.variables import Variable
from gongfu.reforms import Reform, load_reform, resolve_reform


def flat_childcare(age, amount=P("subsidies.childcare_subsidy.amount")):
    """Test reform: the full annual amount to every child under 6 (no pro-rating)."""
    return np.where(age < 6, amount, 0.0)


def test_replace_a_formula(system, baseline):
    reform = Reform(name="flat childcare", formulas={"childcare_subsidy": flat_childcare})
    reformed = reform.apply(system)
    assert reformed.variables["childcare_subsidy"].formula is flat_childcare
    assert reformed.variables["childcare_subsidy"].label == system.variables["childcare_subsidy"].label
    assert system.variables["childcare_subsidy"].formula is not flat_childcare  # the baseline is untouched
    sim = baseline.branch(reformed)
    ages = baseline.calc("age")
    np.testing.assert_array_equal(sim.calc("childcare_subsidy"), np.where(ages < 6, 3600.0, 0.0))
    stale = baseline.recomputed_by(reformed)
    assert "childcare_subsidy" in stale and "disposable_income" in stale
    assert "individual_income_tax" not in stale and "dibao" not in stale


def _universal_grant() -> Variable:
    def universal_grant(household_size, amount=P("subsidies.universal_grant.amount")):
        """Test reform: a grant per household member."""
        return household_size * amount

    return Variable(name="universal_grant", entity=HOUSEHOLD, dtype="float", unit="CNY/year",
                    label={"en": "Universal grant", "zh": "普惠补贴"}, role="benefit", tier="secondary",
                    formula=universal_grant, arguments=(("household_size", ("variable", "household_size")),
                                                        ("amount", ("parameter", "subsidies.universal_grant.amount"))))


NEW_GRANT = {"subsidies.universal_grant.amount": {"unit": "CNY/year", "reference": {"title": "test", "year": 2025},
                                                   "values": {"2025-01-01": 500}}}


def test_add_a_benefit_counted_by_role(system, baseline):
    reform = Reform(name="grant", start=2025, new_parameters=NEW_GRANT, formulas={"universal_grant": _universal_grant()})
    reformed = reform.apply(system)
    assert "universal_grant" in reformed.role_members["benefit"]
    sim = baseline.branch(reformed)
    size = baseline.calc("household_size")
    np.testing.assert_allclose(sim.calc("disposable_income") - baseline.calc("disposable_income"), 500 * size)
    assert {"universal_grant", "total_benefits", "disposable_income"} <= baseline.recomputed_by(reformed)


def test_unknown_variable_with_suggestion(system):
    with pytest.raises(ReformError, match=r"unknown variable 'childcare_subsidyy' \(did you mean 'childcare_subsidy'"):
        Reform(formulas={"childcare_subsidyy": flat_childcare}).apply(system)


def test_formula_reading_an_unknown_parameter(system):
    def bad(age, amount=P("subsidies.childcare_subsidy.amont")):
        return age * 0.0

    with pytest.raises(ReformError, match=r"unknown parameter 'subsidies\.childcare_subsidy\.amont'"):
        Reform(formulas={"childcare_subsidy": bad}).apply(system)


GRANT_RULES = textwrap.dedent('''
    import numpy as np
    from gongfu.engine import HOUSEHOLD, P, variable

    @variable(entity=HOUSEHOLD, unit="CNY/year", role="benefit", tier="secondary",
              label={"en": "Child grant", "zh": "儿童补助"})
    def child_grant(age, members, amount=P("subsidies.child_grant.amount")):
        """A grant per child under 18."""
        return members.count(age < 18) * amount
''')
GRANT_REFORM = textwrap.dedent("""
    name: {en: Child grant, zh: 儿童补助}
    from: 2025-01-01
    new_parameters:
      subsidies.child_grant.amount:
        unit: CNY/year
        reference: {title: test, year: 2025}
        values: {2025-01-01: 1000}
""")


def test_a_users_rule_file_given_by_path(system, baseline, tmp_path):
    """A user's own rules are loaded from the file path a trusted caller gives (`rule_files`, --trust-rules)."""
    rules = tmp_path / "grant.py"
    rules.write_text(GRANT_RULES)
    path = tmp_path / "grant.yaml"
    path.write_text(GRANT_REFORM)
    reform = resolve_reform(str(path), system=system, rule_files=[rules])
    assert reform.rule_files == (str(rules.resolve()),)
    reformed = reform.apply(system)
    sim = baseline.branch(reformed)
    children = baseline.members.count(baseline.calc("age") < 18)
    np.testing.assert_allclose(sim.calc("child_grant"), 1000 * children)
    np.testing.assert_allclose(sim.calc("total_benefits") - baseline.calc("total_benefits"), 1000 * children)
    # the digest covers the rule file: another file, another reform
    rules2 = tmp_path / "grant2.py"
    rules2.write_text(GRANT_RULES.replace("* amount", "* amount * 2"))
    assert resolve_reform(str(path), system=system, rule_files=[rules2]).sha256 != reform.sha256


def test_a_rule_file_with_an_error_is_one_line(system, tmp_path):
    rules = tmp_path / "broken.py"
    rules.write_text("import numpy as np\nraise RuntimeError('oops')\n")
    with pytest.raises(ReformError, match=r"broken.py: cannot load the rule file: RuntimeError: oops"):
        Reform(name="x", rule_files=(str(rules),)).apply(system)
    with pytest.raises(ReformError, match=r"no such Python file"):
        resolve_reform(None, system=system, rule_files=[tmp_path / "nope.py"])


def test_a_shipped_structural_reform_by_short_or_full_name(system, tmp_path):
    table = {"type": "table", "index": ["province"], "unit": "rate", "reference": {"title": "test", "year": 2025},
             "values": {"2025-01-01": {"_default": 0, "zhejiang": 0.1}}}
    for rule in ("provincial_low_wage_uplift", "gongfu.reforms.structural.provincial_low_wage_uplift"):
        reform = resolve_reform({"name": "uplift", "from": 2025, "rules": [rule],
                                 "new_parameters": {"minimum_wage.low_wage_uplift_rate_by_province": table}},
                                system=system)
        reformed = reform.apply(system)
        assert reformed.variables["minimum_wage_adjustment"].formula is not \
            system.variables["minimum_wage_adjustment"].formula


def test_rules_module_that_is_not_shipped(system, tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text("name: x\nfrom: 2025-01-01\nrules: [no_such_module_xyz]\n")
    with pytest.raises(ReformError, match=rf"{path}:3: rules: 'no_such_module_xyz' is not a structural reform "
                                          "shipped with gongfu; rules names one of provincial_low_wage_uplift"):
        load_reform(path, system)


def test_decorated_function_adds_its_variable(system, baseline):
    @variable(entity=HOUSEHOLD, unit="CNY/year", role="tax", tier="secondary", label={"en": "Head tax", "zh": "人头税"})
    def head_tax(household_size):
        """Test reform: 10 yuan per person."""
        return 10.0 * household_size

    reformed = Reform(formulas={"head_tax": head_tax}).apply(system)
    sim = baseline.branch(reformed)
    np.testing.assert_allclose(sim.calc("total_taxes") - baseline.calc("total_taxes"), 10 * baseline.calc("household_size"))
