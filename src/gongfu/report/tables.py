"""The report's tables, built from a run-results dict (or a compare dict) per docs/ARCHITECTURE.md.

Each `ReportTable` holds raw values under machine column names (written to CSV and Parquet) and, for the
HTML, headers in the report's language and a formatter per column.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..extras import require
from . import labels as L

if TYPE_CHECKING:
    import pandas as pd

CONCEPT_ORDER = ("market", "net_market", "disposable", "after_philanthropy")
INEQUALITY_STATS = ("mean", "median", "gini", "theil_t", "theil_l", "palma", "p90_p10", "top10_share",
                    "top1_share", "high_low_ratio")
ROLE_ORDER = {"tax": 0, "contribution": 1, "benefit": 2, "charity": 3}
#: the five mutually exclusive groups of winners and losers (their shares add up to 100%)
WINNER_KEYS = L.FIVE_GROUPS


@dataclass
class ReportTable:
    name: str
    columns: list[str]
    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    formats: list[Callable[[Any], str]] = field(default_factory=list)

    def frame(self) -> pd.DataFrame:
        pd = require("pandas", "report")
        return pd.DataFrame(self.rows, columns=self.columns)

    def html_rows(self) -> list[list[dict[str, Any]]]:
        """Formatted cells, each `{"v": text, "text": bool}` (text cells are left-aligned, numbers right)."""
        return [[{"v": f(v), "text": isinstance(v, str) or v is None and i == 0}
                 for i, (f, v) in enumerate(zip(self.formats, row, strict=True))] for row in self.rows]


HEADERS_ZH = {"variable": "变量名", "role": "类别", "province": "代码", "concept": "收入概念", "Theil": "泰尔指数",
              "between": "组间", "within": "组内", "between / total": "组间占比"}


def _h(key: str, lang: str) -> str:
    """A column header in the language (the identifiers in the column stay as they are)."""
    return HEADERS_ZH.get(key, key) if lang == "zh" else key


def _text(v: Any) -> str:
    return "—" if v is None else str(v)


def _num(digits: int = 3, signed: bool = False) -> Callable[[Any], str]:
    return lambda v: L.num(v, digits, signed)


def _pct(signed: bool = False) -> Callable[[Any], str]:
    return lambda v: L.pct(v, signed)


def is_compare(data: dict) -> bool:
    """A compare dict has `baseline`, `reform` and `change`; a run's results have `programmes`."""
    return isinstance(data, dict) and {"baseline", "reform", "change"} <= set(data)


def total_disposable(res: dict) -> float:
    """Total disposable income of the country (yuan/year): `income.disposable.total` when the run gives it,
    else the per-capita mean over persons × persons."""
    disp = res["income"]["disposable"]
    if isinstance(disp.get("total"), int | float):
        return float(disp["total"])
    return float(disp["mean"]) * float(res["population"]["persons"])


def waterfall_parts(cmp: dict) -> tuple[list[tuple[str, float]], float]:
    """The waterfall's parts and the total change of disposable income; raises if they do not add up."""
    parts = [(str(w["variable"]), float(w["change"])) for w in cmp.get("waterfall") or []]
    total = total_disposable(cmp["reform"]) - total_disposable(cmp["baseline"])
    summed = math.fsum(c for _, c in parts)
    tolerance = max(1.0, 1e-9 * abs(total_disposable(cmp["baseline"])))
    if not parts or abs(summed - total) > tolerance:
        raise ValueError(f"waterfall parts sum to {summed:,.2f} yuan but disposable income changes by "
                         f"{total:,.2f} yuan (tolerance {tolerance:,.2f})")
    return parts, total


def programme_order(programmes: dict) -> list[str]:
    return sorted(programmes, key=lambda v: (ROLE_ORDER.get(programmes[v].get("role"), 9), v))


