"""Configuration text is read by the standard library's tomllib when it is valid TOML
(cheaper to import than tomlkit) and by tomlkit when it is not (its messages say where):
both give the same values, and a broken file still gets tomlkit's line."""

from __future__ import annotations

from pathlib import Path

import pytest
import tomlkit

from policy_check.config import ConfigError, TomlError, parse_toml, read_pyproject

VALID = '''[project]
name = "glacier"
version = "0.4.0"
dependencies = ["numpy>=1.24"]

[tool.policy-check]
max-complexity = 10
allow-print = ["scripts/**"]
per-file-ignores = { "tests/*" = ["PC301"] }

[[tool.runs]]
when = 1979-05-27T07:32:00Z
ratio = inf
'''


def test_valid_toml_reads_as_tomlkit_reads_it() -> None:
    assert parse_toml(VALID) == tomlkit.parse(VALID).unwrap()


@pytest.mark.parametrize(
    ("text", "line"),
    [("[tool.policy-check]\nselect = [\n", 2), ('[tool.policy-check]\nselect = ["PC3"]\nselect = ["PC5"]\n', 3)],
    ids=["unclosed-list", "key-twice"],
)
def test_broken_toml_is_reported_at_its_line(tmp_path: Path, text: str, line: int) -> None:
    with pytest.raises(TomlError):
        parse_toml(text)
    path = tmp_path / "pyproject.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=rf"^{path}:{line}: invalid TOML: "):
        read_pyproject(path)
