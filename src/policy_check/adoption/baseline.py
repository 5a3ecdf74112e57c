"""Baselines: record today's findings, then report only new ones.

A fingerprint never holds a row number: it is the code, the path relative to the
project root, the enclosing function or class, and the whitespace-normalised source
of the flagged construct.  Identical fingerprints are counted, so a second
``print(x)`` in the same function is new while inserting lines above the first, or
moving its function, changes nothing.  The file is sorted JSON with no timestamps, so
rewriting it without changes gives the same bytes.
"""

from __future__ import annotations

import ast
import io
import itertools
import json
import os
import tokenize
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from policy_check.adoption.scope import enclosing_scope
from policy_check.diagnostics import Diagnostic
from policy_check.source import UnreadableSource, read_source, write_atomically

FORMAT_VERSION = 1
_COMMENT = (
    "policy-check baseline: the findings that existed when it was written. "
    "`policy-check --baseline FILE` reports only findings not listed here; "
    "rewrite it with `--write-baseline FILE` after fixing some (see `--show-stale`)."
)


class BaselineError(Exception):
    """The baseline file cannot be read; the message names it."""


@dataclass(frozen=True, order=True)
class Fingerprint:
    path: str
    code: str
    function: str
    snippet: str

    def describe(self) -> str:
        where = f" in {self.function}" if self.function else ""
        return f"{self.path}: {self.code}{where}: {self.snippet or '(whole file)'}"


def fingerprint(diagnostic: Diagnostic, root: Path) -> Fingerprint:
    return Fingerprint(
        _project_path(diagnostic.path, root), diagnostic.code, diagnostic.scope, normalise_snippet(diagnostic.snippet)
    )


_LAYOUT_TOKENS = {tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}
_CLOSERS = {")", "]", "}"}


def normalise_snippet(snippet: str) -> str:
    """The snippet as tokens with single spaces, without comments, a trailing comma
    before a closing bracket, or quote style, so that a formatter (black, ruff
    format) splitting a call over lines or changing quotes keeps the fingerprint."""
    tokens: list[str] = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(snippet).readline):
            if token.type in _LAYOUT_TOKENS:
                continue
            text = token.string
            if token.type == tokenize.STRING:
                text = _canonical_string(text)
            if text in _CLOSERS and tokens and tokens[-1] == ",":
                tokens.pop()
            tokens.append(text)
    except (tokenize.TokenError, SyntaxError):
        pass  # a snippet cut at its length limit: the tokens so far are enough
    return _join(tokens) if tokens else snippet


def _join(tokens: list[str]) -> str:
    """Tokens spaced as people write them (``print('a', b)``, ``x[i] + 1``), so the
    baseline reads like code; only the spacing rule matters, and it is fixed."""
    parts = [tokens[0]]
    for previous, token in itertools.pairwise(tokens):
        tight = (
            previous in ("(", "[", "{", ".")
            or token in (")", "]", "}", ",", ":", ".")
            or (token in ("(", "[") and (previous[-1:].isalnum() or previous[-1:] in ")]_'\""))
        )
        parts.append(token if tight else " " + token)
    return "".join(parts)


def _canonical_string(literal: str) -> str:
    try:
        value = ast.literal_eval(literal)
    except (ValueError, SyntaxError):
        return literal  # f-strings are not literals; their text stands
    # Double quotes, as black and ruff format write them.
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else repr(value)


def _project_path(path: str, root: Path) -> str:
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(os.path.abspath(root)).as_posix()
    except ValueError:
        return absolute.as_posix()


def count_fingerprints(diagnostics: Iterable[Diagnostic], root: Path) -> Counter[Fingerprint]:
    return Counter(fingerprint(d, root) for d in diagnostics)


