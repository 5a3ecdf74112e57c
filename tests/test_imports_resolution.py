"""PC201 names the import that works when the added path resolves inside the project,
and its unsafe fix rewrites the imports the hack served: real folders in tmp_path."""

from __future__ import annotations

import ast
from pathlib import Path

from policy_check.config import Settings
from policy_check.diagnostics import Diagnostic
from policy_check.engine import FixOptions, Mode, check_text, fix_text
from policy_check.rules.imports import AbsolutePathLiteral, ImportByFilePath, SrcPrefixImport, SysPathHack


def _lab(root: Path, *, src_layout: bool) -> Path:
    """A research project with `lab/utils/smooth.py` (under `src/` or at the root)
    and an analysis script in `scripts/`."""
    base = root / "src" if src_layout else root
    utils = base / "lab" / "utils"
    utils.mkdir(parents=True)
    (base / "lab" / "__init__.py").write_text("")
    (utils / "__init__.py").write_text("")
    (utils / "smooth.py").write_text("def gaussian(x):\n    return x\n")
    (utils / "io.py").write_text("def read(p):\n    return p\n")
    (root / "scripts").mkdir()
    return root / "scripts" / "analyse.py"


def _check(script: Path, root: Path, text: str, rules=(SysPathHack,)) -> list[Diagnostic]:
    relative = script.relative_to(root).as_posix()
    return check_text(text, script, relative, relative, Settings(root=root), list(rules), False)


def _fix(script: Path, root: Path, text: str) -> str:
    relative = script.relative_to(root).as_posix()
    settings = Settings(root=root)

    def check(source: str) -> list[Diagnostic]:
        return check_text(source, script, relative, relative, settings, [SysPathHack], False)

    fixed, _, _ = fix_text(text, check, FixOptions(Mode.FIX, unsafe=True))
    return fixed


FILE_BASED_HACK = (
    "import os\nimport sys\n\n"
    "sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'src', 'lab'))\n"
    "from utils import smooth\nimport utils.io as uio\n\n"
    "def run(x):\n    return smooth.gaussian(x)\n"
)


def test_message_names_the_package_qualified_import_for_a_file_based_path(tmp_path: Path) -> None:
    script = _lab(tmp_path, src_layout=True)
    [finding] = _check(script, tmp_path, FILE_BASED_HACK)
    assert finding.code == "PC201"
    assert "pip install -e ." in finding.message
    assert "`from lab.utils import smooth`" in finding.message


def test_unsafe_fix_removes_the_hack_and_rewrites_the_imports_it_served(tmp_path: Path) -> None:
    script = _lab(tmp_path, src_layout=True)
    text = (
        "import os\nimport sys\n\n"
        "sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'src', 'lab'))\n"
        "from utils import smooth\nimport utils as u\nimport numpy as np\n"
    )
    fixed = _fix(script, tmp_path, text)
    assert fixed == (
        "import os\nimport sys\n\n"
        "from lab.utils import smooth\nimport lab.utils as u\nimport numpy as np\n"
    )
    ast.parse(fixed)


def test_pathlib_parents_and_a_module_level_name_resolve_in_a_flat_layout(tmp_path: Path) -> None:
    script = _lab(tmp_path, src_layout=False)
    text = (
        "import sys\nfrom pathlib import Path\n\n"
        "HERE = Path(__file__).resolve().parent\n"
        "sys.path.insert(0, str(HERE.parent / 'lab' / 'utils'))\n"
        "from smooth import gaussian\n"
    )
    [finding] = _check(script, tmp_path, text)
    assert "`from lab.utils.smooth import gaussian`" in finding.message
    assert _fix(script, tmp_path, text).endswith("HERE = Path(__file__).resolve().parent\nfrom lab.utils.smooth import gaussian\n")


