"""Every diagnostic code carepath can report, from every area's registry module.

Each area registers its codes in its own module (CP0xx in ``dsl/codes.py``, CP1xx in
``compiler/codes.py``, …). Importing a module registers its codes; ``all_codes``
imports every one that exists, so the documentation covers the whole range.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping

from carepath.dsl.diagnostics import Code, registered_codes

# In code order. A module that is not written yet is skipped, not an error.
CODE_MODULES = (
    "carepath.dsl.codes",
    "carepath.compiler.codes",
    "carepath.compiler.checks.codes_structure",
    "carepath.compiler.checks.codes_logic",
    "carepath.compiler.codes_eval",
    "carepath.render.codes",
    "carepath.compiler.audit.codes",
)


def load_code_modules() -> list[str]:
    """Import every registry module that exists; the names of those imported."""
    loaded: list[str] = []
    for name in CODE_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name == name:
                continue
            raise
        loaded.append(name)
    return loaded


def all_codes() -> Mapping[str, Code]:
    """Every registered code, sorted by code."""
    load_code_modules()
    return registered_codes()


def by_category(codes: Mapping[str, Code]) -> dict[str, list[Code]]:
    """Codes grouped by category; categories in the order of their first code."""
    groups: dict[str, list[Code]] = {}
    for code in sorted(codes):
        entry = codes[code]
        groups.setdefault(entry.category, []).append(entry)
    return groups
