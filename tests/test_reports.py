"""Machine-readable reports of ``carepath check``: SARIF, JUnit XML, GitHub annotations.

The SARIF schema is the official OASIS one. ``tests/data/sarif-schema-2.1.0.json``
is a verbatim copy of ``shared/schemas/sarif-schema-2.1.0.json`` (itself from the
oasis-tcs/sarif-spec repository, ``sarif-2.1/schema/``), vendored so these tests
run without the shared folder; when the shared folder is beside the checkout (as
in CI, at ``../shared/``) the copy is checked against it.
"""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from carepath.cli import main
from carepath.compiler.check import check_text
from carepath.dsl.diagnostics import Diagnostic, Severity, Witness, lookup, make
from carepath.dsl.spans import Span
from carepath.render.report_github import escape_data, escape_property, format_github
from carepath.render.report_junit import format_junit
from carepath.render.report_sarif import artifact_location, rule_name, sarif_log

REPO = Path(__file__).resolve().parents[1]
VENDORED_SCHEMA = REPO / "tests" / "data" / "sarif-schema-2.1.0.json"
SHARED_SCHEMA = REPO / ".." / "shared" / "schemas" / "sarif-schema-2.1.0.json"

# Several structural findings, two of them with related locations.
FINDINGS = """\
pathway p "Several findings"

input unused: boolean "Never read"
input red_flag: boolean "Red flag"

start triage
start rest

decision triage "Red flags?"
  when red_flag -> acute
  otherwise -> home

end acute
end home "Home care"

action rest "Rest"
  recommend "Acetaminophen"

end orphan "Nothing leads here"
"""


def _schema() -> dict[str, Any]:
    assert VENDORED_SCHEMA.is_file(), (
        f"the SARIF schema is missing at {VENDORED_SCHEMA}; copy it from "
        f"shared/schemas/sarif-schema-2.1.0.json"
    )
    schema: dict[str, Any] = json.loads(VENDORED_SCHEMA.read_text(encoding="utf-8"))
    return schema


def validate_sarif(log: dict[str, Any]) -> None:
    schema = _schema()
    validator_class = jsonschema.validators.validator_for(schema)
    # The schema declares draft-04; validating it with a later draft would be wrong.
    assert validator_class is jsonschema.Draft4Validator
    validator_class.check_schema(schema)
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])
    # jsonschema checks the "uri" formats only with an optional package: check them here.
    for uri in _uris(log):
        assert _URI_REFERENCE.fullmatch(uri), f"not an RFC 3986 URI reference: {uri!r}"


_URI_REFERENCE = re.compile(r"(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*")


def _uris(value: object) -> list[str]:
    if isinstance(value, dict):
        found = [
            v for k, v in value.items() if k in ("uri", "informationUri") and isinstance(v, str)
        ]
        return found + [u for v in value.values() for u in _uris(v)]
    if isinstance(value, list):
        return [u for v in value for u in _uris(v)]
    return []


def findings(tmp_path: Path, text: str = FINDINGS, name: str = "p.cpath") -> list[Diagnostic]:
    file = tmp_path / name
    file.write_text(text, encoding="utf-8")
    return list(check_text(text, str(file)).diagnostics)


def with_witness(file: str) -> Diagnostic:
    """A finding with a witness, as the logic checks report them (built directly so
    that these tests do not depend on which logic checks exist)."""
    return make(
        "CP203",
        "no patient reaches `augmentation`",
        Span(file, 10, 3, 10, 40),
        notes=("the branch before covers every patient",),
        witness=Witness(
            (("pain", "severe"), ("age", "70 years")),
            ("triage", "review"),
            "goes to `maintenance` instead",
        ),
        related=((Span(file, 9, 3, 9, 30), "this branch covers it"),),
    )


# ---------------------------------------------------------------- SARIF


