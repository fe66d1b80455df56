"""The import rules between the tracker's layers, read from the source (every import, including those inside
functions and under ``if TYPE_CHECKING:``), never by importing it.

Each test is self-contained: it names the modules it reads and the imports it refuses."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _imported_names(path: Path, module: str) -> list[tuple[int, str]]:
    """(line, dotted name) of everything ``path`` (the module ``module``) imports, anywhere in it: ``import a.b``
    gives a.b; ``from a import b`` gives a and a.b (b may be a submodule); relative imports are resolved; so are
    ``importlib.import_module("a.b")`` and ``__import__("a.b")`` with a literal name."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            names.append((node.lineno, base))
            names.extend((node.lineno, f"{base}.{alias.name}") for alias in node.names)
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if called in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                names.append((node.lineno, node.args[0].value))
    return names


def _within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_the_import_reader_sees_imports_inside_functions_and_relative_ones(tmp_path):
    module = tmp_path / "sample.py"
    module.write_text(
        "import os\n"
        "def f():\n"
        "    from tracker.services.outcomes import register_until_of\n"
        "    from . import cases\n"
        "    import importlib\n"
        "    importlib.import_module('tracker.web.labels')\n",
        encoding="utf-8",
    )
    names = {name for _line, name in _imported_names(module, "tracker.models.sample")}
    assert {"os", "tracker.services.outcomes", "tracker.services.outcomes.register_until_of",
            "tracker.models.cases", "tracker.web.labels"} <= names


def test_no_model_imports_a_service_a_face_or_the_cli():
    """Models hold data: they import the domain, the extensions and each other, never the services, the web
    pages, the API or the command line (tracker.services.keepers keeps the derived tables)."""
    forbidden = ("tracker.services", "tracker.web", "tracker.api", "tracker.cli", "tracker.seed")
    models = sorted((ROOT / "tracker" / "models").rglob("*.py"))
    assert models
    offences = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in models
        for line, name in _imported_names(path, _module_name(path))
        if _within(name, forbidden)
    ]
    assert offences == []


def test_no_migration_runs_the_live_models_or_services():
    """A migration does tomorrow what it does today: it runs its own frozen copy of any code it needs
    (migrations/frozen/), never the app's live models, services, faces or commands, and the frozen copies
    import nothing of the tracker at all."""
    live = ("tracker.models", "tracker.services", "tracker.web", "tracker.api", "tracker.cli", "tracker.seed")
    migrations = ROOT / "migrations"
    files = sorted(migrations.rglob("*.py"))
    assert any(path.parent.name == "versions" for path in files)
    offences = []
    for path in files:
        frozen = "frozen" in path.relative_to(migrations).parts
        for line, name in _imported_names(path, "migrations." + _module_name(path).removeprefix("migrations.")):
            if _within(name, ("tracker",) if frozen else live):
                offences.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    assert offences == []
