"""The single server's copy of the application's secret (the hobby tier): the server reads the
environment's JSON secret (app_secret.remote_name) from the cloud's store with its own identity
and writes it to the `.env` that compose.yaml and `opsmith deploy` read, before every deploy.

Terraform creates the secret (modules/secrets) and grants the server read on it
(modules/servers); the first-boot part (templates/terraform/user-data/app-secrets.sh.j2)
installs `app-secrets`, which the deploy workflow runs ahead of `opsmith deploy`.
"""

from __future__ import annotations

from opsmith.design.model import Design
from opsmith.generate import app_secret, compose
from opsmith.generate.options import cloud_of
from opsmith.generate.templating import render_template
from opsmith.secrets.detect import is_secret_name

COMMAND = "app-secrets"
SERVER_PLATFORMS = frozenset({"aws-ec2", "gcp-compute-engine", "azure-vm"})


def wanted(design: Design) -> bool:
    """Whether the design runs one compose server on a cloud whose secret store it chose."""
    return (
        design.platform.effective in SERVER_PLATFORMS
        and design.orchestration.effective == "compose"
        and app_secret.synced(design)
    )


def user_data(design: Design) -> str:
    """The first-boot script's part that installs `app-secrets`; empty when not wanted."""
    if not wanted(design):
        return ""
    return render_template(
        "terraform/user-data/app-secrets.sh.j2",
        cloud=cloud_of(design),
        secret_store=design.secrets.effective,
        secret_name=app_secret.remote_name(design, "<environment>"),
    )


def env_keys(design: Design) -> list[str]:
    """The secrets compose.yaml stops without (`${NAME:?}`): what the JSON secret must hold for
    the server; compose builds the connection URLs from them itself."""
    names = [
        line.partition("=")[0]
        for line in compose.env_example(design).splitlines()
        if line and not line.startswith("#")
    ]
    return [name for name in names if is_secret_name(name)]


def before_deploy(design: Design) -> str:
    """The deploy workflow's line that refreshes the server's .env ahead of `opsmith deploy`
    ("" when the server does not read the store)."""
    if not wanted(design):
        return ""
    return (
        "# the environment's secrets, from the cloud's store into the server's .env\n"
        f'ssh -i ~/.ssh/deploy_key -o StrictHostKeyChecking=yes "$DEPLOY_USER@$DEPLOY_HOST" {COMMAND}\n'
    )
