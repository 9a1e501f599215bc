"""carepath: clinical care pathways as code.

The public API::

    import carepath
    loaded = carepath.load("pathways/chronic_osteoporotic_vcf.cpath")
    report = carepath.check("pathways/chronic_osteoporotic_vcf.cpath")

Heavy modules load on first use so that the command line starts fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from carepath.compiler.pathway import Loaded

__all__ = ["check", "load", "load_text"]


def load(path: str) -> Loaded:
    """Parse and resolve one pathway file (see :class:`carepath.compiler.pathway.Loaded`)."""
    from carepath.compiler.pathway import load as _load

    return _load(path)


def load_text(text: str, file: str = "<text>") -> Loaded:
    from carepath.compiler.pathway import load_text as _load_text

    return _load_text(text, file)


def check(path: str) -> Loaded:
    """Load a pathway and run every soundness check; all findings are in ``.diagnostics``."""
    from carepath.compiler.check import check_file

    return check_file(path)


def __getattr__(name: str) -> Any:
    if name == "evaluate":
        from carepath.compiler.evaluate import evaluate

        return evaluate
    raise AttributeError(name)
