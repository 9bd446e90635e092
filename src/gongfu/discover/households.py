"""From the rows of a registry to gongfu's households and persons: conversion row by row, rejected rows, defaults
listed as "assumed", and the amounts each household reports receiving.

Rule for `received_<programme>` (annual yuan): dibao is paid to the household, so `received_dibao` is the
household's amount, the same on every row of the household where it is given (blank rows allowed; two different
amounts reject the household); the other programmes are paid to persons and their `received_*` amounts are
summed over the household's rows. A blank `received_*` cell counts as 0 (nothing received).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from gongfu.discover import registry as R
from gongfu.engine.enums import Role
from gongfu.population import importer as imp

pd = R.pd

HOUSEHOLD_PAID = ("dibao",)


@dataclass
class Rejected:
    """Rejected rows of one block: 1-based data row, column, problem."""

    row: list[int]
    column: list[str]
    problem: list[str]

    def add(self, row: int, column: str, problem: str) -> None:
        self.row.append(int(row))
        self.column.append(column)
        self.problem.append(R.scrub(problem))


@dataclass
class Block:
    """Households ready for the engine, with the registry's ids and what the registry says."""

    households: dict[str, np.ndarray]
    persons: dict[str, np.ndarray]
    ids: np.ndarray  # registry household id (text) of each household
    person_ids: np.ndarray  # registry person id (text) or the 1-based row, per person
    received: dict[str, np.ndarray]  # programme -> yuan per household; only the programmes the registry reports
    assumed: list[list[str]]  # per household: inputs defaulted
    geography: dict[str, np.ndarray]  # township, county (text) per household, when the registry has them
    rejected: Rejected


def _system() -> Any:
    from gongfu.engine import load_system

    return load_system()


