"""PC1 — layout and packaging: the project installs with ``pip install -e .``, its
package sits under ``src/``, pytest knows where the tests are and pre-commit runs
the checks.  Each rule is a few lines over the facts in ``facts.py``."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policy_check.diagnostics import Applicability, Severity
from policy_check.rules.base import FixSafety
from policy_check.rules.project import precommit
from policy_check.rules.project.base import Finding, ProjectExample, ProjectFix, ProjectRule
from policy_check.rules.project.facts import TEST_FOLDERS, PythonProject

if TYPE_CHECKING:  # the fixes get one; a check alone never imports it
    from policy_check.rules.project.workspace import Workspace

SETUPTOOLS_PYPROJECT = """\
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "riverflow"
version = "0.1.0"
"""
INIT = "from riverflow.routing import route\n"
TEST_ROUTING = "from riverflow.routing import route\n\n\ndef test_route():\n    assert route\n"
BUILD_SYSTEMS = {
    "setuptools": ('["setuptools>=61"]', "setuptools.build_meta"),
    "hatch": ('["hatchling"]', "hatchling.build"),
    "flit": ('["flit_core>=3.4"]', "flit_core.buildapi"),
    "pdm": ('["pdm-backend"]', "pdm.backend"),
    "poetry": ('["poetry-core>=1.0"]', "poetry.core.masonry.api"),
}


def _is_python_project(project: PythonProject) -> bool:
    return project.backend is not None or any(name.endswith(".py") for name in project.files)


def _python_projects(rule: ProjectRule) -> Iterator[PythonProject]:
    return (project for project in rule.facts.projects if _is_python_project(project))


class FlatLayout(ProjectRule):
    """
    With the package at the repository root, `import riverflow` works from the root
    folder whether or not the package is installed, so tests and scripts silently
    run the files next to them instead of what `pip install` built: a missing data
    file, a forgotten dependency or a module left out of the wheel only shows up on
    a colleague's machine.  Under `src/`, nothing imports until the package is
    installed (`pip install -e .`), so what you test is what others get.

    A repository of scripts has no package to move.  When its scripts import helper
    modules from beside them (`from gauges import read` next to `gauges.py`), only
    scripts in that folder can import them: a notebook, a test or a script elsewhere
    needs a `sys.path` hack.  The rule then says to move the reusable code into a
    package under `src/` and install it; a folder of scripts that share no code is
    left alone (and PC102 does not ask it for a `pyproject.toml`: there is nothing to build).
    """

    code = "PC101"
    name = "flat-layout"
    summary = (
        "An importable package sits at the project root instead of under `src/` (in a repository of "
        "scripts: helper modules only the scripts beside them can import)"
    )
    MESSAGE = "package {packages} at the project root: move it under src/ (src layout)"
    SCRIPTS_MESSAGE = (
        "scripts import helper modules from beside them ({helpers}): only scripts in the same folder "
        "can import them; move the reusable code into a package (src/{name}/ with a pyproject.toml), "
        "install it once (`pip install -e .`) and import it from scripts, notebooks and tests anywhere"
    )
    severity = Severity.WARNING
    fix_safety = FixSafety.UNSAFE
    fix_note = (
        "The fix moves each package under `src/` (`git mv` when tracked) and updates the build "
        "configuration (setuptools, hatch, flit, pdm, poetry); review other references to the old paths."
    )
    references = ("https://packaging.python.org/en/latest/discussions/src-layout-vs-flat-layout/",)
    INVALID = (
        ProjectExample(
            {"pyproject.toml": SETUPTOOLS_PYPROJECT, "riverflow/__init__.py": INIT, "riverflow/routing.py": ""},
            fixed={"src/riverflow/__init__.py": INIT, "riverflow/__init__.py": None},
        ),
        # A folder of scripts sharing a helper module: say where reusable code goes.
        ProjectExample(
            {"analysis/gauges.py": "def read(path):\n    return path\n",
             "analysis/plot_flow.py": "from gauges import read\n", "analysis/fit.py": "import gauges\n"}
        ),
    )
    VALID = (
        ProjectExample({"pyproject.toml": SETUPTOOLS_PYPROJECT, "src/riverflow/__init__.py": INIT, "tests/__init__.py": ""}),
        # A folder of scripts that share no code: nothing to package.
        ProjectExample({"plot_flow.py": "import numpy\n", "fit_gauges.py": "import scipy\n"}),
    )

    def check(self) -> Iterator[Finding]:
        for project in _python_projects(self):
            packages = project.root_packages
            if not packages:
                yield from self._script_helpers(project)
                continue
            # The move rewrites setup.py with libcst: imported only for a package to move.
            from policy_check.rules.project.migrate import MIGRATABLE_BACKENDS, migrate_to_src

            names = ", ".join(f"{name}/" for name in packages)
            message = self.MESSAGE.format(packages=names)
            fix = None
            blocked = [name for name in packages if (project.root / "src" / name).exists()]
            if project.backend in MIGRATABLE_BACKENDS and not blocked and project.pyproject_error is None:
                tracked = set(self.facts.tracked)
                fix = ProjectFix(
                    f"move {names} to src/ and update the build configuration",
                    Applicability.UNSAFE,
                    partial(migrate_to_src, project, packages, tracked),
                )
            yield Finding(project.root / packages[0], message, fix)

    def _script_helpers(self, project: PythonProject) -> Iterator[Finding]:
        """A repository of scripts has no package to move; what it has is reusable code
        in helper modules that only the scripts beside them can import."""
        helpers = project.script_helpers if project.is_script_folder else []
        if not helpers:
            return
        shown = ", ".join(helpers[:3]) + (f" and {len(helpers) - 3} more" if len(helpers) > 3 else "")
        name = _project_name(project).replace("-", "_")
        yield Finding(project.root / helpers[0], self.SCRIPTS_MESSAGE.format(helpers=shown, name=name))


class MissingPyproject(ProjectRule):
    """
    `pyproject.toml` is where pip, build tools and every modern Python tool look
    for how to build and install a project.  Without a `[build-system]` table pip
    falls back to legacy behaviour, and without `[project]` name and version the
    project has no identity that `pip install -e .` can install.
    """

    code = "PC102"
    name = "missing-pyproject"
    summary = "No `pyproject.toml`, or it lacks `[build-system]` or `[project]` name/version"
    MESSAGE = "{problem}: the project cannot be built and installed the standard way"
    severity = Severity.ERROR
    fix_safety = FixSafety.SAFE
    fix_note = (
        "The fix creates or completes `pyproject.toml` (comments and existing content kept); "
        "with a `setup.py` that holds the metadata it adds only `[build-system]`."
    )
    references = ("https://packaging.python.org/en/latest/guides/writing-pyproject-toml/",)
    INVALID = (
        ProjectExample({"src/riverflow/__init__.py": ""}, fixed={"pyproject.toml": SETUPTOOLS_PYPROJECT}),
        ProjectExample(
            {"pyproject.toml": "# formatting only\n[tool.black]\nline-length = 100\n", "src/riverflow/__init__.py": ""}
        ),
    )
    VALID = (ProjectExample({"pyproject.toml": SETUPTOOLS_PYPROJECT, "src/riverflow/__init__.py": ""}),)

    def check(self) -> Iterator[Finding]:
        for project in _python_projects(self):
            if project.is_script_folder and project.pyproject_error is None:
                continue  # nothing to build: PC101 says where reusable code should go
            if project.pyproject_error is not None:
                yield Finding(project.pyproject_path, f"pyproject.toml is not valid TOML ({project.pyproject_error})")
                continue
            problems = self.problems(project)
            if problems:
                message = self.MESSAGE.format(problem="; ".join(problems))
                fix = ProjectFix("create or complete pyproject.toml", Applicability.SAFE, partial(complete_pyproject, project))
                yield Finding(project.pyproject_path, message, fix)

    @staticmethod
    def problems(project: PythonProject) -> list[str]:
        if project.pyproject_text is None:
            return ["no pyproject.toml"]
        config = project.config
        problems = []
        if "build-system" not in config:
            problems.append("pyproject.toml has no [build-system]")
        if project.has_setup_py or project.has_setup_cfg:
            return problems  # the metadata lives in setup.py/setup.cfg: PC103's business
        poetry = project.table("tool", "poetry")
        if project.backend == "poetry" and "name" in poetry and "version" in poetry:
            return problems
        table = project.table("project")
        missing = [key for key in ("name", "version") if key not in table and key not in table.get("dynamic", [])]
        if "project" not in config:
            problems.append("pyproject.toml has no [project] table")
        elif missing:
            problems.append(f"[project] has no {' or '.join(missing)}")
        return problems


def _guess_backend(project: PythonProject) -> str:
    tool = project.table("tool")
    for key in ("hatch", "poetry", "pdm", "flit"):
        if key in tool:
            return key
    return "setuptools"


def _project_name(project: PythonProject) -> str:
    packages = project.src_packages or project.root_packages
    base = packages[0] if len(packages) == 1 else project.root.name
    return base.replace("_", "-").lower()


def complete_pyproject(project: PythonProject, workspace: Workspace) -> None:
    import tomlkit  # only when a fix or a message needs it

    text = workspace.read(project.pyproject_path)
    needs_metadata = not (project.has_setup_py or project.has_setup_cfg)
    document = tomlkit.parse(text or "")
    prefix = ""
    if "build-system" not in document:
        requires, backend = BUILD_SYSTEMS[_guess_backend(project)]
        prefix += f'[build-system]\nrequires = {requires}\nbuild-backend = "{backend}"\n\n'
    poetry = project.table("tool", "poetry")
    if needs_metadata and not ("name" in poetry and "version" in poetry):
        prefix += _complete_metadata(project, document)
    body = tomlkit.dumps(document)
    if prefix and not body.strip():
        new_text = prefix.rstrip("\n") + "\n"
    else:
        new_text = prefix + body
    if new_text != (text or ""):
        workspace.write(project.pyproject_path, new_text)


def _complete_metadata(project: PythonProject, document: Any) -> str:
    """Name and version: a new ``[project]`` table to prepend, or added in place."""
    if "project" not in document:
        return f'[project]\nname = "{_project_name(project)}"\nversion = "0.1.0"\n\n'
    table: Any = document["project"]
    dynamic = [str(item) for item in table.get("dynamic", [])]
    if "name" not in table and "name" not in dynamic:
        table["name"] = _project_name(project)
    if "version" not in table and "version" not in dynamic:
        table["version"] = "0.1.0"
    return ""


class LegacySetupPy(ProjectRule):
    """
    `python setup.py install`/`sdist` are deprecated and run arbitrary code to find
    out what a project is.  Declaring the metadata in `pyproject.toml` makes it
    readable by every tool without running anything, and `python -m build` (or
    `pip install .`) builds it the supported way.
    """

    code = "PC103"
    name = "legacy-setup-py"
    summary = "The build is configured only through `setup.py`"
    MESSAGE = (
        "the build is configured only through setup.py: move its metadata to [project] in "
        "pyproject.toml and build with `python -m build` instead of `python setup.py sdist`"
    )
    severity = Severity.WARNING
    fix_safety = FixSafety.SUGGESTION
    fix_note = "The message shows the equivalent `pyproject.toml` tables to start from."
    references = ("https://packaging.python.org/en/latest/guides/modernize-setup-py-project/",)
    INVALID = (
        ProjectExample(
            {"setup.py": 'from setuptools import setup\n\nsetup(name="riverflow", version="1.3.0", packages=["riverflow"])\n',
             "src/riverflow/__init__.py": ""}
        ),
    )
    VALID = (ProjectExample({"pyproject.toml": SETUPTOOLS_PYPROJECT, "src/riverflow/__init__.py": ""}),)

    def check(self) -> Iterator[Finding]:
        for project in _python_projects(self):
            if not project.has_setup_py or "project" in project.config:
                continue
            if project.backend == "poetry" and "name" in project.table("tool", "poetry"):
                continue
            equivalent = equivalent_pyproject(project.root / "setup.py")
            message = self.MESSAGE + (f"; equivalent: {_one_line(equivalent)}" if equivalent else "")
            yield Finding(project.root / "setup.py", message)


def _one_line(toml_text: str) -> str:
    """TOML tables on one line (``[project] name = "x"; version = "1"``): a finding's
    message is one line in every output format, and a newline would be escaped."""
    tables: list[list[str]] = []
    for line in filter(None, (raw.strip() for raw in toml_text.splitlines())):
        if line.startswith("[") or not tables:
            tables.append([line])
        else:
            tables[-1].append(line)
    return "  ".join(f"{table[0]} {'; '.join(table[1:])}".rstrip() for table in tables)


def equivalent_pyproject(setup_py: Path) -> str:
    """The ``pyproject.toml`` tables for the literal arguments of ``setup(...)``."""
    import tomlkit  # only when a fix or a message needs it

    keywords = _setup_keywords(setup_py)
    if not keywords:
        return ""
    document = tomlkit.document()
    build = tomlkit.table()
    build.update({"requires": ["setuptools>=61"], "build-backend": "setuptools.build_meta"})
    document["build-system"] = build
    project = tomlkit.table()
    for source, target in (("name", "name"), ("version", "version"), ("description", "description"),
                           ("python_requires", "requires-python"), ("install_requires", "dependencies")):
        if isinstance(keywords.get(source), (str, list)):
            project[target] = keywords[source]
    scripts = _console_scripts(keywords.get("entry_points", {}))
    if scripts is not None:
        project["scripts"] = scripts
    document["project"] = project
    package_dir = keywords.get("package_dir")
    if isinstance(package_dir, dict) and package_dir.get(""):
        find = tomlkit.table()
        find["where"] = [package_dir[""]]
        document.add(tomlkit.nl())
        document["tool"] = {"setuptools": {"packages": {"find": find}}}
    return tomlkit.dumps(document)


def _setup_keywords(setup_py: Path) -> dict[str, Any]:
    """The keyword arguments of every ``setup(...)`` call: literals, else their source."""
    try:
        tree = ast.parse(setup_py.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return {}
    keywords: dict[str, Any] = {}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "setup"):
            continue
        for keyword in node.keywords:
            if keyword.arg is None:
                continue
            try:
                keywords[keyword.arg] = ast.literal_eval(keyword.value)
            except ValueError:
                keywords[keyword.arg] = ast.unparse(keyword.value)
    return keywords


def _console_scripts(entry_points: Any) -> Any:
    """``entry_points={"console_scripts": [...]}`` as a ``[project.scripts]`` table."""
    import tomlkit  # only when a fix or a message needs it

    if not isinstance(entry_points, dict) or not isinstance(entry_points.get("console_scripts"), list):
        return None
    table = tomlkit.table()
    for line in entry_points["console_scripts"]:
        name, _, target = str(line).partition("=")
        table[name.strip()] = target.strip()
    return table


class MissingTests(ProjectRule):
    """
    Research code is re-run months later on new data; tests are what tells you it
    still gives the same answer.  When pytest is told where they are
    (`testpaths`), a bare `pytest` finds them fast from any folder and never wanders
    into data folders, notebooks or a virtual environment.
    """

    code = "PC104"
    name = "missing-tests"
    summary = "No `tests/` directory, or pytest is not configured (`testpaths`)"
    MESSAGE = "{problem}"
    severity = Severity.WARNING
    fix_safety = FixSafety.SAFE
    fix_note = (
        "When `tests/` exists the fix adds `[tool.pytest.ini_options] testpaths`; a missing `tests/` "
        "folder is only suggested, never invented."
    )
    INVALID = (
        ProjectExample(
            {"pyproject.toml": SETUPTOOLS_PYPROJECT, "src/riverflow/__init__.py": "", "tests/test_routing.py": TEST_ROUTING},
            fixed={"pyproject.toml": SETUPTOOLS_PYPROJECT + '\n[tool.pytest.ini_options]\ntestpaths = ["tests"]\n'},
        ),
        # Tests inside the package count; testpaths names the folder that holds them.
        ProjectExample(
            {"pyproject.toml": SETUPTOOLS_PYPROJECT, "src/riverflow/__init__.py": "",
             "src/riverflow/tests/test_routing.py": TEST_ROUTING},
            fixed={"pyproject.toml": SETUPTOOLS_PYPROJECT + '\n[tool.pytest.ini_options]\ntestpaths = ["src/riverflow/tests"]\n'},
        ),
        ProjectExample(
            {"pyproject.toml": SETUPTOOLS_PYPROJECT + '\n[tool.pytest.ini_options]\ntestpaths = ["tests"]\n',
             "src/riverflow/__init__.py": ""}
        ),
    )
    VALID = (
        ProjectExample(
            {"pyproject.toml": SETUPTOOLS_PYPROJECT + '\n[tool.pytest.ini_options]\ntestpaths = ["tests"]\n',
             "src/riverflow/__init__.py": "", "tests/test_routing.py": TEST_ROUTING}
        ),
    )

    def check(self) -> Iterator[Finding]:
        for project in _python_projects(self):
            configured = project.pytest_config
            if configured and configured[1]:
                if not any(project.folder_exists(path) for path in configured[1]):
                    paths = ", ".join(configured[1])
                    yield Finding(
                        project.root / configured[0],
                        f"pytest testpaths ({paths}) names no existing folder: add the tests there "
                        f"(e.g. tests/test_<module>.py)",
                    )
                continue
            yield from self._unconfigured(project, configured)

    def _unconfigured(self, project: PythonProject, configured: tuple[str, list[str]] | None) -> Iterator[Finding]:
        where = project.pyproject_path if project.pyproject_text is not None else project.root
        tests = project.test_folders
        if not tests and project.relative and PythonProject(self.facts.root, "", self.facts.files).test_folders:
            return  # a project in a sub-folder, tested from the repository's own tests/
        if not tests:
            empty = f"{project.tests_folder}/ holds no test functions" if project.tests_folder else "no tests/ folder"
            yield Finding(where, f"{empty} and pytest is not configured: add tests/ with test_*.py files "
                          'and [tool.pytest.ini_options] testpaths = ["tests"]')
            return
        if tests == ["."]:
            yield Finding(where, "the tests sit among the scripts at the project root: move them into tests/ "
                          'and add [tool.pytest.ini_options] testpaths = ["tests"]')
            return
        listed = ", ".join(f'"{folder}"' for folder in tests)
        fix = None
        if configured is None or configured[0] == "pyproject.toml":
            fix = ProjectFix(f"add [tool.pytest.ini_options] testpaths = [{listed}]", Applicability.SAFE,
                             partial(add_testpaths, project, tests))
        target = project.root / configured[0] if configured else where
        yield Finding(target, f"pytest is not told where the tests are: add testpaths = [{listed}]", fix)


def add_testpaths(project: PythonProject, tests: list[str], workspace: Workspace) -> None:
    import tomlkit  # only when a fix or a message needs it

    text = workspace.read(project.pyproject_path) or ""
    document = tomlkit.parse(text)
    tool: Any = document.get("tool")
    if tool is None:
        tool = tomlkit.table(True)
        document["tool"] = tool
    pytest_table: Any = tool.get("pytest")
    if pytest_table is None:
        pytest_table = tomlkit.table(True)
        tool["pytest"] = pytest_table
    options: Any = pytest_table.get("ini_options")
    if options is None:
        options = tomlkit.table()
        pytest_table["ini_options"] = options
    options["testpaths"] = list(tests)
    workspace.write(project.pyproject_path, tomlkit.dumps(document))


class MissingInit(ProjectRule):
    """
    A folder of modules without `__init__.py` inside a package is an implicit
    namespace package: it imports from your checkout, but setuptools'
    `find_packages` and most build tools leave it out of the wheel, so the installed
    package is missing modules and fails with `ModuleNotFoundError` elsewhere.
    """

    code = "PC105"
    name = "missing-init"
    summary = "A package directory under `src/` without `__init__.py`"
    MESSAGE = "{folder}/ holds modules but no __init__.py: build tools leave it out of the package"
    severity = Severity.ERROR
    fix_safety = FixSafety.SAFE
    fix_note = "The fix creates an empty `__init__.py`."
    INVALID = (
        ProjectExample(
            {"pyproject.toml": SETUPTOOLS_PYPROJECT, "src/riverflow/__init__.py": "",
             "src/riverflow/routing/muskingum.py": "K = 2.0\n"},
            fixed={"src/riverflow/routing/__init__.py": ""},
        ),
    )
    VALID = (
        ProjectExample(
            {"pyproject.toml": SETUPTOOLS_PYPROJECT, "src/riverflow/__init__.py": "",
             "src/riverflow/routing/__init__.py": "", "src/riverflow/routing/muskingum.py": "K = 2.0\n",
             "src/riverflow/templates/report.html": "<html></html>\n"}
        ),
        # A PEP 420 namespace package: the shared top level has no modules of its own.
        ProjectExample({"pyproject.toml": SETUPTOOLS_PYPROJECT, "src/lab/riverflow/__init__.py": ""}),
    )

    def check(self) -> Iterator[Finding]:
        for project in _python_projects(self):
            for folder in self.folders_without_init(project):
                create = partial(_create_init, project.root / folder / "__init__.py")
                fix = ProjectFix(f"create {folder}/__init__.py", Applicability.SAFE, create)
                yield Finding(project.root / folder, self.MESSAGE.format(folder=folder), fix)

    @staticmethod
    def folders_without_init(project: PythonProject) -> list[str]:
        with_modules = {
            name.rpartition("/")[0]
            for name in project.files
            if name.startswith("src/") and name.endswith(".py") and name.count("/") >= 2
        }
        missing = []
        for folder in sorted(with_modules):
            parts = folder.split("/")
            if f"{folder}/__init__.py" in project.file_set:
                continue
            if not all(part.isidentifier() for part in parts[1:]) or any(p in TEST_FOLDERS for p in parts):
                continue
            inside_package = any(
                f"{'/'.join(parts[:depth])}/__init__.py" in project.file_set for depth in range(2, len(parts))
            )
            if len(parts) == 2 or inside_package:
                missing.append(folder)
        return missing


def _create_init(path: Path, workspace: Workspace) -> None:
    if not workspace.exists(path):
        workspace.write(path, "")


class MissingPreCommit(ProjectRule):
    """
    Checks that run only when someone remembers to run them are not run.  A
    `.pre-commit-config.yaml` that runs policy-check checks every commit on every
    machine, before the problem reaches the shared repository or a paper's results.
    """

    code = "PC106"
    name = "missing-pre-commit"
    summary = "No `.pre-commit-config.yaml`, or it does not run policy-check"
    MESSAGE = "{problem}: add the policy-check hooks so every commit is checked"
    severity = Severity.WARNING
    fix_safety = FixSafety.SAFE
    fix_note = "The fix writes the file, or adds the policy-check repository to it keeping its content and comments."
    references = ("https://pre-commit.com/",)
    INVALID = (
        ProjectExample({"pyproject.toml": SETUPTOOLS_PYPROJECT}, fixed={".pre-commit-config.yaml": precommit.new_config()}),
        ProjectExample(
            {".pre-commit-config.yaml": "repos:\n  - repo: https://github.com/psf/black\n    rev: 24.4.2\n"
             "    hooks:\n      - id: black\n# - repo: " + precommit.HOOK_REPO_URL + "\n"}
        ),
    )
    VALID = (ProjectExample({".pre-commit-config.yaml": precommit.new_config()}),)

    def check(self) -> Iterator[Finding]:
        path = self.facts.pre_commit_config
        text = path.read_text(encoding="utf-8") if path.is_file() else None
        if text is not None and self.facts.runs_policy_check(text):
            return
        problem = "no .pre-commit-config.yaml" if text is None else ".pre-commit-config.yaml does not run policy-check"
        fix = None
        if precommit.add_hooks(text) is not None:
            fix = ProjectFix("add the policy-check hooks to .pre-commit-config.yaml", Applicability.SAFE,
                             partial(_write_hooks, path))
        yield Finding(path, self.MESSAGE.format(problem=problem), fix)


def _write_hooks(path: Path, workspace: Workspace) -> None:
    updated = precommit.add_hooks(workspace.read(path))
    if updated is not None:
        workspace.write(path, updated)


RULES: tuple[type[ProjectRule], ...] = (
    FlatLayout, MissingPyproject, LegacySetupPy, MissingTests, MissingInit, MissingPreCommit,
)
