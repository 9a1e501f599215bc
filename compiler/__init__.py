"""From the AST to a checked decision graph: names, types, units, graph, checks, evaluation."""
