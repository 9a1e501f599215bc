"""The language server end to end: `carepath lsp` started as an editor starts it, a
real LSP client (pytest-lsp) talking to it over stdio."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from carepath.compiler.check import check_text
from carepath.dsl.formatter import format_source

pytestmark = pytest.mark.asyncio(loop_scope="module")

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "pathways" / "chronic_osteoporotic_vcf.cpath"

PATHWAY = """pathway lsp_demo "LSP demo"
reference nice "Low back pain guideline" year 2020 publisher "NICE"
input age: integer years 0..120 "Age at the visit"
input pain: one of mild, severe
define elderly = age >= 65 years "Older adult"
start triage
decision triage "How old, how bad?"
  when elderly and pain == severe -> refer
  otherwise -> rest
action refer "Refer"
  recommend "Refer to a spine surgeon" cite nice
  next done
end rest "Rest"
end done "Done"
case "old with severe pain"
  given age = 70 years, pain = severe
  expect path triage, refer, done
"""

GAP = """pathway gap "Gap"
input age: integer years 0..120
input pain: one of mild, severe
start d
decision d "Which?"
  when age < 50 years and pain == mild -> a
  when age >= 60 years -> b
end a "A"
end b "B"
"""


@pytest_lsp.fixture(
    scope="module",
    config=ClientServerConfig(
        server_command=[sys.executable, "-m", "carepath", "lsp", "--no-cache"]
    ),
)
async def client(lsp_client: LanguageClient):  # type: ignore[no-untyped-def]
    await lsp_client.initialize_session(
        types.InitializeParams(capabilities=types.ClientCapabilities(), root_uri=ROOT.as_uri())
    )
    yield
    await lsp_client.shutdown_session()


_COUNTER = [0]


async def _open(client: LanguageClient, text: str) -> str:
    """Open ``text`` as a new document and wait for its first diagnostics."""
    _COUNTER[0] += 1
    uri = (ROOT / "build" / f"lsp_test_{_COUNTER[0]}.cpath").as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "carepath", 1, text))
    )
    await _diagnostics_for(client, uri)
    return uri


async def _diagnostics_for(client: LanguageClient, uri: str) -> list[types.Diagnostic]:
    while True:
        params = await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        if params.uri == uri:
            return list(params.diagnostics)


def _apply(text: str, edits: list[types.TextEdit]) -> str:
    """Apply LSP edits (ASCII text: UTF-16 units are characters) from the last back."""
    lines = text.split("\n")

    def offset(position: types.Position) -> int:
        return sum(len(line) + 1 for line in lines[: position.line]) + position.character

    ordered = sorted(edits, key=lambda e: offset(e.range.start), reverse=True)
    for edit in ordered:
        start, end = offset(edit.range.start), offset(edit.range.end)
        text = text[:start] + edit.new_text + text[end:]
    return text


def _at(text: str, needle: str, occurrence: int = 0, shift: int = 0) -> types.Position:
    """The position of the ``occurrence``-th ``needle`` in ``text`` (plus ``shift``)."""
    index = -1
    for _ in range(occurrence + 1):
        index = text.index(needle, index + 1)
    index += shift
    line = text.count("\n", 0, index)
    return types.Position(line, index - (text.rfind("\n", 0, index) + 1))


def _doc(uri: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri)


# ---------------------------------------------------------------- diagnostics


async def test_a_clean_pathway_has_no_diagnostics(client: LanguageClient) -> None:
    uri = await _open(client, SEED.read_text(encoding="utf-8"))
    assert list(client.diagnostics[uri]) == []


async def test_every_gap_is_a_diagnostic_with_its_witness(client: LanguageClient) -> None:
    uri = await _open(client, GAP)
    found = client.diagnostics[uri]
    assert [(d.code, d.source, d.severity) for d in found] == [
        ("CP304", "carepath", types.DiagnosticSeverity.Error)
    ] * 2
    assert found[0].range.start == types.Position(4, 0)
    assert "no branch of `d` holds when 50 years <= age <= 59 years" in found[0].message
    witnesses = [info.message for d in found for info in d.related_information or []]
    assert "witness: age = 50 years, pain = mild (path: d)" in witnesses


async def test_a_half_typed_file_reports_every_syntax_error_and_keeps_the_rest(
    client: LanguageClient,
) -> None:
    text = PATHWAY.replace('action refer "Refer"', "action refer").replace(
        'end rest "Rest"', "end rest oops"
    )
    uri = await _open(client, text)
    found = client.diagnostics[uri]
    assert [(d.code, d.range.start.line) for d in found] == [("CP001", 9), ("CP001", 12)]
    # The blocks that parsed still answer: hover over the define's use.
    shown = await client.text_document_hover_async(
        types.HoverParams(_doc(uri), _at(text, "elderly and"))
    )
    assert shown is not None and "derived value" in shown.contents.value  # type: ignore[union-attr]


async def test_an_edit_is_checked_again(client: LanguageClient) -> None:
    uri = await _open(client, PATHWAY)
    assert list(client.diagnostics[uri]) == []
    # Several quick edits: what is published last is the last text's findings.
    for version, target in enumerate(("nowher", "nowhere", "rest"), start=2):
        edited = PATHWAY.replace("otherwise -> rest", f"otherwise -> {target}")
        if target == "rest":
            edited = PATHWAY.replace("-> refer\n", "-> refr\n")
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(version=version, uri=uri),
                [types.TextDocumentContentChangeWholeDocument(edited)],
            )
        )
    found = await _diagnostics_for(client, uri)
    assert [d.code for d in found] == ["CP101"]
    assert "unknown node `refr`" in found[0].message
    assert "note: did you mean `refer`?" in found[0].message


async def test_diagnostic_columns_count_utf16_units(client: LanguageClient) -> None:
    # The bone emoji is one character to carepath and two UTF-16 units to an editor.
    text = PATHWAY.replace(
        '  recommend "Refer to a spine surgeon" cite nice',
        '  recommend "\N{BONE} Refer" cite nice strength strongg',
    )
    uri = await _open(client, text)
    (found,) = client.diagnostics[uri]
    line = text.split("\n")[10]
    assert found.code == "CP112"
    assert found.range.start.character == line.index("strongg") + 1


# ---------------------------------------------------------------- hover


@pytest.mark.parametrize(
    ("needle", "occurrence", "expected"),
    [
        ("age >=", 0, ["**input** `age`: a whole number in years", "Age at the visit"]),
        ("elderly and", 0, ["**derived value** `elderly`", "define elderly = age >= 65 years"]),
        ("refer\n", 0, ["**action** `refer`: Refer", "recommend Refer to a spine surgeon"]),
        ("triage\n", 0, ["**decision (unique: exactly one branch holds", "`triage`"]),
        ("nice\n", 0, ["**reference** `nice`: Low back pain guideline", "year: 2020"]),
        ("severe ->", 0, ["**value** `severe` of input `pain` (one of mild, severe)"]),
    ],
)
async def test_hover(
    client: LanguageClient, needle: str, occurrence: int, expected: list[str]
) -> None:
    uri = await _open(client, PATHWAY)
    shown = await client.text_document_hover_async(
        types.HoverParams(_doc(uri), _at(PATHWAY, needle, occurrence, shift=1))
    )
    assert shown is not None
    value = shown.contents.value  # type: ignore[union-attr]
    for part in expected:
        assert part in value


WITH_SETTING = """pathway s "S"
setting mrsa_prevalence: decimal % 0..100 default 15 % "MRSA share here"
input allergy: boolean
start d
decision d "D"
  when allergy or mrsa_prevalence >= 20 % -> v
  otherwise -> c
