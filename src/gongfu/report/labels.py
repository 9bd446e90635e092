"""Bilingual labels (English / 简体中文) and number formats for the report, the CLI summaries and the web page."""

from __future__ import annotations

from typing import Any

from ..engine.geography import REGION_LABELS, province

LANGS = ("en", "zh")

TEXT: dict[str, dict[str, str]] = {
    "title": {"en": "gongfu microsimulation report", "zh": "共富微观模拟报告"},
    "title_compare": {"en": "gongfu reform report", "zh": "共富改革评估报告"},
    "headline": {"en": "Headline numbers", "zh": "主要结果"},
    "lorenz": {"en": "Lorenz curves", "zh": "洛伦兹曲线"},
    "deciles": {"en": "Change by income decile", "zh": "按收入十等分组的变化"},
    "winners_losers": {"en": "Winners and losers", "zh": "受益者与受损者"},
    "provinces": {"en": "Provinces", "zh": "分省结果"},
    "tile_map": {"en": "Tile map of the 31 provinces", "zh": "31个省份瓦片地图"},
    "waterfall": {"en": "Programme waterfall", "zh": "分项目瀑布图"},
    "inequality": {"en": "Inequality, poverty and gaps", "zh": "不平等、贫困与差距"},
    "incidence": {"en": "Incidence along the income tiers", "zh": "各收入层次的归宿分析"},
    "scorecard": {"en": "Common-prosperity scorecard (Zhejiang 2025 targets)",
                  "zh": "共同富裕评分卡(浙江2025年目标)"},
    "programmes": {"en": "Programmes", "zh": "各项目"},
    "reproducibility": {"en": "Reproducibility", "zh": "可复现信息"},
    "repro.report": {"en": "report", "zh": "报告"},
    "repro.parameters_now": {"en": "parameters sha256 (report time)", "zh": "参数 sha256(生成报告时)"},
    "repro.created": {"en": "created", "zh": "运行时间"},
    "repro.year": {"en": "year", "zh": "年份"},
    "repro.system": {"en": "system", "zh": "制度"},
    "repro.parameters": {"en": "parameters sha256", "zh": "参数 sha256"},
    "repro.reform": {"en": "reform", "zh": "改革方案"},
    "repro.reform_file": {"en": "reform file", "zh": "改革方案文件"},
    "repro.reform_sha256": {"en": "reform sha256", "zh": "改革方案 sha256"},
    "repro.population": {"en": "population", "zh": "人口数据"},
    "repro.fingerprint": {"en": "population fingerprint", "zh": "人口数据指纹"},
    "repro.seed": {"en": "seed", "zh": "随机种子"},
    "repro.sample": {"en": "sample", "zh": "样本"},
    "repro.sample_value": {"en": "{h} households, {p} persons", "zh": "{h} 户, {p} 人"},
    "repro.backend": {"en": "backend", "zh": "计算后端"},
    "repro.backend_value": {"en": "{b}, {w} workers, {n} partitions", "zh": "{b}, {w} 个进程, {n} 个分区"},
    "repro.exactness": {"en": "numerical exactness of the arithmetic (not sampling precision)",
                        "zh": "算术的数值精确度(不是抽样精度)"},
    "validation": {"en": "Validation against official figures", "zh": "与官方数据的对照验证"},
    "validation_note": {
        "en": "Baseline figures of this run beside the official ones (sources in the table; `gongfu validate`). "
              "Calibration targets were fitted when the population was built; the Gini of per-capita disposable "
              "income, national IIT revenue and the number of IIT payers never are: they judge the model from "
              "outside. The model's interval is sampling uncertainty only (docs/validation.md).",
        "zh": "本次运行的基线结果与官方数据对照(来源见表;`gongfu validate`)。校准目标在构建人口时已拟合;"
              "人均可支配收入基尼系数、全国个人所得税收入和纳税人数从不作为校准目标,仅用于外部检验。"
              "模型区间仅反映抽样不确定性(docs/validation.md)。"},
    "baseline": {"en": "Baseline", "zh": "基线"},
    "reform": {"en": "Reform", "zh": "改革"},
    "change": {"en": "Change", "zh": "变化"},
    "equality": {"en": "Line of equality", "zh": "绝对平等线"},
    "population_share": {"en": "Cumulative population share", "zh": "累计人口比例"},
    "income_share": {"en": "Cumulative income share", "zh": "累计收入比例"},
    "decile": {"en": "Decile of baseline disposable income per capita", "zh": "基线人均可支配收入十等分组"},
    "mean_change": {"en": "Mean change (yuan per person per year)", "zh": "人均变化(元/年)"},
    "pct_change": {"en": "Change (%)", "zh": "变化(%)"},
    "share_persons": {"en": "Share of persons", "zh": "人口比例"},
    "mean_disposable_pc": {"en": "Mean disposable income per capita (yuan/year)",
                           "zh": "人均可支配收入(元/年)"},
    "province_change": {"en": "Change in mean disposable income per capita (yuan/year)",
                        "zh": "人均可支配收入变化(元/年)"},
    "total_change": {"en": "Total change", "zh": "合计变化"},
    "waterfall_axis": {"en": "Change in disposable income (billion yuan/year)",
                       "zh": "可支配收入变化(亿元/年)"},
    "stage": {"en": "Income tier", "zh": "收入层次"},
    "gini": {"en": "Gini", "zh": "基尼系数"},
    "mean_pc": {"en": "Mean per capita (yuan/year)", "zh": "人均(元/年)"},
    "only_compare": {"en": "Shown when a reform is compared with a baseline.",
                     "zh": "仅在改革与基线比较时显示。"},
    "no_cjk_font": {"en": "", "zh": "未找到中文字体(如 Debian 的 fonts-noto-cjk),图表标签使用英文。"},
    "indicator": {"en": "Indicator", "zh": "指标"},
    "value": {"en": "Value", "zh": "数值"},
    "target": {"en": "Target", "zh": "目标"},
    "met": {"en": "Met", "zh": "是否达成"},
    "yes": {"en": "yes", "zh": "是"},
    "no": {"en": "no", "zh": "否"},
    "scorecard_note": {
        "en": "Targets from 浙江高质量发展建设共同富裕示范区实施方案(2021-2025年), 2021-07-19.",
        "zh": "目标来自《浙江高质量发展建设共同富裕示范区实施方案(2021—2025年)》(2021年7月19日)。"},
    "waterfall_note": {"en": "Checked: the parts add up to the total change of disposable income.",
                       "zh": "已核对:各项之和等于可支配收入的合计变化。"},
    "generated_by": {"en": "Generated by gongfu", "zh": "由共富(gongfu)生成"},
    "persons": {"en": "Persons", "zh": "人口"},
    "households": {"en": "Households", "zh": "户数"},
    "tables_note": {"en": "Every table is also written as CSV and Parquet in tables/.",
                    "zh": "所有表格也以 CSV 和 Parquet 格式保存在 tables/ 目录。"},
    # a budget window (compare --years, issue 14)
    "title_window": {"en": "gongfu budget window", "zh": "共富多年度预算窗口"},
    "years": {"en": "Year by year", "zh": "逐年结果"},
    "window.year": {"en": "year", "zh": "年份"},
    "window.law": {"en": "law", "zh": "法规"},
    "window.known": {"en": "known", "zh": "已知"},
    "window.projected": {"en": "projected", "zh": "预测"},
    "window.net_cost": {"en": "net cost", "zh": "净成本"},
    "window.ci_low": {"en": "95% low", "zh": "95%下限"},
    "window.ci_high": {"en": "95% high", "zh": "95%上限"},
    "window.ci": {"en": "95% interval", "zh": "95%区间"},
    "window.net_cost_2025": {"en": "net cost, 2025 prices", "zh": "净成本(2025年价格)"},
    "window.programme": {"en": "programme", "zh": "项目"},
    "window.recipients": {"en": "recipients (reform)", "zh": "受益人数(改革后)"},
    "window.gini_change": {"en": "Gini change", "zh": "基尼系数变化"},
    "window.poverty_line": {"en": "poverty line", "zh": "贫困线"},
    "window.poverty_change": {"en": "poverty change", "zh": "贫困率变化"},
    "window.total": {"en": "total", "zh": "合计"},
    "window.title": {"en": "Budget window", "zh": "预算窗口"},
    "window.chart": {"en": "Net cost by year, with 95% intervals (hatched: projected law)",
                     "zh": "逐年净成本及95%区间(斜线:预测年份)"},
    "window.axis": {"en": "net cost (bn yuan)", "zh": "净成本(亿元)"},
    "window.projected_note": {
        "en": "Projected years ({years}): past the last dated law ({last}); their parameters are computed by the "
              "uprating rules and the indices' projections are assumptions (parameters/uprating.yaml).",
        "zh": "预测年份({years}):超出最后一个有明确日期的法规年份({last});其参数按调整规则计算,"
              "指数的预测为假设(parameters/uprating.yaml)。"},
    "window.area": {"en": "area", "zh": "地区"},
    "window.indicator": {"en": "indicator", "zh": "指标"},
    "window.target": {"en": "target", "zh": "目标"},
    "window.met": {"en": "met", "zh": "达标"},
    "window.scorecard": {"en": "Zhejiang scorecard by year", "zh": "逐年浙江共同富裕评分卡"},
    "window.se_note": {
        "en": "The total's standard error is bounded by the sum of the yearly ones (the years share one sample, "
              "so their errors are correlated).",
        "zh": "合计的标准误以各年标准误之和为上限(各年份使用同一样本,误差相关)。"},
    "window.prices_note": {
        "en": "2025 prices: nominal cost divided by the CPI level relative to 2025 (NBS, then the projection "
              "assumption). Intervals are sampling intervals (replicate weights); the years share one sample.",
        "zh": "2025年价格:名义成本除以相对2025年的CPI水平(国家统计局数据,其后为预测假设)。"
              "区间为抽样区间(重复权重);各年份使用同一样本。"},
}

