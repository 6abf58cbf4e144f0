"""An audit loads only what the files it finds call for: a family's parser and rules, YAML, the
workflow graph or the secret scanner cost nothing unless some file needs them. Each case runs in a
fresh interpreter, whose `sys.modules` then shows what the run imported."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from helpers import write_tree

DEPLOYMENT = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\n"
    "spec: {template: {spec: {containers: [{name: api, image: 'registry.example.com/api:1.4.2'}]}}}\n"
)
RULES = """\
groups:
  - name: api
    rules:
      - alert: ApiDown
        expr: up{job="api"} == 0
        for: 5m
"""
WORKFLOW_MODULES = {"opsmith.parse.workflow", "opsmith.parse.workflow_expr", "opsmith.rules.workflow_graph"}
PROMETHEUS_MODULES = {"opsmith.parse.prometheus", "opsmith.parse.alertmanager", "promql_parser"}


def loaded_by_audit(root: Path) -> set[str]:
    code = (
        "import contextlib, io, sys\n"
        "from opsmith.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    main(['audit', {str(root)!r}, '--fail-on', 'never'])\n"
        "print(' '.join(sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(proc.stdout.split())


def test_an_empty_folder_loads_no_parser_and_no_yaml(tmp_path: Path) -> None:
    loaded = loaded_by_audit(tmp_path)
    assert "opsmith.rules.repository" in loaded  # the repository-wide rules did run
    unwanted = {"yaml", "opsmith.parse.yaml_tree", "opsmith.rules.terraform_ci"}
    assert loaded & (unwanted | WORKFLOW_MODULES) == set()


def test_a_terraform_repository_loads_no_yaml_and_no_workflow_modules(tmp_path: Path) -> None:
    write_tree(tmp_path, {"main.tf": 'resource "aws_s3_bucket" "logs" {\n  bucket = "logs"\n}\n'})
    loaded = loaded_by_audit(tmp_path)
    assert "opsmith.rules.terraform" in loaded
    assert loaded & ({"yaml", "opsmith.parse.kubernetes"} | WORKFLOW_MODULES | PROMETHEUS_MODULES) == set()


def test_kubernetes_manifests_load_neither_prometheus_nor_process_machinery(tmp_path: Path) -> None:
    write_tree(tmp_path, {"k8s/deploy.yaml": DEPLOYMENT})
    loaded = loaded_by_audit(tmp_path)
    assert {"yaml", "opsmith.rules.kubernetes"} <= loaded
    unwanted = {"opsmith.parse.dockerfile", "subprocess", "concurrent.futures"}
    assert loaded & (unwanted | WORKFLOW_MODULES | PROMETHEUS_MODULES) == set()


def test_a_prometheus_rule_file_does_load_its_parser(tmp_path: Path) -> None:
    write_tree(tmp_path, {"k8s/deploy.yaml": DEPLOYMENT, "monitoring/rules.yml": RULES})
    loaded = loaded_by_audit(tmp_path)
    assert {"opsmith.parse.prometheus", "opsmith.rules.prometheus", "promql_parser"} <= loaded


def test_a_repository_with_workflows_loads_the_workflow_graph(tmp_path: Path) -> None:
    workflow = (
        "on: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make deploy\n"
    )
    write_tree(tmp_path, {".github/workflows/deploy.yml": workflow})
    assert loaded_by_audit(tmp_path) >= WORKFLOW_MODULES


def test_a_named_file_loads_only_its_own_family(tmp_path: Path) -> None:
    # At a checkout's top the other files are read for context, but only those of its family.
    write_tree(
        tmp_path,
        {".git/HEAD": "", "Dockerfile": "FROM alpine:3.20.3\n", "main.tf": "", "k8s.yaml": DEPLOYMENT},
    )
    loaded = loaded_by_audit(tmp_path / "Dockerfile")
    assert "opsmith.parse.dockerfile" in loaded
    assert loaded & {"opsmith.parse.terraform", "opsmith.parse.kubernetes"} == set()
