"""Which years the law covers, and how a parameter moves after its last dated value (uprating).

A leaf may declare `uprating:` (as PolicyEngine's parameter metadata does):

* `{index: cpi|average_wage|consumption|income, lag: 1}` — the last value times the growth of that index
  (`uprating.<index>.growth`, NBS, then `uprating.<index>.projected_growth`, an assumption) over the years
  Y−lag back to K−lag, K being the last year whose 1 January the dated values reach;
* `{rate: 0.05}` — a fixed growth rate a year;
* `frozen` — the last value, stated as an assumption (not silently).

The values of such a leaf are *known* up to year K (the first year whose 1 January is on or after its last
dated value); a later year is *projected*: computed by the rule and flagged in every face (`law_status`). The
indices' projected growth exists up to `uprating.horizon`, and only while `uprating.use_projections` is true:
a year past what the indices (or the horizon) cover is an error. The first year of the law is the first year in
which every parameter has a value on 1 January.

Only numbers, tables and the thresholds of scales are uprated (rates of a scale, booleans: `frozen` only).
"""

from __future__ import annotations

import datetime as dt
import math
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import ParameterError, where

if TYPE_CHECKING:
    from .parameters import ParameterLeaf, ParameterTree

INDICES = ("cpi", "average_wage", "consumption", "income")
#: the parameters of the uprating node itself (parameters/uprating.yaml)
ROOT = "uprating"


@dataclass(frozen=True)
class Uprating:
    """How a leaf moves after its last dated value."""

    method: str  # index | rate | frozen | share
    index: str | None = None
    lag: int = 1
    rate: float = 0.0
    ratio: float = 0.0
    source: str = "law"  # law: an assumption about future law (flagged); reform: the reform's own rule
    start: int | None = None  # share: the first year computed by the rule

    def describe(self) -> str:
        if self.method == "share":
            return f"{self.ratio:g} × per-capita {self.index} of year Y−{self.lag} (by area)"
        if self.method == "frozen":
            return "frozen at its last value (assumption)"
        if self.method == "rate":
            return f"+{self.rate:.2%} a year (fixed rate)"
        return f"by {self.index} growth (lag {self.lag} year{'s' if self.lag != 1 else ''})"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"method": self.method}
        if self.method == "index":
            out.update(index=self.index, lag=self.lag)
        elif self.method == "rate":
            out["rate"] = self.rate
        elif self.method == "share":
            out.update(share_of=self.index, ratio=self.ratio, lag=self.lag)
        return out


SHARE_INDICES = ("consumption", "income")
PER_YEAR = {"CNY/year": 1.0, "CNY/month": 12.0}


def parse(spec: Any, path: str, kind: str, unit: str, file: str | None, line: int | None,
          source: str = "law", start: int | None = None) -> Uprating:
    """The `uprating:` of a leaf (or of a reform's change), checked: one-line error naming the file, line,
    parameter and what is allowed."""
    at = f"{where(file, line)}{path}: uprating: "
    allowed = ("`frozen`, {index: " + "|".join(INDICES) + ", lag: 0-5}, {rate: -0.5..1} or {share_of: "
               + "|".join(SHARE_INDICES) + ", ratio: 0-5, lag: 0-5}")
    if spec == "frozen":
        return Uprating("frozen", source=source)
    if not isinstance(spec, dict) or not spec:
        raise ParameterError(f"{at}expected {allowed}, got {spec!r}")
    forms = [k for k in ("index", "rate", "share_of") if k in spec]
    extra = set(spec) - {"index", "lag", "rate", "share_of", "ratio"}
    if extra or len(forms) != 1 or ("ratio" in spec) != ("share_of" in spec) or ("lag" in spec and "rate" in spec):
        raise ParameterError(f"{at}expected {allowed}, got {dict(spec)!r}")
    if unit == "bool" or kind == "scale" and "share_of" in spec or (kind == "value" and unit in ("rate", "year", "count")):
        raise ParameterError(f"{at}a {unit} {kind} parameter can only be `frozen`")
    lag = spec.get("lag", 1)
    if isinstance(lag, bool) or not isinstance(lag, int) or not 0 <= lag <= 5:
        raise ParameterError(f"{at}lag must be a whole number of years from 0 to 5, got {lag!r}")
    if "rate" in spec:
        rate = spec["rate"]
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not -0.5 <= rate <= 1:
            raise ParameterError(f"{at}rate must be a number from -0.5 to 1 (a fraction a year), got {rate!r}")
        return Uprating("rate", rate=float(rate), source=source)
    if "share_of" in spec:
        index, ratio = spec["share_of"], spec["ratio"]
        if index not in SHARE_INDICES:
            raise ParameterError(f"{at}share_of must be one of {', '.join(SHARE_INDICES)}, got {index!r}")
        if isinstance(ratio, bool) or not isinstance(ratio, int | float) or not 0 < ratio <= 5:
            raise ParameterError(f"{at}ratio must be a number above 0 and at most 5, got {ratio!r}")
        if unit not in PER_YEAR:
            raise ParameterError(f"{at}share_of needs an amount in CNY/month or CNY/year, {path} is in {unit}")
        return Uprating("share", index=index, ratio=float(ratio), lag=lag, source=source, start=start)
    index = spec["index"]
    if index not in INDICES:
        raise ParameterError(f"{at}unknown index {index!r}; allowed: {', '.join(INDICES)}")
    return Uprating("index", index=index, lag=lag, source=source)