def _pm(fmt: Callable[[Any], str]) -> Callable[[Any], str]:
    """Format of a half-width of a 95% sampling interval: '± x' ('' without one)."""
    return lambda v: "" if v is None else f"± {fmt(v)}"


def _has_uncertainty(*results: dict | None) -> bool:
    return any(bool((r or {}).get("uncertainty")) for r in results)


def programmes_table(res: dict, lang: str, reform: dict | None = None, cmp: dict | None = None) -> ReportTable:
    """Programme totals and recipients (and the reform's totals and changes); with the half-width of the 95%
    sampling interval of each total (and change, from `cmp`) when the run has replicate weights."""
    progs = res["programmes"]
    ci = _has_uncertainty(res)
    cols = ["variable", "label", "role", "total"] + (["total_ci95_half"] if ci else []) + ["recipients"]
    heads = ([_h("variable", lang), L.t("programmes", lang), _h("role", lang), L.stat("total", lang)]
             + (["95%"] if ci else []) + [L.stat("recipients", lang)])
    fmts = ([_text, _text, _text, lambda v: L.money(v, lang)] + ([_pm(lambda v: L.money(v, lang))] if ci else [])
            + [lambda v: L.people(v, lang)])
    cci = reform is not None and _has_uncertainty(cmp)
    if reform is not None:
        cols += ["reform_total", "change"] + (["change_ci95_half"] if cci else [])
        heads += [f"{L.t('reform', lang)}: {L.stat('total', lang)}", L.t("change", lang)] + (["95%"] if cci else [])
        fmts += [lambda v: L.money(v, lang), lambda v: L.money(v, lang)] + ([_pm(lambda v: L.money(v, lang))]
                                                                            if cci else [])
    table = ReportTable("programmes", cols, heads, formats=fmts)
    names = programme_order(progs)
    if reform is not None:
        names += [v for v in programme_order(reform["programmes"]) if v not in progs]
    for var in names:
        info = progs.get(var) or reform["programmes"][var]
        base = progs.get(var, {}).get("total", 0.0)
        row = ([var, L.programme_label(var, info, lang), info.get("role"), base]
               + ([L.half_width(res, f"programmes.{var}.total")] if ci else []) + [info.get("recipients")])
        if reform is not None:
            new = reform["programmes"].get(var, {}).get("total", 0.0)
            row += [new, new - base] + ([L.half_width(cmp, f"change.programmes.{var}.total")] if cci else [])
        table.rows.append(row)
    return table


def inequality_table(res: dict, lang: str, reform: dict | None = None) -> ReportTable:
    """Concepts as rows (baseline, and reform when given), statistics as columns."""
    stats = [s for s in INEQUALITY_STATS if any(s in res["income"].get(c, {}) for c in CONCEPT_ORDER)]
    cols = ["system", "concept"] + stats
    heads = ["", L.t("stage", lang)] + [L.stat(s, lang) for s in stats]
    fmts = [lambda v: L.t(v, lang), lambda v: L.concept(v, lang)] + [(lambda v: L.num(v, 0)) if s in ("mean", "median") else
                             _pct() if s.endswith("share") else _num() for s in stats]
    table = ReportTable("inequality", cols, heads, formats=fmts)
    for system, data in (("baseline", res), ("reform", reform)):
        if data is None:
            continue
        for c in CONCEPT_ORDER:
            if c in data["income"]:
                table.rows.append([system, c] + [data["income"][c].get(s) for s in stats])
    return table


