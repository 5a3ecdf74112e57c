"""The logging fixes keep every message byte for byte: generated f-strings, ``%``
templates, ``.format()`` calls and print arguments (format specs, ``!r``/``!s``/``!a``,
``{x = }``, ``%`` in the text) are run before and after the fix on generated values
(ints, floats, Decimals, Fractions, strings, containers, an object with its own
``__format__``), and the emitted messages compared.

A few dozen examples per run in CI; ``HYPOTHESIS_PROFILE=pc3-thorough`` runs
thousands (``pytest tests/test_logs_exact_messages.py`` with it set)."""

from __future__ import annotations

import contextlib
import io
import logging
import os
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from policy_check.rules.logs import EagerLogFormat, PrintCall
from policy_check.testing import fix_snippet

settings.register_profile("pc3-ci", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("pc3-thorough", max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "pc3-ci") if os.environ.get("HYPOTHESIS_PROFILE", "").startswith("pc3") else "pc3-ci"


class Quantity:
    """A value with its own ``__format__`` (as pint's quantities have)."""

    def __init__(self, value: float, unit: str) -> None:
        self.value, self.unit = value, unit

    def __format__(self, spec: str) -> str:
        return f"{format(self.value, spec)} {self.unit}"

    def __repr__(self) -> str:
        return f"Quantity({self.value!r}, {self.unit!r})"

    def __str__(self) -> str:
        return format(self, "")


VALUES = st.one_of(
    st.integers(-10**6, 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=False, allow_infinity=False, places=3),
    st.fractions(max_denominator=50),
    st.text("ab %{}'\"\\é", max_size=6),
    st.none(),
    st.booleans(),
    st.lists(st.integers(0, 9), max_size=3),
    st.tuples(st.integers(0, 9), st.text("xy", max_size=2)),
    st.dictionaries(st.text("k", min_size=1, max_size=2), st.integers(0, 9), max_size=2),
    st.builds(Quantity, st.floats(-1e3, 1e3), st.sampled_from(["m", "K"])),
)
# Expressions a field formats: the generated values, and some the fix knows to be numbers.
EXPRESSIONS = st.sampled_from(["a", "b", "c", "3", "-2.5", "len(s)", "len(s) * 2", "n / 4", "float(n)", "int(n)"])
SPECS = st.sampled_from(
    ["", ".2f", ">8", "<5", "^7", "+.3e", "08.3f", ",", "d", "x", "5d", ".1%", "g", "#x", ".3g", "s", "10.4%", " .1f", "#o", "-6.2f", "_"]
)
CONVERSIONS = st.sampled_from(["", "!r", "!s", "!a"])
TEXT = st.text(alphabet="ab %-=:,.'", max_size=6).map(lambda t: t.replace("'", "\\'"))


@st.composite
def fstring_fields(draw: st.DrawFn) -> str:
    expression = draw(EXPRESSIONS)
    equal = draw(st.sampled_from(["", "=", " = ", "= "]))
    spec = draw(SPECS)
    return "{" + expression + equal + draw(CONVERSIONS) + (":" + spec if spec else "") + "}"


@st.composite
def fstrings(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.one_of(TEXT, fstring_fields(), st.sampled_from(["{{", "}}", "%%", "%"])), min_size=1, max_size=5))
    return "f'" + "".join(parts) + "'"


@st.composite
def percent_templates(draw: st.DrawFn) -> str:
    conversions = draw(st.lists(st.sampled_from(["%s", "%r", "%d", "%5.2f", "%x", "%-4s", "%%", "%e"]), min_size=1, max_size=3))
    arguments = [draw(EXPRESSIONS) for c in conversions if c != "%%"]
    assume(arguments)
    template = draw(TEXT).join([""] + conversions + [""])
    right = "(" + ", ".join(arguments) + ("," if len(arguments) == 1 else "") + ")"
    return f"'{template}' % {right}"


