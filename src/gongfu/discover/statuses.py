"""Statuses of every household and programme, from the law alone, with the decisive test in words.

For each programme the entitlement is what the rules give when every eligible person claims (take-up switched on:
`dibao_takeup`, `tekun_takeup` = True), compared with what the registry says the household receives:

* ``entitled_not_receiving``: entitled (more than 0.5 yuan a year), receiving nothing;
* ``receiving_not_entitled``: receiving, not entitled under the registry's own data -- *for review* (an error in
  the registry, changed circumstances, a local rule gongfu does not model), never an accusation;
* ``receiving``: entitled and receiving; `difference` = received − entitlement;
* ``near_threshold`` (dibao only): not entitled, receiving nothing, but per-capita income below
  `assistance.dibao.low_income_margin` × the annual standard: the dibao-edge households to monitor.

A household with none of these for a programme gets no row for it. gongfu scores no one: each status follows
from the legal tests applied to the registry's data; `reason` names the test and its numbers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np

from gongfu.discover.households import Block

STATUSES = ("entitled_not_receiving", "receiving_not_entitled", "receiving", "near_threshold")
TOLERANCE = 0.5  # yuan per year: below it an amount counts as nothing

LABELS = {
    "dibao": {"en": "Dibao (minimum living guarantee)", "zh": "最低生活保障"},
    "tekun": {"en": "Tekun (support for persons in extreme poverty)", "zh": "特困人员救助供养"},
    "disability_living_subsidy": {"en": "Living subsidy for disabled people in difficulty", "zh": "困难残疾人生活补贴"},
    "disability_nursing_subsidy": {"en": "Nursing subsidy for severely disabled people", "zh": "重度残疾人护理补贴"},
    "old_age_allowance": {"en": "Old-age allowance (80+)", "zh": "高龄津贴"},
    "childcare_subsidy": {"en": "Childcare subsidy (under 3)", "zh": "育儿补贴"},
}
STATUS_LABELS = {
    "entitled_not_receiving": {"en": "entitled, not receiving", "zh": "应享未享"},
    "receiving_not_entitled": {"en": "receiving, not entitled (for review)", "zh": "在享但不符合条件（待复核）"},
    "receiving": {"en": "entitled and receiving", "zh": "应享已享"},
    "near_threshold": {"en": "near the threshold (dibao edge, to monitor)", "zh": "低保边缘（需监测）"},
}

HOUSEHOLD_VARS = ("province", "dibao_entitlement", "dibao_income_per_capita", "dibao_standard", "dibao_unit_size",
                  "dibao_eligible", "n_homes", "tekun")
PERSON_VARS = ("age", "disability_grade", "tekun_eligible", "tekun_no_work_capacity", "dibao_counted_income",
               "tekun_local_dibao_standard", "has_obligated_supporter", "tekun_person", "tekun_recipient",
               "disability_living_subsidy", "disability_nursing_subsidy", "old_age_allowance", "childcare_subsidy")
PERSON_PROGRAMMES = ("disability_living_subsidy", "disability_nursing_subsidy", "old_age_allowance",
                     "childcare_subsidy")


def yuan(x: float) -> str:
    return f"{x:,.0f}"


@dataclass
class Evaluated:
    """The flagged rows of a block (column arrays) and the per-household figures the summary groups by."""

    rows: dict[str, np.ndarray]
    household: np.ndarray  # index into the block's households, per row
    persons: int
    households: int


def compute(system: Any, block: Block, year: int) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The household and person figures the statuses and reasons need."""
    sim = system.simulation(households=block.households, persons=block.persons, year=year)
    hh = {v: np.asarray(sim.calc(v)) for v in HOUSEHOLD_VARS if v in system.variables}
    pp = {v: np.asarray(sim.calc(v)) for v in PERSON_VARS if v in system.variables}
    return hh, pp