def fill_scopes(diagnostics: Sequence[Diagnostic]) -> None:
    """Give findings from outside the engine (ruff's) their enclosing function, which
    the engine records for its own, so their fingerprints are as precise."""
    from policy_check.rules import is_engine_code, rule_by_code

    missing: dict[str, list[Diagnostic]] = {}
    for diagnostic in diagnostics:
        if diagnostic.scope or diagnostic.project_level or diagnostic.path.endswith(".ipynb"):
            continue
        if rule_by_code(diagnostic.code) is None and not is_engine_code(diagnostic.code):
            missing.setdefault(diagnostic.path, []).append(diagnostic)
    for path, found in missing.items():
        try:
            tree = ast.parse(read_source(Path(path)).text)
        except (UnreadableSource, SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        for diagnostic in found:
            diagnostic.scope = enclosing_scope(tree, diagnostic.start.row)


# ---------------------------------------------------------------------------
# The file


def read_baseline(path: Path) -> Counter[Fingerprint]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = data["findings"]
        return Counter(
            {
                Fingerprint(str(e["path"]), str(e["code"]), str(e.get("function", "")), str(e.get("snippet", ""))): int(
                    e.get("count", 1)
                )
                for e in entries
            }
        )
    except FileNotFoundError:
        raise BaselineError(f"baseline file {path} does not exist (create it with --write-baseline {path})") from None
    except OSError as error:
        raise BaselineError(f"cannot read baseline file {path}: {error.strerror or error}") from None
    except RecursionError:
        raise BaselineError(f"{path} is not a policy-check baseline file (JSON nested too deeply)") from None
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise BaselineError(f"{path} is not a policy-check baseline file ({type(error).__name__}: {error})") from None


def render_baseline(counts: Counter[Fingerprint]) -> str:
    findings = [
        {"code": f.code, "count": count, "function": f.function, "path": f.path, "snippet": f.snippet}
        for f, count in sorted(counts.items())
        if count > 0
    ]
    document = {"comment": _COMMENT, "version": FORMAT_VERSION, "findings": findings}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def write_baseline(path: Path, counts: Counter[Fingerprint]) -> None:
    data = render_baseline(counts).encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_bytes(b"")  # write_atomically keeps an existing file's mode
    write_atomically(path, data)


def merge_for_writing(
    current: Counter[Fingerprint], previous: Counter[Fingerprint], checked_paths: set[str] | None, root: Path
) -> Counter[Fingerprint]:
    """What ``--write-baseline`` records.  A run over some paths only (pre-commit
    passes the staged files) keeps the previous entries of the files it did not
    check, as long as they still exist; a whole-project run (``checked_paths`` None)
    records exactly today's findings."""
    if checked_paths is None:
        return Counter(current)
    merged = Counter(current)
    current_paths = {f.path for f in current}
    for entry, count in previous.items():
        if entry.path in checked_paths or entry.path in current_paths:
            continue
        if (root / entry.path).exists():
            merged[entry] = count
    return merged


# ---------------------------------------------------------------------------
# Comparing


@dataclass
class BaselineComparison:
    new: list[Diagnostic]
    # Baseline entries with fewer findings today than recorded, and how many are gone.
    stale: list[tuple[Fingerprint, int]]


def compare(
    diagnostics: Sequence[Diagnostic], baseline: Counter[Fingerprint], root: Path, checked_paths: set[str] | None
) -> BaselineComparison:
    """Split today's findings into new ones and those the baseline already holds.

    With ``count`` recorded for a fingerprint, the first ``count`` occurrences in the
    file (by position) are known and the rest are new.  Stale entries are looked for
    only in files this run checked (all of them when ``checked_paths`` is None) and in
    files that no longer exist."""
    by_fingerprint: dict[Fingerprint, list[Diagnostic]] = {}
    for diagnostic in sorted(diagnostics, key=lambda d: d.sort_key()):
        by_fingerprint.setdefault(fingerprint(diagnostic, root), []).append(diagnostic)
    new: list[Diagnostic] = []
    for entry, occurrences in by_fingerprint.items():
        new.extend(occurrences[baseline.get(entry, 0) :])
    stale: list[tuple[Fingerprint, int]] = []
    for entry, recorded in sorted(baseline.items()):
        missing = recorded - len(by_fingerprint.get(entry, ()))
        if missing <= 0:
            continue
        in_scope = checked_paths is None or entry.path in checked_paths or not (root / entry.path).exists()
        if in_scope:
            stale.append((entry, missing))
    return BaselineComparison(sorted(new, key=lambda d: d.sort_key()), stale)
