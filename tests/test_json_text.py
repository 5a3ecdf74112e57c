"""The reporters' JSON text is byte for byte ``json.dumps(value, indent=2)``, for any
value json writes (and its own error for what it refuses), in both escapings."""

from __future__ import annotations

import enum
import io
import json
import math
from collections import OrderedDict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policy_check.diagnostics import Applicability, Diagnostic, Edit, Fix, Location, Severity
from policy_check.report import RunReport
from policy_check.reporters import json_format
from policy_check.reporters.json_text import dumps_indented

_LEAVES = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
_VALUES = st.recursive(
    _LEAVES,
    lambda inner: st.lists(inner, max_size=4)
    | st.tuples(inner, inner)
    | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(_VALUES, st.booleans())
def test_same_text_as_json_dumps(value: object, ensure_ascii: bool) -> None:
    assert dumps_indented(value, ensure_ascii=ensure_ascii) == json.dumps(value, indent=2, ensure_ascii=ensure_ascii)


class Colour(str, enum.Enum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


@pytest.mark.parametrize(
    "value",
    [
        [],
        {},
        [[], {}, [[]], {"a": {}}],
        {"é": "naïve ☃ \u2028 \x00 \"quoted\" \\ tab\t"},
        {3: "int key", None: "none key", 2.5: "float key", False: "bool key"},
        [math.nan, math.inf, -math.inf, 1e300, -0.0],
        [Colour.RED, Level.HIGH, True, False, 10**40],
        OrderedDict([("b", 1), ("a", [1, (2, 3)])]),
        {"finding": {"location": {"row": 1, "column": 2}, "fix": None, "edits": [{"content": "x\n"}]}},
    ],
)
@pytest.mark.parametrize("ensure_ascii", [True, False])
def test_corner_values(value: object, ensure_ascii: bool) -> None:
    assert dumps_indented(value, ensure_ascii=ensure_ascii) == json.dumps(value, indent=2, ensure_ascii=ensure_ascii)


def test_what_json_refuses_is_refused_the_same_way() -> None:
    with pytest.raises(TypeError):
        dumps_indented({"a": [object()]})


# --- the JSON reporter's rows: the template gives json.dumps's text --------------

_TEXT = st.text(max_size=12)
_LOCATIONS = st.builds(Location, st.integers(1, 10**6), st.integers(0, 10**4))
_EDITS = st.builds(Edit, _TEXT, _LOCATIONS, _LOCATIONS)
# A fix without edits, or with a location of another type, takes the general writer.
_ODD_EDITS = st.builds(Edit, _TEXT, st.builds(Location, st.booleans(), st.integers(0, 9)), _LOCATIONS)
_FIXES = st.none() | st.builds(
    Fix,
    _TEXT,
    st.sampled_from(list(Applicability)),
    st.tuples() | st.tuples(_EDITS) | st.tuples(_EDITS, _EDITS) | st.tuples(_EDITS, _ODD_EDITS),
)
_DIAGNOSTICS = st.builds(
    Diagnostic,
    code=st.sampled_from(["PC301", "PC501", "F401", "E999", "PC000"]),
    message=_TEXT,
    path=st.sampled_from(["a.py", "lab/ü.py", "x\ty.ipynb"]),
    start=_LOCATIONS,
    end=_LOCATIONS,
    severity=st.sampled_from(list(Severity)),
    name=_TEXT,
    fix=_FIXES,
    project_level=st.booleans(),
    # A notebook's cell number; another type (a bool, a float) takes the general writer.
    extra=st.fixed_dictionaries({}, optional={"cell": st.integers(1, 50) | st.booleans() | st.floats(), "url": _TEXT}),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_DIAGNOSTICS, max_size=4))
def test_json_reporter_writes_what_json_dumps_writes(diagnostics: list[Diagnostic]) -> None:
    stream = io.StringIO()
    json_format.write(RunReport(diagnostics), stream, color=False)
    rows = [json_format.diagnostic_to_ruff_json(d) for d in diagnostics]
    assert stream.getvalue() == json.dumps(rows, indent=2) + "\n"
