"""`gongfu discover`: statuses known from `calc`, rejected rows, mappings, privacy, 1 vs 2 workers, atomic output."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gongfu.cli import app
from gongfu.discover import registry as R
from gongfu.discover import run as D
from gongfu.workflow import calculate_household

EXAMPLE = Path(__file__).parents[2] / "src" / "gongfu" / "examples" / "registry"
HEADER = ("household_id,person_id,province,area,age,sex,hukou_type,employment_status,agricultural_income,"
          "wage_income,disability_grade,has_obligated_supporter,received_dibao,received_tekun,"
          "received_old_age_allowance,township")
# Guizhou rural family of examples/guizhou_rural_dibao.yaml (entitled), an 82-year-old alone without supporter
# (tekun and old-age allowance), a well-off household receiving dibao (for review), a household just above the line.
ROWS = [
    "F1,p1,guizhou,rural,52,male,rural,farmer,4000,0,0,true,,0,0,T1",
    "F1,p2,guizhou,rural,49,female,rural,farmer,2000,0,0,true,,0,0,T1",
    "F1,p3,guizhou,rural,14,male,rural,student,0,0,0,true,,0,0,T1",
    "F1,p4,guizhou,rural,76,female,rural,inactive,0,0,0,true,,0,0,T1",
    "F2,p5,guizhou,rural,82,female,rural,inactive,0,0,0,false,0,0,360,T1",
    "F3,p6,guizhou,rural,40,male,rural,farmer,60000,0,0,true,3000,0,0,T2",
    "F4,p7,guizhou,rural,45,male,rural,farmer,7000,0,0,true,0,0,0,T2",
]


def write(path: Path, rows: list[str], header: str = HEADER) -> Path:
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def run(tmp_path: Path, rows: list[str], workers: int = 1, partitions: int = 4, header: str = HEADER,
        mapping: R.Mapping | None = None, **kw) -> tuple[dict, list[dict], list[dict]]:
    reg = write(tmp_path / "reg.csv", rows, header)
    m = mapping or R.identity_mapping(R.header_of(reg))
    out = tmp_path / "out"
    result = D.discover(D.Options(registry=str(reg), mapping=m, year=2025, partitions=partitions, **kw), out,
                        workers=workers)
    with open(out / "households.csv", encoding="utf-8") as f:
        hh = list(csv.DictReader(f))
    with open(out / "rejected.csv", encoding="utf-8") as f:
        rej = list(csv.DictReader(f))
    return result, hh, rej


def status(rows: list[dict], hid: str, prog: str) -> dict | None:
    found = [r for r in rows if r["household_id"] == hid and r["programme"] == prog]
    assert len(found) <= 1
    return found[0] if found else None


def calc_value(persons: list[dict], variable: str) -> float:
    """The figure `gongfu calc` gives for the same household (everyone claims)."""
    data = {"year": 2025, "household": {"province": "guizhou", "area": "rural", "n_homes": 1},
            "persons": persons}
    done = calculate_household(data)
    return float(done.simulation.calc(variable)[0])


def test_statuses_match_calc(tmp_path):
    result, hh, rej = run(tmp_path, ROWS)
    assert rej == []
    f1 = status(hh, "F1", "dibao")
    family = [{"age": 52, "sex": "male", "hukou_type": "rural", "employment_status": "farmer",
               "agricultural_income": 4000},
              {"age": 49, "sex": "female", "hukou_type": "rural", "employment_status": "farmer",
               "agricultural_income": 2000},
              {"age": 14, "sex": "male", "hukou_type": "rural", "employment_status": "student"},
              {"age": 76, "sex": "female", "hukou_type": "rural", "employment_status": "inactive"}]
    expected = calc_value(family, "dibao_entitlement")
    assert expected > 0
    assert f1["status"] == "entitled_not_receiving"
    assert float(f1["entitlement"]) == pytest.approx(expected, abs=0.01)
    assert float(f1["difference"]) == pytest.approx(-expected, abs=0.01)
    assert "< standard 442 × 12 = 5,304" in f1["reason"]  # Guizhou rural standard 2025 (dibao.yaml)
    # alone at 82 without supporter: tekun = 1.3 x 442 x 12 = 6,895.20, not claimed; the old-age allowance paid
    f2 = status(hh, "F2", "tekun")
    assert f2["status"] == "entitled_not_receiving"
    assert float(f2["entitlement"]) == pytest.approx(1.3 * 442 * 12, abs=0.01)
    assert "no obligated supporter" in f2["reason"]
    assert status(hh, "F2", "old_age_allowance")["status"] == "receiving"
    assert float(status(hh, "F2", "old_age_allowance")["difference"]) == 0.0
    # receiving without entitlement: for review, with the failing test
    f3 = status(hh, "F3", "dibao")
    assert f3["status"] == "receiving_not_entitled"
    assert float(f3["received"]) == 3000.0 and float(f3["entitlement"]) == 0.0
    assert "≥ standard 442 × 12 = 5,304" in f3["reason"]
    # per-capita income above 5,304 but below 1.5 x 5,304 = 7,956: the dibao edge
    single = [{"age": 45, "sex": "male", "hukou_type": "rural", "employment_status": "farmer",
               "agricultural_income": 7000}]
    inc = calc_value(single, "dibao_income_per_capita")
    assert 5304 <= inc < 1.5 * 5304
    f4 = status(hh, "F4", "dibao")
    assert f4["status"] == "near_threshold" and "dibao edge" in f4["reason"]
    assert status(hh, "F3", "tekun") is None  # nothing to say: no row
    assert result["programmes"]["dibao"]["entitled_not_receiving"]["households"] == 1
    assert result["rejected_rows"] == 0
    # F1 and F4 lack inputs the registry does not give: listed as assumed
    assert "self_employment_income" in f1["assumed"]


def test_receiving_with_difference(tmp_path):
    rows = [r.replace(",true,,0,0,T1", ",true,5000,0,0,T1", 1) if r.startswith("F1,p1") else r for r in ROWS]
    _, hh, _ = run(tmp_path, rows)
    f1 = status(hh, "F1", "dibao")
    assert f1["status"] == "receiving"
    assert float(f1["difference"]) == pytest.approx(5000 - float(f1["entitlement"]), abs=0.01)


def test_rejected_rows_do_not_stop_the_others(tmp_path):
    rows = ROWS + ["F5,p8,guizhou,rural,abc,male,rural,farmer,0,0,0,true,0,0,0,T2",
                   "F5,p9,guizhou,rural,40,male,rural,farmer,0,0,0,true,0,0,0,T2",
                   "F6,p10,nowhere,rural,40,male,rural,farmer,0,0,0,true,0,0,0,T2",
                   ",p11,guizhou,rural,40,male,rural,farmer,0,0,0,true,0,0,0,T2",
                   "F7,p12,guizhou,rural,40,male,rural,farmer,-5,0,9,true,0,0,0,T2"]
    result, hh, rej = run(tmp_path, rows)
    by_row = {(int(r["row"]), r["column"]): r["problem"] for r in rej}
    assert "not a number" in by_row[(8, "age")] or "age" in by_row[(8, "age")]
    assert (9, "household_id") in by_row  # the other row of F5: left out with it, and said
    assert (10, "province") in by_row
    assert (11, "household_id") in by_row
    assert (12, "disability_grade") in by_row
    assert result["rejected_rows"] == 5
    assert {r["household_id"] for r in hh} >= {"F1", "F2", "F3", "F4"}
    assert not {"F5", "F6", "F7"} & {r["household_id"] for r in hh}


def test_mapping_renames_columns_and_codes(tmp_path):
    header = "户编号,年龄,居住省份,城乡,户口,农业收入,已领低保金,已领特困供养金"
    rows = ["A,52,贵州,2,2,4000,,0", "A,49,贵州,2,2,2000,0,0", "B,40,贵州,2,2,60000,3000,0"]
    mp = tmp_path / "m.yaml"
    mp.write_text("household_id: 户编号\ncolumns:\n  年龄: age\n  居住省份: province\n  城乡: area\n  户口: hukou_type\n"
                  "  农业收入: agricultural_income\n  已领低保金: received_dibao\n  已领特困供养金: received_tekun\n"
                  "values:\n  area: {1: urban, 2: rural}\n  hukou_type: {1: urban, 2: rural}\n", encoding="utf-8")
    _, hh, rej = run(tmp_path, rows, header=header, mapping=R.load_mapping(mp))
    assert rej == []
    assert status(hh, "A", "dibao")["status"] == "entitled_not_receiving"
    assert status(hh, "B", "dibao")["status"] == "receiving_not_entitled"
    bad = tmp_path / "bad.yaml"
    bad.write_text("household_id: 户编号\ncolumns:\n  年龄: agee\n", encoding="utf-8")
    with pytest.raises(R.RegistryError, match="agee"):
        R.load_mapping(bad)


def test_example_same_lists_for_one_and_two_workers(tmp_path):
    m = R.load_mapping(EXAMPLE / "registry_example_mapping.yaml")
    outs = []
    for w in (1, 2):
        out = tmp_path / f"out{w}"
        res = D.discover(D.Options(registry=str(EXAMPLE / "registry_example.csv"), mapping=m, partitions=5), out,
                         workers=w)
        outs.append(((out / "households.csv").read_bytes(), (out / "rejected.csv").read_bytes(),
                     json.dumps(res, sort_keys=True)))
    assert outs[0] == outs[1]
    text = outs[0][0].decode()
    for st in ("entitled_not_receiving", "receiving_not_entitled", "receiving", "near_threshold"):
        assert f",{st}," in text


def test_partitioning_does_not_change_the_rows(tmp_path):
    m = R.load_mapping(EXAMPLE / "registry_example_mapping.yaml")
    sets = []
    for k in (1, 7):
        out = tmp_path / f"p{k}"
        D.discover(D.Options(registry=str(EXAMPLE / "registry_example.csv"), mapping=m, partitions=k), out)
        with open(out / "households.csv", encoding="utf-8") as f:
            sets.append(sorted(tuple(r.values()) for r in csv.DictReader(f)))
    assert sets[0] == sets[1]


def test_privacy_no_names_nor_id_numbers_in_outputs(tmp_path):
    header = HEADER + ",姓名,身份证号"
    rows = [r + f",张{i}三,52010119800101{i:04d}" for i, r in enumerate(ROWS)]
    result, hh, _ = run(tmp_path, rows, header=header)
    assert any("姓名" in w for w in result["warnings"]) and any("身份证号" in w for w in result["warnings"])
    for f in (tmp_path / "out").iterdir():
        data = f.read_bytes()
        assert "张".encode() not in data and b"5201011980" not in data, f.name
    # an ID-card number hiding in an unnamed column is found by its pattern and refused in a mapped column
    rows2 = [r.replace(",T1", ",520101198001011234").replace(",T2", ",520101198001011234") for r in ROWS]
    (tmp_path / "x").mkdir()
    with pytest.raises(R.RegistryError, match="ID-card"):
        run(tmp_path / "x", rows2)


def test_pseudonymise(tmp_path):
    key = b"k" * 32
    _, hh, _ = run(tmp_path, ROWS, pseudonym_key=key)
    ids = {r["household_id"] for r in hh}
    assert D.pseudonym(key, "F1") in ids and "F1" not in ids
    assert all(len(i) == 16 for i in ids)
    assert "(p" not in " ".join(r["reason"] for r in hh)  # person ids left out of reasons too


def test_cli_json_and_atomic_output(tmp_path):
    reg = write(tmp_path / "reg.csv", ROWS)
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["discover", str(reg), "--out", str(out), "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["rejected_rows"] == 0
    assert set(data["programmes"]["dibao"]) >= {"entitled_not_receiving", "receiving_not_entitled", "receiving",
                                                "near_threshold", "unmet_entitlement"}
    assert {p.name for p in out.iterdir()} == {"households.csv", "households.parquet", "rejected.csv",
                                              "summary.html", "discover.json"}
    html = (out / "summary.html").read_text(encoding="utf-8")
    assert "应享未享" in html and "entitled, not receiving" in html
    # an error leaves no half-written directory, and a foreign non-empty directory is refused
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "x.txt").write_text("mine")
    r = CliRunner().invoke(app, ["discover", str(reg), "--out", str(foreign)])
    assert r.exit_code == 2 and "not a discover output" in r.output
    r = CliRunner().invoke(app, ["discover", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "o2")])
    assert r.exit_code == 2 and not (tmp_path / "o2").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_cli_explain(tmp_path):
    reg = write(tmp_path / "reg.csv", ROWS)
    r = CliRunner().invoke(app, ["discover", str(reg), "--explain", "F1", "--programme", "dibao", "--depth", "2"])
    assert r.exit_code == 0, r.output
    assert "dibao_entitlement" in r.output and "entitled_not_receiving" in r.output
    r = CliRunner().invoke(app, ["discover", str(reg), "--explain", "NOPE"])
    assert r.exit_code == 2 and "no such household" in r.output


def test_cli_pseudonymise_needs_a_key_and_uses_it(tmp_path, monkeypatch):
    reg = write(tmp_path / "reg.csv", ROWS)
    monkeypatch.delenv(D.KEY_ENV, raising=False)
    r = CliRunner().invoke(app, ["discover", str(reg), "--out", str(tmp_path / "o"), "--pseudonymise"])
    assert r.exit_code == 2 and D.KEY_ENV in r.output and not (tmp_path / "o").exists()
    monkeypatch.setenv(D.KEY_ENV, "a-secret-key-of-the-office")
    r = CliRunner().invoke(app, ["discover", str(reg), "--out", str(tmp_path / "o"), "--pseudonymise", "--lang", "zh"])
    assert r.exit_code == 0, r.output
    text = (tmp_path / "o" / "households.csv").read_text(encoding="utf-8")
    assert "F1" not in text and D.pseudonym(b"a-secret-key-of-the-office", "F1") in text
    assert "人均收入" in text  # reasons in Chinese
    r = CliRunner().invoke(app, ["discover", str(reg), "--pseudonymise", "--explain",
                                 D.pseudonym(b"a-secret-key-of-the-office", "F1"), "--programme", "dibao"])
    assert r.exit_code == 0 and "dibao_entitlement" in r.output


def test_cli_bad_mapping_is_one_line_exit_2(tmp_path):
    reg = write(tmp_path / "reg.csv", ROWS)
    mp = tmp_path / "m.yaml"
    mp.write_text("household_id: household_id\ncolumns:\n  age: age\n  nope: province\n", encoding="utf-8")
    r = CliRunner().invoke(app, ["discover", str(reg), "--mapping", str(mp), "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and "missing column" in r.output and "'nope'" in r.output
    assert "Traceback" not in r.output


def test_a_reform_changes_who_is_entitled(tmp_path):
    _, base, _ = run(tmp_path, ROWS)
    (tmp_path / "out").rename(tmp_path / "base")
    _, reform, _ = run(tmp_path, ROWS, reform="dibao_plus_20pct")
    single = {"year": 2025, "household": {"province": "guizhou", "area": "rural", "n_homes": 1},
              "persons": [{"age": 45, "sex": "male", "hukou_type": "rural", "employment_status": "farmer",
                           "agricultural_income": 7000}]}
    expected = float(calculate_household(single, reform="dibao_plus_20pct").simulation.calc("dibao_entitlement")[0])
    f4b, f4r = status(base, "F4", "dibao"), status(reform, "F4", "dibao")
    assert f4b["status"] == "near_threshold"
    if expected > 0:
        assert f4r["status"] == "entitled_not_receiving" and float(f4r["entitlement"]) == pytest.approx(expected)
    else:
        assert f4r["status"] == "near_threshold"
    assert "standard 530 × 12" in status(reform, "F1", "dibao")["reason"]  # 442 x 1.2 = 530.4
    assert float(status(reform, "F1", "dibao")["entitlement"]) > float(status(base, "F1", "dibao")["entitlement"])
