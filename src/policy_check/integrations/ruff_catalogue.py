"""ruff's rules as policy-check selects them: where the binary is, the catalogue of its
stable rules (cached per binary), the curated default selection and what is left out,
and which codes a run passes to ruff.  The selection and `policy-check rules` use this
without importing the engine; running ruff is ``ruff.py``'s job."""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import re
import subprocess
import sys
import time
import zlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from policy_check.config import Settings, TomlError, parse_toml

logger = logging.getLogger("policy_check.integrations.ruff")

RUFF_ENV = "POLICY_CHECK_RUFF"

# The curated selection for research code, by ruff prefix, and why each is in:
DEFAULT_SELECTION: dict[str, str] = {
    "F": "pyflakes: undefined names, unused imports and variables - real bugs, safe fixes",
    "B": "flake8-bugbear: mutable defaults, loop-variable closures, bare raises in except",
    "NPY": "NumPy: legacy np.random, deprecated aliases and functions",
    "PERF": "perflint: list building and dict iteration patterns that cost time",
    "LOG": "logging: misused loggers and levels",
    "G": "logging format: `+` in messages, `warn`, `exc_info` misuse (G001/G002/G004 are PC304's)",
    "UP": "pyupgrade: syntax older than the project's Python, with safe fixes",
}
# Left out of every selection, with the policy-check rule that covers the same ground
# (or the reason): nothing is reported twice.
LEFT_OUT: dict[str, str] = {
    "T201": "PC301",
    "T203": "PC301",
    "G001": "PC304",
    "G002": "PC304",
    "G004": "PC304",
    "LOG015": "PC302",
    "C901": "PC601",
    # zip(strict=) is a style choice that depends on the oldest supported Python;
    # it flooded the corpus (700 findings) with no bug among those sampled.
    "B905": "noise",
}
# The engine reports unreadable files and syntax errors under these codes itself.
ENGINE_OWNED = frozenset({"E902", "E999"})


class RuffUnavailable(Exception):
    """ruff is missing or failed; the message is the one-line warning."""


# ---------------------------------------------------------------------------
# Finding the binary and the catalogue of its rules


def find_ruff(environ: Mapping[str, str] | None = None, executable: str | None = None) -> str:
    """The ruff binary: ``POLICY_CHECK_RUFF``, next to the interpreter, on ``PATH``, or
    the ``ruff`` package's own; raises ``RuffUnavailable`` naming where it looked."""
    environ = os.environ if environ is None else environ
    explicit = environ.get(RUFF_ENV)
    if explicit:
        if Path(explicit).is_file():
            return explicit
        raise RuffUnavailable(f"{RUFF_ENV}={explicit} is not a file")
    name = "ruff.exe" if os.name == "nt" else "ruff"
    beside = Path(executable or sys.executable).parent / name
    if beside.is_file():
        return str(beside)
    import shutil  # with bz2 and lzma: only when ruff is not beside the interpreter

    on_path = shutil.which("ruff", path=environ.get("PATH", ""))
    if on_path:
        return on_path
    try:
        from ruff.__main__ import find_ruff_bin  # type: ignore[import-not-found]

        return str(find_ruff_bin())
    except (ImportError, FileNotFoundError):
        pass
    raise RuffUnavailable("ruff is not installed (not next to the interpreter, not on PATH, no ruff package)")


class RuffRule(NamedTuple):
    # A tuple, not a dataclass: ~800 are built from the kept list on every run, and a
    # frozen dataclass costs ~2 µs each to build and ~4M instructions to define.
    code: str
    name: str
    summary: str
    linter: str
    fixable: bool


_warned: set[str] = set()
# Every time ruff could not answer, said or not (what it found is then not to be kept).
_failures: list[str] = []


def warn_once(message: str) -> None:
    _failures.append(message)
    if message not in _warned:
        _warned.add(message)
        logger.warning("%s; ruff's findings are left out of this run", message)


def failures() -> int:
    """How many times ruff could not answer so far in this process."""
    return len(_failures)


# What the cache file holds: bump when the rows' shape or their summaries change.
# Two lines: the codes (space-separated), then the rows as JSON.
CATALOGUE_FORMAT = 3
# Rule lists kept in the cache folder, newest first (one per ruff binary).
KEPT_CATALOGUES = 8


