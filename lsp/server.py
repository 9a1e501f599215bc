"""``carepath lsp``: the language server, over stdio (pygls on lsprotocol).

Every answer comes from the engines the command line uses: diagnostics from
:func:`carepath.findings.check_one` (the codes, messages and witnesses of
``carepath check``, kept in the result cache), formatting from ``carepath fmt``,
names from the parser's AST (the partial one on a half-typed file). The handlers
here only translate between the protocol and those engines (dsl spans count
from 1 in characters, LSP from 0 in UTF-16 units; see convert.py).

Checking runs in one worker thread so that the editor's other requests are
answered while a file is checked; an edit made while a check is waiting
replaces it (debounced), so a fast typist gets the findings of what they typed
last, not of every keystroke.
"""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from carepath.cache import ResultCache
from carepath.dsl import ast
from carepath.dsl.diagnostics import Diagnostic
from carepath.version import __version__

from . import actions, complete, convert, hover, symbols

# An edit waits this long for the next keystroke before it is checked.
DEBOUNCE_SECONDS = 0.05

_COMPLETION_KIND = {
    "node": types.CompletionItemKind.Class,
    "input": types.CompletionItemKind.Variable,
    "derived value": types.CompletionItemKind.Function,
    "enumeration value": types.CompletionItemKind.EnumMember,
    "reference": types.CompletionItemKind.Reference,
    "unit": types.CompletionItemKind.Unit,
    "keyword": types.CompletionItemKind.Keyword,
}
_SYMBOL_KIND = {
    symbols.Kind.INPUT: types.SymbolKind.Variable,
    symbols.Kind.DEFINE: types.SymbolKind.Function,
    symbols.Kind.REFERENCE: types.SymbolKind.Key,
    symbols.Kind.VALUE: types.SymbolKind.EnumMember,
}


@dataclass
class _Document:
    """What the server last worked out for one open document."""

    diagnostics: tuple[Diagnostic, ...] = ()
    checked_text: str | None = None  # the text ``diagnostics`` are the findings of
    pending: asyncio.Task[None] | None = None
    index: symbols.Index | None = None


class CarepathServer(LanguageServer):
    def __init__(self, cache: ResultCache | None) -> None:
        super().__init__("carepath", __version__)
        self.result_cache = cache
        self.documents: dict[str, _Document] = {}
        self.checker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="carepath-check")

    # ------------------------------------------------------------ helpers
    def text(self, uri: str) -> str:
        return self.workspace.get_text_document(uri).source

    def file_name(self, uri: str) -> str:
        return to_fs_path(uri) or uri

    def lines(self, text: str) -> convert.Lines:
        encoding = self.workspace.position_encoding or "utf-16"
        return convert.Lines(text, str(encoding))

    def index(self, uri: str) -> symbols.Index:
        text = self.text(uri)
        document = self.documents.setdefault(uri, _Document())
        if document.index is None or document.index.text != text:
            document.index = symbols.index(text, self.file_name(uri))
        return document.index

    def at(
        self, uri: str, position: types.Position
    ) -> tuple[symbols.Index, convert.Lines, symbols.Occurrence | None]:
        """The document's names, its lines, and the name under ``position`` if any."""
        found = self.index(uri)
        lines = self.lines(found.text)
        return found, lines, found.at(*lines.from_position(position))

    def check(self, text: str, file: str) -> tuple[Diagnostic, ...]:
        """``carepath check``'s findings for the text, from the cache when it has them."""
        from carepath.findings import check_cached

        return check_cached(text, file, self.result_cache)

    async def publish(self, uri: str, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        text = self.text(uri)
        file = self.file_name(uri)
        loop = asyncio.get_running_loop()
        found = await loop.run_in_executor(self.checker, self.check, text, file)
        if self.text(uri) != text:
            return  # edited meanwhile: that edit's check will publish
        document = self.documents.setdefault(uri, _Document())
        document.diagnostics, document.checked_text = found, text
        lines = self.lines(text)
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(
                uri=uri,
                diagnostics=[convert.diagnostic(d, lines, uri) for d in found],
                version=self.workspace.get_text_document(uri).version,
            )
        )

    def schedule(self, uri: str, delay: float) -> None:
        document = self.documents.setdefault(uri, _Document())
        if document.pending is not None:
            document.pending.cancel()
        document.pending = asyncio.ensure_future(self.publish(uri, delay))


