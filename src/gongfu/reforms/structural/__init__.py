"""Structural reforms in Python shipped with gongfu, and the registry that is the only way to name them.

A reform file's `rules:` list names modules of *this package* by their short name (`rules:
[provincial_low_wage_uplift]`; the full dotted name `gongfu.reforms.structural.provincial_low_wage_uplift` is
accepted too). Nothing else is ever imported for a name found in a reform (issue 9 §1: a name such as `this` or
`venv.__main__` in an HTTP body used to be passed to `importlib.import_module`). The registry is the listing of
this folder, read without importing anything; a name not in it is refused before any import, and the message
lists only the shipped names (it never says whether some other module is installed).

A user's own Python rules are loaded from a file path that the user gives explicitly (`Reform(rule_files=...)`,
`gongfu calc|simulate|compare --trust-rules FILE.py`), never by a name.

A module here declares variables with `@variable` — they are added to the system, or replace the baseline
variable of the same name — and/or a `FORMULAS = {variable_name: function}` dict whose functions replace the
formulas of existing variables (metadata kept). New parameters the formulas read go under `new_parameters:` in the
reform file. Modules must not live under `gongfu.rules` (that package is the baseline).

May import: gongfu.engine and the law (gongfu.rules), like gongfu.reforms.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

PREFIX = __name__ + "."


def names() -> tuple[str, ...]:
    """Short names of the shipped structural reforms (the modules of this folder; nothing is imported)."""
    return tuple(sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")))


def registry_name(rule: object) -> str | None:
    """The registry name of a `rules:` entry (a short name, or the full dotted name of a shipped module), or
    None when it names no shipped structural reform."""
    if not isinstance(rule, str):
        return None
    name = rule.removeprefix(PREFIX)
    return name if name in names() else None


def load(name: str) -> ModuleType:
    """The shipped module of a registry name (refuses any other name without importing it)."""
    if name not in names():
        raise KeyError(name)
    return importlib.import_module(PREFIX + name)


__all__ = ["PREFIX", "load", "names", "registry_name"]
