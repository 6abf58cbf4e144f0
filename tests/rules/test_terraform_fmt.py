from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpers import write_tree
from opsmith.rules.terraform_fmt import first_changed_lines, unformatted

needs_terraform = pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not on PATH")


def test_first_changed_lines_reads_the_diff() -> None:
    diff = (
        "a/main.tf\n--- old/a/main.tf\n+++ new/a/main.tf\n@@ -3,5 +3,5 @@\n"
        " context one\n context two\n-  x = 1\n+  x  = 1\n b/v.tf\n"
        "--- old/b/v.tf\n+++ new/b/v.tf\n@@ -1,2 +1,3 @@\n+\n line\n"
    )
    assert first_changed_lines(diff) == {"a/main.tf": 5, "b/v.tf": 1}
    assert first_changed_lines("") == {}


@needs_terraform
def test_one_run_over_several_directories(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "a/main.tf": "locals {\n  a = 1\n  bb = 2\n}\n",
            "a/ok.tf": "locals {\n  c = 1\n}\n",
            "b/v.tf": 'variable "x" {\n type = string\n}\n',
        },
    )
    assert unformatted(tmp_path, ["a/main.tf", "a/ok.tf", "b/v.tf"]) == {"a/main.tf": 2, "b/v.tf": 2}
    assert unformatted(tmp_path, ["a/ok.tf"]) == {}
    assert unformatted(tmp_path, []) == {}


@needs_terraform
def test_a_file_terraform_rejects_only_costs_its_own_directory(tmp_path: Path) -> None:
    # python-hcl2 accepts two attributes on one line; terraform does not
    write_tree(
        tmp_path,
        {
            "a/main.tf": "locals {\n  a = 1\n  bb = 2\n}\n",
            "b/odd.tf": "locals {\n  a = 1 b = 2\n}\n",
        },
    )
    assert unformatted(tmp_path, ["a/main.tf", "b/odd.tf"]) == {"a/main.tf": 2}


def test_missing_binary_gives_nothing(tmp_path: Path) -> None:
    write_tree(tmp_path, {"main.tf": "locals {\n  a = 1\n  bb = 2\n}\n"})
    assert unformatted(tmp_path, ["main.tf"], binary=str(tmp_path / "no-such-terraform")) == {}