def poverty_table(res: dict, lang: str, reform: dict | None = None) -> ReportTable:
    cols = ["line_name", "kind", "line", "headcount", "gap", "severity", "source"]
    heads = ["", L.stat("kind", lang), L.stat("line", lang), L.stat("headcount", lang), L.stat("gap", lang),
             L.stat("severity", lang), "source"]
    fmts = [_text, _text, lambda v: L.num(v, 0), _pct(), _pct(), _pct(), _text]
    ci = _has_uncertainty(res)
    if ci:
        cols.insert(4, "headcount_ci95_half")
        heads.insert(4, "95%")
        fmts.insert(4, _pm(lambda v: L.pct(v, digits=2)))
    if reform is not None:
        cols.insert(4 + ci, "reform_headcount")
        heads.insert(4 + ci, f"{L.t('reform', lang)}: {L.stat('headcount', lang)}")
        fmts.insert(4 + ci, _pct())
    heads[-1] = "来源" if lang == "zh" else "source"
    table = ReportTable("poverty", cols, heads, formats=fmts)
    for name, p in res.get("poverty", {}).items():
        row = [L.line_label(name, p, lang), p.get("kind"), p.get("line"), p.get("headcount"), p.get("gap"),
               p.get("severity"), p.get("source")]
        if ci:
            row.insert(4, L.half_width(res, f"poverty.{name}.headcount"))
        if reform is not None:
            row.insert(4 + ci, reform.get("poverty", {}).get(name, {}).get("headcount"))
        table.rows.append(row)
    return table


def poverty_groups_table(res: dict, lang: str, reform: dict | None = None) -> ReportTable:
    """Poverty by group of persons (age group, sex, left-behind children, persons with disabilities) at every
    line: persons in the group, headcount, gap, severity, the 95% interval of the headcount where the run has it,
    and with a reform its headcount and the change."""
    cols = ["line", "group", "persons", "headcount"]
    heads = ["贫困线" if lang == "zh" else "line", "人群" if lang == "zh" else "group", L.t("persons", lang),
             L.stat("headcount", lang)]
    fmts = [_text, _text, lambda v: L.people(v, lang), _pct()]
    ci = _has_uncertainty(res)
    if ci:
        cols.append("headcount_ci95_half")
        heads.append("95%")
        fmts.append(_pm(lambda v: L.pct(v, digits=2)))
    cols += ["gap", "severity"]
    heads += [L.stat("gap", lang), L.stat("severity", lang)]
    fmts += [_pct(), _pct()]
    if reform is not None:
        cols += ["reform_headcount", "change_pp"]
        heads += [f"{L.t('reform', lang)}: {L.stat('headcount', lang)}",
                  L.t("change", lang) + (" (百分点)" if lang == "zh" else " (pp)")]
        fmts += [_pct(), lambda v: "—" if v is None else f"{v * 100:+.2f}"]
    table = ReportTable("poverty_by_group", cols, heads, formats=fmts)
    for name, line in res.get("poverty", {}).items():
        other = dict(L.person_group_rows(((reform or {}).get("poverty", {}).get(name) or {}).get("by_group")))
        for group, stats in L.person_group_rows(line.get("by_group")):
            path = _group_path(name, group)
            row = [L.line_label(name, line, lang), L.person_group(group, lang), stats.get("persons"),
                   stats.get("headcount")]
            if ci:
                row.append(L.half_width(res, f"{path}.headcount"))
            row += [stats.get("gap"), stats.get("severity")]
            if reform is not None:
                h, b = (other.get(group) or {}).get("headcount"), stats.get("headcount")
                row += [h, None if h is None or b is None else h - b]
            table.rows.append(row)
    return table


def _group_path(line: str, group: str) -> str:
    for grouping, groups in L.PERSON_GROUPINGS.items():
        if group in groups:
            single = len(groups) == 1
            return f"poverty.{line}.by_group.{grouping}" + ("" if single else f".{group}")
    return f"poverty.{line}.by_group.{group}"


def decile_shares_table(cmp: dict, lang: str) -> ReportTable:
    """Shares of the persons of each decile of baseline income in the five groups of winners and losers."""
    keys = [k for k in WINNER_KEYS if all(k in d for d in cmp.get("deciles") or [])]
    table = ReportTable("deciles_winners_losers", ["decile", *keys],
                        ["decile" if lang == "en" else "十等分组", *(L.stat(k, lang) for k in keys)],
                        formats=[_text, *([_pct()] * len(keys))])
    for d in cmp.get("deciles") or []:
        table.rows.append([d.get("decile"), *(d.get(k) for k in keys)])
    return table


