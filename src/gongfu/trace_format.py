"""Readable explanations (`gongfu calc --explain`): numbers, units, parameter schedules and province tables in
the user's language, and the arithmetic line of the formulas whose arithmetic is written out below.

Nothing here computes the law: an arithmetic line is the formula of the rule written with the values the trace
shows (e.g. 社会救助暂行办法 第十条, dibao = (monthly standard × 12 − per-capita income) × members), and it is
printed only when evaluating it with those values gives the variable's value (a household the rule treats
otherwise, e.g. an ineligible one, gets no line rather than a wrong one).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import numpy as np

#: the arithmetic of formulas, over the values of the variable's inputs (names in braces); × − + ÷ and brackets
ARITHMETIC: dict[str, str] = {
    # 社会救助暂行办法 (2014) 第十条: the gap between the standard and the income, for each member of the unit
    "dibao_entitlement": "({dibao_standard} × 12 − {dibao_income_per_capita}) × {dibao_unit_size}",
    "per_capita_disposable_income": "{disposable_income} ÷ {household_size}",
    "disposable_income": "{market_income} − {total_taxes} − {total_contributions} + {total_benefits}",
    "net_market_income": "{market_income} − {total_taxes} − {total_contributions}",
    "income_after_philanthropy": "{disposable_income} + {total_charity}",
}

UNITS: dict[str, dict[str, str]] = {
    "CNY": {"en": "yuan", "zh": "元"}, "CNY/year": {"en": "yuan/year", "zh": "元/年"},
    "CNY/month": {"en": "yuan/month", "zh": "元/月"}, "CNY/day": {"en": "yuan/day", "zh": "元/日"},
    "rate": {"en": "", "zh": ""}, "ratio": {"en": "", "zh": ""}, "bool": {"en": "", "zh": ""},
    "year": {"en": "years", "zh": "年"}, "years": {"en": "years", "zh": "年"}, "count": {"en": "", "zh": "个"},
    "persons": {"en": "persons", "zh": "人"}, "code": {"en": "", "zh": ""}, "GB/T 2260": {"en": "", "zh": ""},
    "m2": {"en": "m²", "zh": "平方米"}, "months": {"en": "months", "zh": "个月"},
}

WORDS: dict[str, dict[str, str]] = {
    "parameter": {"en": "parameter", "zh": "参数"}, "since": {"en": "since", "zh": "起施行"},
    "given": {"en": "given", "zh": "输入"}, "default": {"en": "default", "zh": "默认值"},
    "see_above": {"en": "see above", "zh": "见上"}, "yes": {"en": "yes", "zh": "是"}, "no": {"en": "no", "zh": "否"},
    "rural": {"en": "rural", "zh": "农村"}, "urban": {"en": "urban", "zh": "城市"}, "above": {"en": "above", "zh": "以上"},
    "up_to": {"en": "up to", "zh": "不超过"}, "more": {"en": "more levels: --depth", "zh": "更多层级: --depth"},
}


def word(key: str, lang: str) -> str:
    entry = WORDS.get(key, {})
    return entry.get(lang) or entry.get("en") or key


def unit(u: str | None, lang: str) -> str:
    """A unit in the language ('' for units that a number shows by itself: rates, booleans, codes)."""
    if not u:
        return ""
    entry = UNITS.get(u)
    return (entry.get(lang, u) if entry else u) or ""


def number(x: Any, u: str | None = None) -> str:
    """A number as people write it: 16,596 / 1,155.5 / 3% (rates); never a Python repr."""
    if isinstance(x, bool | np.bool_):
        return str(bool(x))
    v = float(x)
    if not math.isfinite(v):
        return "—"
    if u == "rate":
        return f"{v * 100:.4g}%"
    if abs(v - round(v)) < 5e-3:
        return f"{round(v):,}"
    return f"{v:,.2f}"


def value(x: Any, u: str | None, lang: str) -> str:
    """A variable's or parameter's value: numbers, booleans, lists (persons), names of enums."""
    if isinstance(x, list | tuple):
        return ", ".join(value(v, u, lang) for v in x)
    if isinstance(x, bool | np.bool_):
        return word("yes" if x else "no", lang)
    if isinstance(x, int | float | np.integer | np.floating):
        return number(x, u)
    if x is None:
        return "—"
    return str(x)


def parameter_value(x: Any, u: str | None, lang: str) -> str:
    """A parameter's value: a schedule as its brackets, a province table as its rows, a number as a number."""
    if isinstance(x, Mapping) and "thresholds" in x and "rates" in x:
        th, rates = list(x["thresholds"]), list(x["rates"])
        parts = []
        for i, (t, r) in enumerate(zip(th, rates, strict=False)):
            rate = f"{float(r) * 100:.4g}%"
            if i + 1 < len(th):
                parts.append(f"{number(t)}–{number(th[i + 1])}: {rate}")
            else:
                above = f"{number(t)}{word('above', lang)}" if lang == "zh" else f"{word('above', lang)} {number(t)}"
                parts.append(f"{above}: {rate}")
        return "; ".join(parts)
    if isinstance(x, Mapping) and "by_province_code" in x:
        from .engine.geography import BY_CODE

        rows = []
        for code, v in x["by_province_code"].items():
            prov = BY_CODE.get(int(code))
            name = (prov.zh if lang == "zh" else prov.en) if prov else str(code)
            if isinstance(v, Mapping):
                rows.append(f"{name}: " + ", ".join(f"{word(k, lang)} {number(n)}" for k, n in v.items()))
            else:
                rows.append(f"{name}: {number(v)}")
        return "; ".join(rows)
    if isinstance(x, Mapping):
        return "; ".join(f"{k}: {parameter_value(v, u, lang)}" for k, v in x.items())
    return value(x, u, lang)


_NAME = re.compile(r"\{([a-z_0-9]+)\}")


def arithmetic(name: str, result: Any, inputs: Mapping[str, Any]) -> str | None:
    """The arithmetic line of variable `name` ("(442 × 12 − 1,155) × 4 = 16,596") from the values of its
    inputs, or None when it has none here (no template, an input missing or not a single number, or the
    template does not give the value: the rule applied another branch)."""
    template = ARITHMETIC.get(name)
    if template is None or isinstance(result, list | bool) or not isinstance(result, int | float):
        return None
    values: dict[str, float] = {}
    for key in _NAME.findall(template):
        v = inputs.get(key)
        if isinstance(v, bool) or not isinstance(v, int | float | np.integer | np.floating):
            return None
        values[key] = float(v)
    expr = _NAME.sub(lambda m: repr(values[m.group(1)]), template)
    expr = expr.replace("×", "*").replace("−", "-").replace("÷", "/")
    try:
        computed = eval(expr, {"__builtins__": {}}, {})  # noqa: S307 -- our own template of numbers and operators
    except ZeroDivisionError:
        return None
    if not math.isclose(computed, float(result), rel_tol=1e-9, abs_tol=0.01):
        return None
    shown = _NAME.sub(lambda m: number(values[m.group(1)]), template)
    return f"{shown} = {number(result)}"
