"""The carepath language: grammar, parser, AST, source spans, diagnostics, formatter.

This package depends only on the standard library and lark.
"""
