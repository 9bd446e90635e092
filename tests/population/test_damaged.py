"""Damaged populations are an error, never a plausible answer (issue 9, section 4).

Each case damages a copy of one small built population the way a disk, a copy, an editor or an interrupted
rebuild can, and checks that reading it (the runner's ParquetSource, read_population, the CLI) stops with one
PopulationFileError naming the file and the problem -- cheaply on every read (file set, sizes, rows, footers)
or by checksum in `gongfu population check`. A rebuild replaces a population whole or not at all, and never
deletes files gongfu did not write.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import gongfu
from gongfu.cli import app
from gongfu.population.build import build
from gongfu.population.io import PopulationFileError, read_population
from gongfu.run import ParquetSource

runner = CliRunner()
SRC = str(Path(gongfu.__file__).resolve().parents[1])  # the subprocesses run the gongfu under test


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    d = tmp_path_factory.mktemp("damaged") / "pop"
    build(700, 3, d)
    return d


@pytest.fixture()
def pop(pristine, tmp_path):
    d = tmp_path / "pop"
    shutil.copytree(pristine, d)
    return d


def _manifest(d: Path) -> dict:
    return json.loads((d / "manifest.json").read_text())


def _write_manifest(d: Path, m: dict, fix_totals: bool = False) -> None:
    if fix_totals:
        m["households"] = sum(e["households"] for e in m["partitions"])
        m["persons"] = sum(e["persons"] for e in m["partitions"])
    (d / "manifest.json").write_text(json.dumps(m))


def _refused(d: Path, match: str) -> str:
    """Opening `d` as the runner does fails with `match`; so does reading it whole. The message."""
    with pytest.raises(PopulationFileError, match=match) as exc:
        ParquetSource(d)
    with pytest.raises(PopulationFileError, match=match):
        read_population(d)
    msg = str(exc.value)
    assert "\n" not in msg
    return msg


def _one_line_cli_error(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)
    return result.output


# --------------------------------------------------------------------------------- the manifest and the files
def test_pristine_population_reads_and_verifies(pop):
    h, p = read_population(pop)
    m = _manifest(pop)
    assert len(h["household_id"]) == m["households"] == 700 and len(p["person_id"]) == m["persons"]
    result = runner.invoke(app, ["population", "check", "--population", str(pop), "--files-only"])
    assert result.exit_code == 0, result.output


def test_partition_missing_from_the_manifest(pop):
    """The issue's 1.34 bn persons with exit 0: a manifest entry gone (totals left as they were)."""
    m = _manifest(pop)
    del m["partitions"][5]
    _write_manifest(pop, m)
    _refused(pop, "partitions hold")


def test_partition_missing_from_the_manifest_with_consistent_totals(pop):
    m = _manifest(pop)
    gone = m["partitions"].pop(5)
    _write_manifest(pop, m, fix_totals=True)
    msg = _refused(pop, "not listed in the manifest")
    assert gone["households_file"] in msg or gone["persons_file"] in msg


def test_duplicated_manifest_entry(pop):
    """The issue's 1.47 bn: one partition listed twice would be counted twice."""
    m = _manifest(pop)
    m["partitions"].append(dict(m["partitions"][7]))
    _write_manifest(pop, m, fix_totals=True)
    _refused(pop, "same partition_id .* listed twice")


def test_duplicated_entry_under_another_id(pop):
    m = _manifest(pop)
    m["partitions"].append({**m["partitions"][7], "partition_id": 999})
    _write_manifest(pop, m, fix_totals=True)
    _refused(pop, "same households_file")


def test_file_deleted(pop):
    e = _manifest(pop)["partitions"][2]
    (pop / e["persons_file"]).unlink()
    msg = _refused(pop, "missing")
    assert e["persons_file"] in msg


def test_extra_partition_file(pop):
    e = _manifest(pop)["partitions"][2]
    src = pop / e["households_file"]
    shutil.copy(src, src.with_name("part-09999.parquet"))
    _refused(pop, "part-09999.parquet: not listed in the manifest")


