"""The two faces do not import each other: the web pages (tracker.web) and the JSON API (tracker.api) share only
what lies below them (services, models, domain) and the extension objects of tracker.extensions, which imports no
layer above the models. Services never read the request. Checked over the source with ast, imports inside
functions included (issue 16: domain <- models <- services <- web, api, cli)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "tracker"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(source: str, module: str, is_package: bool = False) -> set[str]:
    """Every name ``module`` imports, anywhere in it: ``a.b`` for ``import a.b``, ``a.b.c`` for ``from a.b import c``
    (relative imports resolved), and ``flask.request`` for ``flask.request`` reached through ``import flask``."""
    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()
    aliases: dict[str, str] = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.add(alias.name)
                aliases[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            found.add(origin)
            found.update(f"{origin}.{alias.name}" for alias in node.names)
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases:
            found.add(f"{aliases[node.value.id]}.{node.attr}")
    return found


def within(name: str, prefix: str) -> bool:
    """``tracker.api.core.problem`` is within ``tracker.api``; ``tracker.apiary`` is not."""
    return name == prefix or name.startswith(prefix + ".")


def offences(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    root = PACKAGE / folder if folder else PACKAGE
    paths = sorted(root.rglob("*.py")) if root.is_dir() else [root.with_suffix(".py")]
    found = []
    for path in paths:
        module = module_name(path)
        for name in sorted(imports(path.read_text(encoding="utf-8"), module, path.name == "__init__.py")):
            found += [f"{module} imports {name}" for target in forbidden if within(name, target)]
    return found


def test_the_pages_do_not_import_the_api():
    assert offences("web", ("tracker.api",)) == []


def test_the_api_does_not_import_the_pages():
    assert offences("api", ("tracker.web",)) == []


def test_the_extensions_import_no_layer_above_the_models():
    assert offences("extensions", ("tracker.services", "tracker.api", "tracker.web")) == []


def test_services_import_neither_face_nor_the_request():
    assert offences("services", ("tracker.web", "tracker.api", "flask.request", "flask.globals.request")) == []


@pytest.mark.parametrize("source, module, expected", [
    ("from tracker.api.core import problem", "tracker.web.errors", "tracker.api.core.problem"),
    ("def late():\n    from tracker.api import cases\n", "tracker.web.x", "tracker.api.cases"),
    ("from ..api import core", "tracker.web.errors", "tracker.api.core"),
    ("from ...api.core import problem", "tracker.web.exports.pack", "tracker.api.core.problem"),
    ("from tracker import api", "tracker.web.x", "tracker.api"),
    ("import tracker.web.access as access", "tracker.api.core", "tracker.web.access"),
    ("import flask\nflask.request.path", "tracker.services.x", "flask.request"),
    ("from flask import request as r", "tracker.services.x", "flask.request"),
])
def test_the_check_sees_every_form_of_import(source, module, expected):
    assert expected in imports(source, module)


def test_the_check_reads_every_module():
    assert {"tracker.web.errors", "tracker.api.core", "tracker.services.scope"} <= {
        module_name(path) for path in PACKAGE.rglob("*.py")
    }
