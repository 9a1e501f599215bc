"""Configuration files: carepath.toml and [tool.carepath], found by walking up from
the first path, --config, command-line flags winning, --show-settings, and every
mistake in a file an error that names it."""

from __future__ import annotations

from pathlib import Path

import pytest

from carepath.cli import main

ORPHAN = """pathway p "P"
input age: integer years 0..120
start d
decision d "Old?"
  when age >= 65 -> old
  otherwise -> young
end old "Old"
end young "Young"
end orphan "Nothing leads here"
"""
UNUSED = ORPHAN.replace('end orphan "Nothing leads here"\n', "").replace(
    "input age", "input spare: boolean\ninput age"
)  # only a warning (CP207, an unused input)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pathways" / "legacy").mkdir(parents=True)
    (tmp_path / "pathways" / "drafts").mkdir()
    (tmp_path / "pathways" / "a.cpath").write_text(UNUSED, encoding="utf-8")
    (tmp_path / "pathways" / "legacy" / "old.cpath").write_text(ORPHAN, encoding="utf-8")
    (tmp_path / "pathways" / "drafts" / "new.cpath").write_text(ORPHAN, encoding="utf-8")
    return tmp_path


PYPROJECT = """[project]
name = "hospital-pathways"

[tool.carepath]
fail-on = "warning"
extend-exclude = ["drafts/"]

[tool.carepath.per-file-ignores]
"legacy/" = ["CP2"]
"""


def test_pyproject_settings_are_found_by_walking_up(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without a file: the draft and the legacy orphan are errors, the unused input a warning.
    assert main(["check", "--no-cache", str(project / "pathways")]) == 1
    assert capsys.readouterr().out.count("error[CP203]") == 2
    (project / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    monkeypatch.chdir(project / "pathways" / "legacy")  # the start is the path, not cwd
    assert main(["check", "--no-cache", str(project / "pathways")]) == 1  # fail-on warning
    out = capsys.readouterr().out
    assert "CP203" not in out  # drafts excluded, legacy's CP2xx ignored
    assert "warning[CP207]" in out
    # A flag on the command line wins over the file.
    assert main(["check", "--no-cache", "--fail-on", "error", str(project / "pathways")]) == 0


def test_carepath_toml_wins_over_pyproject_in_the_same_folder(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (project / "carepath.toml").write_text('ignore = ["CP207"]\n', encoding="utf-8")
    assert main(["check", "--no-cache", str(project / "pathways" / "a.cpath")]) == 0
    assert capsys.readouterr().out == ""


def test_a_pyproject_without_the_section_is_passed_by(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "carepath.toml").write_text('ignore = ["CP207"]\n', encoding="utf-8")
    (project / "pathways" / "pyproject.toml").write_text('[project]\nname = "x"\n', "utf-8")
    assert main(["check", "--show-settings", str(project / "pathways")]) == 0
    assert capsys.readouterr().out.startswith(f"configuration file: {project / 'carepath.toml'}")


def test_show_settings_says_where_each_value_came_from(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    assert main(["check", "--show-settings", "--select", "CP2", str(project)]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    assert lines["fail-on"].endswith(f"({project / 'pyproject.toml'})")
    assert "warning" in lines["fail-on"]
    assert lines["select"].endswith("(command line)") and "[CP2]" in lines["select"]
    assert lines["format"].endswith("(default)")
    assert "legacy/: CP2" in lines["per-file-ignores"]
    assert main(["test", "--show-settings", str(project)]) == 0
    shown = capsys.readouterr().out
    assert "min-coverage" in shown and "fail-on" not in shown  # only test's own settings


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('ignor = ["CP3"]\n', "unknown setting `ignor`; did you mean `ignore`?"),
        (
            'ignore = ["CP3044"]\n',
            "`ignore`: no code is or starts with 'CP3044'; did you mean CP304?",
        ),
        ('ignore = "CP3"\n', "`ignore`: expected a list of strings"),
        ('fail-on = "fatal"\n', '`fail-on`: expected "error", "warning" or "info"'),
        ("min-coverage = 120\n", "`min-coverage`: expected a number from 0 to 100"),
        ('format = "xml"\n', '`format`: expected one of "text", "json", "sarif"'),
        ("ignore = [\n", "not valid TOML"),
        ('[per-file-ignores]\n"x/" = ["CP9"]\n', "no code is or starts with 'CP9'"),
    ],
)
def test_every_mistake_in_a_file_is_an_error_naming_it(
    project: Path, capsys: pytest.CaptureFixture[str], text: str, said: str
) -> None:
    (project / "carepath.toml").write_text(text, encoding="utf-8")
    assert main(["check", "--no-cache", str(project / "pathways")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"carepath: configuration error: {project / 'carepath.toml'}")
    assert said in err


def test_config_names_a_file_and_a_missing_one_is_an_error(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = project / "ci.toml"
    elsewhere.write_text('[tool.carepath]\nignore = ["CP2"]\n', encoding="utf-8")
    assert main(["check", "--no-cache", "--config", str(elsewhere), str(project)]) == 0
    assert main(["check", "--config", str(project / "none.toml"), str(project)]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_cache_dir_is_relative_to_the_file(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "carepath.toml").write_text('cache-dir = "var/cache"\n', encoding="utf-8")
    main(["check", str(project / "pathways" / "a.cpath")])
    assert (project / "var" / "cache" / "CACHEDIR.TAG").is_file()
