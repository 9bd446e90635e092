"""Reading a civil-affairs registry: the importer's file readers and mapping format, row by row.

A registry is a person-level table (CSV, Parquet, Stata .dta, SPSS .sav, Excel .xlsx) with a household id, the
inputs gongfu knows and, per programme, what the household receives now (`received_<programme>`, annual yuan).
Its mapping file is the importer's (`gongfu.population.importer`, docs/population.md) with two additions:
`columns:` may also map a column to `received_<programme>`, `township`, `county` or `person_id`.

Unlike `gongfu population import`, which refuses a whole file with a bad value, a registry is read row by row: a
row with a bad value is *rejected* (row, column, problem) together with the other rows of its household (whose
figures would be wrong without it), and the others go on. Blank cells of optional inputs take the documented
default and are listed per household as *assumed*; blank required inputs (province, area, age) reject the row.

Privacy: columns that carry names or ID-card numbers (by header: name, 姓名, id_card, 身份证号 …; or by value:
the 18-character resident ID pattern of GB 11643-1999) are dropped on read with a warning and never reach an
output; problem texts are cleared of ID-like numbers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from gongfu.engine.errors import GongfuError
from gongfu.extras import require
from gongfu.population import importer as imp

pd = require("pandas", "import", "gongfu discover")

#: Programmes whose receipt a registry may report (`received_<programme>`), in output order.
PROGRAMMES = ("dibao", "tekun", "disability_living_subsidy", "disability_nursing_subsidy", "old_age_allowance",
              "childcare_subsidy")
#: Columns a registry may carry besides the gongfu inputs: geography for the summary tables, and ids.
GEOGRAPHY = ("township", "county")
EXTRA = tuple(f"received_{p}" for p in PROGRAMMES) + GEOGRAPHY + ("person_id",)
#: Inputs that reject a row when blank (the importer's required variables).
REQUIRED = imp.REQUIRED
#: The behavioural take-up flags are not read: discover computes entitlement (everyone claims).
IGNORED = ("dibao_takeup", "tekun_takeup", "weight")
#: Inputs listed as "assumed" when the registry lacks them (their default changes an entitlement).
ASSUMABLE = ("hukou_province", "hukou_type", "employment_status", "disability_grade", "wage_income",
             "self_employment_income", "agricultural_income", "interest_income", "dividend_income", "rental_income",
             "pension_scheme", "contribution_years", "has_obligated_supporter", "n_homes", "charity_received")

#: Header words of personal identifiers (lower case, compared after removing spaces, '_' and '-').
IDENTIFIER_HEADERS = ("name", "fullname", "姓名", "名字", "户主姓名", "idcard", "idno", "idnumber", "身份证",
                      "身份证号", "身份证号码", "公民身份号码", "证件号", "证件号码", "phone", "mobile", "电话",
                      "手机", "手机号", "address", "住址", "地址", "家庭住址")
#: Resident identity card number (GB 11643-1999): 17 digits and a check digit or X.
ID_PATTERN = re.compile(r"(?<!\d)\d{17}[\dXx](?![\dXx])")


class RegistryError(GongfuError):
    """The registry or its mapping cannot be read at all (one line naming the file and the problem)."""


def _norm_header(name: str) -> str:
    return re.sub(r"[\s_\-]", "", str(name)).lower()


def is_identifier_header(name: str) -> bool:
    """Whether a column's header names a personal identifier (name, ID-card number, phone, address)."""
    n = _norm_header(name)
    return n in IDENTIFIER_HEADERS or n.endswith(("姓名", "身份证号", "身份证号码")) or n in ("xm", "sfzh")


def scrub(text: str) -> str:
    """A problem text without ID-card-like numbers."""
    return ID_PATTERN.sub("[ID number removed]", text)


# ------------------------------------------------------------------------------------------------ mapping --


@dataclass
class Mapping:
    """A checked registry mapping: source column -> gongfu variable (or received_*, township, county, person_id),
    value maps and defaults, as in the importer's format."""

    household_id: str
    columns: dict[str, str]
    values: dict[str, dict[Any, Any]] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)
    source: str = "(identity mapping)"

    def variable_of(self, column: str) -> str | None:
        return self.columns.get(column)


