"""The ``setup.py`` part of the move to a ``src/`` layout: ``setup(...)`` gets
``package_dir={"": "src"}`` and a bare ``find_packages()`` looks in ``src``, rewritten
with libcst so that everything else in the file stays as it was."""

from __future__ import annotations

import libcst as cst


class _SetupCallUpdater(cst.CSTTransformer):
    """``setup(...)`` gets ``package_dir={"": "src"}``; a bare ``find_packages()``
    becomes ``find_packages(where="src")``."""

    def __init__(self) -> None:
        self.changed = False

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        name = _call_name(updated)
        if name in ("find_packages", "find_namespace_packages") and not any(
            arg.keyword is None or arg.keyword.value == "where" for arg in updated.args
        ):
            self.changed = True
            where = cst.Arg(
                cst.SimpleString('"src"'),
                keyword=cst.Name("where"),
                equal=_EQUAL,
                comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")) if updated.args else cst.MaybeSentinel.DEFAULT,
            )
            return updated.with_changes(args=[where, *updated.args])
        if name == "setup" and not any(arg.keyword and arg.keyword.value == "package_dir" for arg in updated.args):
            self.changed = True
            new_arg = cst.Arg(cst.parse_expression('{"": "src"}'), keyword=cst.Name("package_dir"), equal=_EQUAL)
            args = list(updated.args)
            if args and isinstance(args[-1].comma, cst.Comma):
                # One argument a line, trailing comma: the new one goes on its own line.
                new_arg = new_arg.with_changes(comma=args[-1].comma)
                if len(args) > 1 and isinstance(args[-2].comma, cst.Comma):
                    args[-1] = args[-1].with_changes(comma=args[-2].comma)
            elif args:
                args[-1] = args[-1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
            return updated.with_changes(args=[*args, new_arg])
        return updated


_EQUAL = cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace(""))


def _call_name(call: cst.Call) -> str:
    func = call.func
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return func.value if isinstance(func, cst.Name) else ""


def update_setup_py(text: str) -> str:
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError:
        return text
    if "package_dir" in text:
        return text  # already mapped somewhere: moving on would guess
    updater = _SetupCallUpdater()
    updated = module.visit(updater)
    return updated.code if updater.changed else text
