"""core/ imports flow one way: no module reaches back, directly or through others, to a module
that imports it, counting the imports inside functions too (a cycle hidden in a function is
still a cycle: it only waits for the call); and core/ never imports Qt (it runs in the CLI, on
render farms and in the window's worker threads alike).

The import graph is read from the source with ``ast``: no module is imported here.
"""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

QT_MODULES = ("PySide6", "shiboken6", "PyQt5", "PyQt6", "qtpy", "qtawesome", "pyqtgraph")

# torch-bearing modules a torch-free module imports where it needs them, so that importing it
# (the window does, on its UI thread) does not load torch (seconds)
LAZY_ALLOWED = ("torch", "core.model")

KNOWN_CYCLES: set[frozenset[str]] = set()  # none left: the test fails on any cycle


def module_files(root: Path, package: str = "core") -> dict[str, Path]:
    """``{dotted module name: file}`` of every module under ``root/package``."""
    modules = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> dict[str, int]:
    """``{imported module: line}`` of ``name``'s imports of other modules in ``modules``, wherever
    they are written (module level, functions, ``if TYPE_CHECKING`` blocks)."""
    def known(dotted: str) -> str | None:  # the module itself, or the package holding the name
        while dotted and dotted not in modules:
            dotted = dotted.rpartition(".")[0]
        return dotted or None

    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: dict[str, int] = {}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [known(alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package, up level - 1
                anchor = package
                for _ in range(node.level - 1):
                    anchor = anchor.rpartition(".")[0]
                base = f"{anchor}.{base}" if base else anchor
            # "from core.render import removal" imports the submodule; "import X" names the package
            targets = [known(f"{base}.{alias.name}") if f"{base}.{alias.name}" in modules else known(base)
                       for alias in node.names]
        else:
            continue
        for target in targets:
            if target and target != name:
                found.setdefault(target, node.lineno)
    return found


def import_graph(root: Path, package: str = "core") -> dict[str, dict[str, int]]:
    modules = module_files(root, package)
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def cycles(graph: dict[str, dict[str, int]]) -> list[frozenset[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(graph[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(frozenset(component))
    return found


def describe(component: frozenset[str], graph: dict[str, dict[str, int]]) -> str:
    return "; ".join(f"{a} -> {b} (line {graph[a][b]})"
                     for a in sorted(component) for b in sorted(graph[a]) if b in component)


def test_core_imports_have_no_cycle_even_through_functions():
    graph = import_graph(ROOT)
    assert "core.render.removal" in graph and "core.roto.results" in graph  # the walk found core/
    found = cycles(graph)
    new = [c for c in found if c not in KNOWN_CYCLES]
    assert not new, "import cycles in core/: " + " | ".join(describe(c, graph) for c in new)
    gone = [sorted(c) for c in KNOWN_CYCLES if c not in found]
    assert not gone, f"these cycles are gone, remove them from KNOWN_CYCLES: {gone}"


def test_the_cycle_check_sees_an_import_inside_a_function(tmp_path):
    package = tmp_path / "core"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from core.b import thing\n")
    (package / "b.py").write_text(textwrap.dedent("""
        def thing():
            from core import a  # the cycle, hidden in a function
            return a
    """))
    (package / "c.py").write_text("import core.a\n")
    graph = import_graph(tmp_path)
    assert graph["core.b"] == {"core.a": 3}
    assert cycles(graph) == [frozenset({"core.a", "core.b"})]


def test_core_never_imports_qt():
    offending = []
    for path in sorted((ROOT / "core").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else []
            offending += [f"{path.relative_to(ROOT)}:{node.lineno} imports {n}" for n in names
                          if n.split(".")[0] in QT_MODULES]
    assert not offending, "core/ must not import Qt: " + "; ".join(offending)


def test_core_render_and_roto_import_at_module_top():
    """Inside functions only the torch-bearing modules (LAZY_ALLOWED), so that importing
    core.render or core.roto stays quick; everything else at the top, where the reader sees the
    dependencies."""
    late = []
    for package in ("render", "roto"):
        for path in sorted((ROOT / "core" / package).rglob("*.py")):
            late += late_imports(path)
    assert not late, "imports inside functions in core/render or core/roto: " + "; ".join(late)


def test_the_late_import_check_sees_an_import_inside_a_method(tmp_path):
    path = tmp_path / "module.py"
    path.write_text(textwrap.dedent("""
        import numpy

        class Renderer:
            def render_frame(self):
                import torch  # allowed: torch is loaded only when the network runs
                from core.roto import propagate  # not allowed
                return torch, propagate
    """))
    assert [line.split(" imports ")[1] for line in late_imports(path, root=tmp_path)] == \
        ["core.roto in render_frame()"]


def late_imports(path: Path, root: Path = ROOT) -> list[str]:
    """``"file:line imports module in function()"`` for each import written inside a function of
    ``path`` that is not one of LAZY_ALLOWED."""
    late = []
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for function in ast.walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(function):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            late += [f"{path.relative_to(root)}:{node.lineno} imports {n} in {function.name}()"
                     for n in names if not any(n == m or n.startswith(m + ".") for m in LAZY_ALLOWED)]
    return late