def test_vendored_schema_is_the_official_one() -> None:
    schema = _schema()
    assert schema["id"].startswith("https://docs.oasis-open.org/sarif/sarif/v2.1.0/")
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
    if SHARED_SCHEMA.is_file():
        assert SHARED_SCHEMA.read_bytes() == VENDORED_SCHEMA.read_bytes(), (
            f"{VENDORED_SCHEMA} differs from {SHARED_SCHEMA.resolve()}: copy it again"
        )


def test_sarif_is_valid_and_complete(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    found = findings(tmp_path)
    codes = {d.code for d in found}
    assert {"CP202", "CP203", "CP204", "CP205", "CP207"} <= codes
    found.append(with_witness(str(tmp_path / "p.cpath")))
    log = sarif_log(found)
    validate_sarif(log)

    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "carepath" and driver["version"]
    rules = driver["rules"]
    assert [r["id"] for r in rules] == sorted(codes)
    for rule in rules:
        code = lookup(rule["id"])
        assert rule["name"] == rule_name(code.title)
        assert rule["shortDescription"]["text"] == code.title
        assert rule["fullDescription"]["text"] == code.explanation
        assert code.bad in rule["help"]["markdown"] and code.fixed in rule["help"]["markdown"]
        assert (
            rule["defaultConfiguration"]["level"]
            == {"error": "error", "warning": "warning"}[str(code.severity)]
        )
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.as_uri() + "/"
    assert len(run["results"]) == len(found)
    for result, d in zip(run["results"], found, strict=True):
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"] == d.code
        assert result["level"] == str(d.severity)
        assert result["message"]["text"].startswith(d.message)
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"] == {"uri": "p.cpath", "uriBaseId": "%SRCROOT%"}
        assert physical["region"] == {
            "startLine": d.span.line,
            "startColumn": d.span.column,
            "endLine": d.span.end_line,
            "endColumn": d.span.end_column,
        }
        assert len(result.get("relatedLocations", [])) == len(d.related)
        for related, (span, text) in zip(
            result.get("relatedLocations", []), d.related, strict=True
        ):
            assert related["message"]["text"] == text
            assert related["physicalLocation"]["region"]["startLine"] == span.line

    witnessed = run["results"][-1]
    assert witnessed["properties"]["witness"] == {
        "patient": {"pain": "severe", "age": {"value": 70, "unit": "years"}},
        "path": ["triage", "review"],
        "description": "goes to `maintenance` instead",
        "derived": {},
    }
    assert "witness: pain = severe, age = 70 years" in witnessed["message"]["text"]
    assert "path: triage -> review" in witnessed["message"]["text"]
    assert any("relatedLocations" in r for r in run["results"][:-1])


def test_sarif_paths_relative_to_root_or_absolute(tmp_path: Path) -> None:
    inside = tmp_path / "sub dir" / "p#1.cpath"
    outside = tmp_path.parent / "elsewhere.cpath"
    assert artifact_location(str(inside), tmp_path) == {
        "uri": "sub%20dir/p%231.cpath",
        "uriBaseId": "%SRCROOT%",
    }
    assert artifact_location(str(outside), tmp_path / "sub dir") == {"uri": outside.as_uri()}
    # A relative path is taken from the working directory, like the command line does.
    relative = os.path.relpath(inside)
    assert artifact_location(relative, tmp_path)["uri"] == "sub%20dir/p%231.cpath"
    log = sarif_log(
        [
            make("CP203", "x", Span(str(inside), 1, 1, 1, 2)),
            make("CP203", "y", Span(str(outside), 1, 1, 1, 2)),
        ],
        root=tmp_path,
    )
    validate_sarif(log)


def test_sarif_without_findings_is_valid() -> None:
    log = sarif_log([])
    validate_sarif(log)
    assert log["runs"][0]["results"] == [] and log["runs"][0]["tool"]["driver"]["rules"] == []


# ---------------------------------------------------------------- JUnit


def test_junit_parses_back(tmp_path: Path) -> None:
    found = findings(tmp_path)
    file = str(tmp_path / "p.cpath")
    clean = str(tmp_path / "clean.cpath")
    sources = {file: FINDINGS}
    root = ET.fromstring(format_junit(found, [file, clean], sources))
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [file, clean]
    errors = [d for d in found if d.severity is Severity.ERROR]
    warnings = [d for d in found if d.severity is Severity.WARNING]
    assert errors and warnings
    first = suites[0]
    assert first.get("tests") == str(len(found))
    assert first.get("failures") == str(len(errors))
    failures = first.findall("testcase/failure")
    assert sorted(f.get("type") or "" for f in failures) == sorted(d.code for d in errors)
    for failure, d in zip(failures, errors, strict=True):
        assert failure.get("message") == f"error[{d.code}]: {d.message}"
        assert (failure.text or "").startswith(f"{d.span}: error[{d.code}]")
    # Warnings below --fail-on are shown, not failed.
    outs = first.findall("testcase/system-out")
    assert len(outs) == len(warnings)
    (passing,) = suites[1].findall("testcase")
    assert passing.get("name") == "check" and len(passing) == 0
    assert root.get("tests") == str(len(found) + 1)
    assert root.get("failures") == str(len(errors))
    # With --fail-on warning every finding fails.
    strict = ET.fromstring(format_junit(found, [file], sources, Severity.WARNING))
    assert strict.get("failures") == str(len(found))


def test_junit_escapes_markup_and_control_characters() -> None:
    nasty = 'a <b> & "c" ]]> \x01\x1b end'
    d = make("CP203", nasty, Span("x&y.cpath", 1, 1, 1, 2))
    text = format_junit([d], ["x&y.cpath"], {"x&y.cpath": nasty})
    root = ET.fromstring(text)
    failure = root.find("testsuite/testcase/failure")
    assert failure is not None
    assert failure.get("message") == 'error[CP203]: a <b> & "c" ]]> \ufffd\ufffd end'
    assert root.find("testsuite").get("name") == "x&y.cpath"  # type: ignore[union-attr]


def test_junit_reports_unreadable_files_as_errors() -> None:
    d = make("CP006", "`gone.cpath` does not exist", Span.point("gone.cpath", 1))
    root = ET.fromstring(format_junit([d], [], {}))
    assert root.get("errors") == "1" and root.get("failures") == "0"
    assert root.find("testsuite/testcase/error") is not None


# ---------------------------------------------------------------- GitHub


def _unescape(text: str) -> str:
    return re.sub("%(25|0D|0A|3A|2C)", lambda m: chr(int(m.group(1), 16)), text)


_COMMAND = re.compile(r"^::(error|warning|notice) ([^:]*)::(.*)$")


def test_github_escapes_nasty_messages() -> None:
    message = "100% sure: a, b\r\nand ::error file=evil::x"
    file = "dir, with: colon %20.cpath"
    d = make("CP203", message, Span(file, 3, 7, 3, 11), notes=("second, line: 50%",))
    line = format_github([d])
    assert "\n" not in line and "\r" not in line
    match = _COMMAND.match(line)
    assert match is not None, line
    level, properties, data = match.groups()
    assert level == "error"
    # Properties split on `,` and `=` only where the command means them.
    pairs = dict(p.split("=", 1) for p in properties.split(","))
    assert set(pairs) == {"file", "line", "col", "endLine", "endColumn", "title"}
    assert _unescape(pairs["file"]) == file
    assert (pairs["line"], pairs["col"], pairs["endLine"], pairs["endColumn"]) == (
        "3",
        "7",
        "3",
        "11",
    )
    assert _unescape(pairs["title"]) == "CP203 unreachable node"
    assert _unescape(data) == f"{message}\nnote: second, line: 50%"
    assert escape_data("%0A") == "%250A" and escape_property("a:b,c") == "a%3Ab%2Cc"


def test_github_levels_and_witness() -> None:
    warning = make("CP207", "input `a` is never used", Span("p.cpath", 2, 7, 2, 8))
    info = make("CP207", "fyi", Span("p.cpath", 2, 7, 2, 8), severity=Severity.INFO)
    witnessed = with_witness("p.cpath")
    lines = format_github([warning, info, witnessed]).split("\n")
    assert [line.split(" ", 1)[0] for line in lines] == ["::warning", "::notice", "::error"]
    assert "%0Awitness: pain = severe, age = 70 years%0Apath: triage -> review" in lines[2]


# ---------------------------------------------------------------- the command line


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)
    Path("bad.cpath").write_text(FINDINGS, encoding="utf-8")
    Path("clean.cpath").write_text(
        'pathway p "Clean"\n\nstart home\n\nend home "Home care"\n', encoding="utf-8"
    )
    Path("warn.cpath").write_text(
        'pathway p "Warning only"\n\ninput a: boolean\n\nstart home\n\nend home "Home care"\n',
        encoding="utf-8",
    )
    return {"bad": "bad.cpath", "clean": "clean.cpath", "warn": "warn.cpath"}


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit", "github"])
def test_cli_formats_and_exit_codes(
    fmt: str, files: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--format", fmt, files["clean"]]) == 0
    clean = capsys.readouterr()
    assert main(["check", "--format", fmt, files["warn"]]) == 0
    capsys.readouterr()
    assert main(["check", "--format", fmt, "--fail-on", "warning", files["warn"]]) == 1
    capsys.readouterr()
    assert main(["check", "--format", fmt, files["bad"], files["clean"]]) == 1
    out = capsys.readouterr()
    assert main(["check", "--format", fmt, "missing.cpath"]) == 2
    missing = capsys.readouterr()
    if fmt == "text":
        assert clean.out == clean.err == ""
        assert "bad.cpath:7:1: error[CP202]" in out.out and out.err == ""
    elif fmt == "json":
        assert json.loads(clean.out) == {"diagnostics": []}
    elif fmt == "sarif":
        log = json.loads(out.out)
        validate_sarif(log)
        uris = {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in log["runs"][0]["results"]
        }
        assert uris == {"bad.cpath"}
        validate_sarif(json.loads(missing.out))
    elif fmt == "junit":
        root = ET.fromstring(out.out)
        assert [s.get("name") for s in root] == ["bad.cpath", "clean.cpath"]
        assert root.get("failures") == "3"  # CP202, CP204, CP203; the warnings pass
        assert ET.fromstring(missing.out).get("errors") == "1"
    elif fmt == "github":
        assert clean.out == ""
        lines = out.out.strip().split("\n")
        assert all(_COMMAND.match(line) for line in lines)
        assert any(line.startswith("::error file=bad.cpath,line=7,col=1,") for line in lines)


def test_cli_sarif_root(
    files: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sub = tmp_path / "pathways"
    sub.mkdir()
    (sub / "p.cpath").write_text(FINDINGS, encoding="utf-8")
    assert main(["check", "--format", "sarif", "--sarif-root", "pathways", "pathways/p.cpath"]) == 1
    log = json.loads(capsys.readouterr().out)
    validate_sarif(log)
    run = log["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == sub.as_uri() + "/"
    assert {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]
    } == {"p.cpath"}


def test_cli_text_caps_repeated_codes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    inputs = "".join(f"input unused_{i}: boolean\n" for i in range(25))
    Path("many.cpath").write_text(
        f'pathway p "Many"\n\n{inputs}\nstart home\n\nend home "Home care"\n', encoding="utf-8"
    )
    assert main(["check", "--fail-on", "warning", "--max-per-code", "3", "many.cpath"]) == 1
    err = capsys.readouterr().out
    assert err.count("warning[CP207]") == 3
    assert "… and 22 more CP207 in many.cpath" in err
    assert "found 25 warnings in 1 file" in err
    assert main(["check", "--fail-on", "warning", "--max-per-code", "0", "many.cpath"]) == 1
    assert capsys.readouterr().out.count("warning[CP207]") == 25


# ---------------------------------------------------------------- pre-commit hooks


def test_pre_commit_hooks_are_real_commands(
    files: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert isinstance(hooks, list)
    by_id = {hook["id"]: hook for hook in hooks}
    assert set(by_id) == {"carepath-check", "carepath-fmt"}
    for hook in hooks:
        assert {"id", "name", "entry", "language", "files"} <= set(hook)
        assert hook["language"] == "python"
        pattern = re.compile(hook["files"])
        assert pattern.search("pathways/vcf.cpath") and not pattern.search("vcf.cpath.bak")
        program, *arguments = hook["entry"].split()
        assert program == "carepath"
        # pre-commit appends the staged file names to the entry.
        assert main([*arguments, files["clean"]]) == 0, hook["id"]
        capsys.readouterr()
    assert main([*by_id["carepath-check"]["entry"].split()[1:], files["bad"]]) == 1
    Path("messy.cpath").write_text(
        'pathway p   "Messy"\nstart home\nend home "Home"\n', encoding="utf-8"
    )
    assert main([*by_id["carepath-fmt"]["entry"].split()[1:], "messy.cpath"]) == 1
    # A check, not a rewrite: pre-commit must not change files behind the author's back.
    assert (
        Path("messy.cpath").read_text(encoding="utf-8")
        == 'pathway p   "Messy"\nstart home\nend home "Home"\n'
    )


def test_sarif_fingerprints_survive_moved_lines_and_tell_repeats_apart() -> None:
    def fingerprints(*lines: int) -> list[str]:
        found = [
            make("CP202", "`start a` is written twice", Span("p.cpath", n, 1, n, 8)) for n in lines
        ]
        log = sarif_log(found)
        return [r["partialFingerprints"]["carepath/v1"] for r in log["runs"][0]["results"]]

    first, second = fingerprints(5, 6)
    assert first != second
    assert fingerprints(9, 12) == [first, second]


def test_json_witnesses_are_typed_records_that_run_accepts(tmp_path: Path) -> None:
    """Every witness in `check --format json` over the logic golden files is a patient
    record: booleans as booleans, quantities as {"value", "unit"}; `carepath run` on it
    follows the witness's path."""
    import subprocess
    import sys

    golden = Path(__file__).parent / "golden" / "logic"
    seen = kinds = 0
    for path in sorted(golden.glob("*.cpath"))[:12]:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "carepath",
                "check",
                "--no-cache",
                "--format",
                "json",
                str(path),
            ],
            capture_output=True,
            text=True,
        )
        for record in json.loads(done.stdout)["diagnostics"]:
            witness = record.get("witness")
            if not witness or not witness["patient"]:
                continue
            values = witness["patient"].values()
            assert not any(v in ("true", "false") for v in values)
            kinds |= any(isinstance(v, dict) for v in values) | 2 * any(
                isinstance(v, bool) for v in values
            )
            patient = tmp_path / "patient.json"
            patient.write_text(json.dumps(witness["patient"]), encoding="utf-8")
            ran = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "carepath",
                    "run",
                    str(path),
                    "--patient",
                    str(patient),
                    "--format",
                    "json",
                ],
                capture_output=True,
                text=True,
            )
            assert ran.returncode in (0, 1), ran.stderr
            assert json.loads(ran.stdout)["path"] == witness["path"], (path, witness)
            seen += 1
    assert seen >= 5 and kinds == 3