def gaps_table(res: dict, lang: str, reform: dict | None = None) -> ReportTable:
    cols = ["indicator", "baseline"] + (["reform", "change"] if reform is not None else [])
    heads = [L.t("indicator", lang), L.t("baseline", lang)] + (
        [L.t("reform", lang), L.t("change", lang)] if reform is not None else [])
    table = ReportTable("gaps", cols, heads, formats=[lambda v: L.stat(v, lang)] + [_num()] * (len(cols) - 1))
    for key, value in res.get("gaps", {}).items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue  # definitions and notes: shown as notes, not as figures
        row = [key, value]
        if reform is not None:
            new = reform.get("gaps", {}).get(key)
            row += [new, (new - value) if isinstance(new, int | float) and isinstance(value, int | float) else None]
        table.rows.append(row)
    return table


def theil_table(res: dict, lang: str) -> ReportTable:
    table = ReportTable("theil_decomposition", ["group", "total", "between", "within", "between_share"],
                        ["", _h("Theil", lang), _h("between", lang), _h("within", lang), _h("between / total", lang)],
                        formats=[lambda g: L.GROUP_NAMES.get(g, {}).get(lang, g), _num(), _num(), _num(), _pct()])
    for group, d in res.get("theil_decomposition", {}).items():
        total = d.get("total") or 0.0
        table.rows.append([group, d.get("total"), d.get("between"),
                           d.get("within"), (d.get("between") or 0.0) / total if total else None])
    return table


def province_values(res: dict, key: str = "mean_disposable_pc") -> dict[str, float]:
    """{pinyin key: value} for every province in groups.province (keys may be pinyin or GB/T codes)."""
    from ..engine.geography import province

    out = {}
    for k, g in res.get("groups", {}).get("province", {}).items():
        try:
            out[province(k).key] = float(g[key])
        except (KeyError, TypeError, ValueError):
            continue
    return out


def province_change(cmp: dict) -> dict[str, float]:
    """Reform change of mean disposable income per capita by province (from by_group if given)."""
    from ..engine.geography import province

    given = (cmp.get("by_group") or {}).get("province") or {}
    out = {}
    for k, g in given.items():
        if isinstance(g, dict) and isinstance(g.get("mean_change"), int | float):
            try:
                out[province(k).key] = float(g["mean_change"])
            except KeyError:
                continue
    if out:
        return out
    base, new = province_values(cmp["baseline"]), province_values(cmp["reform"])
    return {k: new[k] - base[k] for k in base if k in new}


def provinces_table(res: dict, lang: str, change: dict[str, float] | None = None) -> ReportTable:
    from ..engine.geography import province

    cols = ["province", "name", "persons", "households", "mean_disposable_pc", "mean_market_pc"]
    heads = [_h("province", lang), L.GROUP_NAMES["province"][lang], L.t("persons", lang), L.t("households", lang),
             L.t("mean_disposable_pc", lang), "market pc" if lang == "en" else "人均市场收入"]
    fmts = [_text, _text, lambda v: L.people(v, lang), lambda v: L.people(v, lang).replace("人", "户"),
            lambda v: L.num(v, 0), lambda v: L.num(v, 0)]
    if change is not None:
        cols.append("mean_change")
        heads.append(L.t("province_change", lang))
        fmts.append(lambda v: L.num(v, 0, signed=True))
    table = ReportTable("provinces", cols, heads, formats=fmts)
    for k, g in res.get("groups", {}).get("province", {}).items():
        try:
            key = province(k).key
        except KeyError:
            key = str(k)
        row = [key, L.province_name(k, lang), g.get("persons"), g.get("households"), g.get("mean_disposable_pc"),
               g.get("mean_market_pc")]
        if change is not None:
            row.append(change.get(key))
        table.rows.append(row)
    return table


