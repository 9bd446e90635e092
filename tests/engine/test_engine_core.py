"""Engine: load-time checks name file and line; lazy evaluation; overrides; aggregation; reform branching."""

from __future__ import annotations

import numpy as np
import pytest

from gongfu.engine import InputError, SystemLoadError

PARAMS = {"secondary/tax/toy.yaml": """
    reference: {title: toy law, year: 2025}
    rate: {unit: rate, values: {2020-01-01: 0.1}}
    bonus: {unit: CNY/year, values: {2020-01-01: 100}}
"""}

RULES = """
input_variable("household_id", entity=HOUSEHOLD, dtype="int64", unit="id", label={"en": "id", "zh": "编号"})
input_variable("wage", entity=PERSON, unit="CNY/year", label={"en": "wage", "zh": "工资"})

@variable(entity=PERSON, unit="CNY/year", role="tax", label={"en": "tax", "zh": "税"})
def tax(wage, rate=P("tax.toy.rate")):
    return wage * rate

@variable(entity=HOUSEHOLD, unit="CNY/year", label={"en": "net", "zh": "净收入"})
def net(wage, tax, members):
    return members.sum(wage - tax)

@variable(entity=PERSON, unit="CNY/year", role="benefit", label={"en": "share", "zh": "份额"})
def share(net, bonus=P("tax.toy.bonus")):
    return net * 0 + bonus
"""


def _sim(system, wages=(100.0, 200.0, 50.0), households=(1, 1, 2)):
    return system.simulation(households={"household_id": np.array(sorted(set(households)))},
                             persons={"household_id": np.array(households), "wage": np.array(wages)}, year=2025)


def test_formulas_aggregate_and_project(make_system):
    sim = _sim(make_system(RULES, PARAMS))
    assert sim.calc("tax").tolist() == pytest.approx([10, 20, 5])
    assert sim.calc("net").tolist() == pytest.approx([270, 45])
    assert sim.calc("share").tolist() == [100, 100, 100]


def test_partial_override_keeps_formula_for_others(make_system):
    system = make_system(RULES, PARAMS)
    sim = _sim(system)
    sim.set_input("tax", np.ma.MaskedArray([0.0, 7.0, 0.0], mask=[True, False, True]))
    assert sim.calc("tax").tolist() == pytest.approx([10, 7, 5])


def test_unknown_variable_is_a_load_error_with_file_and_line(make_system):
    rules = RULES + "\n@variable(entity=PERSON, unit='CNY', label={'en': 'x', 'zh': 'x'})\ndef bad(wages):\n    return wages\n"
    with pytest.raises(SystemLoadError, match=r"rules_\w+\.py:\d+: formula of 'bad' reads unknown variable 'wages'"):
        make_system(rules, PARAMS)


def test_unknown_parameter_is_a_load_error(make_system):
    rules = RULES + "\n@variable(entity=PERSON, unit='CNY', label={'en': 'x', 'zh': 'x'})\ndef bad(wage, r=P('tax.toy.rat')):\n    return wage\n"
    with pytest.raises(SystemLoadError, match="unknown parameter 'tax.toy.rat' \\(did you mean 'tax.toy.rate'"):
        make_system(rules, PARAMS)


def test_cycles_are_refused(make_system):
    rules = """
input_variable("household_id", entity=HOUSEHOLD, dtype="int64", unit="id", label={"en": "id", "zh": "编号"})
@variable(entity=PERSON, unit="CNY", label={"en": "a", "zh": "a"})
def a(b):
    return b
@variable(entity=PERSON, unit="CNY", label={"en": "b", "zh": "b"})
def b(a):
    return a
"""
    with pytest.raises(SystemLoadError, match="dependency cycle: (a -> b -> a|b -> a -> b)"):
        make_system(rules, PARAMS)


def test_persons_must_be_grouped_by_household(make_system):
    with pytest.raises(InputError, match="grouped by household"):
        _sim(make_system(RULES, PARAMS), households=(1, 2, 1))
    with pytest.raises(InputError, match="household_id 9 is not a household"):
        make_system(RULES, PARAMS).simulation(households={"household_id": np.array([1])},
                                              persons={"household_id": np.array([1, 9])}, year=2025)


