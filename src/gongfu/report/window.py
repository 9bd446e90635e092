"""The year-by-year view of a budget window (`compare --years`, issue 14): rows, the report table, the chart.

Input is the window dict of `workflow.run_window` (`years`, `by_year`, `total`, `law`, `meta`). Every figure is
taken from it as it is (nothing recomputed); the 2025-price interval is the nominal one divided by the year's
price index (`price_index_2025`), as the cost itself is.
"""

from __future__ import annotations

from typing import Any

from . import labels as L
from .tables import ReportTable

COLUMNS = ("year", "law", "net_cost", "net_cost_ci95_low", "net_cost_ci95_high", "net_cost_2025_prices",
           "net_cost_2025_prices_ci95_low", "net_cost_2025_prices_ci95_high", "programme", "recipients",
           "gini_change", "gini_change_ci95_low", "gini_change_ci95_high", "poverty_line", "poverty_change",
           "poverty_change_ci95_low", "poverty_change_ci95_high")


def is_window(data: Any) -> bool:
    """A window dict has `years`, `by_year` and `total` (workflow.run_window)."""
    return isinstance(data, dict) and {"years", "by_year", "total"} <= set(data)


def _ci(ci: Any, scale: float = 1.0) -> tuple[float | None, float | None]:
    return (ci[0] / scale, ci[1] / scale) if ci else (None, None)


def main_programme(data: dict[str, Any]) -> str | None:
    """The programme whose total changes most over the window (its recipients are shown by year)."""
    sums: dict[str, float] = {}
    for row in data["by_year"]:
        for var, v in (row.get("programmes") or {}).items():
            sums[var] = sums.get(var, 0.0) + abs(v.get("total") or 0.0)
    return max(sums, key=sums.__getitem__) if sums else None


def headline_line(data: dict[str, Any]) -> str | None:
    """The poverty line shown by year: the first one of the first year (the results' headline line)."""
    first = (data["by_year"][0].get("poverty") or {}) if data["by_year"] else {}
    return next(iter(first), None)


def window_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """One dict per year, keyed by COLUMNS; `law` is "projected" or "known"."""
    prog, line = main_programme(data), headline_line(data)
    rows = []
    for r in data["by_year"]:
        p = r.get("price_index_2025") or 1.0
        lo, hi = _ci(r.get("net_cost_ci95"))
        lo25, hi25 = _ci(r.get("net_cost_ci95"), p)
        glo, ghi = _ci(r["gini"].get("change_ci95"))
        pov = (r.get("poverty") or {}).get(line) or {}
        plo, phi = _ci(pov.get("change_ci95"))
        rows.append({"year": r["year"], "law": "projected" if (r.get("law") or {}).get("projected") else "known",
                     "net_cost": r["net_cost"], "net_cost_ci95_low": lo, "net_cost_ci95_high": hi,
                     "net_cost_2025_prices": r["net_cost_2025_prices"], "net_cost_2025_prices_ci95_low": lo25,
                     "net_cost_2025_prices_ci95_high": hi25, "programme": prog,
                     "recipients": ((r.get("programmes") or {}).get(prog) or {}).get("recipients_reform"),
                     "gini_change": r["gini"].get("change"), "gini_change_ci95_low": glo,
                     "gini_change_ci95_high": ghi, "poverty_line": line, "poverty_change": pov.get("change"),
                     "poverty_change_ci95_low": plo, "poverty_change_ci95_high": phi})
    return rows


def headers(lang: str) -> list[str]:
    """The table's column headers in the language."""
    t = lambda k: L.t(k, lang)  # noqa: E731
    yuan = f" ({L.money_unit(lang)})"
    return [t("window.year"), t("window.law"), t("window.net_cost") + yuan, t("window.ci_low"),
            t("window.ci_high"), t("window.net_cost_2025") + yuan, t("window.ci_low"), t("window.ci_high"),
            t("window.programme"), t("window.recipients"), t("window.gini_change"), t("window.ci_low"),
            t("window.ci_high"), t("window.poverty_line"), t("window.poverty_change"), t("window.ci_low"),
            t("window.ci_high")]


def window_table(data: dict[str, Any], lang: str) -> ReportTable:
    """The report's year-by-year table (CSV/Parquet columns: COLUMNS, raw yuan and shares; law known/projected)."""
    money = lambda v: L.money(v, lang, unit=False)  # noqa: E731
    law = lambda v: L.t(f"window.{v}", lang)  # noqa: E731
    text = lambda v: "—" if v is None else str(v)  # noqa: E731
    people = lambda v: L.people(v, lang)  # noqa: E731
    gini = lambda v: L.num(v, 4, signed=True)  # noqa: E731
    pct = lambda v: L.pct(v, signed=True, digits=2)  # noqa: E731
    formats = [str, law, money, money, money, money, money, money, text, people, gini, gini, gini, text, pct, pct,
               pct]
    rows = [[row[c] for c in COLUMNS] for row in window_rows(data)]
    return ReportTable("window_by_year", list(COLUMNS), headers(lang), rows, formats)


def projected_note(data: dict[str, Any], lang: str) -> str | None:
    """The note on projected years (None when every year's law is known)."""
    years = [str(r["year"]) for r in data["by_year"] if (r.get("law") or {}).get("projected")]
    if not years:
        return None
    last = next(r["law"].get("last_known_year") for r in data["by_year"] if (r.get("law") or {}).get("projected"))
    return L.t("window.projected_note", lang).format(years=", ".join(years), last=last)


