"""Adopting policy-check on an existing codebase: report only changed lines
(``--diff-base``), only findings missing from a baseline (``--baseline``), or
silence today's findings in place (``--add-noqa``).

Nothing here is imported by the engine's hot path except ``scope`` and
``unused_noqa``, which are pure functions of a file's text and tree.
"""