def build(cache: ResultCache | None = None) -> CarepathServer:
    server = CarepathServer(cache)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: CarepathServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: CarepathServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, DEBOUNCE_SECONDS)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: CarepathServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: CarepathServer, params: types.DidCloseTextDocumentParams) -> None:
        document = ls.documents.pop(params.text_document.uri, None)
        if document is not None and document.pending is not None:
            document.pending.cancel()
        ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[])
        )

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def on_hover(ls: CarepathServer, params: types.HoverParams) -> types.Hover | None:
        found, lines, occurrence = ls.at(params.text_document.uri, params.position)
        if occurrence is None:
            return None
        shown = hover.hover_text(found, occurrence)
        if shown is None:
            return None
        return types.Hover(
            contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=shown),
            range=lines.range(occurrence.span),
        )

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    def on_definition(ls: CarepathServer, params: types.DefinitionParams) -> types.Location | None:
        uri = params.text_document.uri
        found = ls.index(uri)
        lines = ls.lines(found.text)
        declared = hover.declared_at(found, *lines.from_position(params.position))
        if declared is None:
            return None
        return types.Location(uri, lines.range(declared.span))

    @server.feature(types.TEXT_DOCUMENT_REFERENCES)
    def on_references(
        ls: CarepathServer, params: types.ReferenceParams
    ) -> list[types.Location] | None:
        uri = params.text_document.uri
        found, lines, occurrence = ls.at(uri, params.position)
        if occurrence is None:
            return None
        uses = found.uses_of(occurrence.kind, occurrence.name, occurrence.owner)
        if not params.context.include_declaration:
            uses = [o for o in uses if not o.declaration]
        return [types.Location(uri, lines.range(o.span)) for o in uses]

    @server.feature(types.TEXT_DOCUMENT_PREPARE_RENAME)
    def on_prepare_rename(
        ls: CarepathServer, params: types.PrepareRenameParams
    ) -> types.PrepareRenamePlaceholder | None:
        found, lines, occurrence = ls.at(params.text_document.uri, params.position)
        if occurrence is None or occurrence.kind is symbols.Kind.VALUE:
            return None
        if found.declaration(occurrence.kind, occurrence.name) is None:
            return None
        return types.PrepareRenamePlaceholder(lines.range(occurrence.span), occurrence.name)

    @server.feature(types.TEXT_DOCUMENT_RENAME)
    def on_rename(ls: CarepathServer, params: types.RenameParams) -> types.WorkspaceEdit | None:
        uri = params.text_document.uri
        found, lines, occurrence = ls.at(uri, params.position)
        if occurrence is None or occurrence.kind is symbols.Kind.VALUE:
            return None
        declared = found.declaration(occurrence.kind, occurrence.name)
        if declared is None:
            return None
        _refuse_new_name(found, declared, params.new_name)
        edits = [
            types.TextEdit(lines.range(o.span), params.new_name)
            for o in found.uses_of(declared.kind, declared.name)
        ]
        return types.WorkspaceEdit(changes={uri: edits})

    @server.feature(
        types.TEXT_DOCUMENT_COMPLETION,
        types.CompletionOptions(trigger_characters=[">", " ", "{", ",", "="]),
    )
    def on_completion(ls: CarepathServer, params: types.CompletionParams) -> types.CompletionList:
        found = ls.index(params.text_document.uri)
        lines = ls.lines(found.text)
        line, column = lines.from_position(params.position)
        before = lines.line(line)[: column - 1]
        items = [
            types.CompletionItem(
                label=c.label,
                kind=_COMPLETION_KIND.get(c.kind, types.CompletionItemKind.Text),
                detail=c.detail or c.kind,
            )
            for c in complete.complete(found, before)
        ]
        return types.CompletionList(is_incomplete=False, items=items)

    @server.feature(types.TEXT_DOCUMENT_FORMATTING)
    def on_formatting(
        ls: CarepathServer, params: types.DocumentFormattingParams
    ) -> list[types.TextEdit] | None:
        from carepath.dsl.formatter import FormatRefused, format_source

        uri = params.text_document.uri
        text = ls.text(uri)
        try:
            formatted = format_source(text, ls.file_name(uri))
        except FormatRefused:
            return None  # the diagnostics already say why (syntax errors)
        if formatted == text:
            return []
        lines = ls.lines(text)
        whole = types.Range(
            types.Position(0, 0), lines.position(len(lines.lines), len(lines.lines[-1]) + 1)
        )
        return [types.TextEdit(whole, formatted)]

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
    )
    def on_code_action(
        ls: CarepathServer, params: types.CodeActionParams
    ) -> list[types.CodeAction]:
        uri = params.text_document.uri
        found = ls.index(uri)
        document = ls.documents.get(uri)
        if document is None or document.checked_text != found.text:
            return []  # the findings are of an older text: their places may have moved
        lines = ls.lines(found.text)
        wanted = params.range
        file = ls.file_name(uri)
        out: list[types.CodeAction] = []
        for d in document.diagnostics:
            shown = lines.range(d.span)
            if shown.end.line < wanted.start.line or shown.start.line > wanted.end.line:
                continue
            for fix in actions.fixes(found, d, lambda text: ls.check(text, file)):
                out.append(
                    types.CodeAction(
                        title=fix.title,
                        kind=types.CodeActionKind.QuickFix,
                        diagnostics=[convert.diagnostic(d, lines, uri)],
                        is_preferred=fix.preferred or None,
                        edit=types.WorkspaceEdit(
                            changes={uri: [types.TextEdit(lines.range(fix.span), fix.text)]}
                        ),
                    )
                )
        return out

    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def on_document_symbol(
        ls: CarepathServer, params: types.DocumentSymbolParams
    ) -> list[types.DocumentSymbol]:
        found = ls.index(params.text_document.uri)
        return _outline(found, ls.lines(found.text))

    return server