def test_a_relative_literal_is_taken_from_the_scripts_folder(tmp_path: Path) -> None:
    script = _lab(tmp_path, src_layout=True)
    [finding] = _check(script, tmp_path, "import sys\nsys.path.append('../src/lab/utils')\nimport smooth\n")
    assert "`from lab.utils import smooth`" in finding.message


def test_adding_the_import_root_itself_keeps_the_imports_as_they_are(tmp_path: Path) -> None:
    script = _lab(tmp_path, src_layout=True)
    text = "import sys\nsys.path.insert(0, '../src')\nfrom lab.utils import smooth\n"
    [finding] = _check(script, tmp_path, text)
    assert "`from lab.utils import smooth`" in finding.message
    assert _fix(script, tmp_path, text) == "import sys\nfrom lab.utils import smooth\n"


def test_no_suggestion_when_the_folder_does_not_hold_the_imported_modules(tmp_path: Path) -> None:
    script = _lab(tmp_path, src_layout=True)
    [finding] = _check(script, tmp_path, "import sys\nsys.path.append('../src/lab/utils')\nimport numpy\n")
    assert finding.message.endswith("import the package")
    assert _fix(script, tmp_path, "import sys\nsys.path.append('../src/lab/utils')\nimport numpy\n") == "import sys\nimport numpy\n"


def test_no_suggestion_when_the_path_is_not_static_or_leaves_the_project(tmp_path: Path) -> None:
    script = _lab(tmp_path, src_layout=True)
    for added in ("os.environ['LAB']", "'/home/me/research/functions'", "'../..'"):
        [finding] = _check(script, tmp_path, f"import os, sys\nsys.path.append({added})\nimport smooth\n")
        assert finding.message.endswith("import the package"), added


def test_a_submodule_import_is_not_rewritten_but_the_hack_is_still_reported(tmp_path: Path) -> None:
    script = _lab(tmp_path, src_layout=True)
    text = "import sys\nsys.path.append('../src/lab')\nimport utils.smooth\n"
    [finding] = _check(script, tmp_path, text)
    assert finding.message.endswith("import the package")


def test_path_given_to_a_hack_is_reported_once_by_pc201_not_again_by_pc202(tmp_path: Path) -> None:
    script = _lab(tmp_path, src_layout=True)
    text = "import sys\nsys.path.append('/home/me/research/functions/')\nDATA = '/home/me/research/data.npy'\n"
    codes = sorted((d.code, d.start.row) for d in _check(script, tmp_path, text, rules=(SysPathHack, AbsolutePathLiteral)))
    assert codes == [("PC201", 2), ("PC202", 3)]


def test_absolute_path_message_shows_the_path_and_the_alternatives(tmp_path: Path) -> None:
    script = _lab(tmp_path, src_layout=True)
    [finding] = _check(script, tmp_path, "import numpy as np\nx = np.load('/Users/me/Desktop/data.npy')\n", rules=(AbsolutePathLiteral,))
    assert "`/Users/me/Desktop/data.npy`" in finding.message
    assert "environment variable" in finding.message and "importlib.resources" in finding.message


def test_src_prefix_message_names_the_import_without_src(tmp_path: Path) -> None:
    script = _lab(tmp_path, src_layout=True)
    [finding] = _check(script, tmp_path, "from src.lab.utils import smooth\n", rules=(SrcPrefixImport,))
    assert "`from lab.utils import ...`" in finding.message


def test_an_aliased_submodule_import_is_qualified_in_place(tmp_path: Path) -> None:
    script = _lab(tmp_path, src_layout=True)
    fixed = _fix(script, tmp_path, FILE_BASED_HACK)
    assert "from lab.utils import smooth\nimport lab.utils.io as uio\n" in fixed
    assert "sys.path" not in fixed


def test_exec_of_a_file_suggests_an_import_or_settings_as_data(tmp_path: Path) -> None:
    script = _lab(tmp_path, src_layout=True)
    [finding] = _check(script, tmp_path, "exec(open('settings.py').read())\n", rules=(ImportByFilePath,))
    assert "tomllib.load" in finding.message