def load_mapping(path: str | Path) -> Mapping:
    """The mapping file, checked like the importer's (a column named once, a variable fed by one column), with
    the registry's own targets allowed (received_<programme>, township, county, person_id)."""
    from gongfu.engine.yamlio import load_yaml

    path = Path(path)
    try:
        m = load_yaml(path)
    except (GongfuError, OSError, ValueError, TypeError) as exc:
        raise RegistryError(f"--mapping {path}: cannot read ({exc})") from None
    if not isinstance(m, dict) or "household_id" not in m or not isinstance(m.get("columns"), dict):
        raise RegistryError(f"--mapping {path}: a mapping needs `household_id: COLUMN` and a `columns:` mapping "
                            "(registry column -> gongfu variable)")
    known = set(imp.HOUSEHOLD_VARS) | set(imp.PERSON_VARS) | set(EXTRA)
    bad = [f"{c} -> {v}" for c, v in m["columns"].items() if not isinstance(v, str) or v not in known]
    if bad:
        raise RegistryError(f"--mapping {path}: unknown target(s) {', '.join(bad)}; known: "
                            f"{', '.join(sorted(known))}")
    problems = imp.mapping_problems({k: v for k, v in m.items() if k != "weight"})
    if problems:
        raise RegistryError(f"--mapping {path}: {problems[0]}")
    for key in ("values", "defaults"):
        if m.get(key) is not None and not isinstance(m[key], dict):
            raise RegistryError(f"--mapping {path}: `{key}:` must be a mapping")
    return Mapping(household_id=str(m["household_id"]), columns={str(k): v for k, v in m["columns"].items()},
                   values=m.get("values") or {}, defaults=m.get("defaults") or {}, source=str(path))


def identity_mapping(header: list[str]) -> Mapping:
    """No mapping file: the registry's columns carry gongfu's own names (household_id, person_id, province …)."""
    known = set(imp.HOUSEHOLD_VARS) | set(imp.PERSON_VARS) | set(EXTRA)
    if "household_id" not in header:
        raise RegistryError("the registry has no `household_id` column; name the column holding the household id "
                            "in a mapping file (--mapping, `household_id: COLUMN`)")
    return Mapping(household_id="household_id", columns={c: c for c in header if c in known})


# ------------------------------------------------------------------------------------------------ reading --


def _chunks_of(path: Path, chunk_rows: int) -> Iterator[Any]:
    """DataFrames of the file, `chunk_rows` rows at a time (Excel at once); values as text where the format is
    text (CSV), as stored otherwise."""
    ext = path.suffix.lower()
    if ext in (".csv", ".txt", ".gz"):
        yield from pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], chunksize=chunk_rows)
    elif ext in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        for batch in pq.ParquetFile(path).iter_batches(batch_size=chunk_rows):
            yield batch.to_pandas()
    elif ext in (".dta", ".sav"):
        pyreadstat = require("pyreadstat", "import", "reading Stata and SPSS files")
        reader = pyreadstat.read_dta if ext == ".dta" else pyreadstat.read_sav
        for df, _ in pyreadstat.read_file_in_chunks(reader, str(path), chunksize=chunk_rows):
            yield df
    elif ext == ".xlsx":
        try:
            import openpyxl  # noqa: F401
        except ImportError:
            raise RegistryError(f"{path}: reading .xlsx needs openpyxl (pip install 'gongfu[import]'), or save "
                                "the sheet as CSV") from None
        try:
            frame = pd.read_excel(path, dtype=str, engine="openpyxl")
        except Exception as exc:  # zipfile.BadZipFile, KeyError, ValueError …: one line naming the file
            raise RegistryError(f"{path}: not a readable Excel .xlsx workbook ({type(exc).__name__}: {exc}); "
                                "save the sheet again as .xlsx, or as CSV") from None
        yield frame
    else:
        raise RegistryError(f"{path}: unsupported file type {ext!r} (use .csv, .parquet, .dta, .sav or .xlsx)")


