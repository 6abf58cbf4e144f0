"""The database the single server runs in a container is backed up: a daily dump with the
engine's own tool to a bucket Terraform creates (versioned, encrypted, expiring, written by the
server's identity only), and a runbook that restores it with the commands the server has."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from generate.terraform_console import TERRAFORM, templatefile
from generate.test_server_secrets import CLOUDS, SCRIPT, _files, _hobby
from opsmith.generate import server_backups
from opsmith.generate.terraform import render as render_terraform

MODULE = "terraform/modules/backups/main.tf"
SHELLCHECK = shutil.which("shellcheck")
# per cloud: what makes the bucket versioned, encrypted, expiring, private, and the server's grant
BUCKET = {
    "aws": (
        'status = "Enabled"',
        'sse_algorithm = "AES256"',
        "expiration {",
        "restrict_public_buckets = true",
        "ArnNotEquals",
    ),
    "gcp": (
        "enabled = true",
        "google_storage_bucket",
        "age = var.retention_days",
        '"enforced"',
        "objectCreator",
    ),
    "azure": (
        "versioning_enabled = true",
        "infrastructure_encryption_enabled = true",
        "delete_after_days_since_creation_greater_than",
        "allow_nested_items_to_be_public = false",
        "Storage Blob Data Contributor",
    ),
}


@pytest.mark.parametrize("cloud", CLOUDS)
def test_terraform_creates_a_protected_bucket_only_the_server_writes(cloud: str) -> None:
    files = _files(cloud)
    module = re.sub(r" +", " ", files[MODULE])
    for needed in BUCKET[cloud]:
        assert needed in module, needed
    for env in ("staging", "production"):
        main_tf = files[f"terraform/environments/{env}/main.tf"]
        assert re.search(r'module "backups" \{\n\s+source\s*=\s*"\.\./\.\./modules/backups"', main_tf)
        assert re.search(r"backup_bucket\s*=\s*module\.backups\.bucket", main_tf)
        assert "module.backups.bucket" in files[f"terraform/environments/{env}/outputs.tf"]


@pytest.mark.parametrize("cloud", CLOUDS)
def test_the_server_dumps_its_database_daily(cloud: str) -> None:
    script = _files(cloud)[SCRIPT]
    assert (
        """docker exec "$id" sh -c 'pg_dump -U "$POSTGRES_USER" -d "$POSTGRES_DB" --format=custom'"""
        in script
    )
    assert "OnCalendar=*-*-* 03:00:00 UTC" in script
    assert "systemctl enable --now db-backup.timer" in script.splitlines()


@pytest.mark.parametrize("cloud", CLOUDS)
def test_the_runbook_restores_with_commands_the_server_has(cloud: str) -> None:
    artifacts = {a.path: a for a in render_terraform(_hobby(cloud))}
    runbook = artifacts[server_backups.RUNBOOK]
    tagged = {path for path, a in artifacts.items() if "backups" in a.implements}
    assert {server_backups.RUNBOOK, MODULE, SCRIPT} <= tagged
    commands = re.findall(r"sudo db-backup (\w+)", runbook.content)
    assert {"list", "fetch", "restore"} <= set(commands)
    script = artifacts[SCRIPT].content
    for action in set(commands):
        assert re.search(rf"(?m)^  {action}\)", script), action  # db-backup has each subcommand
    assert "sudo db-backup restore postgresql /root/restore.dump" in runbook.content
    assert "output -raw backup_bucket" in runbook.content


def test_no_container_database_means_no_backup_bucket() -> None:
    hobby = _hobby("aws")
    d = hobby.model_copy(
        update={"backing_services": [b for b in hobby.backing_services if b.kind == "redis"]}
    )
    files = {a.path: a.content for a in render_terraform(d)}
    assert MODULE not in files and server_backups.RUNBOOK not in files
    assert "db-backup" not in files[SCRIPT]


@pytest.mark.parametrize("app", ["orders-api", "A_very.long-Application-Name-2024", "---"])
def test_azure_storage_account_names_follow_azures_rules(app: str) -> None:
    for env in ("staging", "production"):
        assert re.fullmatch(r"[a-z0-9]{3,24}", server_backups.account_name(app, env))


@pytest.mark.skipif(TERRAFORM is None, reason="terraform is not installed")
@pytest.mark.parametrize("cloud", CLOUDS)
def test_terraform_templatefile_fills_only_the_values_it_is_given(tmp_path: Path, cloud: str) -> None:
    """The installed scripts are shell, full of `$`: Terraform must leave all of it alone."""
    script = _files(cloud)[SCRIPT]
    values = {"environment": "production", "registry": "r", "app_secret": "S", "backup_bucket": "B"}
    rendered = templatefile(tmp_path, script, values)
    expected = script
    for key, value in values.items():
        expected = expected.replace(f"${{{key}}}", value)
    assert rendered == expected
    assert """'S' "$DEPLOY_PATH" > /etc/default/app-secrets""" in rendered
    assert "'B' 'production' > /etc/default/db-backup" in rendered


@pytest.mark.skipif(SHELLCHECK is None, reason="shellcheck is not installed")
@pytest.mark.parametrize("cloud", CLOUDS)
def test_the_installed_scripts_pass_shellcheck(tmp_path: Path, cloud: str) -> None:
    script = _files(cloud)[SCRIPT]
    for name, marker in (("db-backup", "BACKUP"), ("app-secrets", "SECRETS")):
        body = re.search(rf"<<'{marker}'\n(.*?)\n{marker}\n", script, re.S)
        assert body is not None, name
        (tmp_path / name).write_text(body.group(1))
        proc = subprocess.run(
            [str(SHELLCHECK), "-s", "sh", "-e", "SC1091", str(tmp_path / name)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert proc.returncode == 0, proc.stdout
