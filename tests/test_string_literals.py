"""A string literal's value decoded without compiling it is ``ast.literal_eval``'s
value (same type, same text) or ``ast.literal_eval``'s own error, for generated
literals: every prefix, every quote, plain text with quotes, newlines and
backslashes in awkward places, and every kind of escape, valid or not."""

from __future__ import annotations

import ast
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policy_check.analysis import string_literals
from policy_check.analysis.string_literals import literal_string

_PREFIXES = ["", "r", "R", "u", "U", "b", "B", "br", "Rb", "rB"]
_QUOTES = st.sampled_from(['"', "'", '"""', "'''"])
_ESCAPES = [
    "\\\\", "\\'", '\\"', "\\a", "\\b", "\\f", "\\n", "\\r", "\\t", "\\v", "\\\n",
    "\\0", "\\7", "\\12", "\\123", "\\377", "\\x41", "\\xfF",
    "\\u00e9", "\\ud800", "\\uFFFF", "\\U0001F600", "\\N{BULLET}", "\\N{bullet}",
    "\\N{LATIN CAPITAL LETTER GHA}",  # an alias
]
_ODD_ESCAPES = [
    "\\\r\n", "\\400", "\\777", "\\8", "\\x", "\\x4", "\\xg0", "\\u", "\\u12", "\\U00110000", "\\U0000004",
    "\\N", "\\N{", "\\N{ GREEK SMALL LETTER ALPHA}", "\\N{}", "\\N{NO SUCH NAME}",
    "\\N{LATIN CAPITAL LETTER A WITH MACRON AND GRAVE}",  # a named sequence: two characters
    "\\d", "\\w", "\\ ", "\\\u00e9", "\\",
]
_PLAIN = "ab \t\x0c{}%\u00e9\u20ac\U0001f600\ufeff\u2028"
# Mostly literals Python accepts (quotes and newlines still end some early).
_USUAL_BODIES = st.lists(
    st.text(alphabet=st.sampled_from(_PLAIN + "\"'\n"), max_size=8) | st.sampled_from(_ESCAPES), max_size=8
).map("".join)
# Anything: odd prefixes, invalid escapes, characters the tokenizer changes or refuses.
_ODD_BODIES = st.lists(
    st.text(alphabet=st.sampled_from(_PLAIN + "\"'\n\r\x00\\"), max_size=6) | st.sampled_from(_ESCAPES + _ODD_ESCAPES),
    max_size=6,
).map("".join)
_ODD_PREFIXES = st.sampled_from([*_PREFIXES, "f", "ur", "x", " "])


def _evaluated(evaluate, source: str) -> tuple[str, object]:
    """The value and its type, or the error's type."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            value = evaluate(source)
        except Exception as error:  # noqa: BLE001 - compared: both sides raise the same
            return "error", type(error)
    return type(value).__name__, value


@settings(max_examples=1000, deadline=None)
@given(st.sampled_from(_PREFIXES), _QUOTES, _USUAL_BODIES)
def test_same_value_as_literal_eval(prefix: str, quote: str, body: str) -> None:
    source = f"{prefix}{quote}{body}{quote}"
    assert _evaluated(literal_string, source) == _evaluated(ast.literal_eval, source)


@settings(max_examples=1000, deadline=None)
@given(_ODD_PREFIXES, _QUOTES, _ODD_BODIES)
def test_same_value_or_error_for_odd_literals(prefix: str, quote: str, body: str) -> None:
    source = f"{prefix}{quote}{body}{quote}"
    assert _evaluated(literal_string, source) == _evaluated(ast.literal_eval, source)


@settings(max_examples=200, deadline=None)
@given(_ODD_PREFIXES, _QUOTES, _ODD_BODIES, st.integers(min_value=0, max_value=4))
def test_same_value_for_cut_literals(prefix: str, quote: str, body: str, cut: int) -> None:
    """Text that is not one whole literal (the end cut off) fails or evaluates alike."""
    source = f"{prefix}{quote}{body}{quote}"
    source = source[: len(source) - cut]
    assert _evaluated(literal_string, source) == _evaluated(ast.literal_eval, source)


@pytest.mark.parametrize(
    "source",
    [
        '"\\N{LATIN CAPITAL LETTER A WITH MACRON AND GRAVE}"',  # a named sequence
        '"\\N{latin capital letter gha}"',  # an alias, in lower case
        '"\\400"',
        'b"\\777"',
        '"""a""""',  # a quote after the body joins the closing ones
        '"""a"""""',  # ... or starts a second literal
        '"a\\"',  # the backslash escapes the closing quote
        'r"a\\"',
        '"a" "b"',
        "'a\nb'",  # a newline ends a single-quoted literal
        '"a\r\nb"',
        '"""a\r\nb"""',  # the tokenizer reads a carriage return as a newline
        'b"caf\u00e9"',
        '"\\ud800"',
        '"\ud800"',  # a lone surrogate in the source itself
    ],
)
def test_same_value_or_error_at_the_edges(source: str) -> None:
    assert _evaluated(literal_string, source) == _evaluated(ast.literal_eval, source)


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ('"a plain string"', "a plain string"),
        ("'it\\'s'", "it's"),
        ('"""a "quoted"\nline"""', 'a "quoted"\nline'),
        ('r"a\\data\\d+"', "a\\data\\d+"),
        ('b"\\x00\\n\\101"', b"\x00\nA"),
        ('"caf\\u00e9 \\N{GREEK SMALL LETTER MU}m \\U0001F600"', "café μm 😀"),
        ('"one \\\nline"', "one line"),
        ("u'\\t%s\\n'", "\t%s\n"),
    ],
)
def test_common_literals_are_decoded_without_compiling(
    monkeypatch: pytest.MonkeyPatch, source: str, value: object
) -> None:
    def no_compiling(source: str) -> object:
        raise AssertionError(f"compiled {source!r}")

    monkeypatch.setattr(string_literals.ast, "literal_eval", no_compiling)
    assert literal_string(source) == value
