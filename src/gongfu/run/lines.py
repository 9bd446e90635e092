"""Poverty lines used by a run: relative lines (fractions of the median) and absolute lines (yuan per person per
year at the prices of the simulated year), each with its source and how it was converted. The figures (lines, CPI,
the World Bank's equivalence, relative fractions) are in gongfu/data/poverty_lines.yaml, with units and sources.

Absolute lines, and how they are obtained (all per person per year):

* **China's rural poverty line** of 2,300 yuan at 2010 prices (中国农村扶贫开发纲要(2011-2020年), 中发〔2011〕10号;
  the line set at the Central Poverty Alleviation Work Conference, November 2011). NBS published its value at
  current prices each year; for 2019 it was 3,218 yuan (国家统计局, 中华人民共和国2019年国民经济和社会发展统计公报,
  2020-02-28). We uprate 3,218 yuan by the national CPI of each later year (NBS statistical communiques:
  2020 +2.5%, 2021 +0.9%, 2022 +2.0%, 2023 +0.2%, 2024 +0.2%). CPI after 2024 is not in the shared data, so
  later years are *not* uprated (assumption, stated in the results). Years before 2020 use 3,218 yuan.
* **World Bank international lines** of $2.15, $3.65 and $6.85 a day (2017 PPP) (World Bank, *Poverty and Shared
  Prosperity 2022*; Jolliffe et al. 2022, "Assessing the Impact of the 2017 PPPs on the International Poverty
  Line and Global Poverty", Policy Research Working Paper 9941). We convert them with the World Bank's own
  statement that China's official standard "is equivalent to $2.30/day (2017 PPP)" (World Bank, Poverty &
  Equity Brief, China, October 2024, https://documents1.worldbank.org/curated/en/099656501032511659/text/
  IDU-18b182ae-5c43-4b6e-90ba-cb7c8c03a9d9.txt): line(L) = official line at current prices x L / 2.30.
  This reproduces the World Bank's conversion for China's rural price level (the Bank's PIP uses separate
  rural and urban PPPs for China); for urban residents it understates the line (urban prices are higher), so
  urban headcounts at these lines are lower bounds. No separate PPP factor is assumed.

Relative lines are 40%, 50% and 60% of the weighted median per-capita disposable income of the simulated year
(OECD uses 50%, Eurostat 60%; 40% is the World Bank/Atkinson "strong" relative line).
"""

from __future__ import annotations

from dataclasses import dataclass

from .data import DATA, DataError, figure, load, node

_FILE = "poverty_lines.yaml"


def _load() -> tuple[float, dict[int, float], float, tuple[float, ...], tuple[float, ...]]:
    """(rural line at 2019 prices, CPI growth by year, the World Bank's dollar equivalent of the official line,
    World Bank lines in dollars, relative fractions), from gongfu/data/poverty_lines.yaml."""
    d = load(_FILE)
    figure(d, _FILE, "china_rural_line", "base_2010")
    current = figure(d, _FILE, "china_rural_line", "current_2019")
    cpi = {int(y): figure(d, _FILE, "cpi_growth", y) for y in node(d, _FILE, "cpi_growth")}
    usd = figure(d, _FILE, "world_bank", "official_equivalent")
    n_lines = len(node(d, _FILE, "world_bank", "lines"))
    lines = tuple(figure(d, _FILE, "world_bank", "lines", i) for i in range(n_lines))
    fractions = tuple(figure(d, _FILE, "relative_fractions"))
    return current, cpi, usd, lines, fractions


RURAL_LINE_2019_CURRENT, CPI_GROWTH, WB_OFFICIAL_EQUIVALENT_USD, WB_LINES_USD, RELATIVE_FRACTIONS = _load()

SOURCES = {
    "rural_2010": ("China rural poverty line, 2,300 yuan at 2010 prices (中国农村扶贫开发纲要(2011-2020年), "
                   "中发〔2011〕10号); 3,218 yuan at 2019 prices (NBS 2019 statistical communique), uprated by "
                   "NBS CPI {cpi}"),
    "world_bank": ("World Bank ${usd}/day (2017 PPP) (Poverty and Shared Prosperity 2022), converted with the "
                   "Bank's equivalence of China's official line to $2.30/day (2017 PPP) (Poverty & Equity Brief, "
                   "China, Oct 2024): {line:,.0f} yuan = official line x {usd}/2.30; rural price level"),
    "relative": "{pct}% of the weighted median per-capita disposable income (persons) of the simulated population",
}


@dataclass(frozen=True)
class Line:
    name: str
    kind: str  # "absolute" | "relative"
    value: float | None  # yuan per person per year (None for relative lines: set from the median)
    fraction: float | None
    source: str
    label: dict[str, str] | None = None  # {en, zh} (gongfu/data/poverty_lines.yaml `labels`)


def _labels() -> dict[str, dict[str, str]]:
    """The `labels` of gongfu/data/poverty_lines.yaml, checked: each an {en, zh} mapping of texts."""
    d = load(_FILE).get("labels") or {}
    for key, lab in d.items():
        if not isinstance(lab, dict) or not all(isinstance(lab.get(k), str) and lab[k] for k in ("en", "zh")):
            raise DataError(f"{DATA / _FILE}: labels.{key}: expected a mapping with en and zh texts")
    return d


def _label(key: str, **fields: object) -> dict[str, str] | None:
    lab = _labels().get(key)
    return None if lab is None else {k: v.format(**fields) for k, v in lab.items()}


def official_rural_line(year: int) -> tuple[float, str]:
    """China's rural poverty line at `year` prices (yuan per person per year) and the CPI factors used."""
    value, used = RURAL_LINE_2019_CURRENT, []
    for y in sorted(CPI_GROWTH):
        if y <= year:
            value *= 1.0 + CPI_GROWTH[y]
            used.append(f"{y} {CPI_GROWTH[y]:+.1%}")
    note = ", ".join(used) if used else "none (year before 2020)"
    if year > max(CPI_GROWTH):
        note += f"; no uprating after {max(CPI_GROWTH)} (CPI not in the shared data)"
    return value, note


def poverty_lines(year: int) -> list[Line]:
    """The lines reported by every run of `year`, relative ones first."""
    lines = [Line(f"relative_{round(f * 100)}_median", "relative", None, f,
                  SOURCES["relative"].format(pct=round(f * 100)), _label("relative", pct=round(f * 100)))
             for f in RELATIVE_FRACTIONS]
    official, cpi = official_rural_line(year)
    lines.append(Line("china_rural_2010_standard", "absolute", official, None,
                      SOURCES["rural_2010"].format(cpi=cpi), _label("china_rural_2010_standard")))
    for usd in WB_LINES_USD:
        value = official * usd / WB_OFFICIAL_EQUIVALENT_USD
        lines.append(Line(f"world_bank_{str(usd).replace('.', '_')}", "absolute", value, None,
                          SOURCES["world_bank"].format(usd=usd, line=value), _label("world_bank", usd=usd)))
    return lines


def absolute_lines(year: int) -> tuple[tuple[str, float], ...]:
    return tuple((ln.name, float(ln.value)) for ln in poverty_lines(year) if ln.kind == "absolute")
