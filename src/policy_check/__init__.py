"""policy-check: pre-commit and CI policy checks for Python research code."""

# The one place the version is written: pyproject.toml reads it (dynamic version),
# release tags are `v` + this (`.ci/tag`), and `policy-check init` pins hooks to it.
__version__ = "0.1.0"

# The project's home: the hook repository, the GitHub Action's owner, pip's `git+` URL.
# README.md, hooks/github/action.yml and the PC106 fix all use this (tests/test_home.py).
HOME_URL = "https://github.com/policy-check/policy-check"

# The command's exit codes, as ruff's: clean, findings, usage/configuration/internal error.
EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
