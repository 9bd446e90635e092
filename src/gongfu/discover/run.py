"""The discover run: stream a registry in bounded memory, partitioned by household, evaluated by workers.

1. The registry is read in chunks (`registry.iter_registry`); each row goes to one of `partitions` spill files
   chosen by a hash of its household id, so that a household's rows are all in one partition whatever the order
   of the file (the national run partitions by household in the same spirit).
2. Each partition is evaluated on its own (`evaluate_partition`, in a worker of `gongfu.processes.process_pool`):
   rows converted and checked (rejected rows with their reason), entitlements computed by the engine, statuses
   and reasons; it writes its rows to its own part files and returns a mergeable `Summary`.
3. The parts are concatenated in partition order, so the lists are the same for 1 or N workers.

Everything is written into a hidden directory next to DIR, renamed to DIR at the end (no half-written DIR).
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from gongfu.discover import registry as R
from gongfu.discover.households import to_block
from gongfu.discover.statuses import evaluate
from gongfu.discover.summary import Summary, province_key
from gongfu.population.io import replace_directory

COLUMNS = ("household_id", "programme", "status", "entitlement", "received", "difference", "reason", "assumed")
MARKER = "discover.json"
KEY_ENV = "GONGFU_DISCOVER_KEY"


@dataclass(frozen=True)
class Options:
    """What a discover run needs (picklable: workers receive it)."""

    registry: str
    mapping: R.Mapping
    year: int = 2025
    reform: str | None = None  # reform file or scenario name (resolved in each worker)
    lang: str = "en"
    partitions: int | None = None  # None: `auto_partitions` (about ROWS_PER_PARTITION rows each)
    chunk_rows: int = 100_000
    pseudonym_key: bytes | None = None
    min_count: int = 10


ROWS_PER_PARTITION = 100_000  # a partition of text rows costs a worker about 2-3 kB per row while evaluated


def auto_partitions(path: str | Path) -> int:
    """Partitions for a registry: its rows (Parquet metadata; else estimated from the file size at 100 bytes a
    row) / ROWS_PER_PARTITION, at least 1. A function of the file only, so that any number of workers gives the
    same lists."""
    path = Path(path)
    if path.suffix.lower() in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        rows = pq.ParquetFile(path).metadata.num_rows
    else:
        rows = path.stat().st_size // 100
    return max(1, -(-int(rows) // ROWS_PER_PARTITION))


def pseudonym(key: bytes, household_id: str) -> str:
    """Keyed hash of a registry id (HMAC-SHA256, first 16 hex digits): the same id and key give the same
    pseudonym, and without the key it cannot be recomputed from the id."""
    return hmac.new(key, household_id.encode("utf-8"), hashlib.sha256).hexdigest()[:16]


def bucket_of(ids: Any, partitions: int) -> np.ndarray:
    """Partition of each household id (text, stripped): pandas' fixed-key hash of the id modulo `partitions`,
    the same on every run and machine."""
    text = R.pd.Series(ids, dtype=object).astype(str).str.strip()
    h = R.pd.util.hash_pandas_object(text, index=False).to_numpy()
    return (h % np.uint64(partitions)).astype(np.int64)


# ------------------------------------------------------------------------------------------- writing --


def check_out(out: Path) -> None:
    """Refuse an --out that is a file or a non-empty directory not written by discover."""
    if out.exists() and not out.is_dir():
        raise R.RegistryError(f"--out {out}: exists and is not a directory")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise R.RegistryError(f"--out {out}: not empty and not a discover output ({MARKER} missing); give a new "
                              "or empty directory")


@contextmanager
def staging(out: Path) -> Iterator[Path]:
    """A hidden directory next to `out`, renamed to `out` on success (replacing an earlier discover output),
    removed on any error or interrupt."""
    out = Path(os.path.realpath(out))
    check_out(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.discover-{os.getpid()}-{secrets.token_hex(4)}"
    tmp.mkdir()
    try:
        yield tmp
        check_out(out)  # again: the directory may have changed during the run
        replace_directory(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _spill(opts: Options, work: Path, warn: Callable[[str], None]) -> tuple[list[Path], int]:
    """Split the registry into partition files of whole households (Parquet, text columns)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    writers: dict[int, Any] = {}
    n_parts = opts.partitions or auto_partitions(opts.registry)
    paths = [work / f"spill-{k:04d}.parquet" for k in range(n_parts)]
    rows = 0
    schema = None
    try:
        for chunk in R.iter_registry(Path(opts.registry), opts.mapping, opts.chunk_rows, warn):
            rows += len(chunk)
            b = bucket_of(chunk[opts.mapping.household_id].to_numpy(dtype=object), n_parts)
            if schema is None:
                schema = pa.schema([("_row", pa.int64())] + [(c, pa.string()) for c in chunk.columns if c != "_row"])
            for k in np.unique(b):
                part = chunk[b == k]
                table = pa.Table.from_pandas(part, schema=schema, preserve_index=False)
                if k not in writers:
                    writers[k] = pq.ParquetWriter(paths[k], schema)
                writers[k].write_table(table)
    finally:
        for w in writers.values():
            w.close()
    if schema is not None:
        for k, p in enumerate(paths):
            if k not in writers:
                pq.write_table(schema.empty_table(), p)
    return paths, rows


