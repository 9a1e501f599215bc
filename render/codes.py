"""Diagnostic codes of rendering (CP5xx): drawing flowcharts and building pages."""

from __future__ import annotations

from carepath.dsl.diagnostics import Severity, register

_RENDER = "rendering"

register(
    "CP501",
    Severity.ERROR,
    "Graphviz is not installed",
    category=_RENDER,
    explanation="""
Drawing a flowchart as SVG, PNG or PDF (and building HTML pages, which embed
the SVG) runs Graphviz's `dot` program, and no `dot` was found on the PATH.
Install Graphviz (`apt-get install graphviz` on Debian), or ask for the DOT
text (`-f dot`) or Mermaid (`-f mermaid`), which need no Graphviz.""",
    bad="""
carepath render pathway.cpath -f svg -o pathway.svg   # no `dot` on PATH
""",
    fixed="""
carepath render pathway.cpath -f dot -o pathway.dot   # or install graphviz
""",
)

register(
    "CP502",
    Severity.ERROR,
    "Graphviz failed to draw the flowchart",
    category=_RENDER,
    explanation="""
`dot` exited with an error (or took too long) on the DOT text carepath made.
This is a bug in carepath or in Graphviz, not in the pathway: the message shows
what `dot` printed. `-f dot` writes the DOT text so it can be inspected.""",
    bad="""
carepath render pathway.cpath -f png -o pathway.png   # dot crashed
""",
    fixed="""
carepath render pathway.cpath -f dot -o pathway.dot   # inspect, then report the bug
""",
)
