"""Repository-wide rules RP001-RP005 on small repositories written for each behaviour."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import audit_tree, found, write_tree
from opsmith.config import Config

DEPLOY = """
name: Deploy
on: {push: {branches: [main]}}
jobs:
  deploy:
    environment: production
    runs-on: ubuntu-latest
    steps:
      - run: kubectl apply -f k8s/
"""


def _rp(root: Path, rule: str, **config: object) -> list[tuple[str, str, int | None]]:
    return found(audit_tree(root, Config(select=(rule,), fail_on=None, **config)))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "ci_file",
    [
        ".github/workflows/ci.yml",
        ".gitlab-ci.yml",
        ".circleci/config.yml",
        "Jenkinsfile",
        "azure-pipelines.yml",
        "bitbucket-pipelines.yml",
        ".buildkite/pipeline.yml",
        ".drone.yml",
        ".woodpecker.yml",
        ".travis.yml",
        "appveyor.yml",
        ".semaphore/semaphore.yml",
        ".tekton/pipeline.yaml",
    ],
)
def test_rp001_any_ci_counts(tmp_path: Path, ci_file: str) -> None:
    write_tree(tmp_path, {"go.mod": "module x\n", ci_file: "x: 1\n"})
    assert _rp(tmp_path, "RP001") == []


def test_rp001_sits_on_what_would_be_built(tmp_path: Path) -> None:
    write_tree(
        tmp_path, {"README.md": "# x\n", "services/api/go.mod": "module x\n", "main.go": "package main\n"}
    )
    assert _rp(tmp_path, "RP001") == [("RP001", "services/api/go.mod", None)]


def test_rp001_is_not_judged_on_explicit_files(tmp_path: Path) -> None:
    write_tree(tmp_path, {"Dockerfile": "FROM alpine:3.20\n"})
    from opsmith.audit.engine import Target, audit

    result = audit(Target(tmp_path, (tmp_path / "Dockerfile",)), Config(select=("RP",), fail_on=None))
    assert found(result) == []


def test_rp002_staging_anywhere_in_the_repository_counts(tmp_path: Path) -> None:
    write_tree(tmp_path, {".github/workflows/deploy.yml": DEPLOY})
    assert _rp(tmp_path, "RP002") == [("RP002", ".github/workflows/deploy.yml", 4)]
    write_tree(
        tmp_path,
        {
            ".github/workflows/staging.yml": """
            on: {push: {branches: [develop]}}
            jobs:
              deploy:
                runs-on: ubuntu-latest
                steps: [{run: "helm upgrade --install shop ./chart -f values-staging.yaml"}]
            """
        },
    )
    assert _rp(tmp_path, "RP002") == []


def test_rp003_reads_any_text_file_and_masks(tmp_path: Path) -> None:
    token = "ghp_" + "aB3dE5fG7hJ9kL1mN2pQ4rS6tU8vW0xY2zA4"
    write_tree(
        tmp_path,
        {
            "notes/setup.txt": f"use this one for now: {token}\n",
            "image.png": b"\x89PNG\x00\x00" + token.encode(),
            "big.log": "x" * 200 + token,
            "templates/.env.example": f"GITHUB_TOKEN={token}\n",
        },
    )
    result = audit_tree(tmp_path, Config(select=("RP003",), fail_on=None, max_file_size=100))
    assert found(result) == [("RP003", "notes/setup.txt", 1)]
    assert token not in result.findings[0].message
    assert "ghp_" in result.findings[0].message


@pytest.mark.parametrize(
    "extra",
    [
        {"docs/rollback.md": "# How to go back\n"},
        {"scripts/roll-back.sh": "#!/bin/sh\n"},
        {"README.md": "# shop\n\n## Rolling back\n\nRe-run the previous deploy.\n"},
        {"docs/ops.rst": "Operations\n==========\n\nRollback\n--------\n\nRedeploy the previous tag.\n"},
        {"RUNBOOK.md": "1. If the deploy broke it: `kubectl -n shop rollout undo deployment/shop`\n"},
        {"Makefile": "deploy:\n\t./deploy.sh\n\nrollback:\n\t./deploy.sh --previous\n"},
        {
            ".github/workflows/undo.yml": """
            on: workflow_dispatch
            jobs:
              undo: {runs-on: x, steps: [{run: kubectl rollout undo deployment/shop}]}
            """
        },
    ],
)
def test_rp004_what_counts_as_written_down(tmp_path: Path, extra: dict[str, str]) -> None:
    write_tree(tmp_path, {".github/workflows/deploy.yml": DEPLOY, **extra})
    assert _rp(tmp_path, "RP004") == []


def test_rp004_a_mention_in_passing_is_not_a_procedure(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            ".github/workflows/deploy.yml": DEPLOY,
            "README.md": "# shop\n\nWe should write down how to roll back one day.\n",
            "notes.txt": "# rollback\n",
        },
    )
    assert _rp(tmp_path, "RP004") == [("RP004", ".github/workflows/deploy.yml", 4)]


def test_rp004_without_deploys_is_silent(tmp_path: Path) -> None:
    write_tree(
        tmp_path, {".github/workflows/ci.yml": "on: push\njobs:\n  t: {runs-on: x, steps: [{run: pytest}]}\n"}
    )
    assert _rp(tmp_path, "RP004") == []


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ("scrape_configs: []\n", [("RP005", "prometheus.yml", 1)]),
        ("rule_files: [a.yml]\nscrape_configs: []\n", [("RP005", "prometheus.yml", 2)]),
        (
            "rule_files: [a.yml]\nalerting:\n  alertmanagers: [{static_configs: [{targets: [am:9093]}]}]\n"
            "scrape_configs: []\n",
            [],
        ),
        ("global: {scrape_interval: 15s}\n", []),
        ("scrape_configs: [\n", []),
    ],
)
def test_rp005(tmp_path: Path, config: str, expected: list[tuple[str, str, int]]) -> None:
    write_tree(tmp_path, {"prometheus.yml": config})
    assert _rp(tmp_path, "RP005") == expected


def test_rp003_passes_over_a_samples_self_describing_or_account_named_passwords(tmp_path: Path) -> None:
    env = (
        "POSTGRES_USER=shop\n"
        "POSTGRES_PASSWORD=shop\n"  # the user name again
        "POSTGRES_ASTRONOMY_PASSWORD=astronomy_password\n"  # its own name spelt out
        "POSTGRES_REPORTING_PASSWORD=reporting_k7Rq9zLw\n"  # a real one beside them: reported
        "GITHUB_TOKEN=ghp_"  # split: opsmith audits itself
        "8dLq2VwXz5RtY7uKm3NbC9pA1sE4fH6jG0iT\n"  # a live format: reported
    )
    write_tree(tmp_path, {".env": env})
    assert _rp(tmp_path, "RP003") == [("RP003", ".env", 4), ("RP003", ".env", 5)]
