"""The package's modules import one way: no import cycle in ``src/``, counting the
imports inside functions and under ``TYPE_CHECKING`` (a late import is still a cycle:
the two modules cannot be understood or changed one without the other).  On the same
graph: a rule family imports no other family, and the cross-family helpers in
``analysis/`` import no rule and nothing of the layers above."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
PACKAGE = "policy_check"


def module_name(path: Path, src: Path) -> str:
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(tree: ast.AST, module: str, is_package: bool, known: set[str]) -> set[str]:
    """The package modules an ``import`` anywhere in the tree names: ``import a.b``
    names ``a.b``; ``from a import b`` names ``a.b`` when that is a module, else ``a``."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".") if is_package else module.split(".")[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                names.add(submodule if submodule in known else base)
    return names


def module_graph(src: Path) -> dict[str, set[str]]:
    """Module → the package modules importing it runs: the module named and the
    packages above it (importing ``a.b.c`` runs ``a/b/__init__``), except the
    importer's own packages, which are already being imported when it runs."""
    files = {module_name(path, src): path for path in sorted((src / PACKAGE).rglob("*.py"))}
    known = set(files)
    graph: dict[str, set[str]] = {}
    for module, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        targets: set[str] = set()
        for name in imported_modules(tree, module, path.name == "__init__.py", known):
            parts = name.split(".")
            if name in known and name != module:
                targets.add(name)
            for end in range(1, len(parts)):
                prefix = ".".join(parts[:end])
                if prefix in known and prefix != module and not module.startswith(prefix + "."):
                    targets.add(prefix)
        graph[module] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan's
    algorithm, iterative), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_src_has_no_import_cycle() -> None:
    graph = module_graph(SRC)
    assert len(graph) > 50, "the package's modules were not found"
    assert cycles(graph) == []


def test_the_finder_sees_late_and_relative_imports(tmp_path: Path) -> None:
    package = tmp_path / PACKAGE
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("from . import b\n")
    (package / "a.py").write_text("def late():\n    from policy_check.sub import b\n")
    (package / "sub" / "b.py").write_text("from ..c import thing\n")
    (package / "c.py").write_text("import typing\nif typing.TYPE_CHECKING:\n    from policy_check import a\n")
    (package / "d.py").write_text("from policy_check import c\n")
    graph = module_graph(tmp_path)
    assert graph["policy_check.a"] == {"policy_check.sub", "policy_check.sub.b"}
    assert cycles(graph) == [["policy_check.a", "policy_check.c", "policy_check.sub", "policy_check.sub.b"]]
    (package / "c.py").write_text("thing = 1\n")
    assert cycles(module_graph(tmp_path)) == []


# What the README's "Where things are" promises about the rule families and the
# cross-family helpers, checked on the same graph.
RULES = f"{PACKAGE}.rules"
ABOVE_ANALYSIS = tuple(
    f"{PACKAGE}.{name}"
    for name in (
        "rules", "engine", "cli", "docs", "selection", "run_checks", "run_context", "runner", "in_memory",
        "integrations", "reporters", "server", "adoption",
    )
)


def family_of(module: str) -> str | None:
    """``imports`` for ``policy_check.rules.imports.sys_path_hack``; None for the
    registry and the shared base class."""
    parts = module.split(".")
    if len(parts) < 3 or parts[:2] != [PACKAGE, "rules"] or parts[2] == "base":
        return None
    return parts[2]


def test_a_rule_family_imports_no_other_family() -> None:
    crossings = sorted(
        f"{module} -> {target}"
        for module, targets in module_graph(SRC).items()
        for target in targets
        if family_of(module) is not None and family_of(target) not in (None, family_of(module))
    )
    assert crossings == [], "shared facts belong in policy_check/analysis/"


def test_analysis_helpers_depend_on_no_rule_and_nothing_above() -> None:
    upward = sorted(
        f"{module} -> {target}"
        for module, targets in module_graph(SRC).items()
        if module.startswith(f"{PACKAGE}.analysis")
        for target in targets
        if any(target == prefix or target.startswith(prefix + ".") for prefix in ABOVE_ANALYSIS)
    )
    assert upward == []
