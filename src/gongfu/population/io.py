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
slower on most disks). A whole population is written into a hidden directory next to its target and swapped in
by a rename (`staging`), so an interrupted build or import never leaves a mix of old and new partitions.

Integrity: the manifest (format 2) lists every partition with the row counts, byte size and sha256 of its two
files. `open_population` checks cheaply on every read that the files on disk are exactly those of the manifest
(none missing, extra or listed twice), with the listed sizes, row counts and partition ids (Parquet footers);
`verify_checksums` (``gongfu population check``) also hashes every file. Any mismatch is a PopulationFileError
naming the file and the problem: a damaged population is an error, never a plausible answer.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import json
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from gongfu.engine.geography import BY_CODE
from gongfu.population.synth import HOUSEHOLD_COLUMNS, PERSON_COLUMNS
from gongfu.processes import process_alive

MANIFEST = "manifest.json"
FSYNC = os.environ.get("GONGFU_FSYNC", "") not in ("", "0")
FORMAT_VERSION = 1
#: Manifest format: 2 records the byte size and sha256 of every file (format 1 did not; such populations must be
#: rebuilt or re-imported).
MANIFEST_FORMAT = 2
#: A manifest larger than this is not one gongfu wrote (about 600 bytes per partition).
MAX_MANIFEST_BYTES = 64 << 20

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


