"""The single server's set-up that `opsmith deploy` relies on, shared by the first-boot script
(terraform.py renders it) and the deploy workflow (workflow_platforms.py reaches it): who deploys,
from which folder, and how the server signs in to its registry with its own cloud identity.
"""

from __future__ import annotations

import shlex

from opsmith import __version__
from opsmith.design.model import Design
from opsmith.generate.artifact import safe_name

DEPLOY_USER = "deploy"
LOGIN_EVERY = "30min"  # Artifact Registry's tokens last an hour, ACR's three, ECR's twelve

# Per cloud: the Debian packages the sign-in needs, and the script that signs the deploy user in
# to REGISTRY_HOST (a password never reaches a command line: printf is a shell builtin).
_LOGIN: dict[str, tuple[str, str]] = {
    "aws": (
        "awscli",
        'REGION=$(echo "$REGISTRY_HOST" | cut -d. -f4)\n'
        'PASSWORD=$(aws ecr get-login-password --region "$REGION")\n'
        'printf \'%s\' "$PASSWORD" | docker login --username AWS --password-stdin "$REGISTRY_HOST"',
    ),
    "gcp": (
        "",
        "TOKEN_URL=http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token\n"
        "TOKEN=$(curl -fsS -H 'Metadata-Flavor: Google' \"$TOKEN_URL\" |\n"
        "  python3 -c 'import json, sys; print(json.load(sys.stdin)[\"access_token\"])')\n"
        "printf '%s' \"$TOKEN\" |\n"
        '  docker login --username oauth2accesstoken --password-stdin "$REGISTRY_HOST"',
    ),
    "azure": (
        "azure-cli",
        'az login --identity --output none\naz acr login --name "$(echo "$REGISTRY_HOST" | cut -d. -f1)"',
    ),
}
_NO_LOGIN = 'echo "sign in to $REGISTRY_HOST by hand: docker login $REGISTRY_HOST" >&2\nexit 1'


def deploy_path(design: Design) -> str:
    """The folder the workflow copies the design and compose.yaml to and deploys from."""
    return f"/srv/{safe_name(design.app)}"


def user_data_values(design: Design, cloud: str, registry_on_cloud: bool) -> dict[str, str]:
    """The first-boot script's values, shell-quoted where they land in shell code."""
    packages, script = _LOGIN[cloud] if registry_on_cloud else ("", _NO_LOGIN)
    return {
        "app": design.app,
        "deploy_user": shlex.quote(DEPLOY_USER),
        "deploy_path": shlex.quote(deploy_path(design)),
        "opsmith_version": shlex.quote(__version__),
        "login_packages": f" {packages}" if packages else "",
        "login_script": script,
        "login_every": LOGIN_EVERY,
    }
