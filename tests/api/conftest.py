"""Shared by the server tests: replace the runners wherever the API takes them from."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def patch_runners(monkeypatch: Any, simulate: Callable[..., Any], compare: Callable[..., Any]) -> None:
    """Replace run_simulation / run_comparison in gongfu.commands and, where it exists, gongfu.workflow (the
    faces' shared workflow module), so that the tests hold whichever module the API calls."""
    for name in ("gongfu.commands", "gongfu.workflow"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        monkeypatch.setattr(module, "run_simulation", simulate, raising=False)
        monkeypatch.setattr(module, "run_comparison", compare, raising=False)
