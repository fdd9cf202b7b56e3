"""The Examples sections of the analytics docstrings run and hold."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "greenloop.analytics.lake",
    "greenloop.analytics.engine",
    "greenloop.analytics.air",
    "greenloop.analytics.evaluate",
]


@pytest.mark.parametrize("name", MODULES)
def test_the_docstring_examples_of_each_module_pass(name: str) -> None:
    module = importlib.import_module(name)

    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)

    assert result.attempted > 0
    assert result.failed == 0
