"""HTTP /calc latency and throughput of `gongfu serve`, alone and while runs are queued.

    python -m bench.http_calc [--requests 400] [--concurrency 1,16] [--runs 4] [--run-households 5000]

Starts `gongfu serve` (uvicorn, one process) on 127.0.0.1 on a free port in a subprocess, waits for /health, and
POSTs the example household of docs (a migrant couple and their toddler, Zhejiang) to /calc:
1. at each concurrency (1 and 16 clients, httpx), a bounded number of requests after a warm-up: throughput and
   p50/p95/p99 latency;
2. while `--runs` /compare requests (distinct seeds, so that they really run and queue) are in flight: /calc
   latency at concurrency 1 until they all answered, and the server's resident memory before, at the peak and
   after the runs;
3. with `--burst N`, the same with N /compare at once (the issue's 45): how many the queue refused (429).
Client and server share the machine's cores, as in the issue's figures; the server's CPU time per /calc request
is reported too (it does not depend on what else the machine runs). Prints one `RESULT {json}` line.
Goal: p95 <= 20 ms at concurrency 1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any

FAMILY = {"year": 2025, "household": {"province": "zhejiang", "area": "urban"},
          "persons": [{"name": "father", "age": 38, "hukou_province": "anhui", "hukou_type": "rural",
                       "wage_income": 96000},
                      {"name": "mother", "age": 36, "hukou_province": "anhui", "hukou_type": "rural",
                       "wage_income": 60000},
                      {"name": "son", "age": 2}]}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentiles(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)

    def q(p: float) -> float:
        return round(1000 * ordered[min(len(ordered) - 1, int(p * len(ordered)))], 2)

    return {"n": len(ordered), "p50_ms": q(0.50), "p95_ms": q(0.95), "p99_ms": q(0.99),
            "max_ms": round(1000 * ordered[-1], 2)}


def start_server(port: int, queue: int) -> subprocess.Popen:
    cmd = [sys.executable, "-c", "from gongfu.cli import app; app()", "serve", "--port", str(port),
           "--queue", str(queue)]
    log = tempfile.TemporaryFile()  # the server's log, read only if it fails (a pipe nobody reads could fill up)
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log, env=dict(os.environ))


def wait_ready(base: str, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    import httpx

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with status {proc.returncode}")
        try:
            if httpx.get(base + "/health", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit("server not ready after 60 s")


def rss_mb(pid: int) -> float:
    import psutil

    return round(psutil.Process(pid).memory_info().rss / 2**20, 1)


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) the server has used: per request, a figure the machine's load barely moves."""
    import psutil

    t = psutil.Process(pid).cpu_times()
    return t.user + t.system


async def calc_load(base: str, requests: int, concurrency: int) -> dict[str, Any]:
    """`requests` POSTs of /calc by `concurrency` clients; throughput and latency percentiles."""
    import httpx

    body = json.dumps(FAMILY).encode()
    headers = {"content-type": "application/json"}
    times: list[float] = []
    errors = 0
    todo = iter(range(requests))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30.0) as client:
        async def worker() -> None:
            nonlocal errors
            for _ in todo:
                t0 = time.perf_counter()
                try:
                    r = await client.post("/calc", content=body, headers=headers)
                except httpx.TransportError:  # e.g. a kept-alive connection the server closed as we sent
                    errors += 1
                    continue
                times.append(time.perf_counter() - t0)
                errors += r.status_code != 200

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - t0
    return {"concurrency": concurrency, "requests_per_s": round(len(times) / wall, 1), "errors": errors,
            **percentiles(times)}


def calc_during_runs(base: str, pid: int, runs: int, households: int, first_seed: int = 1000) -> dict[str, Any]:
    """/calc at concurrency 1 while `runs` /compare requests are in flight; the server's memory around them."""
    import httpx

    before = rss_mb(pid)
    statuses: list[int] = []
    peak = [before]

    def one(seed: int) -> None:
        r = httpx.post(base + "/compare", json={"reform": "dibao_plus_20pct", "households": households,
                                                "seed": seed}, timeout=600.0)
        statuses.append(r.status_code)

    threads = [threading.Thread(target=one, args=(first_seed + i,)) for i in range(runs)]
    for t in threads:
        t.start()
    time.sleep(0.3)
    times: list[float] = []
    body = json.dumps(FAMILY).encode()
    t_start = time.perf_counter()
    with httpx.Client(base_url=base, timeout=30.0) as client:
        while any(t.is_alive() for t in threads):
            t0 = time.perf_counter()
            r = client.post("/calc", content=body, headers={"content-type": "application/json"})
            times.append(time.perf_counter() - t0)
            assert r.status_code == 200, r.text
            if len(times) % 20 == 0:
                peak.append(rss_mb(pid))
    seconds = time.perf_counter() - t_start
    for t in threads:
        t.join()
    time.sleep(1.0)
    return {"runs": runs, "run_households": households, "run_statuses": sorted(statuses),
            "run_status_counts": {str(c): statuses.count(c) for c in sorted(set(statuses))},
            "seconds_runs": round(seconds, 2), **percentiles(times),
            "rss_before_mb": before, "rss_peak_mb": max(peak), "rss_after_mb": rss_mb(pid)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=400, help="/calc requests per concurrency level")
    ap.add_argument("--concurrency", default="1,16")
    ap.add_argument("--runs", type=int, default=4, help="/compare requests in flight for the last measurement")
    ap.add_argument("--run-households", type=int, default=5000)
    ap.add_argument("--burst", type=int, default=0,
                    help="then this many /compare at once (the issue's 45): how many are refused (429), /calc "
                         "latency meanwhile, memory after")
    ap.add_argument("--queue", type=int, default=8, help="the server's --queue")
    args = ap.parse_args()

    load_before = os.getloadavg()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_server(port, args.queue)
    try:
        wait_ready(base, proc)
        asyncio.run(calc_load(base, 50, 1))  # warm-up: law loaded, first requests paid
        levels = []
        for c in args.concurrency.split(","):
            cpu0 = cpu_seconds(proc.pid)
            level = asyncio.run(calc_load(base, args.requests, int(c)))
            level["server_cpu_ms_per_request"] = round(1000 * (cpu_seconds(proc.pid) - cpu0) / level["n"], 2)
            levels.append(level)
        during = calc_during_runs(base, proc.pid, args.runs, args.run_households) if args.runs else None
        burst = calc_during_runs(base, proc.pid, args.burst, args.run_households, 5000) if args.burst else None
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    one = next((x for x in levels if x["concurrency"] == 1), None)
    result = {"benchmark": "http_calc", "levels": levels, "during_runs": during, "burst": burst,
              "load_average_before": load_before, "load_average_after": os.getloadavg(), "cpus": os.cpu_count(),
              "goal_p95_ms": 20, "goal_met": one is not None and one["p95_ms"] <= 20,
              "command": "python -m bench.http_calc " + " ".join(sys.argv[1:])}
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
