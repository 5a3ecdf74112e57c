"""What a module-level statement is, for code that places new lines in a module's
header (the engine's fixes and the logging rules' inserted imports)."""

from __future__ import annotations

import libcst as cst


def is_docstring(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def is_import_statement(statement: cst.BaseStatement) -> bool:
    if isinstance(statement, cst.SimpleStatementLine):
        return all(isinstance(small, (cst.Import, cst.ImportFrom)) for small in statement.body)
    if isinstance(statement, (cst.Try, cst.If)) and isinstance(statement.body, cst.IndentedBlock):
        # `try: import x / except ImportError:` and `if TYPE_CHECKING:` blocks.
        return bool(statement.body.body) and all(is_import_statement(inner) for inner in statement.body.body)
    return False
