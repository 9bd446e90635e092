"""Workers end with their parent (issue 9, section 6): after SIGKILL, SIGTERM or SIGINT of a `--workers 2` run
(or build), no worker process is left computing.

Each case starts a run in a subprocess (mostly one whose partitions take long, as at full scale), waits until its two workers exist, signals the parent and polls (bounded)
until the workers are gone. A zombie (ended, not yet reaped by init) counts as gone.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import pytest

import gongfu

SRC = str(Path(gongfu.__file__).resolve().parents[1])  # the subprocesses run the gongfu under test
# A run whose partitions take long (a 1:1 run's take minutes): loading one sleeps 10 minutes. A worker that
# outlives its parent keeps sleeping; one that ends with it is gone at once.
SIMULATE = """
import time
from gongfu.run import GeneratedSource, simulate

class Slow(GeneratedSource):
    def load(self, ref):
        time.sleep(600)

simulate(population=Slow(2_000, seed=1, max_households=2_000), workers=2)  # 31 tasks
"""
BUILD = """
import sys, time
import gongfu.population.build
b = sys.modules["gongfu.population.build"]
b.build_partition = lambda spec, out: time.sleep(600)
b.build(2_000, 1, sys.argv[1], workers=2)
"""
CLI = "from gongfu.cli import app; app(prog_name='gongfu')"
GONE_WITHIN = 20.0  # seconds: generous for a loaded 2-core machine; a kept worker computes far longer


def _start(args: list[str], env: dict[str, str] | None = None) -> tuple[subprocess.Popen, list[psutil.Process]]:
    # SIGINT back to its default in the child: a suite started in the background of a shell without job control
    # inherits SIGINT ignored, and Python then never turns Ctrl-C into KeyboardInterrupt
    proc = subprocess.Popen(args, env={**os.environ, "PYTHONPATH": SRC, **(env or {})}, cwd=tempfile.gettempdir(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    parent = psutil.Process(proc.pid)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the run ended before its workers started: {proc.stderr.read().decode()[-2000:]}")
        workers = [c for c in parent.children(recursive=True) if _alive(c)]
        if len(workers) >= 2:
            time.sleep(0.5)  # let them start on a partition
            return proc, parent.children(recursive=True)
        time.sleep(0.05)
    proc.kill()
    pytest.fail("no workers after 120 s")


def _alive(p: psutil.Process) -> bool:
    try:
        return p.is_running() and p.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _assert_gone(workers: list[psutil.Process]) -> None:
    deadline = time.monotonic() + GONE_WITHIN
    while time.monotonic() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.1)
    left = [w.pid for w in workers if _alive(w)]
    for pid in left:  # do not leave them to the rest of the suite
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    assert not left, f"workers {left} still running {GONE_WITHIN:.0f} s after their parent was signalled"


def _finish(proc: subprocess.Popen) -> int:
    try:
        return proc.wait(90)  # generous: a loaded machine slows the exit, a hang still fails
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize("env", [{}, {"GONGFU_PDEATHSIG": "0"}], ids=["prctl", "watchdog"])
def test_sigkill_of_the_parent_ends_the_workers(env):
    proc, workers = _start([sys.executable, "-c", SIMULATE], env)
    proc.send_signal(signal.SIGKILL)
    _finish(proc)
    _assert_gone(workers)


def test_sigterm_of_the_cli_ends_the_workers_and_the_run():
    proc, workers = _start([sys.executable, "-c", CLI, "simulate", "--households", "200000", "--workers", "2",
                            "--json"])
    proc.send_signal(signal.SIGTERM)
    code = _finish(proc)
    _assert_gone(workers)
    assert code == 128 + signal.SIGTERM  # the CLI handled SIGTERM (and killed its pool), not died of it
    assert b"Traceback" not in proc.stderr.read()


def test_sigterm_of_the_parent_ends_the_workers():
    proc, workers = _start([sys.executable, "-c", SIMULATE])
    proc.send_signal(signal.SIGTERM)
    _finish(proc)
    _assert_gone(workers)


def test_sigint_of_the_parent_alone_ends_the_workers():
    """Ctrl-C reaches the whole process group; a SIGINT to the parent alone must also end its workers."""
    proc, workers = _start([sys.executable, "-c", SIMULATE])
    proc.send_signal(signal.SIGINT)
    _finish(proc)
    _assert_gone(workers)


def test_sigkill_of_a_parallel_build_ends_its_workers(tmp_path):
    proc, workers = _start([sys.executable, "-c", BUILD, str(tmp_path / "pop")])
    proc.send_signal(signal.SIGKILL)
    _finish(proc)
    _assert_gone(workers)
    assert not (tmp_path / "pop").exists()  # the killed build never appears under its name