CONCEPTS = {
    "market": {"en": "Market income", "zh": "市场收入"},
    "net_market": {"en": "After taxes & contributions", "zh": "扣除税费后收入"},
    "disposable": {"en": "Disposable income", "zh": "可支配收入"},
    "after_philanthropy": {"en": "After philanthropy", "zh": "慈善后收入"},
}

STATISTICS = {
    "mean": {"en": "Mean (yuan)", "zh": "均值(元)"},
    "median": {"en": "Median (yuan)", "zh": "中位数(元)"},
    "gini": {"en": "Gini", "zh": "基尼系数"},
    "theil_t": {"en": "Theil T", "zh": "泰尔T指数"},
    "theil_l": {"en": "Theil L", "zh": "泰尔L指数"},
    "palma": {"en": "Palma ratio", "zh": "帕尔马比值"},
    "p90_p10": {"en": "P90/P10", "zh": "P90/P10"},
    "top10_share": {"en": "Top 10% share", "zh": "最高10%份额"},
    "top1_share": {"en": "Top 1% share", "zh": "最高1%份额"},
    "high_low_ratio": {"en": "Top/bottom quintile ratio", "zh": "高低收入组倍差"},
    "headcount": {"en": "Headcount ratio", "zh": "贫困发生率"},
    "gap": {"en": "Poverty gap", "zh": "贫困距"},
    "severity": {"en": "Severity (FGT2)", "zh": "贫困强度(FGT2)"},
    "line": {"en": "Line (yuan/person/year)", "zh": "贫困线(元/人/年)"},
    "kind": {"en": "Kind", "zh": "类型"},
    "urban_rural_ratio": {"en": "Urban/rural income ratio", "zh": "城乡收入比"},
    "east_west_ratio": {"en": "East/west income ratio", "zh": "东西部收入比"},
    "max_min_province_ratio": {"en": "Highest/lowest province ratio", "zh": "省际最高/最低收入比"},
    "middle_income_share": {"en": "Middle-income share", "zh": "中等收入群体比例"},
    "kakwani": {"en": "Kakwani index", "zh": "Kakwani指数"},
    "reynolds_smolensky": {"en": "Reynolds–Smolensky", "zh": "Reynolds–Smolensky指数"},
    "concentration": {"en": "Concentration index", "zh": "集中率"},
    "total": {"en": "Total", "zh": "合计"},
    "recipients": {"en": "Persons concerned", "zh": "涉及人数"},
    "net_cost": {"en": "Net cost to government", "zh": "政府净成本"},
    "gain_over_1pct": {"en": "Gain more than 1%", "zh": "增收超过1%"},
    "gain_over_5pct": {"en": "Gain more than 5%", "zh": "增收超过5%"},
    "lose_over_1pct": {"en": "Lose more than 1%", "zh": "减收超过1%"},
    "lose_over_5pct": {"en": "Lose more than 5%", "zh": "减收超过5%"},
    "no_change": {"en": "No change", "zh": "无变化"},
    "gain_up_to_5pct": {"en": "Gain up to 5%", "zh": "增收不超过5%"},
    "lose_up_to_5pct": {"en": "Lose up to 5%", "zh": "减收不超过5%"},
    "per_capita_disposable_income": {"en": "Disposable income per capita (yuan)", "zh": "居民人均可支配收入(元)"},
    "urban_rural_income_ratio": {"en": "Urban/rural income ratio", "zh": "城乡居民收入倍差"},
    "households_disposable_income_100k_500k_share": {"en": "Households with 100k–500k yuan",
                                                      "zh": "家庭年可支配收入10万—50万元群体比例"},
    "households_disposable_income_200k_600k_share": {"en": "Households with 200k–600k yuan",
                                                      "zh": "家庭年可支配收入20万—60万元群体比例"},
    "max_min_city_income_ratio": {"en": "Highest/lowest city income ratio", "zh": "地区人均可支配收入最高最低倍差"},
}

