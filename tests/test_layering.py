"""The import rules that keep the layers layers, and the one-line docstring on every module."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "studyteddy_desktop"
SOURCES = sorted([*PACKAGE.rglob("*.py"), *(ROOT / "migrations").rglob("*.py"),
                  *(ROOT / "resources").rglob("*.py"), *(ROOT / "benchmarks").rglob("*.py")])


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _layer(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


@pytest.mark.parametrize("path", [p for p in SOURCES if PACKAGE in p.parents], ids=lambda p: p.name)
def test_layers_import_only_downwards(path):
    layer = _layer(path)
    imports = imported_modules(path)
    if layer != "ui":
        assert not any(name.split(".")[0] == "PySide6" for name in imports), "only ui/ may import Qt"
    if layer == "ui":
        forbidden = {"sqlalchemy", "redis", "huey", "studyteddy_desktop.db", "studyteddy_desktop.worker"}
        bad = {name for name in imports if any(name == f or name.startswith(f + ".") for f in forbidden)}
        assert not bad, f"ui/ talks to services/, not {bad}"
    if layer == "domain":
        assert all(not name.startswith("studyteddy_desktop.") or name.startswith("studyteddy_desktop.domain")
                   for name in imports), "domain/ depends on nothing"
    if layer in {"ai", "ingest", "db"}:
        assert not any(name.startswith(("studyteddy_desktop.services", "studyteddy_desktop.ui"))
                       for name in imports)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_module_opens_with_a_one_line_docstring(path):
    docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    assert docstring, f"{path} has no module docstring"
    assert docstring.splitlines()[0].strip()


def test_every_package_is_listed_for_installation():
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    on_disk = {".".join(("studyteddy_desktop", *init.parent.relative_to(PACKAGE).parts))
               for init in PACKAGE.rglob("__init__.py")}
    on_disk |= {"studyteddy_desktop.resources", "studyteddy_desktop.migrations",
                "studyteddy_desktop.migrations.versions"}
    assert on_disk <= listed, f"add to pyproject.toml: {sorted(on_disk - listed)}"


def test_opening_the_window_does_not_wait_for_the_database_libraries():
    import subprocess
    import sys

    probe = ("import sys; import studyteddy_desktop.cli as cli; cli.build_parser(); "
             "import studyteddy_desktop.ui.application; "
             "print(sorted(m for m in ('sqlalchemy', 'redis', 'huey', 'torch', 'alembic') if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]", f"loaded before the window shows: {loaded}"