def groups_table(res: dict, lang: str) -> ReportTable:
    table = ReportTable("groups", ["group", "key", "label", "persons", "mean_disposable_pc", "mean_market_pc"],
                        ["", "", "", L.t("persons", lang), L.t("mean_disposable_pc", lang),
                         "market pc" if lang == "en" else "人均市场收入"],
                        formats=[lambda g: L.GROUP_NAMES.get(g, {}).get(lang, g), _text, _text,
                                 lambda v: L.people(v, lang), lambda v: L.num(v, 0), lambda v: L.num(v, 0)])
    for group in ("area", "hukou_type", "region"):
        for key, g in res.get("groups", {}).get(group, {}).items():
            table.rows.append([group, str(key), L.group_key(group, key, lang), g.get("persons"),
                               g.get("mean_disposable_pc"), g.get("mean_market_pc")])
    return table


def deciles_table(cmp: dict, lang: str) -> ReportTable:
    ci = _has_uncertainty(cmp)
    table = ReportTable("deciles", ["decile", "mean_change"] + (["mean_change_ci95_half"] if ci else []) + ["pct_change"],
                        ["decile" if lang == "en" else "十等分组", L.t("mean_change", lang)] + (["95%"] if ci else [])
                        + [L.t("pct_change", lang)],
                        formats=[_text, lambda v: L.num(v, 0, signed=True)] + ([_pm(lambda v: L.num(v, 0))] if ci else [])
                        + [lambda v: L.pct(v, signed=True, digits=2)])
    for i, d in enumerate(cmp.get("deciles") or []):
        table.rows.append([d.get("decile"), d.get("mean_change")]
                          + ([L.half_width(cmp, f"deciles.{i}.mean_change")] if ci else []) + [d.get("pct_change")])
    return table


def winners_table(cmp: dict, lang: str) -> ReportTable:
    ci = _has_uncertainty(cmp)
    table = ReportTable("winners_losers", ["outcome", "share"] + (["share_ci95_half"] if ci else []),
                        ["", L.t("share_persons", lang)] + (["95%"] if ci else []),
                        formats=[lambda k: L.stat(k, lang), _pct()] + ([_pm(lambda v: L.pct(v, digits=2))] if ci else []))
    shares = cmp.get("winners_losers") or {}
    for key in WINNER_KEYS:
        if isinstance(shares.get(key), int | float):
            table.rows.append([key, shares[key]] + ([L.half_width(cmp, f"winners_losers.{key}")] if ci else []))
    return table


def waterfall_table(cmp: dict, lang: str, labels: dict[str, str]) -> ReportTable:
    parts, total = waterfall_parts(cmp)
    table = ReportTable("waterfall", ["variable", "label", "change"],
                        [_h("variable", lang), L.t("programmes", lang), L.t("change", lang)],
                        formats=[_text, _text, lambda v: L.money(v, lang)])
    for var, change in parts:
        table.rows.append([var, labels.get(var, var), change])
    table.rows.append(["total", L.t("total_change", lang), total])
    return table


def stages_table(res: dict, lang: str, reform: dict | None = None) -> ReportTable:
    cols = ["concept", "label", "mean", "gini"] + (["reform_mean", "reform_gini"] if reform is not None else [])
    heads = [_h("concept", lang), L.t("stage", lang), L.t("mean_pc", lang), L.t("gini", lang)]
    if reform is not None:
        heads += [f"{L.t('reform', lang)}: {L.t('mean_pc', lang)}", f"{L.t('reform', lang)}: {L.t('gini', lang)}"]
    fmts = [_text, _text, lambda v: L.num(v, 0), _num()] + ([lambda v: L.num(v, 0), _num()] if reform else [])
    table = ReportTable("incidence_stages", cols, heads, formats=fmts)
    other = {s["concept"]: s for s in (reform or {}).get("incidence", {}).get("stages", [])}
    for s in res.get("incidence", {}).get("stages", []):
        row = [s["concept"], L.concept(s["concept"], lang), s.get("mean"), s.get("gini")]
        if reform is not None:
            row += [other.get(s["concept"], {}).get("mean"), other.get(s["concept"], {}).get("gini")]
        table.rows.append(row)
    return table


