"""Import a user's own microdata (CSV, Parquet, Stata .dta) into a gongfu population directory.

A mapping file (YAML) says how to read it; see docs/population.md and the example in
docs/population-example/ (mapping.yaml + microdata.csv)::

    level: person              # one row per person; household columns are repeated on each row
    household_id: hhid         # column holding the household identifier (any type)
    weight: hhwgt              # column holding the household weight (households represented); optional
    columns:                   # source column -> gongfu variable
      prov: province
      urban: area
      age: age
      gender: sex
      wage: wage_income
    values:                    # value maps, per gongfu variable: source value -> gongfu value
      area: {1: urban, 0: rural}
      sex: {1: male, 2: female}
    defaults:                  # constants for variables the file lacks
      dibao_takeup: true

Enum values may be given by code, English name or Chinese label (e.g. ``男``); provinces by GB/T 2260 code,
pinyin, English or Chinese name. Every problem found (missing columns, values that are not numbers, unknown
provinces or categories, household variables that differ within a household) is reported together, naming
the column and the first offending rows (1-based data rows, header excluded).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import yaml

from gongfu.engine.enums import Area, EmploymentStatus, HukouType, PensionScheme, Role, Sex, Tenure
from gongfu.engine.geography import province as parse_province
from gongfu.extras import require
from gongfu.population.io import (
    MANIFEST,
    MANIFEST_FORMAT,
    SCHEMA_TYPES,
    check_target,
    gongfu_version,
    staging,
    write_partition,
    write_text_atomic,
)
from gongfu.population.tables import digest

pd = require("pandas", "import")

HOUSEHOLD_VARS = ("province", "area", "weight", "tenure", "n_homes", "home_value", "floor_area", "city_tier",
                  "has_mortgage", "dibao_takeup", "charity_received")
PERSON_VARS = ("role", "age", "sex", "hukou_province", "hukou_type", "employment_status", "disability_grade",
               "wage_income", "self_employment_income", "agricultural_income", "interest_income", "dividend_income",
               "rental_income", "pension_scheme", "contribution_years", "has_obligated_supporter", "tekun_takeup")
ENUMS = {"area": Area, "sex": Sex, "role": Role, "hukou_type": HukouType, "employment_status": EmploymentStatus,
         "pension_scheme": PensionScheme, "tenure": Tenure}
PROVINCE_VARS = ("province", "hukou_province")
BOOL_VARS = ("has_mortgage", "dibao_takeup", "has_obligated_supporter", "tekun_takeup")
REQUIRED = ("province", "area", "age")
MAX_ROWS_SHOWN = 5


class MicrodataError(ValueError):
    """The microdata or its mapping cannot be imported; the message lists every problem found."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("cannot import microdata:\n  - " + "\n  - ".join(problems))


def _rows(mask: np.ndarray) -> str:
    idx = np.flatnonzero(mask)[:MAX_ROWS_SHOWN] + 1
    more = int(mask.sum()) - len(idx)
    return ", ".join(map(str, idx)) + (f" (and {more} more)" if more > 0 else "")


def read_microdata(path: str | Path) -> pd.DataFrame:
    """The file as a DataFrame (CSV, Parquet or Stata .dta, by extension)."""
    path = Path(path)
    if not path.is_file():
        raise MicrodataError([f"{path}: no such file"])
    ext = path.suffix.lower()
    if ext == ".dta":
        pyreadstat = require("pyreadstat", "import", "reading Stata files (.dta)")
    try:
        if ext in (".csv", ".txt", ".gz"):
            header = pd.read_csv(path, dtype=str, header=None, nrows=1, keep_default_na=False)
            _refuse_duplicate_headers(path, [str(c) for c in header.iloc[0]] if len(header) else [])
            return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
        if ext in (".parquet", ".pq"):
            import pyarrow.parquet as pq

            _refuse_duplicate_headers(path, list(pq.read_schema(path).names))
            return pd.read_parquet(path)
        if ext == ".dta":
            df, _ = pyreadstat.read_dta(str(path))
            _refuse_duplicate_headers(path, [str(c) for c in df.columns])
            return df
    except MicrodataError:
        raise
    except Exception as exc:  # the readers raise many types; report them uniformly
        raise MicrodataError([f"{path}: cannot read ({type(exc).__name__}: {exc})"]) from exc
    raise MicrodataError([f"{path}: unsupported file type {ext!r} (use .csv, .parquet or .dta)"])


