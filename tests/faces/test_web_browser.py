"""The web page in a real headless Chromium (tests/faces/headless.py: the DevTools protocol on a pipe).

`gongfu serve` runs in a subprocess; the page is loaded at a phone's width (390 px) and a desktop's (1400 px), in
English and Chinese, with a reform, and what the user sees is measured: the page is no wider than the screen,
Chinese labels never stand one character per line, no select cuts its text, the household shows baseline |
reform | change with the API's figures, the earnings chart draws the API's points, a link reproduces the view and
a bad link says what is wrong without breaking the page. Skipped, saying why, where no Chromium is installed
(Debian/Ubuntu: `apt-get install chromium fonts-noto-cjk`). With GONGFU_SCREENS=DIR the screenshots (en and zh,
1400 and 390 px, with a reform and the chart) are written there too.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from headless import Browser, BrowserError, Page, find_chromium

ROOT = Path(__file__).resolve().parents[2]
REFORM = "dibao_plus_20pct"
READY = "document.body.dataset.ready === '1'"
CHARTED = "!!(window.echarts && state.chart && document.querySelector('#sweep-chart canvas'))"


# ---------------------------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def server():
    """`gongfu serve` on a free loopback port, from this tree's sources."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, "-c", "from gongfu.cli import app; app()", "serve", "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                err = proc.stderr.read().decode(errors="replace")[-2000:] if proc.poll() is not None else ""
                pytest.fail(f"gongfu serve did not start on port {port}: {err}")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


@pytest.fixture(scope="module")
def browser():
    binary = find_chromium()
    if binary is None:
        pytest.skip("no Chromium found (set GONGFU_CHROMIUM, or on Debian/Ubuntu: apt-get install chromium "
                    "fonts-noto-cjk): the web page's browser tests cannot run")
    try:
        b = Browser(binary)
    except (BrowserError, OSError) as exc:
        pytest.skip(f"Chromium ({binary}) could not be started headless: {exc}")
    try:
        yield b
    finally:
        b.close()


@pytest.fixture(scope="module")
def guizhou(server) -> dict:
    """The example rural Guizhou family on dibao (the household of the issue's closing chart)."""
    examples = httpx.get(f"{server}/examples").json()
    return next(x["household"] for x in examples if x["household"]["household"]["province"] == "guizhou")


def b64url(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data, ensure_ascii=False).encode()).decode().rstrip("=")


def link(server: str, hh: dict | None = None, **params: str) -> str:
    parts = [f"{k}={v}" for k, v in params.items()]
    if hh is not None:
        parts.append(f"hh={b64url(hh)}")
    return f"{server}/#{'&'.join(parts)}"


def open_page(browser: Browser, url: str, width: int, chart: bool = True) -> Page:
    """A new tab at `width` px showing `url` (in a context of its own: no storage left by earlier tests)."""
    page = browser.page(width)
    page.go(url)
    page.wait(READY, 90, "the page to start")
    if chart:
        page.wait(CHARTED, 60, "the earnings chart")
    return page


def exceptions(browser: Browser, page: Page) -> list[str]:
    return [e["params"]["exceptionDetails"].get("exception", {}).get("description", "")
            for e in browser.events if e["method"] == "Runtime.exceptionThrown" and e.get("sessionId") == page.session]


def number(text: str) -> float:
    """'+4,243.20' / '−806' / '20,839.2' -> float."""
    return float(text.replace(",", "").replace("−", "-").replace("+", "").strip())


# What a user reads as labels: table headers and first cells, form labels, cards, headings.
LABELS = ("th, .results td:first-child, label > span, .kpi .label, h2, .tab, .reform-note, #persons td")
#: for each visible label with at least 3 characters: its text, its number of characters and of lines
LINES_JS = """
[...document.querySelectorAll(__LABELS__)].filter((n) => n.offsetParent !== null).map((n) => {
  const walker = document.createTreeWalker(n, NodeFilter.SHOW_TEXT);
  let lines = new Set(), chars = 0, text = "";
  for (let t = walker.nextNode(); t; t = walker.nextNode()) {
    if (t.parentElement.closest("select, option, input, script")) continue;
    const s = t.textContent.trim();
    if (!s) continue;
    text += s; chars += [...s].length;
    const range = document.createRange(); range.selectNodeContents(t);
    for (const r of range.getClientRects()) if (r.width > 0) lines.add(Math.round(r.top));
  }
  return [text, chars, lines.size];
}).filter(([t, c, l]) => c >= 3 && l > 0)
""".replace("__LABELS__", json.dumps(LABELS))


