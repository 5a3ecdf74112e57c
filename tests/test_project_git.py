"""The project rules read git through the `git` command (git_repo.py): file names
git and Python spell differently (spaces, newlines, bytes that are not UTF-8), a
linked work tree, a bare repository, no git installed, and a file whose blob is
small while the file in the work tree is not (git-lfs's case)."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

from policy_check.config import settings_from_table
from policy_check.git_repo import GitRepo
from policy_check.rules.project.facts import find_root
from policy_check.rules.project.runner import check_project

from _project_repos import GIT_ENV, git, make_repo

KEY = "-" * 5 + "BEGIN RSA PRIVATE KEY" + "-" * 5 + "\nMIIEowIBAAKCAQEAexampleexampleexampleexample\n" + "-" * 5 + "END RSA PRIVATE KEY" + "-" * 5 + "\n"
OUTPUTS = '{"cells": [{"cell_type": "code", "execution_count": 1, "metadata": {}, "outputs": [{"output_type": "stream", "name": "stdout", "text": ["1"]}], "source": ["print(1)"]}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}\n'
# A name that is not UTF-8: git stores the bytes, Python spells them with surrogates.
LATIN1 = os.fsdecode(b"cl\xe9.pem")


def findings(root: Path, *codes: str) -> list[tuple[str, str]]:
    settings = settings_from_table({}, root, None)
    return [(code, finding.path.relative_to(root).as_posix()) for code, finding in check_project(root, settings, codes)]


def test_unusual_file_names_are_read_as_git_spells_them(tmp_path: Path) -> None:
    files = {
        "keys/deploy key.pem": KEY,
        "keys/two\nlines.pem": KEY,
        f"keys/{LATIN1}": KEY,
        "data/big file.npy": bytes(6 * 1024 * 1024),
        "notes/run 1.ipynb": OUTPUTS,
        "README.md": "# lab\n",
    }
    root = make_repo(tmp_path / "lab", files)
    assert sorted(findings(root, "PC701")) == sorted(
        [("PC701", "keys/deploy key.pem"), ("PC701", f"keys/{LATIN1}"), ("PC701", "keys/two\nlines.pem")]
    )
    assert findings(root, "PC702") == [("PC702", "data/big file.npy")]
    assert findings(root, "PC703") == [("PC703", "notes/run 1.ipynb")]


def test_keys_deleted_under_unusual_names_are_found_in_the_history(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "lab", {"old key.pem": KEY, f"{LATIN1}": KEY, "a\nb.txt": KEY, "README.md": "# lab\n"})
    git(root, "rm", "-q", "old key.pem", LATIN1, "a\nb.txt")
    git(root, "commit", "-q", "-m", "remove the keys")
    found = sorted(findings(root, "PC701"))
    assert found == sorted([("PC701", LATIN1), ("PC701", "a\nb.txt"), ("PC701", "old key.pem")])
    messages = [finding.message for _, finding in check_project(root, settings_from_table({}, root, None), ["PC701"])]
    assert all("deleted in" in message and "still in the history" in message for message in messages)


def test_a_linked_work_tree_is_a_repository_of_its_own(tmp_path: Path) -> None:
    main = make_repo(tmp_path / "main", {"README.md": "# lab\n", "ops/server.key": KEY})
    linked = tmp_path / "linked"
    git(main, "worktree", "add", "-q", str(linked))
    assert (linked / ".git").is_file()
    root, repo = find_root(linked)
    assert root == linked.resolve() and repo is not None and repo.top == linked.resolve()
    assert findings(linked, "PC701") == [("PC701", "ops/server.key")]


def test_a_bare_repository_and_a_folder_outside_git_have_no_work_tree(tmp_path: Path) -> None:
    bare = tmp_path / "bare.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True, env=GIT_ENV)
    assert GitRepo.find(bare) is None
    loose = tmp_path / "loose"
    loose.mkdir()
    assert GitRepo.find(loose) is None
    assert find_root(loose) == (loose.resolve(), None)


def test_without_git_installed_the_project_is_checked_as_a_plain_folder(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "lab", {"pyproject.toml": '[project]\nname = "lab"\nversion = "1"\n', "lab/__init__.py": "", "ops/server.key": KEY})
    empty = tmp_path / "bin"  # nothing on PATH: no git
    empty.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "policy_check", "--isolated", "--no-cache", "--scope", "project", "--output-format", "concise", "."],
        cwd=root, capture_output=True, text=True, timeout=120, env={**os.environ, "PATH": str(empty)},
    )
    assert result.returncode == 1, result.stderr
    assert "PC101" in result.stdout  # the layout is still checked
    assert "PC701" not in result.stdout and "Traceback" not in result.stderr  # no index to read keys from


def test_sizes_are_the_blobs_and_a_grown_work_tree_file_is_not_read_whole(tmp_path: Path) -> None:
    pointer = "version https://git-lfs.github.com/spec/v1\noid sha256:" + "b" * 64 + "\nsize 900000000\n"
    root = make_repo(tmp_path / "lab", {"data/dem.tif": pointer, "data/fields.bin": pointer, "README.md": "# lab\n"})
    # git-lfs's smudged files: megabytes in the work tree, a pointer in git.
    (root / "data/fields.bin").write_bytes(bytes(3 * 1024 * 1024) + KEY.encode())
    assert findings(root, "PC702", "PC701") == []
    repo = GitRepo.find(root)
    assert repo is not None
    sizes = repo.object_sizes(entry.sha for entry in repo.index())
    assert sorted(sizes.values()) == [len("# lab\n"), len(pointer)]  # one pointer blob for both files


def test_a_subfolder_project_sees_only_its_own_tracked_files(tmp_path: Path) -> None:
    files = {"README.md": "# mono\n", "ops/server.key": KEY, "lab/pyproject.toml": '[project]\nname = "lab"\nversion = "1"\n',
             "lab/src/lab/__init__.py": "", "lab/conf/site.key": KEY}
    root = make_repo(tmp_path / "mono", files)
    assert findings(root / "lab", "PC701") == [("PC701", "conf/site.key")]


def _git_commands(monkeypatch) -> list[str]:  # type: ignore[no-untyped-def]
    """The git subcommands the project rules run from now on."""
    asked: list[str] = []
    run = GitRepo.run

    def recording(self: GitRepo, *args: str, stdin: bytes | None = None) -> bytes:
        asked.append(args[0])
        return run(self, *args, stdin=stdin)

    monkeypatch.setattr(GitRepo, "run", recording)
    return asked


def test_an_unchanged_repository_is_not_read_again_and_a_changed_one_is(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    root = make_repo(tmp_path / "lab", {"README.md": "# lab\n", "ops/server.key": KEY, ".pre-commit-config.yaml": "repos: []\n"})
    first = findings(root, "PC701", "PC702", "PC106")
    assert first == [("PC106", ".pre-commit-config.yaml"), ("PC701", "ops/server.key")]
    asked = _git_commands(monkeypatch)
    assert findings(root, "PC701", "PC702", "PC106") == first
    # The index, the blobs and the history come from the cache; only HEAD is asked.
    assert "ls-files" not in asked and "cat-file" not in asked and "log" not in asked
    # Staging changes the index: a big file is seen; deleting the key moves it to the history.
    (root / "data.bin").write_bytes(bytes(6 * 1024 * 1024))
    git(root, "add", "data.bin")
    git(root, "rm", "-q", "ops/server.key")
    git(root, "commit", "-q", "-m", "data, no key")
    after = check_project(root, settings_from_table({}, root, None), ["PC701", "PC702"])
    assert [(code, finding.path.name) for code, finding in after] == [("PC701", "server.key"), ("PC702", "data.bin")]
    assert "still in the history" in after[0][1].message


def test_no_cache_reads_and_writes_no_project_facts(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "lab", {"pyproject.toml": '[project]\nname = "lab"\nversion = "1"\n', "lab/__init__.py": ""})
    result = subprocess.run(
        [sys.executable, "-m", "policy_check", "--isolated", "--no-cache", "--scope", "project", "."],
        cwd=root, capture_output=True, text=True, timeout=120,
    )
    assert "PC101" in result.stdout, result.stderr
    assert not (root / ".policy_check_cache" / "project-facts").exists()
    subprocess.run([sys.executable, "-m", "policy_check", "--isolated", "--scope", "project", "."], cwd=root, capture_output=True, timeout=120)
    assert (root / ".policy_check_cache" / "project-facts").is_file()


def _yaml_hook_ids(text: str) -> set[str] | str:
    """The ids as PyYAML reads them (precommit.py's own way), or the error's name."""
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return set()
    except Exception as error:  # noqa: BLE001 - a date that is no date: ValueError
        return type(error).__name__
    ids: set[str] = set()
    if isinstance(data, dict) and isinstance(data.get("repos"), list):
        for repo in data["repos"]:
            if isinstance(repo, dict) and isinstance(repo.get("hooks"), list):
                ids |= {str(hook.get("id")) for hook in repo["hooks"] if isinstance(hook, dict)}
    return ids


def _config(chooser: random.Random) -> str:
    """A pre-commit config in one of the shapes people write, often slightly broken."""
    dash = chooser.choice(["", "  "])
    hook_values = ["policy-check", "policy-check-project", "black", "'policy-check'", '"policy-check"', "ruff", "", "null", "2024-01-02", "yes"]
    extras = ["args: [--fix, '--x=1', \"y\"]", "types: [python]", "pass_filenames: false", "name: run the checks", "entry: python -m lab.check",
              "exclude: ^(docs/|tests/fixtures/).*\\.py$", "language: system", "always_run: true", "args: []", "files: '\\.ipynb$'"]
    lines = [chooser.choice(["", "# hooks\n", "default_language_version:\n  python: python3.11\n", "fail_fast: false\n", "minimum_pre_commit_version: 3.2.0\n"])]
    lines.append("repos:" + chooser.choice(["", "  # list", " "]) + "\n")
    for _ in range(chooser.randint(0, 3)):
        lines.append(f"{dash}- repo: {chooser.choice(['https://github.com/psf/black', 'local', 'meta'])}\n")
        if chooser.random() < 0.7:
            lines.append(f"{dash}  rev: {chooser.choice(['v1.0', '24.4.2', 'v0.1.0', '1.2'])}\n")
        lines.append(f"{dash}  hooks:\n")
        inner = chooser.choice([dash + "  ", dash + "    "])
        for _ in range(chooser.randint(0, 3)):
            lines.append(f"{inner}- id: {chooser.choice(hook_values)}{chooser.choice(['', '  # on', ''])}\n")
            lines.extend(f"{inner}  {extra}\n" for extra in chooser.sample(extras, chooser.randint(0, 2)))
    text = "".join(lines)
    mutations = [
        lambda t: t.replace("  ", "\t", 1), lambda t: t.replace("\n  ", "\n   ", 1), lambda t: t.replace("\n    ", "\n  ", 1),
        lambda t: t + "repos: []\n", lambda t: t.replace("- id:", "- &a id:", 1), lambda t: t.replace("rev: ", "rev: a: ", 1),
        lambda t: t.replace("hooks:\n", "hooks:\n    # note\n", 1), lambda t: "---\n" + t, lambda t: t.replace("repo: ", "repo:", 1),
        lambda t: t.replace("[python]", "[python", 1), lambda t: t + "  stray\n", lambda t: t.replace("\n", "\r\n"),
        lambda t: t.replace("name: run", "name: 'run", 1), lambda t: t.replace("id: black", "id: |\n      black", 1),
        lambda t: t.replace("- id:", "-   id:", 1), lambda t: t.replace("repos:", "repos: # c", 1), lambda t: t + "\n\n# end\n",
        lambda t: t.replace("- repo", "-\n  repo", 1), lambda t: t.replace("hooks:\n", "hooks: [a]\n", 1), lambda t: t + "x: 2001-02-30\n",
    ]
    for mutate in chooser.sample(mutations, chooser.choice([0, 0, 1, 2])):
        text = mutate(text)
    return text


def test_block_yaml_reads_hook_ids_as_pyyaml_does_or_leaves_the_config_to_it() -> None:
    from policy_check.rules.project.block_yaml import block_hook_ids

    chooser = random.Random(20261201)
    read_here = 0
    for _ in range(600):
        text = _config(chooser)
        expected = _yaml_hook_ids(text)
        found = block_hook_ids(text)
        if found is not None:
            read_here += 1
            assert found == expected, text
    assert read_here > 200  # most configs never import PyYAML


def _listed_apart(repo: GitRepo, pathspec: str) -> tuple[list[str], list[tuple[str, str, str]]]:
    """The two answers ``listing`` gives, from the two ``ls-files`` runs it replaces."""
    output = repo.run("ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", pathspec)
    names = [os.fsdecode(name) for name in dict.fromkeys(output.split(b"\0")) if name]
    return names, [tuple(entry) for entry in repo.index() if any(entry.path == name for name in names)]


def test_one_listing_answers_as_the_two_it_replaces(tmp_path: Path) -> None:
    # An untracked name spelt like an index record, a tab, a newline, bytes that are not
    # UTF-8, an ignored file, a file deleted from the work tree, an unmerged path.
    record_like = "100644 " + "a" * 40 + " 0\tfake.py"
    files = {"README.md": "# lab\n", "src/lab/core.py": "x = 1\n", f"src/{LATIN1}": "k\n", "src/tab\there.py": "",
             "gone.txt": "bye\n", "both.txt": "base\n", ".gitignore": "*.log\n", "sub/keep.txt": "k\n"}
    untracked = {"new one.py": "", record_like: "", "sub/two\nlines.txt": "", "debug.log": "x\n", "sub/new.txt": ""}
    root = make_repo(tmp_path / "lab", files, untracked)
    git(root, "checkout", "-q", "-b", "other")
    (root / "both.txt").write_text("other\n")
    git(root, "commit", "-qam", "other")
    git(root, "checkout", "-q", "main")
    (root / "both.txt").write_text("main\n")
    git(root, "commit", "-qam", "main")
    subprocess.run(["git", "merge", "-q", "other"], cwd=root, env=GIT_ENV, capture_output=True, check=False)
    (root / "gone.txt").unlink()
    repo = GitRepo.find(root)
    assert repo is not None
    for pathspec in (".", "sub/"):
        names, entries = repo.listing(pathspec)
        assert (names, [tuple(entry) for entry in entries]) == _listed_apart(repo, pathspec)
    names, entries = repo.listing(".")
    assert record_like in names and record_like not in {entry.path for entry in entries}
    assert "both.txt" in names and "both.txt" not in {entry.path for entry in entries}  # unmerged: no stage 0
    assert "debug.log" not in names and "gone.txt" in {entry.path for entry in entries}
