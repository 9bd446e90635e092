"""Generator: schema, dtypes, grouping, weights, determinism (1 vs 2 workers), partition plan."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from gongfu.engine.enums import Area, EmploymentStatus, Role
from gongfu.engine.geography import CODES
from gongfu.population import HOUSEHOLD_COLUMNS, PERSON_COLUMNS, generate_partition, plan_partitions
from gongfu.population.build import build
from gongfu.population.io import read_manifest, read_partition
from gongfu.population.tables import model


def test_plan_covers_every_cell_and_splits_big_provinces():
    specs = plan_partitions(500_000, 1, max_households=20_000)
    assert sum(s.n_households for s in specs) == 500_000
    assert {s.province for s in specs} == set(int(c) for c in CODES)
    assert all(s.n_households <= 20_000 for s in specs)
    assert [s.partition_id for s in specs] == list(range(len(specs)))
    starts = np.array([s.household_id_start for s in specs])
    # ids unique over the plan: each partition starts (even) after the ids of the one before (with the gaps that
    # start every stratum at an even id, synth.household_ids)
    from gongfu.population.synth import ids_needed

    assert np.array_equal(starts[1:], np.cumsum([ids_needed(s.n_urban, s.n_rural, model()) for s in specs])[:-1])
    assert np.all(starts % 2 == 0) and np.all(np.diff(starts) >= [s.n_households for s in specs[:-1]])
    # persons represented per province = the 2024 population, however the province is chunked
    m = model()
    by_prov = {}
    for s in specs:
        by_prov[s.province] = by_prov.get(s.province, 0.0) + s.persons_urban + s.persons_rural
    assert np.allclose([by_prov[int(c)] for c in CODES], m.pop)


def test_partition_schema_dtypes_and_grouping():
    spec = plan_partitions(5_000, 3)[18]  # Guangdong
    h, p = generate_partition(spec)
    assert tuple(h) == HOUSEHOLD_COLUMNS and tuple(p) == PERSON_COLUMNS
    assert h["province"].dtype == np.int8 and h["area"].dtype == np.int8 and h["weight"].dtype == np.float64
    assert p["age"].dtype == np.int16 and p["role"].dtype == np.int8 and p["hukou_province"].dtype == np.int8
    assert p["wage_income"].dtype == np.float64 and p["household_id"].dtype == np.int64
    # persons grouped contiguously by household, in household order; one head first in each household
    hidx = np.searchsorted(h["household_id"], p["household_id"])
    assert np.all(np.diff(hidx) >= 0) and np.array_equal(np.unique(hidx), np.arange(len(h["household_id"])))
    first = np.r_[0, np.flatnonzero(np.diff(hidx)) + 1]
    assert np.all(p["role"][first] == Role.head) and (p["role"] == Role.head).sum() == len(first)
    assert len(np.unique(p["person_id"])) == len(p["person_id"])
    # weights reproduce the persons this partition represents, by area
    for a, target in ((Area.urban, spec.persons_urban), (Area.rural, spec.persons_rural)):
        sel = h["area"][hidx] == a
        assert h["weight"][hidx][sel].sum() == pytest.approx(target, rel=1e-9)
    # incomes only where the status earns them
    st = p["employment_status"]
    assert np.all(p["wage_income"][~np.isin(st, [EmploymentStatus.employee, EmploymentStatus.flexible])] == 0)
    assert np.all(p["agricultural_income"][st != EmploymentStatus.farmer] == 0)
    assert np.all(p["age"][st == EmploymentStatus.student] >= 3)


def test_same_spec_same_arrays_and_seed_matters():
    spec = plan_partitions(3_000, 5)[10]
    a, b = generate_partition(spec), generate_partition(spec)
    for x, y in zip(a, b, strict=True):
        for k in x:
            assert np.array_equal(x[k], y[k])
    other = plan_partitions(3_000, 6)[10]
    assert not np.array_equal(generate_partition(other)[1]["age"], a[1]["age"])


def _digest(directory: Path) -> dict[str, str]:
    return {str(f.relative_to(directory)): hashlib.sha256(f.read_bytes()).hexdigest()
            for f in sorted(directory.rglob("*")) if f.is_file()}


def test_build_identical_bytes_with_one_or_two_workers(tmp_path):
    m1 = build(4_000, 42, tmp_path / "w1", workers=1, max_households=400)
    m2 = build(4_000, 42, tmp_path / "w2", workers=2, max_households=400)
    assert m1 == m2
    d1, d2 = _digest(tmp_path / "w1"), _digest(tmp_path / "w2")
    assert d1 == d2 and len(d1) == 1 + 2 * len(m1["partitions"])
    assert not list((tmp_path / "w1").rglob("*.tmp"))
    man = read_manifest(tmp_path / "w1")
    entry = man["partitions"][0]
    h, p = read_partition(tmp_path / "w1" / entry["persons_file"])
    assert len(h["household_id"]) == entry["households"] and len(p["person_id"]) == entry["persons"]
    import pyarrow.parquet as pq

    meta = pq.read_schema(tmp_path / "w1" / entry["households_file"]).metadata
    assert meta[b"gongfu.seed"] == b"42" and meta[b"gongfu.partition_id"] == b"0"
    assert meta[b"gongfu.targets_hash"].decode() == man["targets_hash"]


def test_private_transfers_go_to_the_elderly_and_rural_households_only():
    spec = plan_partitions(20_000, 4)[15]  # Henan: urban and rural households
    h, p = generate_partition(spec)
    hidx = np.searchsorted(h["household_id"], p["household_id"])
    pt = p["private_transfers_received"]
    assert pt.dtype == np.float64 and np.all(pt >= 0) and np.array_equal(pt, np.round(pt))
    rural = h["area"][hidx] == Area.rural
    elderly = p["age"] >= 60
    # only the elderly (support by children) and the heads of rural households (remittances) receive
    assert np.all(pt[~elderly & ~(rural & (p["role"] == Role.head))] == 0)
    # no obligated supporter (tekun candidates): nothing from children or migrant members
    assert np.all(pt[~p["has_obligated_supporter"]] == 0)
    assert (pt[elderly] > 0).mean() > 0.4 and (pt[~rural & ~elderly] == 0).all()


def test_weights_of_urban_first_households_equal_the_boolean_selection():
    """household_weights takes each area as a slice when the urban households come first (as generated); the
    weights must be those of the boolean selection, bit for bit, and a shuffled order must give the same
    weight per household."""
    from gongfu.population.synth import (
        _hukou,
        _rngs,
        _structure,
        household_shock,
        household_weights,
        raking_age_effects,
        tables,
    )

    spec = plan_partitions(20_000, 5)[9]
    pidx = int(np.flatnonzero(CODES == spec.province)[0])
    h, p = generate_partition(spec)
    hh = np.searchsorted(h["household_id"], p["household_id"])
    size = np.bincount(hh, minlength=len(h["area"])).astype(np.int8)
    area, persons = h["area"], (spec.persons_rural, spec.persons_urban)
    # the design factors of the strata: the income stage draws the persons' normals, then the household shock
    # times those of the migrant oversampling (hukou stage, after the household structure)
    m = model()
    rngs = _rngs(spec.seed, spec.partition_id)
    n_urban = int(np.count_nonzero(area))
    _, head_age, ages, _, active, _, _ = _structure(rngs["demography"], m, tables(m), n_urban, len(area))
    d_hukou = _hukou(rngs["hukou"], m, tables(m), pidx, n_urban, head_age, ((ages >= 60) & active).any(axis=0))[2]
    d = rngs["income"]
    d.normal(len(p["age"]))
    design = household_shock(d, m, len(area), n_urban)[1]
    design *= d_hukou
    assert np.array_equal(household_weights(model(), pidx, area, size, hh, p["age"], persons, design), h["weight"])
    # the boolean-selection formulation, written out
    household, per_age, per_area = raking_age_effects(model(), pidx)
    eta = household + per_area[area] * size + np.bincount(hh, weights=per_age[p["age"]], minlength=len(area))
    g = np.exp(eta - eta.max(initial=0.0)) * design
    ref = np.zeros(len(area))
    for a in (0, 1):
        sel = area == a
        ref[sel] = g[sel] * (persons[a] / float((g[sel] * size[sel]).sum()))
    assert ref.tobytes() == h["weight"].tobytes()
    # a household order with the areas interleaved takes the boolean-selection path
    order = np.argsort(np.arange(len(size)) % 3, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    w = household_weights(model(), pidx, h["area"][order], size[order], rank[hh], p["age"],
                          (spec.persons_rural, spec.persons_urban), design[order])
    assert not h["area"][order][: int(h["area"].sum())].all()
    assert np.allclose(w[rank], h["weight"], rtol=1e-12, atol=0)
