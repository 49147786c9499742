"""The import rules that keep the layers layers, and the one-line docstring on every module."""

from __future__ import annotations

import ast
import functools
import textwrap
from pathlib import Path

import pytest

from tests.layering.import_rules import AcyclicLayers, Forbidden, Independent, check, imports_of, layer_of

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "studyteddy_desktop"
SOURCES = sorted([*PACKAGE.rglob("*.py"), *(ROOT / "migrations").rglob("*.py"),
                  *(ROOT / "resources").rglob("*.py"), *(ROOT / "benchmarks").rglob("*.py")])

P = "studyteddy_desktop"
LOWER = (f"{P}.ai", f"{P}.ingest", f"{P}.db")

# DESIGN.md "Layers inside studyteddy_desktop/" as contracts, in the manner of import-linter's.
# A name covers its submodules; every import counts: deferred, TYPE_CHECKING, relative, `import a.b`.
CONTRACTS = (
    Forbidden("Qt stays in ui/", "the CLI, the worker and the services run headless; only ui/ may load Qt",
              sources=(P,), exempt_sources=(f"{P}.ui",), forbidden=("PySide6", "shiboken6")),
    Forbidden("ui/ talks to services/", "the window must not wait for, or hold, database and queue clients",
              sources=(f"{P}.ui",), forbidden=(f"{P}.db", f"{P}.worker", "sqlalchemy", "redis", "huey")),
    Forbidden("services/ do not know their callers",
              "services reach the worker through domain/job_queue.py; ui/ and commands/ call them, not back",
              sources=(f"{P}.services",), forbidden=(f"{P}.worker", f"{P}.ui", f"{P}.commands")),
    Forbidden("worker/ sits beside ui/", "the worker process is headless and calls services, not front ends",
              sources=(f"{P}.worker",), forbidden=(f"{P}.ui", f"{P}.commands")),
    Forbidden("domain/ depends on nothing", "plain types shared by every layer must not pull a layer in",
              sources=(f"{P}.domain",), forbidden=(P,), allowed=(f"{P}.domain",)),
    Forbidden("ai/, ingest/, db/ sit below services/", "they are the services' tools and never call upwards",
              sources=LOWER, forbidden=(f"{P}.services", f"{P}.ui", f"{P}.worker", f"{P}.commands")),
    Independent("ai/, ingest/, db/ are siblings",
                "ai/ has no ORM (DESIGN.md); the one edge, ingest/chunker.py -> ai/token_counter.py, is allowed",
                modules=LOWER, allowed=((f"{P}.ingest", f"{P}.ai"),)),
    AcyclicLayers("layers form no cycle", "a cycle makes two layers one: neither can be read or tested alone"),
)
CONTRACT = {contract.name: contract for contract in CONTRACTS}


@pytest.mark.parametrize("contract", CONTRACTS, ids=lambda c: c.name)
def test_the_package_keeps_the_contract(contract):
    broken = check(ROOT, P, [contract])
    assert not broken, f"{contract.reason}:\n" + "\n".join(map(str, broken))


@functools.cache
def _real_tree_violations() -> tuple:
    # Checked once for the whole tree; each module's test reads its own share.
    return tuple(check(ROOT, P, CONTRACTS))


@pytest.mark.parametrize("path", [p for p in SOURCES if PACKAGE in p.parents],
                         ids=lambda p: str(p.relative_to(PACKAGE)))
def test_each_module_keeps_every_contract(path):
    # The same rules, reported per file, so a failure names the module to fix at a glance.
    parts = path.relative_to(ROOT).with_suffix("").parts
    module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
    broken = [violation for violation in _real_tree_violations() if violation.importer == module]
    assert not broken, "\n".join(map(str, broken))


def test_every_allowed_sibling_edge_is_still_used():
    # Like import-linter's unmatched ignore_imports: an exception nobody needs should go from the table.
    seen = {(layer_of(i.importer, P), layer_of(i.imported, P)) for i in imports_of(ROOT, P)}
    allowed = [pair for contract in CONTRACTS if isinstance(contract, Independent) for pair in contract.allowed]
    unused = [pair for pair in allowed if (layer_of(pair[0], P), layer_of(pair[1], P)) not in seen]
    assert not unused, f"no module needs these any more, drop them from CONTRACTS: {unused}"


