"""The module-level import graph of src/gongfu has no cycle (issue 10): a face imports the workflow, the workflow
imports the run and the law, never the other way round; re-exports in `__init__` files count as imports.

Built with `ast` from the source files, without importing anything. An edge A → B means that running A's module
body imports B: an `import`/`from … import` at module level (also inside `if`/`try`/`with` blocks, but not inside
functions or classes, and not under `if TYPE_CHECKING:`), plus the package `__init__` of every package on the way
(importing `gongfu.run.api` first runs `gongfu/run/__init__.py`).
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
ROOT = SRC / "gongfu"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in ROOT.rglob("*.py")}


def _all_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement, deferred ones inside functions included."""
    return [node for node in ast.walk(tree) if isinstance(node, ast.Import | ast.ImportFrom)]


def _top_level_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """Import statements executed when the module body runs (function and class bodies are not entered)."""
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.Import | ast.ImportFrom):
                found.append(node)
            elif isinstance(node, ast.If):
                test = node.test
                name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", None)
                if name != "TYPE_CHECKING":
                    visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                for block in (node.body, node.orelse, node.finalbody, *(h.body for h in node.handlers)):
                    visit(block)
            elif isinstance(node, ast.With):
                visit(node.body)

    visit(tree.body)
    return found


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _with_packages(name: str, modules: dict[str, Path]) -> set[str]:
    """`name` and every package above it that is part of gongfu (their __init__ runs first)."""
    parts = name.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts) + 1) if ".".join(parts[:i]) in modules}


def import_graph(deferred: bool = False) -> dict[str, set[str]]:
    """Module → modules it imports when its body runs (`deferred`: also the imports inside functions)."""
    modules = _modules()
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        for node in (_all_imports(tree) if deferred else _top_level_imports(tree)):
            targets: set[str] = set()
            if isinstance(node, ast.Import):
                for alias in node.names:
                    targets |= _with_packages(alias.name, modules)
            else:
                base = _resolve(module, is_package, node)
                targets |= _with_packages(base, modules)
                for alias in node.names:  # `from . import commands` imports the submodule
                    targets |= _with_packages(f"{base}.{alias.name}", modules) - _with_packages(base, modules)
            graph[module] |= {t for t in targets if t != module and not module.startswith(t + ".")}
    return graph


def layer(module: str) -> str:
    """A sub-package of gongfu is one layer (gongfu.engine.*); a top-level module is its own (gongfu.cli)."""
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 2 or (ROOT / parts[-1]).is_dir() else module


def layer_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for a, targets in graph.items():
        out.setdefault(layer(a), set()).update(layer(b) for b in targets if layer(b) != layer(a))
    return out


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as a list of modules (first == last), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def dfs(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := dfs(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := dfs(node)):
            return cycle
    return None


def test_the_graph_sees_the_imports_it_must_see():
    """The checker itself: known edges are found (else an empty graph would pass)."""
    graph = import_graph()
    assert "gongfu.engine" in graph["gongfu.household"]
    assert "gongfu.reforms.loader" in graph["gongfu.reforms"]  # re-export in __init__
    assert "gongfu.reforms" in graph["gongfu.reforms.loader"] or "gongfu.engine" in graph["gongfu.reforms.loader"]


def test_the_deferred_graph_sees_function_level_imports():
    assert "gongfu.engine.simulation" in import_graph(deferred=True)["gongfu.engine.system"]
    assert "gongfu.engine.simulation" not in import_graph()["gongfu.engine.system"]
    assert layer("gongfu.engine.system") == "gongfu.engine" and layer("gongfu.cli") == "gongfu.cli"
    assert layer("gongfu.api") == "gongfu.api"


def test_find_cycle_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle_in_gongfu():
    """Nothing in gongfu is half-initialised when another module imports it."""
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " → ".join(cycle or [])


#: Deferred imports that close a circle between layers and are known, with where they come from. Each must still
#: exist (the test says so when one is gone: remove it here); any other circle fails.
KNOWN_LAYER_EDGES: set[tuple[str, str]] = set()  # none today (process_pool moved to gongfu/processes.py)


def test_no_cycle_between_layers_even_through_deferred_imports():
    """A function-level import is still a dependency: the CLI, the commands, the HTTP API and the workflow must not
    lean on each other in a circle (issue 10: cli.py ↔ commands.py ↔ api/service.py). Inside one sub-package a
    deferred import is allowed (engine/system.py's `simulation()` factory)."""
    graph = layer_graph(import_graph(deferred=True))
    for source, target in KNOWN_LAYER_EDGES:
        assert target in graph.get(source, set()), f"{source} → {target} is gone: remove it from KNOWN_LAYER_EDGES"
        graph[source].discard(target)
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " → ".join(cycle or [])


def test_no_cycle_through_a_face_or_the_workflow():
    """Whatever else is known, no circle passes through the faces or the workflow (known edges included)."""
    graph = layer_graph(import_graph(deferred=True))
    for node in {"gongfu.cli", "gongfu.commands", "gongfu.api", "gongfu.workflow", "gongfu.demo"} & set(graph):
        seen, todo = set(), list(graph[node])
        while todo:
            nxt = todo.pop()
            assert nxt != node, f"an import circle passes through {node}"
            if nxt not in seen:
                seen.add(nxt)
                todo.extend(graph.get(nxt, ()))


def test_faces_import_the_workflow_not_each_other():
    """The CLI's commands and the HTTP service ask the workflow; the workflow never imports a face; the API never
    imports the CLI; the commands never import the app that mounts them (issue 10: cli ↔ commands ↔ service)."""
    graph = import_graph(deferred=True)
    faces = {"gongfu.cli", "gongfu.commands", "gongfu.api", "gongfu.api.service", "gongfu.api.app", "gongfu.demo"}
    for face in ("gongfu.commands", "gongfu.api.service"):
        assert "gongfu.workflow" in graph[face], face
    assert not graph["gongfu.workflow"] & faces
    for module in ("gongfu.api", "gongfu.api.service", "gongfu.api.app", "gongfu.api.models"):
        assert not graph[module] & {"gongfu.cli", "gongfu.commands"}, module
    assert "gongfu.cli" not in graph["gongfu.commands"]
    for package in ("gongfu.engine", "gongfu.reforms", "gongfu.run", "gongfu.analysis", "gongfu.population"):
        inside = [m for m in graph if m == package or m.startswith(package + ".")]
        assert not any(graph[m] & (faces | {"gongfu.workflow"}) for m in inside), package
