"""Where partitions come from: generated on the fly from a seed, read from a Parquet population directory, or
given as arrays. A source lists its partitions (`refs`, small picklable records sent to workers), loads one
(`load`), and has a `fingerprint` that changes whenever the rows could change.
"""

from __future__ import annotations

import abc
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

PACKAGE = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class PartitionRef:
    """One partition: its id (merge key), a label for messages, its households (for progress) and how to load
    it (`spec`: source-specific, picklable)."""

    partition_id: int
    label: str
    households: int
    spec: Any = field(compare=False)


def _hash_files(root: Path, patterns: Sequence[str]) -> str:
    h = hashlib.sha256()
    for pattern in patterns:
        for f in sorted(root.glob(pattern)):
            if f.is_file() and "__pycache__" not in f.parts:
                h.update(str(f.relative_to(root)).encode())
                h.update(f.read_bytes())
    return h.hexdigest()


#: The files that generate a synthetic population (the generator, its plan and its tables): the fingerprint of a
#: generated population covers these, not the reading, writing or import code next to them.
GENERATOR_FILES = ("synth.py", "partition.py", "tables.py", "calibrate.py", "*.yaml")


def code_fingerprint(*parts: str) -> str:
    """Hash of the source files under gongfu/<part> (the law, the engine, the generator...)."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode())
        h.update(_hash_files(PACKAGE / part, ("**/*.py", "**/*.yaml")).encode())
    return h.hexdigest()


class Source(abc.ABC):
    """Where a run's partitions come from: generated on the fly, Parquet files, or arrays in memory."""

    kind = "source"

    @abc.abstractmethod
    def refs(self) -> list[PartitionRef]:
        """The partitions, in the fixed order results are merged in."""

    @abc.abstractmethod
    def load(self, ref: PartitionRef) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """One partition's households and persons (persons grouped by household)."""

    @abc.abstractmethod
    def fingerprint(self) -> str:
        """A hash identifying exactly this population (for checkpoints and reproducibility)."""

    @abc.abstractmethod
    def describe(self) -> dict[str, Any]:
        """What the run metadata records about the population."""


class GeneratedSource(Source):
    """The synthetic population of `gongfu.population`: `households` households from `seed`, generated
    partition by partition inside the workers (nothing is written to disk)."""

    kind = "generated"

    def __init__(self, households: int, seed: int = 0, max_households: int | None = None):
        from gongfu.population.partition import DEFAULT_MAX_HOUSEHOLDS, plan_partitions

        self.households, self.seed = int(households), int(seed)
        self.max_households = int(max_households or DEFAULT_MAX_HOUSEHOLDS)
        self.specs = plan_partitions(self.households, self.seed, max_households=self.max_households)

    def refs(self) -> list[PartitionRef]:
        return [PartitionRef(s.partition_id, s.name, s.n_households, s) for s in self.specs]

    def load(self, ref: PartitionRef) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        from gongfu.population.partition import generate_partition

        return generate_partition(ref.spec)

    def fingerprint(self) -> str:
        h = hashlib.sha256()
        h.update(json.dumps([s.to_dict() for s in self.specs], sort_keys=True).encode())
        g = hashlib.sha256(b"population")
        g.update(_hash_files(PACKAGE / "population", GENERATOR_FILES).encode())
        h.update(g.hexdigest().encode())
        return h.hexdigest()

    def describe(self) -> dict[str, Any]:
        return {"source": "generated", "seed": self.seed, "households_planned": self.households,
                "max_households": self.max_households}


class WarmGeneratedSource(GeneratedSource):
    """A generated population kept in memory once generated (a server's default sample, reform after reform):
    the same partitions, description and fingerprint as `GeneratedSource`, so the same results. The partitions
    are generated in this process when the source is made (`warm_source`), so worker processes forked later
    inherit them instead of generating them again; they are kept in a module table, not in the object, so a
    task pickled for a worker carries only the plan."""

    def __init__(self, households: int, seed: int = 0, max_households: int | None = None):
        super().__init__(households, seed, max_households)
        self.key = (self.households, self.seed, self.max_households)
        if self.key not in _WARM:
            from gongfu.population.partition import generate_partition

            _WARM.clear()  # one warm sample at a time (200,000 households: ~150 MB)
            _WARM[self.key] = {s.partition_id: generate_partition(s) for s in self.specs}
        self._fingerprint = super().fingerprint()

    def load(self, ref: PartitionRef) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        parts = _WARM.get(self.key)
        if parts is None or ref.partition_id not in parts:  # a worker that did not inherit the table
            return super().load(ref)
        return parts[ref.partition_id]

    def fingerprint(self) -> str:
        return self._fingerprint


_WARM: dict[tuple[int, int, int], dict[int, tuple[dict[str, np.ndarray], dict[str, np.ndarray]]]] = {}