def header_of(path: Path) -> list[str]:
    """The registry's column names (refusing a column named twice, as the importer does)."""
    if not path.is_file():
        raise RegistryError(f"{path}: no such file")
    ext = path.suffix.lower()
    try:
        if ext in (".csv", ".txt", ".gz"):
            head = pd.read_csv(path, dtype=str, header=None, nrows=1, keep_default_na=False)
            names = [str(c) for c in head.iloc[0]] if len(head) else []
        elif ext in (".parquet", ".pq"):
            import pyarrow.parquet as pq

            names = list(pq.read_schema(path).names)
        else:
            names = [str(c) for c in next(_chunks_of(path, 1)).columns]
        imp._refuse_duplicate_headers(path, names)
    except imp.MicrodataError as exc:
        raise RegistryError(exc.problems[0]) from None
    except RegistryError:
        raise
    except Exception as exc:  # the readers raise many types; one line
        raise RegistryError(f"{path}: cannot read ({type(exc).__name__}: {exc})") from None
    return names


def iter_registry(path: Path, mapping: Mapping, chunk_rows: int = 200_000,
                  warn: Callable[[str], None] = lambda s: None) -> Iterator[Any]:
    """The registry in chunks of the columns the mapping needs, as text (None for blank), with `_row`: the
    1-based data row. Columns that name or hold personal identifiers are dropped (with one warning each); a
    mapped column that holds ID-card numbers is refused, except the household id, which the caller handles."""
    header = header_of(path)
    dropped = [c for c in header if is_identifier_header(c)]
    for c in dropped:
        if c in mapping.columns or c == mapping.household_id:
            raise RegistryError(f"{path}: column {c!r} names a personal identifier and may not be mapped "
                                "(gongfu never reads names or ID-card numbers)")
        warn(f"column {c!r} dropped on read: it names a personal identifier (never output)")
    needed = [mapping.household_id, *[c for c in mapping.columns if c != mapping.household_id]]
    missing = [c for c in needed if c not in header]
    if missing:
        raise RegistryError(f"{path}: missing column(s) {', '.join(map(repr, missing))} named by the mapping; "
                            f"the file has: {', '.join(header)}")
    others = [c for c in header if c not in needed and c not in dropped]
    if others:
        warn(f"column(s) not used (not in the mapping): {', '.join(others)}")
    start = 1
    try:
        for df in _chunks_of(path, chunk_rows):
            out = pd.DataFrame({"_row": np.arange(start, start + len(df), dtype=np.int64)})
            for c in needed:
                col = df[c]
                if c != mapping.household_id and _holds_id_numbers(col):
                    raise RegistryError(f"{path}: column {c!r} holds ID-card numbers (rows from {start}); "
                                        "gongfu never reads them: remove the column from the mapping")
                out[c] = _as_text(col)
            start += len(df)
            yield out
    except (RegistryError, GongfuError):
        raise
    except Exception as exc:
        raise RegistryError(f"{path}: cannot read near data row {start} ({type(exc).__name__}: {exc})") from None


ID_RE2 = r"(^|[^0-9])[0-9]{17}[0-9Xx]($|[^0-9Xx])"  # ID_PATTERN without look-arounds (pyarrow's RE2)


