"""What ``check`` finds in a set of files: from the result cache where it can, the
rest checked in parallel on all cores.

The one function every front end uses (``check``, ``test``, and a language server
later), so that a file's findings are the same however they are asked for.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from typing import TYPE_CHECKING

from carepath.cache import ResultCache
from carepath.codes import all_codes, load_code_modules
from carepath.dsl.diagnostics import Diagnostic
from carepath.dsl.files import STDIN, STDIN_NAME, read_source

if TYPE_CHECKING:
    from carepath.compiler.pathway import Loaded, Pathway


@dataclass(frozen=True)
class FileFindings:
    """One file's findings, its text (None when it could not be read), whether they
    came from the cache, and the findings a suppression comment silenced (SARIF
    reports those as suppressed rather than dropping them)."""

    file: str
    source: str | None
    diagnostics: tuple[Diagnostic, ...]
    cached: bool = False
    suppressed: tuple[Diagnostic, ...] = ()

    @property
    def unreadable(self) -> bool:
        return self.source is None


Found = tuple[tuple[Diagnostic, ...], tuple[Diagnostic, ...]]  # findings, suppressed


def check_one(
    text: str, file: str, settings: Mapping[str, object] | None = None
) -> tuple[Diagnostic, ...]:
    """Every finding of ``check`` in one text (parse, resolve, graph, every pass), with
    ``settings`` the fields of :class:`carepath.compiler.checks.Settings` to change."""
    return check_with_suppressed(text, file, settings)[0]


def check_with_suppressed(
    text: str, file: str, settings: Mapping[str, object] | None = None
) -> Found:
    """As :func:`check_one`, and the findings suppression comments silenced."""
    from carepath.compiler.check import check_text
    from carepath.compiler.checks import Settings
    from carepath.compiler.checks.logic_analysis import forget_analyses

    # Keep nothing of the previous file: its graph and the analysis the passes shared
    # would only be walked again by the collector.
    forget_analyses()
    loaded = check_text(text, file, Settings(**settings or {}))  # type: ignore[arg-type]
    return with_audit(loaded), loaded.silenced


def check_cached(
    text: str,
    file: str,
    cache: ResultCache | None,
    settings: Mapping[str, object] | None = None,
) -> tuple[Diagnostic, ...]:
    """:func:`check_one` for a text in hand (an editor's buffer), through the cache."""
    settings = settings or {}
    if cache is None:
        return check_one(text, file, settings)
    key = cache.key(text.encode("utf-8"), settings)
    hit = cache.get(key, file)
    if hit is not None:
        load_code_modules()  # the reports read each code's title from its registry
        return tuple(hit)
    found, suppressed = check_with_suppressed(text, file, settings)
    cache.put(key, file, found, suppressed)
    return found


def with_audit(loaded: Loaded) -> tuple[Diagnostic, ...]:
    """A checked file's findings with its suppression comments audited (CP015, CP016).

    Done here, not in the compiler, because only this layer sees every registry (a
    comment may name any carepath code, rendering ones too)."""
    if not loaded.source or "carepath:" not in loaded.source:
        return loaded.diagnostics
    audit = _audit(loaded)
    if not loaded.checked:
        # The checks did not run (the file has errors): "nothing reports CP208" is unknown.
        audit = [d for d in audit if d.code == "CP015"]
    return tuple(sorted([*loaded.diagnostics, *audit], key=Diagnostic.sort_key))


def _audit(loaded: Loaded) -> list[Diagnostic]:
    from carepath.dsl.suppress import audit_suppressions

    return audit_suppressions(loaded.source, loaded.file, loaded.silenced, all_codes())


def _check_job(job: tuple[str, str, Mapping[str, object]]) -> Found:
    return check_with_suppressed(*job)


def _look_up(
    file: str,
    cache: ResultCache | None,
    settings: Mapping[str, object],
    stdin_name: str | None = None,
) -> tuple[FileFindings, str | None]:
    """The file read, and its cache key: its findings when it cannot be read or the
    cache has them (``cached``), else none yet. ``-`` is standard input, named
    ``stdin_name`` (default ``<stdin>``)."""
    if file == STDIN:
        file = stdin_name or STDIN_NAME
        text, problem = read_source(STDIN, shown_as=file)
    else:
        text, problem = read_source(file)
    if text is None:
        assert problem is not None
        return FileFindings(file, None, (problem,)), None
    if cache is None:
        return FileFindings(file, text, ()), None
    key = cache.key(text.encode("utf-8"), settings)
    hit = cache.get_all(key, file)
    if hit is None:
        return FileFindings(file, text, ()), key
    load_code_modules()  # the reports read each code's title from its registry
    found, suppressed = hit
    return FileFindings(file, text, tuple(found), cached=True, suppressed=tuple(suppressed)), key


def find(
    files: Sequence[str],
    cache: ResultCache | None,
    settings: Mapping[str, object] | None = None,
    jobs: int | None = None,
    stdin_name: str | None = None,
) -> list[FileFindings]:
    """The findings of each file, in the order given (``-``: standard input, named
    ``stdin_name``). ``jobs``: processes for the files not in the cache (default: one
    per core; one file is checked here)."""
    settings = settings or {}
    results: dict[str, FileFindings] = {}
    todo: list[tuple[str, str, str | None]] = []  # file, text, cache key
    names: list[str] = []
    for file in files:
        known, key = _look_up(file, cache, settings, stdin_name)
        names.append(known.file)
        if known.source is None or known.cached:
            results[known.file] = known
        else:
            todo.append((known.file, known.source, key))
    workers = min(len(todo), jobs or os.cpu_count() or 1)
    if workers > 1:
        # fork: the children start with carepath already imported.
        with ProcessPoolExecutor(workers, mp_context=get_context("fork")) as pool:
            jobs_ = [(text, file, settings) for file, text, _ in todo]
            found = list(pool.map(_check_job, jobs_))
    else:
        found = [check_with_suppressed(text, file, settings) for file, text, _ in todo]
    for (file, text, key), (diagnostics, suppressed) in zip(todo, found, strict=True):
        results[file] = FileFindings(file, text, diagnostics, suppressed=suppressed)
        if cache is not None and key is not None:
            cache.put(key, file, diagnostics, suppressed)
    return [results[name] for name in names]


def find_and_load(
    file: str,
    cache: ResultCache | None,
    settings: Mapping[str, object] | None = None,
    stdin_name: str | None = None,
) -> tuple[FileFindings, Pathway | None]:
    """One file's findings and its pathway (None when it cannot be built), for
    commands that go on to use the pathway (``test``): on a cache hit the pathway is
    loaded without running the checks again."""
    from carepath.compiler.check import check_loaded
    from carepath.compiler.checks import Settings
    from carepath.compiler.pathway import load_text

    settings = settings or {}
    known, key = _look_up(file, cache, settings, stdin_name)
    if known.source is None:
        return known, None
    file = known.file
    loaded = load_text(known.source, file)
    if known.cached:
        return known, loaded.pathway
    checked = check_loaded(loaded, Settings(**settings))  # type: ignore[arg-type]
    diagnostics = with_audit(checked)
    if cache is not None and key is not None:
        cache.put(key, file, diagnostics, checked.silenced)
    return FileFindings(file, known.source, diagnostics, suppressed=checked.silenced), (
        checked.pathway
    )