def test_text_diagnostics_escape_control_characters() -> None:
    from carepath.dsl.diagnostics import make
    from carepath.dsl.spans import Span
    from carepath.render.report_text import format_diagnostic

    diagnostic = make("CP203", "label `E\x1b[2J`\n::error::x", Span.point("p.cpath", 1))
    text = format_diagnostic(diagnostic, 'end e "E\x1b[2J"\n')
    assert "\x1b" not in text
    assert not any(line.startswith("::") for line in text.splitlines())
    assert "label `E\\x1b[2J`\\n::error::x" in text


SILENCED = """pathway p "P"
input age: integer years 0..120
input unused: boolean  # carepath: ignore[CP207]
start d
decision d "Old?"
  when age >= 65 -> old
  otherwise -> young
end old "Old"
end young "Young"
end orphan "Nothing leads here"
"""


def test_sarif_keeps_suppressed_findings_marked_as_suppressed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "p.cpath"
    file.write_text(SILENCED, encoding="utf-8")
    for run in ("first", "from the cache"):
        assert main(["check", "--format", "sarif", str(file)]) == 1, run
        log = json.loads(capsys.readouterr().out)
        validate_sarif(log)
        results = log["runs"][0]["results"]
        by_code = {r["ruleId"]: r for r in results}
        assert by_code["CP207"]["suppressions"] == [
            {"kind": "inSource", "justification": "a `# carepath: ignore` comment"}
        ], run
        assert "suppressions" not in by_code["CP203"], run  # the orphan is not silenced
        rules = [rule["id"] for rule in log["runs"][0]["tool"]["driver"]["rules"]]
        assert "CP207" in rules
    # Text output and the exit code still count only what is not silenced.
    assert main(["check", str(file)]) == 1
    out = capsys.readouterr().out
    assert "CP207" not in out and "CP203" in out


