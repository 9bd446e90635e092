"""The server's guards and run queue (issue 9, §1-§2): Host allow-list, body limit settings, a bounded run queue
that answers 429 with Retry-After while /calc keeps answering, a result cache bounded by bytes, /docs and
/redoc served offline from the package, and `gongfu serve`'s options."""

from __future__ import annotations

import os
import re
import threading
import tomllib
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from gongfu.api import app as app_module
from gongfu.api import service
from gongfu.api.app import app
from gongfu.api.limits import BodyError, Settings, host_allowed, parse_json
from gongfu.api.runs import ByteCache, QueueFull, RunQueue

from .conftest import patch_runners

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "gongfu"
local = TestClient(app, raise_server_exceptions=False, base_url="http://127.0.0.1:8000")
FAMILY = {"household": {"province": "zhejiang", "area": "urban"}, "persons": [{"name": "a", "age": 40}]}


@pytest.fixture
def settings():
    """Change the app's settings for one test; the defaults come back after."""
    def apply(**kw):
        app_module.configure(Settings(**kw))

    yield apply
    app_module.configure(Settings())


# ---------------------------------------------------------------------------------------------- Host and body
def test_host_allow_list_rules():
    loop = ("localhost", "127.0.0.1", "[::1]")
    assert host_allowed("localhost:8000", loop, 8000)
    assert host_allowed("[::1]:8000", loop, 8000)
    assert host_allowed("127.0.0.1", loop, 8000)
    assert not host_allowed("localhost:8001", loop, 8000)
    assert not host_allowed("evil.example:8000", loop, 8000)
    assert not host_allowed("127.0.0.1.evil.example", loop, 8000)
    assert not host_allowed("", loop, 8000)
    assert host_allowed("api.example.org", ("*.example.org",), None)
    assert not host_allowed("example.org.evil", ("*.example.org",), None)
    assert host_allowed("gongfu.example.org:443", ("gongfu.example.org",), None)
    assert not host_allowed("gongfu.example.org:444", ("gongfu.example.org:443",), None)


def test_explicit_allowed_hosts_apply_on_any_address(settings):
    client = TestClient(app, raise_server_exceptions=False)  # server "testserver": not loopback
    assert client.get("/health", headers={"host": "anything.example"}).status_code == 200  # no list: no check
    settings(allowed_hosts=("gongfu.example.org",))
    assert client.get("/health", headers={"host": "gongfu.example.org"}).status_code == 200
    r = client.get("/health", headers={"host": "other.example"})
    assert r.status_code == 400 and r.json()["detail"][0]["loc"] == ["header", "host"]
    settings(allowed_hosts=("*",))
    assert local.get("/health", headers={"host": "other.example"}).status_code == 200


def test_body_limit_is_configurable(settings):
    settings(max_body=200)
    big = {**FAMILY, "name": "x" * 300}
    r = local.post("/calc", json=big)
    assert r.status_code == 413 and "200 bytes" in r.json()["detail"][0]["msg"]
    assert local.post("/calc", json=FAMILY).status_code == 200


def test_settings_from_environment():
    s = Settings.from_env({"GONGFU_MAX_BODY": "2048", "GONGFU_ALLOWED_HOSTS": " A.example , b.example:80 ",
                           "GONGFU_RUN_QUEUE": "0", "GONGFU_RUN_CACHE_MB": "1"})
    assert s.max_body == 2048 and s.allowed_hosts == ("a.example", "b.example:80") and s.queue == 0
    assert s.cache_bytes == 2**20
    assert Settings.from_env({}) == Settings()
    with pytest.raises(ValueError, match="GONGFU_MAX_BODY"):
        Settings.from_env({"GONGFU_MAX_BODY": "1 MB"})


def test_strict_json_parser_locates_the_problem():
    with pytest.raises(BodyError) as exc:
        parse_json(b'{"persons": [{"age": 1}, {"age": -Infinity}]}')
    assert exc.value.loc == ["body", "persons", 1, "age"] and "persons[1].age" in str(exc.value)
    assert parse_json(b'{"a": [1, 2.5, "\\u4e2d", null, true]}') == {"a": [1, 2.5, "中", None, True]}
    assert parse_json(b'{"a": -1000000000000000}') == {"a": -10**15}


# ---------------------------------------------------------------------------------------------- run queue
def test_byte_cache_is_bounded_by_bytes():
    cache = ByteCache(100)
    for key in "abc":
        cache.put(key, b"x" * 40)
    assert "a" not in cache and cache.nbytes == 80 and len(cache) == 2
    cache.get("b")  # b is now the most recent: c goes first
    cache.put("d", b"y" * 40)
    assert "c" not in cache and "b" in cache and "d" in cache
    cache.put("huge", b"z" * 101)
    assert "huge" not in cache and cache.nbytes <= 100


