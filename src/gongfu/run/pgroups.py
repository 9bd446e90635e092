"""Poverty by group of persons (issue 12, section 3): age group (`children` 0-15, `working_age` 16-59, `elderly`
60+), `sex`, left-behind children and persons with disabilities.

Per-capita disposable income is the same for every member of a household, so a household below a line makes
all its members poor: the headcount of a group is sum over households of weight x (members in the group) x
[per-capita income < line], and its gap and severity the same with the FGT terms. The reducer (run/reducer.py)
counts each household's members in every group once per block (`member_counts`) and sums, by cell:

* the weighted and unweighted persons of each group (``grp.<group>.persons``, ``grp.<group>.rows``);
* the FGT terms at every *absolute* line per group (exact sums: groups of a grouping add up to the national
  figure exactly, since every person is in exactly one age group and one sex);
* a sketch of per-capita disposable income per group (``<system>.disposable.pg_<group>``), for the *relative*
  lines, whose line (a fraction of the national median) is known only at the end: bounded like every relative
  line (run/summary.py).

Definitions (the same as the population's calibration, population/check.py):
* left-behind child: under 16, living in a rural household, as a grandchild of the head, with no member of the
  household in the role of the head's child (the parents are away: a skipped-generation household; 民政部 2018,
  697万, calibration.yaml children_and_family.left_behind_children);
* person with a disability: `disability_grade` 1-4 (certified grades of the 残疾人证).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np

import gongfu.run.layout as L
from gongfu.analysis.reductions import fgt_terms
from gongfu.analysis.sketch import DistributionSketch
from gongfu.engine.enums import Area, Role, Sex

from .binning import BinAccumulator
from .layout import N_CELLS, PERSON_GROUPS
from .sums import json_float as _f
from .sums import ratio as _ratio

CHILD_MAX_AGE = 15
WORKING_MAX_AGE = 59


def person_masks(age: np.ndarray, sex: np.ndarray, disability_grade: np.ndarray, role: np.ndarray,
                 rural_household: np.ndarray, has_child_role: np.ndarray) -> dict[str, np.ndarray]:
    """Membership of each person in each group (`layout.PERSON_GROUPS`); household arrays given per person."""
    age = np.asarray(age)
    child = age <= CHILD_MAX_AGE
    return {
        "children": child,
        "working_age": (age > CHILD_MAX_AGE) & (age <= WORKING_MAX_AGE),
        "elderly": age > WORKING_MAX_AGE,
        "male": np.asarray(sex) == Sex.male,
        "female": np.asarray(sex) == Sex.female,
        "left_behind_children": child & (np.asarray(role) == Role.grandchild) & rural_household & ~has_child_role,
        "disability": np.asarray(disability_grade) > 0,
    }


def member_counts(sim: Any, index: np.ndarray, n_hh: int) -> np.ndarray:
    """(groups, households): number of each household's members in each group of `layout.PERSON_GROUPS` (the
    groups of `person_masks`), one contiguous row per group."""
    index = np.asarray(index, dtype=np.int64)
    age = np.asarray(sim.calc("age"))
    role = np.asarray(sim.calc("role"))
    child = age <= CHILD_MAX_AGE
    band = (~child).astype(np.int64) + (age > WORKING_MAX_AGE)  # 0 children, 1 working age, 2 elderly
    female = (np.asarray(sim.calc("sex")) == Sex.female).astype(np.int64)
    has_child = np.bincount(index[role == Role.child], minlength=n_hh) > 0
    rural = np.asarray(sim.calc("area")) == Area.rural
    left_behind = child & (role == Role.grandchild)
    left_behind[left_behind] = (rural & ~has_child)[index[left_behind]]
    out = np.empty((len(PERSON_GROUPS), n_hh))
    out[0:3] = np.bincount(band * n_hh + index, minlength=3 * n_hh).reshape(3, n_hh)
    out[3:5] = np.bincount(female * n_hh + index, minlength=2 * n_hh).reshape(2, n_hh)
    out[5] = np.bincount(index[left_behind], minlength=n_hh)
    out[6] = np.bincount(index[np.asarray(sim.calc("disability_grade")) > 0], minlength=n_hh)
    return out


if PERSON_GROUPS != ("children", "working_age", "elderly", "male", "female", "left_behind_children", "disability"):
    raise ImportError(f"member_counts counts its rows in another order than layout.PERSON_GROUPS {PERSON_GROUPS}")


# ---------------------------------------------------------------------------------------------- reducing --


def reduce_population(a: Any, counts: np.ndarray, w: np.ndarray, plain: Callable[[str, np.ndarray], None],
                      rep_add: Callable[..., None]) -> None:
    """Weighted and unweighted persons of each group by cell (baseline pass), and their replicate sums."""
    for k, g in enumerate(PERSON_GROUPS):
        wk = w * counts[k]
        plain(L.group_persons(g), wk)
        plain(L.group_rows(g), counts[k])
        rep_add(a, L.group_persons(g), wk)


def reduce_poverty(ctx: Any, a: Any, counts: np.ndarray, w: np.ndarray, x: np.ndarray, rows: np.ndarray,
                   cell: np.ndarray, rep_add_columns: Callable[..., None], replicated: bool) -> None:
    """FGT terms at every absolute line per group, by cell, over the households `rows` (those below the highest
    line; `x` per-capita disposable income of those rows, `cell` their cells). Each (cell, term, group) sum runs
    over its own rows in row order (as one `np.bincount` per column would): by cell run where every cell's rows
    are one run (the usual block: partitions are made by cell), else in one `np.bincount` over (cell, term,
    group)."""
    cols = ctx.columns
    s = a.system
    n_g = len(PERSON_GROUPS)
    n_t = len(L.FGT_TERMS)
    h = L.FGT_TERMS.index("h")
    wn = w[rows, None] * counts[:, rows].T  # weighted members of each group (rows, group)
    top = max((z for _, z in ctx.config.lines), default=0.0)
    by_run = _one_run_per_cell(cell)
    scratch = _scratch(rows.size * n_t * n_g)
    for name, z in ctx.config.lines:
        # the rows below this line (the others' terms are exact zeros: the same sums without them)
        sub = np.flatnonzero(x < z) if z < top else slice(None)
        terms = np.stack(fgt_terms(x[sub], z), axis=1)  # (rows, term)
        n = terms.shape[0]
        v = np.multiply(terms[:, :, None], wn[sub, None, :], out=scratch[:n * n_t * n_g].reshape(n, n_t, n_g))
        js = np.array([cols.plain(L.group_poverty(s, name, key, g)) for key in L.FGT_TERMS for g in PERSON_GROUPS])
        flat = v.reshape(n, n_t * n_g)
        if by_run:
            c = cell[sub]
            for lo, hi in _runs_of(c):  # np.add.reduce over axis 0 adds the rows in order, column by column
                a.cells[c[lo], js] += np.add.reduce(flat[lo:hi], axis=0)
        else:
            index = (cell[sub, None] * (n_t * n_g) + np.arange(n_t * n_g)).ravel()
            a.cells[:, js] += np.bincount(index, weights=flat.ravel(),
                                          minlength=N_CELLS * n_t * n_g).reshape(N_CELLS, n_t * n_g)
        if replicated:
            rep_add_columns(a, [L.group_poverty(s, name, "h", g) for g in PERSON_GROUPS], v[:, h, :],
                            rows[sub])


_SCRATCH = threading.local()  # (Dask may run partitions in threads of one process)


def _scratch(n: int) -> np.ndarray:
    """A float64 work array of at least n elements, this thread's, reused from block to block (a new one of
    this size each time costs its page faults)."""
    buf = getattr(_SCRATCH, "buf", None)
    if buf is None or buf.size < n:
        buf = _SCRATCH.buf = np.empty(max(n, 2 * (0 if buf is None else buf.size)))
    return buf


def _one_run_per_cell(cell: np.ndarray) -> bool:
    """Whether every cell's rows form a single run (so do those of any subset of the rows, in order)."""
    if cell.size == 0:
        return False
    starts = np.flatnonzero(np.r_[True, cell[1:] != cell[:-1]])
    return bool(np.unique(cell[starts]).size == starts.size)