def test_files_of_another_seed_mixed_in(pop, tmp_path):
    """An interrupted rebuild of old gongfu: some partitions of seed 3, some of seed 4."""
    other = tmp_path / "other"
    build(700, 4, other)
    for e in _manifest(pop)["partitions"][:4]:
        for key in ("households_file", "persons_file"):
            shutil.copy(other / e[key], pop / e[key])
    _refused(pop, "bytes, the manifest says")


def test_files_of_another_seed_with_their_manifest_entries(pop, tmp_path):
    """Mixed seeds even when the entries were copied with the files: the footers' seed gives them away."""
    other = tmp_path / "other"
    build(700, 4, other)
    m, mo = _manifest(pop), _manifest(other)
    for i in range(3):
        for key in ("households_file", "persons_file"):
            shutil.copy(other / mo["partitions"][i][key], pop / m["partitions"][i][key])
        m["partitions"][i] = mo["partitions"][i]
    _write_manifest(pop, m, fix_totals=True)
    _refused(pop, "built with seed 4, the manifest says seed 3")


def test_truncated_file(pop):
    e = _manifest(pop)["partitions"][3]
    f = pop / e["persons_file"]
    f.write_bytes(f.read_bytes()[: f.stat().st_size // 2])
    msg = _refused(pop, "bytes, the manifest says")
    assert str(f) in msg


def test_truncated_file_with_a_manifest_that_agrees(pop):
    m = _manifest(pop)
    e = m["partitions"][3]
    f = pop / e["persons_file"]
    f.write_bytes(f.read_bytes()[:200])
    e["persons_bytes"] = 200
    _write_manifest(pop, m)
    msg = _refused(pop, "not a readable Parquet file")
    assert str(f) in msg


def test_random_bytes_of_the_same_size(pop):
    e = _manifest(pop)["partitions"][4]
    f = pop / e["households_file"]
    f.write_bytes(np.random.default_rng(0).bytes(f.stat().st_size))
    _refused(pop, f"{f}: not a readable Parquet file")


def test_bit_flip_is_found_by_the_checksum(pop):
    """A flipped byte inside the data keeps size and footer: only `population check` (sha256) finds it."""
    e = _manifest(pop)["partitions"][6]
    f = pop / e["persons_file"]
    import pyarrow.parquet as pq

    meta = pq.read_metadata(f)
    chunks = [meta.row_group(g).column(c) for g in range(meta.num_row_groups) for c in range(meta.num_columns)]
    big = max(chunks, key=lambda c: c.total_compressed_size)  # flip a byte in the middle of its data, past the
    data = bytearray(f.read_bytes())                          # page header, so footer and headers still read
    data[big.data_page_offset + big.total_compressed_size // 2] ^= 0x01
    f.write_bytes(bytes(data))
    out = _one_line_cli_error("population", "check", "--population", str(pop), "--files-only")
    assert "sha256 differs" in out and f.name in out


def test_row_count_edited_in_the_manifest(pop):
    m = _manifest(pop)
    m["partitions"][1]["persons"] += 1
    _write_manifest(pop, m, fix_totals=True)
    _refused(pop, "rows, the manifest says")


def test_two_partitions_swapped(pop):
    m = _manifest(pop)
    a, b = m["partitions"][1], m["partitions"][2]
    for key in ("households", "persons"):  # swap the files and what the manifest says of them
        fa, fb = pop / a[f"{key}_file"], pop / b[f"{key}_file"]
        tmp = fa.with_name("swap")
        fa.rename(tmp)
        fb.rename(fa)
        tmp.rename(fb)
        for suffix in ("bytes", "sha256"):
            a[f"{key}_{suffix}"], b[f"{key}_{suffix}"] = b[f"{key}_{suffix}"], a[f"{key}_{suffix}"]
        a[key], b[key] = b[key], a[key]
    _write_manifest(pop, m)
    _refused(pop, "of partition 2, the manifest lists it as households of partition 1")


def test_persons_file_replaced_by_a_households_file(pop):
    m = _manifest(pop)
    e = m["partitions"][0]
    shutil.copy(pop / e["households_file"], pop / e["persons_file"])
    e["persons_bytes"], e["persons_sha256"], e["persons"] = (e["households_bytes"], e["households_sha256"],
                                                             e["households"])
    _write_manifest(pop, m, fix_totals=True)
    _refused(pop, "holds households of partition 0, the manifest lists it as persons")


# ------------------------------------------------------------------------------------- malformed manifests
MALFORMED = {
    "not json": (b"{partitions: [", "not JSON"),
    "empty": (b"", "not JSON"),
    "not utf-8": (b'{"format_version": 2, "x": "\xff\xfe"}', "not UTF-8"),
    "a list": (b"[]", "a JSON object expected"),
    "no version": (b'{"partitions": []}', "format_version"),
    "old format": (b'{"format_version": 1, "partitions": []}', "older gongfu.*rebuild"),
    "newer format": (b'{"format_version": 99, "partitions": []}', "newer gongfu"),
    "version as text": (b'{"format_version": "2", "partitions": []}', "format_version"),
    "partitions not a list": (b'{"format_version": 2, "partitions": {}}', "partitions: a list"),
    "no partitions": (b'{"format_version": 2, "partitions": []}', "lists no partitions"),
    "entry not an object": (b'{"format_version": 2, "partitions": [3]}', r"partitions\[0\]: an object"),
    "deeply nested": (b"[" * 100_000 + b"]" * 100_000, "malformed manifest"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_manifest(pop, case):
    content, match = MALFORMED[case]
    (pop / "manifest.json").write_bytes(content)
    msg = _refused(pop, match)
    assert msg.startswith(str(pop / "manifest.json"))


ENTRY_EDITS = {
    "count as text": ("persons", "12", "persons: expected a whole number"),
    "count negative": ("households", -1, "households: expected a whole number"),
    "count as bool": ("households", True, "households: expected a whole number"),
    "count fractional": ("persons_bytes", 10.5, "persons_bytes: expected a whole number"),
    "sha not hex": ("persons_sha256", "xyz", "persons_sha256: expected a sha256"),
    "path outside": ("persons_file", "../../etc/passwd", "persons_file: expected a path"),
    "absolute path": ("households_file", "/etc/passwd", "households_file: expected a path"),
    "wrong table dir": ("persons_file", "households/11-beijing/part-00000.parquet", "persons_file: expected"),
    "hidden file": ("persons_file", "persons/11-beijing/.part-00000.parquet.x.tmp", "persons_file: expected"),
    "field missing": ("households_sha256", None, "has no households_sha256"),
}


@pytest.mark.parametrize("case", sorted(ENTRY_EDITS))
def test_manifest_entry_with_a_wrong_type(pop, case):
    key, value, match = ENTRY_EDITS[case]
    m = _manifest(pop)
    if value is None:
        del m["partitions"][2][key]
    else:
        m["partitions"][2][key] = value
    _write_manifest(pop, m)
    _refused(pop, r"partitions\[2\]" if case != "field missing" else match)
    _refused(pop, match)


def test_manifest_is_a_directory(pop):
    (pop / "manifest.json").unlink()
    (pop / "manifest.json").mkdir()
    _refused(pop, "no manifest.json")


def test_damage_through_the_cli_is_one_line_exit_2(pop):
    m = _manifest(pop)
    m["partitions"].append(dict(m["partitions"][0]))
    _write_manifest(pop, m, fix_totals=True)
    out = _one_line_cli_error("simulate", "--population", str(pop), "--workers", "1", "--json")
    assert "listed twice" in out and "Traceback" not in out


# ------------------------------------------------------------------------------------------ (re)building
def _hidden(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


def test_rebuild_replaces_the_population_whole(pop):
    build(500, 9, pop)
    m = _manifest(pop)
    assert m["seed"] == 9 and m["households"] == 500
    ParquetSource(pop)  # the file set is exactly the new build's
    assert _hidden(pop.parent) == []


def test_interrupted_rebuild_leaves_the_old_population_intact(pop, monkeypatch):
    b = sys.modules["gongfu.population.build"]  # the package exports a function of the same name
    before = (pop / "manifest.json").read_bytes()
    calls = {"n": 0}
    real = b.build_partition

    def interrupted(spec, out):
        calls["n"] += 1
        if calls["n"] == 6:
            raise KeyboardInterrupt
        return real(spec, out)

    monkeypatch.setattr(b, "build_partition", interrupted)
    with pytest.raises(KeyboardInterrupt):
        build(700, 5, pop)
    assert (pop / "manifest.json").read_bytes() == before
    result = runner.invoke(app, ["population", "check", "--population", str(pop), "--files-only"])
    assert result.exit_code == 0, result.output
    assert _hidden(pop.parent) == []


def test_killed_rebuild_leaves_the_old_population_intact(pop):
    """kill -9 in the middle of a rebuild: the old population still verifies; the next build removes the
    killed build's hidden directory."""
    before = (pop / "manifest.json").read_bytes()
    code = f"from gongfu.population.build import build; build(60_000, 8, {str(pop)!r}, max_households=2_000)"
    proc = subprocess.Popen([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": SRC})
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            staged = [p for p in pop.parent.iterdir() if p.name.startswith(".pop.building-")]
            if staged and len(list(staged[0].rglob("*.parquet"))) >= 4:
                break
            assert proc.poll() is None, "the build ended before it could be killed"
            time.sleep(0.05)
        else:
            pytest.fail("the build wrote nothing in 120 s")
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert (pop / "manifest.json").read_bytes() == before
    result = runner.invoke(app, ["population", "check", "--population", str(pop), "--files-only"])
    assert result.exit_code == 0, result.output
    assert any(n.startswith(".pop.building-") for n in _hidden(pop.parent))
    build(300, 2, pop)
    assert _hidden(pop.parent) == []


def test_a_directory_with_other_files_is_refused_and_untouched(tmp_path):
    d = tmp_path / "mine"
    d.mkdir()
    (d / "thesis.tex").write_text("years of work")
    with pytest.raises(PopulationFileError, match="not a gongfu population"):
        build(300, 1, d)
    assert (d / "thesis.tex").read_text() == "years of work" and len(list(d.iterdir())) == 1


def test_a_population_with_a_foreign_file_is_refused_and_untouched(pop):
    (pop / "households" / "notes.txt").write_text("keep me")
    before = sorted(p.relative_to(pop).as_posix() for p in pop.rglob("*"))
    with pytest.raises(PopulationFileError, match="households/notes.txt, which gongfu did not write"):
        build(300, 1, pop)
    assert sorted(p.relative_to(pop).as_posix() for p in pop.rglob("*")) == before


def test_an_empty_directory_is_filled(tmp_path):
    (tmp_path / "empty").mkdir()
    build(200, 1, tmp_path / "empty")
    assert ParquetSource(tmp_path / "empty").manifest["households"] == 200


@pytest.mark.parametrize("where", ["file", "under a file", "read-only"])
def test_unwritable_output_is_one_line_exit_2(tmp_path, where):
    if where == "file":
        out = tmp_path / "afile"
        out.write_text("x")
    elif where == "under a file":
        (tmp_path / "afile").write_text("x")
        out = tmp_path / "afile" / "pop"
    else:
        out = Path("/sys/gongfu-test-population")  # read-only even for root
        if os.access("/sys", os.W_OK) and not Path("/sys").is_mount():
            pytest.skip("no read-only directory here")
    result = runner.invoke(app, ["population", "build", "-n", "100", "-o", str(out)])
    assert result.exit_code == 2, result.output
    lines = [ln for ln in result.output.splitlines() if "error" in ln]
    assert len(lines) == 1 and str(out.parent if where != "file" else out) in result.output.replace("\n", "")
    assert "Traceback" not in result.output
    assert _hidden(out.parent if out.parent.is_dir() else tmp_path) == []


def test_full_disk_leaves_nothing_and_names_the_path(pop, monkeypatch):
    """ENOSPC in the middle of a rebuild: one error naming the directory, the old population intact."""
    import errno

    import gongfu.population.io as io

    before = (pop / "manifest.json").read_bytes()
    real = io.pq.write_table
    calls = {"n": 0}

    def full(table, where, **kw):
        calls["n"] += 1
        if calls["n"] == 9:
            where.write(b"PAR1" + b"\0" * 100)
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(table, where, **kw)

    monkeypatch.setattr(io.pq, "write_table", full)
    with pytest.raises(PopulationFileError, match="No space left on device") as exc:
        build(700, 6, pop)
    assert str(pop) in str(exc.value)
    assert (pop / "manifest.json").read_bytes() == before and _hidden(pop.parent) == []
    ParquetSource(pop)