# ---------------------------------------------------------------------------------------------- layout
SELECT_CUT_JS = """
(() => {
  const ctx = document.createElement('canvas').getContext('2d');
  return [...document.querySelectorAll('#hh-form select, #sweep-form select')].filter((s) => s.offsetParent !== null)
    .map((s) => {
      const cs = getComputedStyle(s);
      ctx.font = `${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
      const text = s.options[s.selectedIndex]?.text || '';
      const room = s.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) - 16;  // the arrow
      return [s.id || s.closest('td')?.dataset.field || '?', text, Math.round(ctx.measureText(text).width), Math.round(room)];
    }).filter(([id, text, need, room]) => need > room && id !== 'example');
})()
"""


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_phone_width_page_fits_and_labels_do_not_wrap_per_character(browser, server, guizhou, lang):
    """At 390 px (a phone) nothing makes the page wider than the screen (it was 524 px), tables scroll inside
    their box, and no label stands one character per line (as Chinese labels did in squeezed columns)."""
    page = open_page(browser, link(server, guizhou, lang=lang, reform=REFORM), 390)
    try:
        assert page.js("document.documentElement.scrollWidth") <= 390
        assert page.js("document.documentElement.lang") == ("zh-CN" if lang == "zh" else "en")
        # every box is inside the screen (a table wider than the screen scrolls inside its .scroll box)
        outside = page.js("""[...document.querySelectorAll('main *, header *')].filter((n) => n.offsetParent !== null
            && !n.closest('.scroll') && n.getBoundingClientRect().right > 391).map((n) => n.tagName + '#' + n.id
            + '.' + n.className).slice(0, 5)""")
        assert outside == []
        squeezed = [(t, c, n) for t, c, n in page.js(LINES_JS) if c / n < 2]
        assert squeezed == [], squeezed[:5]
        assert page.js(SELECT_CUT_JS) == []  # no select cuts its value ('same as residenc', 'Wages and salarie')
        # the persons form is one card per person: its fields side by side, not a 1,100 px table
        assert page.js("getComputedStyle(document.querySelector('#persons tbody tr')).display") == "grid"
        assert not exceptions(browser, page)
    finally:
        page.close()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_desktop_width_selects_show_their_whole_value(browser, server, lang):
    """At 1400 px the persons' selects are not cut ('rural huk' was), and the persons form fits its card."""
    page = open_page(browser, link(server, lang=lang), 1400)
    try:
        assert page.js("document.documentElement.scrollWidth") <= 1400
        assert page.js(SELECT_CUT_JS) == []
        box = page.js("[document.querySelector('#persons').scrollWidth, "
                      "document.querySelector('#persons').parentElement.clientWidth]")
        assert box[0] <= box[1]
        squeezed = [(t, c, n) for t, c, n in page.js(LINES_JS) if c / n < 2]
        assert squeezed == [], squeezed[:5]
    finally:
        page.close()


