"""``[tool.policy-check]`` settings: where they are found, what each key means, and
one-line errors that name the file, the line and the key."""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from policy_check.globs import check_glob

TABLE = "tool.policy-check"

# Folders nobody wants checked; `exclude` replaces this list, `extend-exclude` adds to it (as ruff).
DEFAULT_EXCLUDE: tuple[str, ...] = (
    ".bzr", ".direnv", ".eggs", ".git", ".hg", ".ipynb_checkpoints", ".mypy_cache", ".nox",
    ".pants.d", ".policy_check_cache", ".pytest_cache", ".pytype", ".ruff_cache", ".svn",
    ".tox", ".venv", ".vscode", "__pypackages__", "_build", "buck-out", "build", "dist",
    "node_modules", "site-packages", "venv",
)


class ConfigError(Exception):
    """A user's configuration is wrong; the message is one line and names the place."""


class TomlError(ValueError):
    """A text that is not TOML: tomlkit's message, and the line when it says it."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


class _SettingsFields(NamedTuple):
    # A NamedTuple, not a frozen dataclass: as immutable, equal and hashable, and
    # ~0.4M instructions to define instead of ~4M, on every run.
    root: Path
    config_file: Path | None = None
    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    allow_print: tuple[str, ...] = ()
    max_complexity: int = 10
    min_maintainability: float = 10.0
    max_file_mb: float = 5.0
    absolute_path_prefixes: tuple[str, ...] | None = None
    extend_absolute_path_prefixes: tuple[str, ...] = ()
    ruff: bool = True
    free_threaded: bool = False
    # Report `# noqa: PCxxx` directives that silence nothing (PC001).
    report_unused_noqa: bool = False
    # `--target-version`, handed to ruff (None: ruff reads it from the project).
    target_version: str | None = None


class Settings(_SettingsFields):
    """A run's settings; ``root`` defaults to the working directory."""

    __slots__ = ()

    def __new__(cls, root: Path | None = None, *args: Any, **values: Any) -> Settings:
        return super().__new__(cls, Path.cwd() if root is None else root, *args, **values)

    def fingerprint(self) -> str:
        """A digest of everything that can change a file's findings (for the cache)."""
        import hashlib  # ~12M instructions (OpenSSL): only runs that use the cache pay them

        data = {name: value for name, value in zip(self._fields, self) if name != "config_file"}
        return hashlib.sha256(json.dumps(data, default=str, sort_keys=True).encode()).hexdigest()[:16]

    def with_overrides(self, **changes: Any) -> Settings:
        return self._replace(**changes)


# ---------------------------------------------------------------------------
# Key schema: the TOML key, the Settings field, and a converter that raises
# ValueError with "expected …" on a bad value.

CODE_PATTERN = re.compile(r"^[A-Z]+[0-9]*$")


