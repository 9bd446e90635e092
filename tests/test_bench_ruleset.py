"""The benchmark rule set (bench/ruleset/SPEC.md): hand-checked households, agreement with the numpy reference,
the population generator's determinism, and the OpenFisca port's parameters (read as plain YAML: openfisca-core
is not installed in this venv and is never run here).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `bench` is a top-level folder of the repo, not part of the installed package
    sys.path.insert(0, str(ROOT))

from bench.ruleset import gongfu_rules, numpy_ref, population  # noqa: E402
from bench.ruleset.provinces import CODES, KEYS, PROVINCE_TABLE  # noqa: E402

OUT = ("individual_income_tax", "social_insurance_contributions", "dibao")


def simulate(households: dict, persons: dict):
    return gongfu_rules.system().simulation(households=households, persons=persons, year=2025)


# Four hand-made households (2025 parameters: average wage 120,698 except Shanghai 229,300; contribution base
# in [0.6, 3] x average wage; rate 10.5%; basic deduction 60,000; dibao standard urban 722 / rural 542 except
# Shanghai 1,330 and Chongqing rural 515 CNY/month).
HOUSEHOLDS = {"household_id": np.array([0, 1, 2, 3]), "province": np.array([31, 50, 41, 34], dtype=np.int8),
              "area": np.array([1, 0, 1, 0], dtype=np.int8)}
PERSONS = {"household_id": np.array([0, 0, 1, 1, 1, 2, 3]), "age": np.array([45, 44, 40, 12, 70, 35, 80]),
           "wage_income": np.array([800_000.0, 0, 10_000, 0, 0, 168_456, 0])}
EXPECTED = {
    # Shanghai head, 800,000: base capped at 3 x 229,300 = 687,900 -> contributions 0.105 x 687,900 = 72,229.5;
    # taxable 800,000 - 60,000 - 72,229.5 = 667,770.5; tax = 36,000x3% 1,080 + 108,000x10% 10,800
    # + 156,000x20% 31,200 + 120,000x25% 30,000 + 240,000x30% 72,000 + 7,770.5x35% 2,719.675 = 147,799.675.
    # Chongqing rural worker, 10,000: base raised to the floor 0.6 x 120,698 = 72,418.8 -> contributions 7,603.974;
    # taxable 0 -> tax 0. Henan worker, 168,456: base = wage -> contributions 17,687.88; taxable
    # 168,456 - 60,000 - 17,687.88 = 90,768.12; tax 1,080 + 54,768.12 x 10% = 6,556.812.
    "social_insurance_contributions": [72_229.5, 0, 7_603.974, 0, 0, 17_687.88, 0],
    "individual_income_tax": [147_799.675, 0, 0, 0, 0, 6_556.812, 0],
    # Shanghai: 12 x 1,330 x 2 = 31,920 < net income -> 0. Chongqing rural, 3 persons: 12 x 515 x 3 = 18,540
    # - (10,000 - 7,603.974) = 16,143.974. Henan, 1 person: 12 x 722 = 8,664 < 144,211.308 -> 0.
    # Anhui rural, alone, no income: 12 x 542 = 6,504.
    "dibao": [0, 16_143.974, 0, 6_504],
}


def test_hand_checked_households():
    sim = simulate(HOUSEHOLDS, PERSONS)
    for name, expected in EXPECTED.items():
        np.testing.assert_allclose(sim.calc(name), expected, rtol=0, atol=1e-6, err_msg=name)


def test_numpy_reference_gives_the_hand_checked_values():
    out = numpy_ref.compute(numpy_ref.load_params(2025), PERSONS["wage_income"], PERSONS["household_id"],
                            HOUSEHOLDS["province"], HOUSEHOLDS["area"])
    for name, expected in EXPECTED.items():
        np.testing.assert_allclose(out[name], expected, rtol=0, atol=1e-6, err_msg=name)


@pytest.fixture(scope="module")
def small_population() -> population.Population:
    return population.generate(2_000, seed=7)


def test_gongfu_matches_numpy_reference_on_generated_population(small_population):
    pop = small_population
    sim = simulate(pop.households, pop.persons)
    ref = numpy_ref.compute(numpy_ref.load_params(2025), pop.persons["wage_income"], pop.persons["household_id"],
                            pop.households["province"], pop.households["area"])
    for name in OUT:
        np.testing.assert_allclose(sim.calc(name), ref[name], rtol=1e-12, atol=1e-9, err_msg=name)
    assert ref["dibao"].sum() > 0 and ref["individual_income_tax"].sum() > 0


def test_generated_population_shape(small_population):
    pop = small_population
    hh = pop.persons["household_id"]
    assert pop.n_persons == 2_000
    assert np.all(np.diff(hh) >= 0) and hh[0] == 0 and hh[-1] == pop.n_households - 1  # grouped, contiguous
    sizes = np.bincount(hh)
    assert sizes.min() >= 1 and sizes.max() <= 5
    assert set(np.unique(pop.households["province"])) <= set(CODES)
    assert 0.3 < np.mean(pop.persons["wage_income"] == 0) < 0.5  # ~40% zero wages
    assert np.all(pop.persons["wage_income"] == np.round(pop.persons["wage_income"]))  # whole yuan


def test_generator_is_deterministic_and_block_consistent():
    n = population.BLOCK + 1_234  # two blocks, the second short
    whole = population.generate(n, seed=3)
    assert np.array_equal(whole.persons["wage_income"], population.generate(n, seed=3).persons["wage_income"])
    assert not np.array_equal(whole.persons["wage_income"], population.generate(n, seed=4).persons["wage_income"])
    parts = _copies(n, 3)
    assert len(parts) == 2
    for column in population.PERSON_COLUMNS:
        streamed = np.concatenate([p.persons[column] for p in parts])
        assert np.array_equal(streamed, whole.persons[column]), column
    for column in population.HOUSEHOLD_COLUMNS:
        streamed = np.concatenate([p.households[column] for p in parts])
        assert np.array_equal(streamed, whole.households[column]), column


def _copies(n: int, seed: int) -> list[population.Population]:
    """BlockWriter reuses its buffers: copy each partition before the next overwrites it."""
    return [population.Population({c: a.copy() for c, a in p.persons.items()},
                                  {c: a.copy() for c, a in p.households.items()})
            for p in population.BlockWriter(n, seed=seed, blocks=1)]


def test_province_table_matches_gongfu_geography():
    from gongfu.engine.geography import PROVINCES

    assert [(p.code, p.key) for p in PROVINCES] == [(row[0], row[1]) for row in PROVINCE_TABLE]


def _of_value(leaf: dict, year: int = 2025) -> float:
    dated = {str(k): v["value"] for k, v in leaf["values"].items()}
    return float(dated[max(d for d in dated if d <= f"{year}-01-01")])


def test_openfisca_port_parameters_equal_gongfu_parameters():
    p = numpy_ref.load_params(2025)
    of = ROOT / "bench" / "openfisca_port" / "parameters" / "bench"
    aw = yaml.safe_load((of / "average_wage.yaml").read_text(encoding="utf-8"))
    std = yaml.safe_load((of / "dibao" / "standard.yaml").read_text(encoding="utf-8"))
    for code, key in zip(CODES, KEYS, strict=True):
        assert _of_value(aw[key]) == p.average_wage[code], key
        assert _of_value(std[key]["rural"]) == p.dibao_standard[code, 0], key
        assert _of_value(std[key]["urban"]) == p.dibao_standard[code, 1], key
    contributions = yaml.safe_load((of / "contributions.yaml").read_text(encoding="utf-8"))
    assert _of_value(contributions["base_floor"]) == p.base_floor
    assert _of_value(contributions["base_ceiling"]) == p.base_ceiling
    assert _of_value(contributions["employee_rate"]) == p.employee_rate
    iit = yaml.safe_load((of / "iit.yaml").read_text(encoding="utf-8"))
    assert _of_value(iit["basic_deduction"]) == p.basic_deduction
    brackets = iit["schedule"]["brackets"]
    assert [_of_value({"values": b["threshold"]}) for b in brackets] == list(p.thresholds)
    assert [_of_value({"values": b["rate"]}) for b in brackets] == list(p.rates)


def _fake_run(engine: str, checksum: float, wages: float = 1e9) -> dict:
    return {"engine": engine, "persons": 1000, "seconds_build": 0.1, "seconds_compute": 0.1, "seconds_total": 0.2,
            "persons_per_s": 5000.0, "peak_rss_mb": 10.0, "checksum": checksum, "input_wages": wages}


def test_engine_comparison_fails_loudly_when_checksums_disagree():
    from bench.benchmarks import ENGINES, plan_engines
    from bench.registry import BenchFailure, Options

    plan = plan_engines(Options(sizes=(1000,), repeat=1))
    agree = {f"{key}@1000": [_fake_run(key, 1e6 * (1 + 1e-9))] for key, *_ in ENGINES}
    rows, notes = plan.summarize(agree)
    assert len(rows) == len(ENGINES) and notes
    off = dict(agree, **{"openfisca@1000": [_fake_run("openfisca", 1e6 * (1 + 1e-5))]})
    with pytest.raises(BenchFailure, match="openfisca at 1k: checksum"):
        plan.summarize(off)
    other_population = dict(agree, **{"gongfu@1000": [_fake_run("gongfu", 1e6, wages=2e9)]})
    with pytest.raises(BenchFailure, match="population differs"):
        plan.summarize(other_population)
