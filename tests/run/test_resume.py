"""Checkpoints: a run interrupted at any point and started again gives the identical result; damaged checkpoint
files are ignored, never read; a checkpoint directory of another run is an error."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from gongfu.run import ArraySource, CheckpointMismatch, GeneratedSource, compare, simulate
from gongfu.run.api import InjectedFailure
from gongfu.run.checkpoint import frame
from gongfu.run.reducer import RunConfig, reduce_partition

from .conftest import REFORM, canonical

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def six(population):
    return ArraySource.split(*population, 6)


@pytest.fixture(scope="module")
def uninterrupted(six):
    return compare(reform=REFORM, population=six, workers=1)


def test_injected_failure_then_resume_is_identical(six, uninterrupted, tmp_path):
    with pytest.raises(InjectedFailure):
        compare(reform=REFORM, population=six, workers=1, checkpoint_dir=tmp_path, fail_after=2,
                checkpoint_every=1e9)
    assert len(list((tmp_path / "parts").glob("part-*.ckpt"))) == 2
    resumed = compare(reform=REFORM, population=six, workers=1, checkpoint_dir=tmp_path)
    assert resumed["meta"]["run"]["resumed_partitions"] == 2
    assert resumed["meta"]["run"]["computed_partitions"] == 4
    assert canonical(resumed) == canonical(uninterrupted)
    # a third start recomputes nothing
    again = compare(reform=REFORM, population=six, workers=2, checkpoint_dir=tmp_path)
    assert again["meta"]["run"]["computed_partitions"] == 0
    assert canonical(again) == canonical(uninterrupted)


def test_truncated_checkpoint_is_ignored_not_read(six, uninterrupted, tmp_path):
    with pytest.raises(InjectedFailure):
        compare(reform=REFORM, population=six, workers=1, checkpoint_dir=tmp_path, fail_after=3,
                checkpoint_every=1e9)
    files = sorted((tmp_path / "parts").glob("part-*.ckpt"))
    assert len(files) == 3
    data = files[1].read_bytes()
    files[1].write_bytes(data[: len(data) // 2])  # a torn write (as if the disk lost the end of the file)
    with pytest.warns(RuntimeWarning, match="incomplete or damaged"):
        resumed = compare(reform=REFORM, population=six, workers=1, checkpoint_dir=tmp_path)
    assert resumed["meta"]["run"]["resumed_partitions"] == 2
    assert resumed["meta"]["run"]["ignored_checkpoints"] == [str(files[1])]
    assert canonical(resumed) == canonical(uninterrupted)


def test_folded_partitions_are_never_counted_twice(six, tmp_path):
    base = simulate(six, workers=1)
    with pytest.raises(InjectedFailure):
        simulate(six, workers=1, checkpoint_dir=tmp_path, fail_after=3, checkpoint_every=0.0)
    # a kill between replacing merged.ckpt and deleting the part files it absorbed leaves such a file behind
    ref = six.refs()[0]
    part = reduce_partition(*six.load(ref), RunConfig(lines=_lines()), ref.partition_id, ref.label)
    (tmp_path / "parts" / f"part-{ref.partition_id:06d}.ckpt").write_bytes(frame(part.to_bytes()))
    resumed = simulate(six, workers=1, checkpoint_dir=tmp_path)
    assert resumed["population"] == base["population"]
    assert canonical(resumed) == canonical(base)


def _lines():
    from gongfu.run.lines import absolute_lines

    return absolute_lines(2025)


def test_checkpoint_dir_of_another_run_is_an_error(six, tmp_path):
    with pytest.raises(InjectedFailure):
        simulate(six, workers=1, checkpoint_dir=tmp_path, fail_after=1)
    with pytest.raises(CheckpointMismatch, match="year"):
        simulate(six, year=2024, workers=1, checkpoint_dir=tmp_path)
    with pytest.raises(CheckpointMismatch, match="reform"):
        compare(reform=REFORM, population=six, workers=1, checkpoint_dir=tmp_path)


SCRIPT = textwrap.dedent("""
    import sys
    from gongfu.run import GeneratedSource, simulate
    simulate(GeneratedSource(4000, seed=5, max_households=4000), workers=1, checkpoint_dir=sys.argv[1],
             checkpoint_every=0.5)
""")


def test_sigkill_mid_run_then_resume_is_identical(tmp_path):
    source = GeneratedSource(4000, seed=5, max_households=4000)  # the plan's 31 partitions, one task each
    total = len(source.refs())
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, str(tmp_path)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if len(list((tmp_path / "parts").glob("part-*.ckpt"))) >= 3 or proc.poll() is not None:
                break
            time.sleep(0.01)
        assert proc.poll() is None, f"the run ended before it could be killed: {proc.stderr.read()!r}"
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    resumed = simulate(source, workers=1, checkpoint_dir=tmp_path)
    assert 0 < resumed["meta"]["run"]["resumed_partitions"] < total
    fresh = simulate(source, workers=1)
    assert canonical(resumed) == canonical(fresh)


def test_progress_is_reported_through_the_callback_and_nothing_is_printed(six, tmp_path, capfd):
    """A library run prints nothing; `on_progress(done, total)` counts partitions, resumed ones included."""
    calls: list[tuple[int, int]] = []
    with pytest.raises(InjectedFailure):
        simulate(six, workers=1, checkpoint_dir=tmp_path, fail_after=2, on_progress=lambda d, t: calls.append((d, t)))
    assert calls == [(0, 6), (1, 6), (2, 6)]
    calls.clear()
    simulate(six, workers=1, checkpoint_dir=tmp_path, on_progress=lambda d, t: calls.append((d, t)))
    assert calls == [(2, 6), (3, 6), (4, 6), (5, 6), (6, 6)]
    simulate(six, workers=1)
    out, err = capfd.readouterr()
    assert out == "" and err == ""
    with pytest.raises(TypeError):
        simulate(six, workers=1, progress=False)  # the runner draws nothing itself: the option is gone


def test_batches_of_a_local_pool_checkpoint_and_resume_identically(population, tmp_path):
    """On a process pool, consecutive partitions run in batches merged in the worker (`backends.batches`): a
    batch's checkpoint holds all its partitions, a resume skips them, and the result is the uninterrupted one."""
    from gongfu.run import backends

    twelve = ArraySource.split(*population, 12)
    plan = backends.batches(twelve.refs(), 2)
    assert max(len(b) for b in plan) > 1, "the test needs a batch of several partitions"
    whole = compare(reform=REFORM, population=twelve, workers=1)
    with pytest.raises(InjectedFailure):
        compare(reform=REFORM, population=twelve, workers=2, checkpoint_dir=tmp_path, fail_after=1,
                checkpoint_every=1e9)
    files = sorted((tmp_path / "parts").glob("part-*.ckpt"))
    assert files, "the first batch was recorded"
    resumed = compare(reform=REFORM, population=twelve, workers=2, checkpoint_dir=tmp_path)
    done = resumed["meta"]["run"]["resumed_partitions"]
    assert done >= 1 and done + resumed["meta"]["run"]["computed_partitions"] == 12
    assert canonical(resumed) == canonical(whole)
