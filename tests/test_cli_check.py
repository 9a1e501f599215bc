"""``carepath check`` as a user and a CI job see it: exit codes, output formats,
filters, suppression comments, and files that cannot be read (CP006-CP008)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from carepath.cli import main
from carepath.compiler.check import check_file, check_text

CLEAN = """\
pathway p "Clean"

input red_flag: boolean "Red flag"

start triage

decision triage "Red flags?"
  when red_flag -> surgeon
  otherwise -> home

end surgeon "Refer to a surgeon"
end home "Home care"
"""

# Line 8: an unknown node (CP101); line 12: an unknown reference (CP104).
BROKEN = """\
pathway p "Broken"

input red_flag: boolean "Red flag"

start triage

decision triage "Red flags?"
  when red_flag -> surgical_consul
  otherwise -> home

end home "Home care"
  cite nowhere
end surgical_consult "Refer to a surgeon"
"""

# Sound, but one input is never used: a warning (CP207), not an error.
WARNING_ONLY = CLEAN.replace(
    'input red_flag: boolean "Red flag"\n',
    'input red_flag: boolean "Red flag"\ninput spare: boolean "Never used"\n',
)


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return str(path)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["check", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def json_run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[dict[str, Any]]]:
    code, out, err = run(capsys, "--format", "json", *argv)
    assert err == ""
    records: list[dict[str, Any]] = json.loads(out)["diagnostics"]
    return code, records


# ---------------------------------------------------------------- exit codes and output


def test_clean_file_is_quiet(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert run(capsys, write(tmp_path, "clean.cpath", CLEAN)) == (0, "", "")


def test_clean_file_is_quiet_as_a_process(tmp_path: Path) -> None:
    path = write(tmp_path, "clean.cpath", CLEAN)
    done = subprocess.run(
        [sys.executable, "-m", "carepath", "check", path], capture_output=True, text=True
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_findings_exit_1_with_position_and_caret(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write(tmp_path, "broken.cpath", BROKEN)
    code, out, err = run(capsys, path)
    assert code == 1
    assert err == ""
    assert f"{path}:8:20: error[CP101]: unknown node `surgical_consul`" in out
    assert "8 |   when red_flag -> surgical_consul" in out
    assert "  |                    ^^^^^^^^^^^^^^^" in out
    assert f"{path}:12:8: error[CP104]: unknown reference `nowhere`" in out
    assert "found 2 errors in 1 file" in out


def test_json_format(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write(tmp_path, "broken.cpath", BROKEN)
    code, records = json_run(capsys, path)
    assert code == 1
    assert [(r["code"], r["line"], r["column"]) for r in records] == [
        ("CP101", 8, 20),
        ("CP104", 12, 8),
    ]
    first = records[0]
    assert first["severity"] == "error"
    assert first["title"] == "unknown node"
    assert first["file"] == path
    assert first["end_line"] == 8 and first["end_column"] == 35
    assert first["notes"] == ["did you mean `surgical_consult`?"]
    assert "witness" not in first


def test_json_format_clean_is_an_empty_list(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert json_run(capsys, write(tmp_path, "clean.cpath", CLEAN)) == (0, [])


def test_warnings_fail_only_with_fail_on_warning(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write(tmp_path, "warn.cpath", WARNING_ONLY)
    code, records = json_run(capsys, path)
    assert code == 0
    assert records and {r["severity"] for r in records} == {"warning"}
    assert any(r["line"] == 4 for r in records)
    assert json_run(capsys, "--fail-on", "warning", path)[0] == 1
    assert json_run(capsys, "--fail-on", "info", path)[0] == 1
    assert json_run(capsys, "--fail-on", "error", path)[0] == 0
    code, out, _err = run(capsys, path)
    assert code == 0 and "warning[" in out


def test_fail_on_warning_still_fails_on_errors(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write(tmp_path, "broken.cpath", BROKEN)
    assert json_run(capsys, "--fail-on", "warning", path)[0] == 1


def test_bad_fail_on_is_a_usage_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write(tmp_path, "clean.cpath", CLEAN)
    with pytest.raises(SystemExit) as stop:
        main(["check", "--fail-on", "fatal", path])
    assert stop.value.code == 2
    assert "expected error, warning or info" in capsys.readouterr().err


def test_select_and_ignore(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write(tmp_path, "broken.cpath", BROKEN)
    code, records = json_run(capsys, "--select", "CP104", path)
    assert (code, [r["code"] for r in records]) == (1, ["CP104"])
    code, records = json_run(capsys, "--ignore", "cp101", path)
    assert (code, [r["code"] for r in records]) == (1, ["CP104"])
    code, records = json_run(capsys, "--ignore", "CP101, CP104", path)
    assert (code, records) == (0, [])
    code, records = json_run(capsys, "--select", "CP101,CP104", "--ignore", "CP101", path)
    assert [r["code"] for r in records] == ["CP104"]


def test_suppression_comment(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    silenced = BROKEN.replace(
        "-> surgical_consul\n", "-> surgical_consul  # carepath: ignore[CP101]\n"
    )
    code, records = json_run(capsys, write(tmp_path, "s.cpath", silenced))
    assert (code, [r["code"] for r in records]) == (1, ["CP104"])
    # The comment names one code on one line: it does not silence the other.
    both = silenced.replace("  cite nowhere\n", "  cite nowhere  # carepath: ignore[CP101]\n")
    assert [r["code"] for r in json_run(capsys, write(tmp_path, "t.cpath", both))[1]] == ["CP104"]
    quiet = both.replace(
        "nowhere  # carepath: ignore[CP101]", "nowhere  # carepath: ignore[CP104]"
    ).replace('end surgical_consult "Refer to a surgeon"\n', "")
    assert run(capsys, write(tmp_path, "u.cpath", quiet)) == (0, "", "")


def test_suppression_inside_quotes_is_text(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    text = BROKEN.replace('end home "Home care"', 'end home "Home care # carepath: ignore[CP104]"')
    assert "CP104" in [r["code"] for r in json_run(capsys, write(tmp_path, "q.cpath", text))[1]]


def test_folders_are_searched(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    write(tmp_path, "tree/a.cpath", CLEAN)
    broken = write(tmp_path, "tree/sub/b.cpath", BROKEN)
    write(tmp_path, "tree/notes.txt", "not a pathway")
    code, records = json_run(capsys, str(tmp_path / "tree"))
    assert code == 1
    assert {r["file"] for r in records} == {broken}
    code, out, _err = run(capsys, str(tmp_path / "tree"))
    assert "found 2 errors in 2 files" in out


def test_clean_folder_is_quiet(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    write(tmp_path, "tree/a.cpath", CLEAN)
    write(tmp_path, "tree/b.cpath", CLEAN.replace('"Clean"', '"Also clean"'))
    assert run(capsys, str(tmp_path / "tree")) == (0, "", "")


# ---------------------------------------------------------------- files that cannot be read


def only_record(capsys: pytest.CaptureFixture[str], path: str) -> dict[str, Any]:
    code, records = json_run(capsys, path)
    assert code == 2
    assert len(records) == 1
    return records[0]


def test_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = str(tmp_path / "missing.cpath")
    record = only_record(capsys, path)
    assert (record["code"], record["message"]) == ("CP006", f"`{path}` does not exist")
    code, out, _err = run(capsys, path)
    assert code == 2 and f"{path}:1:1: error[CP006]: `{path}` does not exist" in out
    assert "found 1 error in 1 file" in out


def test_missing_file_among_good_ones_still_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    good = write(tmp_path, "clean.cpath", CLEAN)
    code, records = json_run(capsys, good, str(tmp_path / "nope.cpath"))
    assert code == 2 and [r["code"] for r in records] == ["CP006"]


def test_folder_without_pathways(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    record = only_record(capsys, str(tmp_path / "empty"))
    assert record["code"] == "CP006"
    assert "no .cpath files under" in record["message"]


def test_directory_named_like_a_pathway(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "tree" / "odd.cpath").mkdir(parents=True)
    # Under a folder argument, a folder named like a pathway is a folder to search.
    record = only_record(capsys, str(tmp_path / "tree"))
    assert record["code"] == "CP006"
    assert record["message"].startswith("no .cpath files under")
    # Given to the API as a pathway file, it is refused for what it is.
    loaded = check_file(str(tmp_path / "tree" / "odd.cpath"))
    assert loaded.diagnostics[0].message.endswith("is a directory, not a pathway file")
    loaded = check_file(str(tmp_path / "tree"))
    assert [d.code for d in loaded.diagnostics] == ["CP006"]


def test_file_too_large(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "huge.cpath"
    with path.open("wb") as handle:
        handle.truncate(17 * 1024 * 1024)
    record = only_record(capsys, str(path))
    assert record["code"] == "CP007"
    assert "is 17.0 MiB; pathway files are limited to 16 MiB" in record["message"]


def test_binary_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "flowchart.cpath"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    record = only_record(capsys, str(path))
    assert record["code"] == "CP008"
    assert "is not UTF-8 text (byte 0)" in record["message"]


def test_nul_bytes_in_ascii(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "nul.cpath"
    path.write_bytes(CLEAN.encode() + b"\x00\x00")
    record = only_record(capsys, str(path))
    assert record["code"] == "CP008"
    assert "binary file" in record["message"]


def test_latin1_text(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "latin1.cpath"
    path.write_bytes(CLEAN.replace('"Home care"', '"Soins à domicile"').encode("latin-1"))
    record = only_record(capsys, str(path))
    assert record["code"] == "CP008"
    assert record["line"] == 12
    assert "is not UTF-8 text" in record["message"]
    code, out, _err = run(capsys, str(path))
    assert code == 2 and "error[CP008]" in out and "Traceback" not in out


def test_utf8_with_bom_is_fine(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "bom.cpath"
    path.write_bytes(b"\xef\xbb\xbf" + CLEAN.encode("utf-8"))
    assert run(capsys, str(path)) == (0, "", "")


@pytest.mark.parametrize("depth", [70, 20000])
def test_deeply_nested_expression(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, depth: int
) -> None:
    text = CLEAN.replace(
        "start triage", "define deep = " + "not " * depth + "red_flag\n\nstart triage"
    ).replace("when red_flag ->", "when deep ->")
    path = write(tmp_path, "deep.cpath", text)
    code, records = json_run(capsys, path)
    assert code == 1
    assert [(r["code"], r["line"]) for r in records] == [("CP005", 5)]
    assert records[0]["message"] == "expression nested more than 64 levels deep"


def test_deep_but_allowed_expression(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    text = CLEAN.replace("when red_flag ->", "when " + "not " * 40 + "red_flag ->")
    assert run(capsys, write(tmp_path, "ok.cpath", text)) == (0, "", "")


# ---------------------------------------------------------------- messages a reader can use


def messages(text: str) -> list[tuple[int, str, str]]:
    return [(d.span.line, d.code, d.message) for d in check_text(text, "m.cpath").diagnostics]


def test_syntax_labels_do_not_depend_on_the_block_position() -> None:
    # Lark's own example matching only worked in the first block of a file.
    late = CLEAN.replace("when red_flag -> surgeon", "when red_flag surgeon")
    assert messages(late) == [(8, "CP001", "missing `->` before the target node")]
    commented = "# A comment first.\n\n" + late
    assert messages(commented) == [(10, "CP001", "missing `->` before the target node")]
    equals = CLEAN.replace("input red_flag: boolean", "input red_flag: one of yes, no").replace(
        "when red_flag ->", "when red_flag = yes ->"
    )
    assert messages(equals)[0][2].startswith("use `==` to compare a value")
    stray = CLEAN.replace("  otherwise -> home", "otherwise -> home")
    assert messages(stray) == [
        (9, "CP001", "`when` and `otherwise` belong inside a decision, indented under it")
    ]


def test_comment_only_file() -> None:
    assert messages("# nothing yet\n\n") == [
        (
            1,
            "CP001",
            'the file holds only comments: a pathway file begins with `pathway <id> "<title>"`',
        )
    ]


def test_a_broken_define_is_reported_once() -> None:
    text = CLEAN.replace(
        "start triage", "define urgent = red_flag or sevre\n\nstart triage"
    ).replace("when red_flag ->", "when urgent and urgent ->")
    assert [(line, code) for line, code, _ in messages(text)] == [(5, "CP102")]
    cycle = CLEAN.replace(
        "start triage", "define a = b or red_flag\ndefine b = a\n\nstart triage"
    ).replace("when red_flag ->", "when a and b ->")
    assert [(line, code) for line, code, _ in messages(cycle)] == [(5, "CP111")]


def test_type_words_in_messages() -> None:
    text = CLEAN.replace(
        'input red_flag: boolean "Red flag"', 'input red_flag: integer years 0..120 "Age"'
    )
    assert messages(text) == [(8, "CP106", "this is an integer in years, not a yes/no condition")]


def test_positions_of_header_fields() -> None:
    text = CLEAN.replace('"Clean"\n', '"Clean"\n  reviewed 2026-02-30  # typo\n')
    loaded = check_text(text, "m.cpath")
    (problem,) = loaded.diagnostics
    assert (problem.code, problem.span.line, problem.span.column) == ("CP115", 2, 12)
    assert problem.span.end_column == 22  # the date, not the trailing comment


def test_expected_recommendation_suggests_the_full_text() -> None:
    text = CLEAN.replace(
        'end surgeon "Refer to a surgeon"',
        'end surgeon "Surgeon"\n  recommend "Refer to a spine surgeon"',
    )
    text += '\ncase "c"\n  given red_flag = true\n  expect recommends "Refer"\n'
    loaded = check_text(text, "m.cpath")
    (problem,) = loaded.diagnostics
    assert (problem.code, problem.span.line) == ("CP116", 17)
    assert problem.notes == ('did you mean "Refer to a spine surgeon"?',)
