"""The benchmark population generator (SPEC.md, "Population generator"): numpy only, deterministic.

Importable from the OpenFisca venv too (numpy + stdlib only; no gongfu import).

The population is a concatenation of blocks of `BLOCK` persons; block k is drawn from
`numpy.random.default_rng([seed, k])` and holds whole households. So `generate(n)` and `BlockWriter`
(block by block into reused buffers) produce identical values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.random  # noqa: F401 - numpy 2 imports it lazily on first use: keep that import out of timed regions

from .provinces import PROVINCE_TABLE

BLOCK = 262_144
SIZE_PROBABILITIES = (0.23, 0.29, 0.21, 0.16, 0.11)  # household of 1..5 persons; mean 2.63
ZERO_WAGE_SHARE = 0.40
WAGE_MEDIAN = 50_000.0
WAGE_SIGMA = 0.9
MAX_AGE = 90  # ages uniform on 0..89

_CODES = np.array([row[0] for row in PROVINCE_TABLE], dtype=np.int8)
_URBAN_RATE = np.array([row[3] for row in PROVINCE_TABLE], dtype=np.float64) / 100.0
#: one row per 万 residents: a uniform draw u picks province _PROVINCE_OF_BUCKET[floor(u × total)] (exact shares)
_PROVINCE_OF_BUCKET = np.repeat(np.arange(len(PROVINCE_TABLE), dtype=np.int8), [row[2] for row in PROVINCE_TABLE])
#: one row per 1/1000: household size by bucket (the size probabilities are whole thousandths)
_SIZE_OF_BUCKET = np.repeat(np.arange(1, 6, dtype=np.int8), [round(p * 1000) for p in SIZE_PROBABILITIES])
assert len(_SIZE_OF_BUCKET) == 1000
_MEAN_SIZE = float(np.dot(np.arange(1, 6), SIZE_PROBABILITIES))
_LOG_MEDIAN = float(np.log(WAGE_MEDIAN))

PERSON_COLUMNS = {"household_id": np.int64, "age": np.int16, "wage_income": np.float64}
HOUSEHOLD_COLUMNS = {"household_id": np.int64, "province": np.int8, "area": np.int8}


@dataclass
class Population:
    """Column arrays: persons grouped by household (contiguous), households in id order."""

    persons: dict[str, np.ndarray]
    households: dict[str, np.ndarray]

    @property
    def n_persons(self) -> int:
        return len(self.persons["household_id"])

    @property
    def n_households(self) -> int:
        return len(self.households["household_id"])


def n_blocks(n_persons: int) -> int:
    return -(-n_persons // BLOCK)


def _household_sizes(rng: np.random.Generator, n: int) -> np.ndarray:
    """Sizes (1-5) of the households of a block of n persons; the last one cut so that they sum to n."""
    draws = []
    total = 0
    while total < n:
        k = int((n - total) / _MEAN_SIZE * 1.1) + 64
        sizes = _SIZE_OF_BUCKET[(rng.random(k) * len(_SIZE_OF_BUCKET)).astype(np.intp)]
        draws.append(sizes)
        total += int(sizes.sum())
    sizes = np.concatenate(draws) if len(draws) > 1 else draws[0]
    ends = np.cumsum(sizes, dtype=np.int64)
    nh = int(np.searchsorted(ends, n)) + 1  # first household reaching n persons
    sizes = sizes[:nh]
    sizes[-1] -= int(ends[nh - 1]) - n
    return sizes


def fill_block(seed: int, k: int, persons: dict[str, np.ndarray], households: dict[str, np.ndarray],
               household_offset: int, scratch: np.ndarray | None = None) -> int:
    """Draw block k into `persons` (arrays of exactly the block's length) and the first rows of `households`
    (arrays at least as long); returns the number of households written."""
    n = len(persons["household_id"])
    rng = np.random.default_rng([seed, k])
    sizes = _household_sizes(rng, n)
    nh = len(sizes)
    # households
    pidx = _PROVINCE_OF_BUCKET[(rng.random(nh) * len(_PROVINCE_OF_BUCKET)).astype(np.intp)]
    households["household_id"][:nh] = np.arange(household_offset, household_offset + nh)
    households["province"][:nh] = _CODES[pidx]
    np.less(rng.random(nh), _URBAN_RATE[pidx], out=households["area"][:nh], casting="unsafe")
    # persons: household index without materialising np.repeat
    hh = persons["household_id"]
    hh[:] = 0
    hh[np.cumsum(sizes[:-1], dtype=np.int64)] = 1
    np.cumsum(hh, out=hh)
    hh += household_offset
    persons["age"][:] = rng.integers(0, MAX_AGE, n, dtype=np.int16)
    # wages: a zero with probability ZERO_WAGE_SHARE, else lognormal (drawn only for the earners)
    u = scratch[:n] if scratch is not None else np.empty(n)
    rng.random(out=u)
    earner = np.flatnonzero(u >= ZERO_WAGE_SHARE)
    z = rng.standard_normal(len(earner))
    z *= WAGE_SIGMA
    z += _LOG_MEDIAN
    np.exp(z, out=z)
    np.round(z, out=z)
    wage = persons["wage_income"]
    wage[:] = 0.0
    wage[earner] = z
    return nh


def generate(n_persons: int, seed: int = 0) -> Population:
    """The whole population of n persons, in freshly allocated arrays."""
    persons = {name: np.empty(n_persons, dtype=dt) for name, dt in PERSON_COLUMNS.items()}
    # at most one household per person: allocate the bound, use a prefix (untouched pages cost nothing)
    households = {name: np.empty(n_persons, dtype=dt) for name, dt in HOUSEHOLD_COLUMNS.items()}
    scratch = np.empty(min(n_persons, BLOCK))
    nh = 0
    for k in range(n_blocks(n_persons)):
        lo, hi = k * BLOCK, min((k + 1) * BLOCK, n_persons)
        nh += fill_block(seed, k, {c: a[lo:hi] for c, a in persons.items()},
                         {c: a[nh:] for c, a in households.items()}, nh, scratch)
    return Population(persons, {c: a[:nh] for c, a in households.items()})


class BlockWriter:
    """Generate the same population partition by partition (a partition = `blocks` consecutive blocks)
    into buffers allocated once and reused: no fresh memory after the first partition."""

    def __init__(self, n_persons: int, seed: int = 0, blocks: int = 4) -> None:
        self.n_persons, self.seed, self.blocks = n_persons, seed, blocks
        cap = min(n_persons, blocks * BLOCK)
        self._persons = {name: np.empty(cap, dtype=dt) for name, dt in PERSON_COLUMNS.items()}
        self._households = {name: np.empty(cap, dtype=dt) for name, dt in HOUSEHOLD_COLUMNS.items()}
        self._scratch = np.empty(min(n_persons, BLOCK))

    def __iter__(self):
        """Yield a `Population` of views into the reused buffers for each partition (valid until the next)."""
        nb = n_blocks(self.n_persons)
        nh_total = 0
        for first in range(0, nb, self.blocks):
            lo = first * BLOCK
            n_part = min((first + self.blocks) * BLOCK, self.n_persons) - lo
            nh = 0
            for k in range(first, min(first + self.blocks, nb)):
                a, b = k * BLOCK - lo, min((k + 1) * BLOCK, self.n_persons) - lo
                nh += fill_block(self.seed, k, {c: v[a:b] for c, v in self._persons.items()},
                                 {c: v[nh:] for c, v in self._households.items()}, nh_total + nh,
                                 self._scratch)
            nh_total += nh
            yield Population({c: v[:n_part] for c, v in self._persons.items()},
                             {c: v[:nh] for c, v in self._households.items()})
