"""The pre-commit hook (`.pre-commit-hooks.yaml`), run by the real `pre-commit` in throwaway git
repositories against a committed copy of the checkout under test."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from helpers import write_tree
from opsmith.audit.families import content_candidates, families_by_name

ROOT = Path(__file__).resolve().parents[1]
HOOK = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())[0]
# The package and the hook definition: all pre-commit needs to install and run the hook.
INSTALLED = ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml")
IDENTITY = {
    "GIT_AUTHOR_NAME": "opsmith tests",
    "GIT_AUTHOR_EMAIL": "tests@opsmith.invalid",
    "GIT_COMMITTER_NAME": "opsmith tests",
    "GIT_COMMITTER_EMAIL": "tests@opsmith.invalid",
}
ROOTISH = "FROM python:latest\nCMD python app.py\n"
CAREFUL = 'FROM alpine:3.20.3\nUSER app\nHEALTHCHECK CMD ["true"]\nCMD ["app"]\n'


def _pre_commit() -> str | None:
    beside = Path(sys.executable).parent / "pre-commit"
    return shutil.which("pre-commit") or (str(beside) if beside.is_file() else None)


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, env={**os.environ, **IDENTITY})


@pytest.fixture(scope="session")
def hook_repository(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """try-repo clones a repository's HEAD, and the working tree under test is not committed: a
    copy of it is, in its own repository. The pre-commit home is shared by this session's tests,
    so the hook's environment (opsmith and its dependencies from PyPI) is built once."""
    if _pre_commit() is None:
        pytest.skip("pre-commit (in the dev extra) is not installed")
    copy = tmp_path_factory.mktemp("opsmith-hook-repository")
    for name in INSTALLED:
        shutil.copy2(ROOT / name, copy / name)
    shutil.copytree(ROOT / "src", copy / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    _git(copy, "init", "--quiet")
    _git(copy, "add", "--all")
    _git(copy, "commit", "--quiet", "--message", "the working tree under test")
    home = tmp_path_factory.mktemp("pre-commit-home")
    return copy, {**os.environ, **IDENTITY, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}


def _try_hook(
    hook_repository: tuple[Path, dict[str, str]], project: Path
) -> subprocess.CompletedProcess[str]:
    copy, env = hook_repository
    return subprocess.run(
        [str(_pre_commit()), "try-repo", str(copy), "opsmith"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=1200,  # the first run installs opsmith's dependencies
    )


def _project(root: Path, committed: dict[str, str], staged: dict[str, str]) -> Path:
    _git(root, "init", "--quiet")
    if committed:
        write_tree(root, committed)
        _git(root, "add", "--all")
        _git(root, "commit", "--quiet", "--message", "before opsmith")
    write_tree(root, staged)
    _git(root, "add", *staged)
    return root


def test_the_hook_fails_a_commit_of_a_bad_dockerfile(
    hook_repository: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    project = _project(tmp_path, {}, {"Dockerfile": ROOTISH, "notes.txt": "not an artifact\n"})
    ran = _try_hook(hook_repository, project)
    assert ran.returncode == 1, ran.stdout + ran.stderr
    assert re.search(r"opsmith audit\.+Failed", ran.stdout)
    assert "DF001 base image `python:latest`" in ran.stdout
    assert "notes.txt" not in ran.stdout  # the files regex kept it from opsmith


def test_the_hook_passes_a_careful_change_and_judges_only_changed_files(
    hook_repository: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    committed = {"legacy/Dockerfile": ROOTISH}  # already in the repository: not this commit's business
    staged = {"Dockerfile": CAREFUL, ".dockerignore": ".git\n"}
    ran = _try_hook(hook_repository, _project(tmp_path, committed, staged))
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert re.search(r"opsmith audit\.+Passed", ran.stdout)


def _artifact_paths() -> list[str]:
    """Paths, relative to their repository, of every file opsmith would claim in the rule cases
    and the examples."""
    roots = [
        *sorted((ROOT / "tests" / "rules" / "cases").glob("*/*")),
        *sorted((ROOT / "examples").glob("*")),
    ]
    paths = []
    for root in roots:
        for path in root.rglob("*"):
            relpath = path.relative_to(root).as_posix()
            if path.is_file() and (families_by_name(relpath) or content_candidates(relpath)):
                paths.append(relpath)
    return paths


def test_the_files_pattern_passes_every_file_opsmith_audits() -> None:
    paths = _artifact_paths()
    families = {family for p in paths for family in families_by_name(p) | content_candidates(p)}
    assert families >= {"dockerfile", "compose", "workflow", "kubernetes", "terraform", "migration", "action"}
    files, exclude = re.compile(HOOK["files"]), re.compile(HOOK["exclude"])
    missed = [p for p in paths if not files.search(p) or exclude.search(p)]
    assert missed == []
    assert not files.search("src/app.py") and not files.search("README.md")
    assert exclude.search("Dockerfile.dockerignore")
