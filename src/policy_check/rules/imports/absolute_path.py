"""PC202 — a machine- or user-specific absolute path in a string literal."""

from __future__ import annotations

import libcst as cst

from policy_check.analysis.literals import string_value
from policy_check.rules.base import FileContext, Invalid, Rule, Valid
from policy_check.rules.imports.path_changes import path_change
from policy_check.rules.imports.built_paths import JOIN_OPERATORS, BuiltPath, is_path_builder
from policy_check.rules.imports.path_literals import (
    absolute_path_prefixes,
    bare_prefix,
    literal_text,
    machine_specific_path,
    source_trigger,
)


class AbsolutePathLiteral(Rule):
    """A path such as ``/home/me/data/run3.npy`` or ``C:\\Users\\me\\Desktop`` exists on
    one computer only.  Anyone else — a colleague, a reviewer reproducing a figure,
    the same author on the cluster — gets ``FileNotFoundError`` and has to edit the
    code to run it, which is how results stop being reproducible.  Take the
    location from a command-line argument, a config file or an environment
    variable, or build it relative to the project (``Path(__file__).parent``,
    ``importlib.resources`` for files shipped with the package).

    Paths built from pieces count from their literal start (``'/home/' + user``,
    ``Path('/home') / 'me'``, ``os.path.join('C:\\', 'Users', 'me')``); the end of a
    path joined to a variable (``folder + '/data/run1.csv'``) is not a path of its own.

    The prefixes are configurable: ``absolute-path-prefixes`` replaces the list and
    ``extend-absolute-path-prefixes`` adds to it; a ``*`` in a prefix stands for a
    number or a ``-``/``_`` suffix (``/data*/`` covers ``/data5/`` and ``/data-gpu2/``).
    The default list comes from the paths found in 30 research repositories: personal
    folders (``/home*/``, ``/rhome/``, ``/Users/``, ``/users/``, ``/Volumes/``, ``/media/``,
    ``/mnt/``, ``/c/Users/``) and lab and cluster storage (``/scratch*/``, ``/data*/``,
    ``/nfs*/``, ``/gpfs*/``, ``/lustre*/``, ``/net/``, ``/nas*/``, ``/project*/``,
    ``/projects/``, ``/work/``, ``/share/``, ``/glade/``, ``/g/data/``, ``/storage/``,
    ``/groups/``, ``/beegfs/``, ``/panfs/``).  Windows drive paths (any case), UNC
    shares and ``~user/`` paths are always recognised.  Docstrings, comments, URLs,
    regular expressions and system paths (``/tmp``, ``/dev/null``, ``/proc``,
    ``/etc``, ``/usr``) are not findings."""

    code = "PC202"
    name = "absolute-path-literal"
    summary = "A string literal holds a machine- or user-specific absolute path."
    MESSAGE = (
        "Machine-specific path `{path}`: take it from a CLI argument, a config value or an "
        "environment variable, or build it relative to the project (`importlib.resources`)"
    )
    trigger_words = ()

    VALID = [
        # A bare prefix is a pattern, not a path: `startswith` checks, lists of mount points.
        "USER_ROOTS = ('/home/', '/Users/')\ndef is_user_path(p):\n    return p.startswith('/home/')\n",
        'import numpy as np\n\ndef load(path):\n    """Load e.g. /home/me/data.npy (see /Users/me/notes)."""\n    return np.load(path)\n',
        "# data used to live in /home/me/research/data\nDATA = 'data/raw'\n",
        "NULL = '/dev/null'\nSCRATCH = '/tmp/run'\nLOAD = '/proc/loadavg'\nPROFILE = '/etc/profile'\nPY = '/usr/bin/python3'\n",
        "URL = 'https://example.org/home/data/file.csv'\nS3 = 's3://bucket/data/x'\nLOCAL = 'file:///tmp/x.csv'\n",
        "ROUTES = {'status': '/api/status', 'export': '/exports/{plate}.csv'}\n",
        "import re\nPERSONAL = re.compile(r'^(/home/|/Users/|[A-Za-z]:\\\\Users\\\\)[^/\\\\]+')\nHOME = re.compile(r'/home/\\w+/')\n",
        "import os\nCACHE = os.path.join(os.path.expanduser('~'), 'cache')\nMINE = '~/data'\n",
        "LATEX = r'\\\\begin{center}'\nROW_END = '\\\\\\\\'\nESCAPED = '\\\\n'\n",
        "SHEBANG = '#!/usr/bin/env python'\nRATIO = 'a:b'\n",
        # Reported by PC201 instead, not twice.
        "import sys\nsys.path.append('/home/me/research/functions')\n",
        Valid("PATH = '/srv/me/data/run.csv'\n"),
        # The end of a path joined to a variable, system paths built from pieces.
        "def output(folder):\n    return folder + '/data/run1.csv'\n",
        "import os\nfrom pathlib import Path\nLOCK = os.path.join('/', 'tmp', 'run.lock')\nNULL = Path('/dev') / 'null'\n",
        "ROUTE = '/database/records'\nPREFIXES = ('/data/', '/scratch/')\n",
        Valid("PATH = '/home/me/data.csv'\n", config={"absolute-path-prefixes": ["/srv/"]}),
    ]
    INVALID = [
        "import numpy as np\nstakes = np.load('/Users/me/Desktop/data.npy')\n",
        "from pathlib import Path\n\nclass Writer:\n    default_dir = Path('/home/hsato/proteomics/peak_tables')\n",
        "def export(events, out='/home/rkowalski/gmt/swarm_events.xy'):\n    pass\n",
        Invalid("TILE_INDEX = r'D:\\gis\\sentinel2\\tile_index.gpkg'\nQGIS = 'C:/Users/jnavarro/QGIS/ndvi.qgz'\n", count=2),
        "ARCHIVE = r'\\\\geo-nas\\raster_archive\\sentinel2'\n",
        "DATA = 'D:\\\\data\\\\survey\\\\stations.csv'\n",
        "import getpass\nSCRATCH = f'/scratch/{getpass.getuser()}/md'\n",
        Invalid(
            "MOUNTS = ['/mnt/lab/raw', '/media/usb/raw', '/data/shared/raw', '/gpfs/proj/x', '/lustre/p/x', '/nfs/lab/x', '/Volumes/Lab/x']\n",
            count=7,
        ),
        Invalid("NOTES = '~hsato/notes/plan.txt'\nSOURCE = 'file:///home/me/data.csv'\n", count=2),
        "PATH = '/home/' 'me/data.csv'\n",
        Invalid("PATH = '/srv/me/data/run.csv'\n", config={"extend-absolute-path-prefixes": ["/srv/"]}),
        Invalid(
            "RAW = '/net/mraid20/lab/raw'\nRUNS = '/project2/tas1/me/runs'\nCESM = '/glade/scratch/me/arctic'\n"
            "NAS = '/nas/lab/raw'\nHOST = '/data-gpu2/me/x'\nSITE = '/scratch-ssd/me/x'\nLOWER = '/users/me/x'\n",
            count=7,
        ),
        Invalid("CIF = 'E:/Users/Charles/AlN.cif'\nRAW = 'c:\\\\\\\\Users\\\\me\\\\raw'\n", count=2),
        "import os\nDATA = os.path.join('C:\\\\', 'Users', 'me', 'data')\n",
        "from pathlib import Path\nHOME = Path('/home') / 'me' / 'data'\n",
        "import getpass\nRUNS = '/home/' + getpass.getuser() + '/runs'\n",
    ]

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self.prefixes = absolute_path_prefixes(context)
        self.trigger = source_trigger(self.prefixes)
        # Literals and inner nodes of a built path already judged as a whole.
        self.covered: set[int] = set()

    @classmethod
    def applies_to(cls, context: FileContext) -> bool:
        return bool(source_trigger(absolute_path_prefixes(context)).search(context.source)) and super().applies_to(context)

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if type(node.operator) in JOIN_OPERATORS and id(node) not in self.covered:
            self._check_built(node)

    def visit_Call(self, node: cst.Call) -> None:
        if id(node) not in self.covered and is_path_builder(node.func, self.context.names):
            self._check_built(node)

    def _check_built(self, node: cst.BaseExpression) -> None:
        """A path built from pieces that starts with literals: ``'/home/' + user``,
        ``Path('/home') / 'me' / 'data'``, ``os.path.join('C:\\', 'Users', 'me')``."""
        built = BuiltPath.of(node, self.context.names)
        if built is None or len(built.pieces) < 2 or built.value is None or built.probe is None:
            return  # not built from literals at its start: its pieces are judged on their own
        self.covered.update(id(part) for part in built.parts)
        self._check(node, built.value + ("..." if built.open_ended else ""), built.probe)

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if id(node) in self.covered or not self.trigger.match(node.value, len(node.prefix)) or self._is_piece():
            return
        value = string_value(node)
        if value is not None and not bare_prefix(value, self.prefixes):
            self._check(node, value)

    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        if id(node) in self.covered or not self._fstring_may_match(node) or self._is_piece():
            return
        head = _fstring_head(node)
        if head is not None:
            self._check(node, head)

    def visit_ConcatenatedString(self, node: cst.ConcatenatedString) -> None:
        if id(node) in self.covered or self._is_piece():
            return
        first: cst.BaseExpression = node
        while isinstance(first, cst.ConcatenatedString):
            first = first.left
        if isinstance(first, cst.SimpleString):
            if not self.trigger.match(first.value, len(first.prefix)):
                return
            value = string_value(node)
            if value is None:  # an f-string further on: its literal start is enough
                value = string_value(first)
        elif isinstance(first, cst.FormattedString):
            if not self._fstring_may_match(first):
                return
            value = _fstring_head(first)
        else:
            return
        if value is not None:
            self._check(node, value)

    def _fstring_may_match(self, node: cst.FormattedString) -> bool:
        first = node.parts[0] if node.parts else None
        return isinstance(first, cst.FormattedStringText) and bool(self.trigger.match(node.start[-1] + first.value))

    def _is_piece(self) -> bool:
        """A part of an implicit concatenation (checked as a whole), a docstring, or
        the end of a path joined to another (``folder + '/data/run1.csv'``)."""
        stack = self.context.stack
        parent = stack[-2] if len(stack) >= 2 else None
        if isinstance(parent, cst.BinaryOperation):
            return isinstance(parent.operator, cst.Add) and parent.right is stack[-1]
        return isinstance(parent, (cst.ConcatenatedString, cst.Expr))

    def _check(self, node: cst.CSTNode, value: str, probe: str | None = None) -> None:
        tested = value if probe is None else probe
        if not machine_specific_path(tested, self.prefixes) or self._in_regex_call() or self._in_path_hack():
            return
        shown = value if len(value) <= 60 else value[:57] + "..."
        self.report(node, self.MESSAGE.format(path=shown.replace("`", "'")))

    def _in_regex_call(self) -> bool:
        for ancestor in reversed(self.context.stack[:-1]):
            if isinstance(ancestor, cst.Call):
                qualified = self.context.names.qualify(ancestor.func) or ""
                return qualified.startswith("re.")
            if not isinstance(ancestor, (cst.Arg, cst.ConcatenatedString)):
                return False
        return False

    def _in_path_hack(self) -> bool:
        for ancestor in reversed(self.context.stack[:-1]):
            if isinstance(ancestor, (cst.BaseStatement, cst.FunctionDef, cst.Lambda)):
                return False
            if isinstance(ancestor, (cst.Call, cst.Assign, cst.AugAssign)) and path_change(ancestor, self.context):
                return True
        return False


def _fstring_head(node: cst.FormattedString) -> str | None:
    """The literal text an f-string starts with (up to its first placeholder)."""
    if not node.parts or not isinstance(node.parts[0], cst.FormattedStringText):
        return None
    prefix = node.prefix.lower().replace("f", "")
    quote = node.start[len(node.prefix) :]
    text = node.parts[0].value.replace("{{", "{").replace("}}", "}")
    return literal_text(prefix, text, quote)