GROUP_KEYS = {
    "area": {"urban": {"en": "Urban", "zh": "城镇"}, "rural": {"en": "Rural", "zh": "农村"},
             "1": {"en": "Urban", "zh": "城镇"}, "0": {"en": "Rural", "zh": "农村"}},
    "hukou_type": {"urban": {"en": "Urban hukou", "zh": "城镇户籍"}, "rural": {"en": "Rural hukou", "zh": "农村户籍"},
                   "1": {"en": "Urban hukou", "zh": "城镇户籍"}, "0": {"en": "Rural hukou", "zh": "农村户籍"}},
    "region": REGION_LABELS,
}
GROUP_NAMES = {"area": {"en": "Area", "zh": "城乡"}, "hukou_type": {"en": "Hukou", "zh": "户籍"},
               "province": {"en": "Province", "zh": "省份"}, "region": {"en": "Region", "zh": "地区"},
               "age_group": {"en": "Age group", "zh": "年龄组"}, "sex": {"en": "Sex", "zh": "性别"},
               "left_behind_children": {"en": "Left-behind children", "zh": "农村留守儿童"},
               "disability": {"en": "Persons with disabilities", "zh": "残疾人"}}

#: winners and losers: five mutually exclusive groups, in the order shown (shares add up to 100%)
FIVE_GROUPS = ("gain_over_5pct", "gain_up_to_5pct", "no_change", "lose_up_to_5pct", "lose_over_5pct")