def _catalogue_cache_file(binary: str) -> Path | None:
    """Where the stable rules of this exact binary are kept between runs: asking ruff
    costs ~20 ms, and reading its whole list back (1.5 MB of JSON, every rule's
    explanation) another ~30 ms, a tenth of a pre-commit run on one file; the rows kept
    (code, name, summary, linter, fixable) read in ~2 ms, and a check, which needs
    only the codes, reads the first line alone."""
    try:
        info = os.stat(binary)
    except OSError:
        return None
    key = f"{os.path.abspath(binary)}\0{info.st_mtime_ns}\0{info.st_size}\0{CATALOGUE_FORMAT}".encode("utf-8", "surrogateescape")
    # Two checksums, not hashlib: its import (OpenSSL) costs a one-file run ~12M
    # instructions, and a name needs no cryptography.
    digest = f"{zlib.crc32(key):08x}{zlib.adler32(key):08x}"
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "policy-check" / f"ruff-catalogue-{digest}.json"


def _prune_catalogues(folder: Path) -> None:
    """Keep the ``KEPT_CATALOGUES`` newest rule lists (one per ruff binary: each virtual
    environment has its own); remove the older ones, those of an earlier format
    (``ruff-rules-*.json``, ~1.5 MB each) and temporary files left for an hour."""
    catalogues = sorted(folder.glob("ruff-catalogue-*.json"), key=_modified, reverse=True)
    stale = [*catalogues[KEPT_CATALOGUES:], *folder.glob("ruff-rules-*.json")]
    stale += [path for path in folder.glob("ruff-*.tmp") if _modified(path) < time.time() - 3600]
    for path in stale:
        with contextlib.suppress(OSError):  # gone already, or another's: it costs space only
            path.unlink()


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _ruff_rule_rows(binary: str) -> list[dict[str, Any]]:
    """``ruff rule --all``: every rule of the binary, with its explanation."""
    try:
        completed = subprocess.run(
            [binary, "rule", "--all", "--output-format", "json"], capture_output=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise RuffUnavailable(f"cannot run ruff ({binary}): {error}") from None
    try:
        rows = json.loads(completed.stdout) if completed.returncode == 0 else None
    except ValueError:
        rows = None
    if not isinstance(rows, list):
        raise RuffUnavailable(f"ruff ({binary}) failed to list its rules: {_first_line(completed.stderr)}")
    return rows


def _stable_codes(binary: str) -> list[str]:
    """The codes of the binary's stable rules, from the cache file's first line when
    it has them: a check needs no name or summary (their rows cost ~9M instructions
    to read)."""
    cache_file = _catalogue_cache_file(binary)
    if cache_file is not None:
        try:
            with open(cache_file, "rb") as handle:
                codes = handle.readline()
            if codes.endswith(b"\n"):
                return codes.decode("ascii").split()
        except (OSError, ValueError):
            pass
    return [rule.code for rule in _stable_rules(binary)]


def _stable_rules(binary: str) -> list[RuffRule]:
    """The binary's stable rules, from the cache file when it has them."""
    cache_file = _catalogue_cache_file(binary)
    if cache_file is not None:
        try:
            kept = json.loads(cache_file.read_bytes().partition(b"\n")[2])
            return [RuffRule(*row) for row in kept]
        except (OSError, ValueError, TypeError):
            pass
    rules = []
    for row in _ruff_rule_rows(binary):
        status = row.get("status")
        stable = row.get("preview") is False and (not isinstance(status, dict) or "Stable" in status)
        if stable and row.get("code"):
            fixable = row.get("fix_availability", "None") != "None"
            rules.append(RuffRule(row["code"], row.get("name", ""), plain_summary(row), row.get("linter", ""), fixable))
    if cache_file is not None:
        try:
            cache_file.parent.mkdir(parents=True, exist_ok=True)
            temporary = cache_file.with_suffix(f".{os.getpid()}.tmp")
            kept_rows = [[rule.code, rule.name, rule.summary, rule.linter, rule.fixable] for rule in rules]
            codes = " ".join(rule.code for rule in rules)
            temporary.write_text(f"{codes}\n{json.dumps(kept_rows)}", encoding="utf-8")
            os.replace(temporary, cache_file)
            _prune_catalogues(cache_file.parent)
        except OSError:
            logger.debug("cannot cache ruff's rule list in %s", cache_file)
    return rules


@functools.lru_cache(maxsize=4)
def _catalogue_of(binary: str) -> dict[str, RuffRule]:
    return {rule.code: rule for rule in _stable_rules(binary) if rule.code not in LEFT_OUT and rule.code not in ENGINE_OWNED}


@functools.lru_cache(maxsize=4)
def _codes_of(binary: str) -> frozenset[str]:
    return frozenset(code for code in _stable_codes(binary) if code not in LEFT_OUT and code not in ENGINE_OWNED)


def plain_summary(row: Mapping[str, Any]) -> str:
    """A rule's one-line summary without ruff's message templates (``{name}``): the
    first sentence of its "What it does" section instead."""
    summary = str(row.get("summary") or "")
    if "{" not in summary:
        return summary
    explanation = str(row.get("explanation") or "")
    what = explanation.split("## What it does", 1)[-1].strip().split("\n\n", 1)[0]
    sentence = " ".join(what.split()).split(". ", 1)[0].rstrip(".")
    return sentence + "." if sentence and "{" not in sentence else re.sub(r"\{\w+\}", "…", summary)


def ruff_catalogue(settings: Settings | None = None) -> dict[str, RuffRule]:
    """ruff's stable rules policy-check may run (empty when ruff is off or missing)."""
    if settings is not None and not settings.ruff:
        return {}
    try:
        return _catalogue_of(find_ruff())
    except RuffUnavailable as error:
        warn_once(str(error))
        return {}


def ruff_codes(settings: Settings | None = None) -> frozenset[str]:
    """The codes of ``ruff_catalogue``'s rules, without reading their names and
    summaries (what a check needs)."""
    if settings is not None and not settings.ruff:
        return frozenset()
    try:
        return _codes_of(find_ruff())
    except RuffUnavailable as error:
        warn_once(str(error))
        return frozenset()


def matches_selector(code: str, selector: str) -> bool:
    """ruff's prefix logic: a selector of letters names a whole linter ("F" is pyflakes,
    not flake8-boolean-trap's FBT), one with digits a group or a single rule."""
    if not code.startswith(selector):
        return False
    return not (selector.isalpha() and code[len(selector) : len(selector) + 1].isalpha())


def matches_any_selector(code: str, selectors: tuple[str, ...]) -> bool:
    """``matches_selector`` for any of ``selectors``; most codes start with none of
    them, which one ``str.startswith`` tells (the selection asks for ~900 codes a run)."""
    return code.startswith(selectors) and any(matches_selector(code, selector) for selector in selectors)


_DEFAULT_SELECTORS = tuple(DEFAULT_SELECTION)


def is_default(code: str) -> bool:
    return matches_any_selector(code, _DEFAULT_SELECTORS) and code not in LEFT_OUT


def rejects_selector(selector: str) -> str | None:
    """Why a ``--select``/``--ignore`` selector that names no policy-check code is not
    a ruff selector either (None: it is ruff's)."""
    owner = LEFT_OUT.get(selector, "")
    if owner.startswith("PC"):
        return f"ruff's {selector} is left out: policy-check's {owner} covers the same ground"
    try:
        codes = _codes_of(find_ruff())
    except RuffUnavailable:
        # Without ruff nothing can be checked against its list: accept (ruff warns at run time).
        return None if not selector.startswith("PC") else f"unknown rule code or prefix '{selector}'"
    if selector in LEFT_OUT or any(matches_selector(code, selector) for code in codes):
        return None
    return f"unknown rule code or prefix '{selector}' (neither policy-check's nor a stable ruff rule's)"


def user_ruff_ignores(root: Path) -> tuple[str, ...]:
    """``ignore`` + ``extend-ignore`` of the project's ruff configuration at ``root``."""
    for name, table_path in (("ruff.toml", ()), (".ruff.toml", ()), ("pyproject.toml", ("tool", "ruff"))):
        path = root / name
        if not path.is_file():
            continue
        try:
            document: Any = parse_toml(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, TomlError):
            continue
        for key in table_path:
            document = document.get(key) if isinstance(document, dict) else None
        if not isinstance(document, dict):
            continue
        ignores: list[str] = []
        for table in (document, document.get("lint")):
            if isinstance(table, dict):
                for key in ("ignore", "extend-ignore"):
                    value = table.get(key)
                    if isinstance(value, list):
                        ignores += [str(code).upper() for code in value]
        return tuple(ignores)
    return ()


def ruff_codes_to_run(settings: Settings, selected: Iterable[str]) -> list[str]:
    """The concrete ruff codes a run passes to ``ruff --select``."""
    known = ruff_codes(settings)
    ignored = user_ruff_ignores(settings.root)
    return sorted(
        code for code in selected if code in known and not matches_any_selector(code, ignored)
    )


def _first_line(data: bytes | str) -> str:
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[0] if lines else "no message"


# ---------------------------------------------------------------------------
# The catalogue rows `policy-check rules` prints


def catalogue_rows(settings: Settings, selected: Iterable[str]) -> list[tuple[str, str, str, str, str]]:
    """(code, name, fix, summary, linter) of every selected ruff rule, marked as ruff's."""
    codes = ruff_codes_to_run(settings, selected)
    catalogue = ruff_catalogue(settings)
    return [
        (code, catalogue[code].name, "ruff fix" if catalogue[code].fixable else "-", f"[ruff] {catalogue[code].summary}", catalogue[code].linter)
        for code in codes
    ]
