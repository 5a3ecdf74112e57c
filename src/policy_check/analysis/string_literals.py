"""The value of one Python string literal's source text, decoded without compiling it.

``ast.literal_eval`` compiles its text: a parser, an AST and cyclic garbage for every
string a rule reads.  Most literals are plain text or use the common escapes, which
are decoded here; anything else (an invalid escape, which compiles with a warning;
a carriage return, which the tokenizer turns into a newline; a quote that would end
the literal early) goes to ``ast.literal_eval`` itself, so the result, the warnings
and the errors are always the ones ``ast.literal_eval(source)`` gives.
"""

from __future__ import annotations

import ast
import re

_OPENING = re.compile("([rRuUbB]{0,2})('''|\"\"\"|'|\")")
_PREFIXES = frozenset({"", "r", "u", "b", "br", "rb"})
_SIMPLE_ESCAPES = {
    "\n": "", "\\": "\\", "'": "'", '"': '"', "a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
}
_OCTAL_DIGITS = frozenset("01234567")
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def literal_string(source: str) -> str | bytes:
    """``ast.literal_eval(source)`` for the source of one string literal (prefix,
    quotes and body); raises what ``ast.literal_eval`` raises."""
    value = _decoded(source)
    return ast.literal_eval(source) if value is None else value


def _decoded(source: str) -> str | bytes | None:
    """The literal's value, or ``None`` when only the compiler can say."""
    opening = _OPENING.match(source)
    if opening is None or opening.group(1).lower() not in _PREFIXES:
        return None
    prefix, quote = opening.groups()
    start, end = opening.end(), len(source) - len(quote)
    if end < start or not source.endswith(quote):
        return None
    body = source[start:end]
    # The tokenizer turns a carriage return into a newline and refuses a null character.
    if "\r" in body or "\x00" in body or not _encodable(body):
        return None
    prefix = prefix.lower()
    raw, is_bytes = "r" in prefix, "b" in prefix
    if is_bytes and not body.isascii():
        return None
    text = _unescaped(body, quote, raw, is_bytes)
    if text is None:
        return None
    return text.encode("latin-1") if is_bytes else text


def _encodable(body: str) -> bool:
    """Whether the text is valid source (a lone surrogate is not)."""
    if body.isascii():
        return True
    try:
        body.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _unescaped(body: str, quote: str, raw: bool, is_bytes: bool) -> str | None:
    """The body with its escapes resolved (kept as written when ``raw``)."""
    pieces = []
    position = 0
    while True:
        backslash = body.find("\\", position)
        segment = body[position:] if backslash < 0 else body[position:backslash]
        if not _plain_segment(segment, quote, last=backslash < 0):
            return None
        pieces.append(segment)
        if backslash < 0:
            return "".join(pieces)
        if backslash + 1 == len(body):
            return None  # the backslash escapes the closing quote
        if raw:
            # A raw literal keeps the backslash and the character it protects.
            pieces.append(body[backslash : backslash + 2])
            position = backslash + 2
            continue
        escape = _escape(body, backslash + 1, is_bytes)
        if escape is None:
            return None
        value, position = escape
        pieces.append(value)


def _plain_segment(segment: str, quote: str, last: bool) -> bool:
    """Whether text between escapes stays inside the literal: a single-quoted literal
    holds no quote and no newline, a triple-quoted one no three quotes (nor, at its
    end, a quote that would join the closing ones)."""
    if len(quote) == 1:
        return quote not in segment and "\n" not in segment
    return quote not in segment and not (last and segment.endswith(quote[0]))


def _escape(body: str, start: int, is_bytes: bool) -> tuple[str, int] | None:
    """The value of the escape whose letter is at ``start`` and where the text after
    it starts; ``None`` for an escape left to the compiler."""
    letter = body[start]
    simple = _SIMPLE_ESCAPES.get(letter)
    if simple is not None:
        return simple, start + 1
    if letter in _OCTAL_DIGITS:
        end = start + 1
        while end < len(body) and end < start + 3 and body[end] in _OCTAL_DIGITS:
            end += 1
        code = int(body[start:end], 8)
        return (chr(code), end) if code <= 0o377 else None  # larger values warn on newer Pythons
    width = {"x": 2} if is_bytes else {"x": 2, "u": 4, "U": 8}
    if letter in width:
        digits = body[start + 1 : start + 1 + width[letter]]
        if len(digits) != width[letter] or not all(digit in _HEX_DIGITS for digit in digits):
            return None
        code = int(digits, 16)
        return (chr(code), start + 1 + len(digits)) if code <= 0x10FFFF else None
    if letter == "N" and not is_bytes:
        return _named_character(body, start)
    return None


def _named_character(body: str, start: int) -> tuple[str, int] | None:
    """``\\N{NAME}``: one character by its Unicode name or alias."""
    close = body.find("}", start)
    if body[start + 1 : start + 2] != "{" or close < 0:
        return None
    import unicodedata  # noqa: PLC0415 - rare: not imported by every check's start-up

    try:
        character = unicodedata.lookup(body[start + 2 : close])
    except KeyError:
        return None
    # lookup also knows named sequences (several characters), which a literal refuses.
    return (character, close + 1) if len(character) == 1 else None
