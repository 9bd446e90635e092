"""The web page's files without a browser: the vendored chart library (its licence, its version, package data,
served by the API) and no address outside the server in the page."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from fastapi.testclient import TestClient

import gongfu
from gongfu.api.app import app

PACKAGE = Path(gongfu.__file__).parent
WEB = PACKAGE / "web"
ROOT = Path(__file__).resolve().parents[2]
client = TestClient(app, raise_server_exceptions=False)


def test_echarts_is_vendored_with_its_licence_and_version_noted():
    vendor = WEB / "vendor" / "echarts"
    js = (vendor / "echarts.common.min.js").read_text(encoding="utf-8")
    assert 't.version="6.1.0"' in js
    assert "Apache License" in (vendor / "LICENSE").read_text(encoding="utf-8")
    assert "Apache ECharts" in (vendor / "NOTICE").read_text(encoding="utf-8")
    assert (vendor / "LICENSE-d3").is_file()  # the licence of the d3 code the build contains (LICENSE says so)
    readme = (WEB / "vendor" / "README.md").read_text(encoding="utf-8")
    assert re.search(r"\| echarts/ \| echarts .*\| 6\.1\.0 \| Apache-2\.0", readme)


def test_every_web_file_is_package_data():
    """Each file under web/ (the page, the chart library, the docs assets) is matched by pyproject's
    package-data, so the wheel carries it."""
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["gongfu"]
    shipped = {p for pattern in patterns for p in PACKAGE.glob(pattern)}
    files = [p for p in WEB.rglob("*") if p.is_file() and p.name != "README.md"]
    assert WEB / "vendor" / "echarts" / "echarts.common.min.js" in files
    assert [p for p in files if p not in shipped] == []


def test_the_page_loads_the_chart_library_from_the_server_only():
    js = client.get("/static/app.js").text
    loaded = re.findall(r'"(/static/vendor/[^"]+)"', js)
    assert loaded == ["/static/vendor/echarts/echarts.common.min.js"]
    got = client.get(loaded[0])
    assert got.status_code == 200 and "javascript" in got.headers["content-type"] and len(got.content) > 500_000
    for text in (client.get("/").text, js, client.get("/static/style.css").text):
        assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}/", text)


def test_labels_exist_in_both_languages():
    """Every key of the English interface text has a Chinese one and the other way round."""
    js = (WEB / "app.js").read_text(encoding="utf-8")
    ui = re.sub(r'"(?:[^"\\]|\\.)*"|`(?:[^`\\]|\\.)*`', '""', js[js.index("const UI = {"):js.index("\n};")])
    en, zh = ui[ui.index("  en: {") + 7:ui.index("  zh: {")], ui[ui.index("  zh: {") + 7:]
    keys = lambda block: set(re.findall(r"(?:^|[\s{,])([a-z_0-9]+): ", block))  # noqa: E731
    assert keys(en) - keys(zh) == set() and keys(zh) - keys(en) == set()
    html = (WEB / "index.html").read_text(encoding="utf-8")
    assert set(re.findall(r'data-t="([a-z_0-9]+)"', html)) <= keys(en)