def _string_list(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError("expected a list of strings")
    return tuple(str(item) for item in value)


def _glob_list(value: Any) -> tuple[str, ...]:
    globs = _string_list(value)
    for glob in globs:
        check_glob(glob)
    return globs


def _code_list(value: Any) -> tuple[str, ...]:
    codes = _string_list(value)
    for code in codes:
        if not CODE_PATTERN.match(code):
            raise ValueError(f"expected rule codes or prefixes such as 'PC3' or 'PC301', got {code!r}")
    return codes


def _positive_number(kind: type) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
            raise ValueError(f"expected a positive {'whole number' if kind is int else 'number'}")
        if kind is int and not float(value).is_integer():
            raise ValueError("expected a positive whole number")
        return kind(value)

    return convert


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("expected true or false")
    return bool(value)


def _per_file_ignores(value: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(value, dict):
        raise ValueError('expected a table of glob = ["CODE", …]')
    for glob in value:
        check_glob(str(glob))
    return tuple((str(glob), _code_list(list(codes) if isinstance(codes, list) else codes)) for glob, codes in value.items())


SCHEMA: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "select": ("select", _code_list),
    "extend-select": ("extend_select", _code_list),
    "ignore": ("ignore", _code_list),
    "exclude": ("exclude", _glob_list),
    "extend-exclude": ("extend_exclude", _glob_list),
    "per-file-ignores": ("per_file_ignores", _per_file_ignores),
    "allow-print": ("allow_print", _glob_list),
    "max-complexity": ("max_complexity", _positive_number(int)),
    "min-maintainability": ("min_maintainability", _positive_number(float)),
    "max-file-mb": ("max_file_mb", _positive_number(float)),
    "absolute-path-prefixes": ("absolute_path_prefixes", _string_list),
    "extend-absolute-path-prefixes": ("extend_absolute_path_prefixes", _string_list),
    "ruff": ("ruff", _boolean),
    "free-threaded": ("free_threaded", _boolean),
    "report-unused-noqa": ("report_unused_noqa", _boolean),
}


def _key_line(text: str, key: str) -> int:
    """The line of ``key`` inside the policy-check table (1 if it cannot be told)."""
    in_table = False
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            header = stripped.strip("[]").strip()
            in_table = header == TABLE or header.startswith(TABLE + ".")
            if in_table and header == f"{TABLE}.{key}":
                return number
            continue
        if in_table and re.match(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=", line):
            return number
    return 1


def config_place(settings: Settings, key: str, entry: str | None = None) -> str:
    """``file:line: [tool.policy-check] key`` for an error about ``key`` (or one
    ``entry`` of the ``key`` table, such as a per-file-ignores glob)."""
    if settings.config_file is None:
        return "configuration"
    try:
        text = settings.config_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        text = ""
    line = _key_line(text, entry if entry is not None else key)
    label = f"{key} {entry!r}" if entry is not None else key
    return f"{settings.config_file}:{line}: [{TABLE}] {label}"


def settings_from_table(
    table: dict[str, Any], root: Path, config_file: Path | None, text: str = ""
) -> Settings:
    """Validate a ``[tool.policy-check]`` table and build the settings."""
    values: dict[str, Any] = {}
    where = str(config_file) if config_file else "configuration"
    for key, value in table.items():
        if key not in SCHEMA:
            known = ", ".join(sorted(SCHEMA))
            raise ConfigError(
                f"{where}:{_key_line(text, key)}: unknown key '{key}' in [{TABLE}] (known keys: {known})"
            )
        field_name, convert = SCHEMA[key]
        try:
            values[field_name] = convert(_plain(value))
        except ValueError as error:
            raise ConfigError(f"{where}:{_key_line(text, key)}: [{TABLE}] {key}: {error}") from None
    return Settings(root=root, config_file=config_file, **values)


def _plain(value: Any) -> Any:
    """tomlkit items as plain Python values."""
    return value.unwrap() if hasattr(value, "unwrap") else value


def read_pyproject(path: Path) -> tuple[dict[str, Any], str]:
    if path.is_dir():
        raise ConfigError(f"{path}: is a folder, not a configuration file")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read configuration: {error}") from None
    try:
        document = _parse_plain(text)
    except TomlError as error:
        # A key or table given twice: tomlkit names the key but not the line.
        twice = error.line is None or "already exists" in str(error)
        line = _duplicate_line(text, str(error)) if twice else error.line
        raise ConfigError(f"{path}:{line}: invalid TOML: {error}") from None
    _check_tables(document, path, text)
    return document, text


def _duplicate_line(text: str, message: str) -> int:
    """The line where a key (or table) named in tomlkit's message appears again."""
    named = re.search(r'Key "([^"]+)"', message)
    if named is None:
        return 1
    key = named.group(1)
    seen: set[tuple[str, str]] = set()
    table = ""
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        header = re.match(r"^\[\[?\s*([^\]]+?)\s*\]\]?", stripped)
        if header:
            table = header.group(1)
            name = (table.rpartition(".")[0], table.rpartition(".")[2].strip("\"'"))
        else:
            assigned = re.match(r"^[\"']?([^\"'=]+?)[\"']?\s*=", stripped)
            if assigned is None:
                continue
            name = (table, assigned.group(1).strip())
        if name[1] != key:
            continue
        if name in seen and not stripped.startswith("[["):
            return number
        seen.add(name)
    return 1


def _check_tables(document: dict[str, Any], path: Path, text: str) -> None:
    """``tool`` and ``tool.policy-check`` must be tables when present."""
    tool = document.get("tool")
    if tool is not None and not isinstance(tool, dict):
        raise ConfigError(f"{path}:{_top_key_line(text, 'tool')}: tool: expected a table ([tool.…]), got {type(tool).__name__}")
    table = tool.get("policy-check") if isinstance(tool, dict) else None
    if table is not None and not isinstance(table, dict):
        raise ConfigError(f"{path}:{_top_key_line(text, 'policy-check')}: [tool] policy-check: expected a table, got {type(table).__name__}")


def _top_key_line(text: str, key: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if re.match(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*[=.]", line):
            return number
    return 1


def parse_toml(text: str) -> dict[str, Any]:
    """A TOML text as plain Python values, parsed once per run however many parts of
    the run read it (tomlkit takes ~5 ms a file).  Callers must not change it; raises
    ``TomlError``."""
    return _parse_plain(text)


@functools.lru_cache(maxsize=8)
def _parse_plain(text: str) -> dict[str, Any]:
    # Finding the config and reading it parse the same text; tomlkit takes ~5 ms a file.
    # The standard library's parser (Python 3.11+) reads valid TOML and costs half of
    # tomlkit's import at start-up; tomlkit says where a broken text is broken.
    try:
        import tomllib
    except ImportError:
        pass
    else:
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            pass
    import tomlkit
    import tomlkit.exceptions

    try:
        return _plain(tomlkit.parse(text))
    except tomlkit.exceptions.ParseError as error:
        raise TomlError(str(error), error.line) from None
    except tomlkit.exceptions.TOMLKitError as error:
        raise TomlError(str(error), None) from None


def _policy_table(document: dict[str, Any]) -> dict[str, Any] | None:
    tool = document.get("tool")
    if not isinstance(tool, dict):
        return None
    table = tool.get("policy-check")
    return table if isinstance(table, dict) else None


def find_config_file(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` with a ``[tool.policy-check]`` table, walking up."""
    start = start.resolve()
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_dir():
            return candidate  # said as an error when it is read
        if candidate.is_file():
            try:
                text = candidate.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            if "policy-check" not in text and not re.search(r"(?m)^\s*tool\s*=", text):
                continue
            try:
                document = _parse_plain(text)
            except TomlError:
                # Report the broken file rather than silently skipping it.
                return candidate
            tool = document.get("tool")
            if tool is not None and (not isinstance(tool, dict) or not isinstance(tool.get("policy-check", {}), dict)):
                return candidate  # `tool = 5`: an error, said when it is read
            if _policy_table(document) is not None:
                return candidate
    return None


def find_project_root(start: Path) -> Path:
    """The folder holding the nearest ``pyproject.toml``, else the git top level, else ``start``."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / "pyproject.toml").is_file() or (folder / ".git").exists():
            return folder
    return start


def load_settings(start: Path, config_file: Path | None = None, isolated: bool = False) -> Settings:
    """Settings for a run that starts in ``start`` (usually the working directory)."""
    if isolated:
        return Settings(root=find_project_root(start))
    if config_file is None:
        config_file = find_config_file(start)
        if config_file is None:
            return Settings(root=find_project_root(start))
    elif not config_file.is_file():
        raise ConfigError(f"{config_file}: configuration file not found")
    document, text = read_pyproject(config_file)
    table = _policy_table(document)
    if table is None:
        # A dedicated file (``--config policy-check.toml``) may hold the keys at top level.
        table = document if config_file.name != "pyproject.toml" else {}
    return settings_from_table(table, config_file.resolve().parent, config_file, text)

