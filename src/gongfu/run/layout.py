"""The layout of the reduced state of a national run: which tables, statistics, groups and bands it holds, and the
name of every column, sketch and sparse table in it.

This is the one module that makes or reads those names. The reducer (run/reducer.py) writes through `Layout`
and the builders below; the summary and the comparison of a run (run/summary.py, run/compare.py) read through
`Columns`, which raises `UnknownColumn` for a column the state does not hold (a misspelt name is an error, never
a plausible zero).

Tables (exact sums, `RunAggregate.dense`):

* ``cellsh`` -- by cell (31 provinces x {rural, urban} area of residence, 62 cells) x hukou type of the person
  (urban, rural): population (``persons``, ``households``; ``person_rows``, unweighted), per-capita income sums of each
  concept, Theil terms of disposable income, programme amounts, FGT terms at the absolute lines, and for a reform
  the changes of per-capita disposable income (``chg.*``);
* ``cells`` -- by cell: household rows, Theil terms of the other concepts, recipients and negative parts of
  programmes, middle-income bands, and for a reform the market-income components it changes (``mkt``).

Column names are ``<system>.<statistic>...`` with system ``b`` (baseline) or ``r`` (reform); ``chg.`` columns
belong to the comparison. Sketches: ``<system>.<concept>`` (national, persons), ``<system>.disposable.cellNN``
(by cell) and ``<system>.disposable.hukou_<type>``; sparse tables: ``<system>.rank`` (programmes and stage incomes
by bin of market income) and ``chg.deciles`` (changes by bin of baseline income).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypedDict

from gongfu.analysis.reductions import CHANGE_FLAGS, THEIL_TERMS
from gongfu.analysis.reductions import FGT_TERMS as _FGT_TERMS

System = Literal["b", "r"]
Concept = Literal["market", "net_market", "disposable", "after_philanthropy"]
TheilPiece = Literal["pos_w", "xlogx", "logx", "neg_w", "neg_y"]
FgtTerm = Literal["h", "gap", "sev"]
BandCount = Literal["persons", "households"]
ChangeStat = Literal["sum", "gain1", "gain5", "lose1", "lose5", "gain", "changed"]
Population = Literal["persons", "households"]
Grouping = Literal["province", "area", "hukou_type", "region"]
TableName = Literal["cellsh", "cells"]

SYSTEMS: tuple[System, ...] = ("b", "r")
CONCEPTS: tuple[Concept, ...] = ("market", "net_market", "disposable", "after_philanthropy")
CONCEPT_VARIABLES: dict[Concept, str] = {"market": "market_income", "net_market": "net_market_income",
                                         "disposable": "disposable_income",
                                         "after_philanthropy": "income_after_philanthropy"}
THEIL_PIECES: tuple[TheilPiece, ...] = THEIL_TERMS  # type: ignore[assignment]  # the terms of the statistics
FGT_TERMS: tuple[FgtTerm, ...] = _FGT_TERMS  # type: ignore[assignment]
BAND_COUNTS: tuple[BandCount, ...] = ("persons", "households")
CHANGE_STATS: tuple[ChangeStat, ...] = ("sum", *CHANGE_FLAGS, "changed")  # type: ignore[assignment]
#: columns of the sparse table of changes by bin of baseline income
DECILE_COLUMNS = ("sum", "pos", "neg", "gain1", "gain5", "lose1", "lose5", "changed", "gain")
GROUPINGS: tuple[Grouping, ...] = ("province", "area", "hukou_type", "region")
N_PROVINCES = 31
N_CELLS = 2 * N_PROVINCES  # cell = province index * 2 + area
AREAS = ("rural", "urban")  # area code 0, 1
HUKOU = ("urban", "rural")  # slot 0, 1 of the hukou split of `cellsh`
ROWS = "rows"  # households (unweighted) by cell, in `cells`
PERSON_ROWS = "person_rows"  # persons (unweighted) by cell x hukou type, in `cellsh` (small-cell suppression)


class StateLayout(TypedDict):
    """The layout dict a run state carries (and its checkpoints store): what was reduced, and the column names of
    its two dense tables in order (`Layout.cellsh`, `Layout.cells`)."""

    version: int
    systems: list[str]  # "b", and "r" with a reform
    programmes: list[str]  # every tax, contribution, benefit and charitable transfer (variable names)
    programme_info: dict[str, dict[str, Any]]  # role, tier, entity, label, in_baseline, in_reform
    market_components: list[str]
    cellsh: list[str]
    cells: list[str]
    rank: dict[str, list[str]]  # columns of each system's rank table (`rank_table`)
    deciles: list[str]  # columns of `DECILE_TABLE` (`DECILE_COLUMNS`)
    lines: list[list[Any]]  # [name, yuan] of each absolute poverty line
    bands: list[list[Any]]  # [name, low, high] of each middle-income band (three-person household income)
    fine: dict[str, int]  # sketch configuration of the national sketches
    group: dict[str, int]  # sketch configuration of the cell and hukou sketches
    block: int
    changed: dict[str, list[str]]  # what the reform recomputes: concepts, programmes, market components
    year: int
    reform: str | None  # the reform's digest
    replicates: dict[str, Any]  # n, seed, method, hist config, columns by system (`replicate_columns`)
    takeup_programmes: list[str]  # programmes with take-up columns (`takeup`; issue 13)


class UnknownColumn(KeyError):
    """A column, sketch or table that the state's layout does not hold."""