def evaluate_partition(k: int, path: str, opts: Options, work: str) -> Summary:
    """Evaluate one partition file; write its rows (CSV and Parquet parts) and rejected rows; its Summary."""
    import pyarrow.parquet as pq

    from gongfu.engine.memory import tune_allocator

    tune_allocator()
    system = _system(opts.reform)
    df = pq.read_table(path).to_pandas()
    df = df.sort_values("_row", kind="stable").reset_index(drop=True)
    block = to_block(df, opts.mapping, allow_id_like_household=opts.pseudonym_key is not None)
    ev = evaluate(system, block, opts.year, opts.lang, show_person_ids=opts.pseudonym_key is None)
    rows = ev.rows
    if opts.pseudonym_key is not None and len(rows["household_id"]):
        rows["household_id"] = np.array([pseudonym(opts.pseudonym_key, str(h)) for h in rows["household_id"]],
                                        dtype=object)
    summary = Summary(programmes=[p for p in R.PROGRAMMES if p in block.received])
    summary.households = ev.households
    summary.persons = ev.persons
    summary.rows_read = len(df)
    summary.rejected_rows = len(set(block.rejected.row))
    areas: dict[str, np.ndarray] = {}
    hh_areas: dict[str, np.ndarray] = {}
    if ev.households:
        hh_areas["province"] = np.array([province_key(c) for c in block.households["province"]], dtype=object)
    for g in ("county", "township"):
        if g in block.geography:
            hh_areas[g] = block.geography[g]
    for g, keys in hh_areas.items():
        areas[g] = keys[ev.household]
        u, c = np.unique(keys.astype(str), return_counts=True)
        for key, n in zip(u, c, strict=True):
            summary.area_households[(g, str(key))] = int(n)
    summary.add_rows(rows, areas)
    _write_part(Path(work), k, rows, block.rejected)
    return summary


_SYSTEMS: dict[str | None, Any] = {}


def _system(reform: str | None) -> Any:
    """The law in force, or with the reform (resolved once per process)."""
    if reform not in _SYSTEMS:
        from gongfu.workflow import reformed_system, resolve

        _SYSTEMS[reform] = reformed_system(resolve(reform, "--reform", files=True) if reform else None)
    return _SYSTEMS[reform]


