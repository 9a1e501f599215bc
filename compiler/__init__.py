"""From the AST to a checked decision graph: names, types, units, graph, checks, evaluation.

The IR, name resolution and the graph are compiled to C by ``make native``, with
the logic checks (``carepath.dsl.native.COMPILER_MODULES``); the build sits in
``_compiled/`` and is put first on this package's path only while it was built
from the current sources. Otherwise, or with ``CAREPATH_PURE_PYTHON=1``, the
Python modules run, with the same results.
"""

from __future__ import annotations

from carepath.dsl.native import compiled_path

__path__ = [*compiled_path(__name__), *__path__]
