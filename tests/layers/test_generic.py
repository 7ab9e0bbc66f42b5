"""The core is generic: nothing in layers/ names a declared layer.

layers/registry.py promises that everything loops over the registry. A layer
id written in the core (a table name in SQL, a special case in a function)
means a service's logic has crept into the core: it belongs in
services/<name>/queries.py or in the layer's declaration.
"""

from __future__ import annotations

import ast
from pathlib import Path

from config.settings import PROJECT_ROOT
from layers.registry import get_registry

LAYERS_DIR = PROJECT_ROOT / "layers"


def _string_literals(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)]


def test_no_declared_layer_id_is_a_string_in_the_core() -> None:
    ids = set(get_registry().ids)
    sources = sorted(LAYERS_DIR.rglob("*.py"))
    assert len(sources) > 10  # the walk found the core
    named = [f"{path.relative_to(LAYERS_DIR.parent)}:{line} {value!r}"
             for path in sources for line, value in _string_literals(path) if value in ids]
    assert named == []


def test_the_check_sees_a_layer_named_in_code(tmp_path: Path) -> None:
    # The same walk over a module that names a layer, so the check above can fail.
    sample = tmp_path / "sample.py"
    sample.write_text('TABLE = "kelurahan"\n')
    assert (1, "kelurahan") in _string_literals(sample)
