"""Reading a source file exactly as it is on disk, and writing it back atomically.

The text keeps its line endings and encoding so that a fix changes only what it
must; anything that is not text gets one clear reason instead of a traceback.
"""

from __future__ import annotations

import codecs
import io
import os
import stat
import tempfile
import tokenize
from dataclasses import dataclass
from pathlib import Path

# Generated files this large are data, not code; reading them would stall a run.
MAX_SOURCE_BYTES = 10 * 1024 * 1024


class UnreadableSource(Exception):
    """The file cannot be checked; the message is the one-line reason."""


@dataclass(frozen=True)
class SourceText:
    text: str
    encoding: str
    bom: bool


def decode_source(data: bytes) -> SourceText:
    if b"\0" in data:
        raise UnreadableSource("binary file (contains NUL bytes), not Python source")
    bom = data.startswith(codecs.BOM_UTF8)
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        # detect_encoding refuses undecodable bytes in the first two lines with a vague
        # message; decoding as UTF-8 (the default) names the byte and the line.
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as decode_error:
            raise UnreadableSource(f"cannot decode as utf-8: {_short_decode_error(decode_error, data)}") from None
        raise UnreadableSource(f"cannot decode: {error}") from None
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as error:
        raise UnreadableSource(f"cannot decode as {encoding}: {_short_decode_error(error, data)}") from None
    if bom and text.startswith("\ufeff"):
        text = text[1:]
    return SourceText(text, encoding, bom)


def _short_decode_error(error: Exception, data: bytes) -> str:
    if isinstance(error, UnicodeDecodeError):
        line = data.count(b"\n", 0, error.start) + 1
        return f"invalid byte 0x{data[error.start]:02x} on line {line}"
    return str(error)


def read_source(path: Path) -> SourceText:
    try:
        size = path.stat().st_size
        if size > MAX_SOURCE_BYTES:
            raise UnreadableSource(
                f"file is {size / 1024 / 1024:.1f} MB, larger than the {MAX_SOURCE_BYTES // 1024 // 1024} MB "
                "policy-check reads; exclude it if it is generated"
            )
        data = path.read_bytes()
    except IsADirectoryError:
        raise UnreadableSource("is a directory, not a file") from None
    except OSError as error:
        raise UnreadableSource(f"cannot read: {error.strerror or error}") from None
    return decode_source(data)


def encode_source(source: SourceText, text: str) -> bytes:
    data = text.encode(source.encoding)
    return codecs.BOM_UTF8 + data if source.bom else data


def write_atomically(path: Path, data: bytes) -> None:
    """Write via a temporary file in the same folder and a rename, keeping the mode:
    a crash or a full disk leaves the old file, never half a new one."""
    target = path.resolve()
    mode = stat.S_IMODE(target.stat().st_mode)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
