"""Settings from a configuration file, as ruff reads them: ``carepath.toml`` (its
top level) or ``[tool.carepath]`` in ``pyproject.toml``, the nearest one found by
walking up from the first path named (``--config FILE`` names one instead). A
flag on the command line wins over the file; the file wins over the default.

    # pyproject.toml
    [tool.carepath]
    select = ["CP"]
    ignore = ["CP311"]
    fail-on = "warning"
    extend-exclude = ["drafts/"]
    min-coverage = 90

    [tool.carepath.per-file-ignores]
    "legacy/" = ["CP2"]      # gitignore patterns, relative to this file

A key carepath does not know, a code that is no code, or a value of the wrong
kind is an error naming the key (and the nearest real one), never ignored: a
typo in a CI configuration must not quietly turn a check off.
"""

from __future__ import annotations

import argparse
import difflib
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from carepath.dsl.diagnostics import Severity

FILE_NAMES = ("carepath.toml", "pyproject.toml")


class ConfigError(ValueError):
    """A configuration file carepath cannot use; the message names the file."""


@dataclass(frozen=True)
class Key:
    """A configuration key: the option it sets (``dest``), the commands that have
    that option, and how a value from the file is read."""

    dest: str
    commands: frozenset[str]
    read: Callable[[Any, Path], Any]
    what: str


def _codes(value: Any, base: Path) -> tuple[str, ...]:
    from carepath.selection import parse_codes

    items = _strings(value, base)
    try:
        return parse_codes(",".join(items), "config")
    except argparse.ArgumentTypeError as error:
        raise ValueError(str(error)) from None


def _strings(value: Any, base: Path) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("expected a list of strings")
    return tuple(value)


def _severity(value: Any, base: Path) -> Severity:
    if isinstance(value, str) and value.upper() in Severity.__members__:
        return Severity.parse(value)
    raise ValueError('expected "error", "warning" or "info"')


def _choice(*choices: str) -> Callable[[Any, Path], str]:
    def read(value: Any, base: Path) -> str:
        if value not in choices:
            raise ValueError("expected one of " + ", ".join(f'"{c}"' for c in choices))
        return str(value)

    return read


def _count(value: Any, base: Path) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError("expected a whole number, 0 or more")
    return value


def _percent(value: Any, base: Path) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
        raise ValueError("expected a number from 0 to 100")
    return float(value)


def _boolean(value: Any, base: Path) -> bool:
    if not isinstance(value, bool):
        raise ValueError("expected true or false")
    return value


def _folder(value: Any, base: Path) -> str:
    if not isinstance(value, str):
        raise ValueError("expected a path")
    return str(base / value)  # relative to the configuration file, as ruff's


def _url(value: Any, base: Path) -> str:
    if not isinstance(value, str) or not value.startswith(("https://", "http://")):
        raise ValueError("expected an http(s) address")
    return value


def _per_file(value: Any, base: Path) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(value, dict):
        raise ValueError('expected a table of pattern = ["CODE", …]')
    return tuple((str(pattern), _codes(codes, base)) for pattern, codes in value.items())


_FOLDERS = frozenset({"check", "fmt", "test", "html"})
KEYS: Mapping[str, Key] = {
    "select": Key("select", frozenset({"check"}), _codes, "codes or prefixes to report"),
    "ignore": Key("ignore", frozenset({"check"}), _codes, "codes or prefixes never to report"),
    "per-file-ignores": Key(
        "per_file_ignores", frozenset({"check"}), _per_file, "codes to ignore, by file pattern"
    ),
    "fail-on": Key("fail_on", frozenset({"check"}), _severity, "lowest severity that fails"),
    "format": Key(
        "format",
        frozenset({"check"}),
        _choice("text", "json", "sarif", "junit", "github", "gitlab"),
        "output format of check",
    ),
    "max-regions": Key("max_regions", frozenset({"check"}), _count, "regions per decision"),
    "max-per-code": Key("max_per_code", frozenset({"check"}), _count, "findings per code"),
    "min-coverage": Key("min_coverage", frozenset({"test"}), _percent, "branch coverage"),
    "exclude": Key("exclude", _FOLDERS, _strings, "patterns not searched"),
    "extend-exclude": Key("extend_exclude", _FOLDERS, _strings, "more patterns not searched"),
    "respect-gitignore": Key("respect_gitignore", _FOLDERS, _boolean, "honour .gitignore"),
    "cache-dir": Key("cache_dir", frozenset({"check", "test", "lsp"}), _folder, "result cache"),
    "docs-url": Key("docs_url", frozenset({"check"}), _url, "published diagnostics page"),
}


