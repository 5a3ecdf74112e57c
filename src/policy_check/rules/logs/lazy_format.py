"""Turning an eagerly formatted message (print arguments, an f-string, ``"…" % x`` or
``"…".format(…)``) into logging's lazy form: a ``%``-template and its arguments.

Every function returns ``None`` when the conversion would not be exact, and the
rule then reports without an edit.
"""

from __future__ import annotations

import ast
import json
import re
import string
from collections.abc import Sequence

import libcst as cst

from policy_check.analysis.literals import string_value

# The part of Python's format-spec mini-language that printf-style formatting
# spells the same way: sign, '#', zero padding, width, precision and a numeric type.
_PRINTF_COMPATIBLE_SPEC = re.compile(r"^(?P<sign>[+ ]?)(?P<alt>#?)(?P<zero>0?)(?P<width>\d*)(?:\.(?P<precision>\d+))?(?P<type>[deEfFgGxXo])$")


class LazyMessage:
    def __init__(self) -> None:
        # The template's text pieces, kept apart from the placeholders so `%` can be escaped.
        self.parts: list[tuple[str, bool]] = []  # (text, is_placeholder)
        self.args: list[cst.BaseExpression] = []
        # The message also needs its exact text when it has no arguments: then logging
        # does not %-format it and `%` must not be doubled.

    def add_text(self, text: str) -> None:
        self.parts.append((text, False))

    def add_placeholder(self, placeholder: str, argument: cst.BaseExpression) -> None:
        self.parts.append((placeholder, True))
        self.args.append(argument)

    def extend(self, other: LazyMessage) -> None:
        self.parts.extend(other.parts)
        self.args.extend(other.args)

    def template(self) -> str:
        if not self.args:
            return "".join(text for text, _ in self.parts)
        return "".join(text if placeholder else text.replace("%", "%%") for text, placeholder in self.parts)

    def template_literal(self) -> str:
        return json.dumps(self.template(), ensure_ascii=False)

    def call_arguments(self) -> list[cst.Arg]:
        arguments = [cst.Arg(cst.SimpleString(self.template_literal()))]
        arguments.extend(cst.Arg(arg) for arg in self.args)
        return arguments


def _fstring_text(node: cst.FormattedString, text: str) -> str | None:
    """The value of a literal piece of an f-string (escapes resolved, braces undoubled)."""
    prefix = node.prefix.lower().replace("f", "")
    quote = node.start[len(node.prefix) :]
    try:
        value = ast.literal_eval(f"{prefix}{quote}{text}{quote}")
    except (SyntaxError, ValueError):
        return None
    return value.replace("{{", "{").replace("}}", "}") if isinstance(value, str) else None


def _printf_placeholder(spec: str, value: cst.BaseExpression) -> str | None:
    """The printf spelling of ``spec`` when it formats ``value`` exactly as ``format``
    does: only for a value that is surely a plain ``int`` (``d``, ``x``, ``o``) or
    ``int``/``float`` (``f``, ``e``, ``g``).  A name may hold a Decimal, a NumPy
    array or a quantity with its own ``__format__``, which printf would not call."""
    match = _PRINTF_COMPATIBLE_SPEC.match(spec)
    if match is None:
        return None
    kind = number_kind(value)
    if kind is None or (kind == "float" and match.group("type") in "dxXo"):
        return None
    return "%" + "".join(match.group(name) or "" for name in ("sign", "alt", "zero", "width")) + (
        f".{match.group('precision')}" if match.group("precision") else ""
    ) + match.group("type")


_CONVERTERS = {"r": "repr", "s": "str", "a": "ascii"}
_INT_CALLS = frozenset({"len", "int"})
_SAME_KIND_OPERATORS = (cst.Add, cst.Subtract, cst.Multiply, cst.FloorDivide, cst.Modulo)


def number_kind(node: cst.BaseExpression) -> str | None:
    """``"int"`` or ``"float"`` when the expression surely evaluates to one (literals,
    ``len()``, ``int()``, ``float()`` and arithmetic on them), else ``None``."""
    if isinstance(node, (cst.Integer, cst.Float)):
        return "int" if isinstance(node, cst.Integer) else "float"
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, (cst.Minus, cst.Plus)):
        return number_kind(node.expression)
    if isinstance(node, cst.Call):
        return _call_number_kind(node)
    if isinstance(node, cst.BinaryOperation):
        return _arithmetic_number_kind(node)
    return None


def _call_number_kind(node: cst.Call) -> str | None:
    if not isinstance(node.func, cst.Name) or not node.args or node.args[0].star:
        return None
    if node.func.value in _INT_CALLS:
        return "int"
    if node.func.value == "float":
        return "float"
    return number_kind(node.args[0].value) if node.func.value == "abs" else None


