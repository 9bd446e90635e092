"""Parquet I/O: corrupt or foreign files give clear errors; atomic writes leave nothing half-written."""

from __future__ import annotations

import numpy as np
import pytest

from gongfu.population.build import build
from gongfu.population.io import PopulationFileError, read_manifest, read_partition, write_table_atomic


@pytest.fixture()
def built(tmp_path):
    build(1_000, 1, tmp_path / "pop")
    return tmp_path / "pop"


def test_corrupt_parquet_is_reported_with_its_path(built):
    entry = read_manifest(built)["partitions"][3]
    f = built / entry["persons_file"]
    data = f.read_bytes()
    f.write_bytes(data[: len(data) // 2])
    with pytest.raises(PopulationFileError, match="not a readable Parquet file") as exc:
        read_partition(built / entry["households_file"])
    assert str(f) in str(exc.value)


def test_not_parquet_at_all(tmp_path):
    f = tmp_path / "households" / "x" / "part-00000.parquet"
    f.parent.mkdir(parents=True)
    f.write_text("hello")
    with pytest.raises(PopulationFileError, match="not a readable Parquet"):
        read_partition(f)


def test_missing_manifest(tmp_path):
    with pytest.raises(PopulationFileError, match="manifest"):
        read_manifest(tmp_path)


def test_atomic_write_failure_leaves_no_file(tmp_path):
    target = tmp_path / "t.parquet"
    with pytest.raises(Exception):  # noqa: B017 - an object column pyarrow cannot convert
        write_table_atomic(target, {"weight": np.array([object(), object()])}, {})
    assert not target.exists() and not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob(".*.tmp"))


def test_manifest_records_size_rows_and_sha256_of_every_file(built):
    import hashlib

    import pyarrow.parquet as pq

    m = read_manifest(built)
    assert m["format_version"] == 2
    assert m["households"] == sum(e["households"] for e in m["partitions"]) == 1_000
    for e in m["partitions"]:
        for t in ("households", "persons"):
            f = built / e[f"{t}_file"]
            assert e[f"{t}_bytes"] == f.stat().st_size
            assert e[f"{t}_sha256"] == hashlib.sha256(f.read_bytes()).hexdigest()
            assert e[t] == pq.read_metadata(f).num_rows


def test_imported_population_passes_every_check(tmp_path):
    from pathlib import Path

    from gongfu.population.importer import import_microdata
    from gongfu.population.io import open_population, verify_checksums

    ex = Path(__file__).resolve().parents[2] / "docs" / "population-example"
    import_microdata(ex / "microdata.csv", ex / "mapping.yaml", tmp_path / "pop")
    assert verify_checksums(tmp_path / "pop", open_population(tmp_path / "pop")) == 6


def test_a_symlink_inside_a_population_is_not_deleted_by_a_rebuild(built, tmp_path):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "keep.txt").write_text("x")
    (built / "households" / "link").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(PopulationFileError, match="households/link, which gongfu did not write"):
        build(300, 2, built)
    assert (built / "households" / "link").is_symlink()


def test_out_given_as_a_symlink_replaces_the_population_it_points_to(built, tmp_path):
    link = tmp_path / "link"
    link.symlink_to(built)
    build(300, 2, link)
    assert link.is_symlink() and read_manifest(built)["seed"] == 2


def test_generated_fingerprint_covers_the_generator_not_the_io_code():
    from gongfu.run.sources import GENERATOR_FILES, PACKAGE, _hash_files

    names = {p.name for pat in GENERATOR_FILES for p in (PACKAGE / "population").glob(pat)}
    assert {"synth.py", "partition.py", "tables.py", "fitted.yaml", "targets.yaml"} <= names
    assert not names & {"io.py", "build.py", "cli.py", "importer.py", "check.py"}
    assert len(_hash_files(PACKAGE / "population", GENERATOR_FILES)) == 64