def _runs_of(cell: np.ndarray) -> list[tuple[int, int]]:
    """[start, stop) of each run of equal values of `cell`."""
    if cell.size == 0:
        return []
    starts = np.flatnonzero(np.r_[True, cell[1:] != cell[:-1]]).tolist()
    return list(zip(starts, starts[1:] + [int(cell.size)], strict=True))


def accumulator(config: dict[str, int]) -> BinAccumulator:
    return BinAccumulator(config, n_groups=len(PERSON_GROUPS))


def sketch_rows(counts: np.ndarray, w: np.ndarray) -> list[tuple[np.ndarray | None, np.ndarray]]:
    """(rows, person weights of those rows) of each group's sketch: the households with members in the group
    (None: all of them), weighted by household weight x members; the same for every system of a block."""
    out: list[tuple[np.ndarray | None, np.ndarray]] = []
    for k in range(len(PERSON_GROUPS)):
        ck = counts[k]
        rows = np.flatnonzero(ck > 0)  # (on a bool array: 7x faster than on the float counts)
        if rows.size == ck.size:  # every household has members in the group
            out.append((None, w * ck))
        else:
            out.append((rows, w[rows] * ck[rows]))
    return out


def reduce_sketch(acc: BinAccumulator, groups: list[tuple[np.ndarray | None, np.ndarray]], idx: np.ndarray,
                  x: np.ndarray) -> None:
    """Per-capita disposable income of the members of each group into that group's sketch bins (`sketch_rows`)."""
    for k, (rows, wk) in enumerate(groups):
        if rows is None:
            acc.add(idx, x, [wk], group=k, products=[wk * x])
        elif rows.size:
            xk = x[rows]
            acc.add(idx[rows], xk, [wk], group=k, products=[wk * xk])


