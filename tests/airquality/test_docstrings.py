"""The Examples sections of the kernel's docstrings run and hold."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "greenloop.airquality",
    "greenloop.airquality._fixed",
    "greenloop.airquality.rulesets",
    "greenloop.airquality.iaqi",
    "greenloop.airquality.aqi",
    "greenloop.airquality.validity",
    "greenloop.airquality.evaluation",
]


@pytest.mark.parametrize("name", MODULES)
def test_the_docstring_examples_of_each_module_pass(name: str) -> None:
    module = importlib.import_module(name)

    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)

    assert result.attempted > 0
    assert result.failed == 0
