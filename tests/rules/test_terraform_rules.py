"""Terraform rules (src/opsmith/rules/terraform.py) through the engine and the command line. The
rule cases cover each rule's findings; this covers what they cannot: flags, configuration,
explicit files, suppressions. (Named apart from tests/parse/test_terraform.py: pytest needs unique
basenames here.)"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpers import audit_tree, found, write_tree
from opsmith.audit.engine import Target, audit
from opsmith.cli import main
from opsmith.config import Config

needs_terraform = pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not on PATH")

UNFORMATTED = 'resource "aws_s3_bucket" "a" {\n  bucket = "a"\n  force_destroy = false\n}\n'


@needs_terraform
def test_terraform_fmt_flag_reports_unformatted_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_tree(tmp_path, {"infra/main.tf": UNFORMATTED, "infra/ok.tf": "locals {\n  a = 1\n}\n"})
    assert main(["audit", str(tmp_path), "--select", "TF013", "--no-color"]) == 0
    assert "TF013" not in capsys.readouterr().out
    assert main(["audit", str(tmp_path), "--select", "TF013", "--terraform-fmt", "--no-color"]) == 1
    out = capsys.readouterr().out
    assert "infra/main.tf" in out and "TF013" in out and "infra/ok.tf" not in out


@needs_terraform
def test_terraform_fmt_from_the_configuration_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_tree(tmp_path, {".opsmith.toml": "[terraform]\nfmt = true\n", "main.tf": UNFORMATTED})
    assert main(["audit", str(tmp_path), "--select", "TF013", "--format", "json"]) == 1
    assert '"TF013"' in capsys.readouterr().out


def test_terraform_fmt_without_the_binary_is_a_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(tmp_path, {"main.tf": UNFORMATTED})
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    code = main(["audit", str(tmp_path), "--select", "TF013", "--terraform-fmt", "--no-color"])
    out = capsys.readouterr().out
    assert code == 0
    assert "note: terraform fmt check (TF013) skipped: no `terraform` binary on PATH" in out


def test_explicit_file_does_not_judge_a_module_it_sees_half_of(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "infra/main.tf": 'provider "aws" {\n  region = "eu-west-1"\n}\n',
            "infra/backend.tf": 'terraform {\n  backend "s3" {}\n}\n',
        },
    )
    config = Config(select=("TF001",), fail_on=None)
    assert found(audit(Target(tmp_path, (tmp_path / "infra/main.tf",)), config)) == []
    (tmp_path / "infra/backend.tf").unlink()
    assert found(audit(Target(tmp_path, (tmp_path / "infra/main.tf",)), config)) == [
        ("TF001", "infra/main.tf", 1)
    ]


def test_inline_suppression(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "sg.tf": """
            resource "aws_security_group" "bastion" {
              # opsmith: ignore[TF011] reached only through the office VPN appliance
              ingress {
                from_port   = 22
                to_port     = 22
                protocol    = "tcp"
                cidr_blocks = ["0.0.0.0/0"]
              }
              ingress {
                from_port   = 3389
                to_port     = 3389
                protocol    = "tcp"
                cidr_blocks = ["0.0.0.0/0"]
              }
            }
            """
        },
    )
    result = audit_tree(tmp_path, Config(select=("TF011",), fail_on=None))
    assert found(result) == [("TF011", "sg.tf", 9)]


def test_repository_rules_do_not_run_without_terraform(tmp_path: Path) -> None:
    write_tree(tmp_path, {"Dockerfile": "FROM a:1\n", "infra/notes.txt": "terraform plan\n"})
    result = audit_tree(tmp_path, Config(select=("TF",), fail_on=None))
    assert result.findings == [] and not any(r.startswith("TF") for r in result.rules)


def test_the_bundled_example_shows_the_classic_mistakes() -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "shop"
    result = audit_tree(example, Config(select=("TF",), fail_on=None))
    got = {(rule, path) for rule, path, _ in found(result)}
    assert {
        ("TF001", "terraform/main.tf"),  # local state
        ("TF006", "terraform/database.tf"),  # hard-coded database password
        ("TF007", "terraform/main.tf"),  # one state for every environment
        ("TF011", "terraform/network.tf"),  # SSH open to the internet
    } <= got
    assert not any(rule == "TF012" for rule, _ in got)


def test_a_quickstart_root_keeps_local_state_at_info() -> None:
    case = Path(__file__).parent / "cases" / "terraform" / "tf001-trial"
    result = audit_tree(case, Config(select=("TF001",)))
    assert {f.path: f.severity.label for f in result.findings} == {
        "main.tf": "info",  # its README opens by calling it a quickstart
        "platform/main.tf": "error",  # a demo mentioned in passing does not make it one
    }
