"""The package's shape: no import circles (lazy imports inside functions count; imports only for type
checkers do not), `sandbox/` imports nothing from `agent/`, litellm is imported (and its cost-map switch
set) in one place, and no module of `agent/` is over 300 lines."""
from __future__ import annotations

import ast
from pathlib import Path

from tests.support.paths import ROOT


def _modules() -> dict[str, Path]:
    out = {}
    for pkg in ("agent", "sandbox"):
        for p in (ROOT / pkg).rglob("*.py"):
            parts = p.relative_to(ROOT).with_suffix("").parts
            if "examples" in parts and len(parts) > 3:     # bundled example repositories are data
                continue
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            out[name] = p
    return out


def _runtime_imports(tree: ast.AST) -> list[str]:
    found = []

    def visit(node):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return
        if isinstance(node, ast.Import):
            found.extend(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
            found.extend(f"{node.module}.{a.name}" for a in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)
    visit(tree)
    return found


def import_graph() -> dict[str, set[str]]:
    mods = _modules()
    return {m: {x for x in _runtime_imports(ast.parse(p.read_text())) if x in mods and x != m}
            for m, p in mods.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative enough for this size)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                strong(w)
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
                out.append(sorted(comp))
    for v in graph:
        if v not in index:
            strong(v)
    return out


def test_no_import_circles():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]   # the finder finds
    assert cycles(import_graph()) == []


def test_sandbox_imports_nothing_from_agent_and_litellm_has_one_importer():
    graph = import_graph()
    assert not {(m, d) for m, deps in graph.items() if m.startswith("sandbox") for d in deps if d.startswith("agent")}
    importers = sorted(m for m, p in _modules().items() if "litellm" in _runtime_imports(ast.parse(p.read_text())))
    assert importers == ["agent.model._litellm"]
    # Its cost-map switch is set there, just before the import, and nowhere else: not in another module,
    # a script or the Action (every one of them reaches litellm through that module).
    others = [p for p in [*_modules().values(), *(ROOT / "scripts").glob("*.py"), ROOT / "action.yml"]
              if "LITELLM_LOCAL_MODEL_COST_MAP" in p.read_text() and p != ROOT / "agent/model/_litellm.py"]
    assert others == []


def test_no_module_over_300_lines():
    """Files read top to bottom; split before ~300 lines (../shared/notes/STYLE.md)."""
    long = {m: n for m, p in _modules().items() if m.startswith("agent") and (n := len(p.read_text().splitlines())) > 300}
    assert long == {}