# ---------------------------------------------------------------------------------------------- reform beside baseline
def test_household_under_a_reform_shows_baseline_reform_and_change(browser, server, guizhou):
    """The household table and the cards show the API's baseline, reform and change (dibao raised by 20%)."""
    api = httpx.post(f"{server}/calc", json={**guizhou, "reform": REFORM}).json()
    page = open_page(browser, link(server, guizhou, lang="en", reform=REFORM), 1400, chart=False)
    try:
        heads = page.js("[...document.querySelectorAll('#hh-table thead th')].map((n) => n.textContent)")
        assert heads == ["Variable", "Baseline", "Reform", "Change"]
        rows = page.js("""Object.fromEntries([...document.querySelectorAll('#hh-table tbody tr')].map((tr) =>
            [tr.cells[0].title, [...tr.cells].slice(1).map((c) => c.textContent)]))""")
        for name in ("dibao", "disposable_income", "total_benefits", "market_income"):
            base, ref, change = rows[name]
            assert number(base) == pytest.approx(api["baseline"]["household"][name], abs=0.01)
            assert number(ref) == pytest.approx(api["household"][name], abs=0.01)
            assert number(change) == pytest.approx(api["change"]["household"][name], abs=0.01)
        assert api["change"]["household"]["dibao"] > 0  # the case shows a change
        changed = page.js("[...document.querySelectorAll('#hh-table tr.changed')].map((tr) => tr.cells[0].title)")
        assert "dibao" in changed and "market_income" not in changed
        # persons: a name over three columns each
        sub = page.js("[...document.querySelectorAll('#person-table thead tr:nth-child(2) th')].map((n) => n.textContent)")
        assert sub == ["Baseline", "Reform", "Change"] * len(guizhou["persons"])
        assert "Dibao standards raised by 20%" in page.js("document.querySelector('#hh-reform-note').textContent")
        # a baseline figure explains the law in force, a reform figure the reform
        page.js("[...document.querySelectorAll('#hh-table tbody tr')].find((tr) => tr.cells[0].title === 'dibao')"
                ".cells[1].querySelector('a').click()")
        title = page.wait("!document.querySelector('#explain-card').hidden && "
                          "document.querySelector('#explain-title').textContent", 30, "the explanation")
        assert title.startswith("Dibao") and title.endswith("— Baseline")
        assert f"= {api['baseline']['household']['dibao']:,.0f} " in page.js("document.querySelector('#explain-tree').textContent")
        # back to the law in force: one value column
        page.js("(() => { const s = document.querySelector('#hh-reform'); s.value = 'baseline';"
                " s.dispatchEvent(new Event('change')); })()")
        page.wait("document.querySelectorAll('#hh-table thead th').length === 3", 30, "the one-column table")
        assert "reform=" not in page.js("location.hash")
    finally:
        page.close()


# ---------------------------------------------------------------------------------------------- earnings chart
def test_earnings_chart_draws_the_sweep_of_baseline_and_reform(browser, server, guizhou):
    """The chart's four lines are the points /calc/sweep gives for the household on screen; its default range
    for a dibao household covers where dibao is withdrawn (0 to three times the dibao)."""
    page = open_page(browser, link(server, guizhou, lang="zh", reform=REFORM), 1400)
    try:
        vary = page.js("({variable: document.querySelector('#sweep-variable').value, "
                       "person: document.querySelector('#sweep-person').selectedOptions[0].text, "
                       "from: +document.querySelector('#sweep-from').value, to: +document.querySelector('#sweep-to').value, "
                       "step: +document.querySelector('#sweep-step').value})")
        assert vary["variable"] == "wage_income" and vary["person"] == "father"  # the first working-age adult
        api = httpx.post(f"{server}/calc/sweep", json={**guizhou, "reform": REFORM, "vary": vary}).json()
        dibao = httpx.post(f"{server}/calc", json={**guizhou, "reform": REFORM}).json()["baseline"]["household"]["dibao"]
        assert vary["from"] == 0 and 3 * dibao <= vary["to"] <= 6 * dibao
        series = page.js("state.chart.getOption().series.map((s) => [s.name, s.xAxisIndex, s.data])")
        assert [(s[0], s[1]) for s in series] == [("现行政策", 0), ("现行政策", 1), ("改革后", 0), ("改革后", 1)]
        for (_, axis, data), points in zip(series, [api["baseline"]["points"]] * 2 + [api["points"]] * 2,
                                           strict=True):
            key = "disposable_income" if axis == 0 else "marginal_effective_tax_rate"
            assert [x for x, _ in data] == [p["value"] for p in points]
            assert [y for _, y in data] == [p[key] for p in points]
        # the canvas is drawn: pixels of the reform's red
        red = page.js("""(() => { const c = document.querySelector('#sweep-chart canvas');
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
            for (let i = 0; i < d.length; i += 4) if (d[i] > 120 && d[i + 1] < 60 && d[i + 2] < 60) n++; return n; })()""")
        assert red > 500
        # the cliffs named under the chart are the API's
        text = page.js("document.querySelector('#sweep-details').textContent")
        for cliff in api["cliffs"]:
            assert f"{cliff['from']:,.0f} → {cliff['to']:,.0f}" in text
        # another person and income: the chart is drawn again for them
        page.js("(() => { const s = document.querySelector('#sweep-person'); s.value = '1';"
                " s.dispatchEvent(new Event('change', {bubbles: true})); })()")
        page.wait("state.lastSweep && state.lastSweep.personName === 'mother'", 30, "the chart for the mother")
        assert "person=mother" in page.js("location.hash")
        assert not exceptions(browser, page)
    finally:
        page.close()


