"""Reading pathway files with a clear diagnostic for every way it can fail, and writing
output files so that a failure never leaves a half-written file behind."""

from __future__ import annotations

import errno
import glob
import os
import re
import shutil
import stat
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

from . import codes as _codes  # noqa: F401 - registers CP006-CP008
from .diagnostics import Diagnostic, make
from .spans import Span

MAX_FILE_BYTES = 16 * 1024 * 1024
# Digits in one number, in a pathway or a record: beyond them exact arithmetic gets
# slow and Python's 4,300-digit conversion limit is near; no clinical value needs more.
MAX_NUMBER_DIGITS = 40
_LONE_CR = re.compile(r"\r(?!\n)")


_TEMPORARY = re.compile(r"\.(?P<name>.+)\.carepath-(?P<pid>\d+)-[^.]+\.tmp")


def temporary_beside(target: Path) -> tuple[int, str]:
    """A new temporary file next to ``target`` (for an atomic rename onto it), named
    after the process writing it: ``.name.carepath-PID-xxxx.tmp``.

    A run killed outright (SIGKILL, a power cut) cannot remove its temporary file, so
    each new one first removes those that dead carepath processes left for the same
    target: a later run cleans up after a killed one."""
    sweep_temporaries(target)
    return tempfile.mkstemp(
        prefix=f".{target.name}.carepath-{os.getpid()}-", suffix=".tmp", dir=target.parent
    )


def sweep_temporaries(target: Path) -> list[Path]:
    """Remove the temporary files of ``target`` whose process is gone; the removed."""
    removed: list[Path] = []
    try:
        candidates = list(target.parent.glob(f".{glob.escape(target.name)}.carepath-*.tmp"))
    except OSError:
        return removed
    for leftover in candidates:
        found = _TEMPORARY.fullmatch(leftover.name)
        if found is None or found.group("name") != target.name:
            continue
        if _alive(int(found.group("pid"))):
            continue  # another run is writing it now
        try:
            if leftover.is_dir() and not leftover.is_symlink():
                shutil.rmtree(leftover)  # a site built aside (write_site)
            else:
                leftover.unlink()
            removed.append(leftover)
        except OSError:
            pass
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: not ours to judge
    return True


def write_atomic(path: str | os.PathLike[str], data: str | bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and a rename."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = temporary_beside(target)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data.encode("utf-8") if isinstance(data, str) else data)
        # mkstemp makes the file private (0600); an output file gets the permissions
        # any new file would (0666 less the umask), so a published page is readable.
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def output_target(path: str | os.PathLike[str]) -> tuple[Path, bool]:
    """Where an output named ``path`` goes, and whether to stream into it rather than
    replace it. A symlink is followed (the file it names is replaced, the link kept);
    a device or FIFO (``/dev/null``, a pipe) is written into, never replaced by a
    plain file; a directory is refused (IsADirectoryError)."""
    target = Path(os.path.realpath(path))
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        return target, False
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, "is a directory", str(path))
    return target, not stat.S_ISREG(mode)


def write_output(path: str | os.PathLike[str], data: str | bytes) -> None:
    """Write a command's output: ``-`` is standard output; otherwise as
    :func:`output_target` says, atomically when it is a regular file."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if str(path) == "-":
        sys.stdout.flush()
        sys.stdout.buffer.write(raw)
        sys.stdout.buffer.flush()
        return
    target, stream = output_target(path)
    if stream:
        with open(target, "wb") as handle:
            handle.write(raw)
        return
    write_atomic(target, raw)


def write_site(folder: str | os.PathLike[str], files: Mapping[str, str], last: str) -> None:
    """Write a set of files into ``folder`` so that a failure changes nothing: every file
    is written in full beside it first, then each is renamed into place, ``last``
    (the index that links to the others) after all the rest. A new folder appears
    whole, in one rename. Other files in the folder are left alone. An OSError names
    the file that failed (its ``filename``)."""
    out = Path(folder)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "is not a directory", str(out))
    sweep_temporaries(out)
    aside = Path(
        tempfile.mkdtemp(
            prefix=f".{out.name}.carepath-{os.getpid()}-", suffix=".tmp", dir=out.parent
        )
    )
    try:
        mask = _umask()
        for name, text in files.items():
            path = aside / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            os.chmod(path, 0o666 & ~mask)
        if not out.exists():
            os.chmod(aside, 0o777 & ~mask)
            os.rename(aside, out)
            return
        # Every target is checked before the first rename, so that a known obstacle
        # leaves the whole folder as it was.
        for name in files:
            if (out / name).is_dir():
                raise IsADirectoryError(errno.EISDIR, "is a directory", str(out / name))
        for name in sorted(files, key=lambda n: (n == last, n)):
            target = out / name
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(aside / name, target)
    finally:
        shutil.rmtree(aside, ignore_errors=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def read_bounded(file: Path, limit: int) -> bytes | None:
    """At most ``limit`` bytes of a file, or None when it holds more. Reads rather than
    trusting the size on disk: a device or pipe (``/dev/zero``, a FIFO) reports size 0
    and would otherwise be read until memory runs out."""
    with file.open("rb") as stream:
        data = stream.read(limit + 1)
    return None if len(data) > limit else data


STDIN = "-"
# What a pathway read from standard input is called in messages without --stdin-filename.
STDIN_NAME = "<stdin>"


def read_source(
    path: str | os.PathLike[str], *, shown_as: str | None = None
) -> tuple[str | None, Diagnostic | None]:
    """The text of a pathway file, or the diagnostic that says why it cannot be read.
    ``-`` reads standard input (as ruff and prettier do); ``shown_as`` is the name
    messages give it (default ``<stdin>``)."""
    if str(path) == STDIN:
        return _read_stdin(shown_as or STDIN_NAME)
    name = shown_as or str(path)
    where = Span.point(name, 1)
    file = Path(path)
    try:
        size = file.stat().st_size
        if file.is_dir():
            return None, make("CP006", f"`{name}` is a directory, not a pathway file", where)
        if size > MAX_FILE_BYTES:
            return None, make(
                "CP007",
                f"`{name}` is {size / 1024 / 1024:.1f} MiB; pathway files are limited "
                f"to {MAX_FILE_BYTES // 1024 // 1024} MiB",
                where,
            )
        bounded = read_bounded(file, MAX_FILE_BYTES)
    except FileNotFoundError:
        return None, make("CP006", f"`{name}` does not exist", where)
    except OSError as error:
        return None, make("CP006", f"cannot read `{name}`: {error.strerror}", where)
    return _decoded(bounded, name)


def _read_stdin(name: str) -> tuple[str | None, Diagnostic | None]:
    try:
        data = sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        return None, make(
            "CP006", f"cannot read standard input: {error.strerror}", Span.point(name, 1)
        )
    return _decoded(data if len(data) <= MAX_FILE_BYTES else None, name)


def _decoded(data: bytes | None, name: str) -> tuple[str | None, Diagnostic | None]:
    where = Span.point(name, 1)
    if data is None:
        return None, make(
            "CP007",
            f"`{name}` holds more than {MAX_FILE_BYTES // 1024 // 1024} MiB; pathway "
            "files are limited to that",
            where,
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return None, make(
            "CP008", f"`{name}` is not UTF-8 text (byte {error.start})", Span.point(name, line)
        )
    if "\x00" in text:
        return None, make("CP008", f"`{name}` is a binary file, not text", where)
    if "\r" in text:
        # A line may end with LF or CRLF (kept as written), or with a lone CR, as old
        # Mac editors save: read as a line end too, so lines count as an editor shows.
        text = _LONE_CR.sub("\n", text)
    return text, None
