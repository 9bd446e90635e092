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



# ---------------------------------------------------------------------------------------------- national runs
@benchmark("national", "National runs: 10M persons local vs Dask, and all of China at 1:1",
           "Wall time, persons/s and peak resident memory (process tree) of `gongfu.run.compare` — population "
           "generated on the fly, baseline + one reform (dibao +20%) in one pass — for 10M persons on the local "
           "pool and on a Dask LocalCluster(2 workers) (results must be identical), and 1.41 billion persons "
           "(skipped with --quick). Goal at 1:1: <= 10 minutes and <= 8 GB peak.")
def plan_national(opts: Options) -> Plan:
    configs = [("10000000", "local"), ("10000000", "dask")] + ([] if opts.quick else [("full", "local")])
    measurements = [Measurement(key=f"national@{scale}:{mode}", label=f"national, {scale} persons, {mode}",
                                module="bench.national", timeout=7200.0,
                                args=["--one", "--scale", scale, "--mode", mode, "--seed", str(opts.seed or 1)])
                    for scale, mode in configs]

    def summarize(results: dict[str, list[dict[str, Any]]]) -> tuple[list[dict[str, Any]], list[str]]:
        rows, notes = [], []
        med = {key: median_run([{**r, "seconds_total": r["seconds_wall"]} for r in runs])
               for key, runs in results.items()}
        for r in med.values():
            rows.append({"scale": r["scale"], "mode": r["mode"], "persons": r["persons"],
                         "seconds_wall": r["seconds_wall"], "persons_per_s": r["persons_per_s"],
                         "peak_rss_mb": r["peak_rss_mb"], "peak_worker_rss_mb": r["peak_worker_rss_mb"],
                         "partitions": r["partitions"], "gini": r["gini_baseline"],
                         "results_sha256": r["results_sha256"][:12]})
        local, dask = med.get("national@10000000:local"), med.get("national@10000000:dask")
        if local and dask:
            same = local["results_sha256"] == dask["results_sha256"]
            notes.append(f"10M persons: Dask results {'identical to' if same else 'DIFFER from'} local; "
                         f"Dask/local speed {dask['persons_per_s'] / local['persons_per_s']:.2f}×")
            if not same and local["run_fingerprint"] == dask["run_fingerprint"]:
                raise BenchFailure("Dask and local results differ for the same run fingerprint")
        full = med.get("national@full:local")
        if full:
            ok = full["seconds_wall"] <= 600 and full["peak_rss_mb"] <= 8192
            notes.append(f"1:1 China: {full['persons']:,} persons in {full['seconds_wall'] / 60:.1f} min, peak "
                         f"{full['peak_rss_mb'] / 1024:.2f} GB (goal <= 10 min and <= 8 GB: {'met' if ok else 'NOT met'})")
        return rows, notes

    columns = [("scale", "scale"), ("mode", "backend"), ("persons", "persons"), ("seconds_wall", "wall s"),
               ("persons_per_s", "persons/s"), ("peak_rss_mb", "peak RSS MB (tree)"),
               ("peak_worker_rss_mb", "peak worker MB"), ("partitions", "partitions"), ("gini", "Gini"),
               ("results_sha256", "results sha256")]
    return Plan(measurements, summarize, columns=columns)


# ---------------------------------------------------------------------------------------------- reform latency
@benchmark("reform_latency", "A reform on the warm default sample: reform file to full analysis",
           "Seconds from reading a reform file to the full compare dict on the make-demo sample (100,000 "
           "households, seed 2025) already in memory, law loaded (bench/reform_latency.py). Goal: <= 1 second.")
