"""Read every import of a package from its source (pure AST) and check import contracts against them."""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

# The layer of the package's own __init__.py (e.g. `from studyteddy_desktop import __version__`).
ROOT_LAYER = "__init__"


@dataclass(frozen=True)
class Import:
    """One imported module, as `importer` names it on `line` of `path`, resolved to an absolute name."""

    importer: str
    imported: str
    path: Path
    line: int


@dataclass(frozen=True)
class Violation:
    """An import that breaks a contract; `detail` says why when the module names alone do not."""

    contract: str
    importer: str
    imported: str
    location: str
    detail: str = ""

    def __str__(self) -> str:
        because = f" ({self.detail})" if self.detail else ""
        return f"{self.location}: {self.importer} imports {self.imported}{because}, breaking '{self.contract}'"


def _within(name: str, prefixes: Iterable[str]) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


@dataclass(frozen=True)
class Forbidden:
    """Modules in `sources` (minus `exempt_sources`) never import `forbidden` (minus `allowed`)."""

    name: str
    reason: str
    sources: tuple[str, ...]
    forbidden: tuple[str, ...]
    exempt_sources: tuple[str, ...] = ()
    allowed: tuple[str, ...] = ()

    def violations(self, imports: Sequence[Import], package: str) -> list[Violation]:
        return [Violation(self.name, found.importer, found.imported, f"{found.path}:{found.line}")
                for found in imports
                if _within(found.importer, self.sources) and not _within(found.importer, self.exempt_sources)
                and _within(found.imported, self.forbidden) and not _within(found.imported, self.allowed)]


@dataclass(frozen=True)
class Independent:
    """The `modules` never import one another, but for the `allowed` (importer, imported) pairs."""

    name: str
    reason: str
    modules: tuple[str, ...]
    allowed: tuple[tuple[str, str], ...] = ()

    def violations(self, imports: Sequence[Import], package: str) -> list[Violation]:
        def owner(name: str) -> str | None:
            return next((module for module in self.modules if _within(name, (module,))), None)

        return [Violation(self.name, found.importer, found.imported, f"{found.path}:{found.line}")
                for found in imports
                if (start := owner(found.importer)) and (end := owner(found.imported)) and start != end
                and (start, end) not in self.allowed]


@dataclass(frozen=True)
class AcyclicLayers:
    """The graph of layer -> layer edges (first name under the package) has no cycle."""

    name: str
    reason: str

    def violations(self, imports: Sequence[Import], package: str) -> list[Violation]:
        edges: dict[str, set[str]] = {}
        crossing = [(found, layer_of(found.importer, package), layer_of(found.imported, package))
                    for found in imports if _within(found.imported, (package,))]
        crossing = [(found, start, end) for found, start, end in crossing if start != end]
        for _, start, end in crossing:
            edges.setdefault(start, set()).add(end)
        # An edge start -> end lies on a cycle exactly when end leads back to start.
        found_violations = []
        for found, start, end in crossing:
            path_back = _shortest_path(edges, end, start)
            if path_back:
                found_violations.append(Violation(self.name, found.importer, found.imported,
                                                  f"{found.path}:{found.line}",
                                                  "cycle " + " -> ".join([start, *path_back])))
        return found_violations


Contract = Forbidden | Independent | AcyclicLayers


def _shortest_path(edges: dict[str, set[str]], start: str, goal: str) -> list[str]:
    came_from: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node == goal:
            path = [node]
            while (previous := came_from[path[-1]]) is not None:
                path.append(previous)
            return path[::-1]
        for nxt in sorted(edges.get(node, ())):
            if nxt not in came_from:
                came_from[nxt] = node
                queue.append(nxt)
    return []


def layer_of(module: str, package: str) -> str:
    """`pkg.services.core.x` -> `services`, `pkg.cli` -> `cli`, `pkg` itself -> ROOT_LAYER."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ROOT_LAYER


def _module_name(path: Path, root: Path) -> tuple[str, bool]:
    parts = path.relative_to(root).with_suffix("").parts
    is_package = parts[-1] == "__init__"
    return ".".join(parts[:-1] if is_package else parts), is_package


def _is_module(root: Path, dotted: str) -> bool:
    # A name in `from X import name` is a submodule when the tree has it as a file or a folder.
    where = root.joinpath(*dotted.split("."))
    return where.with_suffix(".py").is_file() or where.is_dir()


def _resolve_from(node: ast.ImportFrom, importer: str, is_package: bool, root: Path,
                  package: str) -> list[str]:
    if node.level:
        # `from . import x` in pkg/a/b.py is relative to pkg.a; in pkg/a/__init__.py to pkg.a too.
        base = importer.split(".") if is_package else importer.split(".")[:-1]
        if node.level - 1 >= len(base):
            raise ValueError(f"{importer}:{node.lineno} imports beyond the top-level package")
        base = base[:len(base) - (node.level - 1)]
        origin = ".".join([*base, *([node.module] if node.module else [])])
    else:
        origin = node.module or ""
    if not _within(origin, (package,)):
        return [origin]  # An outside library: the module named is what the rules speak of.
    return [f"{origin}.{alias.name}" if alias.name != "*" and _is_module(root, f"{origin}.{alias.name}")
            else origin for alias in node.names]


@lru_cache(maxsize=8)
def _imports_of_tree(root: Path, package: str) -> tuple[Import, ...]:
    found: list[Import] = []
    for path in sorted((root / package).rglob("*.py")):
        importer, is_package = _module_name(path, root)
        # ast.walk visits function bodies and `if TYPE_CHECKING:` blocks too: those imports count.
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = _resolve_from(node, importer, is_package, root, package)
            else:
                continue
            found.extend(Import(importer, name, path.relative_to(root), node.lineno) for name in names)
    return tuple(sorted(set(found), key=lambda i: (str(i.path), i.line, i.imported)))


def imports_of(root: Path, package: str) -> tuple[Import, ...]:
    """Every import in `root/package`, module-level, deferred or TYPE_CHECKING, absolute or relative."""
    return _imports_of_tree(Path(root).resolve(), package)


def check(root: Path, package: str, contracts: Iterable[Contract]) -> list[Violation]:
    """The violations of `contracts` by the package `package` whose folder sits in `root`."""
    imports = imports_of(root, package)
    return [violation for contract in contracts for violation in contract.violations(imports, package)]
