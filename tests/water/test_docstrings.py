"""The Examples sections of the water kernel's docstrings run as written."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "greenloop.water",
    "greenloop.water._basin",
    "greenloop.water._classes",
    "greenloop.water._classify",
    "greenloop.water._cwqi",
    "greenloop.water._numeric",
    "greenloop.water._standards",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_give_the_results_they_show(name: str) -> None:
    module = importlib.import_module(name)

    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE, verbose=False)

    assert result.attempted > 0
    assert result.failed == 0
