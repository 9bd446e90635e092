"""Parquet I/O of populations: one households file and one persons file per partition, plus a manifest.

Layout of a population directory::

    DIR/manifest.json
    DIR/households/<code>-<province>/part-<partition_id>.parquet
    DIR/persons/<code>-<province>/part-<partition_id>.parquet

Each file carries its Arrow schema and key-value metadata (``gongfu.seed``, ``gongfu.version``,
``gongfu.targets_hash``, ``gongfu.fitted_hash``, ``gongfu.partition_id``, ``gongfu.table``, ``gongfu.spec``).
Writes are atomic: a file is written under a temporary name in the same directory, flushed, fsynced and renamed,
so a half-written file never exists under its final name (a killed build leaves only ``.*.tmp`` files, which
are ignored). Set ``GONGFU_FSYNC=1`` to also fsync each file before the rename (durability against power loss;
slower on most disks).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from gongfu.engine.geography import BY_CODE
from gongfu.population.synth import HOUSEHOLD_COLUMNS, PERSON_COLUMNS

MANIFEST = "manifest.json"
FSYNC = os.environ.get("GONGFU_FSYNC", "") not in ("", "0")
FORMAT_VERSION = 1

#: Arrow types of the population schema (docs/ARCHITECTURE.md).
SCHEMA_TYPES: dict[str, pa.DataType] = {
    "household_id": pa.int64(), "person_id": pa.int64(), "province": pa.int8(), "area": pa.int8(),
    "weight": pa.float64(), "tenure": pa.int8(), "n_homes": pa.int8(), "home_value": pa.float64(),
    "floor_area": pa.float64(), "city_tier": pa.int8(), "has_mortgage": pa.bool_(), "dibao_takeup": pa.bool_(),
    "charity_received": pa.float64(), "role": pa.int8(), "age": pa.int16(), "sex": pa.int8(),
    "hukou_province": pa.int8(), "hukou_type": pa.int8(), "employment_status": pa.int8(),
    "disability_grade": pa.int8(), "wage_income": pa.float64(), "self_employment_income": pa.float64(),
    "agricultural_income": pa.float64(), "interest_income": pa.float64(), "dividend_income": pa.float64(),
    "rental_income": pa.float64(), "private_transfers_received": pa.float64(), "pension_scheme": pa.int8(), "contribution_years": pa.int16(),
    "has_obligated_supporter": pa.bool_(), "tekun_takeup": pa.bool_(),
}


class PopulationFileError(ValueError):
    """A population file or directory is missing, corrupt or not in the gongfu schema."""


def gongfu_version() -> str:
    try:
        from importlib.metadata import version

        return version("gongfu")
    except Exception:  # pragma: no cover - not installed
        return "0+unknown"


def _schema(columns: dict[str, np.ndarray], metadata: dict[str, str]) -> pa.Schema:
    fields = [pa.field(k, SCHEMA_TYPES.get(k, pa.from_numpy_dtype(v.dtype)), nullable=False)
              for k, v in columns.items()]
    return pa.schema(fields, metadata={k.encode(): v.encode() for k, v in metadata.items()})


def write_table_atomic(path: Path, columns: dict[str, np.ndarray], metadata: dict[str, str]) -> None:
    """Write ``columns`` to ``path`` as Parquet (zstd), atomically (temp file in the same dir + rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    schema = _schema(columns, metadata)
    table = pa.Table.from_arrays([pa.array(columns[f.name], type=f.type) for f in schema], schema=schema)
    with atomic_file(path, "wb") as fh:
        pq.write_table(table, fh, compression="zstd", write_statistics=True)


def write_text_atomic(path: Path, text: str) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(path, "w") as fh:
        fh.write(text)


@contextlib.contextmanager
def atomic_file(path: Path, mode: str) -> Iterator[IO[Any]]:
    """A file that appears under `path` only once completely written (temp file + rename; removed on error)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as fh:
            yield fh
            fh.flush()
            if FSYNC:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def partition_paths(out: Path, partition_id: int, province: int) -> tuple[Path, Path]:
    sub = f"{province}-{BY_CODE[province].key}"
    name = f"part-{partition_id:05d}.parquet"
    return Path(out) / "households" / sub / name, Path(out) / "persons" / sub / name


def write_partition(out: Path, partition_id: int, province: int, households: dict[str, np.ndarray],
                    persons: dict[str, np.ndarray], metadata: dict[str, str]) -> dict[str, Any]:
    """Write one partition's two files; returns its manifest entry (relative paths, row counts)."""
    hp, pp = partition_paths(out, partition_id, province)
    meta = {**metadata, "gongfu.partition_id": str(partition_id), "gongfu.format_version": str(FORMAT_VERSION)}
    write_table_atomic(hp, households, {**meta, "gongfu.table": "households"})
    write_table_atomic(pp, persons, {**meta, "gongfu.table": "persons"})
    return {"partition_id": partition_id, "province": province,
            "households_file": str(hp.relative_to(out)), "persons_file": str(pp.relative_to(out)),
            "households": int(len(households["household_id"])), "persons": int(len(persons["person_id"])),
            "weight": float(np.sum(households["weight"])) if "weight" in households else None}


def read_table(path: str | Path, columns: list[str] | None = None) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """One Parquet file as (dict of numpy arrays, key-value metadata). Clear error if unreadable."""
    path = Path(path)
    if not path.is_file():
        raise PopulationFileError(f"{path}: no such population file")
    try:
        pf = pq.ParquetFile(path)
        table = pf.read(columns=columns)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise PopulationFileError(f"{path}: not a readable Parquet file ({type(exc).__name__}: {exc})") from exc
    meta = {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items()}
    out: dict[str, np.ndarray] = {}
    for name in table.column_names:
        col = table.column(name)
        if col.null_count:
            raise PopulationFileError(f"{path}: column {name!r} has {col.null_count} missing values")
        out[name] = col.to_numpy()
    return out, meta


def check_ranges(path: Path, cols: dict[str, np.ndarray]) -> None:
    """Every column of a gongfu variable holds values the variable accepts (`Variable.valid`, enum members,
    provinces, finite numbers): `part-00003.parquet: column age: -5 (3 rows, first at row 17) is outside the
    allowed range 0–150`. A min/max pass per column when valid (cheap next to reading the file)."""
    from gongfu.engine import load_system
    from gongfu.engine.variables import check_values

    variables = load_system().variables
    for name, values in cols.items():
        var = variables.get(name)
        if var is not None:
            check_values(var, values, f"{path}: column {name}", error=PopulationFileError)


def _check_columns(path: Path, cols: dict[str, np.ndarray], required: tuple[str, ...]) -> None:
    missing = [c for c in required if c not in cols]
    if missing:
        raise PopulationFileError(f"{path}: missing column(s) {', '.join(missing)}")


def read_partition(path: str | Path) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """(households, persons) of one partition, given either of its two files (or their common name).

    Checks both files are readable gongfu tables of the same partition and that persons are grouped by
    household in household order; raises PopulationFileError naming the file otherwise.
    """
    path = Path(path)
    parts = path.parts
    if "households" in parts:
        i = len(parts) - 1 - parts[::-1].index("households")
        hp, pp = path, Path(*parts[:i], "persons", *parts[i + 1:])
    elif "persons" in parts:
        i = len(parts) - 1 - parts[::-1].index("persons")
        hp, pp = Path(*parts[:i], "households", *parts[i + 1:]), path
    else:
        raise PopulationFileError(f"{path}: expected a path under households/ or persons/")
    h, hm = read_table(hp)
    p, pm = read_table(pp)
    check_ranges(hp, h)
    check_ranges(pp, p)
    _check_columns(hp, h, ("household_id", "province", "area", "weight"))
    _check_columns(pp, p, ("person_id", "household_id", "age"))
    if hm.get("gongfu.partition_id") != pm.get("gongfu.partition_id"):
        raise PopulationFileError(f"{hp} and {pp} belong to different partitions")
    if len(p["household_id"]) and (np.any(np.diff(np.searchsorted(h["household_id"], p["household_id"])) < 0)
                                   or not np.isin(p["household_id"], h["household_id"]).all()):
        raise PopulationFileError(f"{pp}: persons are not grouped by household in household order")
    return h, p


def read_manifest(directory: str | Path) -> dict[str, Any]:
    d = Path(directory)
    f = d / MANIFEST
    if not f.is_file():
        raise PopulationFileError(f"{d}: no {MANIFEST} (not a gongfu population directory)")
    try:
        return json.loads(f.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise PopulationFileError(f"{f}: corrupt manifest ({exc})") from exc


def iter_partitions(directory: str | Path) -> Iterator[tuple[dict[str, Any], dict[str, np.ndarray],
                                                             dict[str, np.ndarray]]]:
    """Stream (manifest entry, households, persons) partition by partition (bounded memory)."""
    d = Path(directory)
    for entry in read_manifest(d)["partitions"]:
        h, p = read_partition(d / entry["households_file"])
        yield entry, h, p


def read_population(directory: str | Path) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The whole population in memory (for samples; use iter_partitions at scale)."""
    hs, ps = [], []
    for _, h, p in iter_partitions(directory):
        hs.append(h)
        ps.append(p)
    if not hs:
        raise PopulationFileError(f"{directory}: the manifest lists no partitions")
    return concat(hs), concat(ps)


def concat(tables: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {k: np.concatenate([t[k] for t in tables]) for k in tables[0]}


__all__ = ["PopulationFileError", "read_partition", "read_table", "read_manifest", "iter_partitions",
           "read_population", "write_partition", "write_table_atomic", "HOUSEHOLD_COLUMNS", "PERSON_COLUMNS"]
