"""Which audited files are production and which are tests, examples or development aids.

A file is judged by its path relative to the audited root, never by its absolute path: a repository
checked out under `/home/me/tests/` is still production, and opsmith's own rule cases (audited with
their case folder as root) too. A file is judged a test when:
- a folder on its path is named one of TEST_FOLDERS (`tests/`, `testdata/`, `fixtures/`, `e2e/`,
  `examples/`, `docs/`, `hack/`, `.devcontainer/`...), or its name starts or ends with one of
  TEST_WORDS joined by `-`, `_` or `.` (`e2e-tests/`, `test-utils/`, `kind_examples/`);
- a Dockerfile or YAML file (not a workflow: `.github/workflows/test.yml` is the repository's CI)
  is named for tests (`values_test.yaml`, `docker-compose.test.yml`, `e2e-cluster.yaml`), or a
  Dockerfile or compose file for development (`Dockerfile.dev`, `compose.local.yaml`). SQL,
  Python, Ruby and Terraform names are not read this way: `0042_add_test_results.sql` is a
  production migration.

Configuration overrides the list with gitignore-style patterns: `production-paths` forces files
to production (a repository whose `examples/` is its product), and `test-paths` adds test files;
`test-paths` wins over `production-paths`, which wins over the built-in judgement.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

# Folder names that hold tests, recorded data, samples, docs or development tooling. `spec` is
# RSpec's folder (a Kubernetes `spec:` key has nothing to do with this: only paths are read);
# `hack` is the Kubernetes projects' folder of development scripts and throwaway clusters;
# `_archived` holds what a project keeps for reference but no longer deploys.
TEST_FOLDERS = frozenset(
    {
        "test",
        "tests",
        "testing",
        "testdata",
        "test-data",
        "test_data",
        "__tests__",
        "fixture",
        "fixtures",
        "__fixtures__",
        "__snapshots__",
        "e2e",
        "spec",
        "hack",
        ".ci",
        ".devcontainer",
        "example",
        "examples",
        "sample",
        "samples",
        "demo",
        "demos",
        "doc",
        "docs",
        "archived",
        "_archived",
    }
)
TEST_WORDS = ("tests?", "testing", "e2e", "examples?", "samples?", "fixtures?", "demos?")
_WORDS = "|".join(TEST_WORDS)
_TEST_FOLDER = re.compile(rf"^(?:(?:{_WORDS})[-_.].+|.+[-_.](?:{_WORDS}))$", re.IGNORECASE)
# File names: the first or the last word of the name (before `.yaml`) says what the file is for. A
# Dockerfile or compose file named for development (`Dockerfile.dev`, `compose.local.yaml`) sets up
# a workstation; a manifest named so (`namespace-dev.yaml`) still goes to a real cluster.
_TEST_NAME = re.compile(rf"^(?:{_WORDS})(?:[-_.].+)?$|^.+[-_.](?:{_WORDS})$", re.IGNORECASE)
# `Dockerfile.debug` builds a debugger-friendly image for a workstation (skaffold debug, IDEs).
_DEV_NAME = re.compile(r"^dev[-_.].+$|^.+[-_.](?:dev|devel|development|local|ci|debug)$", re.IGNORECASE)
_WORKFLOW = re.compile(r"(?:^|/)\.github/")


class FileClasses:
    """Judges paths (relative to the audited root, `/` separators) as production or test."""

    def __init__(self, test_paths: Sequence[str] = (), production_paths: Sequence[str] = ()) -> None:
        self._tests = _spec(test_paths)
        self._production = _spec(production_paths)
        self._known: dict[str, bool] = {}
        self._folders: dict[str, bool] = {}  # most files share their folder with others

    def is_test(self, relpath: str) -> bool:
        known = self._known.get(relpath)
        if known is None:
            known = self._known[relpath] = self._judge(relpath)
        return known

    def _judge(self, relpath: str) -> bool:
        if not relpath:
            return False  # the repository as a whole
        if self._tests is not None and self._tests.match_file(relpath):
            return True
        if self._production is not None and self._production.match_file(relpath):
            return False
        folder = relpath.rpartition("/")[0]
        in_tests = self._folders.get(folder)
        if in_tests is None:
            in_tests = self._folders[folder] = folder_of_tests(f"{folder}/") is not None
        return in_tests or _test_name(relpath)


def folder_of_tests(relpath: str) -> str | None:
    """The folder (with its parents) that makes a path a test path, if one does."""
    parts = relpath.split("/")
    for depth, part in enumerate(parts[:-1]):
        if part.lower() in TEST_FOLDERS or _TEST_FOLDER.match(part):
            return "/".join(parts[: depth + 1]) + "/"
    return None


def _test_name(relpath: str) -> bool:
    name = relpath.rsplit("/", 1)[-1]
    lower = name.lower()
    yaml = lower.endswith((".yaml", ".yml"))
    if not (yaml or "dockerfile" in lower or "containerfile" in lower) or _WORKFLOW.search(relpath):
        return False
    stem = name[: name.rfind(".")] if yaml else name
    if _TEST_NAME.match(stem):
        return True
    container = not yaml or lower.startswith(("compose", "docker-compose"))
    return container and bool(_DEV_NAME.match(stem))


def _spec(patterns: Sequence[str]) -> Any:
    if not patterns:
        return None
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(patterns)