def cost_chart(charts: Any, data: dict[str, Any]) -> bytes:
    """Net cost by year (bn yuan / 亿元) with 95% interval bars; projected years hatched and marked."""
    scale = 1e8 if charts.lang == "zh" else 1e9
    fig = charts._figure(7.5, 4.2)
    ax = fig.add_subplot()
    rows = window_rows(data)
    for i, r in enumerate(rows):
        v = r["net_cost"] / scale
        projected = r["law"] == "projected"
        ax.bar(i, v, color="#9db4d6" if projected else "#2b5c9e", hatch="//" if projected else None,
               edgecolor="#2b5c9e")
        if r["net_cost_ci95_low"] is not None:
            ax.errorbar(i, v, yerr=[[v - r["net_cost_ci95_low"] / scale], [r["net_cost_ci95_high"] / scale - v]],
                        color="black", capsize=4, lw=1)
    names = [f"{r['year']}" + ("*" if r["law"] == "projected" else "") for r in rows]
    ax.set_xticks(range(len(rows)), names)
    ax.axhline(0, color="black", lw=0.8)
    ax.set_ylabel(charts.t("window.axis"))
    ax.set_title(charts.t("window.chart"), fontsize=9)
    ax.grid(axis="y", alpha=0.3)
    return charts._png(fig)


def cli_table(result: dict[str, Any], lang: str = "en") -> Any:
    """The CLI table of `compare --years` (a rich Table): the report's rows (`window_rows`) in the language."""
    from rich.table import Table

    t = lambda k: L.t(k, lang)  # noqa: E731
    rows = window_rows(result)
    prog = rows[0]["programme"] if rows else None
    line = rows[0]["poverty_line"] if rows else None
    line_info = (result["by_year"][0].get("poverty") or {}).get(line) if rows else None
    unit = L.money_unit(lang)
    table = Table(title=f"{t('window.title')} ({unit})", title_justify="left")
    cols = [t("window.year"), t("window.law"), t("window.net_cost"), t("window.ci"), t("window.net_cost_2025"),
            t("window.recipients") + (f": {prog}" if prog else ""), t("window.gini_change"),
            t("window.poverty_change") + (f": {L.line_label(line, line_info, lang)}" if line else "")]
    for col in cols:
        table.add_column(col, justify="right")
    money = lambda v: L.money(v, lang, unit=False)  # noqa: E731
    for row in rows:
        ci = (f"{money(row['net_cost_ci95_low'])} – {money(row['net_cost_ci95_high'])}"
              if row["net_cost_ci95_low"] is not None else "")
        law = t(f"window.{row['law']}")
        table.add_row(str(row["year"]), f"[yellow]{law}[/yellow]" if row["law"] == "projected" else law,
                      money(row["net_cost"]), ci, money(row["net_cost_2025_prices"]),
                      L.people(row["recipients"], lang), L.num(row["gini_change"], 4, signed=True),
                      L.pct(row["poverty_change"], signed=True, digits=2))
    tot = result["total"]
    table.add_row(t("window.total"), "", money(tot["net_cost"]), "", money(tot["net_cost_2025_prices"]), "", "", "")
    return table


SCORE_COLUMNS = ("year", "area", "indicator", "comparison", "target", "baseline", "baseline_met", "reform",
                 "reform_met")


def scorecard_rows(data: dict[str, Any]) -> list[list[Any]]:
    """The Zhejiang scorecard of each window year with targets in the data (run/scorecard.year_scorecard)."""
    out = []
    for r in data["by_year"]:
        card = r.get("scorecard")
        if not card:
            continue
        for area, indicators in card["rows"].items():
            for key, e in indicators.items():
                out.append([r["year"], area, key, e["comparison"], e["target"], e.get("baseline"),
                            e.get("baseline_met"), e.get("reform"), e.get("reform_met")])
    return out


def scorecard_table(data: dict[str, Any], lang: str) -> ReportTable:
    """The report's table of `scorecard_rows` (indicators by their identifiers)."""
    t = lambda k: L.t(k, lang)  # noqa: E731
    met = lambda v: "—" if v is None else (("是" if v else "否") if lang == "zh" else ("yes" if v else "no"))  # noqa: E731
    val = lambda v: L.num(v, 3)  # noqa: E731
    heads = [t("window.year"), t("window.area"), t("window.indicator"), "", t("window.target"), t("baseline"),
             t("window.met"), t("reform"), t("window.met")]
    return ReportTable("window_scorecard", list(SCORE_COLUMNS), heads, scorecard_rows(data),
                       [str, str, str, str, val, val, met, val, met])


def scorecard_note(data: dict[str, Any], lang: str) -> str:
    """Which years have Zhejiang targets in the data (English from run/scorecard.py; a Chinese summary)."""
    if lang != "zh":
        return str(data.get("scorecard_note") or "")
    have = [str(r["year"]) for r in data["by_year"] if r.get("scorecard")]
    text = f"浙江评分卡:{'、'.join(have)}年(数据中有该年目标)" if have else "窗口内各年在数据中均无浙江目标"
    if "2027" in have:
        text += ";2027年数据中仅有人均可支配收入(>85000元)和城乡收入比(<1.9)两项目标,无家庭收入组占比目标"
    return text
