"""Figures a run reports against, read from the packaged YAML files in gongfu/data/ and checked on load.

Every figure is a mapping with a `value` (a number, or a list of numbers), a `unit`, a `year` and a `source`
(a mapping with at least a `title`), like the parameters of the law. A malformed file is refused with a one-line
error naming the file and the field.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).resolve().parent.parent / "data"


class DataError(ValueError):
    """A packaged data file that is missing a field or has a value of the wrong kind."""


@cache
def load(name: str) -> dict[str, Any]:
    """The parsed YAML file gongfu/data/`name` (cached; callers must not change it)."""
    path = DATA / name
    try:
        out = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DataError(f"{path}: cannot read ({exc})") from exc
    if not isinstance(out, dict):
        raise DataError(f"{path}: expected a mapping at the top level")
    return out


def node(data: dict[str, Any], name: str, *keys: Any) -> Any:
    """data[k1][k2]... with an error naming the file and the path when a key is missing."""
    out: Any = data
    for i, k in enumerate(keys):
        listed = isinstance(out, list) and isinstance(k, int) and 0 <= k < len(out)
        if not listed and (not isinstance(out, dict) or k not in out):
            raise DataError(f"{DATA / name}: missing field {'.'.join(str(x) for x in keys[:i + 1])}")
        out = out[k]
    return out


def figure(data: dict[str, Any], name: str, *keys: Any) -> float | list[float]:
    """The checked value of the figure at data[k1][k2]...: value (number or list of numbers), unit, year, source
    with a title."""
    f = node(data, name, *keys)
    where = f"{DATA / name}: {'.'.join(str(k) for k in keys)}"
    if not isinstance(f, dict):
        raise DataError(f"{where}: expected a mapping with value, unit, year and source")
    for field in ("value", "unit", "year", "source"):
        if field not in f:
            raise DataError(f"{where}: missing {field}")
    if not isinstance(f["source"], dict) or not f["source"].get("title"):
        raise DataError(f"{where}.source: expected a mapping with a title")
    if not isinstance(f["year"], int):
        raise DataError(f"{where}.year: expected a year, got {f['year']!r}")
    value = f["value"]
    values = value if isinstance(value, list) else [value]
    if not values or any(isinstance(v, bool) or not isinstance(v, int | float) for v in values):
        raise DataError(f"{where}.value: expected a number, got {value!r}")
    return [float(v) for v in values] if isinstance(value, list) else float(value)
