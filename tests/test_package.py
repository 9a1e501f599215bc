"""The package as a user installs it: ``python -m build`` makes an sdist and a wheel
(the wheel built from the sdist, so both are complete), and the wheel installed into
a fresh virtual environment checks, renders and evaluates the seed pathway, with the
grammar, templates, scripts and licence inside it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "pathways" / "chronic_osteoporotic_vcf.cpath"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        cwd=out,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    (wheel,) = out.glob("*.whl")
    (sdist,) = out.glob("*.tar.gz")
    return wheel, sdist


def test_the_wheel_holds_the_data_files_and_the_licence(built: tuple[Path, Path]) -> None:
    wheel, sdist = built
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    for needed in (
        "carepath/py.typed",
        "carepath/dsl/pathway.lark",
        "carepath/compiler/units_table.json",
        "carepath/render/static/evaluator.js",
        "carepath/render/templates/pathway.html",
        "carepath-0.1.0.dist-info/licenses/LICENSE",
    ):
        assert needed in names
    with zipfile.ZipFile(wheel) as archive:
        metadata = archive.read("carepath-0.1.0.dist-info/METADATA").decode()
    assert "License-Expression: Apache-2.0" in metadata
    assert "Requires-Python: >=3.11" in metadata
    assert "Classifier: Typing :: Typed" in metadata
    with tarfile.open(sdist) as archive:
        members = archive.getnames()
    assert "carepath-0.1.0/LICENSE" in members and "carepath-0.1.0/dsl/pathway.lark" in members


def test_the_wheel_runs_in_a_fresh_environment(built: tuple[Path, Path], tmp_path: Path) -> None:
    wheel, _ = built
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    # The wheel alone; its dependencies come from this environment's site-packages
    # on PYTHONPATH (a path entry, so the editable carepath there, a .pth hook, is not
    # seen), which keeps the test off the network.
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
        capture_output=True,
        text=True,
    )
    assert install.returncode == 0, install.stderr
    env = {**os.environ, "PYTHONPATH": sysconfig.get_paths()["purelib"]}
    env.pop("CAREPATH_CACHE_DIR", None)
    where = subprocess.run(
        [str(python), "-c", "import carepath; print(carepath.__file__)"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert where.stdout.startswith(str(env_dir)), (where.stdout, where.stderr)
    carepath = env_dir / "bin" / "carepath"
    check = subprocess.run(
        [str(carepath), "check", "--no-cache", str(SEED)], capture_output=True, text=True, env=env
    )
    assert (check.returncode, check.stdout, check.stderr) == (0, "", "")
    record = tmp_path / "patient.json"
    record.write_text(json.dumps({"fracture_age": "10 weeks", "neuro_deficit": True}))
    run = subprocess.run(
        [str(carepath), "run", str(SEED), "--patient", str(record), "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert json.loads(run.stdout)["outcome"] == "surgical_consultation", run.stderr
    html = subprocess.run(
        [str(carepath), "html", str(SEED), "-o", str(tmp_path / "site")],
        capture_output=True,
        text=True,
        env=env,
    )
    assert html.returncode == 0, html.stderr
    assert (tmp_path / "site" / "index.html").is_file()
