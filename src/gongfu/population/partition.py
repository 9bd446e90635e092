"""Partition plan: how a sample of N households is split by province (and chunks of big provinces).

Households are allocated to the 62 province x area cells in proportion to the 2024 persons of each cell
divided by the expected household size of its area (fitted), times the province's sampling factor
(generator.yaml oversampling.province_factor), with largest-remainder rounding so that the total is exactly N. A province with more than ``max_households`` households is split into equal chunks.
Every partition carries the persons its households must represent (its share of each cell), so that its
weights are computed from the partition alone: no pass over the whole population is ever needed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from gongfu.engine.geography import PROVINCES
from gongfu.population.tables import Model, model

DEFAULT_MAX_HOUSEHOLDS = 1_000_000


@dataclass(frozen=True)
class PartitionSpec:
    """Everything needed to generate one partition: ``generate_partition(spec)`` is a pure function of it."""

    partition_id: int
    seed: int
    province: int            # GB/T 2260 code
    chunk: int               # 0-based chunk of the province
    n_chunks: int
    n_urban: int
    n_rural: int
    household_id_start: int  # even; household ids from there (synth.household_ids: unique over the plan, with gaps)
    persons_urban: float     # persons the urban households of this partition represent
    persons_rural: float
    year: int = 2024

    @property
    def n_households(self) -> int:
        return self.n_urban + self.n_rural

    @property
    def name(self) -> str:
        key = next(p.key for p in PROVINCES if p.code == self.province)
        return f"{self.partition_id:05d}-{self.province}-{key}-{self.chunk:03d}"

    def to_dict(self) -> dict:
        return asdict(self)


def _largest_remainder(shares: np.ndarray, total: int) -> np.ndarray:
    raw = shares / shares.sum() * total
    out = np.floor(raw).astype(np.int64)
    rest = total - int(out.sum())
    if rest > 0:
        order = np.argsort(-(raw - out), kind="stable")
        out[order[:rest]] += 1
    return out


def _split(n: int, k: int) -> np.ndarray:
    base = np.full(k, n // k, dtype=np.int64)
    base[: n % k] += 1
    return base


def plan_partitions(total_households: int, seed: int, max_households: int = DEFAULT_MAX_HOUSEHOLDS,
                    m: Model | None = None) -> list[PartitionSpec]:
    """The partitions of a population of ``total_households`` households (any size >= 62)."""
    if total_households < 62:
        raise ValueError("total_households must be at least 62 (one household per province and area)")
    if max_households < 2:
        raise ValueError("max_households must be at least 2")
    m = m or model()
    persons_u = m.pop * m.urban_share
    persons_r = m.pop * (1 - m.urban_share)
    s = m.f["scales"]
    exp_u, exp_r = float(s["expected_size_urban"]), float(s["expected_size_rural"])
    # sampling rate by province (generator.yaml oversampling.province_factor): weights follow from the persons each
    # partition represents, so an oversampled province's households simply weigh less
    pf = m.g["oversampling"].get("province_factor") or {}
    rate = np.array([float(pf.get(p.code, pf.get(str(p.code), 1.0))) for p in PROVINCES])
    cells = np.stack([persons_u / exp_u * rate, persons_r / exp_r * rate], axis=1).ravel()
    # at least one household in every cell, the rest proportionally
    counts = 1 + _largest_remainder(cells, total_households - len(cells))
    counts = counts.reshape(-1, 2)
    from gongfu.population.synth import ids_needed

    specs: list[PartitionSpec] = []
    next_id = 0
    for i, prov in enumerate(PROVINCES):
        nu, nr = int(counts[i, 0]), int(counts[i, 1])
        k = max(1, -(-(nu + nr) // max_households))
        cu, cr = _split(nu, k), _split(nr, k)
        for c in range(k):
            specs.append(PartitionSpec(
                partition_id=len(specs), seed=int(seed), province=prov.code, chunk=c, n_chunks=k,
                n_urban=int(cu[c]), n_rural=int(cr[c]), household_id_start=next_id,
                persons_urban=float(persons_u[i] * cu[c] / nu), persons_rural=float(persons_r[i] * cr[c] / nr),
            ))
            next_id += ids_needed(int(cu[c]), int(cr[c]), m)  # strata start at even ids (synth.household_ids)
    return specs


def generate_partition(spec: PartitionSpec, m: Model | None = None) -> tuple[dict[str, np.ndarray],
                                                                           dict[str, np.ndarray]]:
    """(households, persons) of one partition as dicts of numpy arrays; persons grouped by household."""
    from gongfu.population.synth import generate

    return generate(spec.seed, spec.partition_id, spec.province, spec.n_urban, spec.n_rural,
                    spec.household_id_start, spec.persons_urban, spec.persons_rural, m or model(), spec.year)