def to_block(df: Any, mapping: R.Mapping, allow_id_like_household: bool = False) -> Block:
    """Convert a DataFrame of registry rows (text, `_row` numbering) into a Block; every bad row and the other
    rows of its household are rejected with a reason, the rest converted."""
    rej = Rejected([], [], [])
    rows = df["_row"].to_numpy(dtype=np.int64)
    n = len(df)
    hid = df[mapping.household_id].to_numpy(dtype=object)
    bad_row = np.zeros(n, dtype=bool)
    hs = pd.Series(hid, dtype=object).astype(str).str.strip()
    hid_blank = (pd.Series(hid, dtype=object).isna() | (hs == "") | (hs == "None")).to_numpy()
    for i in np.flatnonzero(hid_blank):
        rej.add(rows[i], mapping.household_id, "household id is blank")
    bad_row |= hid_blank
    if not allow_id_like_household:
        idlike = hs.str.contains(R.ID_PATTERN).to_numpy(dtype=bool) & ~hid_blank
        for i in np.flatnonzero(idlike):
            rej.add(rows[i], mapping.household_id, "household id looks like an ID-card number: use the registry's "
                                                   "own household id, or --pseudonymise")
        bad_row |= idlike
    hid_text = hs.where(~hid_blank, "").to_numpy(dtype=object)

    data: dict[str, np.ndarray] = {}
    blanks: dict[str, np.ndarray] = {}
    extra: dict[str, np.ndarray] = {}
    mapped = {c: v for c, v in mapping.columns.items() if v not in R.IGNORED}
    for col, var in mapped.items():
        text = df[col].to_numpy(dtype=object)
        if var in R.GEOGRAPHY or var == "person_id":
            extra[var] = np.array(["" if t is None else str(t) for t in text], dtype=object)
            continue
        target = "float" if var.startswith("received_") else var
        if target == "float":
            vals, blank, bad, problems = _money(text, col)
        else:
            vals, blank, bad, problems = R.convert(var, text, (mapping.values or {}).get(var), col)
        for i, p in zip(np.flatnonzero(bad), problems, strict=True):
            rej.add(rows[i], col, p)
        bad_row |= bad
        if var in R.REQUIRED:
            req_blank = blank & ~bad
            for i in np.flatnonzero(req_blank):
                rej.add(rows[i], col, f"{var} is required and blank")
            bad_row |= req_blank
        data[var] = vals
        blanks[var] = blank
    for var in R.REQUIRED:
        if var not in data and var not in mapping.defaults:
            raise R.RegistryError(f"the registry has no column for required input {var} (map one, or give "
                                  f"`defaults: {{{var}: …}}` in the mapping)")
    for var, val in (mapping.defaults or {}).items():
        if var in data or var in R.IGNORED:
            continue
        vals, _, bad, problems = R.convert(var, np.array([str(val)] * n, dtype=object), None,
                                           f"defaults.{var}")
        if bad.any():
            raise R.RegistryError(f"--mapping {mapping.source}: defaults.{var}: {problems[0]}")
        data[var] = vals
        blanks[var] = np.zeros(n, dtype=bool)

    # households: first appearance order within the block; persons grouped by household (stable)
    codes, uniq = pd.factorize(pd.Series(hid_text), sort=False)
    codes = np.asarray(codes)
    nh = len(uniq)
    # household variables must agree within a household
    for var in [v for v in imp.HOUSEHOLD_VARS if v in data] + [p for p in ("received_dibao",) if p in data]:
        vals = data[var]
        idx, first_idx = _firsts(codes, ~blanks[var] & ~bad_row)
        differ = vals[idx] != vals[first_idx]
        for i, f in zip(idx[differ], first_idx[differ], strict=True):
            rej.add(rows[i], _column_of(mapping, var),
                    f"{var} differs within household (row {rows[f]}: {vals[f]:g}, here: {vals[i]:g})")
        bad_row[idx[differ]] = True
    bad_h = np.zeros(nh, dtype=bool)
    bad_h[codes[bad_row]] = True
    follow = bad_h[codes] & ~bad_row & ~hid_blank
    for i in np.flatnonzero(follow):
        rej.add(rows[i], mapping.household_id, "another row of this household was rejected; the household is "
                                               "left out whole (its figures would be wrong without that row)")
    keep = ~bad_h[codes] & ~hid_blank
    # renumber the kept households
    kept_codes = codes[keep]
    new_of_old = np.full(nh, -1, dtype=np.int64)
    kept_h = np.flatnonzero(~bad_h)
    new_of_old[kept_h] = np.arange(len(kept_h))
    kc = new_of_old[kept_codes]
    order = np.argsort(kc, kind="stable")
    sel = np.flatnonzero(keep)[order]
    kc = kc[order]
    m = len(sel)
    nkh = len(kept_h)
    first_rows = np.r_[0, np.flatnonzero(np.diff(kc)) + 1] if m else np.zeros(0, dtype=np.int64)
    system = _system()

    households: dict[str, np.ndarray] = {"household_id": np.arange(nkh, dtype=np.int64)}
    persons: dict[str, np.ndarray] = {"person_id": np.arange(m, dtype=np.int64), "household_id": kc}
    assumed_sets: list[set[str]] = [set() for _ in range(nkh)]
    absent = [v for v in R.ASSUMABLE if v not in data]
    for var, vals in data.items():
        if var.startswith("received_"):
            continue
        v = system.variables[var]
        blank = blanks[var][sel]
        arr = vals[sel]
        if var in imp.HOUSEHOLD_VARS:  # the household's value: from its first row with one
            idx, first_idx = _firsts(kc, ~blank)
            hv = np.zeros(nkh)
            hb = np.ones(nkh, dtype=bool)
            hv[kc[first_idx]] = arr[first_idx]
            hb[kc[first_idx]] = False
            target = households
            arr, blank = hv, hb
        else:
            target = persons
        typed = np.where(blank, float(v.default), arr).astype(v.np_dtype)
        if blank.any():
            if not v.is_input:  # a formula input (hukou_province, role…): the blank rows keep the formula's value
                typed = np.ma.masked_array(typed, mask=blank)
            if var in R.ASSUMABLE:
                owners = np.flatnonzero(blank) if target is households else kc[blank]
                for h in np.unique(owners):
                    assumed_sets[h].add(var)
        target[var] = typed
    if "role" not in persons and m:
        role = np.full(m, int(Role.other), dtype=np.int8)
        role[first_rows] = int(Role.head)
        persons["role"] = role
    for flag, entity in (("dibao_takeup", households), ("tekun_takeup", persons)):
        entity[flag] = np.ones(nkh if entity is households else m, dtype=bool)  # entitlement: everyone claims
    received: dict[str, np.ndarray] = {}
    for prog in R.PROGRAMMES:
        var = f"received_{prog}"
        if var not in data:
            continue
        amounts = np.asarray(data[var][sel], dtype=np.float64)
        if prog in HOUSEHOLD_PAID:
            received[prog] = np.zeros(nkh)
            np.maximum.at(received[prog], kc, amounts)
        else:
            received[prog] = np.bincount(kc, weights=amounts, minlength=nkh)
    geography = {}
    for g in R.GEOGRAPHY:
        if g in extra:
            geography[g] = extra[g][sel][first_rows] if m else np.zeros(0, dtype=object)
    ids = np.asarray(uniq, dtype=object)[kept_h]
    pids = extra["person_id"][sel] if "person_id" in extra else rows[sel].astype(str).astype(object)
    assumed = [sorted(s | set(absent)) for s in assumed_sets]
    return Block(households, persons, ids, pids, received, assumed, geography, rej)


def _firsts(codes: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For the valid rows (grouped by `codes` in any order): (their row indices, the index of the first valid row
    of the same group), vectorised."""
    idx = np.flatnonzero(valid)
    c = codes[idx]
    o = np.argsort(c, kind="stable")
    idx, c = idx[o], c[o]
    starts = np.r_[True, c[1:] != c[:-1]] if len(c) else np.zeros(0, dtype=bool)
    first_idx = idx[starts][np.cumsum(starts) - 1] if len(c) else idx
    return idx, first_idx


def _column_of(mapping: R.Mapping, var: str) -> str:
    return next((c for c, v in mapping.columns.items() if v == var), var)


def _money(text: np.ndarray, column: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """A `received_*` column: annual yuan, blank = 0, never negative."""
    ser = pd.Series(text, dtype=object)
    blank = (ser.isna() | (ser.astype(str).str.strip() == "")).to_numpy()
    num = pd.to_numeric(ser.where(~blank, "0"), errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(num) | (num < 0) | (num > 1e9)
    problems = [f"{column}: {text[i]!r:.40} is not an amount in yuan per year (0 to 1e9)" for i in np.flatnonzero(bad)]
    return np.where(bad, 0.0, num), blank, bad, problems