def warm_source(households: int, seed: int = 0) -> WarmGeneratedSource:
    """The warm generated sample of `households` households from `seed` (generated on the first call)."""
    return WarmGeneratedSource(households, seed)


class ParquetSource(Source):
    """A population directory written by `gongfu population build` or `import` (manifest.json + Parquet per
    partition). Opening it checks that its files are exactly those of the manifest, with the listed sizes and row
    counts (`population.io.open_population`); loading a partition checks its rows again. Damage raises
    PopulationFileError naming the file."""

    kind = "parquet"

    def __init__(self, directory: str | Path):
        from gongfu.population.io import open_population

        self.directory = Path(directory)
        self.manifest = open_population(self.directory)
        self.entries = list(self.manifest["partitions"])

    def refs(self) -> list[PartitionRef]:
        return [PartitionRef(int(e["partition_id"]), Path(e["households_file"]).stem, int(e["households"]),
                             (str(self.directory / e["households_file"]), int(e["households"]), int(e["persons"])))
                for e in self.entries]

    def load(self, ref: PartitionRef) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        from gongfu.population.io import check_rows, read_partition

        path, households, persons = ref.spec
        h, p = read_partition(path)
        check_rows(Path(path), {"households": households, "persons": persons}, h, p)
        return h, p

    def fingerprint(self) -> str:
        """Manifest content plus the size and modification time of every file it lists."""
        h = hashlib.sha256()
        h.update(json.dumps(self.manifest, sort_keys=True).encode())
        for e in self.entries:
            for key in ("households_file", "persons_file"):
                f = self.directory / e[key]
                st = f.stat()
                h.update(f"{e[key]}:{st.st_size}:{st.st_mtime_ns}".encode())
        return h.hexdigest()

    def describe(self) -> dict[str, Any]:
        return {"source": str(self.directory), "seed": self.manifest.get("seed")}


class ArraySource(Source):
    """Partitions given as arrays: `parts` is a list of (households, persons) column dicts (persons grouped by
    household). `split` cuts one population into n partitions of consecutive households (for tests and for
    small user data sets)."""

    kind = "arrays"

    def __init__(self, parts: Sequence[tuple[dict[str, np.ndarray], dict[str, np.ndarray]]], name: str = "arrays"):
        self.parts = [({k: np.asarray(v) for k, v in h.items()}, {k: np.asarray(v) for k, v in p.items()})
                      for h, p in parts]
        self.name = name

    @classmethod
    def split(cls, households: dict[str, np.ndarray], persons: dict[str, np.ndarray], n: int) -> ArraySource:
        hid = np.asarray(households["household_id"])
        phid = np.asarray(persons["household_id"])
        n_hh = hid.size
        n = max(1, min(int(n), n_hh))
        cuts = [round(i * n_hh / n) for i in range(n + 1)]
        starts = np.searchsorted(phid, hid) if np.all(np.diff(hid) > 0) else None
        if starts is None:
            first = np.flatnonzero(np.r_[True, phid[1:] != phid[:-1]])
            starts = first
        bounds = np.r_[starts, phid.size]
        parts = []
        for a, b in zip(cuts[:-1], cuts[1:], strict=True):
            p0, p1 = int(bounds[a]), int(bounds[b])
            parts.append(({k: np.asarray(v)[a:b] for k, v in households.items()},
                          {k: np.asarray(v)[p0:p1] for k, v in persons.items()}))
        return cls(parts)

    def refs(self) -> list[PartitionRef]:
        return [PartitionRef(i, f"{self.name}-{i:05d}", int(len(h["household_id"])), i)
                for i, (h, _) in enumerate(self.parts)]

    def load(self, ref: PartitionRef) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        return self.parts[ref.spec]

    def fingerprint(self) -> str:
        h = hashlib.sha256()
        for hh, pp in self.parts:
            for table in (hh, pp):
                for k in sorted(table):
                    a = np.ascontiguousarray(table[k])
                    h.update(k.encode())
                    h.update(str(a.dtype).encode())
                    h.update(a.tobytes())
            h.update(b"|")
        return h.hexdigest()

    def describe(self) -> dict[str, Any]:
        return {"source": "arrays", "seed": None}


def resolve_source(population: Any, households: int | None, seed: int,
                   max_households: int | None = None) -> Source:
    if isinstance(population, Source):
        return population
    if population is None:
        return GeneratedSource(households or DEFAULT_HOUSEHOLDS, seed, max_households)
    return ParquetSource(population)


DEFAULT_HOUSEHOLDS = 200_000


def full_scale_households() -> int:
    """Households of a 1:1 run: the persons of each province x area cell divided by its expected household size
    (the same arithmetic as `population.partition.plan_partitions`)."""
    from gongfu.population.tables import model

    m = model()
    s = m.f["scales"]
    u = m.pop * m.urban_share / float(s["expected_size_urban"])
    r = m.pop * (1 - m.urban_share) / float(s["expected_size_rural"])
    return int(round(float(np.sum(u) + np.sum(r))))
