"""Bridges to the tools and services around a run: ruff, git, CI services."""