def known_until(leaf: ParameterLeaf) -> int:
    """K: the last year whose 1 January the leaf's dated values reach (a value dated 1 July reaches the next)."""
    rule = leaf.uprating
    if rule is not None and rule.method == "share" and rule.start is not None:
        return rule.start - 1  # the rule computes every year from its start
    last = leaf.values[-1][0]
    return last.year if (last.month, last.day) == (1, 1) else last.year + 1


def growth(tree: ParameterTree, index: str, year: int) -> float | None:
    """Growth of `index` in calendar `year` (NBS, else the projection assumption; None past them)."""
    return _growth(tree, index, year)


def _growth(tree: ParameterTree, index: str, year: int) -> float | None:
    """Growth of `index` in calendar `year`: the NBS figure dated that year, else the projection assumption in
    force that year (when projections are on and the year is within the horizon), else None."""
    actual = tree.find(f"{ROOT}.{index}.growth")
    if actual is not None:
        for start, value in actual.values:
            if start.year == year and value is not None:
                return float(value)
    if not _projections_on(tree) or year > horizon(tree):
        return None
    projected = tree.find(f"{ROOT}.{index}.projected_growth")
    if projected is None:
        return None
    value, _ = projected.value_at(dt.date(year, 1, 1))
    return None if value is None else float(value)


def _setting(tree: ParameterTree, name: str, default: Any) -> Any:
    leaf = tree.find(f"{ROOT}.{name}")
    if leaf is None or not getattr(leaf, "values", None):
        return default
    return leaf.values[-1][1]


def _projections_on(tree: ParameterTree) -> bool:
    return bool(_setting(tree, "use_projections", False))


def horizon(tree: ParameterTree) -> int:
    """The last year the projection assumptions reach (`uprating.horizon`)."""
    return int(_setting(tree, "horizon", 0))


def factor(tree: ParameterTree, leaf: ParameterLeaf, year: int) -> float:
    """The multiplier from the leaf's last known year K to `year` (> K), or a ParameterError past the indices."""
    rule: Uprating = leaf.uprating  # type: ignore[assignment]
    k = known_until(leaf)
    if rule.method == "share":
        level(tree, rule.index, "", year - rule.lag, leaf)  # raises past the indices
        return 1.0
    if rule.method in ("frozen", "rate"):
        if not _projections_on(tree) or year > horizon(tree):
            raise beyond(tree, leaf, year)
        return 1.0 if rule.method == "frozen" else (1.0 + rule.rate) ** (year - k)
    out = 1.0
    for t in range(k - rule.lag + 1, year - rule.lag + 1):
        g = _growth(tree, rule.index, t)  # type: ignore[arg-type]
        if g is None:
            raise beyond(tree, leaf, year, missing=f"{rule.index} growth of {t}")
        out *= 1.0 + g
    return out


