"""The bilingual HTML summary of a discover run (summary.html): one self-contained page, no scripts, nothing
fetched from elsewhere. Counts and yuan by programme and status, by province / county / township when the
registry has them (small cells suppressed), and the households with the largest unmet entitlement."""

from __future__ import annotations

from html import escape
from typing import Any

from gongfu.discover.statuses import LABELS, STATUS_LABELS, STATUSES

T = {
    "title": {"en": "Discover: who is entitled and does not receive", "zh": "主动发现：应享未享与低保边缘"},
    "intro": {"en": "Statuses follow from the law applied to the registry's own data; gongfu scores no one. "
                    "'Receiving, not entitled' is for review (an error, changed circumstances or a local rule), "
                    "never an accusation.",
              "zh": "状态仅由法规对登记数据的计算得出，gongfu 不对任何人评分。“在享但不符合条件”仅供复核"
                    "（可能是登记错误、情况变化或地方规定），并非指责。"},
    "programme": {"en": "Programme", "zh": "项目"},
    "status": {"en": "Status", "zh": "状态"},
    "households": {"en": "Households", "zh": "户数"},
    "entitlement": {"en": "Entitlement (yuan/year)", "zh": "应享金额（元/年）"},
    "received": {"en": "Received (yuan/year)", "zh": "实享金额（元/年）"},
    "unmet": {"en": "Unmet entitlement (yuan/year)", "zh": "未满足的应享金额（元/年）"},
    "by_area": {"en": "By area", "zh": "分地区"},
    "area": {"en": "Area", "zh": "地区"},
    "list": {"en": "Households with the largest unmet entitlement", "zh": "未满足应享金额最大的家庭"},
    "household": {"en": "Household", "zh": "家庭"},
    "read": {"en": "Rows read", "zh": "读取行数"},
    "rejected": {"en": "Rows rejected (see rejected.csv)", "zh": "拒绝行数（见 rejected.csv）"},
    "suppressed": {"en": "Areas with fewer than {n} households are not shown", "zh": "不足 {n} 户的地区不显示"},
    "more": {"en": "The {n} areas with the largest unmet entitlement of {total} are shown; all are in discover.json",
             "zh": "仅显示未满足应享金额最大的 {n} 个地区（共 {total} 个）；全部见 discover.json"},
    "margin": {"en": "Dibao edge: per-capita income below {m} × the annual dibao standard",
               "zh": "低保边缘：人均收入低于年低保标准的 {m} 倍"},
}


MAX_AREAS = 200  # areas per level on the page (all of them in discover.json)


def _unmet(row: dict[str, Any]) -> float:
    return sum(by.get("entitled_not_receiving", {}).get("entitlement", 0.0) for by in row["programmes"].values())


def _t(key: str, lang: str, **kw: Any) -> str:
    other = "zh" if lang == "en" else "en"
    return escape(T[key][lang].format(**kw)) + f' <span class="o">{escape(T[key][other].format(**kw))}</span>'


def _l(d: dict[str, str], lang: str) -> str:
    other = "zh" if lang == "en" else "en"
    return escape(d[lang]) + f' <span class="o">{escape(d[other])}</span>'


def _y(x: float) -> str:
    return f"{x:,.0f}"


def html(s: dict[str, Any], lang: str = "en") -> str:
    """The page, in `lang` with the other language beside each heading."""
    out = ["<!doctype html><html><head><meta charset='utf-8'><title>gongfu discover</title><style>"
           "body{font-family:sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse;margin:1em 0}"
           "td,th{border:1px solid #ccc;padding:.2em .6em;text-align:right}td:first-child,th:first-child"
           "{text-align:left}.o{color:#777;font-size:.85em}</style></head><body>",
           f"<h1>{_t('title', lang)}</h1><p>{_t('intro', lang)}</p>",
           f"<p>{escape(str(s['registry']))} · {s['year']} · {escape(str(s['system']))} · "
           f"{_t('households', lang)}: {s['households']:,} · {_t('read', lang)}: {s['rows_read']:,} · "
           f"{_t('rejected', lang)}: {s['rejected_rows']:,}</p>",
           f"<p>{_t('margin', lang, m=s['near_threshold_margin'])}</p>",
           f"<table><tr><th>{_t('programme', lang)}</th><th>{_t('status', lang)}</th>"
           f"<th>{_t('households', lang)}</th><th>{_t('entitlement', lang)}</th><th>{_t('received', lang)}</th></tr>"]
    for prog, by in s["programmes"].items():
        for st in STATUSES:
            c = by[st]
            if not c["households"]:
                continue
            out.append(f"<tr><td>{_l(LABELS[prog], lang)}</td><td>{_l(STATUS_LABELS[st], lang)}</td>"
                       f"<td>{c['households']:,}</td><td>{_y(c['entitlement'])}</td><td>{_y(c['received'])}</td></tr>")
        out.append(f"<tr><td>{_l(LABELS[prog], lang)}</td><td>{_t('unmet', lang)}</td><td></td>"
                   f"<td>{_y(by['unmet_entitlement'])}</td><td></td></tr>")
    out.append("</table>")
    for area, table in s["by_area"].items():
        out.append(f"<h2>{_t('by_area', lang)}: {escape(area)}</h2><table><tr><th>{_t('area', lang)}</th>"
                   f"<th>{_t('households', lang)}</th><th>{_t('programme', lang)}</th><th>{_t('status', lang)}</th>"
                   f"<th>{_t('households', lang)}</th><th>{_t('entitlement', lang)}</th>"
                   f"<th>{_t('received', lang)}</th></tr>")
        shown = sorted(table.items(), key=lambda kv: (-_unmet(kv[1]), kv[0]))[:MAX_AREAS]
        for key, row in shown:
            for prog, by in row["programmes"].items():
                for st, c in by.items():
                    out.append(f"<tr><td>{escape(key)}</td><td>{row['households']:,}</td>"
                               f"<td>{_l(LABELS[prog], lang)}</td><td>{_l(STATUS_LABELS[st], lang)}</td>"
                               f"<td>{c['households']:,}</td><td>{_y(c['entitlement'])}</td>"
                               f"<td>{_y(c['received'])}</td></tr>")
        out.append("</table>")
        if len(table) > MAX_AREAS:
            out.append(f"<p>{_t('more', lang, n=MAX_AREAS, total=len(table))}</p>")
    sup = s["suppressed"]
    if sup["areas"]:
        out.append(f"<p>{_t('suppressed', lang, n=sup['min_count'])}: "
                   + "; ".join(f"{escape(a)} ({len(k)})" for a, k in sup["areas"].items()) + "</p>")
    out.append(f"<h2>{_t('list', lang)}</h2><table><tr><th>{_t('household', lang)}</th>"
               f"<th>{_t('programme', lang)}</th><th>{_t('unmet', lang)}</th></tr>")
    for item in s["unmet_list"]:
        out.append(f"<tr><td>{escape(item['household_id'])}</td><td>{_l(LABELS[item['programme']], lang)}</td>"
                   f"<td>{_y(item['unmet'])}</td></tr>")
    out.append("</table></body></html>\n")
    return "\n".join(out)