def test_run_queue_bounds_shares_and_frees():
    queue = RunQueue(ByteCache(10_000), workers=1, waiting=1)
    gate, calls = threading.Event(), []

    def blocked(tag: bytes):
        def make() -> bytes:
            calls.append(tag)
            gate.wait(30)
            return tag
        return make

    first = queue.submit("one", blocked(b"1"))
    assert queue.submit("one", blocked(b"again")) is first  # the same request shares the run
    second = queue.submit("two", blocked(b"2"))
    with pytest.raises(QueueFull) as exc:
        queue.submit("three", blocked(b"3"))
    assert exc.value.retry_after >= 1
    gate.set()
    assert first.result(30) == b"1" and second.result(30) == b"2"
    assert calls == [b"1", b"2"]
    assert queue.submit("one", blocked(b"x")).result(1) == b"1"  # cached
    assert queue.queued == 0


def test_full_queue_answers_429_while_calc_answers(monkeypatch, settings):
    patch_runners(monkeypatch, lambda *a, **k: {"never": "reached"}, lambda *a, **k: {"never": "reached"})
    settings(queue=1)
    service._RUNS.clear()
    gate = threading.Event()
    held = [service.RUNS.submit(f"held-{i}", lambda: (gate.wait(30), b"{}")[1]) for i in range(2)]
    try:
        r = local.post("/simulate", json={"households": 1000, "seed": 7})
        assert r.status_code == 429
        assert int(r.headers["retry-after"]) >= 1
        assert r.json()["detail"][0]["loc"] == ["server", "runs"]
        assert local.post("/calc", json=FAMILY).status_code == 200  # never waits behind runs
        assert local.get("/variables", params={"role": "tax"}).status_code == 200
    finally:
        gate.set()
        for f in held:
            f.result(30)
    r = local.post("/simulate", json={"households": 1000, "seed": 7})
    assert r.status_code == 200 and r.json() == {"never": "reached"}


# ---------------------------------------------------------------------------------------------- docs offline
@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_reference_no_external_host(page):
    r = local.get(page)
    assert r.status_code == 200
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", r.text), r.text
    assets = re.findall(r'(?:src|href)="([^"]+)"', r.text)
    assert assets
    for url in assets:
        assert url.startswith("/static/vendor/"), url
        got = local.get(url)
        assert got.status_code == 200 and len(got.content) > 500, url


def test_vendored_assets_keep_their_licences_and_are_package_data():
    vendor = PACKAGE / "web" / "vendor"
    for folder in ("swagger-ui", "redoc"):
        assert (vendor / folder / "LICENSE").is_file()
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["gongfu"]
    shipped = {p for pattern in patterns for p in PACKAGE.glob(pattern)}
    for path in vendor.rglob("*"):
        if path.is_file() and path.name != "README.md":
            assert path in shipped, f"{path} is not in pyproject's package-data"


# ---------------------------------------------------------------------------------------------- gongfu serve
def test_serve_options_and_warning(monkeypatch):
    from gongfu.cli import app as cli

    calls = []
    monkeypatch.setattr("uvicorn.run", lambda *a, **k: calls.append(k))
    for name in ("GONGFU_MAX_BODY", "GONGFU_RUN_QUEUE", "GONGFU_ALLOWED_HOSTS"):
        monkeypatch.delenv(name, raising=False)
    runner = CliRunner()
    try:
        result = runner.invoke(cli, ["serve", "--port", "8123", "--max-body", "5000", "--queue", "3"])
        assert result.exit_code == 0, result.output
        assert calls[-1]["host"] == "127.0.0.1" and calls[-1]["port"] == 8123
        assert calls[-1]["access_log"] is False  # about 1 ms of CPU per request: off unless asked
        assert "warning" not in result.output
        assert app_module.SETTINGS.max_body == 5000 and app_module.SETTINGS.queue == 3
        assert app_module.SETTINGS.allowed_hosts is None
        result = runner.invoke(cli, ["serve", "--host", "0.0.0.0", "--allowed-hosts", "gongfu.example.org"])
        assert result.exit_code == 0 and "warning" in result.output and "reverse proxy" in result.output
        assert app_module.SETTINGS.allowed_hosts == ("gongfu.example.org",)
        result = runner.invoke(cli, ["serve", "--allowed-hosts", "a b/c"])
        assert result.exit_code == 2 and "--allowed-hosts" in result.output
    finally:
        app_module.configure(Settings())


@pytest.mark.skipif(not hasattr(os, "getpriority"), reason="thread priorities are Linux's")
def test_runs_execute_at_a_lower_priority_than_calc():
    queue = RunQueue(ByteCache(1000))
    nice = queue.submit("nice", lambda: str(os.getpriority(os.PRIO_PROCESS, threading.get_native_id())).encode())
    assert int(nice.result(30)) >= os.getpriority(os.PRIO_PROCESS, 0) + 1


def test_startup_warms_up_and_freezes_the_loaded_objects():
    import gc

    try:
        with TestClient(app, base_url="http://127.0.0.1:8000") as client:
            assert gc.get_freeze_count() > 10_000  # the law and the engine's objects
            assert client.post("/calc", json=FAMILY).status_code == 200
    finally:
        gc.unfreeze()