end v "V"
end c "C"
"""


async def test_a_setting_is_hovered_and_found_as_a_setting(client: LanguageClient) -> None:
    uri = await _open(client, WITH_SETTING)
    shown = await client.text_document_hover_async(
        types.HoverParams(_doc(uri), _at(WITH_SETTING, "mrsa_prevalence >=", shift=1))
    )
    assert shown is not None
    value = shown.contents.value  # type: ignore[union-attr]
    assert "**setting** `mrsa_prevalence` of the place of care: a decimal number in %" in value
    assert "default 15 %" in value and "MRSA share here" in value
    where = await client.text_document_definition_async(
        types.DefinitionParams(_doc(uri), _at(WITH_SETTING, "mrsa_prevalence >="))
    )
    assert isinstance(where, types.Location)
    assert where.range.start == _at(WITH_SETTING, "mrsa_prevalence:")


async def test_no_hover_on_a_keyword(client: LanguageClient) -> None:
    uri = await _open(client, PATHWAY)
    shown = await client.text_document_hover_async(
        types.HoverParams(_doc(uri), _at(PATHWAY, "otherwise"))
    )
    assert shown is None


# ---------------------------------------------------------------- navigation


async def test_go_to_definition_of_a_node_an_input_and_a_reference(
    client: LanguageClient,
) -> None:
    uri = await _open(client, PATHWAY)
    for use, declaration in (
        ("done\nend rest", 'done "Done"'),
        ("pain == severe", "pain: one of"),
        ("nice\n  next", 'nice "Low'),
        ("age = 70", "age: integer"),
    ):
        where = await client.text_document_definition_async(
            types.DefinitionParams(_doc(uri), _at(PATHWAY, use))
        )
        assert isinstance(where, types.Location)
        assert where.range.start == _at(PATHWAY, declaration)


async def test_find_references(client: LanguageClient) -> None:
    uri = await _open(client, PATHWAY)
    found = await client.text_document_references_async(
        types.ReferenceParams(
            context=types.ReferenceContext(include_declaration=True),
            text_document=_doc(uri),
            position=_at(PATHWAY, "rest\n", 0),
        )
    )
    assert found is not None
    lines = sorted(location.range.start.line for location in found)
    assert lines == [8, 12]  # the branch that leads there, and its declaration
    without = await client.text_document_references_async(
        types.ReferenceParams(
            context=types.ReferenceContext(include_declaration=False),
            text_document=_doc(uri),
            position=_at(PATHWAY, "pain == "),
        )
    )
    assert without is not None
    assert sorted(location.range.start.line for location in without) == [7, 15]


async def test_rename_changes_every_use_and_the_file_stays_sound(
    client: LanguageClient,
) -> None:
    uri = await _open(client, PATHWAY)
    for needle, new_name in (
        ("triage\n", "first_look"),
        ("elderly =", "older"),
        ("age >=", "years_old"),
    ):
        edit = await client.text_document_rename_async(
            types.RenameParams(_doc(uri), _at(PATHWAY, needle), new_name)
        )
        assert edit is not None and edit.changes is not None
        renamed = _apply(PATHWAY, list(edit.changes[uri]))
        old = needle.split()[0].strip("\n")
        assert re.search(rf"\b{old}\b", renamed) is None
        loaded = check_text(renamed, "renamed.cpath")
        assert loaded.diagnostics == (), (new_name, loaded.diagnostics)


async def test_rename_refuses_a_keyword_a_bad_name_and_a_clash(client: LanguageClient) -> None:
    uri = await _open(client, PATHWAY)
    for new_name, said in (
        ("otherwise", "keyword"),
        ("2fast", "not a name"),
        ("rest", "already a node `rest`"),
        ("pain", "already a input `pain`"),
    ):
        needle = "refer\n" if new_name in ("otherwise", "2fast", "rest") else "elderly ="
        with pytest.raises(Exception, match=said):
            await client.text_document_rename_async(
                types.RenameParams(_doc(uri), _at(PATHWAY, needle), new_name)
            )


async def test_prepare_rename_names_what_is_under_the_cursor(client: LanguageClient) -> None:
    uri = await _open(client, PATHWAY)
    ready = await client.text_document_prepare_rename_async(
        types.PrepareRenameParams(_doc(uri), _at(PATHWAY, "refer\n", shift=2))
    )
    assert isinstance(ready, types.PrepareRenamePlaceholder)
    assert ready.placeholder == "refer"
    nothing = await client.text_document_prepare_rename_async(
        types.PrepareRenameParams(_doc(uri), _at(PATHWAY, "otherwise"))
    )
    assert nothing is None


async def test_document_symbols_outline_the_file(client: LanguageClient) -> None:
    uri = await _open(client, PATHWAY)
    outline = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(_doc(uri))
    )
    assert outline is not None
    names = [s.name for s in outline]  # type: ignore[union-attr]
    assert names == [
        "nice",
        "age",
        "pain",
        "elderly",
        "triage",
        "refer",
        "rest",
        "done",
        "case old with severe pain",
    ]
    pain = outline[2]
    assert [c.name for c in pain.children or []] == ["mild", "severe"]  # type: ignore[union-attr]


# ---------------------------------------------------------------- completion


async def _labels(client: LanguageClient, text: str, needle: str) -> list[str]:
    """Completions with the cursor right after ``needle`` (its first occurrence)."""
    uri = await _open(client, text)
    found = await client.text_document_completion_async(
        types.CompletionParams(_doc(uri), _at(text, needle, shift=len(needle)))
    )
    assert isinstance(found, types.CompletionList)
    return [item.label for item in found.items]


async def test_completion_after_an_arrow_offers_the_nodes(client: LanguageClient) -> None:
    text = PATHWAY.replace("  otherwise -> rest", "  otherwise -> ")
    assert await _labels(client, text, "otherwise -> ") == ["done", "refer", "rest", "triage"]


async def test_completion_of_enumeration_values_inputs_and_units(client: LanguageClient) -> None:
    text = PATHWAY.replace("  otherwise", "  when pain == \n  otherwise")
    assert await _labels(client, text, "when pain == ") == ["mild", "severe"]
    text = PATHWAY.replace("  otherwise", "  when \n  otherwise")
    labels = await _labels(client, text, "  when ")
    assert labels[:3] == ["age", "elderly", "pain"] and "not" in labels
    text = PATHWAY.replace("age >= 65 years", "age >= 65 ")
    labels = await _labels(client, text, "age >= 65 ")
    assert labels[0] == "years" and "months" in labels and "mmol/L" not in labels
    text = PATHWAY.replace("  recommend", "  cite \n  recommend")
    assert await _labels(client, text, "  cite ") == ["nice"]


# ---------------------------------------------------------------- formatting and fixes


async def test_formatting_is_carepath_fmt(client: LanguageClient) -> None:
    uri = await _open(client, PATHWAY)
    edits = await client.text_document_formatting_async(
        types.DocumentFormattingParams(_doc(uri), types.FormattingOptions(2, True))
    )
    assert edits is not None
    formatted = _apply(PATHWAY, list(edits))
    assert formatted == format_source(PATHWAY, "p.cpath") != PATHWAY


async def _actions(client: LanguageClient, uri: str, line: int) -> list[types.CodeAction]:
    found = await client.text_document_code_action_async(
        types.CodeActionParams(
            _doc(uri),
            types.Range(types.Position(line, 0), types.Position(line, 0)),
            types.CodeActionContext(diagnostics=list(client.diagnostics[uri])),
        )
    )
    return [a for a in found or [] if isinstance(a, types.CodeAction)]


async def test_a_did_you_mean_fix_really_fixes_the_file(client: LanguageClient) -> None:
    text = PATHWAY.replace("pain == severe", "pain == sever").replace("-> refer", "-> refr")
    uri = await _open(client, text)
    assert sorted(d.code for d in client.diagnostics[uri]) == ["CP101", "CP103"]
    offered = await _actions(client, uri, 7)
    assert sorted(a.title for a in offered) == [
        "Change `refr` to `refer`",
        "Change `sever` to `severe`",
    ]
    assert all(a.is_preferred for a in offered)
    edits = [e for a in offered if a.edit and a.edit.changes for e in a.edit.changes[uri]]
    fixed = _apply(text, edits)
    assert fixed == PATHWAY
    assert check_text(fixed, "fixed.cpath").diagnostics == ()


async def test_the_missing_branch_fix_closes_the_gap(client: LanguageClient) -> None:
    uri = await _open(client, GAP)
    offered = await _actions(client, uri, 4)
    titles = [a.title for a in offered]
    assert titles == [
        "Add `when 50 years <= age <= 59 years -> a` to `d`",
        "Add `when 50 years <= age <= 59 years -> b` to `d`",
        "Add `when age <= 59 years and pain == severe -> a` to `d`",
        "Add `when age <= 59 years and pain == severe -> b` to `d`",
    ]
    fixed = _apply(GAP, _edits(offered[1], uri))
    assert fixed.split("\n")[7] == "  when 50 years <= age <= 59 years -> b"
    # An editor applies one fix, the file is checked again, and the rest is offered anew.
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version=2, uri=uri),
            [types.TextDocumentContentChangeWholeDocument(fixed)],
        )
    )
    (left,) = await _diagnostics_for(client, uri)
    assert "age <= 49 years and pain is severe" in left.message
    offered = await _actions(client, uri, 4)
    assert [a.title for a in offered] == [
        "Add `when age <= 49 years and pain == severe -> a` to `d`",
        "Add `when age <= 49 years and pain == severe -> b` to `d`",
    ]
    fixed = _apply(fixed, _edits(offered[1], uri))
    # Sound now; what is left is an info (CP311: with pain severe, age need not be known).
    left_over = check_text(fixed, "fixed.cpath").diagnostics
    assert [d.code for d in left_over] == ["CP311"]


def _edits(action: types.CodeAction, uri: str) -> list[types.TextEdit]:
    assert action.edit is not None and action.edit.changes is not None
    return list(action.edit.changes[uri])


async def test_no_fix_is_offered_for_findings_of_an_older_text(client: LanguageClient) -> None:
    uri = await _open(client, GAP)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version=2, uri=uri),
            [types.TextDocumentContentChangeWholeDocument("\n" + GAP)],
        )
    )
    # Asked before the edit is checked: the findings' places are out of date.
    assert await _actions(client, uri, 4) == []
