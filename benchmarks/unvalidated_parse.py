"""libcst's parse with and without node validation (``policy_check.cst_parse``) on a
corpus: CPU seconds of each, and a check that every node of every tree parsed without
validation passes libcst's ``_validate`` and gives back the file byte for byte.

    python benchmarks/unvalidated_parse.py CORPUS_DIR [CORPUS_DIR ...]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import libcst as cst

from policy_check.cst_parse import parse_module
from policy_check.runner import tune_gc


def python_files(roots: list[Path]) -> list[Path]:
    found = []
    for root in roots:
        for folder, names, files in os.walk(root, followlinks=True):
            names[:] = [name for name in names if not name.startswith(".")]
            found += [Path(folder) / name for name in files if name.endswith(".py")]
    return sorted(found)


def texts_libcst_reads(paths: list[Path]) -> list[str]:
    texts = []
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
            cst.parse_module(text)
        except (UnicodeDecodeError, cst.ParserSyntaxError, RecursionError):
            continue
        texts.append(text)
    return texts


def cpu_seconds(parse, texts: list[str]) -> float:  # type: ignore[no-untyped-def]
    start = time.thread_time()
    for text in texts:
        parse(text)
    return time.thread_time() - start


def invalid_nodes(module: cst.Module) -> list[str]:
    """Every node (whitespace and tokens too) that ``_validate`` rejects."""
    problems = []
    pending: list[cst.CSTNode] = [module]
    while pending:
        node = pending.pop()
        try:
            node._validate()
        except Exception as error:  # noqa: BLE001 - any rejection is a finding here
            problems.append(f"{type(node).__name__}: {error}")
        pending.extend(node.children)
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", type=Path, nargs="+")
    args = parser.parse_args()
    sys.setrecursionlimit(60_000)
    tune_gc()
    texts = texts_libcst_reads(python_files(args.corpus))
    validated = min(cpu_seconds(cst.parse_module, texts) for _ in range(2))
    unvalidated = min(cpu_seconds(parse_module, texts) for _ in range(2))
    problems = 0
    for text in texts:
        module = parse_module(text)
        problems += len(invalid_nodes(module)) + (module.code != text)
    lines = [
        f"{len(texts)} files libcst reads",
        f"libcst.parse_module: {validated:.2f} CPU s; without node validation: {unvalidated:.2f} CPU s ({unvalidated / validated:.2f}x)",
        f"nodes _validate rejects or files not given back byte for byte: {problems}",
    ]
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
