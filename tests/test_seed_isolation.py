"""Seed data stays out of the product: only the command line imports ``tracker.seed`` (issue 16, part 6)."""
from __future__ import annotations

import ast
from pathlib import Path

import tracker

PACKAGE = Path(tracker.__file__).parent
ALLOWED = {"cli.py"}  # the seed-demo and seed-scale commands (relative to tracker/); tests and bench/ may too


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level > 0:  # from ..seed import demo, from .. import seed
            module = "tracker." + (node.module or "")
            names.update({module.rstrip("."), *(f"{module.rstrip('.')}.{alias.name}" for alias in node.names)})
    return names


def test_no_product_module_imports_the_seed_package():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] == "seed" or relative.as_posix() in ALLOWED:
            continue
        if any(name == "tracker.seed" or name.startswith("tracker.seed.") for name in _imports(path)):
            offenders.append(relative.as_posix())
    assert not offenders, f"product modules importing tracker.seed: {offenders}"


def test_the_seed_generators_live_in_the_seed_package():
    for old in ("services/demo.py", "services/scale.py", "domain/scale.py"):
        assert not (PACKAGE / old).exists(), f"tracker/{old} belongs in tracker/seed/"
    for new in ("demo.py", "scale.py", "names.py"):
        assert (PACKAGE / "seed" / new).is_file()
