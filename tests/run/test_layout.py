"""The layout of the reduced state: one module names every column; readers get an error for an unknown one."""

import pytest

from gongfu.run import layout as L
from gongfu.run import run_state
from gongfu.run.sums import Sums

from .conftest import REFORM


@pytest.fixture(scope="module")
def state(source):
    return run_state(source, reform=REFORM)[0]


def test_an_unknown_column_is_an_error_not_a_zero(state):
    sums = Sums(state)
    assert sums.national(L.programme("b", "dibao")) > 0
    with pytest.raises(L.UnknownColumn, match="b.prog.dibbao"):
        sums.national(L.programme("b", "dibbao"))  # a typo used to read as 0 yuan
    with pytest.raises(L.UnknownColumn, match="split by hukou type"):
        sums.by("hukou_type", L.recipients("b", "dibao"))  # recipients are by cell only
    with pytest.raises(L.UnknownColumn):
        sums.exact_national("chg.gain10")


def test_the_state_holds_exactly_the_columns_the_layout_builds(state):
    lay = state.layout
    built = L.Layout(systems=lay["systems"], programmes=lay["programmes"], lines=[tuple(x[:2]) for x in lay["lines"]],
                     bands=[tuple(b) for b in lay["bands"]], changed_market=lay["changed"]["market"], reform=True,
                     takeup=lay.get("takeup_programmes", ()))
    assert lay["cellsh"] == built.cellsh() and lay["cells"] == built.cells()
    assert len(set(lay["cellsh"])) == len(lay["cellsh"]) and len(set(lay["cells"])) == len(lay["cells"])
    assert state.dense["cellsh"].shape[:3] == (L.N_CELLS, 2, len(lay["cellsh"]))
    assert L.income_sketch("b", "disposable") in state.sketch_states
    assert set(L.cell_sketches(state.sketch_states, "b")) <= set(range(L.N_CELLS))
    assert L.rank_table("b") in state.sparse and L.DECILE_TABLE in state.sparse


def test_name_rules():
    assert L.reform_counterpart(L.programme("r", "dibao")) == L.programme("b", "dibao")
    assert L.reform_counterpart(L.change("sum")) is None
    assert not L.describes_baseline(L.change("sum")) and not L.describes_baseline(L.market("b", "wage_income"))
    assert L.describes_baseline(L.income("b", "market"))
    assert L.depends_on(L.poverty("r", "world_bank_2_15", "h")) == ("concept", "disposable")
    assert L.depends_on(L.recipients("r", "dibao")) == ("programme", "dibao")
    assert L.depends_on(L.population("persons")) == ("always", "")