def plan_reform_latency(opts: Options) -> Plan:
    measurements = [Measurement(key=f"reform_latency:{w}", label=f"reform latency, {w} worker(s)",
                                module="bench.reform_latency", args=["--workers", str(w), "--repeat", "3"])
                    for w in (1, 2)]

    def summarize(results: dict[str, list[dict[str, Any]]]) -> tuple[list[dict[str, Any]], list[str]]:
        rows = [{"workers": r["workers"], "households": r["households"], "persons": r["persons"],
                 "seconds_median": r["seconds_median"], "seconds_min": min(r["seconds"])}
                for runs in results.values() for r in runs[:1]]
        best = min(r["seconds_median"] for r in rows)
        return rows, [f"fastest median {best:.2f} s (goal <= 1 s: {'met' if best <= 1 else 'NOT met'})"]

    columns = [("workers", "workers"), ("households", "households"), ("persons", "persons"),
               ("seconds_median", "s (median of 3)"), ("seconds_min", "s (best)")]
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



# ---------------------------------------------------------------------------------------------- HTTP /calc
@benchmark("http_calc", "HTTP: /calc latency and throughput of `gongfu serve`, alone and while runs are queued",
           "Starts `gongfu serve` on 127.0.0.1 (a free port) and POSTs one household to /calc with httpx: "
           "requests/s and p50/p95/p99 at concurrency 1 and 16, then /calc latency at concurrency 1 while 4 "
           "/compare requests (5,000 households each) are queued, with the server's memory before, at the peak "
           "and after (bench/http_calc.py). Client and server share the cores. Goal: p95 <= 20 ms at concurrency 1.")
def plan_http_calc(opts: Options) -> Plan:
    requests = 200 if opts.quick else 1000
    measurements = [Measurement(key="http_calc", label="HTTP /calc", module="bench.http_calc", timeout=1200.0,
                                args=["--requests", str(requests), "--runs", "4",
                                      "--burst", "0" if opts.quick else "45"])]

    def summarize(results: dict[str, list[dict[str, Any]]]) -> tuple[list[dict[str, Any]], list[str]]:
        runs = sorted(results["http_calc"], key=lambda x: x["levels"][0]["p95_ms"])
        r = runs[(len(runs) - 1) // 2]  # the repetition with the median p95 at the first concurrency
        rows = [{"load": f"concurrency {x['concurrency']}", "requests": x["n"], "rps": x["requests_per_s"],
                 "p50": x["p50_ms"], "p95": x["p95_ms"], "p99": x["p99_ms"],
                 "cpu": x.get("server_cpu_ms_per_request")} for x in r["levels"]]
        d = r.get("during_runs")
        notes = [f"load average {r['load_average_before'][0]:.1f} before, {r['load_average_after'][0]:.1f} after, "
                 f"on {r['cpus']} CPUs"] if "load_average_before" in r else []
        if d:
            rows.append({"load": f"concurrency 1, {d['runs']} /compare queued", "requests": d["n"],
                         "rps": round(d["n"] / d["seconds_runs"], 1), "p50": d["p50_ms"], "p95": d["p95_ms"],
                         "p99": d["p99_ms"]})
            notes.append(f"server RSS {d['rss_before_mb']:.0f} MB before the runs, {d['rss_peak_mb']:.0f} MB at the "
                         f"peak, {d['rss_after_mb']:.0f} MB after; run statuses {d['run_statuses']}")
        b = r.get("burst")
        if b:
            rows.append({"load": f"concurrency 1, {b['runs']} /compare at once", "requests": b["n"],
                         "rps": round(b["n"] / b["seconds_runs"], 1), "p50": b["p50_ms"], "p95": b["p95_ms"],
                         "p99": b["p99_ms"]})
            notes.append(f"{b['runs']} /compare at once: statuses {b['run_status_counts']}; server RSS "
                         f"{b['rss_peak_mb']:.0f} MB at the peak, {b['rss_after_mb']:.0f} MB after")
        one = next((x for x in r["levels"] if x["concurrency"] == 1), None)
        if one:
            notes.append(f"p95 at concurrency 1: {one['p95_ms']:.1f} ms (goal <= 20 ms: "
                         f"{'met' if one['p95_ms'] <= 20 else 'NOT met'})")
        return rows, notes

    columns = [("load", "load"), ("requests", "requests"), ("rps", "req/s"), ("p50", "p50 ms"), ("p95", "p95 ms"),
               ("p99", "p99 ms"), ("cpu", "server CPU ms/request")]
    return Plan(measurements, summarize, columns=columns)