def _write_part(work: Path, k: int, rows: dict[str, np.ndarray], rejected: Any) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(_arrow(rows), work / f"part-{k:04d}.parquet")
    with open(work / f"rejected-{k:04d}.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        for r in sorted(zip(rejected.row, rejected.column, rejected.problem, strict=True)):
            w.writerow(r)
    del pa


def _arrow(rows: dict[str, np.ndarray]) -> Any:
    import pyarrow as pa

    return pa.table({c: pa.array(list(rows[c]), type=pa.string()) if c not in ("entitlement", "received",
                                                                              "difference")
                     else pa.array(np.asarray(rows[c], dtype=np.float64)) for c in COLUMNS})


def _assemble(work: Path, out: Path, partitions: int) -> None:
    """households.csv/.parquet and rejected.csv from the parts, in partition order (streamed)."""
    import pyarrow.parquet as pq

    schema = _arrow({c: np.zeros(0, dtype=object) for c in COLUMNS}).schema
    with pq.ParquetWriter(out / "households.parquet", schema) as pw, \
            open(out / "households.csv", "w", newline="", encoding="utf-8") as fc:
        w = csv.writer(fc)
        w.writerow(COLUMNS)
        for k in range(partitions):
            p = work / f"part-{k:04d}.parquet"
            if not p.exists():
                continue
            t = pq.read_table(p)
            pw.write_table(t.cast(schema))
            cols = [t.column(c).to_pylist() for c in COLUMNS]
            for row in zip(*cols, strict=True):
                w.writerow([f"{v:.2f}" if isinstance(v, float) else v for v in row])
    rejected: list[tuple[int, str, str]] = []
    for k in range(partitions):
        p = work / f"rejected-{k:04d}.csv"
        if p.exists():
            with open(p, newline="", encoding="utf-8") as f:
                rejected += [(int(r[0]), r[1], r[2]) for r in csv.reader(f)]
    rejected.sort()
    with open(out / "rejected.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(("row", "column", "problem"))
        w.writerows(rejected)


def discover(opts: Options, out: str | Path, workers: int = 1, warn: Callable[[str], None] = lambda s: None
             ) -> dict[str, Any]:
    """Run discover on a registry, write DIR atomically, and return the summary dict (what `--json` prints)."""
    from gongfu.discover import report

    out = Path(out)
    check_out(Path(os.path.realpath(out)))
    warnings: list[str] = []

    def _warn(msg: str) -> None:
        warnings.append(msg)
        warn(msg)

    with staging(out) as tmp:
        work = tmp / ".work"
        work.mkdir()
        paths, n_rows = _spill(opts, work, _warn)
        total = Summary()
        if workers <= 1 or len(paths) <= 1:
            results: Iterator[Summary] = (evaluate_partition(k, str(p), opts, str(work)) for k, p in enumerate(paths))
        else:
            results = _pooled(paths, opts, work, workers)
        for s in results:
            total.merge(s)
            for p in s.programmes:
                if p not in total.programmes:
                    total.programmes.append(p)
        total.programmes = [p for p in R.PROGRAMMES if p in total.programmes]
        _assemble(work, tmp, len(paths))
        shutil.rmtree(work)
        result = summary_dict(total, opts, warnings)
        (tmp / "summary.html").write_text(report.html(result, opts.lang), encoding="utf-8")
        (tmp / MARKER).write_text(json.dumps(result, ensure_ascii=False) + "\n", encoding="utf-8")
    return result


def _pooled(paths: list[Path], opts: Options, work: Path, workers: int) -> Iterator[Summary]:
    from gongfu.processes import process_pool

    with process_pool(workers) as pool:
        futures = [pool.submit(evaluate_partition, k, str(p), opts, str(work)) for k, p in enumerate(paths)]
        for f in futures:  # in partition order: the merge (and its float sums) is the same for any worker count
            yield f.result()


def summary_dict(total: Summary, opts: Options, warnings: list[str]) -> dict[str, Any]:
    """The summary printed by --json and shown by summary.html."""
    from gongfu.engine import load_system

    body = total.to_json(opts.min_count)
    params = load_system().parameters.at(__import__("datetime").date(opts.year, 1, 1))
    return {"registry": Path(opts.registry).name, "year": opts.year,
            "system": opts.reform or "baseline",
            "households": body["households"], "persons": body["persons"], "rows_read": body["rows_read"],
            "rejected_rows": body["rejected_rows"], "programmes": body["programmes"],
            "by_area": body["by_area"], "unmet_list": total.unmet_list(),
            "near_threshold_margin": float(params.get("assistance.dibao.low_income_margin")),
            "pseudonymised": opts.pseudonym_key is not None, "warnings": warnings,
            "suppressed": body["suppressed"],
            "files": ["households.csv", "households.parquet", "rejected.csv", "summary.html"]}
