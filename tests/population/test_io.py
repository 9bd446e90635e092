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
