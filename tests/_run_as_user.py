"""Run policy-check as another user: ``python _run_as_user.py UID GID ARGS...``.

The interpreter may live where that user cannot read (a root-only pyenv), so every
policy-check module is imported first and the privileges are dropped after: the run
then reads and writes files with exactly that user's rights."""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys

import policy_check
import policy_check.cli

for module in pkgutil.walk_packages(policy_check.__path__, "policy_check."):
    if not module.name.startswith("policy_check.server"):  # the language server: not a check run
        importlib.import_module(module.name)

uid, gid = int(sys.argv[1]), int(sys.argv[2])
os.setgroups([])
os.setgid(gid)
os.setuid(uid)
sys.exit(policy_check.cli.main(sys.argv[3:]))
