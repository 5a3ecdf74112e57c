"""What every test shares: a user cache folder of the test session's own.

policy-check keeps ruff's rule lists in ``$XDG_CACHE_HOME/policy-check`` (the newest
eight, one per ruff binary). Tests run ruff from many places, so against the real
``~/.cache`` they would push out the lists of the user's own environments and leave
files behind; every test and every process it starts sees this session's folder
instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session", autouse=True)
def private_user_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    folder = tmp_path_factory.mktemp("user-cache")
    before = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(folder)
    yield
    if before is None:
        del os.environ["XDG_CACHE_HOME"]
    else:
        os.environ["XDG_CACHE_HOME"] = before
