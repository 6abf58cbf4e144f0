"""The single compose server reads the application's JSON secret from its cloud's store: Terraform
creates the secret and grants the server read on it alone, the first boot installs `app-secrets`,
which writes the .env compose reads (0600, values never on a command line or in its output), and
the deploy workflow runs it before every deploy."""

from __future__ import annotations

import os
import re
import stat
import subprocess
from pathlib import Path

import pytest
import yaml

from design.fixtures import design
from opsmith.deploy.plan import _dotenv
from opsmith.design.model import Design
from opsmith.generate import app_secret
from opsmith.generate.options import GenerateOptions
from opsmith.generate.terraform import render as render_terraform
from opsmith.generate.workflows import render as render_workflows

CLOUDS = ("aws", "gcp", "azure")
SCRIPT = "terraform/modules/servers/user-data/compose-host.sh"
GRANTS = {
    "aws": ('resource "aws_iam_role_policy" "app_secret"', "secretsmanager:GetSecretValue"),
    "gcp": ('resource "google_secret_manager_secret_iam_member" "app"', "roles/secretmanager.secretAccessor"),
    "azure": ('resource "azurerm_role_assignment" "app_secret"', '"Key Vault Secrets User"'),
}


def _hobby(cloud: str) -> Design:
    return design("node-express", users=10, cloud=cloud)


def _files(cloud: str) -> dict[str, str]:
    return {a.path: a.content for a in render_terraform(_hobby(cloud))}


@pytest.mark.parametrize("cloud", CLOUDS)
def test_terraform_creates_the_secret_and_lets_the_server_read_it(cloud: str) -> None:
    files = _files(cloud)
    assert "terraform/modules/secrets/main.tf" in files
    resource, permission = GRANTS[cloud]
    servers = files["terraform/modules/servers/main.tf"]
    assert resource in servers and permission in servers
    for env in ("staging", "production"):
        main_tf = files[f"terraform/environments/{env}/main.tf"]
        server = re.search(r'module "server" \{(.*?)\n\}', main_tf, re.S)
        assert server is not None
        assert re.search(r"read_app_secret\s*=\s*true", server.group(1))
        assert re.search(r"app_secret\s*=\s*module\.secrets\.", server.group(1))
        setup = re.search(r"server_setup = \{(.*?)\n  \}", main_tf, re.S)
        assert setup is not None and re.search(r"app_secret\s*=\s*module\.secrets\.", setup.group(1))


@pytest.mark.parametrize("cloud", CLOUDS)
def test_the_secret_and_the_server_script_are_tagged_for_the_decision(cloud: str) -> None:
    tagged = {a.path for a in render_terraform(_hobby(cloud)) if "secrets" in a.implements}
    assert {SCRIPT, "terraform/modules/secrets/main.tf"} <= tagged


@pytest.mark.parametrize("cloud", CLOUDS)
def test_the_deploy_refreshes_the_env_file_before_opsmith_deploy(cloud: str) -> None:
    (workflow,) = [
        a for a in render_workflows(_hobby(cloud), GenerateOptions()) if a.path.endswith("/deploy.yml")
    ]
    for job in ("deploy-staging", "deploy-production"):
        (step,) = [
            s
            for s in yaml.safe_load(workflow.content)["jobs"][job]["steps"]
            if "Deploy to" in str(s.get("name"))
        ]
        lines = str(step["run"]).splitlines()
        refresh = lines.index(
            'ssh -i ~/.ssh/deploy_key -o StrictHostKeyChecking=yes "$DEPLOY_USER@$DEPLOY_HOST" app-secrets'
        )
        assert refresh < next(i for i, line in enumerate(lines) if "opsmith deploy --image-tag" in line)


def test_a_server_outside_the_clouds_store_runs_no_secret_copy() -> None:
    hobby = _hobby("aws")
    # a store the cloud's Terraform does not create
    d = hobby.model_copy(update={"secrets": hobby.secrets.model_copy(update={"value": "fly-secrets"})})
    assert not app_secret.synced(d)
    script = {a.path: a.content for a in render_terraform(d)}[SCRIPT]
    assert "app-secrets" not in script
    (workflow,) = [a for a in render_workflows(d, GenerateOptions()) if a.path.endswith("/deploy.yml")]
    assert "app-secrets" not in workflow.content


def _installed_script(tmp_path: Path, secret: str) -> tuple[Path, Path]:
    """The GCP server's `app-secrets` as first boot installs it, with a stand-in `gcloud` that
    answers from a file (Secret Manager cannot be reached from a test); returns (script, .env)."""
    text = _files("gcp")[SCRIPT]
    body = re.search(r"<<'SECRETS'\n(.*?)\nSECRETS\n", text, re.S)
    assert body is not None
    env_file = tmp_path / "srv" / ".env"
    env_file.parent.mkdir()
    config = tmp_path / "app-secrets.conf"
    config.write_text(f"APP_SECRET='orders-api-production'\nENV_FILE='{env_file}'\n")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (tmp_path / "secret.json").write_text(secret)
    gcloud = bin_dir / "gcloud"
    gcloud.write_text(
        f'#!/bin/sh\n[ "$5" = "--secret=orders-api-production" ] && cat {tmp_path}/secret.json\n'
    )
    gcloud.chmod(0o755)
    script = tmp_path / "app-secrets"
    script.write_text(body.group(1).replace("/etc/default/app-secrets", str(config)))
    return script, env_file


def _run(script: Path) -> subprocess.CompletedProcess[str]:
    path = f"{script.parent / 'bin'}:{os.environ['PATH']}"
    return subprocess.run(
        ["sh", str(script)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "PATH": path},
    )


def test_app_secrets_writes_an_env_file_compose_and_opsmith_deploy_read(tmp_path: Path) -> None:
    script, env_file = _installed_script(
        tmp_path, '{"DATABASE_URL": "postgresql://app:p@ss w=rd$1@db/app", "POSTGRES_PASSWORD": "s3cr#t"}'
    )
    proc = _run(script)
    assert proc.returncode == 0, proc.stderr
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert _dotenv(env_file.parent) == {
        "DATABASE_URL": "postgresql://app:p@ss w=rd$1@db/app",
        "POSTGRES_PASSWORD": "s3cr#t",
    }
    assert "s3cr#t" not in proc.stdout + proc.stderr  # it says how many, never what


def test_a_value_env_files_cannot_hold_stops_the_copy_without_showing_it(tmp_path: Path) -> None:
    script, env_file = _installed_script(tmp_path, '{"API_TOKEN": "it\'s-secret"}')
    env_file.write_text("API_TOKEN='previous'\n")
    proc = _run(script)
    assert proc.returncode != 0
    assert "API_TOKEN" in proc.stderr and "it's-secret" not in proc.stdout + proc.stderr
    assert env_file.read_text() == "API_TOKEN='previous'\n"  # the last good file stays
    assert [p.name for p in env_file.parent.iterdir()] == [".env"]  # no half-written copy left


def test_the_secret_is_documented_with_the_keys_compose_needs() -> None:
    variables = _files("aws")["terraform/environments/production/variables.tf"]
    block = re.search(r'variable "app_secrets" \{(.*?)\n\}', variables, re.S)
    assert block is not None
    assert "(POSTGRES_PASSWORD, SESSION_SECRET)" in block.group(1)  # compose builds DATABASE_URL itself
