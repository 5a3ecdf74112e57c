"""Facts about a repository, gathered once per run and shared by every project rule:
where the root is, the files git tracks (with their sizes from the index), and for
each Python project in it its ``pyproject.toml``, build backend, packages and tests.

Every fact is computed on first use, so a run that selects only PC7 never parses
``pyproject.toml`` and one that selects only PC1 never reads the git index.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path
from typing import Any, NamedTuple

from policy_check.cache import RACY_SECONDS, stat_of
from policy_check.config import DEFAULT_EXCLUDE, Settings, TomlError, parse_toml
from policy_check.discovery import is_excluded
from policy_check.git_repo import GitError, GitRepo, IndexEntry
from policy_check.rules.project.facts_cache import FactsCache

logger = logging.getLogger(__name__)

BUILD_FILES = ("pyproject.toml", "setup.py", "setup.cfg")
# Folders at a project root that hold code but are not the project's package.
NOT_PACKAGES = frozenset(
    {
        "tests", "test", "testing", "docs", "doc", "examples", "example", "scripts", "bin",
        "benchmarks", "benchmark", "tools", "ci", "notebooks", "build", "dist", "src",
        "site-packages", "fixtures", "data", "conf", "config", "configs",
    }
)
TEST_FOLDERS = ("tests", "test", "testing")
# Patterns compiled on first use (re keeps them): a one-module run needs none of them.
_TEST_DEFINITION = r"(?m)^(?:async\s+)?def test|^class Test"
_IMPORTED_MODULE = r"(?m)^[ \t]*(?:from[ \t]+(\w+)[ \t]+import\b|import[ \t]+(\w+))"
_SETUP_CALL = r"(?m)^[^#\n]*\bsetup\s*\("


def is_build_file(path: Path) -> bool:
    """A build configuration: ``pyproject.toml``, ``setup.cfg``, or a ``setup.py`` that
    calls ``setup()`` (one that does not is a script that happens to be named so)."""
    if path.name != "setup.py":
        return path.is_file()
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return bool(re.search(_SETUP_CALL, text))


def has_build_file(folder: Path) -> bool:
    return any(is_build_file(folder / name) for name in BUILD_FILES)


class TrackedFile(NamedTuple):
    """A file in the git index: its path from the git top, the size of its blob as
    git stores it (a git-lfs pointer's), and the blob's id."""

    # A NamedTuple, not a frozen dataclass: ~0.4M instructions to define instead of
    # ~4M (the generated methods are compiled at import), in every project check.
    path: str
    size: int
    binsha: bytes


def find_root(start: Path) -> tuple[Path, GitRepo | None]:
    """The project root for a run that starts in ``start``: the nearest folder holding
    a build file (inside the git work tree, if any), else the git top level, else
    ``start`` itself; with the ``GitRepo`` when inside a work tree."""
    start = start.resolve()
    folder = start if start.is_dir() else start.parent
    # No git started for a folder that no .git is near (git would say the same).
    repo = GitRepo.find(folder) if _inside_git(folder) else None
    top = repo.top if repo is not None else None
    for candidate in (folder, *folder.parents):
        if top is not None and candidate != top and top not in candidate.parents:
            break
        if has_build_file(candidate):
            return candidate, repo
    return (top or folder), repo


def _inside_git(folder: Path) -> bool:
    """Whether a ``.git`` (a folder, or the file of a work tree or submodule) is in
    ``folder`` or above, or ``GIT_DIR`` names one: where git could find a repository."""
    if os.environ.get("GIT_DIR"):
        return True
    return any(os.path.lexists(os.path.join(candidate, ".git")) for candidate in (folder, *folder.parents))


class PythonProject:
    """One installable unit: a folder with a build configuration (the repository root,
    or each package folder of a monorepo)."""

    def __init__(self, root: Path, relative: str, files: list[str], memo: FactsCache | None = None) -> None:
        self.root = root
        # Where the modules each script imports are kept between runs (None: nowhere).
        self.memo = memo
        # Relative to the repository root ("" for the root itself), forward slashes.
        self.relative = relative
        # Files under this project, relative to its root.
        self.files = files

    @cached_property
    def file_set(self) -> frozenset[str]:
        return frozenset(self.files)

    @cached_property
    def folders(self) -> frozenset[str]:
        found: set[str] = set()
        for name in self.files:
            parts = name.split("/")[:-1]
            for depth in range(1, len(parts) + 1):
                found.add("/".join(parts[:depth]))
        return frozenset(found)

    @property
    def pyproject_path(self) -> Path:
        return self.root / "pyproject.toml"

    @cached_property
    def pyproject_text(self) -> str | None:
        try:
            return self.pyproject_path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    @cached_property
    def _parsed_pyproject(self) -> tuple[dict[str, Any], str | None]:
        """The values and the parse error, from one parse (the configuration's own,
        when the run read this file for its settings)."""
        if self.pyproject_text is None:
            return {}, None
        try:
            return parse_toml(self.pyproject_text), None
        except TomlError as error:
            return {}, str(error)

    @cached_property
    def pyproject_error(self) -> str | None:
        """Why ``pyproject.toml`` is not valid TOML (None when it is, or is missing)."""
        return self._parsed_pyproject[1]

    @cached_property
    def config(self) -> dict[str, Any]:
        """``pyproject.toml`` as plain Python values ({} when missing); not to be changed."""
        return self._parsed_pyproject[0]

    def table(self, *keys: str) -> dict[str, Any]:
        value: Any = self.config
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        return value if isinstance(value, dict) else {}

    @cached_property
    def has_setup_py(self) -> bool:
        return is_build_file(self.root / "setup.py")

    @property
    def has_setup_cfg(self) -> bool:
        return (self.root / "setup.cfg").is_file()

    @cached_property
    def backend(self) -> str | None:
        """setuptools, hatch, flit, pdm, poetry, other, or None when nothing builds it."""
        name = str(self.table("build-system").get("build-backend", ""))
        for key, marker in (
            ("setuptools", "setuptools"), ("hatch", "hatchling"), ("flit", "flit"),
            ("pdm", "pdm"), ("poetry", "poetry"),
        ):
            if marker in name:
                return key
        if name:
            return "other"
        if self.has_setup_py or self.has_setup_cfg or "build-system" in self.config:
            return "setuptools"  # pip's fallback backend
        return None

    def _configured_package_names(self) -> set[str]:
        """Top-level packages that the build configuration names explicitly."""
        names: set[str] = set()
        setuptools_packages = self.table("tool", "setuptools").get("packages")
        if isinstance(setuptools_packages, list):
            names |= {str(name).split(".")[0] for name in setuptools_packages}
        hatch_packages = self.table("tool", "hatch", "build", "targets", "wheel").get("packages")
        if isinstance(hatch_packages, list):
            names |= {str(name).strip("/") for name in hatch_packages if "/" not in str(name).strip("/")}
        for entry in self.table("tool", "poetry").get("packages", []) or []:
            if isinstance(entry, dict) and "include" in entry and "from" not in entry:
                names.add(str(entry["include"]).split("/")[0])
        return {name for name in names if name.isidentifier()}

    @cached_property
    def root_packages(self) -> list[str]:
        """Importable packages sitting at the project root (a flat layout)."""
        configured = self._configured_package_names()
        found = []
        for folder in sorted(folder for folder in self.folders if "/" not in folder):
            if not folder.isidentifier() or folder in NOT_PACKAGES or folder.startswith("_"):
                continue
            if f"{folder}/__init__.py" in self.file_set or (
                folder in configured and any(name.startswith(f"{folder}/") and name.endswith(".py") for name in self.files)
            ):
                found.append(folder)
        return found

    @cached_property
    def src_packages(self) -> list[str]:
        """Top-level folders under ``src/`` holding Python code."""
        found = set()
        for name in self.files:
            parts = name.split("/")
            if len(parts) >= 3 and parts[0] == "src" and parts[1].isidentifier() and name.endswith((".py", ".pyi")):
                found.add(parts[1])
        return sorted(found)

    @cached_property
    def tests_folder(self) -> str | None:
        for name in TEST_FOLDERS:
            if name in self.folders:
                return name
        return None

    @cached_property
    def test_folders(self) -> list[str]:
        """The topmost folders holding pytest tests (``test_*.py``/``*_test.py`` defining a
        ``test*`` function or ``Test*`` class), wherever they are: ``tests/``, a package's
        own ``pkg/tests/``, ``pkg/`` itself for ``pkg/test_*.py``; ``.`` for the root."""
        defining: dict[str, bool] = {}
        for name in self.files:
            folder, _, base = name.rpartition("/")
            if (base.startswith("test_") or base.endswith("_test.py")) and base.endswith(".py"):
                # A folder where some test-named files define no test holds pipeline
                # scripts too: pytest would run them while collecting.
                defines = self._defines_tests(name)
                defining[folder or "."] = defining.get(folder or ".", True) and defines
        found = {folder for folder, all_define in defining.items() if all_define}
        if "." in found:
            return ["."]
        return sorted(folder for folder in found if not any(folder.startswith(other + "/") for other in found))

    def _defines_tests(self, name: str) -> bool:
        try:
            text = (self.root / name).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return False
        return bool(re.search(_TEST_DEFINITION, text))

    @cached_property
    def is_script_folder(self) -> bool:
        """A folder of scripts: nothing to build and no package to install."""
        return self.backend is None and not self.root_packages and not self.src_packages

    @cached_property
    def script_helpers(self) -> list[str]:
        """Modules that other scripts import from beside them (``from utils import x`` in
        a script next to ``utils.py``): reusable code kept where only its neighbours see it."""
        helpers: set[str] = set()
        for name in self.files:
            if not name.endswith(".py"):
                continue
            folder = name.rpartition("/")[0]
            for imported in self._imported_names(name) or ():
                module = f"{folder}/{imported}.py" if folder else f"{imported}.py"
                if module != name and module in self.file_set:
                    helpers.add(module)
        return sorted(helpers)

    def _imported_names(self, name: str) -> list[str] | None:
        """The modules ``name`` imports at the start of a line, in order (None: it
        cannot be read).  Kept in the facts memo under the file's stat: reading and
        searching every script was ~10% of a warm run over research repositories."""
        path = self.root / name
        stat = stat_of(path) if self.memo is not None and self.memo.enabled else None
        key = f"imports:{path}:{':'.join(map(str, stat))}" if stat is not None else None
        known = self.memo.get(key) if self.memo is not None else None
        if isinstance(known, list):
            return known
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
        found = [match.group(1) or match.group(2) for match in re.finditer(_IMPORTED_MODULE, text)]
        # Not for a file changed just now: a change within the clock's resolution would keep its stat.
        if self.memo is not None and stat is not None and stat[0] <= time.time_ns() - RACY_SECONDS * 1e9:
            self.memo.put(key, found)
        return found

    @cached_property
    def pytest_config(self) -> tuple[str, list[str]] | None:
        """Where pytest is configured (file name) and its ``testpaths`` ([] when unset);
        None when pytest has no configuration here.  pytest reads the first of these."""
        for name, section in (("pytest.ini", "pytest"), (".pytest.ini", "pytest")):
            paths = _ini_testpaths(self.root / name, section, required=False)
            if paths is not None:
                return name, paths
        ini_options = self.table("tool", "pytest", "ini_options")
        if "ini_options" in self.table("tool", "pytest"):
            value = ini_options.get("testpaths", [])
            return "pyproject.toml", [value] if isinstance(value, str) else [str(v) for v in value]
        for name, section in (("tox.ini", "pytest"), ("setup.cfg", "tool:pytest")):
            paths = _ini_testpaths(self.root / name, section, required=True)
            if paths is not None:
                return name, paths
        return None

    def folder_exists(self, relative: str) -> bool:
        relative = relative.strip("/").removeprefix("./")
        return relative in ("", ".") or relative in self.folders or (self.root / relative).is_dir()


def _ini_testpaths(path: Path, section: str, required: bool) -> list[str] | None:
    if not path.is_file():
        return None
    import configparser  # ~10 ms of patterns to compile: only for a project with such a file

    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        return None if required else []
    if not parser.has_section(section):
        # pytest.ini counts even without its section; tox.ini and setup.cfg only with it.
        return None if required else []
    return parser.get(section, "testpaths", fallback="").split()


def _index_rows(repo: GitRepo, entries: list[IndexEntry]) -> list[tuple[str, int, str]]:
    """(path from the top, stored size, blob id) of each merged entry of the index."""
    # Submodules (mode 160000) are commits of another repository: no blob here.
    sizes = repo.object_sizes(entry.sha for entry in entries if not entry.mode.startswith("16"))
    return [(entry.path, sizes.get(entry.sha, 0), entry.sha) for entry in entries]


class ProjectFacts:
    """Everything the project rules ask about, each computed once on first use."""

    def __init__(self, root: Path, repo: GitRepo | None, settings: Settings) -> None:
        self.root = root
        self.repo = repo
        self.settings = settings
        # What earlier runs learnt from the same index, history and files.
        self.memo = FactsCache(root)

    @classmethod
    def gather(cls, start: Path, settings: Settings) -> ProjectFacts:
        root, repo = find_root(start)
        return cls(root, repo, settings)

    @cached_property
    def git_top(self) -> Path:
        return self.root if self.repo is None else self.repo.top

    @cached_property
    def git_prefix(self) -> str:
        """The root's path inside the repository ("" or "sub/dir/")."""
        relative = self.root.relative_to(self.git_top).as_posix()
        return "" if relative == "." else relative + "/"

    @property
    def is_git(self) -> bool:
        return self.repo is not None

    @property
    def is_project(self) -> bool:
        """A git repository or a folder with a build file: a loose folder of scripts
        outside git is nobody's project, and project rules say nothing about it."""
        return self.is_git or has_build_file(self.root)

    @cached_property
    def head(self) -> str | None:
        """The commit HEAD names; None outside git and on an unborn branch."""
        return self.repo.head() if self.repo is not None else None

    @property
    def has_commits(self) -> bool:
        return self.head is not None

    @cached_property
    def index_key(self) -> str | None:
        """The git index file's identity (None outside git or before a first ``add``)."""
        if self.repo is None or self.repo.index_path is None:
            return None
        try:
            info = os.stat(self.repo.index_path)
        except OSError:
            return None
        return f"{self.git_top}:{info.st_ino}:{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}"

    @cached_property
    def _git_listing(self) -> tuple[list[str], list[IndexEntry]] | None:
        """``GitRepo.listing`` under the root (None outside git, or when git fails)."""
        if self.repo is None:
            return None
        try:
            return self.repo.listing(self.git_prefix or ".")
        except GitError:
            logger.debug("could not list the files of %s", self.git_top, exc_info=True)
            return None

    @cached_property
    def tracked(self) -> dict[str, TrackedFile]:
        """The files in the git index (merged entries) under the root, with the sizes
        git stores their blobs at; {} outside git."""
        if self.repo is None:
            return {}
        key = f"tracked:{self.index_key}" if self.index_key else None
        rows = self.memo.get(key)
        if rows is None:
            listing = self._git_listing
            if listing is None:  # an unreadable index: nothing to say
                return {}
            try:
                rows = _index_rows(self.repo, listing[1])
            except (GitError, ValueError):
                logger.debug("could not read the git index of %s", self.git_top, exc_info=True)
                return {}
            self.memo.put(key, rows)
        prefix = self.git_prefix
        return {
            path[len(prefix) :]: TrackedFile(path, size, bytes.fromhex(sha)) for path, size, sha in rows if path.startswith(prefix)
        }

    @cached_property
    def files(self) -> list[str]:
        """The project's files relative to the root: tracked plus untracked-not-ignored
        inside git (so ``.gitignore`` is honoured), else a walk; excludes applied."""
        names: Iterable[str]
        listing = self._git_listing
        if listing is not None:
            prefix = self.git_prefix
            names = [name[len(prefix) :] for name in listing[0]]
            names = [name for name in names if os.path.lexists(self.root / name)]
        else:  # outside git, or git failed: a walk
            names = self._walk()
        return [name for name in names if not is_excluded(name, self.settings)]

    def _walk(self) -> list[str]:
        found = []
        skip = set(DEFAULT_EXCLUDE)
        for current, folders, files in os.walk(self.root, followlinks=False):
            folders[:] = [folder for folder in folders if folder not in skip and not folder.endswith(".egg-info")]
            relative = Path(current).relative_to(self.root).as_posix()
            prefix = "" if relative == "." else relative + "/"
            found.extend(prefix + name for name in files)
        return found

    @cached_property
    def projects(self) -> list[PythonProject]:
        """The Python projects in the repository: the root when it has a build file
        (or nothing anywhere has one), else each topmost folder with one (a monorepo)."""
        if has_build_file(self.root):
            return [PythonProject(self.root, "", self.files, self.memo)]
        homes = self._project_homes()
        if not homes:
            return [PythonProject(self.root, "", self.files, self.memo)]
        return [
            PythonProject(
                self.root / home, home, [name[len(home) + 1 :] for name in self.files if name.startswith(home + "/")], self.memo
            )
            for home in homes
        ]

    def _project_homes(self) -> list[str]:
        """The topmost folders holding a build file, outside tests, docs and examples."""
        homes: list[str] = []
        for name in sorted(self.files, key=lambda n: n.count("/")):
            folder, _, base = name.rpartition("/")
            if base not in BUILD_FILES or not folder:
                continue
            parts = folder.split("/")
            if any(part in TEST_FOLDERS or part in ("docs", "fixtures", "examples") for part in parts):
                continue
            if any(folder == home or folder.startswith(home + "/") for home in homes):
                continue
            if is_build_file(self.root / name):
                homes.append(folder)
        return homes

    def runs_policy_check(self, pre_commit_text: str) -> bool:
        """Whether a pre-commit config runs a policy-check hook (kept by its text: the
        YAML parser's import is most of the question's cost)."""
        from policy_check.rules.project import precommit

        key = None
        if self.memo.enabled:  # --no-cache: no digest (nor hashlib's import) to compute
            import hashlib

            key = "pre-commit:" + hashlib.sha256(pre_commit_text.encode("utf-8", "surrogateescape")).hexdigest()
        known = self.memo.get(key)
        if known is None:
            known = precommit.runs_policy_check(pre_commit_text)
            self.memo.put(key, known)
        return bool(known)

    @property
    def pre_commit_config(self) -> Path:
        # pre-commit reads the file at the top of the work tree only.
        return self.git_top / ".pre-commit-config.yaml"

    def path(self, relative: str) -> Path:
        return self.root / relative