def incidence_table(res: dict, lang: str) -> ReportTable:
    table = ReportTable("incidence_programmes",
                        ["variable", "label", "role", "kakwani", "reynolds_smolensky", "concentration"],
                        [_h("variable", lang), L.t("programmes", lang), _h("role", lang), L.stat("kakwani", lang),
                         L.stat("reynolds_smolensky", lang), L.stat("concentration", lang)],
                        formats=[_text, _text, _text, _num(), _num(4), _num()])
    progs = res.get("programmes", {})
    inc = res.get("incidence", {}).get("programmes", {})
    for var in sorted(inc, key=lambda v: (ROLE_ORDER.get(progs.get(v, {}).get("role"), 9), v)):
        d = inc[var]
        table.rows.append([var, L.programme_label(var, progs.get(var), lang), progs.get(var, {}).get("role"),
                           d.get("kakwani"), d.get("reynolds_smolensky"), d.get("concentration")])
    return table


SCORE_ORDER = ("per_capita_disposable_income", "urban_rural_income_ratio",
               "households_disposable_income_100k_500k_share", "households_disposable_income_200k_600k_share")


def _score(v: Any) -> str:
    if isinstance(v, float) and abs(v) < 1:
        return L.pct(v)
    if isinstance(v, float) and v < 10:
        return L.num(v, 2)
    return L.num(v, 2)


def scorecard_table(res: dict, lang: str, reform: dict | None = None) -> ReportTable:
    """Long form (one row per area × indicator): value, target, comparison, met (and the reform's, if any)."""
    cols = ["area", "indicator", "value", "comparison", "target", "met"]
    heads = [L.GROUP_NAMES["province"][lang], L.t("indicator", lang), L.t("value", lang), "", L.t("target", lang),
             L.t("met", lang)]

    def yes_no(v: Any) -> str:
        return "—" if v is None else L.t("yes" if v else "no", lang)

    fmts = [lambda w: L.province_name(w, lang), lambda k: L.stat(k, lang), _score, _text, _score, yes_no]
    if reform is not None:
        cols += ["reform_value", "reform_met"]
        heads += [f"{L.t('reform', lang)}: {L.t('value', lang)}", f"{L.t('reform', lang)}: {L.t('met', lang)}"]
        fmts += [_score, yes_no]
    table = ReportTable("scorecard", cols, heads, formats=fmts)
    other = (reform or {}).get("scorecard") or {}
    for where, indicators in (res.get("scorecard") or {}).items():
        for key, d in indicators.items():
            row = [where, key, d.get("value"), d.get("comparison"), d.get("target"), d.get("met")]
            if reform is not None:
                r = other.get(where, {}).get(key, {})
                row += [r.get("value"), r.get("met")]
            table.rows.append(row)
    return table


