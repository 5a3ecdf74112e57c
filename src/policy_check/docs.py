"""Rule documentation in ruff's headings, generated from the rule class itself (one
source of truth: the docstring is the why, the examples are the tests).  The pages and
the catalogue (``rules/catalogue.json``) are generated here; ``rule`` and ``rules``
print from the catalogue, without importing a rule.

    python -m policy_check.docs [docs/rules]   # the catalogue and the pages, regenerated
"""

from __future__ import annotations

import inspect
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

from policy_check.rules import ENGINE_CODES, FAMILIES, all_rules, family_rules
from policy_check.rules.catalogue import CATALOGUE_FILE, REGENERATE, RuleEntry, entries

if TYPE_CHECKING:
    from policy_check.rules.base import Rule

# By the fix safety's value (FixSafety), so printing a page needs no rule class.
FIX_SAFETY_TEXT = {
    "safe": "The fix is safe: it keeps the program's meaning and `--fix` applies it.",
    "unsafe": (
        "The fix is unsafe: it can change behaviour, so it is applied only with "
        "`--fix --unsafe-fixes`. Review it first with `--diff --unsafe-fixes`."
    ),
    "suggestion": "There is no automatic fix: the message says what to write instead.",
}


def _code_of(example: object) -> str:
    from policy_check.rules.base import Invalid, Valid

    return example.code if isinstance(example, (Valid, Invalid)) else str(example)


def _block(code: str) -> str:
    return "```python\n" + textwrap.dedent(code).strip("\n") + "\n```"


def example_pair(rule: type[Rule]) -> tuple[str, str | None]:
    """The first failing example and what to write instead (its fix, or a passing example)."""
    from policy_check.rules.base import Invalid

    invalid = rule.INVALID[0]
    fixed = invalid.expected if isinstance(invalid, Invalid) else None
    if fixed is None and rule.VALID:
        fixed = _code_of(rule.VALID[0])
    return _code_of(invalid), fixed


def render_rule(rule: type[Rule]) -> str:
    why = inspect.cleandoc(rule.__doc__ or "")
    example, instead = example_pair(rule)
    parts = [
        f"# {rule.name} ({rule.code})",
        "",
        f"Severity: {rule.severity.value}. Fix: {rule.fix_safety.value}."
        + ("" if rule.default_enabled else " Not in the default selection: enable it with `--extend-select`."),
        "",
        "## What it does",
        f"{rule.summary}",
        "",
        "## Why is this bad?",
        why,
        "",
        "## Example",
        _block(example),
    ]
    if instead is not None:
        parts += ["", "## Use instead", _block(instead)]
    parts += ["", "## Fix safety", FIX_SAFETY_TEXT[rule.fix_safety.value] + (" " + rule.fix_note if rule.fix_note else "")]
    if rule.references:
        parts += ["", "## References", *[f"- {reference}" for reference in rule.references]]
    return "\n".join(parts) + "\n"


ENGINE_CODE_NOTES = {
    "PC000": "A rule raised an error on this file (a bug in policy-check: please report it with the file). "
    "The other rules' findings in the file and every other file are still reported.",
    "PC001": "Enable with `--report-unused-noqa` or `report-unused-noqa = true`. Only `PC` codes of rules "
    "that ran on the file are judged; other tools' codes and a bare `# noqa` are left alone. "
    "Safe fix: remove the unused codes (or the whole comment).",
    "PC002": "A notebook code cell that is not Python (a pasted shell command, a path, prose) is reported "
    "once, naming the cell, and skipped; the notebook's other cells are checked and fixed. In a `.py` file, "
    "a statement CPython accepts but libcst's parser cannot read (thousands of implicitly concatenated "
    "strings) is reported once and skipped; the rest of the file is checked. Files libcst reads only after "
    "a rewrite that keeps every position (a tab in indentation read as a space, `(x): int = 1` read as "
    "`x: int = 1`, a backslash before the final CRLF) are checked in full, without fixes.",
    "E902": "The file is binary, not decodable in its declared encoding (UTF-8 by default), unreadable, "
    "or larger than 10 MB. Nothing in it is checked and `--fix` never writes it.",
    "E999": "CPython's parser rejects the file (the message is Python's own), or it is nested too deeply "
    "for Python to compile. Nothing in it is checked and `--fix` never writes it.",
}


def render_engine_code(code: str) -> str:
    """The page for a code the engine reports itself (no rule class behind it)."""
    return f"# {code}\n\n{ENGINE_CODES[code]}.\n\n{ENGINE_CODE_NOTES.get(code, '')}\n"