@dataclass(frozen=True)
class Config:
    """The settings a file gives (``values`` by option dest), and the file."""

    path: Path | None
    values: Mapping[str, Any]

    @property
    def folder(self) -> Path:
        return self.path.parent if self.path is not None else Path.cwd()


def find(start: Path) -> Path | None:
    """The nearest configuration file at or above ``start`` (a file or folder): in
    each folder ``carepath.toml``, else a ``pyproject.toml`` with ``[tool.carepath]``."""
    folder = start.resolve()
    if not folder.is_dir():
        folder = folder.parent
    for candidate in [folder, *folder.parents]:
        own = candidate / "carepath.toml"
        if own.is_file():
            return own
        project = candidate / "pyproject.toml"
        if project.is_file() and _has_section(project):
            return project
    return None


def _has_section(project: Path) -> bool:
    try:
        data = tomllib.loads(project.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False  # not ours to judge: carepath only reads its own section
    return isinstance(data.get("tool"), dict) and "carepath" in data["tool"]


def load(path: Path) -> Config:
    """Read and check one configuration file; ConfigError says what is wrong."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    where = str(path)
    tool = data.get("tool")
    if path.name == "pyproject.toml" or (isinstance(tool, dict) and "carepath" in tool):
        section = tool.get("carepath", {}) if isinstance(tool, dict) else {}
        where += " [tool.carepath]"
    else:
        section = data
    if not isinstance(section, dict):
        raise ConfigError(f"{where}: expected a table of settings")
    values: dict[str, Any] = {}
    for name, raw in section.items():
        key = KEYS.get(name)
        if key is None:
            near = difflib.get_close_matches(name, list(KEYS), n=1, cutoff=0.6)
            hint = f"; did you mean `{near[0]}`?" if near else f"; known: {', '.join(KEYS)}"
            raise ConfigError(f"{where}: unknown setting `{name}`{hint}")
        try:
            values[key.dest] = key.read(raw, path.parent)
        except ValueError as error:
            raise ConfigError(f"{where}: `{name}`: {error}") from None
    return Config(path, values)


def given_options(parser: argparse.ArgumentParser, argv: list[str]) -> set[str]:
    """The dests of the options ``argv`` sets explicitly (defaults do not count)."""
    saved = [(action, action.default) for action in parser._actions]
    defaults = dict(parser._defaults)  # set_defaults(): not given either
    for action, _ in saved:
        action.default = argparse.SUPPRESS
    parser._defaults.clear()
    try:
        namespace, _ = parser.parse_known_args(argv)
    finally:
        for action, default in saved:
            action.default = default
        parser._defaults.update(defaults)
    return set(vars(namespace))


@dataclass(frozen=True)
class Setting:
    name: str
    value: Any
    source: str  # "default", "command line", or the file


def apply(args: argparse.Namespace, command: str, config: Config, given: set[str]) -> list[Setting]:
    """Set on ``args`` each value the file gives and the command line does not; the
    settings of ``command`` in force, each with where it came from."""
    shown: list[Setting] = []
    for name, key in KEYS.items():
        if command not in key.commands or not hasattr(args, key.dest):
            continue
        if key.dest in given:
            source = "command line"
        elif key.dest in config.values:
            setattr(args, key.dest, config.values[key.dest])
            source = str(config.path)
        else:
            source = "default"
        shown.append(Setting(name, getattr(args, key.dest), source))
    return shown


def show(settings: list[Setting], config: Config) -> str:
    """``--show-settings``: one line per setting: its value and where it came from."""
    lines = [f"configuration file: {config.path or '(none found)'}"]
    width = max((len(s.name) for s in settings), default=0)
    for setting in settings:
        value = _shown(setting.value)
        if setting.name == "exclude" and setting.value is None:
            from carepath.discovery import DEFAULT_EXCLUDE

            value = _shown(DEFAULT_EXCLUDE)
        lines.append(f"{setting.name:<{width}}  {value}  ({setting.source})")
    return "\n".join(lines) + "\n"


def _shown(value: Any) -> str:
    if isinstance(value, Severity):
        return str(value)
    if isinstance(value, tuple | list):
        if value and all(isinstance(v, tuple) for v in value):
            return "; ".join(f"{p}: {','.join(c)}" for p, c in value) or "[]"
        return "[" + ", ".join(str(v) for v in value) + "]"
    return "(not set)" if value is None else str(value)
