"""Reading a source file exactly as it is on disk, and writing it back atomically.

The text keeps its line endings and encoding so that a fix changes only what it
must; anything that is not text gets one clear reason instead of a traceback.
"""

from __future__ import annotations

import ast
import codecs
import errno
import io
import os
import stat
import tokenize
from pathlib import Path
from typing import NamedTuple

# Generated files this large are data, not code; reading them would stall a run.
MAX_SOURCE_BYTES = 10 * 1024 * 1024
# Bytes as they are (Windows would translate line endings) and not inherited by children.
_OPEN_FLAGS = getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)


class UnreadableSource(Exception):
    """The file cannot be checked; the message is the one-line reason."""


class SourceText(NamedTuple):
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
    """The file's text.  Only a regular file is read, and never more than the size
    limit: a name that leads to a FIFO would block for ever, one that leads to
    ``/dev/zero`` would never end."""
    try:
        # Non-blocking: opening a FIFO for reading would otherwise wait for a writer.
        descriptor = os.open(path, os.O_RDONLY | _OPEN_FLAGS | getattr(os, "O_NONBLOCK", 0))
    except IsADirectoryError:
        raise UnreadableSource("is a directory, not a file") from None
    except OSError as error:
        raise UnreadableSource(f"cannot read: {error.strerror or error}") from None
    try:
        data = _read_regular(descriptor)
    except OSError as error:
        raise UnreadableSource(f"cannot read: {error.strerror or error}") from None
    finally:
        os.close(descriptor)
    return decode_source(data)


def _read_regular(descriptor: int) -> bytes:
    info = os.fstat(descriptor)
    if stat.S_ISDIR(info.st_mode):
        raise UnreadableSource("is a directory, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise UnreadableSource("not a regular file (a FIFO, device or socket): not read")
    if info.st_size > MAX_SOURCE_BYTES:
        raise UnreadableSource(_too_large(info.st_size))
    chunks = []
    remaining = MAX_SOURCE_BYTES + 1  # a file that grows while it is read is cut here
    while remaining > 0:
        chunk = os.read(descriptor, min(remaining, 1024 * 1024))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    data = b"".join(chunks)
    if len(data) > MAX_SOURCE_BYTES:
        raise UnreadableSource(_too_large(len(data)))
    return data


def _too_large(size: int) -> str:
    return (
        f"file is {size / 1024 / 1024:.1f} MB, larger than the {MAX_SOURCE_BYTES // 1024 // 1024} MB "
        "policy-check reads; exclude it if it is generated"
    )


def encode_source(source: SourceText, text: str) -> bytes:
    """The bytes of ``text`` in the file's encoding, with its byte-order mark once
    (``utf-8-sig`` writes the mark itself)."""
    data = text.encode(source.encoding)
    if source.bom and not data.startswith(codecs.BOM_UTF8):
        data = codecs.BOM_UTF8 + data
    return data


class NotWritten(Exception):
    """Fixes could not be written; the message is the one-line reason.  The file on
    disk is as it was."""


def write_fixed(path: Path, source: SourceText, text: str, root: Path | None = None, python: bool = True) -> None:
    """Write fixed source, checked first on the very bytes that will be written: they
    must read back as ``text`` and (for Python) compile.  A symlink that leads out of
    ``root`` is not written through; see ``write_atomically`` for the rest."""
    try:
        data = encode_source(source, text)
    except UnicodeEncodeError as error:
        raise NotWritten(f"the fixed text cannot be encoded as {source.encoding}: {error.reason}") from None
    try:
        same = decode_source(data).text == text
    except UnreadableSource:
        same = False
    if not same:
        raise NotWritten("the fixed file would not read back as the fixed text")
    if python:
        try:
            compile(data, str(path), "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            raise NotWritten("the fixed file would not compile") from None
    if root is not None:
        _check_inside(path, root)
    write_atomically(path, data)


def _check_inside(path: Path, root: Path) -> None:
    real = os.path.realpath(path)
    if real == os.path.abspath(path):
        return
    real_root = os.path.realpath(root)
    if os.path.commonpath([real, real_root]) != real_root:
        raise NotWritten(f"is a symlink to {real}, outside the project: not written")


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` as the user could by hand, and never half of it.

    A file the user may not write is not replaced (``NotWritten``), even when its
    folder would allow a rename.  Normally a temporary file in the same folder is
    renamed over the original, keeping its mode and owner: a crash or a full disk
    leaves the old file.  A file with hard links, or whose owner cannot be kept, is
    rewritten in place instead, after its space is reserved, so that the links and
    the owner stay."""
    target = Path(os.path.realpath(path))
    info = target.stat()
    if not stat.S_ISREG(info.st_mode):
        raise NotWritten("not a regular file: not written")
    if not os.access(target, os.W_OK):
        raise NotWritten("permission denied: you may not write this file")
    if info.st_nlink > 1 or not _replace(target, data, info):
        _write_in_place(target, data)


def _replace(target: Path, data: bytes, info: os.stat_result) -> bool:
    """Write by rename; False (nothing changed) when the owner could not be kept or no
    temporary file can be made in the folder."""
    import tempfile  # with random and shutil: only runs that write files import it

    try:
        descriptor, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except PermissionError:
        return False
    try:
        with os.fdopen(descriptor, "wb") as handle:
            created = os.fstat(handle.fileno())
            if (created.st_uid, created.st_gid) != (info.st_uid, info.st_gid) and hasattr(os, "fchown"):
                try:
                    os.fchown(handle.fileno(), info.st_uid, info.st_gid)
                except PermissionError:
                    os.unlink(temporary)
                    return False
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, stat.S_IMODE(info.st_mode))
        os.replace(temporary, target)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    return True


def _write_in_place(target: Path, data: bytes) -> None:
    descriptor = os.open(target, os.O_WRONLY | _OPEN_FLAGS)
    try:
        if hasattr(os, "posix_fallocate") and data:
            try:
                # A full disk fails here, before a byte of the file changes.
                os.posix_fallocate(descriptor, 0, len(data))
            except OSError as error:
                if error.errno not in (errno.EINVAL, errno.EOPNOTSUPP):
                    raise
        view = memoryview(data)
        offset = 0
        while offset < len(data):
            offset += os.write(descriptor, view[offset:])
        os.ftruncate(descriptor, len(data))
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