def _outline(found: symbols.Index, lines: convert.Lines) -> list[types.DocumentSymbol]:
    """The file's declarations in the order written: references, inputs (with their
    values), defines, nodes, and the cases."""
    pathway = found.pathway
    if pathway is None:
        return []
    by_node = {id(d.node): d for d in found.declared if d.kind is not symbols.Kind.VALUE}
    out: list[types.DocumentSymbol] = []
    for item in pathway.order:
        span = getattr(item, "span", None)
        if span is None:
            continue
        if isinstance(item, ast.Case):
            out.append(
                types.DocumentSymbol(
                    name=f"case {item.name}",
                    kind=types.SymbolKind.Event,
                    range=lines.range(span),
                    selection_range=lines.range(span._replace(end_line=span.line)),
                )
            )
            continue
        declared = by_node.get(id(item))
        if declared is None:
            continue
        children = [
            types.DocumentSymbol(
                name=value.name,
                kind=types.SymbolKind.EnumMember,
                range=lines.range(value.span),
                selection_range=lines.range(value.span),
            )
            for value in found.names(symbols.Kind.VALUE)
            if value.node is item
        ]
        kind = _SYMBOL_KIND.get(declared.kind, types.SymbolKind.Class)
        detail = getattr(item, "label", None) or getattr(item, "title", None) or None
        if isinstance(item, ast.Node):
            detail = f"{type(item).__name__.lower()}: {item.label}" if item.label else None
            kind = _NODE_KIND[type(item)]
        out.append(
            types.DocumentSymbol(
                name=declared.name,
                detail=detail,
                kind=kind,
                range=lines.range(span),
                selection_range=lines.range(declared.span),
                children=children or None,
            )
        )
    return out


_NODE_KIND = {
    ast.Decision: types.SymbolKind.Enum,
    ast.Action: types.SymbolKind.Method,
    ast.End: types.SymbolKind.Constant,
}


def _refuse_new_name(found: symbols.Index, declared: symbols.Declared, new_name: str) -> None:
    """A new name must be a name the language reads, not a keyword, and not the name
    of another thing it would then be mistaken for."""
    if not symbols.NAME.fullmatch(new_name):
        raise JsonRpcInvalidParams(
            f"`{new_name}` is not a name: use letters, digits and _ (not first a digit)"
        )
    if new_name in keywords():
        raise JsonRpcInvalidParams(f"`{new_name}` is a keyword of the pathway language")
    for other in found.declared:
        if other.name == new_name and other.kind.namespace == declared.kind.namespace:
            raise JsonRpcInvalidParams(f"there is already a {other.kind.value} `{new_name}`")


@cache
def keywords() -> frozenset[str]:
    """Every word the grammar reserves (``when``, ``otherwise``, ``known`` …)."""
    from carepath.dsl.parser import _reader

    words: set[str] = set()
    for terminal in _reader().lark.terminals:
        pattern = terminal.pattern
        if pattern.type == "str" and symbols.NAME.fullmatch(pattern.value):
            words.add(pattern.value)
        elif pattern.type == "re" and terminal.name not in _NOT_KEYWORDS:
            words.update(re.findall(r"[a-z]{2,}", pattern.value))
    return frozenset(words | {"true", "false"})  # names, but they mean yes and no


# Terminals that are patterns, not keywords (the rest are keywords in alternatives,
# such as POLICY's first|unique).
_NOT_KEYWORDS = {"NAME", "UNIT", "NUMBER", "INT", "DATE", "STRING", "COMMENT", "_NL"}


def serve(cache: ResultCache | None) -> None:
    build(cache).start_io()
