"""Files named on the command line, as a pre-commit hook names the changed ones: judged with the
rest of their repository, reported alone, and only their own families read."""

from __future__ import annotations

from pathlib import Path

from helpers import write_tree
from opsmith.audit.engine import Target, audit
from opsmith.config import Config

SERVICE = """
    apiVersion: v1
    kind: Service
    metadata: {name: web, namespace: shop}
    spec:
      selector: {app: web}
      ports: [{port: 80}]
"""
DEPLOYMENT = """
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web, namespace: shop}
    spec:
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec:
          containers: [{name: web, image: "web:1.0"}]
"""
ROOTISH = "FROM python:latest\n"
# Generated at random for this test; not a real token. Written in two parts so that the audit of
# opsmith's own repository does not report it.
LIVE_TOKEN = "ghp_" + "Zx81Qm2LpT7vR4nW9cY6bH3kJ5dF0sAeGu1o"


def _named(root: Path, *names: str, config: Config | None = None) -> list[tuple[str, str]]:
    result = audit(Target(root, tuple(root / n for n in names)), config or Config())
    return sorted((f.rule, f.path) for f in result.findings)


def test_cross_file_rules_see_the_files_nobody_named(tmp_path: Path) -> None:
    write_tree(
        tmp_path, {".git/HEAD": "ref: refs/heads/main\n", "svc.yaml": SERVICE, "deploy.yaml": DEPLOYMENT}
    )
    (tmp_path / "svc.yaml").write_text((tmp_path / "svc.yaml").read_text().replace("app: web", "app: api"))
    mismatched = _named(tmp_path, "svc.yaml", config=Config(select=("KU012",)))
    assert mismatched == [("KU012", "svc.yaml")]  # its message names the Deployment read beside it
    write_tree(tmp_path, {"svc.yaml": SERVICE})
    assert _named(tmp_path, "svc.yaml", config=Config(select=("KU012",))) == []


def test_only_the_named_files_findings_are_reported(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {".git/HEAD": "", "Dockerfile": ROOTISH, "old/Dockerfile": ROOTISH, ".dockerignore": ".git\n"},
    )
    assert {path for _, path in _named(tmp_path, "Dockerfile")} == {"Dockerfile"}


def test_repository_rules_run_on_the_named_files_only(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            ".git/HEAD": "",
            "Dockerfile": f"FROM alpine:3.20.3\n# {LIVE_TOKEN}\n",
            "old.txt": f"{LIVE_TOKEN}\n",
        },
    )
    assert _named(tmp_path, "Dockerfile", config=Config(select=("RP003",))) == [("RP003", "Dockerfile")]


def test_outside_a_checkout_top_the_named_files_stand_alone(tmp_path: Path) -> None:
    write_tree(tmp_path, {"svc.yaml": SERVICE.replace("app: web", "app: api"), "deploy.yaml": DEPLOYMENT})
    result = audit(Target(tmp_path, (tmp_path / "svc.yaml",)), Config(select=("KU012", "RP")))
    assert result.findings == [] and "RP001" not in result.rules  # no repository to judge