def _arithmetic_number_kind(node: cst.BinaryOperation) -> str | None:
    left, right = number_kind(node.left), number_kind(node.right)
    if left is None or right is None:
        return None
    if isinstance(node.operator, _SAME_KIND_OPERATORS):
        return "int" if left == right == "int" else "float"
    if isinstance(node.operator, cst.Divide):
        return "float"
    if isinstance(node.operator, cst.Power) and left == "int" and isinstance(node.right, cst.Integer):
        return "int"
    return None


def add_formatted(message: LazyMessage, value: cst.BaseExpression, spec: str, conversion: str | None) -> bool:
    """Add ``{value!conversion:spec}`` to the message, formatted exactly as Python
    would; ``False`` when that is not possible."""
    if conversion is not None and conversion not in _CONVERTERS:
        return False
    if not spec:
        message.add_placeholder(f"%{conversion or 's'}", value)
        return True
    if conversion is not None:
        # The spec applies to the text of the conversion: format that alone.
        converted = cst.Call(func=cst.Name(_CONVERTERS[conversion]), args=[cst.Arg(value)])
        message.add_placeholder("%s", _format_call(converted, spec))
        return True
    placeholder = _printf_placeholder(spec, value)
    if placeholder is not None:
        message.add_placeholder(placeholder, value)
    else:
        # Keep the value's own formatting (a spec printf cannot spell, or a value
        # that may have its own `__format__`): format that value alone.
        message.add_placeholder("%s", _format_call(value, spec))
    return True


def _format_call(expression: cst.BaseExpression, spec: str) -> cst.Call:
    return cst.Call(
        func=cst.Name("format"),
        args=[cst.Arg(expression), cst.Arg(cst.SimpleString(json.dumps(spec, ensure_ascii=False)))],
    )


def from_fstring(node: cst.FormattedString, module: cst.Module) -> LazyMessage | None:
    message = LazyMessage()
    for part in node.parts:
        if isinstance(part, cst.FormattedStringText):
            text = _fstring_text(node, part.value)
            if text is None:
                return None
            message.add_text(text)
            continue
        assert isinstance(part, cst.FormattedStringExpression)
        spec = ""
        if part.format_spec:
            if not all(isinstance(piece, cst.FormattedStringText) for piece in part.format_spec):
                return None  # a nested {width} in the spec
            spec = "".join(piece.value for piece in part.format_spec)  # type: ignore[union-attr]
        conversion = part.conversion
        if part.equal is not None:
            # f"{x = }" shows the expression's text as written, then its repr (or the spec'd format).
            message.add_text(
                module.code_for_node(part.whitespace_before_expression)
                + module.code_for_node(part.expression)
                + module.code_for_node(part.whitespace_after_expression)
                + module.code_for_node(part.equal)
            )
            if conversion is None and not spec:
                conversion = "r"
        if not add_formatted(message, part.expression, spec, conversion):
            return None
    return message


def from_message(node: cst.BaseExpression, module: cst.Module) -> LazyMessage | None:
    """A logging message built eagerly: an f-string, ``"…" % args`` or ``"…".format(…)``."""
    if isinstance(node, cst.FormattedString):
        return from_fstring(node, module)
    if isinstance(node, cst.ConcatenatedString) and string_value(node) is None:
        message = LazyMessage()
        return message if _add_piece(message, node, module) else None
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Modulo):
        return _from_percent(node)
    if (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value == "format"
    ):
        return _from_format_call(node)
    return None


def _from_percent(node: cst.BinaryOperation) -> LazyMessage | None:
    template = string_value(node.left)
    if template is None:
        return None
    right = node.right
    if isinstance(right, cst.Tuple):
        if any(not isinstance(element, cst.Element) for element in right.elements):
            return None
        args = [element.value for element in right.elements]
    else:
        args = [right]
    if not args:
        return None  # logging leaves a message without arguments unformatted: `%%` would stay doubled
    message = LazyMessage()
    # The template is already %-style: keep it as it is, placeholders included.
    message.parts.append((template, True))
    message.args.extend(args)
    return message


def percent_right_is_display(node: cst.BinaryOperation) -> bool:
    """Whether ``"…" % right`` has a right side whose shape is known (a tuple or a
    literal): a bare name could hold a tuple, which ``%`` would spread."""
    if isinstance(node.right, cst.Dict):
        return bool(node.right.elements)  # logging passes an empty dict on as an argument
    return isinstance(node.right, (cst.Tuple, cst.SimpleString, cst.Integer, cst.Float, cst.FormattedString))


def _simple_expression(node: cst.BaseExpression) -> bool:
    """Safe to evaluate twice (a name, an attribute chain, a literal)."""
    while isinstance(node, cst.Attribute):
        node = node.value
    return isinstance(node, (cst.Name, cst.SimpleString, cst.Integer, cst.Float))


