"""The ``Examples`` sections of the kernel's docstrings run and hold."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import greenloop.hj212

MODULES = sorted(m.name for m in pkgutil.iter_modules(greenloop.hj212.__path__, "greenloop.hj212."))


@pytest.mark.parametrize("name", MODULES)
def test_the_docstring_examples_of_each_module_pass(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)

    assert result.failed == 0


def test_no_kernel_module_imports_django() -> None:
    import ast
    from pathlib import Path

    for path in Path(greenloop.hj212.__path__[0]).glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        } | {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}

        assert not any(name.split(".")[0] == "django" for name in imported), path.name
