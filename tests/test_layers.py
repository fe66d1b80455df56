"""The import rules between the tracker's layers, read from the source (every import, including those inside
functions and under ``if TYPE_CHECKING:``), never by importing it.

Each test is self-contained: it names the modules it reads and the imports it refuses."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _imported_names(path: Path, module: str, tree: ast.AST | None = None) -> list[tuple[int, str]]:
    """(line, dotted name) of everything ``path`` (the module ``module``) imports, anywhere in it: ``import a.b``
    gives a.b; ``from a import b`` gives a and a.b (b may be a submodule); relative imports are resolved; so are
    ``importlib.import_module("a.b")`` and ``__import__("a.b")`` with a literal name. ``tree``: the module's
    syntax tree when the caller has already parsed (and pruned) it."""
    tree = tree or ast.parse(path.read_text(encoding="utf-8"), str(path))
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


LAYERS = ("tracker.domain", "tracker.models", "tracker.services", "tracker.web", "tracker.api", "tracker.cli")


def _tracker_modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted((ROOT / "tracker").rglob("*.py"))}


def test_the_domain_imports_no_other_layer_nor_the_web_framework():
    """Pure legal rules: the domain imports only itself and plain libraries (Babel for formatting), never the
    models, services, faces, extensions or seed data, nor Flask, SQLAlchemy or Werkzeug."""
    forbidden = ("tracker.models", "tracker.services", "tracker.web", "tracker.api", "tracker.cli", "tracker.seed",
                 "tracker.extensions", "tracker.config", "flask", "flask_babel", "flask_login", "flask_wtf",
                 "sqlalchemy", "werkzeug", "jinja2")
    offences = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for module, path in _tracker_modules().items() if _within(module, ("tracker.domain",))
        for line, name in _imported_names(path, module)
        if _within(name, forbidden)
    ]
    assert offences == []


def test_every_import_goes_down_the_layers():
    """domain ← models ← services ← (web, api, cli): a module imports its own layer or the ones below, and the
    two faces and the command line never import each other."""
    rank = {"tracker.domain": 0, "tracker.models": 1, "tracker.services": 2,
            "tracker.web": 3, "tracker.api": 3, "tracker.cli": 3}
    offences = []
    for module, path in _tracker_modules().items():
        mine = next((layer for layer in LAYERS if _within(module, (layer,))), None)
        if mine is None:
            continue
        for line, name in _imported_names(path, module):
            theirs = next((layer for layer in LAYERS if _within(name, (layer,))), None)
            if theirs is None or theirs == mine:
                continue
            if rank[theirs] > rank[mine] or rank[theirs] == rank[mine] == 3:
                offences.append(f"{path.relative_to(ROOT)}:{line} ({mine}) imports {name}")
    assert offences == []


def _runtime_imports(path: Path, module: str) -> set[str]:
    """The tracker modules ``path`` imports when it runs (imports under ``if TYPE_CHECKING:`` are for type
    checkers only)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            node.body = [ast.Pass()]
    return {name for _line, name in _imported_names(path, module, tree)}


def test_the_tracker_has_no_import_cycle():
    """No module imports, however indirectly, one that imports it back (TYPE_CHECKING imports aside)."""
    modules = _tracker_modules()
    graph = {module: {name for name in _runtime_imports(path, module) if name in modules and name != module}
             for module, path in modules.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(module: str) -> None:  # Tarjan's strongly connected components
        index[module] = low[module] = len(index)
        stack.append(module)
        for other in graph[module]:
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in graph:
        if module not in index:
            visit(module)
    assert cycles == []
