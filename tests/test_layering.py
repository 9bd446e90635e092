"""The layers of src/gongfu (docs/ARCHITECTURE.md): engine -> law -> population -> run -> analysis -> faces.

Read with `ast` (nothing is imported): every `import` of a gongfu module, at module level or inside a function
(a lazy import is still a dependency), except under `if TYPE_CHECKING:`. The rule, by layer:

* engine imports no other gongfu package, nor does exact (exact arithmetic, numpy only); extras (optional-dependency
  helper) only engine;
* law (rules/, the parameter YAML) imports engine; reforms import engine and law;
* population imports engine, law and extras; analysis (statistics of arrays) imports engine and exact;
* run imports engine, exact, law, reforms, population, analysis and extras;
* the faces (cli, commands, workflow, progress, api, report, calculator, household, demo) may import anything.
And no import circle anywhere in src/gongfu, re-exports included (importing `gongfu.run` runs its __init__).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

import gongfu

SRC = Path(gongfu.__file__).resolve().parent

#: first component under gongfu -> layer
LAYER = {
    "engine": "engine", "exact": "exact", "processes": "processes", "extras": "extras", "rules": "law", "parameters": "law", "reforms": "reforms",
    "population": "population", "analysis": "analysis", "run": "run",
    "cli": "faces", "commands": "faces", "api": "faces", "report": "faces", "calculator": "faces",
    "household": "faces", "demo": "faces", "workflow": "faces", "progress": "faces", "validate_cli": "faces",
    "sweep": "faces",
    "trace_format": "faces",
    "discover": "faces", "discover_cli": "faces",
}
#: layer -> the layers it may import (besides itself and the root `gongfu`, which holds only __version__)
MAY_IMPORT = {
    "engine": set(),
    "exact": set(),
    "processes": set(),
    "extras": {"engine"},
    "law": {"engine"},
    "reforms": {"engine", "law"},
    "population": {"engine", "law", "extras", "processes"},
    "analysis": {"engine", "exact"},
    "run": {"engine", "exact", "processes", "law", "reforms", "population", "analysis", "extras"},
    "faces": set(LAYER.values()),
}


def _name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {_name(p): p for p in sorted(SRC.rglob("*.py"))}


def _type_checking(node: ast.If) -> bool:
    t = node.test
    return (isinstance(t, ast.Name) and t.id == "TYPE_CHECKING") or (
        isinstance(t, ast.Attribute) and t.attr == "TYPE_CHECKING")


def _walk(node: ast.AST) -> Iterator[ast.AST]:
    """Every node below `node`, skipping the bodies of `if TYPE_CHECKING:`."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _type_checking(child):
            for sub in child.orelse:
                yield sub
                yield from _walk(sub)
            continue
        yield child
        yield from _walk(child)


@cache
def imports(module: str) -> frozenset[tuple[str, int]]:
    """(gongfu module imported, line) for every import in `module`; `from pkg import sub` names the submodule."""
    path = modules()[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    known = modules()
    found = set()
    for node in _walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {(a.name, node.lineno) for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            subs = [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in known]
            found |= {(t, node.lineno) for t in subs or [target]}
    return frozenset((t, line) for t, line in found if t == "gongfu" or t.startswith("gongfu."))


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return None if len(parts) == 1 else LAYER.get(parts[1])


def test_every_package_has_a_layer():
    unknown = sorted({m.split(".")[1] for m in modules() if m != "gongfu" and _layer(m) is None})
    assert unknown == [], f"gongfu.{unknown[0]} is in no layer: add it to LAYER in tests/test_layering.py"


def test_root_imports_nothing():
    assert imports("gongfu") == frozenset()


@pytest.mark.parametrize("layer", sorted(set(LAYER.values()) - {"faces"}))
def test_layer_imports_only_the_layers_below(layer):
    bad = []
    for module in modules():
        if _layer(module) != layer:
            continue
        for target, line in sorted(imports(module)):
            other = _layer(target)
            if target != "gongfu" and other != layer and other not in MAY_IMPORT[layer]:
                bad.append(f"{modules()[module].relative_to(SRC.parent)}:{line}: {module} imports {target} "
                           f"({other})")
    assert bad == [], f"{layer} may import only {sorted(MAY_IMPORT[layer]) or 'itself'}:\n" + "\n".join(bad)


def _edges(module: str) -> set[str]:
    """What importing `module` runs: each module it imports and the __init__ of each package on the way that is
    not one of `module`'s own packages (a submodule runs inside its package's __init__, not before it)."""
    own = {module.rsplit(".", k)[0] for k in range(1, module.count(".") + 1)}
    out = set()
    for target, _ in imports(module):
        parts = target.split(".")
        for k in range(2, len(parts) + 1):
            name = ".".join(parts[:k])
            if name in modules() and name not in own and name != module:
                out.add(name)
    return out


def _cycles() -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each as a sorted list."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(_edges(v)):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(modules()):
        if v not in index:
            visit(v)
    return found


def test_no_import_circle():
    cycles = _cycles()
    assert cycles == [], "import circles:\n" + "\n".join(" <-> ".join(c) for c in cycles)


def test_every_package_says_what_it_holds_and_may_import():
    missing = []
    for module, path in modules().items():
        if path.name == "__init__.py":
            doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
            if "may import" not in doc.lower() or len(doc.split("\n\n")[0]) < 40:
                missing.append(module)
    assert missing == [], f"__init__ docstrings without what the package holds and 'May import: ...': {missing}"