def _holds_id_numbers(col: Any) -> bool:
    """Whether a column holds values like resident ID-card numbers: 18-digit whole numbers in a numeric column,
    the pattern in a text column (vectorised)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if col.dtype.kind in "iuf":
        x = col.to_numpy(dtype=np.float64, na_value=np.nan)
        return bool(np.any((np.abs(x) >= 1e17) & (np.abs(x) < 1e18)))
    arr = pa.array(col.astype(object).where(col.notna(), None).to_numpy(dtype=object), from_pandas=True,
                   type=pa.string()) if col.dtype.kind == "O" or str(col.dtype).startswith(("str", "string")) \
        else None
    if arr is None:
        return False
    return bool(pc.any(pc.match_substring_regex(arr, ID_RE2)).as_py())


def _as_text(col: Any) -> np.ndarray:
    """A column as text (None for blank): numbers without a trailing '.0', vectorised."""
    if col.dtype.kind in "iu":
        return col.astype(str).to_numpy(dtype=object)
    if col.dtype.kind == "f":
        x = col.to_numpy(dtype=np.float64, na_value=np.nan)
        whole = np.isfinite(x) & (x == np.round(x)) & (np.abs(x) < 2**53)
        text = np.where(whole, np.where(whole, x, 0).astype(np.int64).astype(str), x.astype(str)).astype(object)
        text[~np.isfinite(x)] = None
        return text
    if col.dtype.kind == "b":
        return np.where(col.to_numpy(dtype=bool), "true", "false").astype(object)
    text = col.astype(object).where(col.notna(), None).to_numpy(dtype=object)
    return np.array([v if v is None or isinstance(v, str) else _text(v) for v in text], dtype=object) \
        if any(v is not None and not isinstance(v, str) for v in text[:1000]) else text


def _text(v: Any) -> str | None:
    """A stored value as text: whole floats without '.0', NaN as None."""
    if isinstance(v, float):
        if not np.isfinite(v):
            return None
        return str(int(v)) if v == int(v) else repr(v)
    return str(v)


# ----------------------------------------------------------------------------------------- conversion --


def convert(var: str, text: np.ndarray, vmap: dict | None, column: str) -> tuple[np.ndarray, np.ndarray,
                                                                                  np.ndarray, list[str]]:
    """One column of text converted row by row: (values as float64 codes or numbers, blank, bad, problems of the
    bad rows in order).

    Values use the importer's conversion (value maps, codes, English or Chinese names, range checks against the
    variable's declared valid values); a blank cell is not bad (the caller decides), a bad cell carries its
    problem. Unique values are converted once, so a column of millions of rows costs a pass over its distinct
    values."""
    blank, uniq, inv = _factorize(text)
    conv_vals: list[Any] = []
    conv_bad: list[str | None] = []
    numeric = var not in imp.PROVINCE_VARS and var not in imp.ENUMS and var not in imp.BOOL_VARS and not vmap
    if numeric:
        num = pd.to_numeric(pd.Series(uniq), errors="coerce").to_numpy(dtype=np.float64)
        ok = np.isfinite(num)
        rng = _range_problems(var, np.where(ok, num, 0.0))
        for u, x, good, rp in zip(uniq, num, ok, rng, strict=True):
            if u == "":
                conv_vals.append(0)
                conv_bad.append(None)
            elif not good:
                conv_vals.append(0)
                conv_bad.append(f"not a number ({u!r:.40})")
            else:
                conv_vals.append(x)
                conv_bad.append(rp)
    else:
        for u in uniq:
            if u == "":
                conv_vals.append(0)
                conv_bad.append(None)
                continue
            problems: list[str] = []
            arr = imp._convert(var, pd.Series([u], dtype=object), vmap, column, problems)
            if arr is None:
                msg = problems[0] if problems else "invalid value"
                msg = re.sub(r" \(?in rows? [^)]*\)?| \(rows [^)]*\)", "", msg)
                conv_vals.append(0)
                conv_bad.append(msg)
            else:
                conv_vals.append(arr[0])
                conv_bad.append(None)
    vals = np.array(conv_vals, dtype=np.float64)[inv] if len(uniq) else np.zeros(0)
    badu = np.array([b is not None for b in conv_bad], dtype=bool)
    bad = badu[inv] & ~blank if len(uniq) else np.zeros(0, dtype=bool)
    problems_rows = [scrub(str(conv_bad[i])) for i in inv[bad]]
    return vals, blank, bad, problems_rows


def _factorize(text: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(blank mask, distinct values with "" for blank, index of each row's value)."""
    s = pd.Series(text, dtype=object)
    blank = (s.isna() | (s.astype(str).str.strip() == "")).to_numpy()
    keys = s.where(~blank, "").astype(str).str.strip()
    inv, uniq = pd.factorize(keys, sort=False)
    return blank, np.asarray(uniq, dtype=object), np.asarray(inv)


def _range_problems(var: str, num: np.ndarray) -> list[str | None]:
    """Per value: None, or why the variable may not take it (engine.variables.check_values, one value at a time
    only for the values outside the variable's bounds)."""
    from gongfu.engine import load_system
    from gongfu.engine.errors import InputError
    from gongfu.engine.variables import bounds, check_values

    v = load_system().variables.get(var)
    out: list[str | None] = [None] * len(num)
    if v is None:
        return out
    lo, excluded, hi = bounds(v)
    outside = ((num <= lo) if excluded else (num < lo)) | (num > hi)
    if v.dtype != "float":
        outside |= num != np.round(num)
    for i in np.flatnonzero(outside):
        try:
            check_values(v, np.array([num[i]]), f"{var}")
        except InputError as exc:
            out[i] = str(exc)
        else:  # the engine accepts it after all (e.g. an enum code within its members)
            out[i] = None
    return out