def test_branch_recomputes_only_dependents(make_system):
    system = make_system(RULES, PARAMS)
    sim = _sim(system)
    sim.calc("share")
    leaf = system.parameters.leaf("tax.toy.bonus").with_value(__import__("datetime").date(2025, 1, 1), 300)
    reform = system.with_parameters(system.parameters.with_leaves({leaf.path: leaf}))
    assert sim.recomputed_by(reform) == {"share"}
    branch = sim.branch(reform)
    assert branch._cache["tax"] is sim._cache["tax"]  # reused, not recomputed
    assert branch.calc("share").tolist() == [300, 300, 300]
    assert sim.calc("share").tolist() == [100, 100, 100]


def test_trace_explains_with_parameters(make_system):
    sim = _sim(make_system(RULES, PARAMS))
    tree = sim.trace("net", household=0).to_dict()
    assert tree["value"] == pytest.approx(270)
    tax = next(c for c in tree["inputs"] if c["variable"] == "tax")
    assert tax["value"] == pytest.approx([10, 20])
    assert tax["parameters"][0] == {"parameter": "tax.toy.rate", "value": 0.1, "in_force_since": "2020-01-01",
                                    "unit": "rate", "label": {}, "reference": {"title": "toy law", "year": 2025}}


def test_members_rank_orders_within_household():
    from gongfu.engine import Members

    m = Members(np.array([0, 0, 0, 1, 1]), 2)
    assert m.rank(np.array([5.0, 9.0, 5.0, 1.0, 2.0])).tolist() == [1, 0, 2, 1, 0]
    assert m.sum(np.array([1.0, 2, 3, 4, 5])).tolist() == [6, 9]
    assert m.any(np.array([False, False, True, False, False])).tolist() == [True, False]


def test_by_role_sums_every_variable_of_the_role(make_system):
    rules = RULES + '''
@variable(entity=HOUSEHOLD, unit="CNY/year", role="tax", label={"en": "hh tax", "zh": "户税"})
def household_tax(net):
    return net * 0 + 1.0

@variable(entity=HOUSEHOLD, unit="CNY/year", label={"en": "taxes", "zh": "税合计"})
def total_taxes(taxes=ByRole("tax")):
    return taxes
'''
    system = make_system(rules, PARAMS)
    sim = _sim(system)
    assert sim.calc("total_taxes").tolist() == pytest.approx([31, 6])
    assert set(system.deps["total_taxes"]) == {"tax", "household_tax"}
    assert "total_taxes" in system.dependents(parameters=["tax.toy.rate"])


def test_members_first_max_picks_one_member_per_household():
    from gongfu.engine import Members

    m = Members(np.array([0, 0, 0, 1, 1, 2]), 3)
    got = m.first_max(np.array([5.0, 9.0, 9.0, 2.0, 2.0, -1.0]))
    assert got.tolist() == [False, True, False, True, False, True]
    rank0 = m.rank(np.array([5.0, 9.0, 9.0, 2.0, 2.0, -1.0])) == 0
    assert got.tolist() == rank0.tolist()


def test_membership_fast_and_general_paths_agree(make_system):
    system = make_system(RULES, PARAMS)
    fast = system.simulation(households={"household_id": np.array([5, 3])},
                             persons={"household_id": np.array([5, 5, 3, 3]), "wage": np.array([1.0, 2, 3, 4])},
                             year=2025)
    assert fast.calc("net").tolist() == pytest.approx([2.7, 6.3])
    fast_members = fast.members
    assert fast_members.index.tolist() == [0, 0, 1, 1] and fast_members.counts.tolist() == [2, 2]
    with pytest.raises(InputError, match="has no persons"):
        system.simulation(households={"household_id": np.array([1, 2, 3])},
                          persons={"household_id": np.array([1, 3])}, year=2025)


