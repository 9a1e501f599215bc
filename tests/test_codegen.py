"""The compiled evaluator: standalone, valid, formatted, traceable to pathway lines."""

from __future__ import annotations

import ast
import subprocess
import sys
import tempfile
import types
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carepath.compiler.codegen_python import generate, load_module, pathway_lines, to_result
from carepath.compiler.evaluate import evaluate
from carepath.compiler.pathway import Pathway, load, load_text
from carepath.compiler.units import format_duration, format_number
from tests.strategies import pathway_sources

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "pathways" / "chronic_osteoporotic_vcf.cpath"
RUFF = Path(sys.executable).with_name("ruff")


@pytest.fixture(scope="module")
def seed() -> Pathway:
    loaded = load(SEED)
    assert loaded.pathway is not None
    return loaded.pathway


def test_module_runs_without_carepath(seed: Pathway, tmp_path: Path) -> None:
    (tmp_path / "vcf.py").write_text(generate(seed).source, encoding="utf-8")
    script = (
        f"import sys\nsys.path.insert(0, {str(tmp_path)!r})\n"
        "from fractions import Fraction\nimport vcf\n"
        "r = vcf.evaluate({'fracture_age': 4 * Fraction(604800)})\n"
        "print(r.status, r.outcome)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'carepath'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.split("\n")[:2] == ["complete outside_pathway", "[]"]


def test_module_is_valid_and_imports_only_stdlib(seed: Pathway) -> None:
    tree = ast.parse(generate(seed).source)
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported <= {"fractions", "typing", "__future__"}


def test_module_is_ruff_clean(seed: Pathway, tmp_path: Path) -> None:
    module = tmp_path / "vcf.py"
    module.write_text(generate(seed).source, encoding="utf-8")
    fmt = subprocess.run(
        [str(RUFF), "format", "--isolated", "--check", str(module)], capture_output=True, text=True
    )
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr
    check = subprocess.run(
        [str(RUFF), "check", "--isolated", "--select", "E,F,W,I,B,UP,SIM", str(module)],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout


def test_line_map_points_at_the_pathway_lines(seed: Pathway) -> None:
    generated = generate(seed)
    lines = generated.source.split("\n")
    pathway_source = seed.source.split("\n")
    for number, line in generated.line_map.items():
        text = lines[number - 1].strip()
        if text.startswith(("def when_", "def item_")):
            # a branch's or item's condition comes from a line holding `when`
            assert "when" in pathway_source[line - 1], (text, pathway_source[line - 1])
        if text.startswith("# line "):
            assert text.startswith(f"# line {line}:")

    def origin(prefix: str) -> str:
        [number] = [n for n, text in enumerate(lines, start=1) if text.startswith(prefix)]
        return pathway_source[generated.line_map[number] - 1]

    assert "when fracture_age <= 6 weeks -> outside_pathway" in origin("def when_chronicity_0(")
    assert "when ckd or cardiovascular_disease" in origin("def item_conservative_care_1(")
    assert '"Acetaminophen as first-line analgesic"' in origin("R_conservative_care_0 = ")
    assert origin("def define_older_adult").startswith("define older_adult = age >= 65")
    assert origin("D_augmentation = ").startswith("decision augmentation")
    module = load_module(seed)
    assert generated.line_map == module.LINE_MAP


def test_runtime_error_maps_back_to_the_pathway(seed: Pathway) -> None:
    module = load_module(seed)
    with pytest.raises(TypeError) as caught:
        module.evaluate({"fracture_age": "ten weeks"})
    lines = pathway_lines(caught.value, module)
    assert lines and "fracture_age" in seed.source.split("\n")[lines[-1] - 1]


def test_seed_cases_agree(seed: Pathway) -> None:
    module = load_module(seed)
    for case in seed.cases:
        assert to_result(module.evaluate(case.patient, case.written)) == evaluate(
            seed, case.patient, case.written
        )


def test_compile_help_example_runs(seed: Pathway, tmp_path: Path) -> None:
    """The example in `carepath compile --help` is a doctest against the real module."""
    import doctest
    import textwrap

    from carepath.commands import compile as command

    example = textwrap.dedent(command.DESCRIPTION.split("examples:")[1].split("exit codes:")[0])
    (tmp_path / "vcf.py").write_text(generate(seed).source, encoding="utf-8")
    sys.path.insert(0, str(tmp_path))
    try:
        test = doctest.DocTestParser().get_doctest(example, {}, "compile --help", None, 0)
        runner = doctest.DocTestRunner()
        runner.run(test)
        assert runner.summarize(verbose=False).failed == 0
        assert runner.summarize(verbose=False).attempted == 6
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("vcf", None)


@settings(max_examples=15, deadline=None)
@given(source=pathway_sources(allow_cycles=True))
def test_random_pathways_compile_to_ruff_clean_modules(source: str) -> None:
    loaded = load_text(source, "random.cpath")
    assert loaded.pathway is not None
    generated = generate(loaded.pathway).source
    _assert_ruff_clean(generated)


@pytest.mark.parametrize("character", ["日", "🙂", "é"])
def test_wide_characters_are_measured_as_ruff_measures_them(character: str) -> None:
    # Found by hypothesis: a comment cut at 88 characters was 89 columns wide, as a
    # wide character takes two.
    text = character * 30 + " " + character * 30
    source = (
        'pathway p "P"\ninput fever: boolean "Fever"\nstart a\n'
        f'action a "A"\n  recommend "{text}" when fever\n  next e\nend e "{text}"\n'
    )
    loaded = load_text(source, "wide.cpath")
    assert loaded.pathway is not None, loaded.diagnostics
    generated = generate(loaded.pathway).source
    assert character in generated
    _assert_ruff_clean(generated)


def _assert_ruff_clean(generated: str) -> None:
    ast.parse(generated)
    with tempfile.TemporaryDirectory() as folder:
        module = Path(folder) / "m.py"
        module.write_text(generated, encoding="utf-8")
        fmt = subprocess.run(
            [str(RUFF), "format", "--isolated", "--check", "--diff", str(module)],
            capture_output=True,
            text=True,
        )
        assert fmt.returncode == 0, fmt.stdout
        check = subprocess.run(
            [str(RUFF), "check", "--isolated", "--select", "E,F,W,B,UP,SIM", str(module)],
            capture_output=True,
            text=True,
        )
        assert check.returncode == 0, check.stdout


@settings(max_examples=200, deadline=None)
@given(
    value=st.fractions(max_denominator=10**6).filter(lambda v: v != 0),
    scale=st.sampled_from([Fraction(1), Fraction(60), Fraction(86400), Fraction(604800)]),
)
def test_copied_number_formatting_agrees(value: Fraction, scale: Fraction) -> None:
    module = _module_for_formatting()
    assert module.format_number(value) == format_number(value)
    assert module.format_duration(abs(value) * scale) == format_duration(abs(value) * scale)


@settings(max_examples=300, deadline=None)
@given(numerator=st.integers(-(10**15), 10**15), places=st.integers(0, 12))
def test_decimals_are_written_as_decimals_exactly(numerator: int, places: int) -> None:
    # Found by hypothesis through `cases --generate`: 16500.01 went through a float,
    # came back as 16500.010000000001, and was written 1650001/100, which a `given`
    # line cannot read.
    value = Fraction(numerator, 10**places)
    for formatted in (format_number(value), _module_for_formatting().format_number(value)):
        assert "/" not in formatted
        assert Fraction(formatted) == value


@lru_cache(maxsize=1)
def _module_for_formatting() -> types.ModuleType:
    loaded = load(SEED)
    assert loaded.pathway is not None
    return load_module(loaded.pathway)