def entitlements(hh: dict[str, np.ndarray], pp: dict[str, np.ndarray], hid: np.ndarray, n: int
                 ) -> dict[str, np.ndarray]:
    """Entitlement of each household to each programme (yuan per year): dibao_entitlement, tekun (everyone
    claims), and the household sums of the person subsidies."""
    out = {"dibao": hh["dibao_entitlement"], "tekun": hh["tekun"]}
    for p in PERSON_PROGRAMMES:
        if p in pp:
            out[p] = np.bincount(hid, weights=pp[p], minlength=n)
    return out


def evaluate(system: Any, block: Block, year: int, lang: str = "en", show_person_ids: bool = True) -> Evaluated:
    """Statuses, amounts, reasons and assumed inputs of the block's households."""
    n = len(block.ids)
    if n == 0:
        return Evaluated(_empty(), np.zeros(0, dtype=np.int64), 0, 0)
    hh, pp = compute(system, block, year)
    hid = block.persons["household_id"]
    starts = np.r_[0, np.flatnonzero(np.diff(hid)) + 1]
    ends = np.r_[starts[1:], len(hid)]
    ent = entitlements(hh, pp, hid, n)
    params = system.parameters.at(dt.date(year, 1, 1))
    margin = float(params.get("assistance.dibao.low_income_margin"))
    ctx = _Reasons(hh, pp, block, starts, ends, params, lang, show_person_ids)
    cols: dict[str, list[Any]] = {k: [] for k in ("household_id", "programme", "status", "entitlement", "received",
                                                  "difference", "reason", "assumed")}
    which: list[np.ndarray] = []
    assumed_text = np.array(["; ".join(a) for a in block.assumed], dtype=object)
    for prog, e in ent.items():
        if prog not in block.received:
            continue
        r = block.received[prog]
        has_e, has_r = e > TOLERANCE, r > TOLERANCE
        status = np.full(n, "", dtype=object)
        status[has_e & ~has_r] = "entitled_not_receiving"
        status[~has_e & has_r] = "receiving_not_entitled"
        status[has_e & has_r] = "receiving"
        if prog == "dibao":
            line = 12.0 * hh["dibao_standard"]
            near = ~has_e & ~has_r & (hh["dibao_unit_size"] > 0) & (hh["dibao_income_per_capita"] < margin * line)
            status[near] = "near_threshold"
        idx = np.flatnonzero(status != "")
        cols["household_id"].extend(block.ids[idx])
        cols["programme"].extend([prog] * len(idx))
        cols["status"].extend(status[idx])
        cols["entitlement"].extend(np.round(e[idx], 2))
        cols["received"].extend(np.round(r[idx], 2))
        cols["difference"].extend(np.round(r[idx] - e[idx], 2))
        cols["reason"].extend(ctx.reason(prog, int(h), str(status[h]), margin) for h in idx)
        cols["assumed"].extend(assumed_text[idx])
        which.append(idx)
    rows = {k: np.array(v, dtype=object if k in ("household_id", "programme", "status", "reason", "assumed")
                        else np.float64) for k, v in cols.items()}
    return Evaluated(rows, np.concatenate(which) if which else np.zeros(0, dtype=np.int64), len(hid), n)


def _empty() -> dict[str, np.ndarray]:
    return {k: np.zeros(0, dtype=object) for k in ("household_id", "programme", "status", "reason", "assumed")} | {
        k: np.zeros(0) for k in ("entitlement", "received", "difference")}


