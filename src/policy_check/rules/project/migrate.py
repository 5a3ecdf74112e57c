"""The src-layout migration behind PC101's fix: move each root package under
``src/`` (``git mv`` when tracked) and tell the build backend where the packages
went — ``pyproject.toml`` edited with tomlkit (comments and formatting kept),
``setup.py`` with libcst, ``setup.cfg`` line by line."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import AoT, Array, InlineTable, Table

from policy_check.rules.project.facts import PythonProject
from policy_check.rules.project.workspace import Workspace

logger = logging.getLogger(__name__)

MIGRATABLE_BACKENDS = ("setuptools", "hatch", "flit", "pdm", "poetry")


def migrate_to_src(project: PythonProject, packages: Sequence[str], tracked: set[str], workspace: Workspace) -> None:
    """All or nothing: every file edit is worked out before anything moves (a file that
    cannot be read or updated stops the migration with nothing changed), and a move or
    write that fails puts back what was already done."""
    edits = _configuration_edits(project, packages, workspace)
    done: list[tuple[Path, Path, bool]] = []
    written: list[tuple[Path, str]] = []
    try:
        for package in packages:
            source, target = project.root / package, project.root / "src" / package
            is_tracked = any(path.startswith(f"{project.relative}/{package}/".lstrip("/")) for path in tracked)
            workspace.move(source, target, tracked=is_tracked)
            done.append((source, target, is_tracked))
        for path, original, updated in edits:
            workspace.write(path, updated)
            written.append((path, original))
    except BaseException:
        for path, original in reversed(written):
            workspace.write(path, original)
        for source, target, is_tracked in reversed(done):
            workspace.move(target, source, tracked=is_tracked)
        raise


def _configuration_edits(project: PythonProject, packages: Sequence[str], workspace: Workspace) -> list[tuple[Path, str, str]]:
    """(file, its text, its new text) for each build configuration file to change."""
    updates = (
        (project.pyproject_path, lambda text: update_pyproject(text, project.backend, packages)),
        (project.root / "setup.py", update_setup_py),
        (project.root / "setup.cfg", update_setup_cfg),
    )
    edits = []
    for path, update in updates:
        try:
            text = workspace.read(path)
        except (OSError, UnicodeDecodeError) as error:
            raise ValueError(f"{path.name} cannot be read as UTF-8 ({error}); nothing was moved") from None
        if text is None:
            continue
        updated = update(text)
        if updated != text:
            edits.append((path, text, updated))
    return edits


def _table(container: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(container, (dict, Table, InlineTable)) or key not in container:
            return None
        container = container[key]
    return container


def _rewrite_paths(item: Any, packages: Sequence[str]) -> None:
    """Paths in tool settings that point into a moved package (``pkg/__about__.py``)
    point into ``src/`` afterwards.  Import names (no slash) are left alone."""
    prefixes = tuple(f"{package}/" for package in packages)
    if isinstance(item, (dict, Table, InlineTable)):
        for key in list(item.keys()):
            value = item[key]
            if isinstance(value, str) and value.startswith(prefixes):
                item[key] = "src/" + str(value)
            else:
                _rewrite_paths(value, packages)
    elif isinstance(item, (list, Array, AoT)):
        for index, value in enumerate(list(item)):
            if isinstance(value, str) and value.startswith(prefixes):
                item[index] = "src/" + str(value)
            else:
                _rewrite_paths(value, packages)


def update_pyproject(text: str, backend: str | None, packages: Sequence[str]) -> str:
    document = tomlkit.parse(text)
    tool = _table(document, "tool")
    if tool is not None:
        _rewrite_paths(tool, packages)
    if backend == "setuptools":
        _update_setuptools(document)
    elif backend == "hatch":
        _update_hatch(document, packages)
    elif backend == "pdm":
        build = _table(document, "tool", "pdm", "build")
        if build is not None:
            build["package-dir"] = "src"
    elif backend == "poetry":
        _update_poetry(document, packages)
    # flit_core finds a module under src/ by itself.
    return tomlkit.dumps(document)


def _update_setuptools(document: Any) -> None:
    setuptools = _table(document, "tool", "setuptools")
    if setuptools is None:
        return  # automatic discovery finds the src layout on its own
    find = _table(setuptools, "packages", "find")
    if find is not None:
        find["where"] = ["src"]
        return
    package_dir = setuptools.get("package-dir")
    if isinstance(package_dir, (dict, Table, InlineTable)):
        package_dir[""] = "src"
        return
    if "packages" in setuptools or "py-modules" in setuptools:
        inline = tomlkit.inline_table()
        inline[""] = "src"
        setuptools["package-dir"] = inline


def _update_hatch(document: Any, packages: Sequence[str]) -> None:
    wheel = _table(document, "tool", "hatch", "build", "targets", "wheel")
    listed = wheel.get("packages") if wheel is not None else None
    if isinstance(listed, (list, Array)):
        for index, value in enumerate(list(listed)):
            if str(value).strip("/") in packages:
                listed[index] = f"src/{str(value).strip('/')}"
        return
    # Hatch only finds src/<project name> by itself; name every package.
    if wheel is None:
        document.setdefault("tool", tomlkit.table(True))
        tool = document["tool"]
        tool.setdefault("hatch", tomlkit.table(True))
        tool["hatch"].setdefault("build", tomlkit.table(True))
        tool["hatch"]["build"].setdefault("targets", tomlkit.table(True))
        wheel = tomlkit.table()
        tool["hatch"]["build"]["targets"]["wheel"] = wheel
    wheel["packages"] = [f"src/{package}" for package in packages]


def _update_poetry(document: Any, packages: Sequence[str]) -> None:
    poetry = _table(document, "tool", "poetry")
    if poetry is None:
        return
    listed = poetry.get("packages")
    if isinstance(listed, (list, Array, AoT)):
        for entry in listed:
            if isinstance(entry, (dict, Table, InlineTable)) and str(entry.get("include", "")).split("/")[0] in packages:
                entry.setdefault("from", "src")
        return
    array = tomlkit.array()
    for package in packages:
        entry = tomlkit.inline_table()
        entry.update({"include": package, "from": "src"})
        array.append(entry)
    poetry["packages"] = array


def update_setup_py(text: str) -> str:
    # libcst is imported only when a setup.py is rewritten (not by every run's PC1 check).
    from policy_check.rules.project.setup_py import update_setup_py as update

    return update(text)


def update_setup_cfg(text: str) -> str:
    if "package_dir" in text or not re.search(r"^\[options\]", text, re.MULTILINE):
        return text
    text = re.sub(r"^\[options\][ \t]*\n", "[options]\npackage_dir =\n    =src\n", text, count=1, flags=re.MULTILINE)
    if re.search(r"^packages\s*=\s*find(_namespace)?:", text, re.MULTILINE):
        if re.search(r"^\[options\.packages\.find\]", text, re.MULTILINE):
            text = re.sub(r"^\[options\.packages\.find\][ \t]*\n", "[options.packages.find]\nwhere = src\n", text, count=1, flags=re.MULTILINE)
        else:
            text = text.rstrip("\n") + "\n\n[options.packages.find]\nwhere = src\n"
    return text
