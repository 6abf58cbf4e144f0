from __future__ import annotations

from pathlib import Path

import pytest

from opsmith.rules.terraform_ci import CiFile, ci_files, ci_paths
from terraform_repo import TreeRepo


@pytest.mark.parametrize(
    ("text", "plans"),
    [
        ("run: terraform plan -out=tfplan", True),
        ("run: terraform -chdir=infra plan", True),
        ("script: [tofu plan]", True),
        ("- terragrunt run-all plan --terragrunt-non-interactive", True),
        ("- gitlab-terraform plan", True),
        ("uses: dflook/terraform-plan@v1", True),
        ("run: terraform apply plan.tfplan", False),
        ("run: terraform fmt -check && terraform validate", False),
        ("run: echo 'we plan to add terraform later'", False),
    ],
)
def test_what_counts_as_a_plan(text: str, plans: bool) -> None:
    assert CiFile("ci.yml", text).plans is plans


def test_drift_needs_a_schedule_and_a_detailed_exit_code() -> None:
    scheduled = "on:\n  schedule:\n    - cron: '0 6 * * *'\n"
    assert CiFile("d.yml", scheduled + "run: terraform plan -detailed-exitcode\n").detects_drift
    assert not CiFile("d.yml", scheduled + "run: terraform plan\n").detects_drift
    assert not CiFile("d.yml", "on: pull_request\nrun: terraform plan -detailed-exitcode\n").detects_drift
    assert CiFile("d.yml", "on: [schedule]\nuses: dflook/terraform-check@v1\n").detects_drift


def test_ci_files_are_found_even_when_not_listed(tmp_path: Path) -> None:
    repo = TreeRepo(
        tmp_path,
        {
            "main.tf": "locals {}\n",
            "ci/run.sh": "terraform init\nterraform plan \\\n  -detailed-exitcode\n",
            ".github/workflows/nightly.yaml": (
                "on:\n  schedule:\n    - cron: '0 3 * * *'\njobs: {run: ./ci/run.sh}\n"
            ),
            "docs/terraform.md": "terraform plan\n",
        },
    )
    repo.files = ["main.tf"]  # as in an audit of explicit files
    assert ci_paths(repo) == [".github/workflows/nightly.yaml"]
    (nightly,) = ci_files(repo)
    assert nightly.plans and nightly.detects_drift  # through the script it runs