def sketch_states(acc: BinAccumulator, system: str) -> list[tuple[str, dict[str, int], tuple]]:
    """(name, config, state sums) of each group's sketch, for the exact conversion of the partition's state."""
    return [(L.group_sketch(system, g), acc.config, acc.state_sums(k)) for k, g in enumerate(PERSON_GROUPS)]


# ------------------------------------------------------------------------------------------ assembling --


def group_persons(sums: Any) -> dict[str, float]:
    return {g: sums.national(L.group_persons(g)) for g in PERSON_GROUPS}


def absolute_by_group(sums: Any, system: str, line: str) -> dict[str, Any]:
    """Statistics of each person group at an absolute line (exact sums), shaped as `by_group` entries."""
    persons = group_persons(sums)
    stats: dict[str, dict[str, Any]] = {}
    for g in PERSON_GROUPS:
        n = persons[g]
        poor = sums.national(L.group_poverty(system, line, "h", g))  # type: ignore[arg-type]
        stats[g] = {"persons": _f(n), "poor_persons": _f(poor), "headcount": _ratio(poor, n),
                    "gap": _ratio(sums.national(L.group_poverty(system, line, "gap", g)), n),  # type: ignore
                    "severity": _ratio(sums.national(L.group_poverty(system, line, "sev", g)), n)}  # type: ignore
    return shape(stats)


def relative_by_group(agg: Any, system: str, fraction: float, z: float, med: Any, ex: Any) -> dict[str, Any]:
    """Statistics of each person group at a relative line from the group's sketch: the estimate inside the
    bounds that the bounded national median allows (as the other groupings of relative lines)."""
    from gongfu.analysis.bounds import Bounds

    stats: dict[str, dict[str, Any]] = {}
    for g in PERSON_GROUPS:
        try:
            sk: DistributionSketch = agg.sketches[L.group_sketch(system, g)]  # type: ignore[arg-type]
        except KeyError:
            stats[g] = {"persons": 0.0, "poor_persons": 0.0, "headcount": None, "gap": None, "severity": None}
            continue
        n = float(sk.total_weight)
        row: dict[str, Any] = {"persons": _f(n)}
        for key, alpha in (("headcount", 0.0), ("gap", 1.0), ("severity", 2.0)):
            b_lo, b_hi, b = sk.fgt_lines([fraction * float(med.lower), fraction * float(med.upper), z], alpha)
            lo, hi = float(b_lo.lower), float(b_hi.upper)
            est = min(max(float(b.estimate), lo), hi)
            ex.note(f"poverty.relative.{key}_by_group", Bounds(est, lo, hi))
            row[key] = _f(est)
            row[f"{key}_bounds"] = [_f(lo), _f(hi)]
        row["poor_persons"] = _f(row["headcount"] * n) if row["headcount"] is not None else None
        stats[g] = row
    return shape(stats)