def test_chart_library_is_served_from_the_package(browser, server):
    page = open_page(browser, f"{server}/#lang=en", 1400)
    try:
        scripts = page.js("[...document.scripts].map((s) => s.src)")
        assert f"{server}/static/vendor/echarts/echarts.common.min.js" in scripts
        assert all(s.startswith(server) for s in scripts)
        assert page.js("echarts.version") == "6.1.0"
    finally:
        page.close()


# ---------------------------------------------------------------------------------------------- the URL
def test_a_link_reproduces_the_view(browser, server):
    """Edit the household, choose a reform, switch to Chinese and another chart person: the URL then holds it all,
    and opening that URL in a fresh tab shows the same household, reform, language, chart and figures."""
    page = open_page(browser, f"{server}/", 1400)
    try:
        page.js("""(() => {
            const wage = document.querySelector('#persons tbody tr:nth-child(2) td[data-field=wage_income] input');
            wage.value = '72000';
            document.querySelector('#hh-reform').value = 'iit_basic_deduction_3500';
            document.querySelector('#hh-form').requestSubmit();
        })()""")
        page.wait("state.lastBody && state.lastBody.reform === 'iit_basic_deduction_3500' && state.lastCalc.baseline",
                  30, "the reform's figures")
        page.js("document.querySelector('#lang').click()")
        page.js("(() => { const s = document.querySelector('#sweep-person'); s.value = '1';"
                " s.dispatchEvent(new Event('change', {bubbles: true})); })()")
        page.wait("state.lastSweep && state.lastSweep.personName === 'mother'", 30, "the chart for the mother")
        url = page.js("location.href")
        before = page.js("[document.querySelector('#hh-table').innerText, document.querySelector('#person-table').innerText]")
    finally:
        page.close()
    assert re.search(r"#.*lang=zh", url) and "reform=iit_basic_deduction_3500" in url and "person=mother" in url
    hh = json.loads(base64.urlsafe_b64decode(re.search(r"hh=([\w-]+)", url)[1] + "=="))
    assert hh["persons"][1]["wage_income"] == 72000 and "reform" not in hh

    again = open_page(browser, url, 1400)
    try:
        assert again.js("document.documentElement.lang") == "zh-CN"
        assert again.js("document.querySelector('#hh-reform').value") == "iit_basic_deduction_3500"
        assert again.js("document.querySelector('#persons tbody tr:nth-child(2) td[data-field=wage_income] input').value") == "72000"
        assert again.js("document.querySelector('#sweep-person').selectedOptions[0].text") == "mother"
        after = again.js("[document.querySelector('#hh-table').innerText, document.querySelector('#person-table').innerText]")
        assert after == before
        assert again.js("document.querySelector('#link-error').hidden")
        assert again.js("location.href") == url
    finally:
        again.close()


BAD_LINKS = [
    ("hh=%%%not-base64", "household part (hh) is not valid"),
    (f"hh={b64url({'household': {}, 'persons': []})}", "household part (hh) is not valid"),
    (f"hh={base64.urlsafe_b64encode(b'{not json').decode()}", "household part (hh) is not valid"),
    ("reform=no_such_reform", "no_such_reform"),
    ("lang=fr", 'language "fr"'),
    ("vary=rent&person=ghost", '"ghost"'),
    ("from=0&to=lots&step=100", '"to" is not a number'),
]


@pytest.mark.parametrize(("fragment", "message"), BAD_LINKS)
def test_a_bad_link_says_what_is_wrong_and_the_page_still_works(browser, server, fragment, message):
    page = open_page(browser, f"{server}/#{fragment}", 390, chart=False)
    try:
        box = page.js("[document.querySelector('#link-error').hidden, document.querySelector('#link-error').textContent]")
        assert box[0] is False and box[1].startswith("This link could not be read: ") and message in box[1], box
        assert "\n" not in box[1]
        page.wait(CHARTED, 60, "the example's chart")  # the rest of the page works: an example, its figures
        assert page.js("document.querySelector('#hh-results').hidden") is False
        assert page.js("document.querySelector('#hh-reform').value") == "baseline"
        assert not exceptions(browser, page)
    finally:
        page.close()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_projected_year_is_said_above_the_figures(browser, server, guizhou, lang):
    """A year past the last dated law (the API's `law.projected`): a note in the page's language; none for 2025."""
    law = httpx.get(f"{server}/codes").json()
    if not law.get("horizon") or law["horizon"] <= law["last_known_year"]:
        pytest.skip("the law projects no year past its last dated values")
    year = law["horizon"]
    page = open_page(browser, link(server, {**guizhou, "year": year}, lang=lang), 1400, chart=False)
    try:
        note = page.wait("!document.querySelector('#hh-law-note').hidden && "
                         "document.querySelector('#hh-law-note').textContent", 30, "the projection note")
        assert str(year) in note and str(law["last_known_year"]) in note
        assert ("推算" in note) if lang == "zh" else ("projected" in note)
    finally:
        page.close()
    page = open_page(browser, link(server, guizhou, lang=lang), 1400, chart=False)
    try:
        assert page.js("document.querySelector('#hh-law-note').hidden") is True
    finally:
        page.close()