def test_output_file_is_written_whole_and_stdout_stays_empty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "p.cpath"
    file.write_text(SILENCED, encoding="utf-8")
    report = tmp_path / "out" / "report.sarif"
    assert main(["check", "--format", "sarif", "-o", str(report), str(file)]) == 1
    assert capsys.readouterr().out == ""
    validate_sarif(json.loads(report.read_text(encoding="utf-8")))
    # A folder as the output: refused, exit 2, nothing half-written beside it.
    assert main(["check", "--output-file", str(tmp_path), str(file)]) == 2
    assert "cannot write" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "p.cpath"]


def test_each_sarif_rule_links_to_its_documentation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "p.cpath"
    file.write_text(SILENCED, encoding="utf-8")
    docs = "https://docs.example.org/carepath/diagnostics.html"
    assert main(["check", "--format", "sarif", "--docs-url", docs, str(file)]) == 1
    log = json.loads(capsys.readouterr().out)
    validate_sarif(log)
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert {r["id"]: r["helpUri"] for r in rules} == {
        "CP203": f"{docs}#cp203",
        "CP207": f"{docs}#cp207",
    }
    # The anchors exist: docs/diagnostics.md has a section per code.
    page = (REPO / "docs" / "diagnostics.md").read_text(encoding="utf-8")
    assert "### CP203" in page and "### CP207" in page
    # From a configuration file too; without one, no address is made up.
    (tmp_path / "carepath.toml").write_text(f'docs-url = "{docs}"\n', encoding="utf-8")
    assert main(["check", "--format", "sarif", str(file)]) == 1
    assert "helpUri" in capsys.readouterr().out
    (tmp_path / "carepath.toml").unlink()
    assert main(["check", "--format", "sarif", str(file)]) == 1
    assert "helpUri" not in capsys.readouterr().out


def test_a_witness_shows_the_derived_values_its_path_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "g.cpath"
    file.write_text(
        'pathway g "G"\ninput age: integer years 0..120\ninput pain: one of mild, severe\n'
        'define old = age >= 65\nstart d\ndecision d "Which?"\n'
        '  when old and pain == mild -> a\n  when not old -> b\nend a "A"\nend b "B"\n',
        encoding="utf-8",
    )
    for run in ("first", "from the cache"):
        assert main(["check", str(file)]) == 1
        out = capsys.readouterr().out
        assert "  = witness: age = 65 years, pain = severe\n" in out, run
        assert "  = derived: old = true\n" in out, run
    assert main(["check", "--format", "json", str(file)]) == 1
    (found,) = json.loads(capsys.readouterr().out)["diagnostics"]
    assert found["witness"]["derived"] == {"old": True}
    assert main(["check", "--format", "sarif", str(file)]) == 1
    (result,) = json.loads(capsys.readouterr().out)["runs"][0]["results"]
    assert "derived: old = true" in result["message"]["text"]