def test_members_aggregations_match_reduceat():
    from gongfu.engine import Members

    rng = np.random.default_rng(3)
    size = rng.integers(1, 7, 500)
    m = Members(np.repeat(np.arange(500), size), 500)
    starts = np.r_[0, np.cumsum(size)[:-1]]
    x = rng.normal(size=size.sum())
    mask = x > 0.5
    np.testing.assert_allclose(m.sum(x), np.add.reduceat(x, starts), rtol=1e-12)
    assert m.sum(mask).tolist() == np.add.reduceat(mask.astype(int), starts).tolist()
    assert m.count(mask).tolist() == np.add.reduceat(mask.astype(int), starts).tolist()
    assert m.any(mask).tolist() == np.logical_or.reduceat(mask, starts).tolist()
    assert m.all(mask).tolist() == np.logical_and.reduceat(mask, starts).tolist()
    assert m.max(x).tolist() == np.maximum.reduceat(x, starts).tolist()
    assert m.min(x).tolist() == np.minimum.reduceat(x, starts).tolist()
    ages = rng.integers(0, 90, size.sum()).astype(np.int16)
    assert m.max(ages).dtype == np.int16
    assert m.max(ages).tolist() == np.maximum.reduceat(ages, starts).tolist()


def test_members_first_where_and_first_max_match_a_loop():
    """The first member meeting a condition (the first member when none does), and the first holder of the
    household maximum, checked against a plain loop over households."""
    from gongfu.engine import Members

    rng = np.random.default_rng(5)
    size = rng.integers(1, 9, 400)
    m = Members(np.repeat(np.arange(400), size), 400)
    starts = np.r_[0, np.cumsum(size)[:-1]]
    mask = rng.random(size.sum()) < 0.3
    values = rng.integers(0, 4, size.sum()).astype(np.float64)  # many ties
    want_where, want_max = [], np.zeros(size.sum(), dtype=bool)
    for h in range(400):
        rows = range(starts[h], starts[h] + size[h])
        want_where.append(next((r for r in rows if mask[r]), starts[h]))
        want_max[max(rows, key=lambda r: (values[r], -r))] = True
    assert m.first_where(mask).tolist() == want_where
    assert m.first_max(values).tolist() == want_max.tolist()


def test_members_max_with_a_very_large_household():
    from gongfu.engine import Members

    size = np.array([1, 300, 2, 260])
    m = Members(np.repeat(np.arange(4), size), 4)
    x = np.random.default_rng(1).normal(size=size.sum())
    starts = np.r_[0, np.cumsum(size)[:-1]]
    assert m.max(x).tolist() == np.maximum.reduceat(x, starts).tolist()
    assert m.min(x).tolist() == np.minimum.reduceat(x, starts).tolist()


def test_rows_computes_on_a_subset_and_fills_the_rest():
    from gongfu.engine import Rows
    from gongfu.engine.enums import EmploymentStatus

    age = np.array([85, 30, 90, 79, 80])
    r = Rows(age >= 80)
    assert r(age).tolist() == [85, 90, 80] and r(2.5) == 2.5
    assert r.fill(r(age) * 10.0).tolist() == [850.0, 0.0, 900.0, 0.0, 800.0]
    assert r.fill(r(age) > 86, default=True, dtype=bool).tolist() == [False, True, True, True, False]
    status = np.array([int(s) for s in EmploymentStatus], dtype=np.int8)
    chosen = (EmploymentStatus.employee, EmploymentStatus.retired)
    assert EmploymentStatus.isin(status, chosen).tolist() == np.isin(status, chosen).tolist()


def test_members_first_max_among_some_members():
    from gongfu.engine import Members

    m = Members(np.array([0, 0, 0, 1, 1, 2, 2]), 3)
    values = np.array([5.0, 9.0, 9.0, 2.0, 7.0, 1.0, 3.0])
    where = np.array([True, False, True, True, False, False, False])
    # household 0: 9 among rows 0, 2 -> row 2; household 1: only row 3; household 2: nobody
    assert m.first_max(values, where=where).tolist() == [False, False, True, True, False, False, False]
    assert m.first_max(values, where=np.ones(7, bool)).tolist() == m.first_max(values).tolist()