# ------------------------------------------------------------------------------------------- the names --


def population(what: Population) -> str:
    """Weighted persons or households (household's hukou type: its first member's) by cell x hukou (`cellsh`)."""
    return what


def income(system: System, concept: Concept) -> str:
    """Sum of per-capita income of a concept over persons (`cellsh`)."""
    return f"{system}.{concept}.sum"


def theil(system: System, concept: Concept, piece: TheilPiece) -> str:
    """A Theil term of a concept: `cellsh` for disposable income, `cells` for the others."""
    return f"{system}.{concept}.{piece}"


def programme(system: System, name: str) -> str:
    """Amount of a programme (yuan per year, weighted) by cell x hukou (`cellsh`)."""
    return f"{system}.prog.{name}"


def recipients(system: System, name: str) -> str:
    """Persons receiving (or paying) a programme, by cell (`cells`)."""
    return f"{system}.prog.{name}.recipients"


def negative(system: System, name: str) -> str:
    """Sum of the negative amounts of a programme (clawbacks), by cell (`cells`)."""
    return f"{system}.prog.{name}.negative"


# ----- take-up of the assistance programmes whose rules separate entitlement from take-up (issue 13) -----
TakeupStat = Literal["entitled", "recipients", "entitlement", "unmet"]
TAKEUP_STATS: tuple[TakeupStat, ...] = ("entitled", "recipients", "entitlement", "unmet")
#: programme -> its entitlement variable (what it would pay if every eligible person claimed)
TAKEUP_PROGRAMMES: dict[str, str] = {"dibao": "dibao_entitlement", "tekun": "tekun_entitlement_person"}
#: programme -> the variable of what is paid, on the entity of its entitlement variable
TAKEUP_PAID: dict[str, str] = {"dibao": "dibao", "tekun": "tekun_person"}


def takeup(system: System, name: str, stat: TakeupStat) -> str:
    """Take-up of a programme by cell x hukou (`cellsh`): weighted persons entitled (in entitled households for a
    household programme), persons receiving, entitlement and unmet entitlement (entitlement − paid; yuan)."""
    return f"{system}.takeup.{name}.{stat}"


def poverty(system: System, line: str, term: FgtTerm) -> str:
    """FGT term (headcount, gap, severity; weighted persons) at an absolute line, by cell x hukou (`cellsh`)."""
    return f"{system}.pov.{line}.{term}"


def band(system: System, name: str, count: BandCount) -> str:
    """Persons or households in a middle-income band, by cell (`cells`)."""
    return f"{system}.mid.{name}.{count}"


def market(system: System, component: str) -> str:
    """A market-income component that a reform changes (for its waterfall), by cell (`cells`)."""
    return f"{system}.mkt.{component}"


# ------------------------------------------------------------------- person groups (issue 12, section 3) --

PersonGroup = Literal["children", "working_age", "elderly", "male", "female", "left_behind_children", "disability"]
#: groups of persons that poverty is broken down by: groupings and their groups (a grouping of one group is
#: reported as that group's statistics directly, `poverty.<line>.by_group.disability`)
PERSON_GROUPINGS: dict[str, tuple[PersonGroup, ...]] = {
    "age_group": ("children", "working_age", "elderly"),
    "sex": ("male", "female"),
    "left_behind_children": ("left_behind_children",),
    "disability": ("disability",),
}
PERSON_GROUPS: tuple[PersonGroup, ...] = tuple(g for gs in PERSON_GROUPINGS.values() for g in gs)


