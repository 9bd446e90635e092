"""Optional dependencies ("extras"): the household calculator and the local national run need only numpy,
pyarrow, pyyaml, pydantic, typer, rich and psutil; the rest comes with an extra of the package.

========  ========================================  ==============================================
extra     what it enables                           packages (pyproject.toml)
========  ========================================  ==============================================
dask      ``--dask ADDRESS|local`` (Dask backend)   dask, distributed
report    ``--report DIR`` (HTML, PNG, CSV tables)  matplotlib, jinja2, pandas
import    ``gongfu population import``, reading     pandas, pyreadstat, openpyxl
          Stata/SPSS/.xlsx registries
serve     ``gongfu serve`` (HTTP API, web page)     fastapi, uvicorn
all       all of the above
========  ========================================  ==============================================

Code that needs one of those libraries imports it with `require(module, extra)` where it is used (never at the
top of a module the calculator loads), so a missing extra is one line naming it, not a traceback.
May import: gongfu.engine (its error class) only.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from .engine.errors import GongfuError

#: extra -> (what needs it, the distributions it installs); tests check this against pyproject.toml.
EXTRAS: dict[str, tuple[str, tuple[str, ...]]] = {
    "dask": ("the Dask backend (--dask)", ("dask", "distributed")),
    "report": ("the report (--report)", ("matplotlib", "jinja2", "pandas")),
    "import": ("gongfu population import", ("pandas", "pyreadstat", "openpyxl")),
    "serve": ("gongfu serve", ("fastapi", "uvicorn")),
}


class MissingExtra(GongfuError):
    """An optional dependency is not installed; the message names the extra that installs it."""


def message(extra: str, feature: str | None = None, missing: str | None = None) -> str:
    """`"gongfu serve needs the 'serve' extra: pip install 'gongfu[serve]'"` (+ the missing module)."""
    what = feature or EXTRAS[extra][0]
    tail = f" ({missing} is not installed)" if missing else ""
    return f"{what} needs the '{extra}' extra: pip install 'gongfu[{extra}]'{tail}"


def require(module: str, extra: str, feature: str | None = None) -> ModuleType:
    """Import `module` (e.g. "matplotlib.figure"), or raise `MissingExtra` naming `extra` if it (or one of
    its own dependencies) is not installed. `feature` names what needs it (default: the extra's feature)."""
    if extra not in EXTRAS:
        raise ValueError(f"unknown extra {extra!r} (known: {', '.join(EXTRAS)})")
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        missing = exc.name or module.split(".")[0]
        raise MissingExtra(message(extra, feature, missing)) from None


__all__ = ["EXTRAS", "MissingExtra", "message", "require"]