#: groups of persons that poverty is broken down by (run/layout.py PERSON_GROUPINGS), with their labels
PERSON_GROUPINGS = {"age_group": ("children", "working_age", "elderly"), "sex": ("male", "female"),
                    "left_behind_children": ("left_behind_children",), "disability": ("disability",)}
PERSON_GROUP_LABELS = {
    "children": {"en": "Children (0–15)", "zh": "儿童(0–15岁)"},
    "working_age": {"en": "Working age (16–59)", "zh": "劳动年龄(16–59岁)"},
    "elderly": {"en": "Elderly (60+)", "zh": "老年人(60岁及以上)"},
    "male": {"en": "Men and boys", "zh": "男性"},
    "female": {"en": "Women and girls", "zh": "女性"},
    "left_behind_children": {"en": "Left-behind children", "zh": "农村留守儿童"},
    "disability": {"en": "Persons with disabilities", "zh": "残疾人"},
}


PERSON_GROUP_SHORT = {
    "children": {"en": "0–15", "zh": "0–15岁"}, "working_age": {"en": "16–59", "zh": "16–59岁"},
    "elderly": {"en": "60+", "zh": "60岁+"}, "male": {"en": "men", "zh": "男"}, "female": {"en": "women", "zh": "女"},
    "left_behind_children": {"en": "left-behind", "zh": "留守儿童"}, "disability": {"en": "disabled", "zh": "残疾人"},
}


def person_group_short(group: str, lang: str) -> str:
    """Short label of a group of persons, for column headers (`PERSON_GROUP_SHORT`)."""
    return PERSON_GROUP_SHORT.get(group, {}).get(lang) or group


def person_group(group: str, lang: str) -> str:
    """Label of a group of persons (`PERSON_GROUP_LABELS`)."""
    return PERSON_GROUP_LABELS.get(group, {}).get(lang) or group


def person_group_rows(by_group: dict[str, Any] | None) -> list[tuple[str, dict[str, Any]]]:
    """(group, statistics) of the person groups in a poverty line's `by_group` that are present (a suppressed
    group is absent), in display order."""
    out = []
    for grouping, groups in PERSON_GROUPINGS.items():
        table = (by_group or {}).get(grouping)
        if not isinstance(table, dict):
            continue
        for g in groups:
            stats = table if len(groups) == 1 else table.get(g)
            if isinstance(stats, dict):
                out.append((g, stats))
    return out


def line_label(name: str, line: dict[str, Any] | None, lang: str) -> str:
    """Label of a poverty line (from its results entry: gongfu/data/poverty_lines.yaml), else its key."""
    label = (line or {}).get("label") or {}
    return label.get(lang) or label.get("en") or name


def t(key: str, lang: str) -> str:
    """A fixed text in the language (English when the key has no Chinese)."""
    entry = TEXT.get(key) or STATISTICS.get(key) or CONCEPTS.get(key)
    if entry is None:
        return key
    return entry.get(lang) or entry.get("en", key)


