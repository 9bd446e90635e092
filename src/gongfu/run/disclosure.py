"""Small-cell suppression: on a user's own microdata, a table by small groups could expose one household.

A group (a province, an area, a region, a hukou type) is *suppressed* when the unweighted number of sample rows
behind it is below a minimum: households for province, area and region (`layout.ROWS`), persons for hukou type
(`layout.PERSON_ROWS`, a household's members may differ in hukou type). Its row is left out of every table by
that group -- `groups`, `poverty.<line>.by_group`, `theil_decomposition.<grouping>.groups`, `scorecard`
(provinces) and, in a comparison, `by_group` -- exactly as a group with no population is left out, and the
results say so in ``meta.suppressed``. Deciles of a comparison are left out when the sample has fewer than ten
times the minimum households. National figures are never suppressed.

On by default (minimum 10, the rule-of-thumb minimum frequency of output checking in S. Bond, M. Brandt and
P.-P. de Wolf, "Guidelines for the checking of output based on microdata research", Data without Boundaries,
2015) for an imported population
(`gongfu population import`: its manifest records the microdata it came from), off for the generated one.
"""

from __future__ import annotations

from typing import Any

import gongfu.run.layout as L

from . import pgroups

DEFAULT_MIN_COUNT = 10
TABLE_GROUPINGS = ("province", "area", "region", "hukou_type")
PERSON_GROUPS = "person_groups"  # the key of the small person groups (persons: `layout.group_rows`)


def default_min_count(source: Any) -> int:
    """10 for a population imported from microdata (its manifest names the microdata file and the mapping),
    0 (no suppression) otherwise."""
    manifest = getattr(source, "manifest", None)
    return DEFAULT_MIN_COUNT if isinstance(manifest, dict) and "mapping_hash" in manifest else 0


def small_groups(sums: Any, min_count: int) -> dict[str, set[str]]:
    """The keys of the groups of each grouping with fewer than `min_count` sample rows (`sums`: a
    `run.sums.Sums` of the state)."""
    out: dict[str, set[str]] = {}
    for grouping in TABLE_GROUPINGS:
        column = L.PERSON_ROWS if grouping == "hukou_type" else L.ROWS
        counts = sums.by(grouping, column)
        out[grouping] = {k for k, n in zip(sums.keys[grouping], counts, strict=True) if 0 < n < min_count}
    out[PERSON_GROUPS] = pgroups.small_groups(sums, min_count)  # age group, sex, left-behind children, disability
    return out


def _drop(table: Any, keys: set[str]) -> None:
    if isinstance(table, dict):
        for k in keys:
            table.pop(k, None)


def suppress_results(results: dict[str, Any], small: dict[str, set[str]], min_count: int) -> None:
    """Leave the small groups out of the group tables of a results dict (in place) and record it in meta."""
    for grouping, keys in small.items():
        _drop(results.get("groups", {}).get(grouping), keys)
        _drop(results.get("theil_decomposition", {}).get(grouping, {}).get("groups"), keys)
        for line in results.get("poverty", {}).values():
            _drop(line.get("by_group", {}).get(grouping), keys)
    _suppress_person_groups(results, small.get(PERSON_GROUPS, set()))
    _drop(results.get("scorecard"), small.get("province", set()))
    for prog in (results.get("takeup") or {}).values():  # take-up by group (issue 13)
        for grouping, keys in small.items():
            _drop(prog.get("by_group", {}).get(grouping), keys)
    results.setdefault("meta", {})["suppressed"] = _note(small, min_count)


def _suppress_person_groups(results: dict[str, Any], small: set[str]) -> None:
    """Leave the small person groups out of `poverty.<line>.by_group` and their `uncertainty` entries."""
    if not small:
        return
    unc = results.get("uncertainty") or {}
    for name, line in results.get("poverty", {}).items():
        by_group = line.get("by_group", {})
        kept = {id(stats) for _, _, stats in pgroups.group_entries(by_group)}
        pgroups.suppress(by_group, small)
        left = {id(stats) for _, _, stats in pgroups.group_entries(by_group)}
        if kept != left:
            for key in [k for k in unc if k.startswith(f"poverty.{name}.by_group.")]:
                rest = key[len(f"poverty.{name}.by_group."):].split(".")
                if rest[0] in L.PERSON_GROUPINGS and (rest[0] in small or (len(rest) > 2 and rest[1] in small)):
                    unc.pop(key)


def suppress_comparison(cmp: dict[str, Any], small: dict[str, set[str]], min_count: int, households: float
                        ) -> None:
    """The same for the group changes of a comparison (its baseline and reform were suppressed before the
    changes were taken); deciles are left out when the sample is below ten times the minimum."""
    for grouping, keys in small.items():
        _drop((cmp.get("by_group") or {}).get(grouping), keys)
    note = _note(small, min_count)
    if households < 10 * min_count and cmp.get("deciles"):
        cmp["deciles"] = []
        note["deciles"] = True
    cmp.setdefault("meta", {})["suppressed"] = note


def _note(small: dict[str, set[str]], min_count: int) -> dict[str, Any]:
    return {"min_count": min_count, "groups": {g: sorted(k) for g, k in small.items() if k}, "deciles": False,
            "rule": "groups with fewer sample rows than min_count (households; persons for hukou type) are left "
                    "out of every table by group (imported microdata; see run/disclosure.py)"}
