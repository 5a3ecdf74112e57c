"""PC2 — imports and paths.

Research code that runs only on its author's laptop usually does so because of a
``sys.path`` hack, a hard-coded ``/home/me/...`` path, a module loaded by file path
or an import through the ``src`` folder.  These rules find them and say what to
write instead: install the project (``pip install -e .``) and import the package.
"""

from __future__ import annotations

from policy_check.rules.imports.absolute_path import AbsolutePathLiteral
from policy_check.rules.imports.file_import import ImportByFilePath
from policy_check.rules.imports.src_prefix import SrcPrefixImport
from policy_check.rules.imports.sys_path_hack import SysPathHack

RULES = (SysPathHack, AbsolutePathLiteral, ImportByFilePath, SrcPrefixImport)

__all__ = ["RULES", "AbsolutePathLiteral", "ImportByFilePath", "SrcPrefixImport", "SysPathHack"]