def test_the_reader_sees_every_layer_import_something():
    # Guards against a reader that finds nothing, so that every contract passes for no reason.
    importers = {layer_of(i.importer, P) for i in imports_of(ROOT, P) if i.imported.startswith(P + ".")}
    assert {"ui", "commands", "services", "worker", "ai", "ingest", "db", "runtime", "cli"} <= importers


def _scratch(tmp_path: Path, files: dict[str, str]) -> Path:
    """A fake studyteddy_desktop/ in tmp_path: every layer as an empty package, plus `files`."""
    package = tmp_path / P
    for layer in ("ai", "ingest", "db", "services/core", "ui", "worker/jobs", "commands", "domain", "runtime"):
        (package / layer).mkdir(parents=True)
    for relative, source in files.items():
        (package / relative).parent.mkdir(parents=True, exist_ok=True)
        (package / relative).write_text(textwrap.dedent(source), encoding="utf-8")
    for folder in [package, *(p for p in package.rglob("*") if p.is_dir())]:
        (folder / "__init__.py").touch()
    return tmp_path


def test_imports_are_read_in_every_form(tmp_path):
    root = _scratch(tmp_path, {
        "services/documents/library.py": "",
        "services/documents/__init__.py": "from . import library\n",
        "services/app_services.py": "", "services/core/events.py": "", "worker/queue.py": "", "config.py": "",
        "services/documents/search.py": """\
            from __future__ import annotations
            import os.path
            import studyteddy_desktop.db.models as models
            from typing import TYPE_CHECKING
            from . import library
            from .library import Library
            from .. import app_services
            from ..core.events import Event
            from ... import __version__, config
            from studyteddy_desktop.services import app_services

            if TYPE_CHECKING:
                from studyteddy_desktop.worker.queue import HueyJobQueue

            def later():
                import redis
            """})
    read = imports_of(root, P)
    search = {i.imported for i in read if i.importer == f"{P}.services.documents.search"}
    assert search == {"__future__", "os.path", "typing", f"{P}.db.models", f"{P}.services.documents.library",
                      f"{P}.services.app_services", f"{P}.services.core.events", P, f"{P}.config",
                      f"{P}.worker.queue", "redis"}
    # In a package's own __init__.py, `.` is that package, not its parent.
    assert {i.imported for i in read if i.importer == f"{P}.services.documents"} == {
        f"{P}.services.documents.library"}


def test_a_relative_import_above_the_package_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="beyond the top-level package"):
        imports_of(_scratch(tmp_path, {"config.py": "from .. import elsewhere\n"}), P)


def test_a_clean_scratch_tree_breaks_no_contract(tmp_path):
    root = _scratch(tmp_path, {
        "ui/pane.py": """\
            from typing import TYPE_CHECKING
            from PySide6.QtWidgets import QWidget
            from .. import __version__
            if TYPE_CHECKING:
                from studyteddy_desktop.services.app_services import AppServices
            """,
        "services/app_services.py": """\
            from ..domain.job_queue import JobQueue
            from studyteddy_desktop.db import repositories
            from studyteddy_desktop.runtime.paths import DataPaths
            from . import core
            """,
        "worker/queue.py": "import huey\nfrom studyteddy_desktop.domain.job_queue import JobQueue\n",
        "worker/jobs/tutor_job.py": """\
            from studyteddy_desktop.services import app_services
            def run():
                from studyteddy_desktop.ai import token_counter
            """,
        "ingest/chunker.py": "from ..ai.token_counter import count\n",
        "ai/token_counter.py": "from studyteddy_desktop.domain import errors\n",
        "db/repositories.py": "import sqlalchemy.orm\nfrom studyteddy_desktop.domain.enums import Status\n",
        "domain/job_queue.py": "from typing import Protocol\nfrom .enums import Status\n",
        "domain/enums.py": "", "domain/errors.py": "",
        "runtime/paths.py": "from studyteddy_desktop import config\n",
        "config.py": "import platformdirs\n",
        "assembly.py": "from .services.app_services import AppServices\nfrom .worker.queue import HueyJobQueue\n",
        "commands/doctor.py": "from studyteddy_desktop.assembly import build\n",
        "cli.py": "from studyteddy_desktop import ui\ndef main():\n    from .assembly import build\n",
    })
    assert check(root, P, CONTRACTS) == []


