"""Valid Python that libcst's parser rejects is still checked (issue 14): E999 only
where Python itself rejects the file, findings at the original positions, no fix
offered on a rewritten text, and statements no rule saw said (PC002), never skipped."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import libcst as cst
import pytest

from policy_check.config import Settings
from policy_check.engine import FixOptions, Mode, check_text, fix_text
from policy_check.parse_fallback import readable
from policy_check.selection import selected_rules

# Shapes found on research code and generated programs: CPython accepts each, libcst does not.
TAB_AFTER_SPACES = "import sys\n\ndef setup():\n    if True:\n\t    sys.path.append('lib')\n    return 2\n"
PARENTHESISED_TARGET = "(total): int = 0\nclass Run:\n    (self_count): 'int'\nDATA = '/home/ana/runs/run1.csv'\n"
CONTINUATION_BEFORE_FINAL_CRLF = "import sys\r\nsys.path.insert(0, 'lib')\r\nvalue = 2 \\\r\n"
MANY_STRINGS = "x = (" + " ".join(["'a'"] * 6000) + ")\n"


def _findings(text: str, tmp_path: Path, select: tuple[str, ...] = ("PC2", "PC3")) -> list:
    settings = Settings(root=tmp_path, select=select)
    return check_text(text, tmp_path / "script.py", "script.py", "script.py", settings, selected_rules(settings), False)


@pytest.mark.parametrize("text", [TAB_AFTER_SPACES, PARENTHESISED_TARGET, CONTINUATION_BEFORE_FINAL_CRLF, MANY_STRINGS])
def test_the_shapes_are_python_that_libcst_rejects(text: str) -> None:
    ast.parse(text)
    with pytest.raises(cst.ParserSyntaxError):
        cst.parse_module(text)


def test_tab_after_spaces_is_read_as_one_space_per_tab_keeping_columns() -> None:
    result = readable(TAB_AFTER_SPACES, ast.parse(TAB_AFTER_SPACES))
    assert result is not None
    assert result.text == TAB_AFTER_SPACES.replace("\t", " ")
    assert result.skipped == []


def test_tab_inside_a_string_is_left_alone() -> None:
    text = "def f():\n    if True:\n\t    return '''a\n\tb'''\n"
    result = readable(text, ast.parse(text))
    assert result is not None
    assert "'''a\n\tb'''" in result.text


def test_finding_in_a_tab_indented_block_lands_on_its_line_and_offers_no_fix(tmp_path: Path) -> None:
    findings = _findings(TAB_AFTER_SPACES, tmp_path)
    assert [(d.code, d.start.row, d.start.column) for d in findings] == [("PC201", 5, 6)]
    assert findings[0].fix is None
    assert "no fix offered: libcst cannot parse this file as written (tabs in indentation read as spaces)" in findings[0].message


def test_parenthesised_annotation_target_file_is_checked(tmp_path: Path) -> None:
    findings = _findings(PARENTHESISED_TARGET, tmp_path)
    assert [(d.code, d.start.row, d.start.column) for d in findings] == [("PC202", 4, 8)]


def test_continuation_before_the_final_crlf_is_checked(tmp_path: Path) -> None:
    findings = _findings(CONTINUATION_BEFORE_FINAL_CRLF, tmp_path)
    assert [(d.code, d.start.row) for d in findings] == [("PC201", 2)]
    assert findings[0].fix is None


def test_a_statement_libcst_cannot_read_is_said_and_the_rest_is_checked(tmp_path: Path) -> None:
    text = "import sys\nsys.path.append('lib')\n" + MANY_STRINGS + "def load():\n    print('/home/ana/x.csv')\n"
    findings = _findings(text, tmp_path)
    assert sorted((d.code, d.start.row) for d in findings) == [("PC002", 3), ("PC201", 2), ("PC202", 5), ("PC301", 5)]
    note = next(d for d in findings if d.code == "PC002")
    assert note.message.startswith("Not analysed: libcst cannot read the statement at line 3 (valid Python)")
    assert note.severity.value == "warning"


def test_only_the_unreadable_statement_inside_a_function_is_skipped(tmp_path: Path) -> None:
    text = "def load():\n    print('start')\n    x = (" + " ".join(["'a'"] * 6000) + ")\n    print('/home/ana/x.csv')\n"
    findings = _findings(text, tmp_path)
    assert sorted((d.code, d.start.row) for d in findings) == [("PC002", 3), ("PC202", 4), ("PC301", 2), ("PC301", 4)]


def test_python_syntax_errors_stay_e999(tmp_path: Path) -> None:
    findings = _findings("if x:\n    y = 1\n   z = 2\n", tmp_path)
    assert [d.code for d in findings] == ["E999"]
    assert "libcst" not in findings[0].message


def test_fix_mode_leaves_a_rewritten_file_as_written(tmp_path: Path) -> None:
    settings = Settings(root=tmp_path, select=("PC2", "PC3"))
    rules = selected_rules(settings)

    def check(text: str) -> list:
        return check_text(text, tmp_path / "script.py", "script.py", "script.py", settings, rules, False)

    fixed, remaining, applied = fix_text(TAB_AFTER_SPACES, check, FixOptions(Mode.FIX, unsafe=True))
    assert fixed == TAB_AFTER_SPACES
    assert applied == []
    assert [d.code for d in remaining] == ["PC201"]


def test_the_run_summary_says_which_fixes_a_rewritten_file_could_not_take(tmp_path: Path) -> None:
    # A parenthesised target (libcst cannot parse it) and two findings with fixes: F401
    # (ruff's, applied) and PC304 (ours, withheld: an edit of the rewrite would write it back).
    text = "import logging\nimport os\n\n(y): int = 1\nlogger = logging.getLogger(__name__)\n\n\ndef f(x):\n    logger.info(f'x {x}')\n"
    (tmp_path / "script.py").write_text(text)
    command = [sys.executable, "-m", "policy_check", "--isolated", "--no-cache", "--select", "PC304,F401"]
    checked = subprocess.run([*command, "script.py"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert "[*] 1 fixable with `--fix`." in checked.stdout
    assert "1 fix not offered: libcst cannot parse script.py as written" in checked.stdout
    fixed = subprocess.run([*command, "--fix", "script.py"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert "Fixed 1 finding." in fixed.stdout
    assert "1 fix not offered: libcst cannot parse script.py as written" in fixed.stdout
    assert (tmp_path / "script.py").read_text() == text.replace("import os\n", "")
    as_json = subprocess.run([*command, "--output-format", "json", "script.py"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert "fix_withheld" not in as_json.stdout, "the JSON keeps ruff's shape"
