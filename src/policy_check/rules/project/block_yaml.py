"""The hook ids of a ``.pre-commit-config.yaml`` written in the plain block style most
configs use, read without PyYAML (whose import is ~15 ms, a sixth of pre-commit's
one-file run): nested mappings and sequences by indentation, scalars that are plain
words, quoted without escapes, or flow lists of such on one line, and comments.

Anything else (tabs, anchors, tags, block scalars, multi-line values, a key given
twice, a value PyYAML would build as a date, text that is not ASCII) answers None:
PyYAML then reads the file, so both ways give the same ids.  ``tests/test_project_git``
compares the two on configs made of every form this accepts and many it refuses."""

from __future__ import annotations

import re
_KEY = r"[A-Za-z_][A-Za-z0-9_-]*"
# Plain words: no leading indicator, no '#', a ':' only inside a word.
_WORD = r"[^\s#:]+(?::[^\s#:]+)*"
_PLAIN = rf"[A-Za-z_./^$()\\=+][^\s#:]*(?::[^\s#:]+)*(?: {_WORD})*"
_SINGLE = r"'(?:[^'\n]|'')*'"
_DOUBLE = r'"[^"\\\n]*"'
_FLOW_ITEM = rf"(?:{_SINGLE}|{_DOUBLE}|-*[A-Za-z_./^$()=+][^\s#:,\[\]{{}}'\"]*)"
_FLOW = rf"\[ *(?:{_FLOW_ITEM}(?: *, *{_FLOW_ITEM})* *)?\]"
_VALUE = rf"{_SINGLE}|{_DOUBLE}|{_FLOW}|{_PLAIN}|[0-9][0-9.]*[A-Za-z0-9_.]*"
# ``key:`` (then a space or the end) and a value, or a value alone: one copy of the
# value's pattern, not two (compiling it was most of the module's import).  A line
# with neither (a bare "- ") matches here and is refused in ``_tokens``.
_LINE = re.compile(rf"(?P<indent> *)(?P<dash>- +)?(?:(?P<key>{_KEY}):(?= |$))? *(?P<value>{_VALUE})?(?: +#.*)? *")
_IGNORED = re.compile(r" *(?:#.*)?")
# What PyYAML would build as something that can fail (a date) or refuse ('=').
_SPECIAL = re.compile(r"[0-9]{4}-|=$")
_CONSTANTS: dict[str, Node] = {
    **dict.fromkeys(("null", "Null", "NULL", "~"), None),
    **dict.fromkeys(("true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"), True),
    **dict.fromkeys(("false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"), False),
}

Node = str | bool | list["Node"] | dict[str, "Node"] | None


class _Refused(Exception):
    """Not in the subset read here."""


def block_hook_ids(text: str) -> set[str] | None:
    """The ids of the hooks under ``repos:`` (as ``str()`` of each), or None when the
    text is not in the subset (PyYAML must read it)."""
    if not text.isascii() or "\t" in text or "\r" in text or not text.isprintable() and _unprintable(text):
        return None
    try:
        tokens = _tokens(text)
        if not tokens:
            return None
        node, end = _block(tokens, 0, tokens[0][0])
        if end != len(tokens) or not isinstance(node, dict):
            raise _Refused
    except _Refused:
        return None
    return _hook_ids(node)


def _hook_ids(node: dict[str, Node]) -> set[str]:
    ids: set[str] = set()
    repos = node.get("repos")
    for repo in repos if isinstance(repos, list) else []:
        hooks = repo.get("hooks") if isinstance(repo, dict) else None
        for hook in hooks if isinstance(hooks, list) else []:
            if isinstance(hook, dict):
                ids.add(str(hook.get("id")))
    return ids


def _unprintable(text: str) -> bool:
    return any(not char.isprintable() for char in text.replace("\n", ""))


# A token: (column, kind, key or None, value); kind "item" (a "- "), "key", "scalar".
Token = tuple[int, str, str | None, Node]


def _tokens(text: str) -> list[Token]:
    tokens: list[Token] = []
    for line in text.split("\n"):
        if _IGNORED.fullmatch(line):
            continue
        if line.startswith(("---", "...", "%")):
            raise _Refused
        match = _LINE.fullmatch(line)
        if match is None or match["key"] is None and match["value"] is None:
            raise _Refused
        column = len(match["indent"])
        if match["dash"]:
            tokens.append((column, "item", None, None))
            column += len(match["dash"])
        if match["key"] is not None:
            tokens.append((column, "key", match["key"], _scalar(match["value"])))
        elif match["dash"]:
            tokens.append((column, "scalar", None, _scalar(match["value"])))
        else:
            raise _Refused  # a bare scalar line: a document of one value, or a broken one
    return tokens


def _scalar(text: str | None) -> Node:
    if text is None:
        return None
    if _SPECIAL.match(text):
        raise _Refused
    if text.startswith("["):
        return [_scalar(item.strip()) for item in _flow_items(text[1:-1])]
    if text.startswith("'"):
        return text[1:-1].replace("''", "'")
    if text.startswith('"'):
        return text[1:-1]
    return _CONSTANTS.get(text, text)  # null and booleans as PyYAML reads them


def _flow_items(body: str) -> list[str]:
    items = re.findall(rf"{_SINGLE}|{_DOUBLE}|[^,'\"]+", body)
    return [item for item in (part.strip() for part in items) if item]


def _block(tokens: list[Token], at: int, column: int) -> tuple[Node, int]:
    """The block starting at ``tokens[at]`` (at ``column``) and the index after it."""
    if tokens[at][1] == "item":
        return _sequence(tokens, at, column)
    if tokens[at][1] == "key":
        return _mapping(tokens, at, column)
    raise _Refused


def _sequence(tokens: list[Token], at: int, column: int) -> tuple[Node, int]:
    items: list[Node] = []
    while at < len(tokens) and tokens[at][0] == column and tokens[at][1] == "item":
        # The item's content starts on the dash's line, further right.
        at += 1
        if at >= len(tokens) or tokens[at][0] <= column or tokens[at][1] == "item":
            raise _Refused
        if tokens[at][1] == "scalar":
            items.append(tokens[at][3])
            at += 1
        else:
            item, at = _mapping(tokens, at, tokens[at][0])
            items.append(item)
    if at < len(tokens) and tokens[at][0] > column:
        raise _Refused
    return items, at


def _mapping(tokens: list[Token], at: int, column: int) -> tuple[Node, int]:
    mapping: dict[str, Node] = {}
    while at < len(tokens) and tokens[at][0] == column and tokens[at][1] == "key":
        _, _, key, value = tokens[at]
        assert key is not None
        if key in mapping:
            raise _Refused  # PyYAML keeps the last; not imitated
        at += 1
        if value is None and at < len(tokens) and (
            tokens[at][0] > column or (tokens[at][0] == column and tokens[at][1] == "item")
        ):
            value, at = _block(tokens, at, tokens[at][0])
        mapping[key] = value
    if at < len(tokens) and tokens[at][0] > column:
        raise _Refused
    return mapping, at
