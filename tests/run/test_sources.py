"""Populations read from Parquet give the same results as generated on the fly; budget targeting."""

from __future__ import annotations

import math

from gongfu.run import GeneratedSource, compare, simulate

from .conftest import canonical


def _without_meta(d):
    if isinstance(d, dict):
        return {k: _without_meta(v) for k, v in d.items() if k != "meta"}
    if isinstance(d, list):
        return [_without_meta(x) for x in d]
    return d


def test_parquet_population_equals_generated_on_the_fly(tmp_path):
    from gongfu.population.build import build

    build(1500, seed=4, out=tmp_path / "pop")
    from_disk = simulate(tmp_path / "pop", workers=1)
    generated = simulate(GeneratedSource(1500, seed=4), workers=1)
    assert from_disk["meta"]["population"]["source"] == str(tmp_path / "pop")
    assert from_disk["meta"]["population"]["persons_sampled"] == generated["meta"]["population"]["persons_sampled"]
    assert canonical(_without_meta(from_disk)) == canonical(_without_meta(generated))


def test_budget_targeting_spends_the_budget():
    cmp = compare(reform="philanthropy_poorest", population=GeneratedSource(8000, seed=2), workers=1)
    target = cmp["reform"]["meta"]["reform"]["targeting"]
    spent = cmp["reform"]["programmes"]["targeted_philanthropy"]["total"]
    assert target["budget"] == 38_558_000_000
    assert math.isclose(spent, target["budget"], rel_tol=0.02)
    assert cmp["charity_change"] == spent  # the programme is dormant in the baseline
    assert cmp["net_cost"] == 0.0  # philanthropy is not a government programme
    assert cmp["change"]["income"]["disposable"]["mean"] == 0.0
    assert cmp["change"]["income"]["after_philanthropy"]["gini"] < 0


def _dibao(households: int = 1500, workers: int = 1) -> dict:
    """compare(dibao_plus_20pct) on seed 4 through the faces' workflow (warm or cold as the test set it)."""
    from gongfu import workflow

    return workflow.run_comparison(None, workflow.resolve("dibao_plus_20pct"), households=households, seed=4,
                                   workers=workers)


def test_warm_generated_sample_gives_the_same_results_and_is_kept(monkeypatch):
    """A server's warm sample (kept in memory between runs) gives exactly the results of generating it again, meta
    included; the API turns it on through `workflow.keep_samples_warm`, and the partitions are generated once."""
    from gongfu import workflow
    from gongfu.run import sources

    monkeypatch.setattr(workflow, "WARM_HOUSEHOLDS", 0)
    cold = _dibao()
    workflow.keep_samples_warm(2000)
    try:
        warm = _dibao()
        parts = sources._WARM[(1500, 4, sources.GeneratedSource(1500, 4).max_households)]
        again = _dibao(workers=2)
    finally:
        sources._WARM.clear()
    assert sources._WARM == {} and len(parts) == 1  # the 31 provinces of 1,500 households: one task
    assert canonical(warm) == canonical(cold) == canonical(again)
    assert warm["baseline"]["meta"]["population"] == cold["baseline"]["meta"]["population"]


def test_a_warm_sample_keeps_its_pool_and_gives_the_same_results(monkeypatch):
    """With a warm sample, the process pool survives between runs (no process start-up, warm heaps: the reform
    latency of a server), is made again when the sample changes, and gives the results of a fresh pool."""
    import psutil

    from gongfu import workflow
    from gongfu.run import backends, sources

    monkeypatch.setattr(workflow, "WARM_HOUSEHOLDS", 0)
    cold = _dibao(workers=2)
    workflow.keep_samples_warm(2000)
    try:
        first = _dibao(workers=2)
        pids = {c.pid for c in psutil.Process().children()}
        second = _dibao(workers=2)
        assert {c.pid for c in psutil.Process().children()} == pids and len(pids) == 2  # the same two workers
        other = _dibao(households=1200, workers=2)
        assert not pids & {c.pid for c in psutil.Process().children()}  # another sample: a new pool
    finally:
        backends.drop_kept_pool()
        sources._WARM.clear()
    assert canonical(first) == canonical(cold) == canonical(second)
    assert other["baseline"]["meta"]["population"]["households_planned"] == 1200


def test_kept_baselines_give_the_states_of_a_fresh_computation(population, monkeypatch):
    """A warm sample's worker keeps each partition's baseline simulations (reducer `keep`): under other reforms
    the partition's state is exactly that of computing everything again, and the baseline is not built twice."""
    from gongfu.run import reducer
    from gongfu.run.api import resolve_reform
    from gongfu.run.reducer import RunConfig, reduce_partition

    built = []
    original = reducer._baseline_blocks
    monkeypatch.setattr(reducer, "_baseline_blocks", lambda *a, **k: built.append(k["keep"]) or original(*a, **k))
    reducer.drop_kept_baselines()
    try:
        for name in ("dibao_plus_20pct", "iit_top_rate_50", "dibao_plus_20pct"):
            info = resolve_reform(name)
            config = RunConfig(reform=info.reform, reform_digest=info.sha256)
            kept = reduce_partition(*population, config, 5, keep=("sample", 1))
            fresh = reduce_partition(*population, config, 5)
            assert kept == fresh and kept.digest() == fresh.digest()
        assert built == [True, False, False, False]  # kept once, then only the fresh computations
        reduce_partition(*population, RunConfig(year=2024), 5, keep=("sample", 1))  # another year: built again
        assert built[-1] is True and set(reducer._KEPT_BASELINES["parts"]) == {5}
    finally:
        reducer.drop_kept_baselines()