def beyond(tree: ParameterTree, leaf: ParameterLeaf, year: int, missing: str | None = None) -> ParameterError:
    why = (f"projections are switched off ({ROOT}.use_projections)" if not _projections_on(tree)
           else f"the projections end in {horizon(tree)}" + (f"; no {missing}" if missing else ""))
    return ParameterError(f"{leaf.where}{leaf.path}: known to {known_until(leaf)}, cannot be projected to {year}: "
                          f"{why}")


def uprated(leaf: ParameterLeaf, raw: Any, f: float) -> Any:
    """The raw (validated) value `raw` multiplied by `f`: numbers, tables, the thresholds of scales."""
    if raw is None or f == 1.0 or isinstance(raw, bool):
        return raw
    if leaf.kind == "table":
        return {"values": np.asarray(raw["values"]) * f, "estimated": raw.get("estimated", frozenset())}
    if leaf.kind == "scale":
        return {"thresholds": [x * f for x in raw["thresholds"]], "rates": list(raw["rates"])}
    return float(raw) * f


def level(tree: ParameterTree, index: str, area: str, year: int, leaf: ParameterLeaf) -> float:
    """Per-capita `index` (consumption, income) of calendar `year`, yuan a year, national (`area` "") or of the
    urban / rural population: the NBS level `uprating.<index>.level[_area]` moved by the index's growth."""
    found = tree.find(f"{ROOT}.{index}.level" + (f"_{area}" if area else ""))
    if found is None or not getattr(found, "values", None):
        raise ParameterError(f"{leaf.where}{leaf.path}: no level of per-capita {index} ({ROOT}.{index}.level)")
    base_date, value = found.values[-1]
    out, base = float(value), base_date.year
    for t in range(base + 1, year + 1):
        g = _growth(tree, index, t)
        if g is None:
            raise beyond(tree, leaf, year + leaf.uprating.lag if leaf.uprating else year,
                         missing=f"{index} growth of {t}")
        out *= 1.0 + g
    for t in range(year + 1, base + 1):
        g = _growth(tree, index, t)
        if g is None:
            raise ParameterError(f"{leaf.where}{leaf.path}: no {index} growth of {t} to go back to {year}")
        out /= 1.0 + g
    return out


def share_value(tree: ParameterTree, leaf: ParameterLeaf, raw: Any, year: int) -> Any:
    """`ratio` × per-capita consumption (income) of year−lag, in the leaf's unit: a table by area gets the urban
    and rural levels, any other leaf the national one (provincial levels are not in the data)."""
    rule: Uprating = leaf.uprating  # type: ignore[assignment]
    per = PER_YEAR[leaf.unit]
    t = year - rule.lag
    if leaf.kind == "table" and "area" in leaf.index:
        cells = np.empty_like(np.asarray(raw["values"], dtype=np.float64))
        cells[:, 0] = rule.ratio * level(tree, rule.index, "rural", t, leaf) / per  # AREA_KEYS: rural=0, urban=1
        cells[:, 1] = rule.ratio * level(tree, rule.index, "urban", t, leaf) / per
        return {"values": cells, "estimated": frozenset()}
    amount = rule.ratio * level(tree, rule.index, "", t, leaf) / per
    if leaf.kind == "table":
        return {"values": np.full(np.shape(raw["values"]), amount), "estimated": frozenset()}
    return amount


def projected_value(tree: ParameterTree, leaf: ParameterLeaf, date: dt.date) -> tuple[Any, bool]:
    """(raw value in force on `date`, projected?) — the dated value, or the uprated last value past K (a share
    rule: computed from its start year). Only rules of the law (not a reform's own) count as projected."""
    raw, _ = leaf.value_at(date)
    if leaf.uprating is None or date.year <= known_until(leaf) or raw is None:
        return raw, False
    flagged = leaf.uprating.source == "law"
    if leaf.uprating.method == "share":
        return share_value(tree, leaf, raw, date.year), flagged
    return uprated(leaf, raw, factor(tree, leaf, date.year)), flagged


# ---------------------------------------------------------------------------------------------- coverage
@dataclass(frozen=True)
class Coverage:
    """The years the law covers: first (every parameter has a value), last known (every uprated parameter has a
    dated value), horizon (the projections reach; = last known when projections are off)."""

    first: int
    first_path: str
    last_known: int
    last_known_path: str
    horizon: int

    def to_dict(self) -> dict[str, Any]:
        return {"first_year": self.first, "last_known_year": self.last_known, "horizon": self.horizon}