def group_persons(group: PersonGroup) -> str:
    """Weighted persons of a person group, by cell (`cells`)."""
    return f"grp.{group}.persons"


def group_rows(group: PersonGroup) -> str:
    """Persons of a person group (unweighted sample rows), by cell (`cells`; small-cell suppression)."""
    return f"grp.{group}.rows"


def group_poverty(system: System, line: str, term: FgtTerm, group: PersonGroup) -> str:
    """FGT term at an absolute line over the persons of a person group, by cell (`cells`)."""
    return f"{system}.pov.{line}.{term}.{group}"


def group_sketch(system: System, group: PersonGroup) -> str:
    """Sketch of per-capita disposable income of the persons of a person group (relative lines by group)."""
    return f"{system}.disposable.pg_{group}"


def change(stat: ChangeStat) -> str:
    """Reform minus baseline per-capita disposable income: sum, persons gaining/losing more than 1% and 5%,
    persons whose income changes; by cell x hukou (`cellsh`)."""
    return f"chg.{stat}"


def income_sketch(system: System, concept: Concept) -> str:
    """Sketch of per-capita income of a concept over persons (national)."""
    return f"{system}.{concept}"


def cell_sketch(system: System, cell: int) -> str:
    """Sketch of per-capita disposable income of the persons of one cell."""
    return f"{system}.disposable.cell{int(cell):02d}"


def hukou_sketch(system: System, hukou: str) -> str:
    """Sketch of per-capita disposable income of the persons of one hukou type ("urban", "rural")."""
    return f"{system}.disposable.hukou_{hukou}"


def rank_table(system: System) -> str:
    """Sparse table of programme amounts and stage incomes by bin of market income."""
    return f"{system}.rank"


DECILE_TABLE = "chg.deciles"  # sparse table of reform changes by bin of baseline disposable income


def replicate_table(system: System) -> str:
    """Dense table (columns x R) of the national sums of a system's headline columns under each replicate weight
    (`replicate_columns`; names as the columns of `cellsh`/`cells`)."""
    return f"rep.{system}"


def replicate_hist(system: System) -> str:
    """Dense table (bins x R x [weight, weighted income]) of per-capita disposable income per replicate, in the
    coarse layout `analysis.replicates.HIST`."""
    return f"rephist.{system}"


DECILE_REPLICATES = "rephist.chg"  # dense table (bins x R): reform change by coarse bin of baseline income


def replicate_columns(system: System, programmes: Sequence[str], lines: Sequence[tuple[str, float]],
                      disposable: bool, reform: bool, takeup_programmes: Sequence[str] = ()) -> list[str]:
    """The headline columns summed per replicate for one system: persons (baseline), every programme's amount and
    recipients, the take-up columns of `takeup_programmes` (national take-up figures), the headcount at every
    absolute line (when disposable income is computed), and for the reform the change columns (winners, losers,
    the change itself)."""
    out = [population("persons")] if system == "b" else []
    for p in programmes:
        out += [programme(system, p), recipients(system, p)]
    out += [takeup(system, p, k) for p in takeup_programmes for k in TAKEUP_STATS]
    if system == "b":
        out += [group_persons(g) for g in PERSON_GROUPS]
    if disposable:
        out += [poverty(system, name, "h") for name, _ in lines]
        out += [group_poverty(system, name, "h", g) for name, _ in lines for g in PERSON_GROUPS]
    if reform and system == "r":
        out += [change(k) for k in CHANGE_STATS]
    return out


# ---------------------------------------------------------------------------------------- name rules --


def system_of(name: str) -> str | None:
    """The system ("b", "r") a column or sketch belongs to; None for population and change columns."""
    head = name.split(".", 1)[0]
    return head if head in SYSTEMS else None


def reform_counterpart(name: str) -> str | None:
    """The baseline name ("b.…") of a reform name ("r.…"); None for any other name."""
    return "b." + name[2:] if name.startswith("r.") else None


def describes_baseline(name: str) -> bool:
    """Whether a column, sketch or table describes the baseline alone: not the reform's ("r."), not a change
    ("chg.") and not a market component kept only for a reform's waterfall ("b.mkt.")."""
    return not name.startswith(("r.", "chg.", "b.mkt.", "rep.r", "rephist.r", "rephist.chg"))