def shape(stats: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """{grouping: {group: stats}} for groupings of several groups, {grouping: stats} for a group alone."""
    out: dict[str, Any] = {}
    for grouping, groups in L.PERSON_GROUPINGS.items():
        if len(groups) == 1:
            out[grouping] = stats[groups[0]]
        else:
            out[grouping] = {g: stats[g] for g in groups}
    return out


def group_entries(by_group: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(grouping, group, stats) of the person groups in a line's `by_group` (those present)."""
    out = []
    for grouping, groups in L.PERSON_GROUPINGS.items():
        table = by_group.get(grouping)
        if not isinstance(table, dict):
            continue
        if len(groups) == 1:
            out.append((grouping, groups[0], table))
        else:
            out += [(grouping, g, table[g]) for g in groups if isinstance(table.get(g), dict)]
    return out


def small_groups(sums: Any, min_count: int) -> set[str]:
    """Person groups with fewer than `min_count` sample persons (left out on imported microdata)."""
    return {g for g in PERSON_GROUPS if 0 < sums.national(L.group_rows(g)) < min_count}


def suppress(by_group: dict[str, Any], small: set[str]) -> None:
    """Leave the small person groups out of a line's `by_group` (in place)."""
    for grouping, groups in L.PERSON_GROUPINGS.items():
        if len(groups) == 1:
            if groups[0] in small:
                by_group.pop(grouping, None)
        elif isinstance(by_group.get(grouping), dict):
            for g in groups:
                if g in small:
                    by_group[grouping].pop(g, None)


# ------------------------------------------------------------------------------------------ uncertainty --


def results_uncertainty(reps: Any, system: str, results: dict[str, Any], out: dict[str, Any],
                        put: Callable[..., None]) -> None:
    """SE of each group's headcount at the absolute lines (poor members over members, per replicate)."""
    for name, line in results.get("poverty", {}).items():
        if line.get("kind") == "relative":
            continue
        for grouping, g, stats in group_entries(line.get("by_group", {})):
            path = _path(name, grouping, g)
            num = reps.sum(L.group_poverty(system, name, "h", g))  # type: ignore[arg-type]
            den = reps.sum(L.group_persons(g))  # type: ignore[arg-type]
            if num is None or den is None:
                continue
            with np.errstate(divide="ignore", invalid="ignore"):
                put(out, f"{path}.headcount", stats.get("headcount"), num / den)


def compare_uncertainty(reps: Any, cmp: dict[str, Any], out: dict[str, Any], put: Callable[..., None]) -> None:
    """SE of the change of each group's headcount at the absolute lines."""
    change = cmp.get("change", {}).get("poverty", {})
    for name, line in cmp.get("reform", {}).get("poverty", {}).items():
        if line.get("kind") == "relative":
            continue
        for grouping, g, _ in group_entries(line.get("by_group", {})):
            path = _path(name, grouping, g)
            vb = reps.sum(L.group_poverty("b", name, "h", g))  # type: ignore[arg-type]
            vr = reps.sum(L.group_poverty("r", name, "h", g))  # type: ignore[arg-type]
            den = reps.sum(L.group_persons(g))  # type: ignore[arg-type]
            if vb is None or vr is None or den is None:
                continue
            point = _get(change.get(name, {}), path.split(".")[2:] + ["headcount"])
            with np.errstate(divide="ignore", invalid="ignore"):
                put(out, f"change.{path}.headcount", point, (vr - vb) / den)


def _path(line: str, grouping: str, group: str) -> str:
    single = len(L.PERSON_GROUPINGS[grouping]) == 1
    return f"poverty.{line}.by_group.{grouping}" + ("" if single else f".{group}")


def _get(d: Any, keys: list[str]) -> Any:
    for k in keys:
        if not isinstance(d, dict):
            return None
        d = d.get(k)
    return d
