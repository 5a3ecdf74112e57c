"""Configuration per folder, as in ruff: the nearest ``pyproject.toml`` with a
``[tool.policy-check]`` table governs the files below it.  A run starts from the
configuration of the folder it checks; a file under a folder with its own table is
checked with that table instead (its ``select``/``ignore``, ``per-file-ignores``
relative to that folder, thresholds and excludes), the command line's options
applied on top.  ``--config`` and ``--isolated`` use one configuration for all."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

from policy_check.config import Settings, find_config_file, load_settings
from policy_check.diagnostics import Diagnostic
from policy_check.discovery import SourceFile, is_excluded, relative_to_root
from policy_check.globs import matches_any


class ConfigScopes:
    # A plain class, not a dataclass: a dataclass costs ~3M instructions to define
    # (its methods are compiled at import), on every run.
    def __init__(self, root: Settings, with_options: Callable[[Settings], Settings], enabled: bool = True) -> None:
        self.root = root
        # How the command line changes a configuration (the same for every folder).
        self.with_options = with_options
        self.enabled = enabled
        self._by_folder: dict[str, Settings | None] = {}
        self._loaded: dict[Path, Settings] = {}
        # By the path as given: ruff's findings name a few files thousands of times,
        # and an absolute path costs a getcwd each.
        self._by_path: dict[str, Settings] = {}

    def settings_for(self, path: str | os.PathLike[str]) -> Settings:
        """The settings that govern ``path``."""
        if not self.enabled:
            return self.root
        key = os.fspath(path)
        found = self._by_path.get(key)
        if found is None:
            nested = self._nested(os.path.dirname(os.path.abspath(key)))
            found = self._by_path[key] = nested if nested is not None else self.root
        return found

    def _nested(self, folder: str) -> Settings | None:
        if folder not in self._by_folder:
            config = find_config_file(Path(folder))
            found = None
            if config is not None and config != self.root.config_file and self._below_root(config):
                if config not in self._loaded:
                    self._loaded[config] = self.with_options(load_settings(config.parent))
                found = self._loaded[config]
            self._by_folder[folder] = found
        return self._by_folder[folder]

    def _below_root(self, config: Path) -> bool:
        root = self.root.root.resolve()
        return root in config.resolve().parents

    def groups(self, files: Sequence[SourceFile]) -> list[tuple[Settings, list[SourceFile]]]:
        """The files by the settings that govern them (the run's own first), each with
        its path relative to that configuration's folder, nested excludes applied."""
        grouped: dict[int, tuple[Settings, list[SourceFile]]] = {id(self.root): (self.root, [])}
        for source in files:
            settings = self.settings_for(source.path)
            if settings is self.root:
                grouped[id(self.root)][1].append(source)
                continue
            relative = relative_to_root(source.path, settings.root)
            if is_excluded(relative, settings):
                continue
            grouped.setdefault(id(settings), (settings, []))[1].append(SourceFile(source.path, relative))
        return [group for group in grouped.values() if group[1] or group[0] is self.root]

    def keeps(self, diagnostic: Diagnostic, selected: Callable[[Settings], set[str]]) -> bool:
        """Whether a run-level finding (ruff's) stands under its folder's configuration."""
        settings = self.settings_for(diagnostic.path)
        if settings is self.root or diagnostic.project_level:
            return True
        if diagnostic.code not in selected(settings):
            return False
        relative = relative_to_root(Path(diagnostic.path), settings.root)
        return not any(
            any(diagnostic.code.startswith(code) for code in codes) and matches_any(relative, [glob])
            for glob, codes in settings.per_file_ignores
        )
