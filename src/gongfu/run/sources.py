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


#: the last hash of each file, by (path, modification time, size): a run hashes the same files again and again
_FILE_HASHES: dict[tuple[str, int, int], bytes] = {}


def _hash_files(root: Path, patterns: Sequence[str]) -> str:
    """Hash of the names and contents of the files under `root` matching `patterns` (a file's own hash is kept
    while its modification time and size stay the same)."""
    h = hashlib.sha256()
    for pattern in patterns:
        for f in sorted(root.glob(pattern)):
            if f.is_file() and "__pycache__" not in f.parts:
                st = f.stat()
                key = (str(f), st.st_mtime_ns, st.st_size)
                digest = _FILE_HASHES.get(key)
                if digest is None:
                    digest = _FILE_HASHES[key] = hashlib.sha256(f.read_bytes()).digest()
                h.update(str(f.relative_to(root)).encode())
                h.update(digest)
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


#: consecutive partitions of the plan are run together (one task) until they hold this many households: a
#: default sample of 200,000 households is 31 provinces, most of a few thousand households, and a task's fixed
#: costs (the exact conversion of its state, its merge, the engine's per-block work) are paid once per group
MIN_TASK_HOUSEHOLDS = 32_768


def group_sizes(sizes: Sequence[int], min_households: int = MIN_TASK_HOUSEHOLDS) -> list[list[int]]:
    """Indices of consecutive partitions grouped into tasks of at least `min_households` households (the last group
    may hold fewer); a pure function of the partitions' sizes, so a run's results do not depend on its workers."""
    groups: list[list[int]] = []
    current: list[int] = []
    n = 0
    for i, size in enumerate(sizes):
        current.append(i)
        n += int(size)
        if n >= min_households:
            groups.append(current)
            current, n = [], 0
    if current:
        groups.append(current)
    return groups


def _concatenate(parts: Sequence[tuple[dict[str, np.ndarray], dict[str, np.ndarray]]]
                 ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """One (households, persons) table of consecutive partitions (household ids ascend across the plan)."""
    from gongfu.population.io import concat

    if len(parts) == 1:
        return parts[0]
    return concat([p[0] for p in parts]), concat([p[1] for p in parts])


class GeneratedSource(Source):
    """The synthetic population of `gongfu.population`: `households` households from `seed`, generated
    partition by partition inside the workers (nothing is written to disk). Without `max_households`, small
    consecutive partitions of the plan run as one task (`group_specs`); with it, every partition of the plan is
    its own task."""

    kind = "generated"

    def __init__(self, households: int, seed: int = 0, max_households: int | None = None):
        from gongfu.population.partition import DEFAULT_MAX_HOUSEHOLDS, plan_partitions

        self.households, self.seed = int(households), int(seed)
        self.max_households = int(max_households or DEFAULT_MAX_HOUSEHOLDS)
        self.specs = plan_partitions(self.households, self.seed, max_households=self.max_households)
        grouped = group_sizes([s.n_households for s in self.specs]) if max_households is None else None
        self.groups = [tuple(self.specs[i] for i in g) for g in grouped] if grouped else [(s,) for s in self.specs]

    def refs(self) -> list[PartitionRef]:
        return [PartitionRef(i, g[0].name if len(g) == 1 else f"{g[0].name}..{g[-1].name}",
                             sum(s.n_households for s in g), g) for i, g in enumerate(self.groups)]

    def load(self, ref: PartitionRef) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        from gongfu.population.partition import generate_partition

        return _concatenate([generate_partition(s) for s in ref.spec])

    def fingerprint(self) -> str:
        h = hashlib.sha256()
        h.update(json.dumps([s.to_dict() for s in self.specs], sort_keys=True).encode())
        h.update(json.dumps([[s.partition_id for s in g] for g in self.groups]).encode())
        g = hashlib.sha256(b"population")
        g.update(_hash_files(PACKAGE / "population", GENERATOR_FILES).encode())
        h.update(g.hexdigest().encode())
        return h.hexdigest()

    def describe(self) -> dict[str, Any]:
        return {"source": "generated", "seed": self.seed, "households_planned": self.households,
                "max_households": self.max_households}


class WarmGeneratedSource(GeneratedSource):
    """A generated population kept in memory once generated (a server's default sample, reform after reform):
    the same tasks, description and fingerprint as `GeneratedSource`, so the same results. The tasks' tables
    are made in this process when the source is made (`warm_source`), so worker processes forked later
    inherit them instead of generating them again; they are kept in a module table, not in the object, so a
    task pickled for a worker carries only the plan. Workers keep the baseline simulations of its partitions too
    (`reducer.reduce_partition`'s `keep`), so a reform after the first run computes only what it changes."""

    warm = True

    def __init__(self, households: int, seed: int = 0, max_households: int | None = None):
        super().__init__(households, seed, max_households)
        self.key = (self.households, self.seed, self.max_households)
        if self.key not in _WARM:
            _WARM.clear()  # one warm sample at a time (200,000 households: ~150 MB)
            _WARM[self.key] = {ref.partition_id: super(WarmGeneratedSource, self).load(ref) for ref in self.refs()}
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
        # small consecutive partitions run as one task, as those of a generated population (`group_sizes`): a
        # population built from a seed gives exactly the results of the same population generated on the fly
        self.groups = group_sizes([int(e["households"]) for e in self.entries])

    def refs(self) -> list[PartitionRef]:
        refs = []
        for g in self.groups:
            entries = [self.entries[i] for i in g]
            label = Path(entries[0]["households_file"]).stem
            if len(entries) > 1:
                label += ".." + Path(entries[-1]["households_file"]).stem
            refs.append(PartitionRef(int(entries[0]["partition_id"]), label, sum(int(e["households"]) for e in entries),
                                     tuple((str(self.directory / e["households_file"]), int(e["households"]),
                                            int(e["persons"])) for e in entries)))
        return refs

    def load(self, ref: PartitionRef) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        from gongfu.population.io import check_rows, read_partition

        parts = []
        for path, households, persons in ref.spec:
            h, p = read_partition(path)
            check_rows(Path(path), {"households": households, "persons": persons}, h, p)
            parts.append((h, p))
        return _concatenate(parts)

    def fingerprint(self) -> str:
        """Manifest content plus the size and modification time of every file it lists."""
        h = hashlib.sha256()
        h.update(json.dumps(self.manifest, sort_keys=True).encode())
        h.update(json.dumps(self.groups).encode())
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