_COVERAGE: weakref.WeakKeyDictionary[Any, Coverage] = weakref.WeakKeyDictionary()


def coverage(tree: ParameterTree) -> Coverage:
    """The years `tree` covers (see the module docstring); computed once per tree."""
    found = _COVERAGE.get(tree)
    if found is None:
        found = _COVERAGE[tree] = _coverage(tree)
    return found


def _coverage(tree: ParameterTree) -> Coverage:
    latest, first_path = dt.date(1900, 1, 1), ""
    last_known, last_path = math.inf, ""
    for path, leaf in tree.leaves().items():
        if not leaf.values or path.startswith(ROOT + "."):
            continue  # the indices are series, not law in force
        if leaf.values[0][0] > latest:
            latest, first_path = leaf.values[0][0], path
        if leaf.uprating is not None and leaf.uprating.source == "law" and known_until(leaf) < last_known:
            last_known, last_path = known_until(leaf), path
    first = latest.year if (latest.month, latest.day) == (1, 1) else latest.year + 1
    known = int(last_known) if last_known != math.inf else first
    end = known
    if _projections_on(tree):
        end = max(known, horizon(tree))
        for year in range(known + 1, end + 1):
            if not _reachable(tree, year):
                end = year - 1
                break
    return Coverage(first, first_path, known, last_path, end)


def _reachable(tree: ParameterTree, year: int) -> bool:
    for leaf in tree.leaves().values():
        if leaf.uprating is not None and year > known_until(leaf):
            try:
                factor(tree, leaf, year)
            except ParameterError:
                return False
    return True


def projected_parameters(tree: ParameterTree, year: int) -> list[dict[str, Any]]:
    """The uprated parameters that `year` reads past their dated values: path, last known year, rule."""
    return [{"parameter": path, "known_until": known_until(leaf), "rule": leaf.uprating.describe()}
            for path, leaf in sorted(tree.leaves().items())
            if leaf.uprating is not None and leaf.uprating.source == "law" and leaf.values
            and year > known_until(leaf)]


_STATUS: weakref.WeakKeyDictionary[Any, dict[int, dict[str, Any]]] = weakref.WeakKeyDictionary()


def law_status(tree: ParameterTree, year: int) -> dict[str, Any]:
    """What the faces say about a year: `{"year", "projected": bool, "reason", "first_year", "last_known_year",
    "horizon", "parameters": [...projected ones]}` (computed once per tree and year; a fresh copy each call)."""
    by_year = _STATUS.setdefault(tree, {})
    if year not in by_year:
        by_year[year] = _law_status(tree, year)
    found = by_year[year]
    return dict(found, parameters=[dict(p) for p in found["parameters"]])


def _law_status(tree: ParameterTree, year: int) -> dict[str, Any]:
    cov = coverage(tree)
    projected = projected_parameters(tree, year)
    reason = None
    if projected:
        names = ", ".join(p["parameter"] for p in projected[:4]) + (" …" if len(projected) > 4 else "")
        reason = (f"{year} is past the last dated law ({cov.last_known}): {len(projected)} parameter(s) computed "
                  f"by their uprating rule ({names}); the indices' projections are assumptions "
                  f"(parameters/uprating.yaml)")
    return {"year": year, "projected": bool(projected), "reason": reason, **cov.to_dict(),
            "parameters": projected}


def check_year(tree: ParameterTree, year: int) -> str | None:
    """None when `year` is covered, else the one-line reason it is not (before the first year, past the horizon)."""
    cov = coverage(tree)
    if year < cov.first:
        return (f"the law in gongfu covers {cov.first} onwards ({cov.first_path} has no value before "
                f"{cov.first}); got {year}")
    if year > cov.horizon:
        if cov.horizon == cov.last_known:
            return (f"the law is known to {cov.last_known} ({cov.last_known_path}) and projections are off "
                    f"({ROOT}.use_projections); got {year}")
        return (f"the law is known to {cov.last_known} and projected to {cov.horizon} (the end of the uprating "
                f"assumptions, parameters/uprating.yaml); got {year}")
    return None
