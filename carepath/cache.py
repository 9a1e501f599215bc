"""A result cache like ruff's: what ``check`` found in a file, kept by content.

An entry is keyed by the SHA-256 of the file's bytes, of the settings that change
what is found, and of carepath itself (its version and the text of every module
and data file it is made of, so an edited carepath never serves an old result,
even at the same version number). Entries are JSON files written atomically
(a temporary file in the same folder, then a rename), so concurrent runs never
read half an entry; an entry that cannot be read is recomputed, and a cache
folder that cannot be written is simply not written. Nothing about the cache
ever changes what a command prints or its exit code.

The folder is ``.carepath_cache`` in the current directory, or ``--cache-dir``
/ ``CAREPATH_CACHE_DIR``; like ruff's it holds a ``CACHEDIR.TAG`` and a
``.gitignore`` of ``*``. ``--no-cache`` neither reads nor writes it.

>>> import tempfile
>>> from carepath.dsl.diagnostics import Severity, Witness
>>> folder = tempfile.mkdtemp()
>>> cache = ResultCache(folder)
>>> found = [Diagnostic("CP304", Severity.ERROR, "gap", Span("p.cpath", 3, 1, 3, 9),
...                     ("a note",), Witness((("age", "17 years"),), ("d",)))]
>>> key = cache.key(b"pathway text", {"max_regions": 10})
>>> cache.get(key, "p.cpath") is None
True
>>> cache.put(key, "p.cpath", found)
>>> cache.get(key, "p.cpath") == found
True
>>> cache.get(key, "elsewhere.cpath")[0].span.file  # the same text under another name
'elsewhere.cpath'
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from carepath.dsl.diagnostics import Diagnostic, Severity, Witness
from carepath.dsl.files import write_atomic
from carepath.dsl.spans import Span
from carepath.version import __version__

DEFAULT_FOLDER = ".carepath_cache"
ENVIRONMENT = "CAREPATH_CACHE_DIR"
FORMAT = 3  # of an entry; part of every key (2: suppressed findings; 3: derived values)
UNDECIDED = "CP313"
_PACKAGES = ("carepath", "carepath.dsl", "carepath.compiler", "carepath.render")
_SUFFIXES = (".py", ".lark", ".json")
_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by carepath.\n"
)


@functools.cache
def carepath_digest() -> str:
    """SHA-256 of carepath's version and of every module and data file it is made of
    (about 1 MB; a few milliseconds)."""
    sha = hashlib.sha256(f"{__version__}\0{FORMAT}\0".encode())
    for package in _PACKAGES:
        spec = importlib.util.find_spec(package)
        for folder in (spec.submodule_search_locations or []) if spec else []:
            root = Path(folder)
            for path in sorted(p for p in root.rglob("*") if p.suffix in _SUFFIXES):
                if "__pycache__" in path.parts or (
                    package == "carepath"
                    and (path.relative_to(root).parts[0] in ("dsl", "compiler", "render"))
                ):
                    continue
                data = path.read_bytes()
                sha.update(f"{package}/{path.relative_to(root)}\0{len(data)}\0".encode())
                sha.update(data)
    return sha.hexdigest()


def folder_for(option: str | None) -> Path:
    return Path(option or os.environ.get(ENVIRONMENT) or DEFAULT_FOLDER)


class ResultCache:
    """Findings by key, in ``folder``."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)
        self.writable = True

    def key(self, content: bytes, settings: Mapping[str, object]) -> str:
        sha = hashlib.sha256(carepath_digest().encode())
        sha.update(json.dumps(dict(settings), sort_keys=True, default=str).encode())
        sha.update(b"\0")
        sha.update(content)
        return sha.hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str, file: str) -> list[Diagnostic] | None:
        """The findings stored under ``key``, with ``file`` as their file; None when
        there is no readable entry."""
        entry = self.get_all(key, file)
        return None if entry is None else entry[0]

    def get_all(self, key: str, file: str) -> tuple[list[Diagnostic], list[Diagnostic]] | None:
        """The findings and the suppressed findings stored under ``key``."""
        try:
            data = json.loads(self._path(key).read_text(encoding="utf-8"))
            if data.get("format") != FORMAT:
                return None
            found = [_diagnostic(d, file) for d in data["diagnostics"]]
            return found, [_diagnostic(d, file) for d in data["suppressed"]]
        except (OSError, ValueError, KeyError, TypeError, IndexError):
            return None

    def put(
        self,
        key: str,
        file: str,
        diagnostics: Sequence[Diagnostic],
        suppressed: Sequence[Diagnostic] = (),
    ) -> None:
        """Store the findings (and those a comment suppressed); a folder that cannot be
        written is left alone. Findings with a "could not decide" (CP313, a solver that
        ran out of time) are not stored: another run may decide."""
        if not self.writable or any(d.code == UNDECIDED for d in (*diagnostics, *suppressed)):
            return
        entry = {
            "format": FORMAT,
            "diagnostics": [_record(d, file) for d in diagnostics],
            "suppressed": [_record(d, file) for d in suppressed],
        }
        try:
            self._prepare()
            write_atomic(self._path(key), json.dumps(entry, ensure_ascii=False))
        except OSError:
            self.writable = False

    def _prepare(self) -> None:
        if (self.folder / "CACHEDIR.TAG").exists():
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        write_atomic(self.folder / ".gitignore", "# Created by carepath.\n*\n")
        write_atomic(self.folder / "CACHEDIR.TAG", _TAG)


def _span(span: Span, file: str) -> list[Any]:
    # The file's own name is not stored: the same text under another name is a hit.
    return [None if span.file == file else span.file, *span[1:]]


def _unspan(data: list[Any], file: str) -> Span:
    name, line, column, end_line, end_column = data
    return Span(file if name is None else name, line, column, end_line, end_column)


def _record(d: Diagnostic, file: str) -> dict[str, Any]:
    witness = None
    if d.witness is not None:
        w = d.witness
        witness = {"patient": [list(p) for p in w.patient], "path": list(w.path)}
        witness["description"] = w.description
        witness["derived"] = [list(p) for p in w.derived]
    return {
        "code": d.code,
        "severity": int(d.severity),
        "message": d.message,
        "span": _span(d.span, file),
        "notes": list(d.notes),
        "witness": witness,
        "related": [[_span(span, file), text] for span, text in d.related],
    }


def _diagnostic(data: dict[str, Any], file: str) -> Diagnostic:
    w = data["witness"]
    witness = None
    if w is not None:
        patient = tuple((str(name), str(value)) for name, value in w["patient"])
        derived = tuple((str(name), str(value)) for name, value in w["derived"])
        witness = Witness(patient, tuple(w["path"]), w["description"], derived)
    return Diagnostic(
        str(data["code"]),
        Severity(data["severity"]),
        str(data["message"]),
        _unspan(data["span"], file),
        tuple(str(n) for n in data["notes"]),
        witness,
        tuple((_unspan(span, file), str(text)) for span, text in data["related"]),
    )