def _refuse_duplicate_headers(path: Path, names: list[str]) -> None:
    """Two columns with one name: which one a mapping means is unknowable (a reader would silently take one)."""
    positions: dict[str, list[int]] = {}
    for i, n in enumerate(names, start=1):
        positions.setdefault(n, []).append(i)
    dup = {n: pos for n, pos in positions.items() if len(pos) > 1}
    if dup:
        raise MicrodataError([f"{path}: the header names a column more than once: " + "; ".join(
            f"{n!r} (columns {', '.join(map(str, pos))})" for n, pos in dup.items()) + "; rename them"])


def load_mapping(path: str | Path) -> dict[str, Any]:
    """The mapping file, checked: a source column is named once (a YAML key given twice is refused, not
    overwritten), every gongfu variable gets at most one source, and the names are text."""
    from gongfu.engine.errors import GongfuError
    from gongfu.engine.yamlio import load_yaml

    path = Path(path)
    try:
        m = load_yaml(path)
    except GongfuError as exc:
        raise MicrodataError([f"cannot read mapping: {exc}"]) from None
    except (OSError, yaml.YAMLError, ValueError, TypeError) as exc:
        raise MicrodataError([f"{path}: cannot read mapping ({exc})"]) from None
    if not isinstance(m, dict) or "household_id" not in m or not isinstance(m.get("columns"), dict):
        raise MicrodataError([f"{path}: a mapping needs `household_id: COLUMN` and a `columns:` mapping "
                              "(source column -> gongfu variable)"])
    known = set(HOUSEHOLD_VARS) | set(PERSON_VARS)
    bad = [f"{c} -> {v}" for c, v in m["columns"].items() if not isinstance(v, str) or v not in known]
    if bad:
        raise MicrodataError([f"{path}: unknown gongfu variable(s) {', '.join(bad)}; known: {', '.join(sorted(known))}"])
    problems = mapping_problems(m)
    if problems:
        raise MicrodataError([f"{path}: {p}" for p in problems])
    return m


def mapping_problems(mapping: dict[str, Any]) -> list[str]:
    """Columns named ambiguously by a mapping: a gongfu variable fed by two source columns (which one wins would
    be an accident of order), a column both the weight and a variable, names that are not text."""
    problems = []
    cols = mapping["columns"]
    for key in ("household_id", "weight"):
        v = mapping.get(key)
        if v is not None and not isinstance(v, str | int):
            problems.append(f"{key}: a column name expected, got {v!r:.60}")
    sources: dict[str, list[str]] = {}
    for col, var in cols.items():
        sources.setdefault(str(var), []).append(str(col))
    wcol = mapping.get("weight")
    if wcol is not None:
        if str(wcol) in map(str, cols):
            problems.append(f"column {str(wcol)!r} is both `weight:` and mapped under `columns:` to "
                            f"{cols.get(wcol, cols.get(str(wcol)))}; map it once")
        sources.setdefault("weight", []).insert(0, f"{wcol} (weight:)")
    if str(mapping["household_id"]) in map(str, cols):
        problems.append(f"column {str(mapping['household_id'])!r} is the household_id and is also mapped under "
                        "`columns:`; map it once")
    for var, srcs in sources.items():
        if len(srcs) > 1:
            problems.append(f"variable {var} is mapped from {len(srcs)} columns ({', '.join(map(repr, srcs))}); "
                            "map one column to it")
    return problems


