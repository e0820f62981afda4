"""Import rules of the project, checked over the source's syntax tree (no code is imported).

1. No cycles: the graph of module-level imports between the project's modules has no cycle.
   Imports under ``if TYPE_CHECKING:`` are not run and do not count.
2. An import inside a function (it runs late, so it can hide a cycle) of a project module needs a
   comment on its line or the line above saying why it cannot be at the top.
3. Layers: an app imports only the apps below it (``LAYERS``); ``portal``'s site modules (URLs,
   navigation, the Celery app, settings) sit above every app, its plumbing modules below.
4. No private names (``_name``) imported from another module.

Prints the number of function-level imports and exits 1 on any breach, naming it.

    python3 scripts/check_imports.py
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Lower layers first; a module may import its own app and any app of a lower layer. Apps on one
# line are peers that must not import each other.
LAYERS: list[tuple[str, ...]] = [
    # portal's plumbing: leaves any app may use (they import no app).
    (
        "portal.validators",
        "portal.workbooks",
        "portal.params",
        "portal.throttles",
        "portal.api",
        "portal.mail",
        "portal.errors",
        "portal.history",
        "portal.clock",
        "portal.middleware",
        "portal.uploads",
    ),
    ("organisations",),
    ("accounts",),
    ("enterprises",),
    ("incentives",),
    ("applications",),
    ("official_lists", "ratings", "consultations"),
    ("audit",),
    ("dashboard",),
    ("demo",),
    # The site: settings, root URLs, the Celery app, navigation, the role home pages.
    ("portal",),
]
PACKAGES = [name for layer in LAYERS for name in layer if "." not in name]
SKIP_PARTS = {"migrations", "__pycache__"}


def layer_of(module: str) -> int:
    best, rank = -1, -1
    for index, layer in enumerate(LAYERS):
        for prefix in layer:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, rank = len(prefix), index
    return rank


def app_of(module: str) -> str:
    for layer in LAYERS:
        for prefix in sorted(layer, key=len, reverse=True):
            if module == prefix or module.startswith(prefix + "."):
                return prefix
    return module.split(".")[0]


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if SKIP_PARTS & set(path.relative_to(ROOT).parts):
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class Imports(ast.NodeVisitor):
    """Collects (line, target module, names, at module level) for every import."""

    def __init__(self, module: str, is_package: bool, known: set[str]):
        self.module, self.is_package, self.known = module, is_package, known
        self.depth = 0
        self.found: list[tuple[int, str, list[str], bool]] = []

    def visit_If(self, node: ast.If) -> None:
        if is_type_checking(node):
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def _scoped(self, node) -> None:
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _scoped

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(node.lineno, alias.name, [])

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:
            package = self.module.split(".")
            if not self.is_package:
                package = package[:-1]
            package = package[: len(package) - (node.level - 1)]
            base = ".".join([*package, base] if base else package)
        names = [alias.name for alias in node.names]
        submodules = [f"{base}.{name}" for name in names if f"{base}.{name}" in self.known]
        for target in submodules:
            self._add(node.lineno, target, [])
        plain = [name for name in names if f"{base}.{name}" not in self.known]
        if plain or not submodules:
            self._add(node.lineno, base, plain)

    def _add(self, line: int, target: str, names: list[str]) -> None:
        self.found.append((line, target, names, self.depth == 0))


def resolve(target: str, known: set[str]) -> str | None:
    while target and target not in known:
        target = target.rpartition(".")[0]
    return target or None


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def has_reason(lines: list[str], line: int) -> bool:
    here = lines[line - 1]
    above = lines[line - 2].strip() if line >= 2 else ""
    return "#" in here or above.startswith("#")


def main() -> int:
    found = modules()
    known = set(found)
    graph: dict[str, set[str]] = {name: set() for name in found}
    problems: list[str] = []
    late = []
    for module, path in found.items():
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        visitor = Imports(module, path.name == "__init__.py", known)
        visitor.visit(ast.parse(source, filename=str(path)))
        where = path.relative_to(ROOT)
        for line, target, names, top in visitor.found:
            resolved = resolve(target, known)
            if resolved is None:
                continue  # a library
            if resolved != module:
                for name in names:
                    if name.startswith("_") and not name.startswith("__"):
                        problems.append(f"{where}:{line}: imports private {name} from {resolved}")
                if layer_of(resolved) > layer_of(module) and app_of(resolved) != app_of(module):
                    problems.append(
                        f"{where}:{line}: {module} ({app_of(module)}) imports {resolved}, "
                        f"an app above it"
                    )
            if top:
                if resolved != module:
                    graph[module].add(resolved)
            else:
                late.append((where, line, resolved))
                if not has_reason(lines, line):
                    problems.append(
                        f"{where}:{line}: import of {resolved} inside a function without a "
                        f"comment saying why it cannot be at the top"
                    )
    for component in cycles(graph):
        problems.append("import cycle: " + " ↔ ".join(component))
    print(
        f"{len(found)} modules, {sum(map(len, graph.values()))} module-level imports between them"
    )
    print(f"{len(late)} imports of project modules inside functions (each with its reason):")
    for where, line, target in late:
        print(f"  {where}:{line} → {target}")
    for problem in problems:
        print("FAIL", problem)
    if not problems:
        print("no cycles, no layer breached, no private names imported")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