def test_a_link_with_a_wrong_household_shows_the_servers_message(browser, server):
    """A household the server refuses: its one-line message, naming the field, under the form."""
    hh = {"year": 2025, "household": {"province": "atlantis", "area": "urban"}, "persons": [{"name": "a", "age": 30}]}
    page = open_page(browser, link(server, hh, lang="en"), 1400, chart=False)
    try:
        text = page.wait("!document.querySelector('#hh-error').hidden && document.querySelector('#hh-error').textContent",
                         30, "the error")
        assert text.startswith("The household in this link: ") and "province" in text and "atlantis" in text
        assert not exceptions(browser, page)
    finally:
        page.close()


# ---------------------------------------------------------------------------------------------- years
OPTIONS_JS = "(id) => [...document.querySelector(id).options].map((o) => [o.value, o.text])"


def choose(page: Page, select: str, value: str) -> None:
    page.js(f"(() => {{ const s = document.querySelector({json.dumps(select)}); s.value = {json.dumps(value)};"
            " s.dispatchEvent(new Event('change', {bubbles: true})); })()")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_year_selector_offers_exactly_the_modelled_years(browser, server, lang):
    """The year is a select of the years GET /years models (no free number a user could push past the law), each
    projected year labelled as such in the page's language, the default year chosen; the scenario tab and the
    cost-by-year window offer the same years."""
    years = httpx.get(f"{server}/years").json()
    assert [r["year"] for r in years["years"]] == list(range(2022, 2031))  # the law's coverage today
    suffix = " (projected)" if lang == "en" else "（预测）"
    expected = [[str(r["year"]), f"{r['year']}{suffix}" if r["projected"] else str(r["year"])] for r in years["years"]]
    page = open_page(browser, link(server, lang=lang), 1400, chart=False)
    try:
        assert page.js("document.querySelector('#year').tagName") == "SELECT"
        for select in ("#year", "#sc-year", "#win-from", "#win-to"):
            assert page.js(f"({OPTIONS_JS})({json.dumps(select)})") == expected, select
        assert ["2027", f"2027{suffix}"] in expected and ["2025", "2025"] in expected
        assert page.js("document.querySelector('#year').value") == str(years["default_year"])
        assert page.js("state.lastBody.year") == years["default_year"]
        assert page.js("[document.querySelector('#win-from').value, document.querySelector('#win-to').value]") == [
            str(years["default_year"]), str(years["horizon"])]
        # the window's defaults pass the form's own checks (5,000 households was off the input's step once)
        assert page.js("document.querySelector('#win-form').checkValidity()") is True
        # the labels follow the language switch
        page.js("document.querySelector('#lang').click()")
        other = " (projected)" if lang == "zh" else "（预测）"
        assert page.js(f"({OPTIONS_JS})('#year')")[5] == ["2027", f"2027{other}"]
        assert not exceptions(browser, page)
    finally:
        page.close()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_choosing_a_projected_year_sends_it_says_so_and_the_link_keeps_it(browser, server, lang):
    """Choosing 2027 computes the household for 2027 (the request's year and the API's answer), shows the
    projected-law note, and writes year=2027 into the link; that link, opened anew, restores 2027."""
    page = open_page(browser, link(server, lang=lang), 1400, chart=False)
    try:
        assert page.js("document.querySelector('#hh-law-note').hidden") is True
        choose(page, "#year", "2027")
        note = page.wait("state.lastCalc && state.lastCalc.year === 2027 && !document.querySelector('#hh-law-note').hidden"
                         " && document.querySelector('#hh-law-note').textContent", 30, "the 2027 figures")
        assert page.js("state.lastBody.year") == 2027
        assert "2027" in note and "2025" in note and (("推算" in note) if lang == "zh" else ("projected" in note))
        assert page.js("document.querySelector('#sc-year').value") == "2027"  # one year for the page
        url = page.js("location.href")
        before = page.js("document.querySelector('#hh-table').innerText")
    finally:
        page.close()
    assert "year=2027" in url
    hh = json.loads(base64.urlsafe_b64decode(re.search(r"hh=([\w-]+)", url)[1] + "=="))
    assert hh["year"] == 2027
    again = open_page(browser, url, 1400, chart=False)
    try:
        assert again.js("document.querySelector('#year').value") == "2027"
        again.wait("state.lastCalc && state.lastCalc.year === 2027", 30, "the 2027 figures")
        assert again.js("document.querySelector('#hh-table').innerText") == before
        assert again.js("document.querySelector('#hh-law-note').hidden") is False
    finally:
        again.close()


