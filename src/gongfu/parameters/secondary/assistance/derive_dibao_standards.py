"""Derive the province × urban/rural dibao standard table in dibao.yaml (reproducible; run to print it).

    .venv/bin/python src/gongfu/parameters/secondary/assistance/derive_dibao_standards.py

Why a derivation: no official provincial table of dibao standards after 2021 could be found
(shared/data/china/README.md, provinces.yaml `dibao_standards: missing`). Every input below is copied, with its
source, from shared/data/china (calibration.yaml, provinces.yaml) or from the pages cited next to it.

Method (every step printed by `--explain`):
1. National average standards (MCA, recipient-weighted averages):
   - 2022Q1: urban 722, rural 542 CNY/person/month (calibration.yaml social_assistance.dibao.average_standards).
   - 2020: urban 665 CNY/month, rural 5,842 CNY/year (Xinhua via UrduPoint 2020-12-28, "China Sees Subsistence
     Allowances Rise In 2020", https://www.urdupoint.com/en/miscellaneous/china-sees-subsistence-allowances-rise-in-202-1126047.html).
   - End of 2024: urban 798.1, rural 593.9 CNY/person/month (NBS report of 2025-09-28 on gov.cn: "2024年末，
     ...城市和农村最低生活保障平均标准分别为每人每月798.1元和593.9元",
     https://www.gov.cn/lianbo/bumen/202509/content_7042627.htm; quoted verbatim in a public source-verification
     log, the page itself was not opened from here). This OFFICIAL level anchors the 2025-01-01 row.
   - Cross-check only (not used): 2025 urban +19.6 %, rural +21.3 % compared with 2020 (Minister Lu Zhiyuan,
     2025-10-10, https://en.humanrights.cn/2025/10/11/df3ebce9133b4321b21daecd6c9b8b02.html) -> urban
     665 × 1.196 = 795.3, rural 5,842 / 12 × 1.213 = 590.5, within 0.6 % of the end-2024 official level.
     (Before 2025-09 the table used this statement, dated 2025-06-30 by assumption; the official end-2024 level
     replaced it: the 2025-01-01 national mean rose by 1.8 %.)
   - A value on date D between 2022-03-31 and 2024-12-31 is interpolated linearly in time; later dates take the
     end-2024 level.
2. Provincial relative level: the UNICEF China atlas relation (dibao line ≈ a fixed share of consumption: rural 37 %,
   urban 25 %; MCA yearbook 2014, http://archive.unicef.cn/en/atlas/economy/833.html) makes a province's standard
   proportional to its consumption; provincial consumption is not in shared/data, so per-capita disposable income
   2023 (all residents, provinces.yaml) stands in for it. Income is missing for 13 provinces: 11 are estimated from
   their 2023 H1 income × the median annual/H1 ratio of the 18 provinces that have both; Xizang and Xinjiang
   (source: "below 29,000", no H1 figure) get the mean 2023 income of the five western provinces listed below 30,000
   (Guangxi, Yunnan, Guizhou, Gansu, Qinghai).
3. Scale: standard(p, area, D) = national(area, D) × k(area) × income_p / income_national, where k makes the
   population-weighted mean over provinces equal the national average (weights: 2024 urban resident population
   for the urban column, rural resident population for the rural one). The national figures are weighted by
   recipients, who are concentrated in poorer provinces, so this weighting probably puts poor provinces slightly low
   and rich ones slightly high: treat every derived row as an estimate (it is flagged `_estimated`).
4. Real values replace estimates where known: Shanghai 1,330 (urban = rural, from 2021-07-01, Shine 2021-06-24),
   Beijing 1,245 (urban = rural, from 2021-07), Chongqing urban 636 / rural 515 (from 2021-09) (provinces.yaml
   dibao_standards.fragments_2021). These are the values in force on 2022-01-01. For 2024-01-01 and 2025-01-01
   they are carried forward by the growth of the national average since 2021Q3 (urban 706.6 CNY/month, rural
   6,298.8 CNY/year: provinces.yaml national_2021Q3) — anchored estimates, also flagged `_estimated`.
   Henan's 2021 provincial floors (urban ≥ 590, rural ≥ 377 CNY/month) are applied as lower bounds.
Rounded to whole yuan per month.
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys

PROVINCE_KEYS = (
    "beijing", "tianjin", "hebei", "shanxi", "neimenggu", "liaoning", "jilin", "heilongjiang", "shanghai",
    "jiangsu", "zhejiang", "anhui", "fujian", "jiangxi", "shandong", "henan", "hubei", "hunan", "guangdong",
    "guangxi", "hainan", "chongqing", "sichuan", "guizhou", "yunnan", "xizang", "shaanxi", "gansu", "qinghai",
    "ningxia", "xinjiang",
)

# provinces.yaml resident_population.values (2024, 万人) and urbanisation_rate.values (2024, percent)
POPULATION_2024 = dict(zip(PROVINCE_KEYS, (
    2183, 1364, 7378, 3446, 2388, 4155, 2317, 3029, 2480, 8526, 6670, 6123, 4193, 4502, 10080, 9785, 5834, 6539,
    12780, 5013, 1048, 3190, 8364, 3860, 4655, 370, 3953, 2458, 593, 729, 2623), strict=True))
URBANISATION_2024 = dict(zip(PROVINCE_KEYS, (
    88.22, 86.01, 63.42, 66.32, 70.73, 74.18, 65.78, 68.05, 89.85, 75.53, 75.46, 62.57, 71.8, 63.77, 66.48, 59.22,
    66.35, 62.07, 75.91, 57.39, 63.08, 72.14, 60.1, 56.65, 54.11, 39.68, 66.14, 56.83, 63.86, 68.22, 60.36),
    strict=True))

# provinces.yaml disposable_income_per_capita.total_2023.values (CNY/person/year; Qinghai given as 2.86万)
INCOME_2023 = {
    "shanghai": 84834, "beijing": 81752, "zhejiang": 63830, "jiangsu": 52674, "tianjin": 51271,
    "guangdong": 49327, "fujian": 45426, "shandong": 39890, "neimenggu": 38130, "liaoning": 37992,
    "chongqing": 37595, "henan": 29933, "jilin": 29797, "heilongjiang": 29694, "guangxi": 29514,
    "yunnan": 28421, "guizhou": 27098, "gansu": 25001, "qinghai": 28600,
}
NATIONAL_INCOME_2023 = 39218
# provinces.yaml disposable_income_per_capita.h1_2023_first_half.values (CNY/person/half-year)
INCOME_2023_H1 = {
    "shanghai": 42870, "beijing": 41358, "zhejiang": 34317, "jiangsu": 27795, "tianjin": 26655,
    "guangdong": 25956, "fujian": 23809, "shandong": 20309, "chongqing": 19920, "liaoning": 19371,
    "neimenggu": 18151, "anhui": 17998, "hainan": 17414, "hubei": 17146, "hunan": 17070, "sichuan": 16846,
    "hebei": 16006, "shaanxi": 15902, "jiangxi": 15872, "guangxi": 14874, "jilin": 14324, "shanxi": 14240,
    "henan": 14156, "ningxia": 13806, "yunnan": 13518, "heilongjiang": 13355, "guizhou": 13120,
    "qinghai": 12907, "gansu": 11530,
}
WEST_BELOW_30000 = ("guangxi", "yunnan", "guizhou", "gansu", "qinghai")

# National averages (CNY/person/month) on known dates.
AVG_2022Q1 = {"urban": 722.0, "rural": 542.0}
AVG_2022Q1_DATE = dt.date(2022, 3, 31)
AVG_2020 = {"urban": 665.0, "rural": 5842.0 / 12}
GROWTH_2025_VS_2020 = {"urban": 0.196, "rural": 0.213}
AVG_2025_CHECK = {a: AVG_2020[a] * (1 + GROWTH_2025_VS_2020[a]) for a in ("urban", "rural")}  # cross-check only
AVG_2024END = {"urban": 798.1, "rural": 593.9}  # NBS 2025-09-28 (gov.cn): end-2024 national averages, official
AVG_2024END_DATE = dt.date(2024, 12, 31)
AVG_2021Q3 = {"urban": 706.6, "rural": 6298.8 / 12}

# Real provincial standards in force on 2022-01-01 (CNY/person/month): provinces.yaml fragments_2021.
REAL_2021 = {
    "shanghai": {"urban": 1330.0, "rural": 1330.0},
    "beijing": {"urban": 1245.0, "rural": 1245.0},
    "chongqing": {"urban": 636.0, "rural": 515.0},
}
FLOORS_2021 = {"henan": {"urban": 590.0, "rural": 377.0}}

#: The dates of the table rows and, for each, the date of the national average used.
ROWS = (dt.date(2022, 1, 1), dt.date(2024, 1, 1), dt.date(2025, 1, 1))


def provincial_income() -> tuple[dict[str, float], dict[str, str]]:
    """2023 per-capita disposable income by province, with how each missing one was estimated."""
    both = [k for k in INCOME_2023 if k in INCOME_2023_H1]
    ratio = statistics.median(INCOME_2023[k] / INCOME_2023_H1[k] for k in both)
    income: dict[str, float] = {}
    how: dict[str, str] = {}
    west = statistics.mean(INCOME_2023[k] for k in WEST_BELOW_30000)
    for key in PROVINCE_KEYS:
        if key in INCOME_2023:
            income[key] = float(INCOME_2023[key])
            how[key] = "2023 income (provinces.yaml)"
        elif key in INCOME_2023_H1:
            income[key] = INCOME_2023_H1[key] * ratio
            how[key] = f"2023 H1 income {INCOME_2023_H1[key]} x median annual/H1 ratio {ratio:.4f}"
        else:
            income[key] = west
            how[key] = f"mean 2023 income of {', '.join(WEST_BELOW_30000)} = {west:.0f} (source: below 29,000)"
    return income, how


def national_average(date: dt.date) -> dict[str, float]:
    """National average standard (CNY/month) on `date`, interpolated between 2022Q1 and end-2024."""
    if date <= AVG_2022Q1_DATE:
        return dict(AVG_2022Q1)
    share = min((date - AVG_2022Q1_DATE).days / (AVG_2024END_DATE - AVG_2022Q1_DATE).days, 1.0)
    return {a: AVG_2022Q1[a] + share * (AVG_2024END[a] - AVG_2022Q1[a]) for a in ("urban", "rural")}


def scale_factors(income: dict[str, float]) -> dict[str, float]:
    """k(area): makes the population-weighted mean of provincial standards equal the national average."""
    rel = {k: income[k] / NATIONAL_INCOME_2023 for k in PROVINCE_KEYS}
    w_urban = {k: POPULATION_2024[k] * URBANISATION_2024[k] / 100 for k in PROVINCE_KEYS}
    w_rural = {k: POPULATION_2024[k] * (1 - URBANISATION_2024[k] / 100) for k in PROVINCE_KEYS}
    return {
        "urban": sum(w_urban.values()) / sum(w_urban[k] * rel[k] for k in PROVINCE_KEYS),
        "rural": sum(w_rural.values()) / sum(w_rural[k] * rel[k] for k in PROVINCE_KEYS),
    }


def table(date: dt.date) -> tuple[dict[str, dict[str, int]], list[str]]:
    """The table row for `date`: {province: {urban, rural}} in CNY/month, and the estimated provinces."""
    income, _ = provincial_income()
    k = scale_factors(income)
    nat = national_average(date)
    out: dict[str, dict[str, int]] = {}
    estimated: list[str] = []
    for key in PROVINCE_KEYS:
        if key in REAL_2021:
            if date <= dt.date(2022, 1, 1):
                cells = dict(REAL_2021[key])
            else:
                cells = {a: REAL_2021[key][a] * nat[a if key == "chongqing" else "urban"]
                         / AVG_2021Q3[a if key == "chongqing" else "urban"] for a in ("urban", "rural")}
                estimated.append(key)
        else:
            cells = {a: nat[a] * k[a] * income[key] / NATIONAL_INCOME_2023 for a in ("urban", "rural")}
            for a, floor in FLOORS_2021.get(key, {}).items():
                cells[a] = max(cells[a], floor)
            estimated.append(key)
        out[key] = {"urban": round(cells["urban"]), "rural": round(cells["rural"])}
    return out, estimated


def render() -> str:
    """The `values:` block of dibao.yaml `standard` (YAML text)."""
    lines = ["  values:"]
    for date in ROWS:
        row, estimated = table(date)
        lines.append(f"    {date.isoformat()}:")
        for key in PROVINCE_KEYS:
            cell = row[key]
            lines.append(f"      {key}: {{urban: {cell['urban']}, rural: {cell['rural']}}}")
        lines.append(f"      _estimated: [{', '.join(estimated)}]")
    return "\n".join(lines) + "\n"


def explain() -> str:
    income, how = provincial_income()
    k = scale_factors(income)
    parts = [f"national end-2024 (urban, rural) = {AVG_2024END['urban']:.2f}, {AVG_2024END['rural']:.2f} CNY/month"
             f" (cross-check 2025 statement: {AVG_2025_CHECK['urban']:.2f}, {AVG_2025_CHECK['rural']:.2f})"]
    for date in ROWS:
        nat = national_average(date)
        parts.append(f"national average on {date}: urban {nat['urban']:.2f}, rural {nat['rural']:.2f}")
    parts.append(f"k(urban) = {k['urban']:.4f}, k(rural) = {k['rural']:.4f}")
    parts += [f"{key}: income {income[key]:.0f} ({how[key]})" for key in PROVINCE_KEYS]
    return "\n".join(parts)


if __name__ == "__main__":
    sys.stdout.write(explain() + "\n" if "--explain" in sys.argv else render())