@st.composite
def format_calls(draw: st.DrawFn) -> str:
    fields = draw(st.lists(st.tuples(st.sampled_from(["", "0", "1", "k"]), CONVERSIONS, SPECS), min_size=1, max_size=3))
    automatic = any(name == "" for name, _, _ in fields)
    assume(not (automatic and any(name.isdigit() for name, _, _ in fields)))
    count = sum(1 for name, _, _ in fields if name == "")
    template = draw(TEXT).join(
        [""] + ["{" + name + conversion + (":" + spec if spec else "") + "}" for name, conversion, spec in fields] + [""]
    )
    positional = [draw(EXPRESSIONS) for _ in range(max(count, 2))]
    return f"'{template}'.format({', '.join(positional)}, k={draw(EXPRESSIONS)})"


MESSAGES = st.one_of(fstrings(), percent_templates(), format_calls())


def _run(source: str, a: object, b: object, c: object) -> tuple[str, str]:
    """Run ``emit(a, b, c)`` from ``source``: what it printed, and what it logged."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log = logging.getLogger("exact")
    log.handlers[:] = [handler]
    log.setLevel(logging.DEBUG)
    log.propagate = False
    printed = io.StringIO()
    namespace: dict[str, object] = {"__name__": "exact"}
    with contextlib.redirect_stdout(printed):
        exec(compile(source, "<generated>", "exec"), namespace)  # our own generated program
        namespace["emit"](a, b, c)  # type: ignore[operator]
    return printed.getvalue(), stream.getvalue()


def _succeeds(source: str, values: tuple[object, object, object]) -> bool:
    try:
        _run(source, *values)
    except Exception:  # the generated message does not format these values
        return False
    return True


HEADER = "import logging\nlogger = logging.getLogger(__name__)\ns = 'abc'\nn = 7\n\ndef emit(a, b, c):\n"


@pytest.mark.parametrize("profile", [PROFILE])
def test_eager_log_fix_keeps_every_message(profile: str) -> None:
    @settings(settings.get_profile(profile))
    @given(message=MESSAGES, values=st.tuples(VALUES, VALUES, VALUES))
    def check(message: str, values: tuple[object, object, object]) -> None:
        source = HEADER + f"    logger.info({message})\n"
        assume(_succeeds(source, values))
        fixed, left, _ = fix_snippet(source, [EagerLogFormat])
        _, before = _run(source, *values)
        _, after = _run(fixed, *values)
        assert after == before, fixed

    check()


@pytest.mark.parametrize("profile", [PROFILE])
def test_print_fix_logs_exactly_what_was_printed(profile: str) -> None:
    pieces = st.one_of(MESSAGES, EXPRESSIONS, TEXT.map(lambda t: f"'{t}'"))

    @settings(settings.get_profile(profile))
    @given(
        arguments=st.lists(pieces, max_size=3),
        separator=st.sampled_from(["", ", sep=''", ", sep=', '", ", sep='%'", ", sep=None"]),
        values=st.tuples(VALUES, VALUES, VALUES),
    )
    def check(arguments: list[str], separator: str, values: tuple[object, object, object]) -> None:
        source = HEADER + f"    print({', '.join(arguments)}{separator})\n"
        assume(_succeeds(source, values))
        fixed, left, _ = fix_snippet(source, [PrintCall])
        printed, _ = _run(source, *values)
        after_printed, logged = _run(fixed, *values)
        if left:  # no edit: the reason is in the message, and the program is unchanged
            assert fixed == source and "no automatic fix" in left[0].message
            return
        assert after_printed == "" and logged == printed, fixed

    check()


def test_the_generators_exercise_the_hard_cases() -> None:
    """The exact cases the issue names, once each, so a failure reads plainly."""
    source = HEADER + "    logger.info(f'{a = } {b:.2f} {c!r:>12} {a=!s:>4}|{n:d}')\n"
    fixed, _, _ = fix_snippet(source, [EagerLogFormat])
    assert "format(b, \".2f\")" in fixed  # a Decimal keeps its own rounding
    values = (Fraction(1, 3), Decimal("2.675"), Quantity(1.5, "m"))
    assert _run(fixed, *values) == _run(source, *values)
    assert _run(source, *values)[1] == "a = Fraction(1, 3) 2.68 Quantity(1.5, 'm') a= 1/3|7\n"
