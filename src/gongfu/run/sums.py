"""Reading the dense tables of a run state: exact sums of a column by group (province, area, region, hukou type,
national), through the layout's column names (run/layout.py; an unknown column raises `layout.UnknownColumn`)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from gongfu.engine.geography import PROVINCES, REGIONS
from gongfu.exact import limbs_to_float

from .layout import AREAS, HUKOU, N_CELLS, Columns


def json_float(x: Any) -> float | None:
    """JSON-safe float (None for NaN/inf)."""
    v = float(x)
    return v if math.isfinite(v) else None


def ratio(a: float, b: float) -> float | None:
    """a / b as a JSON-safe float, None when b is 0."""
    return json_float(a / b) if b != 0 else None


class Sums:
    """Exact group sums of the dense tables of a run state, column by column (names from run/layout.py; a column
    the state does not hold raises `layout.UnknownColumn`)."""

    def __init__(self, agg: Any):
        self.layout = agg.layout
        self.cellsh = agg.dense["cellsh"]  # (62, 2, J, 4)
        self.cells = agg.dense["cells"]  # (62, J, 4)
        self.columns = Columns(self.layout)
        member = np.zeros((len(PROVINCES), N_CELLS), dtype=np.int64)
        for i in range(len(PROVINCES)):
            member[i, 2 * i:2 * i + 2] = 1
        area = np.zeros((2, N_CELLS), dtype=np.int64)
        area[0, 0::2] = 1
        area[1, 1::2] = 1
        region = np.zeros((len(REGIONS), N_CELLS), dtype=np.int64)
        for i, p in enumerate(PROVINCES):
            region[REGIONS.index(p.region), 2 * i:2 * i + 2] = 1
        self.membership = {"province": member, "area": area, "region": region,
                           "national": np.ones((1, N_CELLS), dtype=np.int64)}
        self.keys = {"province": [p.key for p in PROVINCES], "area": list(AREAS), "region": list(REGIONS),
                     "hukou_type": list(HUKOU), "national": ["national"]}
        self._by: dict[tuple[str, str], np.ndarray] = {}  # float sums of every column by group, built on first use

    def limbs(self, col: str) -> np.ndarray:
        """(62, 4) limbs of a column, summed over hukou slots for split columns."""
        table, j = self.columns.where(col)
        return self.cellsh[:, :, j].sum(axis=1) if table == "cellsh" else self.cells[:, j]

    def by(self, grouping: str, col: str) -> np.ndarray:
        """Exact sums of `col` by group (float64 per group, in the order of `keys[grouping]`)."""
        if grouping == "hukou_type":
            return self._table(grouping, "cellsh")[:, self.columns.split(col)]
        table, j = self.columns.where(col)
        return self._table(grouping, table)[:, j]

    def _table(self, grouping: str, table: str) -> np.ndarray:
        """Every column of a table summed by group (exact integer sums of limbs, each rounded once): (groups,
        columns). The same numbers as summing one column at a time."""
        key = (grouping, table)
        out = self._by.get(key)
        if out is None:
            if grouping == "hukou_type":
                limbs = self.cellsh.sum(axis=0)  # (2, J, 4)
            else:
                cell = self.cellsh.sum(axis=1) if table == "cellsh" else self.cells  # (62, J, 4)
                limbs = np.tensordot(self.membership[grouping], cell, axes=(1, 0))
            out = self._by[key] = limbs_to_float(limbs)
        return out

    def national(self, col: str) -> float:
        return float(self.by("national", col)[0])

    def exact_national(self, col: str) -> np.ndarray:
        """Canonical limbs (4,) of the national sum (for exact differences)."""
        return self.limbs(col).sum(axis=0)