def depends_on(name: str) -> tuple[str, str]:
    """What a system's column varies with: ("concept", c) for income sums, Theil terms and sketches of a concept
    (poverty terms and bands: "disposable"), ("programme", p), ("market", m); ("always", "") otherwise."""
    parts = name.split(".")
    kind = parts[1] if len(parts) > 1 else ""
    if kind in CONCEPTS:
        return "concept", kind
    if kind in ("prog", "takeup"):
        return "programme", parts[2]
    if kind == "mkt":
        return "market", parts[2]
    if kind in ("pov", "mid"):
        return "concept", "disposable"
    return "always", ""


# ------------------------------------------------------------------------------------------- writing --


@dataclass(frozen=True)
class Layout:
    """What a run reduces (the writer's view): systems, programmes, absolute lines, bands and, for a reform, the
    market components it changes. `build` gives the layout dict stored in the state."""

    systems: Sequence[System]
    programmes: Sequence[str]
    lines: Sequence[tuple[str, float]] = ()
    bands: Sequence[tuple[str, float, float]] = ()
    changed_market: Sequence[str] = ()
    reform: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)
    takeup: Sequence[str] = ()  # programmes of TAKEUP_PROGRAMMES in the run (take-up columns)

    def cellsh(self) -> list[str]:
        out = [population("persons"), population("households"), PERSON_ROWS]
        for s in self.systems:
            out += [income(s, c) for c in CONCEPTS]
            out += [theil(s, "disposable", k) for k in THEIL_PIECES]
            out += [programme(s, p) for p in self.programmes]
            out += [poverty(s, name, k) for name, _ in self.lines for k in FGT_TERMS]
            out += [takeup(s, p, k) for p in self.takeup for k in TAKEUP_STATS]
        if self.reform:
            out += [change(k) for k in CHANGE_STATS]
        return out

    def cells(self) -> list[str]:
        out = [ROWS]
        out += [f(g) for g in PERSON_GROUPS for f in (group_persons, group_rows)]
        for s in self.systems:
            for c in CONCEPTS:
                if c != "disposable":
                    out += [theil(s, c, k) for k in THEIL_PIECES]
            out += [recipients(s, p) for p in self.programmes]
            out += [negative(s, p) for p in self.programmes]
            out += [band(s, name, k) for name, _, _ in self.bands for k in BAND_COUNTS]
            out += [group_poverty(s, name, k, g) for name, _ in self.lines for k in FGT_TERMS for g in PERSON_GROUPS]
            if self.reform:
                out += [market(s, m) for m in self.changed_market]
        return out


# ------------------------------------------------------------------------------------------- reading --


class Columns:
    """Positions of the columns of a state's dense tables (from its layout dict); asking for a column the state
    does not hold raises `UnknownColumn`."""

    def __init__(self, layout: Mapping[str, Any]):
        self.layout = layout
        self.cellsh = {n: i for i, n in enumerate(layout.get("cellsh", ()))}
        self.cells = {n: i for i, n in enumerate(layout.get("cells", ()))}

    def __contains__(self, name: str) -> bool:
        return name in self.cellsh or name in self.cells

    def split(self, name: str) -> int:
        """Position of a column of `cellsh` (split by hukou type)."""
        j = self.cellsh.get(name)
        if j is None:
            raise UnknownColumn(f"{name!r} is not a column split by hukou type of this run state"
                                + (" (it is by cell only)" if name in self.cells else ""))
        return j

    def plain(self, name: str) -> int:
        """Position of a column of `cells` (by cell only)."""
        j = self.cells.get(name)
        if j is None:
            raise UnknownColumn(f"{name!r} is not a column by cell of this run state")
        return j

    def where(self, name: str) -> tuple[TableName, int]:
        """(table, position) of a column of either table."""
        if name in self.cellsh:
            return "cellsh", self.cellsh[name]
        if name in self.cells:
            return "cells", self.cells[name]
        raise UnknownColumn(f"{name!r} is not a column of this run state")

    def table(self, name: TableName) -> dict[str, int]:
        return self.cellsh if name == "cellsh" else self.cells


def cell_sketches(names: Iterable[str], system: System) -> dict[int, str]:
    """The cell sketches among `names`, by cell."""
    prefix = f"{system}.disposable.cell"
    return {int(n[len(prefix):]): n for n in names if n.startswith(prefix)}
