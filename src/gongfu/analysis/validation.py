"""Validation of a run against official figures, side by side (issue 11 section 4; `gongfu validate`).

Modelled on EUROMOD's country-report validation tables and Tax-Calculator's validation against TAXSIM: for every
programme and aggregate with a known official figure, the model's figure (with its 95% interval when the results
carry `uncertainty` for it), the official one with its source and year, the difference (a ratio for levels, points
for indices and shares), whether the figure was a calibration TARGET of the population, and a short verdict. The
official figures, their sources and concepts are data: ``gongfu/data/official_figures.yaml``.

Pure functions on the run-results dict of `gongfu.run.simulate` (docs/ARCHITECTURE.md "Run results"); nothing
here runs a simulation.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from gongfu.engine.errors import GongfuError

OFFICIAL_FIGURES = Path(__file__).resolve().parent.parent / "data" / "official_figures.yaml"
TARGETS = Path(__file__).resolve().parent.parent / "population" / "targets.yaml"

#: The tables, in order (EUROMOD country reports: one validation table per area).
AREAS: dict[str, dict[str, str]] = {
    "income_distribution": {"en": "Income distribution", "zh": "收入分配"},
    "taxes": {"en": "Taxes", "zh": "税收"},
    "social_insurance": {"en": "Social insurance and housing fund", "zh": "社会保险与住房公积金"},
    "pensions": {"en": "Pensions", "zh": "养老金"},
    "assistance": {"en": "Social assistance and subsidies", "zh": "社会救助与补贴"},
}
UNITS = ("yuan/person/year", "yuan/year", "persons", "ratio", "share")
COMPARES = ("ratio", "points")
BOUNDS = (None, "lower", "upper")
#: Verdict tiers: |model / official - 1| for ratios, |model - official| for points (indices and shares).
CLOSE = {"ratio": 0.05, "points": 0.01}
NEAR = {"ratio": 0.20, "points": 0.03}


class OfficialFiguresError(GongfuError):
    """The official-figures file is malformed (names the file, line, entry key and field)."""


# ----------------------------------------------------------------------------------------------- loading --


def _entry_lines(text: str) -> list[int]:
    """1-based line of each item of the `figures` list (for error messages)."""
    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        return []
    if not isinstance(root, yaml.MappingNode):
        return []
    for k, v in root.value:
        if getattr(k, "value", None) == "figures" and isinstance(v, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in v.value]
    return []


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(float(x))


def check_entry(entry: Any, where: str) -> None:
    """Raise OfficialFiguresError (one line, naming `where` and the entry's key) unless `entry` has a key, a
    numeric value, a known unit, an integer year, a source with a title and a url or origin, a valid area,
    compare and bound, and bilingual labels."""
    if not isinstance(entry, Mapping):
        raise OfficialFiguresError(f"{where}: an entry must be a mapping, got {type(entry).__name__}")
    key = entry.get("key")
    if not isinstance(key, str) or not key:
        raise OfficialFiguresError(f"{where}: entry without a 'key' (the dotted path of the model's figure)")
    at = f"{where}: figure {key!r}"
    for field in ("value", "unit", "year", "source"):
        if entry.get(field) is None:
            raise OfficialFiguresError(f"{at}: missing '{field}' (every official figure needs value, unit, year, "
                                       "source)")
    if not _is_number(entry["value"]):
        raise OfficialFiguresError(f"{at}: value must be a number, got {entry['value']!r}")
    if entry["unit"] not in UNITS:
        raise OfficialFiguresError(f"{at}: unit {entry['unit']!r} is not one of {', '.join(UNITS)}")
    if not isinstance(entry["year"], int) or isinstance(entry["year"], bool) or not 1978 <= entry["year"] <= 2100:
        raise OfficialFiguresError(f"{at}: year must be an integer in 1978..2100, got {entry['year']!r}")
    src = entry["source"]
    if not isinstance(src, Mapping) or not src.get("title") or not (src.get("url") or src.get("origin")):
        raise OfficialFiguresError(f"{at}: source must give a title and a url or origin, got {src!r}")
    if entry.get("area") not in AREAS:
        raise OfficialFiguresError(f"{at}: area {entry.get('area')!r} is not one of {', '.join(AREAS)}")
    if entry.get("compare", "ratio") not in COMPARES:
        raise OfficialFiguresError(f"{at}: compare {entry.get('compare')!r} is not one of {', '.join(COMPARES)}")
    if entry.get("bound") not in BOUNDS:
        raise OfficialFiguresError(f"{at}: bound {entry.get('bound')!r} must be lower, upper or absent")
    label = entry.get("label")
    if not isinstance(label, Mapping) or not label.get("en") or not label.get("zh"):
        raise OfficialFiguresError(f"{at}: label must give 'en' and 'zh'")
    targets = entry.get("targets", [])
    if not isinstance(targets, list) or not all(isinstance(t, str) for t in targets):
        raise OfficialFiguresError(f"{at}: targets must be a list of paths in population/targets.yaml")
    if entry.get("outside_check") and targets:
        raise OfficialFiguresError(f"{at}: an outside check (issue 11) cannot list calibration targets")


def load_official(path: str | Path | None = None) -> dict[str, Any]:
    """The official figures (``{"figures": [...], "missing": [...]}``), every entry checked (`check_entry`);
    a malformed file raises OfficialFiguresError naming the file, the line and the entry's key."""
    path = Path(path) if path is not None else OFFICIAL_FIGURES
    text = path.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f", line {mark.line + 1}" if mark is not None else ""
        raise OfficialFiguresError(f"{path}{line}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if not isinstance(data, Mapping) or not isinstance(data.get("figures"), list):
        raise OfficialFiguresError(f"{path}: needs a list 'figures'")
    lines = _entry_lines(text)
    for i, entry in enumerate(data["figures"]):
        where = f"{path}, line {lines[i]}" if i < len(lines) else f"{path}, figures[{i}]"
        check_entry(entry, where)
    missing = data.get("missing") or []
    for i, m in enumerate(missing):
        if not isinstance(m, Mapping) or not m.get("key") or m.get("area") not in AREAS:
            raise OfficialFiguresError(f"{path}: missing[{i}] needs a key and an area in {', '.join(AREAS)}")
    return {"figures": list(data["figures"]), "missing": list(missing)}


def load_targets(path: str | Path | None = None) -> dict[str, Any]:
    """The population's calibration targets (gongfu/population/targets.yaml) as a dict."""
    with open(Path(path) if path is not None else TARGETS, encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


# ------------------------------------------------------------------------------------------------ lookups --


def lookup(tree: Any, key: str) -> Any:
    """The value at a dotted path (`income.disposable.quintile_means.0`: list items by index), or None."""
    node = tree
    for part in key.split("."):
        if isinstance(node, Mapping):
            if part not in node:
                return None
            node = node[part]
        elif isinstance(node, Sequence) and not isinstance(node, str) and part.lstrip("-").isdigit():
            i = int(part)
            if not -len(node) <= i < len(node):
                return None
            node = node[i]
        else:
            return None
    return node


def model_interval(results: Mapping[str, Any], key: str) -> list[float] | None:
    """The 95% interval of the figure at `key` from ``results["uncertainty"]`` (keyed like the figures:
    `"gini"`, `"programmes.individual_income_tax.total"`); a list-valued figure's entry (`"...quintile_means"`
    with lists of intervals) serves its items. None when the results carry none."""
    unc = results.get("uncertainty") or {}
    entry = unc.get(key)
    if entry is None and "." in key:
        parent, last = key.rsplit(".", 1)
        if last.isdigit() and isinstance(unc.get(parent), Mapping):
            ci = unc[parent].get("ci95")
            i = int(last)
            if isinstance(ci, Sequence) and i < len(ci) and isinstance(ci[i], Sequence) and len(ci[i]) == 2:
                return [float(ci[i][0]), float(ci[i][1])]
            return None
    if not isinstance(entry, Mapping):
        return None
    ci = entry.get("ci95")
    if isinstance(ci, Sequence) and len(ci) == 2 and all(_is_number(c) for c in ci):
        return [float(ci[0]), float(ci[1])]
    return None


def is_target(entry: Mapping[str, Any], targets: Mapping[str, Any]) -> bool:
    """True when the figure was a calibration target of the population: one of its `targets` paths exists in
    targets.yaml with a tolerance (informational targets, `tol: null`, are not fitted), or a fitted target's
    `from:` quotes the shared-data key the figure is cited from or the URL of its source. The last rule also
    catches an outside check (issue 11) that someone fitted: it is then reported as a target, with a warning."""
    for path in entry.get("targets") or []:
        node = lookup(targets, path)
        if isinstance(node, Mapping) and node.get("tol") is not None:
            return True
    quoted = [(entry.get("cited_from") or {}).get("key"), (entry.get("source") or {}).get("url")]
    quoted = [q for q in quoted if q]
    if quoted:
        for node in _target_nodes(targets):
            if node.get("tol") is not None and any(q in str(node.get("from", "")) for q in quoted):
                return True
    return False


def _target_nodes(tree: Any) -> list[Mapping[str, Any]]:
    """Every mapping of targets.yaml that carries a `from:` (a calibration target)."""
    out: list[Mapping[str, Any]] = []
    if isinstance(tree, Mapping):
        if "from" in tree:
            out.append(tree)
        for v in tree.values():
            out.extend(_target_nodes(v))
    elif isinstance(tree, list):
        for v in tree:
            out.extend(_target_nodes(v))
    return out


def pick(entries: Sequence[Mapping[str, Any]], year: int | None) -> dict[str, Mapping[str, Any]]:
    """One entry per key: the latest official year not after `year`, else the earliest after it."""
    chosen: dict[str, Mapping[str, Any]] = {}
    for e in entries:
        old = chosen.get(e["key"])
        if old is None or _year_rank(e["year"], year) < _year_rank(old["year"], year):
            chosen[e["key"]] = e
    return chosen


def _year_rank(y: int, year: int | None) -> tuple[int, int]:
    if year is None:
        return (0, -y)
    return (0, year - y) if y <= year else (1, y - year)


# ---------------------------------------------------------------------------------------------- the table --


def verdict(model: float | None, official: float | None, compare: str = "ratio", bound: str | None = None,
            ci95: Sequence[float] | None = None) -> dict[str, str]:
    """A short verdict {en, zh}: close (within 5% or 1 point), near (20% or 3 points), or far."""
    if official is None:
        return {"en": "unknown here", "zh": "此处未知"}
    if model is None:
        return {"en": "not in these results", "zh": "本次结果中无此数"}
    if bound == "lower" and model >= official:
        return {"en": "consistent (official is a lower bound)", "zh": "一致(官方数为下限)"}
    if bound == "upper" and model <= official:
        return {"en": "consistent (official is an upper bound)", "zh": "一致(官方数为上限)"}
    inside = ci95 is not None and ci95[0] <= official <= ci95[1]
    if compare == "points":
        d = model - official
        size = abs(d)
        diff_en, diff_zh = f"{d * 100:+.1f} points", f"{d * 100:+.1f}个百分点"
    else:
        if official == 0:
            return {"en": "official is zero", "zh": "官方数为零"}
        if model == 0:
            return {"en": "far: the model has none (not in this population or law)",
                    "zh": "差距大:模型中为零(人口或法规中未包含)"}
        r = model / official
        size = abs(r - 1)
        if r >= 2 or r <= 0.5:
            diff_en, diff_zh = f"model {r:.2f}× official", f"模型为官方的{r:.2f}倍"
        else:
            pct = f"{r - 1:+.1%}" if abs(r - 1) < 0.095 else f"{r - 1:+.0%}"
            diff_en, diff_zh = f"model {pct}", f"模型{pct}"
    if size <= CLOSE[compare] or inside:
        tier_en, tier_zh = "close", "接近"
    elif size <= NEAR[compare]:
        tier_en, tier_zh = "near", "较近"
    else:
        tier_en, tier_zh = "far", "差距大"
    extra_en = ", official inside the 95% interval" if inside else ""
    extra_zh = ",官方数在95%区间内" if inside else ""
    return {"en": f"{tier_en}: {diff_en}{extra_en}", "zh": f"{tier_zh}:{diff_zh}{extra_zh}"}


def _num(x: Any) -> float | None:
    return float(x) if _is_number(x) else None


def validation_table(results: Mapping[str, Any], official: Mapping[str, Any] | Sequence[Mapping[str, Any]],
                     targets: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Rows comparing the run `results` with the `official` figures (`load_official()`, or its list of
    figures), in the order of AREAS then of the file. Each row: key, area, label {en, zh}, model, model_ci95,
    official, unit, year, source, target (bool), outside_check, compare, bound, ratio (model / official),
    diff (model - official), verdict {en, zh}, note (the concept difference). For each key the official figure
    of the run year (or the latest before it) is used; `missing` entries become rows with official None."""
    figures = official.get("figures", []) if isinstance(official, Mapping) else list(official)
    missing = official.get("missing", []) if isinstance(official, Mapping) else []
    year = results.get("year")
    chosen = pick(figures, year if isinstance(year, int) else None)
    rows: list[dict[str, Any]] = []
    for e in chosen.values():
        model = _num(lookup(results, e["key"]))
        value = float(e["value"])
        ci = model_interval(results, e["key"])
        compare = e.get("compare", "ratio")
        start = e.get("in_force_from")
        judged = verdict(model, value, compare, e.get("bound"), ci)
        if isinstance(start, int) and isinstance(year, int) and year < start:
            judged = {"en": f"not in force in {year} (from {start})", "zh": f"{year}年尚未实施({start}年起)"}
        target = is_target(e, targets)
        if target and e.get("outside_check"):
            judged = {"en": "WARNING: an outside check was fitted; " + judged["en"],
                      "zh": "警告:外部检验指标被用于校准;" + judged["zh"]}
        rows.append({
            "key": e["key"], "area": e["area"], "label": dict(e["label"]), "model": model, "model_ci95": ci,
            "official": value, "unit": e["unit"], "year": e["year"], "source": dict(e["source"]),
            "cited_from": dict(e["cited_from"]) if e.get("cited_from") else None,
            "concept": e.get("concept"), "derived": e.get("derived"),
            "target": target, "outside_check": bool(e.get("outside_check")),
            "compare": compare, "bound": e.get("bound"),
            "ratio": model / value if model is not None and value else None,
            "diff": model - value if model is not None else None,
            "verdict": judged,
            "note": " ".join(str(e.get("concept_note", "")).split()),
        })
    for m in missing:
        if m["key"] in chosen:
            continue
        model = _num(lookup(results, m["key"]))
        rows.append({
            "key": m["key"], "area": m["area"], "label": dict(m.get("label") or {"en": m["key"], "zh": m["key"]}),
            "model": model, "model_ci95": model_interval(results, m["key"]), "official": None,
            "unit": m.get("unit", "yuan/year"), "year": None, "source": None, "cited_from": None, "concept": None,
            "derived": None, "target": False, "outside_check": False, "compare": "ratio", "bound": None,
            "ratio": None, "diff": None, "verdict": verdict(model, None), "note": m.get("note", ""),
        })
    order = list(AREAS)
    rows.sort(key=lambda r: order.index(r["area"]))  # stable: the file's order inside an area
    return rows


# --------------------------------------------------------------------------------------------- formatting --


def format_value(x: float | None, unit: str, lang: str = "en") -> str:
    """A figure in its unit for a table: yuan totals in bn (十亿/亿), persons in millions (万), ratios and shares."""
    if x is None:
        return "—"
    zh = lang == "zh"
    if unit == "yuan/year":
        return f"{x / 1e8:,.0f} 亿元" if zh else f"{x / 1e9:,.1f} bn"
    if unit == "persons":
        return f"{x / 1e4:,.0f} 万人" if zh else f"{x / 1e6:,.2f} m"
    if unit == "yuan/person/year":
        return f"{x:,.0f} 元" if zh else f"{x:,.0f}"
    if unit == "share":
        return f"{x:.1%}"
    return f"{x:.3f}"


def format_interval(ci: Sequence[float] | None, unit: str, lang: str = "en") -> str:
    if not ci:
        return "—"
    return f"[{format_value(ci[0], unit, lang)}, {format_value(ci[1], unit, lang)}]"


def format_diff(row: Mapping[str, Any]) -> str:
    """The difference column: the ratio model/official for levels, points for indices and shares."""
    if row.get("model") is None or row.get("official") is None:
        return "—"
    if row.get("compare") == "points":
        return f"{row['diff'] * 100:+.1f} pt"
    return f"{row['ratio']:.3f}" if row.get("ratio") is not None else "—"


def source_text(row: Mapping[str, Any], lang: str = "en") -> str:
    """Short source: the publisher and the year, and the shared-data key when the figure is cited from there."""
    src = row.get("source")
    if not src:
        return "unknown here" if lang == "en" else "此处未知"
    text = f"{src.get('origin') or src.get('title')}"
    cited = row.get("cited_from")
    if cited:
        text += f" · {Path(cited['file']).name}"
    return text
