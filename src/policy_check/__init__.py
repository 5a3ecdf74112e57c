"""policy-check: pre-commit and CI policy checks for Python research code."""

__version__ = "0.1.0"
