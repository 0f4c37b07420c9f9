"""How the packages import each other (`academy bench layers`): the layer order of
docs/architecture.md checked statement by statement, import cycles between packages and between
modules, and how many imports sit inside functions (project modules, third-party, standard
library). Read from the source with `ast`, nothing is imported, so it runs on any checkout.

Imports under `if TYPE_CHECKING:` never run and are left out of the cycles and the layer check;
imports inside functions are counted there like any other (they run when the function does).
"""

from __future__ import annotations

import ast
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

#: the layers, bottom first: a package may import only packages listed before it
LAYERS = ("core", "roster", "training", "graders", "dashboards", "academy")
STDLIB = frozenset(sys.stdlib_module_names) | {"__future__"}


@dataclass(frozen=True)
class ImportRow:
    module: str  # the importing module
    target: str  # the imported module (for `from pkg import mod`: pkg.mod when mod is a module)
    in_function: bool
    type_checking: bool
    path: Path
    line: int

    @property
    def kind(self) -> str:
        top = self.target.split(".")[0]
        if top in LAYERS:
            return "project"
        return "stdlib" if top in STDLIB else "third-party"


def repo_root() -> Path:
    return Path(__file__).resolve().parents[2]


def _modules(root: Path) -> dict[str, Path]:
    out = {}
    for pkg in LAYERS:
        for path in sorted((root / pkg).rglob("*.py")) if (root / pkg).is_dir() else ():
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = path
    return out


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _rows(module: str, path: Path, modules: dict[str, Path]):
    is_pkg = path.name == "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))

    def visit(node, in_func: bool, in_tc: bool):
        for child in ast.iter_child_nodes(node):
            func = in_func or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            tc = in_tc or (isinstance(child, ast.If) and _type_checking(child))
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield ImportRow(module, alias.name, in_func, in_tc, path, child.lineno)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    parts = module.split(".") if is_pkg else module.split(".")[:-1]
                    parts = parts[:len(parts) - child.level + 1]
                    base = ".".join(parts + ([child.module] if child.module else []))
                subs = [f"{base}.{a.name}" for a in child.names if f"{base}.{a.name}" in modules]
                # one row per statement; `from pkg import mod` counts as importing pkg.mod
                yield ImportRow(module, subs[0] if subs and len(subs) == len(child.names) else base,
                                in_func, in_tc, path, child.lineno)
                for extra in subs[1:] if len(subs) == len(child.names) else subs:
                    yield ImportRow(module, extra, in_func, in_tc, path, -child.lineno)
            yield from visit(child, func, tc)

    yield from visit(tree, False, False)


def project_imports(root: Path | None = None) -> list[ImportRow]:
    """Every import statement of the project's packages (extra rows, with a negative line, for
    the further modules of a `from pkg import a, b` that names several modules)."""
    root = root or repo_root()
    modules = _modules(root)
    return [row for module, path in modules.items() for row in _rows(module, path, modules)]


def _resolve(target: str, modules: dict[str, Path]) -> str | None:
    while target and target not in modules:
        target = target.rpartition(".")[0]
    return target or None


def layer_violations(rows: list[ImportRow]) -> list[ImportRow]:
    """Imports of a higher layer by a lower one (inside functions too)."""
    rank = {p: i for i, p in enumerate(LAYERS)}
    return [r for r in rows if r.kind == "project" and not r.type_checking
            and rank[r.target.split(".")[0]] > rank[r.module.split(".")[0]]]


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one node (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on.add(start)
        while work:
            v, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(graph.get(w, ())))))
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    group = []
                    while True:
                        w = stack.pop()
                        on.discard(w)
                        group.append(w)
                        if w == v:
                            break
                    if len(group) > 1:
                        out.append(sorted(group))
    return out


def package_cycles(rows: list[ImportRow]) -> list[list[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        a, b = r.module.split(".")[0], r.target.split(".")[0]
        if r.kind == "project" and not r.type_checking and a != b:
            graph[a].add(b)
    return _cycles(graph)


def module_cycles(rows: list[ImportRow], root: Path | None = None) -> list[list[str]]:
    """Cycles between modules (a package's __init__ importing its own submodules and being
    imported back by them counts: `from pkg import name` runs pkg/__init__.py)."""
    modules = _modules(root or repo_root())
    graph: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        if r.kind == "project" and not r.type_checking:
            target = _resolve(r.target, modules)
            if target and target != r.module:
                graph[r.module].add(target)
    return _cycles(graph)


def summary(root: Path | None = None) -> dict:
    rows = project_imports(root)
    statements = [r for r in rows if r.line > 0]
    inner = Counter(r.kind for r in statements if r.in_function)
    outer = Counter(r.kind for r in statements if not r.in_function)
    return {
        "statements": len(statements),
        "module_level": dict(outer),
        "inside_functions": dict(inner),
        "package_cycles": package_cycles(rows),
        "module_cycles": module_cycles(rows, root),
        "layer_violations": [f"{r.path.name}:{abs(r.line)} {r.module} -> {r.target}"
                             for r in layer_violations(rows)],
    }


def report(root: Path | None = None) -> str:
    s = summary(root)
    inner, outer = s["inside_functions"], s["module_level"]

    def split(c: dict) -> str:
        return (f"{sum(c.values())} (project {c.get('project', 0)}, third-party "
                f"{c.get('third-party', 0)}, standard library {c.get('stdlib', 0)})")

    lines = [
        f"layers, bottom first: {' -> '.join(LAYERS)}",
        f"import statements: {s['statements']}",
        f"  at module level:  {split(outer)}",
        f"  inside functions: {split(inner)}",
        f"import cycles between packages: {len(s['package_cycles'])} {s['package_cycles']}",
        f"import cycles between modules: {len(s['module_cycles'])} {s['module_cycles']}",
        f"imports of a higher layer by a lower one: {len(s['layer_violations'])}",
        *(f"  {v}" for v in s["layer_violations"]),
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(report(Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else None))