def _format_call_arguments(
    node: cst.Call,
) -> tuple[list[cst.BaseExpression], dict[str, cst.BaseExpression]] | None:
    positional: list[cst.BaseExpression] = []
    keywords: dict[str, cst.BaseExpression] = {}
    for arg in node.args:
        if arg.star:
            return None
        if arg.keyword is not None:
            keywords[arg.keyword.value] = arg.value
        else:
            positional.append(arg.value)
    return positional, keywords


def _field_key(field_name: str, automatic: int) -> int | str | None:
    """The argument a replacement field names: its position or keyword (``None`` for
    ``{0.attr}`` or ``{a[0]}``)."""
    if field_name == "":
        return automatic
    if field_name.isdigit():
        return int(field_name)
    return field_name if field_name.isidentifier() else None


def _field_argument(
    key: int | str | None,
    positional: list[cst.BaseExpression],
    keywords: dict[str, cst.BaseExpression],
    used: list[cst.BaseExpression],
) -> cst.BaseExpression | None:
    """The argument a field formats (``None``: missing, or a call that would be
    evaluated twice); records it as used."""
    if key is None:
        return None
    argument = keywords.get(key) if isinstance(key, str) else (positional[key] if key < len(positional) else None)
    if argument is None or (any(argument is seen for seen in used) and not _simple_expression(argument)):
        return None
    used.append(argument)
    return argument


def _from_format_call(node: cst.Call) -> LazyMessage | None:
    assert isinstance(node.func, cst.Attribute)
    template = string_value(node.func.value)
    arguments = _format_call_arguments(node)
    if template is None or arguments is None:
        return None
    positional, keywords = arguments
    try:
        pieces = list(string.Formatter().parse(template))
    except ValueError:
        return None
    message = LazyMessage()
    used: list[cst.BaseExpression] = []
    automatic = 0
    for literal, field_name, spec, conversion in pieces:
        if literal:
            message.add_text(literal)
        if field_name is None:
            continue
        argument = _field_argument(_field_key(field_name, automatic), positional, keywords, used)
        automatic += field_name == ""
        if argument is None or (spec and "{" in spec) or not add_formatted(message, argument, spec or "", conversion):
            return None
    return message


def _string_pieces(node: cst.BaseExpression) -> list[cst.BaseExpression] | None:
    """The pieces of a string built by juxtaposition (``"a" f"{b}"``) or by ``+`` with
    at least one string literal (``"a " + name + "!"``), left to right; ``None`` for
    anything else.  (``+`` on strings only works when every piece is a string, so
    formatting the non-literal pieces with ``%s`` prints the same text.)"""
    if isinstance(node, cst.ConcatenatedString):
        left, right = _string_pieces(node.left), _string_pieces(node.right)
        return None if left is None or right is None else left + right
    if isinstance(node, (cst.SimpleString, cst.FormattedString)):
        return [node] if not node.lpar else None
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add) and not node.lpar:
        pieces: list[cst.BaseExpression] = []
        for side in (node.left, node.right):
            nested = _string_pieces(side)
            pieces.extend(nested if nested is not None else [side])
        if any(string_value(piece) is not None or isinstance(piece, cst.FormattedString) for piece in pieces):
            return pieces
    return None


def _add_piece(message: LazyMessage, value: cst.BaseExpression, module: cst.Module) -> bool:
    literal = string_value(value)
    if literal is not None:
        message.add_text(literal)
        return True
    converted = from_fstring(value, module) if isinstance(value, cst.FormattedString) else _lazy_piece(value)
    if converted is not None:
        message.extend(converted)
        return True
    if isinstance(value, cst.FormattedString):
        return False
    pieces = _string_pieces(value)
    if pieces is None or pieces == [value]:
        message.add_placeholder("%s", value)
        return True
    return all(_add_piece(message, piece, module) for piece in pieces)


def _lazy_piece(value: cst.BaseExpression) -> LazyMessage | None:
    """``"…" % (a, b)`` or ``"…".format(a)`` among print's arguments, as template and
    arguments (not ``"…" % name``: the name may hold a tuple, which ``%`` spreads; not
    ``"…" % {…}``: a mapping cannot share a template with other arguments)."""
    if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Modulo):
        if isinstance(value.right, cst.Dict) or not percent_right_is_display(value):
            return None
        return _from_percent(value)
    if isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and value.func.attr.value == "format":
        return _from_format_call(value)
    return None


def from_print_arguments(
    args: Sequence[cst.Arg], separator: str, module: cst.Module
) -> LazyMessage | None:
    """``print(a, "b", f"{c}")`` → ``"%s b %s"``, [a, c]."""
    message = LazyMessage()
    for position, arg in enumerate(args):
        if arg.star:
            return None
        if position:
            message.add_text(separator)
        if not _add_piece(message, arg.value, module):
            return None
    return message
