"""PC302's fix (a root-logger call moved to the module logger) is safe only where the
program shows the same text: each program runs before and after the fix (real
subprocesses). ``--fix`` must leave every program's output byte for byte; the
unsafe fix (``--unsafe-fixes``) changes it in the ways its message names."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest


def _source(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


# name -> (program, whether `--fix` edits it, its output before -> after `--unsafe-fixes`)
PROGRAMS: dict[str, tuple[str, bool, tuple[str, str]]] = {
    # Nothing configured: the root call sets logging up and names `root`; the module
    # logger's last-resort handler shows the bare message.
    "unconfigured": (
        _source('''
            import logging


            def check(bad):
                if bad:
                    logging.warning("%d stakes without a reading", bad)


            check(3)
        '''),
        False,
        ("WARNING:root:3 stakes without a reading\n", "3 stakes without a reading\n"),
    ),
    # A root call before `basicConfig` makes it a no-op: after the fix it works.
    "config_after_a_root_call": (
        _source('''
            import logging


            def load():
                logging.info("loading")
                return 1


            if __name__ == "__main__":
                value = load()
                logging.basicConfig(level=logging.INFO, format="%(message)s")
                logging.getLogger("report").info("value %d", value)
        '''),
        False,
        ("", "value 1\n"),
    ),
    # basicConfig's default format names the logger.
    "default_format": (
        _source('''
            import logging


            def check(bad):
                logging.warning("%d bad", bad)


            if __name__ == "__main__":
                logging.basicConfig(level=logging.INFO)
                check(2)
        '''),
        False,
        ("WARNING:root:2 bad\n", "WARNING:__main__:2 bad\n"),
    ),
    "format_with_the_name": (
        _source('''
            import logging


            def check(bad):
                logging.error("%d bad", bad)


            if __name__ == "__main__":
                logging.basicConfig(format="{name}: {message}", style="{")
                check(2)
        '''),
        False,
        ("root: 2 bad\n", "__main__: 2 bad\n"),
    ),
    # A named logger tuned apart from the root: the module logger is that logger.
    "tuned_logger": (
        _source('''
            import logging

            LOG = logging.getLogger("glacier")
            LOG.setLevel(logging.ERROR)


            def area(a):
                logging.warning("no area for %s", a)


            if __name__ == "__main__":
                logging.basicConfig(format="%(message)s")
                area("A")
        '''),
        False,
        ("no area for A\n", ""),
    ),
    # Configured first thing in the main block, without the logger's name: safe.
    "configured_in_main_block": (
        _source('''
            import logging


            def check(bad):
                logging.warning("%d bad", bad)
                logging.info("checked")
                logging.debug("hidden")


            if __name__ == "__main__":
                logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
                check(2)
        '''),
        True,
        ("WARNING 2 bad\nINFO checked\n", "WARNING 2 bad\nINFO checked\n"),
    ),
    # ... first thing in the `main()` the main block calls (after its docstring).
    "configured_in_main": (
        _source('''
            import logging

            logger_name = logging.getLogger(__name__).name


            def check(bad):
                logging.error("%d bad", bad)


            def main():
                """Check the stakes."""
                logging.basicConfig(format="%(message)s")
                check(2)


            if __name__ == "__main__":
                main()
        '''),
        True,
        ("2 bad\n", "2 bad\n"),
    ),
    # ... at module level of a script, before anything runs.
    "configured_script": (
        _source('''
            import logging
            import sys

            logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)


            def mean(values):
                logging.info("mean of %d values", len(values))
                return sum(values) / len(values)


            logging.info("total %s", mean([1.0, 2.0]))
        '''),
        True,
        ("mean of 2 values\ntotal 1.5\n", "mean of 2 values\ntotal 1.5\n"),
    ),
    # ... after setting up the import path, with a plain handler.
    "configured_with_a_handler": (
        _source('''
            import logging
            import os
            import sys

            sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
            logging.basicConfig(level=logging.INFO, format="%(levelname)s - %(message)s", handlers=[logging.StreamHandler(sys.stdout)])


            def step(i):
                logging.info("step %d", i)


            if __name__ == "__main__":
                step(1)
        '''),
        True,
        ("INFO - step 1\n", "INFO - step 1\n"),
    ),
}


def _run(path: Path) -> tuple[int, str, str]:
    done = subprocess.run([sys.executable, path.name], cwd=path.parent, capture_output=True, text=True, timeout=60)
    return done.returncode, done.stdout, done.stderr


def _fixed_copy(tmp_path: Path, folder: str, *flags: str) -> Path:
    """The programs in ``tmp_path / folder``, fixed with ``flags`` (none: not fixed)."""
    target = tmp_path / folder
    target.mkdir()
    for name, (program, _, _) in PROGRAMS.items():
        (target / f"{name}.py").write_text(program)
    if flags:
        subprocess.run(
            [sys.executable, "-m", "policy_check", "--isolated", "--no-cache", "--select", "PC302", *flags, "."],
            cwd=target, capture_output=True, text=True, timeout=300,
        )
    return target


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, tuple[int, str, str]]]:
    tmp_path = tmp_path_factory.mktemp("root-logger")
    folders = {"before": _fixed_copy(tmp_path, "before"), "safe": _fixed_copy(tmp_path, "safe", "--fix")}
    folders["unsafe"] = _fixed_copy(tmp_path, "unsafe", "--fix", "--unsafe-fixes")
    return {kind: {name: _run(folder / f"{name}.py") for name in PROGRAMS} for kind, folder in folders.items()}


@pytest.mark.parametrize("name", PROGRAMS)
def test_fix_leaves_what_the_program_shows_byte_for_byte(runs, name: str) -> None:
    assert runs["safe"][name] == runs["before"][name]


@pytest.mark.parametrize("name", PROGRAMS)
def test_unsafe_fix_changes_the_text_its_message_names(runs, name: str) -> None:
    _, _, (before, after) = PROGRAMS[name]
    code, stdout, stderr = runs["before"][name]
    assert (code, stdout + stderr) == (0, before)
    code, stdout, stderr = runs["unsafe"][name]
    assert (code, stdout + stderr) == (0, after)


def test_fix_applies_only_where_the_text_is_kept(tmp_path: Path) -> None:
    folder = _fixed_copy(tmp_path, "fixed", "--fix")
    edited = {name for name, (program, _, _) in PROGRAMS.items() if (folder / f"{name}.py").read_text() != program}
    assert edited == {name for name, (_, safe, _) in PROGRAMS.items() if safe}
    for name in edited:
        assert "logging.getLogger(__name__)" in (folder / f"{name}.py").read_text()


def test_unsafe_fix_says_why(tmp_path: Path) -> None:
    (tmp_path / "check.py").write_text(PROGRAMS["unconfigured"][0])
    shown = subprocess.run(
        [sys.executable, "-m", "policy_check", "--isolated", "--no-cache", "--select", "PC302", "check.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    ).stdout
    assert "unsafe fix (--unsafe-fixes): Log through `logger.warning`; unsafe: the text shown changes" in shown
    assert "`WARNING:root:` is dropped" in shown
    assert "[*]" not in shown