def stat(key: str, lang: str) -> str:
    return STATISTICS.get(key, {}).get(lang) or key


def concept(key: str, lang: str) -> str:
    return CONCEPTS.get(key, {}).get(lang) or key


def province_name(key: Any, lang: str) -> str:
    """'Zhejiang' / '浙江' from a pinyin key or GB/T code; the key itself (e.g. 'national') otherwise."""
    if key in ("national", "china"):
        return "全国" if lang == "zh" else "China"
    try:
        p = province(key)
    except KeyError:
        return str(key)
    return p.zh if lang == "zh" else p.en


def group_key(group: str, key: Any, lang: str) -> str:
    if group == "province":
        return province_name(key, lang)
    entry = GROUP_KEYS.get(group, {}).get(str(key))
    return entry.get(lang, str(key)) if entry else str(key)


def programme_label(variable: str, info: dict | None, lang: str) -> str:
    label = (info or {}).get("label") or {}
    return label.get(lang) or label.get("en") or variable


def money(value: float | None, lang: str, unit: bool = True) -> str:
    """Large totals: '12.3 bn yuan' / '123.0 亿元' (`unit=False`: the number only, see `money_unit`)."""
    if value is None:
        return "—"
    text = f"{value / 1e8:,.1f}" if lang == "zh" else f"{value / 1e9:,.1f}"
    return f"{text} {money_unit(lang)}" if unit else text


def money_unit(lang: str) -> str:
    return "亿元" if lang == "zh" else "bn yuan"


def people(value: float | None, lang: str, unit: bool = True) -> str:
    """Counts of persons: '12.3 m' / '1,230 万人' (`unit=False`: the number only, see `people_unit`)."""
    if value is None:
        return "—"
    text = f"{value / 1e4:,.0f}" if lang == "zh" else f"{value / 1e6:,.1f}"
    return f"{text} {people_unit(lang)}" if unit else text


def people_unit(lang: str) -> str:
    return "万人" if lang == "zh" else "m"


def yuan(value: float | None, lang: str, signed: bool = False) -> str:
    if value is None:
        return "—"
    text = f"{value:+,.0f}" if signed else f"{value:,.0f}"
    return f"{text} 元" if lang == "zh" else f"{text} yuan"


def pct(value: float | None, signed: bool = False, digits: int = 1) -> str:
    if value is None:
        return "—"
    return f"{value * 100:+.{digits}f}%" if signed else f"{value * 100:.{digits}f}%"


def num(value: Any, digits: int = 3, signed: bool = False) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        if abs(value) >= 1000:
            return f"{value:+,.0f}" if signed else f"{value:,.0f}"
        return f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"
    return str(value)


def half_width(res: dict[str, Any] | None, key: str) -> float | None:
    """Half-width of the 95% sampling interval of figure `key` of a results or compare dict (its
    ``uncertainty``), or None when the run has none."""
    e = ((res or {}).get("uncertainty") or {}).get(key)
    if not e or not e.get("ci95"):
        return None
    lo, hi = e["ci95"]
    return (hi - lo) / 2.0


def pm(res: dict[str, Any] | None, key: str, fmt: Any) -> str:
    """' ± h' (h: half-width of the 95% sampling interval of `key`, formatted by `fmt`), or '' without one."""
    h = half_width(res, key)
    return "" if h is None else f" ± {fmt(h)}"


def interval_note(lang: str) -> str:
    """What '±' means in the tables."""
    if lang == "zh":
        return "± 为抽样误差的95%置信区间半宽(按户的重复权重/自助法),不是计算精度。"
    return "± half-width of the 95% sampling interval (household replicate weights, bootstrap); not arithmetic error."


def sampling_note(lang: str) -> str:
    """The report's note on sampling uncertainty against numerical exactness."""
    if lang == "zh":
        return ("± 与“95%”列为抽样不确定性:样本只是全国住户的一部分,换一个样本数字会变;它由按户的重复权重"
                "(分层内成对随机半样本,在同一次计算中求得)估计,区间为估计值 ± 1.96 倍标准误。复现信息中的“数值精确度”"
                "只说明算术的精确程度(精确求和与分箱界限),与抽样精度无关。")
    return ("± and the '95%' columns are sampling uncertainty: the sample is a part of the country's households and "
            "another sample would give other figures. It is estimated with household replicate weights (random "
            "half-samples of pairs of households within the sampling strata, computed in the same pass); the interval is the estimate ± 1.96 standard errors. The "
            "'numerical exactness of the arithmetic' in the reproducibility section bounds only the arithmetic "
            "(exact sums, sketch bins); it says nothing about sampling precision.")
