"""Build a population directory: plan, generate and write partitions, in one or several processes.

The result depends only on (households, seed, max_households, package data): each partition is generated from
``SeedSequence(seed, spawn_key=(partition_id,))`` and written atomically to its own files, and the manifest
(written last, atomically) holds no timestamp -- so the same arguments give byte-identical files whatever the
number of worker processes. The partitions are written into a hidden directory next to ``out`` that replaces
``out`` whole once complete (`io.staging`): an interrupted build leaves the previous population untouched.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import as_completed
from pathlib import Path
from typing import Any

from gongfu.engine.memory import tune_allocator
from gongfu.population.io import (
    MANIFEST,
    MANIFEST_FORMAT,
    gongfu_version,
    staging,
    write_partition,
    write_text_atomic,
)
from gongfu.population.partition import (
    DEFAULT_MAX_HOUSEHOLDS,
    PartitionSpec,
    generate_partition,
    plan_partitions,
)
from gongfu.population.tables import model, targets_hash


def file_metadata(seed: int) -> dict[str, str]:
    m = model()
    return {"gongfu.seed": str(seed), "gongfu.version": gongfu_version(), "gongfu.targets_hash": targets_hash(),
            "gongfu.fitted_hash": m.fitted_hash}


def build_partition(spec: PartitionSpec, out: str | Path) -> dict[str, Any]:
    """Generate and write one partition; returns its manifest entry."""
    h, p = generate_partition(spec)
    meta = {**file_metadata(spec.seed), "gongfu.spec": json.dumps(spec.to_dict(), sort_keys=True)}
    return write_partition(Path(out), spec.partition_id, spec.province, h, p, meta)


def _worker(spec_dict: dict[str, Any], out: str) -> dict[str, Any]:
    tune_allocator()
    return build_partition(PartitionSpec(**spec_dict), out)


def build(households: int, seed: int, out: str | Path, workers: int = 1,
          max_households: int = DEFAULT_MAX_HOUSEHOLDS,
          progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Write the population of ``households`` households to ``out``; returns the manifest.

    ``progress(done_households, total_households)`` is called after each partition. ``out`` must be absent, empty
    or a gongfu population (which is replaced whole); PopulationFileError otherwise, or when it cannot be written.
    """
    tune_allocator()  # keep freed partition arrays in the process (engine/memory.py)
    specs = plan_partitions(households, seed, max_households=max_households)
    with staging(out) as tmp:
        entries = _write_partitions(specs, tmp, households, workers, progress)
        manifest = {
            "format_version": MANIFEST_FORMAT, "gongfu_version": gongfu_version(), "seed": seed,
            "households": households, "max_households": max_households, "targets_hash": targets_hash(),
            "fitted_hash": model().fitted_hash, "year": specs[0].year,
            "persons": sum(e["persons"] for e in entries.values()),
            "partitions": [{**entries[s.partition_id], "spec": s.to_dict()} for s in specs],
        }
        write_text_atomic(tmp / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return manifest


def _write_partitions(specs: list[PartitionSpec], out: Path, households: int, workers: int,
                      progress: Callable[[int, int], None] | None) -> dict[int, dict[str, Any]]:
    entries: dict[int, dict[str, Any]] = {}
    done = 0
    if workers <= 1:
        for s in specs:
            entries[s.partition_id] = build_partition(s, out)
            done += s.n_households
            if progress:
                progress(done, households)
        return entries
    from gongfu.processes import process_pool

    with process_pool(workers) as pool:
        futs = {pool.submit(_worker, s.to_dict(), str(out)): s for s in specs}
        for fut in as_completed(futs):
            s = futs[fut]
            entries[s.partition_id] = fut.result()
            done += s.n_households
            if progress:
                progress(done, households)
    return entries