S, W = f"{P}.services", f"{P}.worker"
# Each case: a scratch tree with one deliberate violation, and exactly what the checker must report,
# as (contract, importer, imported, detail).
VIOLATIONS = {
    "Qt in services": ({"services/core/view.py": "from PySide6.QtCore import QObject\n"},
                       [("Qt stays in ui/", f"{S}.core.view", "PySide6.QtCore", "")]),
    "shiboken in the CLI": ({"cli.py": "import shiboken6\n"}, [("Qt stays in ui/", f"{P}.cli", "shiboken6", "")]),
    "ui takes db by name": ({"ui/pane.py": "from studyteddy_desktop import db\n"},
                            [("ui/ talks to services/", f"{P}.ui.pane", f"{P}.db", "")]),
    "ui imports huey": ({"ui/pane.py": "import huey.api\n"},
                        [("ui/ talks to services/", f"{P}.ui.pane", "huey.api", "")]),
    "services import the worker": (
        {"services/bad.py": "from studyteddy_desktop.worker.tasks import enqueue\n", "worker/tasks.py": ""},
        [("services/ do not know their callers", f"{S}.bad", f"{W}.tasks", "")]),
    "worker defers a ui import": (
        {"worker/jobs/job.py": "def run():\n    from studyteddy_desktop.ui import main_window\n",
         "ui/main_window.py": ""},
        [("worker/ sits beside ui/", f"{W}.jobs.job", f"{P}.ui.main_window", "")]),
    "worker imports commands relatively": (
        {"worker/tasks.py": "from ..commands import doctor\n", "commands/doctor.py": ""},
        [("worker/ sits beside ui/", f"{W}.tasks", f"{P}.commands.doctor", "")]),
    "domain imports services for typing": (
        {"domain/dto.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                          "    from studyteddy_desktop.services.app_services import AppServices\n",
         "services/app_services.py": ""},
        [("domain/ depends on nothing", f"{P}.domain.dto", f"{S}.app_services", "")]),
    "domain imports the package root": (
        {"domain/enums.py": "from .. import __version__\n"},
        [("domain/ depends on nothing", f"{P}.domain.enums", P, "")]),
    "db imports services dotted": (
        {"db/repo.py": "import studyteddy_desktop.services.app_services\n", "services/app_services.py": ""},
        [("ai/, ingest/, db/ sit below services/", f"{P}.db.repo", f"{S}.app_services", "")]),
    "ai imports ingest": (
        {"ai/embedder.py": "from studyteddy_desktop.ingest import chunker\n", "ingest/chunker.py": ""},
        [("ai/, ingest/, db/ are siblings", f"{P}.ai.embedder", f"{P}.ingest.chunker", "")]),
    "ingest imports db": (
        {"ingest/chunker.py": "from ..db import models\n"},
        [("ai/, ingest/, db/ are siblings", f"{P}.ingest.chunker", f"{P}.db", "")]),
    "services and runtime in a cycle": (
        {"services/core/health.py": "from studyteddy_desktop.runtime import paths\n",
         "runtime/paths.py": "def later():\n    from ..services import core\n"},
        [("layers form no cycle", f"{P}.runtime.paths", f"{S}.core", "cycle runtime -> services -> runtime"),
         ("layers form no cycle", f"{S}.core.health", f"{P}.runtime.paths",
          "cycle services -> runtime -> services")]),
    "config and runtime in a cycle": (
        {"config.py": "from studyteddy_desktop.runtime.paths import DataPaths\n",
         "runtime/paths.py": "from .. import config\n"},
        [("layers form no cycle", f"{P}.config", f"{P}.runtime.paths", "cycle config -> runtime -> config"),
         ("layers form no cycle", f"{P}.runtime.paths", f"{P}.config", "cycle runtime -> config -> runtime")]),
}


@pytest.mark.parametrize("files, expected", VIOLATIONS.values(), ids=VIOLATIONS.keys())
def test_the_checker_reports_exactly_the_deliberate_violation(tmp_path, files, expected):
    found = check(_scratch(tmp_path, files), P, CONTRACTS)
    assert sorted((v.contract, v.importer, v.imported, v.detail) for v in found) == sorted(expected)


def test_every_contract_has_a_deliberate_violation():
    # A contract no scratch tree breaks might be one that can never fail.
    broken = {contract for _, expected in VIOLATIONS.values() for contract, *_ in expected}
    assert broken == set(CONTRACT)


def test_a_violation_names_the_module_the_import_and_the_contract(tmp_path):
    files, _ = VIOLATIONS["services import the worker"]
    [violation] = check(_scratch(tmp_path, files), P, CONTRACTS)
    assert str(violation) == (f"{P}/services/bad.py:1: {S}.bad imports {W}.tasks, "
                              "breaking 'services/ do not know their callers'")


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
