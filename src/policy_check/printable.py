"""Text from files (names, quoted values, server replies) made safe to print.

A file name or string value can hold a newline followed by ``::error ...`` (which a
GitHub Actions step reading our output would take as a workflow command), or ESC and
BEL sequences that drive the terminal.  Every control character is printed as its
escape (``\\n``, ``\\x1b``), as ruff does, so one finding stays one line."""

from __future__ import annotations

import logging

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(char: str) -> str:
    code = ord(char)
    if char in _NAMED:
        return _NAMED[char]
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


# C0, DEL and C1 controls; line and paragraph separators; the bidirectional
# overrides and isolates that reorder what a reader sees ("Trojan source").  Listed
# by range: testing each of the first 0x2070 code points took ~1 ms of every start.
_CONTROLS = (range(0x20), range(0x7F, 0xA0), range(0x2028, 0x202A), range(0x202A, 0x202F), range(0x2066, 0x206A))
_TABLE = {code: _escape(chr(code)) for codes in _CONTROLS for code in codes}


def printable(text: str) -> str:
    """``text`` with every control character escaped; unchanged when there is none."""
    return text.translate(_TABLE) if not text.isprintable() else text



class PrintableFormatter(logging.Formatter):
    """Log lines with the message escaped (a warning can quote a file name); a
    traceback in verbose mode keeps its lines."""

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging's name
        record.message = printable(record.message)
        return super().formatMessage(record)
