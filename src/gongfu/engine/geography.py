"""The 31 provinces of mainland China: GB/T 2260 codes, names, regions.

Codes are the two-digit province-level codes of GB/T 2260 (中华人民共和国行政区划代码).
Regions follow the NBS four-region split (东部/中部/西部/东北), used in NBS income releases.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Province:
    code: int
    key: str  # pinyin key used in parameter files and shared/data/china
    en: str
    zh: str
    region: str  # east | central | west | northeast


PROVINCES: tuple[Province, ...] = (
    Province(11, "beijing", "Beijing", "北京", "east"),
    Province(12, "tianjin", "Tianjin", "天津", "east"),
    Province(13, "hebei", "Hebei", "河北", "east"),
    Province(14, "shanxi", "Shanxi", "山西", "central"),
    Province(15, "neimenggu", "Inner Mongolia", "内蒙古", "west"),
    Province(21, "liaoning", "Liaoning", "辽宁", "northeast"),
    Province(22, "jilin", "Jilin", "吉林", "northeast"),
    Province(23, "heilongjiang", "Heilongjiang", "黑龙江", "northeast"),
    Province(31, "shanghai", "Shanghai", "上海", "east"),
    Province(32, "jiangsu", "Jiangsu", "江苏", "east"),
    Province(33, "zhejiang", "Zhejiang", "浙江", "east"),
    Province(34, "anhui", "Anhui", "安徽", "central"),
    Province(35, "fujian", "Fujian", "福建", "east"),
    Province(36, "jiangxi", "Jiangxi", "江西", "central"),
    Province(37, "shandong", "Shandong", "山东", "east"),
    Province(41, "henan", "Henan", "河南", "central"),
    Province(42, "hubei", "Hubei", "湖北", "central"),
    Province(43, "hunan", "Hunan", "湖南", "central"),
    Province(44, "guangdong", "Guangdong", "广东", "east"),
    Province(45, "guangxi", "Guangxi", "广西", "west"),
    Province(46, "hainan", "Hainan", "海南", "east"),
    Province(50, "chongqing", "Chongqing", "重庆", "west"),
    Province(51, "sichuan", "Sichuan", "四川", "west"),
    Province(52, "guizhou", "Guizhou", "贵州", "west"),
    Province(53, "yunnan", "Yunnan", "云南", "west"),
    Province(54, "xizang", "Xizang (Tibet)", "西藏", "west"),
    Province(61, "shaanxi", "Shaanxi", "陕西", "west"),
    Province(62, "gansu", "Gansu", "甘肃", "west"),
    Province(63, "qinghai", "Qinghai", "青海", "west"),
    Province(64, "ningxia", "Ningxia", "宁夏", "west"),
    Province(65, "xinjiang", "Xinjiang", "新疆", "west"),
)

REGIONS: tuple[str, ...] = ("east", "central", "west", "northeast")
REGION_LABELS = {
    "east": {"en": "East", "zh": "东部"},
    "central": {"en": "Central", "zh": "中部"},
    "west": {"en": "West", "zh": "西部"},
    "northeast": {"en": "Northeast", "zh": "东北"},
}

CODES = np.array([p.code for p in PROVINCES], dtype=np.int8)
BY_CODE = {p.code: p for p in PROVINCES}
BY_KEY = {p.key: p for p in PROVINCES}

#: CODE_TO_INDEX[code] -> position 0..30 in PROVINCES (-1 for codes that are not provinces).
CODE_TO_INDEX = np.full(128, -1, dtype=np.int16)
CODE_TO_INDEX[CODES] = np.arange(len(PROVINCES))
#: REGION_OF_CODE[code] -> index into REGIONS.
REGION_OF_CODE = np.full(128, -1, dtype=np.int8)
for _p in PROVINCES:
    REGION_OF_CODE[_p.code] = REGIONS.index(_p.region)

_ALIASES = {p.zh: p for p in PROVINCES} | {p.en.lower(): p for p in PROVINCES} | {
    "inner mongolia": BY_KEY["neimenggu"], "nei mongol": BY_KEY["neimenggu"], "tibet": BY_KEY["xizang"],
    "inner_mongolia": BY_KEY["neimenggu"], "xizang (tibet)": BY_KEY["xizang"],
}


def province(value: str | int) -> Province:
    """Resolve a province given as GB/T 2260 code (33, "33", "330000") or name (pinyin, English, Chinese).

    Raises KeyError with the list of valid names when it is not one of the 31 provinces.
    """
    if isinstance(value, bool):
        raise KeyError(f"not a province: {value!r}")
    if isinstance(value, int | np.integer):
        code = int(value)
        if code >= 100000:
            code //= 10000
        if code in BY_CODE:
            return BY_CODE[code]
        raise KeyError(f"unknown province code {value!r} (GB/T 2260 codes 11..65)")
    text = str(value).strip()
    if text.isdigit():
        return province(int(text))
    low = text.lower().replace("-", " ")
    for cand in (low, low.replace(" ", ""), text):
        if cand in BY_KEY:
            return BY_KEY[cand]
        if cand in _ALIASES:
            return _ALIASES[cand]
    raise KeyError(
        f"unknown province {value!r}; use a pinyin name ({', '.join(BY_KEY)}) or a GB/T 2260 code"
    )
