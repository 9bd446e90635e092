"""A synthetic civil-affairs registry built from gongfu's synthetic population (the example that ships with the
package, src/gongfu/examples/registry/registry_example.csv + registry_example_mapping.yaml, and the benchmark's registry).

    python -m gongfu.discover.example src/gongfu/examples/registry/registry_example.csv      # the shipped example
    python -m gongfu.discover.example /tmp/registry.parquet --persons 5000000       # bench/discover.py

What each household "receives now" follows the synthetic population's own take-up, which is calibrated
(population/fitted.yaml `takeup`: dibao take-up fitted to the official recipient counts, tekun set equal to the
rural dibao take-up; docs/population.md):

* received_dibao = the dibao entitlement where the household takes dibao up (`dibao_takeup`), else 0;
* received_tekun = the tekun entitlement of the members who take it up (`tekun_takeup`);
* received_disability_living_subsidy: the subsidy of members of households that receive dibao (in practice it
  is paid with dibao); received_disability_nursing_subsidy, received_old_age_allowance: as entitled (their
  take-up is unknown: the example assumes full take-up, an assumption, not an estimate);
* ILLUSTRATIVE, for the example only (no figure is known; these are not estimates): one receiving household
  in 25, chosen by hash, is paid last year's amount (the entitlement at 95%), and one non-entitled household in
  40 among those with per-capita counted income below twice the line receives `received_dibao` as if its
  circumstances had not changed (the standard × 12 × 0.3 × its size), so that the example has cases of
  every status.

Columns carry Chinese headers as a registry would; the mapping file renames them (the importer's format).
Households are in one county (两个乡镇 per 100 households, synthetic names), all ids synthetic.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
from pathlib import Path
from typing import Any

import numpy as np

from gongfu.engine.enums import Area, EmploymentStatus, HukouType, PensionScheme, Sex
from gongfu.engine.geography import PROVINCES

HEADERS = {"household_id": "户编号", "person_id": "人员编号", "county": "区县", "township": "乡镇",
           "province": "居住省份", "area": "城乡", "age": "年龄", "sex": "性别", "hukou_province": "户籍省份",
           "hukou_type": "户口类型", "employment_status": "就业状况", "disability_grade": "残疾等级",
           "wage_income": "工资收入", "self_employment_income": "经营收入", "agricultural_income": "农业收入",
           "interest_income": "利息收入", "dividend_income": "股息收入", "rental_income": "租金收入",
           "pension_scheme": "养老保险类型", "contribution_years": "缴费年限",
           "has_obligated_supporter": "有赡养扶养义务人", "n_homes": "住房套数",
           "received_dibao": "已领低保金", "received_tekun": "已领特困供养金",
           "received_disability_living_subsidy": "已领残疾人生活补贴",
           "received_disability_nursing_subsidy": "已领重度残疾人护理补贴",
           "received_old_age_allowance": "已领高龄津贴"}
KEY = {p.code: p.key for p in PROVINCES}
ZH = {p.code: p.zh for p in PROVINCES} if hasattr(PROVINCES[0], "zh") else KEY


def _u(ids: np.ndarray, salt: str) -> np.ndarray:
    """A uniform number in [0, 1) per id, from a hash (reproducible, independent of order)."""
    return np.array([int.from_bytes(hashlib.blake2b(f"{salt}:{i}".encode(), digest_size=8).digest(), "little")
                     / 2.0 ** 64 for i in ids])


def registry_rows(households: dict[str, np.ndarray], persons: dict[str, np.ndarray], year: int = 2025,
                  prefix: str = "H") -> dict[str, np.ndarray]:
    """The registry columns (gongfu names) of a synthetic population block."""
    from gongfu.engine import load_system

    system = load_system()
    h_in = dict(households)
    p_in = dict(persons)
    takeup_h = np.asarray(h_in.pop("dibao_takeup", np.ones(len(h_in["household_id"]), bool)), bool)
    takeup_p = np.asarray(p_in.pop("tekun_takeup", np.ones(len(p_in["person_id"]), bool)), bool)
    h_in["dibao_takeup"] = np.ones_like(takeup_h)
    p_in["tekun_takeup"] = np.ones_like(takeup_p)
    sim = system.simulation(households=h_in, persons=p_in, year=year)
    nh = len(h_in["household_id"])
    pos = np.searchsorted(h_in["household_id"], p_in["household_id"])
    ent = sim.calc("dibao_entitlement")
    tekun_p = sim.calc("tekun_person")
    line = 12.0 * sim.calc("dibao_standard")
    inc = sim.calc("dibao_income_per_capita")
    size = sim.calc("dibao_unit_size")
    hid = h_in["household_id"]
    rec_dibao = np.where(takeup_h, ent, 0.0)
    stale = (rec_dibao > 0) & (_u(hid, "stale") < 1 / 25)  # illustrative (module docstring)
    rec_dibao = np.where(stale, np.round(0.95 * rec_dibao, -1), rec_dibao)
    wrong = (ent <= 0) & (inc < 2 * line) & (size > 0) & (_u(hid, "changed") < 1 / 40)  # illustrative
    rec_dibao = np.where(wrong, np.round(0.3 * line * size, -1), rec_dibao)
    gets_dibao = rec_dibao > 0
    rows: dict[str, Any] = {
        "household_id": np.array([f"{prefix}{i:07d}" for i in hid], dtype=object)[pos],
        "person_id": np.array([f"P{i:08d}" for i in p_in["person_id"]], dtype=object),
    }
    n_town = max(2, nh // 50)
    town = (_u(hid, "town") * n_town).astype(int)
    rows["county"] = np.array([f"县{1 + t // 8:02d}" for t in town], dtype=object)[pos]
    rows["township"] = np.array([f"乡镇{1 + t:02d}" for t in town], dtype=object)[pos]
    rows["province"] = np.array([KEY[int(c)] for c in h_in["province"]], dtype=object)[pos]
    rows["area"] = np.array([Area(int(a)).name for a in h_in["area"]], dtype=object)[pos]
    rows["age"] = p_in["age"].astype(int)
    rows["sex"] = np.array([Sex(int(s)).name for s in p_in["sex"]], dtype=object)
    rows["hukou_province"] = np.array([KEY[int(c)] for c in sim.calc("hukou_province")], dtype=object)
    rows["hukou_type"] = np.array([HukouType(int(a)).name for a in sim.calc("hukou_type")], dtype=object)
    rows["employment_status"] = np.array([EmploymentStatus(int(a)).name for a in sim.calc("employment_status")],
                                         dtype=object)
    rows["disability_grade"] = p_in.get("disability_grade", np.zeros(len(pos))).astype(int)
    for v in ("wage_income", "self_employment_income", "agricultural_income", "interest_income", "dividend_income",
              "rental_income"):
        rows[v] = np.round(np.asarray(p_in.get(v, np.zeros(len(pos))), dtype=float), 0)
    rows["pension_scheme"] = np.array([PensionScheme(int(a)).name for a in sim.calc("pension_scheme")], dtype=object)
    rows["contribution_years"] = np.round(sim.calc("contribution_years"), 0)
    rows["has_obligated_supporter"] = np.where(p_in.get("has_obligated_supporter", np.ones(len(pos), bool)),
                                               "是", "否").astype(object)
    rows["n_homes"] = np.asarray(h_in.get("n_homes", np.ones(nh)), dtype=int)[pos]
    # dibao is paid to the household: the amount on the head's (first) row, blank on the others
    first = np.r_[True, pos[1:] != pos[:-1]]
    rows["received_dibao"] = np.where(first, np.round(rec_dibao[pos], 2), np.nan)
    rows["received_tekun"] = np.round(np.where(takeup_p, tekun_p, 0.0), 2)
    rows["received_disability_living_subsidy"] = np.round(np.where(gets_dibao[pos],
                                                                   sim.calc("disability_living_subsidy"), 0.0), 2)
    rows["received_disability_nursing_subsidy"] = np.round(sim.calc("disability_nursing_subsidy"), 2)
    rows["received_old_age_allowance"] = np.round(sim.calc("old_age_allowance"), 2)
    return rows


def mapping_yaml() -> str:
    """The mapping of the example registry (Chinese headers -> gongfu names)."""
    lines = ["# Mapping of the example registry (the importer's format, docs/population.md; discover also maps",
             "# received_<programme>, township, county and person_id).",
             f"household_id: {HEADERS['household_id']}", "columns:"]
    lines += [f"  {zh}: {var}" for var, zh in HEADERS.items() if var != "household_id"]
    lines += ["values:", "  has_obligated_supporter: {是: true, 否: false}", ""]
    return "\n".join(lines)


def write(out: Path, persons: int = 1000, seed: int = 7, province: int = 52, year: int = 2025) -> int:
    """Write a registry of about `persons` persons (CSV or Parquet by extension; one province for small ones,
    the national plan above 100,000); its mapping next to it for CSV. Returns the persons written."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from gongfu.population import generate_partition, plan_partitions

    households = max(1, int(persons / 2.6))
    specs = plan_partitions(max(households, 62), seed, max_households=200_000)
    if persons <= 100_000:
        spec = next(s for s in specs if s.province == province)
        n_rural = households * 2 // 3
        specs = [dataclasses.replace(spec, n_urban=households - n_rural, n_rural=n_rural, household_id_start=0)]
    written = 0
    writer = None
    csv_first = True
    try:
        for spec in specs:
            h, p = generate_partition(spec)
            rows = registry_rows(h, p, year)
            table = {HEADERS[k]: v for k, v in rows.items()}
            written += len(rows["person_id"])
            if out.suffix == ".parquet":
                t = pa.table({k: pa.array(v) for k, v in table.items()})
                if writer is None:
                    writer = pq.ParquetWriter(out, t.schema)
                writer.write_table(t.cast(writer.schema))
            else:
                import pandas as pd

                df = pd.DataFrame(table)
                df.to_csv(out, mode="w" if csv_first else "a", header=csv_first, index=False,
                          float_format="%.2f", lineterminator="\n")
                csv_first = False
    finally:
        if writer is not None:
            writer.close()
    (out.parent / (out.stem + "_mapping.yaml")).write_text(mapping_yaml(), encoding="utf-8")
    return written


def main() -> None:  # pragma: no cover - script
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--persons", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--year", type=int, default=2025)
    a = ap.parse_args()
    n = write(a.out, a.persons, a.seed, year=a.year)
    print(f"{a.out}: {n} persons")


if __name__ == "__main__":  # pragma: no cover
    main()
