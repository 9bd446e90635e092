"""Province tables the benchmark population generator draws from (stdlib only: also used by the OpenFisca venv).

Copied from /work/shared/data/china/provinces.yaml:
* `resident_population` — 2024 year-end resident population, 万人 (NBS, data.stats.gov.cn 分省年度数据 export);
* `urbanisation_rate` — 2024 urban share of the resident population, percent (NBS / provincial bureaus panel).
Order and codes are those of `gongfu.engine.geography.PROVINCES` (GB/T 2260); a test checks they agree.
"""

from __future__ import annotations

#: (GB/T 2260 code, pinyin key, 2024 resident population in 万人, 2024 urbanisation rate in percent)
PROVINCE_TABLE: tuple[tuple[int, str, int, float], ...] = (
    (11, "beijing", 2183, 88.22),
    (12, "tianjin", 1364, 86.01),
    (13, "hebei", 7378, 63.42),
    (14, "shanxi", 3446, 66.32),
    (15, "neimenggu", 2388, 70.73),
    (21, "liaoning", 4155, 74.18),
    (22, "jilin", 2317, 65.78),
    (23, "heilongjiang", 3029, 68.05),
    (31, "shanghai", 2480, 89.85),
    (32, "jiangsu", 8526, 75.53),
    (33, "zhejiang", 6670, 75.46),
    (34, "anhui", 6123, 62.57),
    (35, "fujian", 4193, 71.8),
    (36, "jiangxi", 4502, 63.77),
    (37, "shandong", 10080, 66.48),
    (41, "henan", 9785, 59.22),
    (42, "hubei", 5834, 66.35),
    (43, "hunan", 6539, 62.07),
    (44, "guangdong", 12780, 75.91),
    (45, "guangxi", 5013, 57.39),
    (46, "hainan", 1048, 63.08),
    (50, "chongqing", 3190, 72.14),
    (51, "sichuan", 8364, 60.1),
    (52, "guizhou", 3860, 56.65),
    (53, "yunnan", 4655, 54.11),
    (54, "xizang", 370, 39.68),
    (61, "shaanxi", 3953, 66.14),
    (62, "gansu", 2458, 56.83),
    (63, "qinghai", 593, 63.86),
    (64, "ningxia", 729, 68.22),
    (65, "xinjiang", 2623, 60.36),
)

CODES: tuple[int, ...] = tuple(row[0] for row in PROVINCE_TABLE)
KEYS: tuple[str, ...] = tuple(row[1] for row in PROVINCE_TABLE)
KEY_OF_CODE: dict[int, str] = {row[0]: row[1] for row in PROVINCE_TABLE}
