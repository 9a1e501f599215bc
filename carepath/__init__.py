"""carepath: clinical care pathways as code.

The public API (documented in docs/api.md)::

    import carepath
    loaded = carepath.check("pathways/chronic_osteoporotic_vcf.cpath")
    result = carepath.evaluate(loaded, {"fracture_age": "10 weeks", "neuro_deficit": False})
    result.status, result.outcome, [r.text for r in result.recommendations]

Heavy modules load on first use so that the command line starts fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from carepath.version import __version__ as __version__

if TYPE_CHECKING:
    from carepath.api import (
        CarepathError,
        PathwayError,
        RecordError,
        check,
        evaluate,
        load,
        load_text,
    )

__all__ = [
    "CarepathError",
    "PathwayError",
    "RecordError",
    "check",
    "evaluate",
    "load",
    "load_text",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from carepath import api

        return getattr(api, name)
    raise AttributeError(f"module 'carepath' has no attribute {name!r}")