# The families in the order `rules` lists them (and the README's table).
FAMILY_TITLES = {
    "PC0": "policy-check itself",
    "PC1": "project layout and packaging",
    "PC2": "imports and paths",
    "PC3": "logging",
    "PC4": "processes and threads",
    "PC5": "vectorisation",
    "PC6": "complexity",
    "PC7": "repository hygiene",
}


def rules_in_order() -> list[RuleEntry]:
    """Every rule, family by family, by code within a family (from the catalogue)."""
    return list(entries().values())


def _row(code: str, name: str, fix: str, summary: str) -> str:
    return f"{code:<7} {name:<30} {fix:<11} {summary}"


def render_catalogue() -> str:
    from policy_check.selection import ruff_catalogue_rows

    rows = [_row("code", "name", "fix", "summary")]
    family = ""
    for rule in rules_in_order():
        if rule.code[:3] != family:
            family = rule.code[:3]
            rows += ["", f"{family}: {FAMILY_TITLES.get(family, '')}"]
        flag = "" if rule.default_enabled else " (off by default)"
        rows.append(_row(rule.code, rule.name, rule.fix_safety, rule.summary + flag))
    rows += ["", "Reported by the engine itself"]
    rows += [_row(code, "(engine)", "-", summary) for code, summary in ENGINE_CODES.items()]
    linter = None
    for code, name, fix, summary, rule_linter in ruff_catalogue_rows():
        if rule_linter != linter:
            linter = rule_linter
            rows += ["", f"ruff: {linter}"]
        rows.append(_row(code, name, fix, summary))
    return "\n".join(rows) + "\n"


def render_readme_table() -> str:
    """The README's rule table (kept in sync with the registry by a test)."""
    rows = ["| code | name | fix | what it finds |", "|---|---|---|---|"]
    for rule in rules_in_order():
        summary = rule.summary + ("" if rule.default_enabled else " (off by default)")
        rows.append(f"| {rule.code} | {rule.name} | {rule.fix_safety} | {summary.replace('|', '/')} |")
    return "\n".join(rows) + "\n"


def rule_page(code: str) -> str | None:
    """What `policy-check rule CODE` prints for a rule or engine code (None: neither)."""
    code = code.upper()
    if code in ENGINE_CODES:
        return render_engine_code(code)
    rule = entries().get(code)
    return rule.page if rule is not None else None


def rule_pages() -> dict[str, str]:
    """``docs/rules/CODE.md`` for every rule and engine code: the pages `rule` prints."""
    pages = {f"{rule.code}.md": render_rule(rule) for rule in all_rules()}
    pages.update({f"{code}.md": render_engine_code(code) for code in ENGINE_CODES})
    index = ["# Rules", "", "One page per code, generated by `python -m policy_check.docs docs/rules`", ""]
    index += [f"- [{rule.code}]({rule.code}.md) {rule.name}: {rule.summary}" for rule in sorted(all_rules(), key=lambda rule: rule.code)]
    index += [f"- [{code}]({code}.md) {summary}" for code, summary in ENGINE_CODES.items()]
    pages["README.md"] = "\n".join(index) + "\n"
    return pages


def write_rule_pages(folder: Path) -> list[str]:
    """Write the pages into ``folder`` and remove stale ones; the names written."""
    folder.mkdir(parents=True, exist_ok=True)
    pages = rule_pages()
    for stale in folder.glob("*.md"):
        if stale.name not in pages:
            stale.unlink()
    for name, text in pages.items():
        path = folder / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
    return sorted(pages)


def _catalogue_row(rule: type[Rule], family: str) -> dict[str, object]:
    return {
        "code": rule.code,
        "name": rule.name,
        "summary": rule.summary,
        "message": rule.MESSAGE,
        "severity": rule.severity.value,
        "fix_safety": rule.fix_safety.value,
        "default_enabled": rule.default_enabled,
        "family": family,
        "project_level": bool(getattr(rule, "project_level", False)),
        "exempt_in_tests": rule.exempt_in_tests,
        "trigger_words": list(rule.trigger_words),
        "page": render_rule(rule),
    }


def catalogue_text() -> str:
    """``rules/catalogue.json`` as the rule classes make it (imports every family)."""
    import json

    rows = [_catalogue_row(rule, family) for family in FAMILIES for rule in family_rules(family)]
    document = {"generated_by": REGENERATE, "rules": sorted(rows, key=lambda row: str(row["code"]))}
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def write_catalogue(path: Path = CATALOGUE_FILE) -> bool:
    """Write the catalogue when it changed; whether it did."""
    text = catalogue_text()
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.write_text(text, encoding="utf-8")
    entries.cache_clear()
    return True


if __name__ == "__main__":
    import sys

    write_catalogue()
    write_rule_pages(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/rules"))