def _convert(var: str, raw: pd.Series, vmap: dict | None, col: str, problems: list[str]) -> np.ndarray | None:
    """One column converted to the gongfu dtype; problems appended (None when unusable)."""
    vals = raw.to_numpy(dtype=object)
    missing = pd.isna(raw).to_numpy()
    if missing.any():
        problems.append(f"column {col!r} ({var}): missing values in rows {_rows(missing)}")
        return None
    if vmap:
        keyed = {str(k): v for k, v in vmap.items()}
        strs = np.array([str(v) for v in vals], dtype=object)
        # numeric source values read as text ("1.0") should still match keys like 1
        norm = np.array([s[:-2] if s.endswith(".0") else s for s in strs], dtype=object)
        unknown = np.array([s not in keyed and n not in keyed for s, n in zip(strs, norm, strict=True)])
        if unknown.any():
            problems.append(f"column {col!r} ({var}): values {sorted(set(strs[unknown]))[:5]} are not in the "
                            f"value map (rows {_rows(unknown)})")
            return None
        vals = np.array([keyed.get(s, keyed.get(n)) for s, n in zip(strs, norm, strict=True)], dtype=object)
    uniq, inv = np.unique(np.array([str(v) for v in vals], dtype=object), return_inverse=True)
    if var in PROVINCE_VARS:
        codes = np.zeros(len(uniq), dtype=np.int8)
        bad = np.zeros(len(uniq), dtype=bool)
        for i, u in enumerate(uniq):
            try:
                text = u[:-2] if u.endswith(".0") else u
                codes[i] = parse_province(text).code
            except KeyError:
                bad[i] = True
        if bad.any():
            problems.append(f"column {col!r} ({var}): unknown province(s) {list(uniq[bad][:5])} "
                            f"in rows {_rows(bad[inv])}")
            return None
        return codes[inv]
    if var in ENUMS:
        enum = ENUMS[var]
        codes = np.zeros(len(uniq), dtype=np.int8)
        bad = np.zeros(len(uniq), dtype=bool)
        for i, u in enumerate(uniq):
            try:
                codes[i] = int(enum.parse(u[:-2] if u.endswith(".0") else u))
            except ValueError:
                bad[i] = True
        if bad.any():
            problems.append(f"column {col!r} ({var}): {list(uniq[bad][:5])} not valid {enum.__name__} values "
                            f"({', '.join(m.name for m in enum)}) in rows {_rows(bad[inv])}")
            return None
        return codes[inv]
    if var in BOOL_VARS:
        table = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False,
                 "1.0": True, "0.0": False, "是": True, "否": False}
        low = np.array([table.get(u.strip().lower()) for u in uniq], dtype=object)
        bad = np.array([v is None for v in low])
        if bad.any():
            problems.append(f"column {col!r} ({var}): not booleans {list(uniq[bad][:5])} in rows {_rows(bad[inv])}")
            return None
        return low.astype(bool)[inv]
    num = pd.to_numeric(pd.Series(vals), errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(num)
    if bad.any():
        problems.append(f"column {col!r} ({var}): not a number in rows {_rows(bad)} "
                        f"(e.g. {vals[bad][0]!r}); expected {SCHEMA_TYPES.get(var, 'float64')}")
        return None
    if not _valid(var, num, col, problems):
        return None
    dtype = SCHEMA_TYPES.get(var)
    np_dtype = dtype.to_pandas_dtype() if dtype is not None else np.float64
    if np.issubdtype(np_dtype, np.integer) and np.any(num != np.round(num)):
        problems.append(f"column {col!r} ({var}): not whole numbers in rows {_rows(num != np.round(num))}")
        return None
    return num.astype(np_dtype)


def _valid(var: str, values: np.ndarray, col: str, problems: list[str]) -> bool:
    """Range check of one converted column against the variable's declared valid values (`Variable.valid`,
    dtype, finite), before it is stored in its type: never wrapped (n_homes 300 is not 44) nor clipped."""
    from gongfu.engine import load_system
    from gongfu.engine.errors import InputError
    from gongfu.engine.variables import check_values

    try:
        check_values(load_system().variables[var], values, f"column {col!r} ({var})", first_row=1)
    except InputError as exc:
        problems.append(str(exc))
        return False
    return True


def to_population(df: pd.DataFrame, mapping: dict[str, Any]) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """(households, persons) dicts from a DataFrame and a mapping; MicrodataError lists every problem."""
    ambiguous = mapping_problems(mapping)
    if ambiguous:
        raise MicrodataError(ambiguous)
    if df.columns.duplicated().any():
        _refuse_duplicate_headers(Path("the data"), [str(c) for c in df.columns])
    problems: list[str] = []
    cols = dict(mapping["columns"])
    hid_col = mapping["household_id"]
    wcol = mapping.get("weight")
    wanted = [hid_col, *cols] + ([wcol] if isinstance(wcol, str) else [])
    missing = [c for c in wanted if c not in df.columns]
    if missing:
        raise MicrodataError([f"missing column(s) {', '.join(map(repr, missing))}; the file has: "
                              f"{', '.join(map(str, df.columns))}"])
    if isinstance(wcol, str):
        cols[wcol] = "weight"
    mapped = set(cols.values())
    absent = [v for v in REQUIRED if v not in mapped and v not in (mapping.get("defaults") or {})]
    if absent:
        problems.append(f"the mapping gives no column for required variable(s) {', '.join(absent)}")
    values = mapping.get("values") or {}
    data: dict[str, np.ndarray] = {}
    for col, var in cols.items():
        arr = _convert(var, df[col], values.get(var), col, problems)
        if arr is not None:
            data[var] = arr
    hid_raw = df[hid_col]
    if hid_raw.isna().any():
        problems.append(f"column {hid_col!r} (household_id): missing in rows {_rows(hid_raw.isna().to_numpy())}")
    if problems:
        raise MicrodataError(problems)
    n = len(df)
    for var, val in (mapping.get("defaults") or {}).items():
        if var not in data:
            arr = _convert(var, pd.Series([val] * n), None, f"defaults.{var}", problems)
            if arr is not None:
                data[var] = arr
    # households in order of first appearance; persons grouped by household (stable)
    codes, uniq = pd.factorize(hid_raw.astype(str), sort=False)
    order = np.argsort(codes, kind="stable")
    first = np.r_[0, np.flatnonzero(np.diff(codes[order])) + 1]
    for var in HOUSEHOLD_VARS:
        if var in data:
            v = data[var][order]
            starts = np.repeat(v[first], np.diff(np.r_[first, n]))
            differ = v != starts
            if differ.any():
                bad_h = sorted(set(np.asarray(uniq)[codes[order][differ]]))[:5]
                problems.append(f"household variable {var} differs within household(s) {bad_h} "
                                f"(rows {_rows(np.isin(codes, np.flatnonzero(np.isin(np.asarray(uniq), bad_h))))})")
    if problems:
        raise MicrodataError(problems)
    nh = len(uniq)
    households: dict[str, np.ndarray] = {"household_id": np.arange(nh, dtype=np.int64)}
    for var in HOUSEHOLD_VARS:
        if var in data:
            households[var] = data[var][order][first]
    if "weight" not in households:
        households["weight"] = np.ones(nh)
    persons: dict[str, np.ndarray] = {"person_id": np.arange(n, dtype=np.int64),
                                      "household_id": codes[order].astype(np.int64)}
    for var in PERSON_VARS:
        if var in data:
            persons[var] = data[var][order]
    if "role" not in persons:  # first person of each household is its head, the others 'other'
        role = np.full(n, int(Role.other), dtype=np.int8)
        role[first] = int(Role.head)
        persons["role"] = role
    return households, persons


def import_microdata(path: str | Path, mapping_path: str | Path, out: str | Path,
                     max_households: int = 1_000_000) -> dict[str, Any]:
    """Read, check, convert and write the microdata as a population directory (by province); the manifest."""
    check_target(out)  # a refused --out is said before the data are read
    mapping = load_mapping(mapping_path)
    df = read_microdata(path)
    h, p = to_population(df, mapping)
    meta = {"gongfu.version": gongfu_version(), "gongfu.source": str(Path(path).name),
            "gongfu.mapping_hash": digest(mapping), "gongfu.seed": "", "gongfu.targets_hash": ""}
    with staging(out) as tmp:
        entries = []
        hidx = np.searchsorted(h["household_id"], p["household_id"])
        pid = 0
        for code in np.unique(h["province"]):
            hsel = np.flatnonzero(h["province"] == code)
            for start in range(0, len(hsel), max_households):
                hs = hsel[start:start + max_households]
                mask_h = np.zeros(len(h["household_id"]), dtype=bool)
                mask_h[hs] = True
                mask_p = mask_h[hidx]
                entries.append(write_partition(tmp, pid, int(code), {k: v[hs] for k, v in h.items()},
                                               {k: v[mask_p] for k, v in p.items()}, meta))
                pid += 1
        manifest = {"format_version": MANIFEST_FORMAT, "gongfu_version": gongfu_version(), "source": str(path),
                    "mapping_hash": digest(mapping), "households": int(len(h["household_id"])),
                    "persons": int(len(p["person_id"])), "partitions": entries}
        import json

        write_text_atomic(tmp / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return manifest