def file_sha256(path: str | Path) -> str:
    """The sha256 of a file's bytes (hex)."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def partition_paths(out: Path, partition_id: int, province: int) -> tuple[Path, Path]:
    sub = f"{province}-{BY_CODE[province].key}"
    name = f"part-{partition_id:05d}.parquet"
    return Path(out) / "households" / sub / name, Path(out) / "persons" / sub / name


def write_partition(out: Path, partition_id: int, province: int, households: dict[str, np.ndarray],
                    persons: dict[str, np.ndarray], metadata: dict[str, str]) -> dict[str, Any]:
    """Write one partition's two files; returns its manifest entry (relative paths, row counts, byte sizes and
    sha256 of both files)."""
    hp, pp = partition_paths(out, partition_id, province)
    meta = {**metadata, "gongfu.partition_id": str(partition_id), "gongfu.format_version": str(FORMAT_VERSION)}
    write_table_atomic(hp, households, {**meta, "gongfu.table": "households"})
    write_table_atomic(pp, persons, {**meta, "gongfu.table": "persons"})
    return {"partition_id": partition_id, "province": province,
            "households_file": hp.relative_to(out).as_posix(), "persons_file": pp.relative_to(out).as_posix(),
            "households": int(len(households["household_id"])), "persons": int(len(persons["person_id"])),
            "households_bytes": hp.stat().st_size, "persons_bytes": pp.stat().st_size,
            "households_sha256": file_sha256(hp), "persons_sha256": file_sha256(pp),
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
    """The manifest of a population directory, checked for shape and types (not against the files: see
    `open_population`). PopulationFileError naming the manifest and the problem when it is not one gongfu wrote."""
    d = Path(directory)
    f = d / MANIFEST
    if not d.is_dir():
        raise PopulationFileError(f"{d}: no such population directory")
    if not f.is_file():
        raise PopulationFileError(f"{d}: no {MANIFEST} (not a gongfu population directory)")
    try:
        size = f.stat().st_size
        if size > MAX_MANIFEST_BYTES:
            raise PopulationFileError(f"{f}: malformed manifest ({size:,} bytes; gongfu writes far smaller ones)")
        data = json.loads(f.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise PopulationFileError(f"{f}: malformed manifest (not UTF-8 text: byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise PopulationFileError(f"{f}: malformed manifest (not JSON: {exc.msg} at line {exc.lineno} "
                                  f"column {exc.colno})") from None
    except RecursionError:
        raise PopulationFileError(f"{f}: malformed manifest (nested too deeply)") from None
    except OSError as exc:
        raise PopulationFileError(f"{f}: cannot read the manifest ({exc.strerror or exc})") from None
    problem = _manifest_problem(data)
    if problem:
        raise PopulationFileError(f"{f}: {problem}")
    return data


_HEX64 = re.compile(r"[0-9a-f]{64}")
_ENTRY_FIELDS: dict[str, str] = {
    "partition_id": "count", "province": "count", "households": "count", "persons": "count",
    "households_file": "file", "persons_file": "file", "households_bytes": "count", "persons_bytes": "count",
    "households_sha256": "sha256", "persons_sha256": "sha256",
}


def _field_problem(kind: str, value: Any, table: str) -> str | None:
    if kind == "count":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            return f"expected a whole number >= 0, got {value!r:.80}"
    elif kind == "sha256":
        if not isinstance(value, str) or not _HEX64.fullmatch(value):
            return f"expected a sha256 (64 hex digits), got {value!r:.80}"
    elif kind == "file":
        if not isinstance(value, str):
            return f"expected a relative path, got {value!r:.80}"
        parts = Path(value).parts
        if (not parts or parts[0] != table or Path(value).is_absolute() or ".." in parts
                or not value.endswith(".parquet") or any(p.startswith(".") for p in parts)):
            return f"expected a path {table}/<province>/part-<id>.parquet inside the directory, got {value!r:.80}"
    return None


def _manifest_problem(data: Any) -> str | None:
    """What is wrong with a parsed manifest (shape, types, totals, duplicates), or None."""
    if not isinstance(data, dict):
        return f"malformed manifest (a JSON object expected, got {type(data).__name__})"
    version = data.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int):
        return f"malformed manifest (format_version: a whole number expected, got {version!r:.80})"
    if version < MANIFEST_FORMAT:
        return (f"manifest format {version} written by an older gongfu, without the file sizes and checksums "
                "that are now checked; rebuild the population (`gongfu population build`) or import it again "
                "(`gongfu population import`)")
    if version > MANIFEST_FORMAT:
        return f"manifest format {version} written by a newer gongfu (this one reads format {MANIFEST_FORMAT})"
    parts = data.get("partitions")
    if not isinstance(parts, list):
        return f"malformed manifest (partitions: a list expected, got {type(parts).__name__})"
    if not parts:
        return "the manifest lists no partitions"
    seen: dict[Any, int] = {}
    for i, e in enumerate(parts):
        if not isinstance(e, dict):
            return f"malformed manifest (partitions[{i}]: an object expected, got {type(e).__name__})"
        for key, kind in _ENTRY_FIELDS.items():
            if key not in e:
                return f"malformed manifest (partitions[{i}] has no {key})"
            bad = _field_problem(kind, e[key], key.split("_")[0])
            if bad:
                return f"malformed manifest (partitions[{i}].{key}: {bad})"
        for key in ("partition_id", "households_file", "persons_file"):
            k = (key, e[key])
            if k in seen:
                return (f"partitions[{seen[k]}] and partitions[{i}] have the same {key} {e[key]!r} "
                        "(a partition listed twice would be counted twice)")
            seen[k] = i
    for total in ("households", "persons"):
        if total in data:
            got = data[total]
            want = sum(e[total] for e in parts)
            if isinstance(got, bool) or not isinstance(got, int) or got != want:
                return (f"the manifest says {got!r:.40} {total} but its partitions hold {want:,} "
                        "(the manifest was edited or is damaged)")
    return None


def _listed(manifest: dict[str, Any]) -> dict[str, tuple[dict[str, Any], str]]:
    """Relative path -> (manifest entry, table) of every file the manifest lists."""
    return {e[f"{t}_file"]: (e, t) for e in manifest["partitions"] for t in ("households", "persons")}


def _files_on_disk(d: Path) -> list[str]:
    """Relative paths of the visible files under households/ and persons/ (hidden .*.tmp files are ignored)."""
    found = []
    for table in ("households", "persons"):
        root = d / table
        if not root.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(n for n in dirnames if not n.startswith("."))
            found += [Path(dirpath, n).relative_to(d).as_posix() for n in sorted(filenames) if not n.startswith(".")]
    return found


def _first(problems: list[str]) -> str:
    more = f" (and {len(problems) - 1} more problem{'s' * (len(problems) > 2)})" if len(problems) > 1 else ""
    return problems[0] + more


def open_population(directory: str | Path) -> dict[str, Any]:
    """The checked manifest of a population directory: cheap checks done on every read.

    The files under households/ and persons/ must be exactly those the manifest lists (none missing, none extra),
    each with the listed byte size, and its Parquet footer must give the listed row count, partition id and table
    (and the manifest's seed, when it has one). Raises PopulationFileError naming the first problem.
    """
    d = Path(directory)
    manifest = read_manifest(d)
    listed = _listed(manifest)
    problems: list[str] = []
    on_disk = set(_files_on_disk(d))
    extra = sorted(on_disk - set(listed))
    if extra:
        problems.append(f"{d / extra[0]}: not listed in the manifest ({len(extra)} such file(s); "
                        "the directory holds partitions of another build: rebuild it)")
    for rel, (entry, table) in listed.items():
        f = d / rel
        if rel not in on_disk:
            problems.append(f"{f}: missing (listed in the manifest, partition {entry['partition_id']})")
            continue
        size = f.stat().st_size
        if size != entry[f"{table}_bytes"]:
            problems.append(f"{f}: {size:,} bytes, the manifest says {entry[f'{table}_bytes']:,} "
                            "(changed or damaged since it was written)")
            continue
        try:
            md = pq.read_metadata(f)
        except (pa.ArrowException, OSError, ValueError) as exc:
            problems.append(f"{f}: not a readable Parquet file ({type(exc).__name__}: {exc})")
            continue
        kv = {k.decode(errors="replace"): v.decode(errors="replace") for k, v in (md.metadata or {}).items()}
        seed = manifest.get("seed")
        if md.num_rows != entry[table]:
            problems.append(f"{f}: {md.num_rows:,} rows, the manifest says {entry[table]:,}")
        elif kv.get("gongfu.partition_id") != str(entry["partition_id"]) or kv.get("gongfu.table") != table:
            problems.append(f"{f}: holds {kv.get('gongfu.table')} of partition {kv.get('gongfu.partition_id')}, "
                            f"the manifest lists it as {table} of partition {entry['partition_id']}")
        elif seed is not None and kv.get("gongfu.seed") != str(seed):
            problems.append(f"{f}: built with seed {kv.get('gongfu.seed')}, the manifest says seed {seed} "
                            "(a mix of two builds: rebuild it)")
    if problems:
        raise PopulationFileError(_first(problems))
    return manifest


def verify_checksums(directory: str | Path, manifest: dict[str, Any] | None = None) -> int:
    """Hash every file and compare with the manifest (after `open_population`'s checks); the number of files
    verified. PopulationFileError naming the first file whose bytes differ."""
    d = Path(directory)
    manifest = manifest or open_population(d)
    problems = [f"{d / rel}: sha256 differs from the manifest (the file is damaged or was replaced)"
                for rel, (entry, table) in _listed(manifest).items()
                if file_sha256(d / rel) != entry[f"{table}_sha256"]]
    if problems:
        raise PopulationFileError(_first(problems))
    return 2 * len(manifest["partitions"])


def check_rows(path: Path, entry: dict[str, Any], households: dict[str, np.ndarray],
               persons: dict[str, np.ndarray]) -> None:
    """The rows read from a partition are as many as its manifest entry says."""
    nh, np_ = len(households["household_id"]), len(persons["person_id"])
    if (nh, np_) != (entry["households"], entry["persons"]):
        raise PopulationFileError(f"{path}: {nh:,} households and {np_:,} persons read, the manifest says "
                                  f"{entry['households']:,} and {entry['persons']:,}")


def iter_partitions(directory: str | Path) -> Iterator[tuple[dict[str, Any], dict[str, np.ndarray],
                                                             dict[str, np.ndarray]]]:
    """Stream (manifest entry, households, persons) partition by partition (bounded memory), after the checks
    of `open_population`."""
    d = Path(directory)
    for entry in open_population(d)["partitions"]:
        h, p = read_partition(d / entry["households_file"])
        check_rows(d / entry["households_file"], entry, h, p)
        yield entry, h, p


def read_population(directory: str | Path) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The whole population in memory (for samples; use iter_partitions at scale)."""
    hs, ps = [], []
    for _, h, p in iter_partitions(directory):
        hs.append(h)
        ps.append(p)
    return concat(hs), concat(ps)


# ------------------------------------------------------------------------------------ writing a whole directory
_STAGING = re.compile(r"\.(?P<name>.+)\.(?:building|old)-(?P<pid>\d+)-[0-9a-f]+")


def _owned(out: Path) -> str | None:
    """Why `out` may not be replaced (a file, or a non-empty directory holding files gongfu did not write), or
    None when it is absent, empty or a gongfu population (only its manifest, the files it lists and gongfu's
    own hidden temporary files)."""
    if not out.exists() and not out.is_symlink():
        return None
    if not out.is_dir():
        return f"{out}: exists and is not a directory"
    entries = list(out.iterdir())
    if not entries:
        return None
    hint = "; give a new or empty directory, or remove it first"
    try:
        data = json.loads((out / MANIFEST).read_bytes().decode("utf-8"))
        mine = {MANIFEST} | {e[f"{t}_file"] for e in data["partitions"] for t in ("households", "persons")}
    except (OSError, ValueError, TypeError, KeyError, RecursionError):
        return f"{out}: not empty and not a gongfu population (no readable {MANIFEST}){hint}"
    for dirpath, dirnames, filenames in os.walk(out):
        links = [n for n in dirnames if os.path.islink(os.path.join(dirpath, n))]
        for n in links + filenames:
            rel = Path(dirpath, n).relative_to(out).as_posix()
            if rel not in mine and not (n.startswith(".") and n.endswith(".tmp")):
                return f"{out}: holds {rel}, which gongfu did not write{hint}"
    return None


def _remove_stale(parent: Path, name: str) -> None:
    """Remove the hidden staging directories of `name` left by builds that were killed (their process is gone)."""
    for d in parent.glob(f".{glob.escape(name)}.*-*-*"):
        m = _STAGING.fullmatch(d.name)
        if m and m["name"] == name and d.is_dir() and not process_alive(int(m["pid"])):
            shutil.rmtree(d, ignore_errors=True)


def replace_directory(tmp: Path, out: Path) -> None:
    """Put the finished directory `tmp` in the place of `out`: in one atomic swap where the system can exchange two
    directories, else by two renames; the old `out`, if any, is removed only afterwards."""
    if out.exists():
        if _exchange(tmp, out):  # tmp now holds the old directory
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            old = out.parent / f".{out.name}.old-{os.getpid()}-{secrets.token_hex(4)}"
            os.rename(out, old)
            os.rename(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(tmp, out)
    if FSYNC:
        fd = os.open(out.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two directories in one atomic step (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    errno = ctypes.get_errno()
    if errno in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: the file system or kernel cannot; rename twice
        return False
    raise OSError(errno, os.strerror(errno), str(b))


def write_error(out: Path, exc: OSError) -> PopulationFileError:
    """An OSError while writing a population as a one-line PopulationFileError naming the path."""
    where = f" at {exc.filename}" if exc.filename and str(exc.filename) != str(out) else ""
    return PopulationFileError(f"{out}: cannot write the population ({exc.strerror or exc}{where})")


def check_target(out: str | Path) -> None:
    """Refuse early (PopulationFileError) an --out that `staging` would refuse: a file, or a non-empty directory
    holding files gongfu did not write."""
    out = Path(os.path.realpath(out))
    try:
        why = _owned(out)
    except OSError as exc:
        raise write_error(out, exc) from None
    if why:
        raise PopulationFileError(why)


@contextlib.contextmanager
def staging(out: str | Path) -> Iterator[Path]:
    """A new hidden directory next to `out` to write a whole population into; on success it replaces `out` by a
    rename (the old population, if any, is removed only after), on any error or interrupt it is removed.

    Refuses (PopulationFileError) when `out` is a file or a non-empty directory that is not a gongfu population,
    so that gongfu never deletes files it did not write. OSErrors become PopulationFileErrors naming the path.
    """
    out = Path(os.path.realpath(out))  # a symlink to a population: replace the population, not the link
    if out.parent == out:
        raise PopulationFileError(f"{out}: cannot write a population over the root directory")
    parent = out.parent
    try:
        why = _owned(out)
        if why:
            raise PopulationFileError(why)
        parent.mkdir(parents=True, exist_ok=True)
        _remove_stale(parent, out.name)
        tmp = parent / f".{out.name}.building-{os.getpid()}-{secrets.token_hex(4)}"
        tmp.mkdir()  # mode from the umask, unlike mkdtemp's 0o700
    except OSError as exc:
        raise write_error(out, exc) from None
    try:
        yield tmp
        why = _owned(out) if out.exists() else None  # again: the directory may have changed while we built
        if why:
            raise PopulationFileError(why)
        replace_directory(tmp, out)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise write_error(out, exc) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def concat(tables: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {k: np.concatenate([t[k] for t in tables]) for k in tables[0]}


__all__ = ["PopulationFileError", "read_partition", "read_table", "read_manifest", "open_population",
           "verify_checksums", "iter_partitions", "read_population", "write_partition", "write_table_atomic",
           "staging", "HOUSEHOLD_COLUMNS", "PERSON_COLUMNS"]
