"""Helpers to build small throw-away systems from rule source text and parameter YAML text."""

from __future__ import annotations

import importlib.util
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from gongfu.engine import build_system


@pytest.fixture
def make_system(tmp_path: Path):
    def make(rules: str, parameters: dict[str, str] | None = None):
        pdir = tmp_path / f"params_{uuid.uuid4().hex[:6]}"
        pdir.mkdir()
        for rel, text in (parameters or {}).items():
            f = pdir / rel
            f.parent.mkdir(parents=True, exist_ok=True)
            f.write_text(textwrap.dedent(text))
        name = f"rules_{uuid.uuid4().hex[:8]}"
        path = tmp_path / f"{name}.py"
        path.write_text("import numpy as np\nfrom gongfu.engine import *\n" + textwrap.dedent(rules))
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        return build_system(pdir, [module])

    return make
