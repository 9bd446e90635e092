"""Timing attribution by ablation: switch off, for one benchmark process, the per-run work that issues 12 (poverty
by person group), 13 (take-up) and 14 (reweighting other years to their demography) added to every national run,
so that the cost of issue 11's richer law and population can be measured against the code before it (6a6918b,
which predates all of them) like for like.

    python -m bench.national --one --scale 20000000 --without person_groups,takeup,reweighting

The switched-off runs compute wrong or missing figures for those parts (no person groups, no take-up, 2024
weights in 2025): they are for timing only, never for results. The patches are made before the process pool forks
(its workers inherit them) and undone on exit (`without` is a context manager).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np

PARTS = ("person_groups", "takeup", "reweighting")


def _patches(part: str) -> list[tuple[Any, str, Any]]:
    """(object, attribute, replacement) of one part."""
    import gongfu.population.ageing as ageing
    import gongfu.run.pgroups as pgroups
    import gongfu.run.reducer as reducer

    nothing = lambda *a, **k: None  # noqa: E731
    if part == "person_groups":
        return [(pgroups, "member_counts", lambda sim, index, n: np.zeros((0, n))),
                (pgroups, "sketch_rows", lambda counts, w: []),
                (pgroups, "reduce_population", nothing), (pgroups, "reduce_poverty", nothing),
                (pgroups, "reduce_sketch", nothing), (pgroups, "sketch_states", lambda acc, system: []),
                (pgroups, "absolute_by_group", lambda *a, **k: {}), (pgroups, "relative_by_group", lambda *a, **k: {}),
                (pgroups, "results_uncertainty", nothing), (pgroups, "compare_uncertainty", nothing)]
    if part == "takeup":
        return [(reducer.Context, "takeup_programmes", lambda self: [])]
    if part == "reweighting":
        return [(ageing, "weight_factors", lambda households, persons, year: None)]
    raise ValueError(f"unknown part {part!r}: one of {', '.join(PARTS)}")


@contextlib.contextmanager
def without(parts: list[str] | tuple[str, ...]) -> Iterator[None]:
    """The named `PARTS` switched off inside the block (timing only: their figures are wrong or absent)."""
    patches = [p for part in parts for p in _patches(part)]
    saved = [(obj, name, getattr(obj, name)) for obj, name, _ in patches]
    try:
        for obj, name, new in patches:
            setattr(obj, name, new)
        yield
    finally:
        for obj, name, old in reversed(saved):
            setattr(obj, name, old)