def test_the_year_in_a_short_link_is_restored_and_a_bad_one_named(browser, server):
    """`#lang=zh&year=2028` (no household): the example household computed for 2028; `year=2019` (not modelled)
    and `year=abc`: a message naming the year, and the default year computed."""
    page = open_page(browser, link(server, lang="zh", year="2028"), 390, chart=False)
    try:
        page.wait("state.lastCalc && state.lastCalc.year === 2028", 30, "the 2028 figures")
        assert page.js("document.querySelector('#year').value") == "2028"
        assert page.js("document.querySelector('#year').selectedOptions[0].text") == "2028（预测）"
        assert page.js("document.querySelector('#link-error').hidden") is True
        assert page.js("document.documentElement.scrollWidth") <= 390
    finally:
        page.close()
    for bad in ("2019", "abc"):
        page = open_page(browser, link(server, lang="en", year=bad), 390, chart=False)
        try:
            text = page.js("document.querySelector('#link-error').textContent")
            assert text.startswith("This link could not be read: ") and f'year "{bad}" is not modelled (2022–2030)' in text
            page.wait("state.lastCalc && state.lastCalc.year === 2025", 30, "the default year's figures")
            assert page.js("document.querySelector('#year').value") == "2025"
            assert not exceptions(browser, page)
        finally:
            page.close()


WINDOW = {"reform": "dibao_plus_20pct", "years": "2025:2027", "households": 600, "seed": 7}


def run_window_on_page(page: Page, window: dict) -> None:
    first, last = window["years"].split(":")
    page.js("document.querySelector('.tab[data-tab=scenario]').click()")
    page.js(f"""(() => {{
        const reform = document.querySelector('#sc-reform');
        reform.value = {json.dumps(window['reform'])};
        reform.dispatchEvent(new Event('change'));
        document.querySelector('#sc-seed').value = '{window['seed']}';
        document.querySelector('#win-from').value = '{first}';
        document.querySelector('#win-to').value = '{last}';
        document.querySelector('#win-households').value = '{window['households']}';
        document.querySelector('#win-form').requestSubmit();
    }})()""")
    page.wait("!document.querySelector('#win-results').hidden || !document.querySelector('#win-error').hidden", 240,
              "the cost by year")
    assert page.js("document.querySelector('#win-error').hidden"), page.js("document.querySelector('#win-error').textContent")


