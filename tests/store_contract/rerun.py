"""Collect another test module's tests (and its folder's fixtures) again here, so they run on PostgreSQL too."""

from __future__ import annotations

import importlib
from collections.abc import Collection
from typing import Any


def collected_from(module_names: Collection[str], *, skip: Collection[str] = ()) -> dict[str, Any]:
    """Every `test_*` function and fixture of the modules, for a contract module's globals()."""
    found: dict[str, Any] = {}
    for name in module_names:
        module = importlib.import_module(name)
        for attr, value in vars(module).items():
            if attr in skip:
                continue
            if attr.startswith("test_") and callable(value):
                found[attr] = value
            elif type(value).__name__ == "FixtureFunctionDefinition":  # pytest 8.4+: what @pytest.fixture returns
                found[attr] = value
    return found
