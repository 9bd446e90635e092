"""Entities: a person, and a household (one dwelling sharing income; dibao is means-tested per household)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Entity:
    key: str
    plural: str
    label_en: str
    label_zh: str

    def __repr__(self) -> str:
        return self.key.upper()


PERSON = Entity("person", "persons", "person", "个人")
HOUSEHOLD = Entity("household", "households", "household", "家庭户")
ENTITIES = (PERSON, HOUSEHOLD)


class Members:
    """Person -> household aggregation for one population, persons stored grouped by household.

    `index[i]` is the household (0..n_households-1) of person i; `starts[h]` is the first person of household h.
    """

    __slots__ = ("index", "starts", "counts", "n_households", "n_persons", "_positions")

    def __init__(self, index: np.ndarray, n_households: int, counts: np.ndarray | None = None):
        self.index = index
        self.n_households = n_households
        self.n_persons = len(index)
        self.counts = np.bincount(index, minlength=n_households) if counts is None else counts
        self.starts = np.zeros(n_households, dtype=np.int64)
        np.cumsum(self.counts[:-1], out=self.starts[1:])
        self._positions: list[tuple[np.ndarray, np.ndarray]] | None = None

    def positions(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """For k = 1, 2, ...: (households with more than k members, row of their member number k)."""
        if self._positions is None:
            small = self.counts.size == 0 or self.counts.max() < 256
            order = np.argsort(self.counts.astype(np.uint8) if small else self.counts, kind="stable")  # radix
            ranked = self.counts[order]
            out = []
            for k in range(1, int(ranked[-1]) if ranked.size else 0):
                households = order[np.searchsorted(ranked, k, side="right"):]
                out.append((households, self.starts[households] + k))
            self._positions = out
        return self._positions

    def sum(self, values: np.ndarray) -> np.ndarray:
        """Sum over each household's members (whole numbers stay whole numbers)."""
        total = np.bincount(self.index, weights=values, minlength=self.n_households)
        if values.dtype.kind in "biu":
            return total.astype(np.int64)
        return total

    def count(self, mask: np.ndarray) -> np.ndarray:
        """Number of members for whom `mask` is true."""
        return np.bincount(self.index, weights=mask, minlength=self.n_households).astype(np.int32)

    def any(self, mask: np.ndarray) -> np.ndarray:
        return np.bincount(self.index, weights=mask, minlength=self.n_households) > 0

    def all(self, mask: np.ndarray) -> np.ndarray:
        return np.bincount(self.index, weights=mask, minlength=self.n_households) == self.counts

    def max(self, values: np.ndarray) -> np.ndarray:
        """Largest value among each household's members."""
        return self._extreme(values, np.maximum)

    def min(self, values: np.ndarray) -> np.ndarray:
        """Smallest value among each household's members."""
        return self._extreme(values, np.minimum)

    def _extreme(self, values: np.ndarray, op: np.ufunc) -> np.ndarray:
        # one pass per member position (households are small) instead of reduceat's per-household overhead
        out = values[self.starts]
        for households, rows in self.positions():
            out[households] = op(out[households], values[rows])
        return out

    def first_where(self, mask: np.ndarray) -> np.ndarray:
        """Row of each household's first member for whom `mask` is true (its first member when there is none)."""
        households, rows = self._first_of(np.flatnonzero(mask))
        out = self.starts.copy()
        out[households] = rows
        return out

    def _first_of(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(households, their first row) among `rows` (increasing), for the households that have one there."""
        households = self.index[rows]
        first = np.ones(rows.size, dtype=np.bool_)
        np.not_equal(households[1:], households[:-1], out=first[1:])
        return households[first], rows[first]

    def project(self, household_values: np.ndarray) -> np.ndarray:
        """Each person gets their household's value."""
        return household_values[self.index]

    def first(self, values: np.ndarray) -> np.ndarray:
        """The value of each household's first listed member (the head, by convention)."""
        return values[self.starts]

    def first_max(self, values: np.ndarray, where: np.ndarray | None = None) -> np.ndarray:
        """True for the one member of each household holding the largest value (the earliest listed on a tie);
        with `where`, among the members where it is true only (none in a household without such a member)."""
        out = np.zeros(self.n_persons, dtype=np.bool_)
        if where is None:
            out[self._first_of(np.flatnonzero(values == self.max(values)[self.index]))[1]] = True
            return out
        rows = np.flatnonzero(where)
        if rows.size == 0:
            return out
        v, households = values[rows], self.index[rows]
        starts = np.flatnonzero(np.r_[True, households[1:] != households[:-1]])
        top = np.maximum.reduceat(v, starts)
        is_max = v == np.repeat(top, np.diff(np.r_[starts, rows.size]))
        out[self._first_of(rows[is_max])[1]] = True
        return out

    def rank(self, values: np.ndarray) -> np.ndarray:
        """Position of each person within their household when sorted by `values`, descending (0 = largest).

        Ties keep household order (the earlier-listed member ranks first).
        """
        order = np.lexsort((np.arange(self.n_persons), -values, self.index))
        ranks = np.empty(self.n_persons, dtype=np.int32)
        ranks[order] = np.arange(self.n_persons) - self.starts[self.index[order]]
        return ranks


class Rows:
    """The rows where a condition holds, to compute a rule on those rows only (a programme reaching few people)
    and return a full-length array: `r = Rows(eligible)`, `r(x)` is x on those rows (scalars pass through),
    `r.fill(values)` puts values back in a full array (`default` elsewhere)."""

    __slots__ = ("index", "size")

    def __init__(self, mask: np.ndarray):
        self.index = np.flatnonzero(mask)
        self.size = mask.size

    def __call__(self, values):
        return values[self.index] if np.ndim(values) else values

    def fill(self, values, default: float = 0.0, dtype=np.float64) -> np.ndarray:
        out = np.full(self.size, default, dtype=dtype)
        out[self.index] = values
        return out

