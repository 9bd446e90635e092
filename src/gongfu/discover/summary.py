"""Mergeable summary of a discover run: counts and yuan by programme and status (and by township, county and
province when present), and the households with the largest unmet entitlement.

A `Summary` of one partition is merged with the others by adding (and keeping the top of the unmet list, ordered
by amount then household id), so the result does not depend on how the registry was partitioned or on the number
of workers. Tables by area leave out (suppress) cells with fewer than `min_count` households, as
run/disclosure.py does for imported microdata (10 by default, Bond, Brandt and de Wolf 2015).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gongfu.discover.statuses import STATUSES
from gongfu.engine.geography import PROVINCES

TOP = 100
AREAS = ("province", "county", "township")
_PROVINCE_KEY = {p.code: p.key for p in PROVINCES}


def _cell() -> list[float]:
    return [0, 0.0, 0.0, 0.0]  # households, entitlement, received, difference


@dataclass
class Summary:
    """What the summary tables need, merged by addition."""

    households: int = 0
    persons: int = 0
    rows_read: int = 0
    rejected_rows: int = 0
    programmes: list[str] = field(default_factory=list)
    by_status: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    by_area: dict[tuple[str, str, str, str], list[float]] = field(default_factory=dict)  # area, key, prog, status
    area_households: dict[tuple[str, str], int] = field(default_factory=dict)
    top: list[tuple[float, str, str]] = field(default_factory=list)  # (unmet, household id, programme) min-heap
    shortfall: dict[str, float] = field(default_factory=dict)  # receiving less than entitled, by programme

    def add_rows(self, rows: dict[str, np.ndarray], areas: dict[str, np.ndarray]) -> None:
        """Add the flagged rows of a block (`areas`: area name -> key per row)."""
        for k in range(len(rows["status"])):
            prog, status = str(rows["programme"][k]), str(rows["status"][k])
            e, r, d = float(rows["entitlement"][k]), float(rows["received"][k]), float(rows["difference"][k])
            for key in ((prog, status),):
                c = self.by_status.setdefault(key, _cell())
                c[0] += 1
                c[1] += e
                c[2] += r
                c[3] += d
            for area, keys in areas.items():
                c = self.by_area.setdefault((area, str(keys[k]), prog, status), _cell())
                c[0] += 1
                c[1] += e
                c[2] += r
                c[3] += d
            if status == "receiving" and d < 0:
                self.shortfall[prog] = self.shortfall.get(prog, 0.0) - d
            if status == "entitled_not_receiving" or (status == "receiving" and d < -0.5):
                self.push((e - r, str(rows["household_id"][k]), prog))

    def push(self, item: tuple[float, str, str]) -> None:
        key = (round(item[0], 2), _neg(item[1]), item[2])
        if len(self.top) < TOP:
            heapq.heappush(self.top, key)  # type: ignore[arg-type]
        elif key > self.top[0]:
            heapq.heapreplace(self.top, key)  # type: ignore[arg-type]

    def merge(self, other: Summary) -> None:
        self.households += other.households
        self.persons += other.persons
        self.rows_read += other.rows_read
        self.rejected_rows += other.rejected_rows
        for src, dst in ((other.by_status, self.by_status), (other.by_area, self.by_area)):
            for k, v in src.items():
                c = dst.setdefault(k, _cell())  # type: ignore[arg-type]
                for i in range(4):
                    c[i] += v[i]
        for k, x in other.shortfall.items():
            self.shortfall[k] = self.shortfall.get(k, 0.0) + x
        for k, n in other.area_households.items():
            self.area_households[k] = self.area_households.get(k, 0) + n
        for item in other.top:
            if len(self.top) < TOP:
                heapq.heappush(self.top, item)
            elif item > self.top[0]:
                heapq.heapreplace(self.top, item)

    def unmet_list(self) -> list[dict[str, Any]]:
        """Households by unmet entitlement (largest first; ties by household id)."""
        items = sorted(self.top, reverse=True)
        return [{"household_id": _unneg(h), "programme": p, "unmet": a} for a, h, p in items]

    def to_json(self, min_count: int) -> dict[str, Any]:
        progs: dict[str, dict[str, dict[str, float]]] = {}
        for p in self.programmes:
            progs[p] = {}
            for s in STATUSES:
                c = self.by_status.get((p, s), _cell())
                progs[p][s] = {"households": int(c[0]), "entitlement": round(c[1], 2), "received": round(c[2], 2),
                               "difference": round(c[3], 2)}
            ent = self.by_status.get((p, "entitled_not_receiving"), _cell())
            progs[p]["unmet_entitlement"] = round(ent[1] + self.shortfall.get(p, 0.0), 2)
        areas: dict[str, dict[str, Any]] = {}
        suppressed: dict[str, list[str]] = {}
        cells: dict[tuple[str, str], dict[str, Any]] = {}
        for (a2, k2, p, st), c in self.by_area.items():  # one pass: grouped by area and key
            cells.setdefault((a2, k2), {}).setdefault(p, {})[st] = {
                "households": int(c[0]), "entitlement": round(c[1], 2), "received": round(c[2], 2)}
        for (area, key), n in sorted(self.area_households.items()):
            if 0 < n < min_count:
                suppressed.setdefault(area, []).append(key)
                continue
            areas.setdefault(area, {})[key] = {"households": n, "programmes": cells.get((area, key), {})}
        return {"households": self.households, "persons": self.persons, "rows_read": self.rows_read,
                "rejected_rows": self.rejected_rows, "programmes": progs, "by_area": areas,
                "suppressed": {"min_count": min_count, "areas": suppressed,
                               "rule": "areas with fewer than min_count households are left out of the tables by "
                                       "area (as run/disclosure.py for imported microdata)"}}


def _neg(text: str) -> tuple[int, ...]:
    """An order key that sorts household ids ascending under a max-heap comparison (ties broken by id)."""
    return tuple(-ord(c) for c in text) + (1,)


def _unneg(key: tuple[int, ...]) -> str:
    return "".join(chr(-c) for c in key[:-1])


def province_key(code: int) -> str:
    return _PROVINCE_KEY.get(int(code), str(code))