def scorecard_grid(res: dict, lang: str, reform: dict | None = None) -> dict[str, Any]:
    """The scorecard as a grid for the HTML: one row per area, one column per indicator, ✓ where the target is met
    (the reform's value after an arrow when comparing)."""
    card = res.get("scorecard") or {}
    indicators = [k for k in SCORE_ORDER if any(k in v for v in card.values())]
    indicators += sorted({k for v in card.values() for k in v} - set(indicators))
    targets: dict[str, str] = {}
    for v in card.values():
        for k in indicators:
            if k in v and k not in targets:
                targets[k] = f"{v[k].get('comparison') or ''} {_score(v[k].get('target'))}".strip()
    headers = [L.GROUP_NAMES["province"][lang]] + [f"{L.stat(k, lang)} ({targets.get(k, '')})" for k in indicators]
    other = (reform or {}).get("scorecard") or {}
    rows, met_counts = [], []
    order = sorted(card, key=lambda w: (w != "national", w != "zhejiang", -_met(card[w])))
    for where in order:
        cells = [{"v": L.province_name(where, lang), "text": True}]
        for k in indicators:
            d = card[where].get(k)
            if not d:
                cells.append({"v": "—", "text": False})
                continue
            text = _score(d.get("value"))
            met = d.get("met")
            r = other.get(where, {}).get(k)
            if r:
                text += f" → {_score(r.get('value'))}"
                met = r.get("met")
            cells.append({"v": f"{text} {'✓' if met else '✗'}", "text": False, "cls": "met" if met else "unmet"})
        rows.append(cells)
        met_counts.append(_met(card[where]))
    return {"name": "scorecard-grid", "title": "", "headers": headers, "rows": rows,
            "text_cols": [True] + [False] * len(indicators)}


def _met(indicators: dict) -> int:
    return sum(1 for d in indicators.values() if d.get("met"))



def _magnitude(v: Any) -> str:
    """A figure of any unit, readable by its size (the unit is in its own column): bn, m, thousands, ratios."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    a = abs(v)
    if a >= 1e9:
        return f"{v / 1e9:,.1f} bn"
    if a >= 1e6:
        return f"{v / 1e6:,.2f} m"
    if a >= 100:
        return f"{v:,.0f}"
    return f"{v:.3f}"


def validation_report_table(res: dict, lang: str, official: dict | None = None,
                            targets: dict | None = None) -> ReportTable:
    """The validation table (issue 11 section 4; `gongfu validate`): one row per official figure, with the model's
    figure and 95% interval, the official figure, its year and source, model/official and model - official,
    whether it was a calibration target, the verdict and the concept note. Machine columns hold raw values
    (CSV/Parquet); `official` and `targets` default to the packaged official_figures.yaml and
    population/targets.yaml. Hook for the writer (one line in a section):
    ``self.table(s, T.validation_report_table(self.base, self.lang))``.
    """
    from gongfu.analysis import validation as V

    official = official if official is not None else V.load_official()
    targets = targets if targets is not None else V.load_targets()
    zh = lang == "zh"
    cols = ["area", "key", "figure", "model", "model_ci95_low", "model_ci95_high", "official", "unit", "year",
            "source", "url", "model_over_official", "model_minus_official", "target", "verdict", "note"]
    heads = ["领域" if zh else "Area", "key", "指标" if zh else "Figure", "模型" if zh else "Model",
             "95%下限" if zh else "95% low", "95%上限" if zh else "95% high", "官方" if zh else "Official",
             "单位" if zh else "Unit", "年份" if zh else "Year", "来源" if zh else "Source", "URL",
             "模型/官方" if zh else "Model/official", "模型-官方" if zh else "Model − official",
             "校准目标" if zh else "Calibration target", "判断" if zh else "Verdict", "口径" if zh else "Concept"]

    def target(v: Any) -> str:
        return ("校准目标" if zh else "target") if v else ("非校准目标" if zh else "not a target")

    fmts = [_text, _text, _text, _magnitude, _magnitude, _magnitude, _magnitude, _text, _text, _text, _text,
            _num(3), _magnitude, target, _text, _text]
    table = ReportTable("validation", cols, heads, formats=fmts)
    for r in V.validation_table(res, official, targets):
        ci = r["model_ci95"] or [None, None]
        src = r["source"] or {}
        table.rows.append([V.AREAS[r["area"]][lang], r["key"], r["label"][lang], r["model"], ci[0], ci[1],
                           r["official"], r["unit"], r["year"],
                           src.get("title") or ("此处未知" if zh else "unknown here"), src.get("url"), r["ratio"],
                           r["diff"], bool(r["target"]), r["verdict"][lang], r["note"]])
    return table
