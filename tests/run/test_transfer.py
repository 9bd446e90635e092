"""Partition states travel from pool workers to the parent through files in shared memory (run/transfer.py):
the same state comes back, the file is gone afterwards, and nothing is left behind by a run that stops."""

from __future__ import annotations

import os

import pytest

from gongfu.run import transfer
from gongfu.run.aggregate import AggregateError, RunAggregate
from gongfu.run.reducer import RunConfig, reduce_partition


@pytest.fixture(scope="module")
def state(population) -> RunAggregate:
    from gongfu.run.api import resolve_reform

    info = resolve_reform("dibao_plus_20pct")
    return reduce_partition(*population, RunConfig(reform=info.reform, reform_digest=info.sha256), 3)


def _files(directory):
    return sorted(p.name for p in directory.iterdir())


def test_a_shipped_state_comes_back_equal_and_its_file_is_removed(state, tmp_path):
    handle = transfer.ship(state, "tok", directory=tmp_path)
    assert isinstance(handle, transfer.Shipped)
    assert _files(tmp_path) == [os.path.basename(handle.path)]
    assert handle.path.startswith(str(tmp_path / f"{transfer.PREFIX}{os.getppid()}-tok-"))
    back = transfer.receive(handle)
    assert back == state and back.digest() == state.digest()
    assert _files(tmp_path) == []
    assert transfer.receive(back) is back  # anything else passes through


def test_empty_tables_travel_too(state, tmp_path):
    """A table with no rows (e.g. a sparse table of a partition where nothing is paid) has no bytes to write."""
    import copy

    import numpy as np

    other = copy.deepcopy(state)
    other.dense["empty"] = np.zeros((0, 4), dtype=np.int64)
    back = transfer.receive(transfer.ship(other, "tok", directory=tmp_path))
    assert back == other and back.dense["empty"].shape == (0, 4)


def test_without_shared_memory_the_state_travels_as_it_is(state, tmp_path):
    assert transfer.ship(state, "tok", directory=tmp_path / "missing") is state
    assert transfer.ship("not a state", "tok", directory=tmp_path) == "not a state"


def test_a_full_shared_memory_falls_back_to_the_pipe_and_leaves_nothing(state, tmp_path, monkeypatch):
    real = os.fdopen

    def full(fd, *args, **kwargs):
        f = real(fd, *args, **kwargs)
        f.write = lambda data: (_ for _ in ()).throw(OSError(28, "No space left on device"))
        return f

    monkeypatch.setattr(os, "fdopen", full)
    assert transfer.ship(state, "tok", directory=tmp_path) is state
    assert _files(tmp_path) == []


def test_a_state_file_is_readable_by_its_user_only(state, tmp_path):
    handle = transfer.ship(state, "tok", directory=tmp_path)
    assert os.stat(handle.path).st_mode & 0o777 == 0o600
    transfer.receive(handle)


def test_a_truncated_or_missing_file_is_an_error_naming_it(state, tmp_path):
    handle = transfer.ship(state, "tok", directory=tmp_path)
    with open(handle.path, "r+b") as f:
        f.truncate(100)
    with pytest.raises(AggregateError, match="holds 100 bytes"):
        transfer.receive(handle)
    with pytest.raises(AggregateError, match="could not be read back"):
        transfer.receive(handle)  # gone now


def test_a_run_removes_its_left_overs_and_those_of_dead_processes(tmp_path):
    mine = tmp_path / f"{transfer.PREFIX}{os.getpid()}-tok-a"
    other_run = tmp_path / f"{transfer.PREFIX}{os.getpid()}-other-a"
    dead = tmp_path / f"{transfer.PREFIX}999999999-tok-a"
    alive = tmp_path / f"{transfer.PREFIX}{os.getppid()}-tok-a"
    for p in (mine, other_run, dead, alive):
        p.write_bytes(b"x")
    transfer.cleanup("tok", directory=tmp_path)
    assert not mine.exists() and other_run.exists()
    transfer.cleanup_orphans(directory=tmp_path)
    assert not dead.exists() and alive.exists() and other_run.exists()


def test_a_run_on_two_workers_leaves_no_file_in_shared_memory(source):
    from gongfu.run import simulate

    if not transfer.usable():
        pytest.skip("no /dev/shm here")
    before = {p for p in os.listdir(transfer.SHM_DIR) if p.startswith(f"{transfer.PREFIX}{os.getpid()}-")}
    simulate(source, workers=2)
    after = {p for p in os.listdir(transfer.SHM_DIR) if p.startswith(f"{transfer.PREFIX}{os.getpid()}-")}
    assert after == before == set()