class _Reasons:
    """The decisive legal test of a household's status, in words with its numbers (en or zh)."""

    def __init__(self, hh: dict[str, np.ndarray], pp: dict[str, np.ndarray], block: Block, starts: np.ndarray,
                 ends: np.ndarray, params: Any, lang: str, show_person_ids: bool):
        self.hh, self.pp, self.block, self.starts, self.ends = hh, pp, block, starts, ends
        self.p, self.zh, self.show_ids = params, lang == "zh", show_person_ids

    def member(self, h: int, j: int) -> str:
        k = j - int(self.starts[h]) + 1
        pid = f" ({self.block.person_ids[j]})" if self.show_ids else ""
        return f"成员{k}{pid}" if self.zh else f"member {k}{pid}"

    def persons(self, h: int) -> range:
        return range(int(self.starts[h]), int(self.ends[h]))

    def reason(self, prog: str, h: int, status: str, margin: float) -> str:
        return getattr(self, prog)(h, status, margin)

    # ---------------------------------------------------------------------------------------- dibao
    def dibao(self, h: int, status: str, margin: float) -> str:
        inc = float(self.hh["dibao_income_per_capita"][h])
        std = float(self.hh["dibao_standard"][h])
        line = 12.0 * std
        size = int(self.hh["dibao_unit_size"][h])
        zh = self.zh
        if size == 0:
            return "全部成员享受特困供养，不计入低保" if zh else "every member is supported as tekun (not in a dibao unit)"
        if self.hh["dibao_eligible"][h]:
            ent = float(self.hh["dibao_entitlement"][h])
            if zh:
                return (f"人均收入 {yuan(inc)} < 低保标准 {yuan(std)} × 12 = {yuan(line)}；应发 ({yuan(line)} − "
                        f"{yuan(inc)}) × {size}人 = {yuan(ent)}")
            return (f"per-capita income {yuan(inc)} < standard {yuan(std)} × 12 = {yuan(line)}; entitlement "
                    f"({yuan(line)} − {yuan(inc)}) × {size} = {yuan(ent)}")
        asset = self.p.get("assistance.dibao.asset_test")
        if inc < line and asset.applies:
            homes = int(self.hh["n_homes"][h])
            return (f"拥有住房 {homes} 套 > {int(asset.max_homes)} 套" if zh else
                    f"owns {homes} homes > {int(asset.max_homes)} allowed (asset test)")
        if status == "near_threshold":
            edge = margin * line
            if zh:
                return (f"人均收入 {yuan(inc)} ≥ 低保标准 {yuan(std)} × 12 = {yuan(line)}，但 < {margin:g} × "
                        f"{yuan(line)} = {yuan(edge)}（低保边缘）")
            return (f"per-capita income {yuan(inc)} ≥ standard {yuan(std)} × 12 = {yuan(line)} but < {margin:g} × "
                    f"{yuan(line)} = {yuan(edge)} (dibao edge)")
        return (f"人均收入 {yuan(inc)} ≥ 低保标准 {yuan(std)} × 12 = {yuan(line)}" if zh else
                f"per-capita income {yuan(inc)} ≥ standard {yuan(std)} × 12 = {yuan(line)}")

    # ---------------------------------------------------------------------------------------- tekun
    def tekun(self, h: int, status: str, margin: float) -> str:
        pp, zh = self.pp, self.zh
        mult = float(self.p.get("assistance.tekun.basic_living_multiplier"))
        parts = []
        for j in self.persons(h):
            std = float(pp["tekun_local_dibao_standard"][j])
            inc = float(pp["dibao_counted_income"][j])
            if pp["tekun_eligible"][j]:
                amt = float(pp["tekun_person"][j])
                parts.append(f"{self.member(h, j)}：{int(pp['age'][j])}岁无劳动能力，收入 {yuan(inc)} < {yuan(std)} × 12，"
                             f"无法定赡养扶养义务人；{mult:g} × {yuan(std)} × 12 = {yuan(amt)}" if zh else
                             f"{self.member(h, j)}: aged {int(pp['age'][j])}, no capacity to work, own income "
                             f"{yuan(inc)} < standard {yuan(std)} × 12, no obligated supporter; {mult:g} × "
                             f"{yuan(std)} × 12 = {yuan(amt)}")
        if parts:
            return "; ".join(parts)
        for j in self.persons(h):
            std = float(pp["tekun_local_dibao_standard"][j])
            inc = float(pp["dibao_counted_income"][j])
            if not pp["tekun_no_work_capacity"][j]:
                why = (f"{int(pp['age'][j])}岁、非重度残疾，有劳动能力" if zh else
                       f"aged {int(pp['age'][j])}, not severely disabled: able to work")
            elif not inc < 12.0 * std:
                why = (f"收入 {yuan(inc)} ≥ {yuan(std)} × 12" if zh else
                       f"own income {yuan(inc)} ≥ standard {yuan(std)} × 12")
            else:
                why = "有法定赡养扶养义务人" if zh else "has an obligated supporter able to support"
            parts.append(f"{self.member(h, j)}：{why}" if zh else f"{self.member(h, j)}: {why}")
            if len(parts) == 3:
                break
        head = "无成员符合特困条件：" if zh else "no member meets the tekun tests: "
        return head + "; ".join(parts)

    # ---------------------------------------------------------------------------------------- subsidies
    def _eligible_members(self, h: int, prog: str, describe: Any) -> list[str]:
        return [f"{self.member(h, j)}{'：' if self.zh else ': '}{describe(j)} = {yuan(float(self.pp[prog][j]))}"
                for j in self.persons(h) if self.pp[prog][j] > TOLERANCE]

    def disability_living_subsidy(self, h: int, status: str, margin: float) -> str:
        pp, zh = self.pp, self.zh
        max_grade = int(self.p.get("subsidies.disability.living_subsidy.max_grade"))
        parts = self._eligible_members(h, "disability_living_subsidy", lambda j: (
            f"残疾等级 {int(pp['disability_grade'][j])}，家庭符合低保条件，12 × 月标准" if zh else
            f"disability grade {int(pp['disability_grade'][j])} in a household eligible for dibao, 12 × monthly "
            "amount"))
        if parts:
            return "; ".join(parts)
        graded = [j for j in self.persons(h) if 1 <= pp["disability_grade"][j] <= max_grade]
        if not graded:
            return f"无 1-{max_grade} 级残疾成员" if zh else f"no member with disability grade 1-{max_grade}"
        if not self.hh["dibao_eligible"][h]:
            return ("家庭不符合低保条件：" if zh else "household not eligible for dibao: ") + self.dibao(h, "", margin)
        return "残疾成员享受特困供养" if zh else "the disabled members are supported as tekun"

    def disability_nursing_subsidy(self, h: int, status: str, margin: float) -> str:
        pp, zh = self.pp, self.zh
        max_grade = int(self.p.get("subsidies.disability.nursing_subsidy.max_grade"))
        parts = self._eligible_members(h, "disability_nursing_subsidy", lambda j: (
            f"残疾等级 {int(pp['disability_grade'][j])}（重度），12 × 月标准" if zh else
            f"disability grade {int(pp['disability_grade'][j])} (severe), 12 × monthly amount"))
        if parts:
            return "; ".join(parts)
        if not any(1 <= pp["disability_grade"][j] <= max_grade for j in self.persons(h)):
            return f"无 1-{max_grade} 级重度残疾成员" if zh else f"no member with disability grade 1-{max_grade}"
        return "重度残疾成员享受特困供养" if zh else "the severely disabled members are supported as tekun"

    def old_age_allowance(self, h: int, status: str, margin: float) -> str:
        pp, zh = self.pp, self.zh
        min_age = int(self.p.get("subsidies.old_age_allowance.min_age"))
        parts = self._eligible_members(h, "old_age_allowance", lambda j: (
            f"{int(pp['age'][j])}岁 ≥ {min_age}岁，12 × 月标准" if zh else
            f"aged {int(pp['age'][j])} ≥ {min_age}, 12 × monthly amount"))
        if parts:
            return "; ".join(parts)
        if not any(pp["age"][j] >= min_age for j in self.persons(h)):
            return f"无 {min_age} 岁及以上成员" if zh else f"no member aged {min_age} or over"
        return "户籍省份无高龄津贴" if zh else "no old-age allowance in the hukou province"

    def childcare_subsidy(self, h: int, status: str, margin: float) -> str:
        pp, zh = self.pp, self.zh
        max_age = int(self.p.get("subsidies.childcare_subsidy.max_age") or 3)
        parts = self._eligible_members(h, "childcare_subsidy", lambda j: (
            f"{int(pp['age'][j])}岁 < {max_age}岁" if zh else f"aged {int(pp['age'][j])} < {max_age}"))
        if parts:
            return "; ".join(parts)
        if not any(pp["age"][j] < max_age for j in self.persons(h)):
            return f"无 {max_age} 岁以下儿童" if zh else f"no child under {max_age}"
        return "该年度无育儿补贴" if zh else "no childcare subsidy in this year"
