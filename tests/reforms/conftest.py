"""A small hand-built population that touches every programme the scenarios change."""

from __future__ import annotations

import numpy as np
import pytest

from gongfu.engine import load_system
from gongfu.engine.geography import province

# (province, area, weight, n_homes, home_value, floor_area, persons)
# person: (age, hukou_province or None, hukou_type or None (0 rural, 1 urban), wage, agricultural, disability)
HOUSEHOLDS = [
    # 0 migrant family from rural Anhui living in urban Zhejiang: low wage, a 4-year-old, a grandmother of 66
    ("zhejiang", 1, 3000.0, 0, 0.0, 0.0, [(34, "anhui", 0, 20000, 0, 0), (32, "anhui", 0, 0, 0, 0),
                                          (4, "anhui", 0, 0, 0, 0), (66, "anhui", 0, 0, 0, 0)]),
    # 1 rich Beijing couple with three homes
    ("beijing", 1, 200.0, 3, 15_000_000.0, 400.0, [(50, None, None, 1_500_000, 0, 0), (48, None, None, 300_000, 0, 0)]),
    # 2 rural elderly couple in Guizhou, one severely disabled
    ("guizhou", 0, 5000.0, 1, 200_000.0, 120.0, [(72, None, None, 0, 6000, 1), (70, None, None, 0, 4000, 0)]),
    # 3 Shanghai middle-class family with two homes and a baby
    ("shanghai", 1, 1500.0, 2, 8_000_000.0, 200.0, [(36, None, None, 150_000, 0, 0), (35, None, None, 90_000, 0, 0),
                                                    (1, None, None, 0, 0, 0)]),
    # 4 very poor rural family in Henan
    ("henan", 0, 6000.0, 1, 80_000.0, 90.0, [(45, None, None, 0, 3000, 0), (43, None, None, 0, 0, 0),
                                             (12, None, None, 0, 0, 0)]),
    # 5 single urban employee in Guangdong, moderate wage
    ("guangdong", 1, 4000.0, 0, 0.0, 0.0, [(28, None, None, 70_000, 0, 0)]),
    # 6 low-wage rural worker in Zhejiang
    ("zhejiang", 0, 2500.0, 1, 300_000.0, 110.0, [(40, None, None, 25_000, 0, 0)]),
    # 7 Zhejiang rural widow of 70 with no income
    ("zhejiang", 0, 800.0, 1, 150_000.0, 80.0, [(70, None, None, 0, 0, 0)]),
]


def build_population() -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    h: dict[str, list] = {k: [] for k in ("household_id", "province", "area", "weight", "n_homes", "home_value",
                                          "floor_area")}
    p: dict[str, list] = {k: [] for k in ("person_id", "household_id", "age", "wage_income", "agricultural_income",
                                          "disability_grade")}
    hukou_province, hukou_type = [], []
    pid = 0
    for hid, (prov, area, weight, homes, value, floor, persons) in enumerate(HOUSEHOLDS):
        code = province(prov).code
        for key, v in zip(h, (hid, code, area, weight, homes, value, floor), strict=True):
            h[key].append(v)
        for age, hp, ht, wage, agri, grade in persons:
            for key, v in zip(p, (pid, hid, age, wage, agri, grade), strict=True):
                p[key].append(v)
            hukou_province.append(code if hp is None else province(hp).code)
            hukou_type.append(area if ht is None else ht)
            pid += 1
    dtypes = {"household_id": np.int64, "person_id": np.int64, "province": np.int8, "area": np.int8,
              "n_homes": np.int8, "age": np.int16, "disability_grade": np.int8}
    households = {k: np.asarray(v, dtype=dtypes.get(k, np.float64)) for k, v in h.items()}
    persons = {k: np.asarray(v, dtype=dtypes.get(k, np.float64)) for k, v in p.items()}
    persons["hukou_province"] = np.asarray(hukou_province, dtype=np.int8)
    persons["hukou_type"] = np.asarray(hukou_type, dtype=np.int8)
    return households, persons


@pytest.fixture(scope="session")
def system():
    return load_system()


@pytest.fixture(scope="session")
def population():
    return build_population()


@pytest.fixture
def baseline(system, population):
    households, persons = population
    return system.simulation(households=households, persons=persons, year=2025)
