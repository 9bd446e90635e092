"""The registered benchmarks (see bench/registry.py to add one)."""

from __future__ import annotations

from typing import Any

from . import openfisca_setup
from .registry import BenchFailure, Measurement, Options, Plan, benchmark, human

CHECKSUM_RTOL = 1e-6


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The repetition with the median end-to-end time (the lower median for an even count)."""
    ordered = sorted(runs, key=lambda r: r["seconds_total"])
    return ordered[(len(ordered) - 1) // 2]


def best(runs: list[dict[str, Any]]) -> float:
    """Persons/s of the fastest repetition (noise on a shared VM only ever slows a run down)."""
    return max(r["persons_per_s"] for r in runs)


def spread(runs: list[dict[str, Any]]) -> str:
    times = [r["seconds_total"] for r in runs]
    return f"{min(times):.3f}–{max(times):.3f}" if len(times) > 1 else f"{times[0]:.3f}"


# ---------------------------------------------------------------------------------------------- engines
ENGINES = (
    # key, worker module, extra args, uses the openfisca venv
    ("numpy", "bench.workers.numpy_ref", [], False),
    ("gongfu", "bench.workers.gongfu_engine", ["--mode", "single"], False),
    ("gongfu-chunked", "bench.workers.gongfu_engine", ["--mode", "chunked", "--blocks", "1"], False),
    ("openfisca", "bench.openfisca_port.worker", ["--mode", "single"], True),
    ("openfisca-chunked", "bench.openfisca_port.worker", ["--mode", "chunked", "--blocks", "1"], True),
)


@benchmark("engines", "Engine comparison: gongfu vs openfisca-core on the benchmark rule set",
           "Persons/s end to end (generate the population + build the simulation + compute income tax, "
           "contributions and dibao), each measurement in a fresh subprocess, engines interleaved; checksums "
           "must agree to 1e-6 relative.")
def plan_engines(opts: Options) -> Plan:
    measurements = []
    for n in opts.sizes:
        for key, module, extra, openfisca in ENGINES:
            m = Measurement(key=f"{key}@{n}", label=f"{key}, {human(n)} persons", module=module,
                            args=["--persons", str(n), "--seed", str(opts.seed), *extra])
            if openfisca:
                m.python = openfisca_setup.PYTHON
                m.env = {"PYTHONPATH": ""}  # gongfu's src must not leak into the OpenFisca venv
            measurements.append(m)

    def setup(console: Any) -> None:
        version = openfisca_setup.ensure(console)
        console.print(f"openfisca-core {version} in {openfisca_setup.VENV}")

    def summarize(results: dict[str, list[dict[str, Any]]]) -> tuple[list[dict[str, Any]], list[str]]:
        rows, notes, problems = [], [], []
        for n in opts.sizes:
            med = {key: median_run(results[f"{key}@{n}"]) for key, *_ in ENGINES}
            ref = med["numpy"]
            base = med["openfisca"]["persons_per_s"]
            for key, *_ in ENGINES:
                r = med[key]
                runs = results[f"{key}@{n}"]
                if any(run["input_wages"] != ref["input_wages"] for run in runs):
                    problems.append(f"{key} at {human(n)}: the generated population differs from the numpy "
                                    f"reference's (total wages {runs[0]['input_wages']!r} vs {ref['input_wages']!r}): "
                                    "numpy versions of the two venvs draw differently")
                for run in runs:
                    rel = abs(run["checksum"] - ref["checksum"]) / abs(ref["checksum"])
                    if rel > CHECKSUM_RTOL:
                        problems.append(f"{key} at {human(n)}: checksum {run['checksum']!r} differs from the numpy "
                                        f"reference {ref['checksum']!r} by {rel:.2e} relative (> {CHECKSUM_RTOL})")
                rows.append({
                    "persons": human(n), "engine": key, "config": r.get("config", ""),
                    "persons_per_s": r["persons_per_s"], "seconds_build": r["seconds_build"],
                    "seconds_compute": r["seconds_compute"], "seconds_total": r["seconds_total"],
                    "spread": spread(runs), "peak_rss_mb": max(run["peak_rss_mb"] for run in runs),
                    "vs_openfisca": r["persons_per_s"] / base,
                    "best_persons_per_s": best(runs),
                    "best_vs_openfisca": best(runs) / best(results[f"openfisca@{n}"]),
                    "checksum_rel_diff": max(abs(run["checksum"] - ref["checksum"]) / abs(ref["checksum"])
                                             for run in runs),
                })
            single = med["gongfu"]["persons_per_s"] / base
            gf_best = max(med["gongfu"]["persons_per_s"], med["gongfu-chunked"]["persons_per_s"])
            of_best = max(base, med["openfisca-chunked"]["persons_per_s"])
            notes.append(f"{human(n)} persons: gongfu/openfisca = {single:.1f}× single simulation vs single "
                         f"simulation; {gf_best / base:.1f}× fastest gongfu configuration vs OpenFisca single; "
                         f"{gf_best / of_best:.1f}× fastest vs fastest; plain numpy/openfisca = "
                         f"{ref['persons_per_s'] / base:.1f}×. Goal ≥ 10× (fastest gongfu vs OpenFisca single): "
                         f"{'met' if gf_best / base >= 10 else 'NOT met'}.")
        if problems:
            raise BenchFailure("engines disagree:\n  " + "\n  ".join(problems))
        return rows, notes

    columns = [("persons", "persons"), ("engine", "engine"), ("persons_per_s", "persons/s (median)"),
               ("vs_openfisca", "× openfisca"), ("best_persons_per_s", "persons/s (best run)"),
               ("best_vs_openfisca", "× openfisca (best runs)"), ("seconds_build", "build s"), ("seconds_compute", "compute s"),
               ("seconds_total", "total s"), ("spread", "total s min–max"), ("peak_rss_mb", "peak RSS MB"),
               ("checksum_rel_diff", "checksum rel. diff"), ("config", "configuration")]
    return Plan(measurements, summarize, setup=setup, columns=columns)


# ---------------------------------------------------------------------------------------------- gongfu.population
@benchmark("population", "Population generation (gongfu.population)",
           "Households/s of gongfu's synthetic population generator at 1M and 10M households "
           "(needs gongfu.population: skipped with a message when it is not there).")
def plan_population(opts: Options) -> Plan:
    measurements = [Measurement(key=f"population@{n}", label=f"gongfu.population, {human(n)} households",
                                module="bench.workers.population", args=["--households", str(n), "--seed",
                                                                          str(opts.seed)])
                    for n in opts.sizes]

    def summarize(results: dict[str, list[dict[str, Any]]]) -> tuple[list[dict[str, Any]], list[str]]:
        rows = []
        for n in opts.sizes:
            runs = results[f"population@{n}"]
            r = median_run(runs)
            rows.append({"households": human(n), "persons": r.get("persons"),
                         "households_per_s": r["households_per_s"], "seconds_total": r["seconds_total"],
                         "spread": spread(runs), "peak_rss_mb": max(x["peak_rss_mb"] for x in runs),
                         "config": r.get("config", "")})
        return rows, []

    columns = [("households", "households"), ("persons", "persons"), ("households_per_s", "households/s (median)"),
               ("seconds_total", "s"), ("spread", "s min–max"), ("peak_rss_mb", "peak RSS MB"),
               ("config", "generator")]
    return Plan(measurements, summarize, columns=columns)


# ---------------------------------------------------------------------------------------------- the whole law
@benchmark("full_law", "The whole gongfu rule set (load_system) on gongfu's population",
           "Persons/s and peak memory of every output of the full law at 1M and 10M persons "
           "(needs gongfu.population: skipped with a message when it is not there).")
def plan_full_law(opts: Options) -> Plan:
    measurements = [Measurement(key=f"full_law@{n}", label=f"full law, {human(n)} persons",
                                module="bench.workers.full_law", args=["--persons", str(n), "--seed",
                                                                        str(opts.seed)])
                    for n in opts.sizes]

    def summarize(results: dict[str, list[dict[str, Any]]]) -> tuple[list[dict[str, Any]], list[str]]:
        rows = []
        for n in opts.sizes:
            runs = results[f"full_law@{n}"]
            r = median_run(runs)
            rows.append({"persons": r["persons"], "households": r.get("households"),
                         "persons_per_s": r["persons_per_s"], "seconds_build": r["seconds_build"],
                         "seconds_compute": r["seconds_compute"], "seconds_total": r["seconds_total"],
                         "spread": spread(runs), "peak_rss_mb": max(x["peak_rss_mb"] for x in runs),
                         "variables": r.get("variables"), "config": r.get("config", "")})
        notes = [f"median of {len(next(iter(results.values())))} runs; outputs computed: "
                 f"{', '.join(median_run(next(iter(results.values()))).get('outputs', []))}"]
        return rows, notes

    columns = [("persons", "persons"), ("households", "households"), ("persons_per_s", "persons/s (median)"),
               ("seconds_build", "build s"), ("seconds_compute", "compute s"), ("seconds_total", "total s"),
               ("spread", "total s min–max"), ("peak_rss_mb", "peak RSS MB"), ("variables", "variables computed"),
               ("config", "configuration")]
    return Plan(measurements, summarize, columns=columns)


def fmt(value: Any) -> str:
    """A table cell: rates with thousands separators, ratios with one decimal, tiny diffs in e-notation."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value == 0:
            return "0"
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        if abs(value) < 1e-3:
            return f"{value:.1e}"
        return f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"
    return str(value)

