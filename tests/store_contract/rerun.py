"""Collect another test module's tests (and its folder's fixtures) again here, so they run on PostgreSQL too."""

from __future__ import annotations

import importlib
from collections.abc import Collection
from typing import Any


def collected_from(module_names: Collection[str], *, skip: Collection[str] = (),
                   overrides: Collection[str] = ()) -> dict[str, Any]:
    """Every `test_*` function and fixture of the modules, for a contract module's globals().

    Names are one namespace here: a second module defining a fixture or test of the same name
    would silently replace the first one for every test, so that raises unless the name is
    in `overrides` (then the later module's wins, as its own folder's conftest would let it)."""
    found: dict[str, Any] = {}
    for name in module_names:
        module = importlib.import_module(name)
        for attr, value in vars(module).items():
            if attr in skip:
                continue
            wanted = (attr.startswith("test_") and callable(value)
                      or type(value).__name__ == "FixtureFunctionDefinition")  # pytest 8.4+: what @pytest.fixture returns
            if not wanted:
                continue
            if attr in found and found[attr] is not value and attr not in overrides:
                raise ValueError(f"{name}.{attr} would replace another module's {attr}; rerun them apart")
            found[attr] = value
    return found