def test_cost_by_year_shows_the_windows_figures_and_flags_projected_years(browser, server):
    """The cost-by-year table holds POST /compare/window's net cost and interval for each year, projected years
    marked in the table and hatched in the chart, and the total."""
    api = httpx.post(f"{server}/compare/window", json=WINDOW, timeout=300)
    assert api.status_code == 200, api.text
    api = api.json()
    page = open_page(browser, link(server, lang="en"), 1400, chart=False)
    try:
        run_window_on_page(page, WINDOW)
        rows = page.js("[...document.querySelectorAll('#win-table tbody tr')].map((tr) => [tr.className, "
                       "[...tr.cells].map((c) => c.textContent)])")
        assert [r[1][0] for r in rows] == ["2025", "2026", "2027", "Total"]
        for (cls, cells), year in zip(rows, api["by_year"], strict=False):
            assert number(cells[1].removesuffix(" bn yuan")) == pytest.approx(year["net_cost"] / 1e9, abs=0.05)
            lo, hi = (number(x.removesuffix(" bn yuan")) for x in cells[2].split(" – "))
            assert cells[2].count("bn yuan") == 1
            assert (lo, hi) == pytest.approx([c / 1e9 for c in year["net_cost_ci95"]], abs=0.05)
            assert cells[5] == ("projected" if year["law"]["projected"] else "known")
            assert ("projected" in cls) == year["law"]["projected"]
        assert [r["law"]["projected"] for r in api["by_year"]] == [False, True, True]
        assert number(rows[3][1][1].removesuffix(" bn yuan")) == pytest.approx(api["total"]["net_cost"] / 1e9, abs=0.05)
        bars = page.js("[...document.querySelectorAll('#win-chart rect.bar')].map((r) => [r.dataset.year, "
                       "r.classList.contains('projected')])")
        assert bars == [["2025", False], ["2026", True], ["2027", True]]
        note = page.js("document.querySelector('#win-law-note').textContent")
        assert "2026–2027" in note and "2025" in note
        assert not exceptions(browser, page)
    finally:
        page.close()


def test_a_scenario_run_uses_the_chosen_year(browser, server):
    """The scenario tab's year (one year with the household's) is sent to POST /compare: a run in 2027 answers
    for 2027 and the results say that the year is projected."""
    page = open_page(browser, link(server, lang="zh", year="2027"), 1400, chart=False)
    try:
        page.js("document.querySelector('.tab[data-tab=scenario]').click()")
        assert page.js("document.querySelector('#sc-year').value") == "2027"
        page.js("document.querySelector('#sc-households').value = '200'; document.querySelector('#run').click()")
        page.wait("state.lastCompare || !document.querySelector('#sc-error').hidden", 240, "the run")
        assert page.js("document.querySelector('#sc-error').hidden"), page.js("document.querySelector('#sc-error').textContent")
        assert page.js("[state.lastCompare.law.year, state.lastCompare.law.projected]") == [2027, True]
        note = page.js("document.querySelector('#sc-law-note').hidden ? '' : document.querySelector('#sc-law-note').textContent")
        assert "2027" in note and "推算" in note
        assert page.js("document.querySelector('#sc-meta').textContent").startswith("2027 年（预测）。")
        assert not exceptions(browser, page)
    finally:
        page.close()


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("width", [1400, 390])
def test_screenshots_of_the_years(browser, server, tmp_path, lang, width):
    """Screenshots to be looked at (GONGFU_SCREENS=DIR keeps them): the household in 2027 with its projected-law
    note (years_household_{lang}_{width}.png) and the scenario tab's cost by year (years_window_{lang}_{width}.png)."""
    page = open_page(browser, link(server, lang=lang, year="2027"), width)
    try:
        assert page.js("document.documentElement.scrollWidth") <= width
        shots = [page.screenshot(tmp_path / f"years_household_{lang}_{width}.png")]
        run_window_on_page(page, WINDOW | {"years": "2025:2030"})
        assert page.js("document.documentElement.scrollWidth") <= width
        squeezed = [(t, c, n) for t, c, n in page.js(LINES_JS) if c / n < 2]
        assert squeezed == [], squeezed[:5]
        shots.append(page.screenshot(tmp_path / f"years_window_{lang}_{width}.png"))
    finally:
        page.close()
    keep = os.environ.get("GONGFU_SCREENS")
    for path in shots:
        png = path.read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(png[16:20], "big") == width
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, Path(keep) / path.name)


# ---------------------------------------------------------------------------------------------- screenshots
@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("width", [1400, 390])
def test_screenshots_with_a_reform_and_the_chart(browser, server, guizhou, tmp_path, lang, width):
    """Full-page screenshots, to be looked at (GONGFU_SCREENS=DIR keeps them: web_{lang}_{width}.png): the
    Guizhou dibao family under the dibao work incentives (the issue's closing chart) where the library has them."""
    keys = {s["key"] for s in httpx.get(f"{server}/scenarios").json()}
    reform = "dibao_work_incentives" if "dibao_work_incentives" in keys else REFORM
    page = open_page(browser, link(server, guizhou, lang=lang, reform=reform), width)
    try:
        path = page.screenshot(tmp_path / f"web_{lang}_{width}.png")
    finally:
        page.close()
    png = path.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(png[16:20], "big") == width
    keep = os.environ.get("GONGFU_SCREENS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(keep) / path.name)
