"""The single server that the generated Terraform boots is the one `opsmith deploy` expects: its
first-boot script installs opsmith (pinned), Docker, and HAProxy and Prometheus with their own
services off, signs in to the registry with the server's identity, records the environment, and
creates the deploy user and folder; the deploy workflow copies the approved design and compose.yaml
there and runs a command line the deploy verb accepts."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from design.fixtures import design
from generate.terraform_console import TERRAFORM, templatefile
from opsmith import __version__
from opsmith.cli import main
from opsmith.design.approval import approve
from opsmith.design.model import Design
from opsmith.design.render_yaml import render as render_design
from opsmith.generate import compose
from opsmith.generate.options import GenerateOptions
from opsmith.generate.server_setup import DEPLOY_USER, deploy_path, user_data_values
from opsmith.generate.terraform import render as render_terraform
from opsmith.generate.workflows import render as render_workflows

CLOUDS = ("aws", "gcp", "azure")
SCRIPT = "terraform/modules/servers/user-data/compose-host.sh"
LOGIN = {
    "aws": "aws ecr get-login-password",
    "gcp": "computeMetadata/v1/instance/service-accounts/default/token",
    "azure": "az acr login",
}
SHELLCHECK = shutil.which("shellcheck")


def _hobby(cloud: str) -> Design:
    return design("node-express", users=10, cloud=cloud)


def _files(cloud: str) -> dict[str, str]:
    return {a.path: a.content for a in render_terraform(_hobby(cloud))}


def _values(script: str, environment: str, registry: str) -> dict[str, str]:
    """A value for every variable the script takes from Terraform (other parts of the set-up
    may add their own beside the environment and the registry)."""
    names = set(re.findall(r"\$\{(\w+)\}", script))
    return {name: f"value-of-{name}" for name in names} | {"environment": environment, "registry": registry}


def _filled(script: str, environment: str, registry: str) -> str:
    """What Terraform's templatefile makes of the script (the test checks it does the same)."""
    for name, value in _values(script, environment, registry).items():
        script = script.replace(f"${{{name}}}", value)
    return script


@pytest.mark.parametrize("cloud", CLOUDS)
def test_the_first_boot_script_sets_up_what_opsmith_deploy_drives(cloud: str) -> None:
    script = _files(cloud)[SCRIPT]
    d = _hobby(cloud)
    lines = script.splitlines()
    assert f"OPSMITH_VERSION={__version__}" in lines
    assert '/opt/opsmith/bin/pip install --no-cache-dir "opsmith==$OPSMITH_VERSION"' in lines
    assert "ln -sf /opt/opsmith/bin/opsmith /usr/local/bin/opsmith" in lines
    assert re.search(r"(?m)^apt-get install .*\bdocker-ce\b", script)
    assert re.search(r"(?m)^apt-get install .*\bhaproxy prometheus\b", script)
    # opsmith runs its own HAProxy and Prometheus: the packaged ones must leave the ports free
    assert "systemctl disable --now haproxy prometheus" in lines
    assert "systemctl mask haproxy prometheus" in lines
    assert not re.search(r"(?m)^systemctl enable .*haproxy", script)
    assert f"DEPLOY_USER={DEPLOY_USER}" in lines and f"DEPLOY_PATH={deploy_path(d)}" in lines
    assert 'usermod -aG docker "$DEPLOY_USER"' in lines
    assert 'printf \'%s\\n\' "$ENVIRONMENT" > "$DEPLOY_PATH/.opsmith/environment"' in lines
    assert LOGIN[cloud] in script
    assert [c for c in CLOUDS if LOGIN[c] in script] == [cloud]  # one cloud's sign-in only


def test_values_landing_in_shell_code_are_quoted() -> None:
    d = _hobby("aws")
    values = user_data_values(d, "aws", True)
    for key in ("deploy_user", "deploy_path", "opsmith_version"):
        assert len(shlex.split(values[key])) == 1, key
    assert shlex.split(values["deploy_path"]) == [deploy_path(d)]
    # no registry of the cloud (GitHub's): nothing to install, and the sign-in says what to do
    ghcr = user_data_values(d, "aws", False)
    assert ghcr["login_packages"] == "" and "docker login" in ghcr["login_script"]


@pytest.mark.parametrize("cloud", CLOUDS)
def test_each_environment_fills_in_its_own_name_and_registry(cloud: str) -> None:
    files = _files(cloud)
    for env in ("staging", "production"):
        main_tf = files[f"terraform/environments/{env}/main.tf"]
        script = '"${path.module}/../../modules/servers/user-data/compose-host.sh"'
        assert f"templatefile({script}, local.server_setup)" in main_tf
        assert re.search(r"(?m)^    environment += var\.environment$", main_tf)
        assert "module.registry.repository_urls" in main_tf
        assert 'file("${path.module}/../../modules/servers/user-data/compose-host.sh")' not in main_tf
    production = files["terraform/environments/production/main.tf"]
    pulls = re.search(r'resource "azurerm_role_assignment" "server_pull" \{(.*?)\n\}', production, re.S)
    # ECR and Artifact Registry: the servers module grants the pull; Azure's registry is elsewhere
    assert (pulls is not None) == (cloud == "azure")
    if pulls:
        assert '"AcrPull"' in pulls.group(1) and "module.server.principal_ids[0]" in pulls.group(1)


@pytest.mark.skipif(TERRAFORM is None, reason="terraform is not installed")
@pytest.mark.parametrize("cloud", CLOUDS)
def test_terraform_templatefile_fills_the_script_and_nothing_else(tmp_path: Path, cloud: str) -> None:
    script = _files(cloud)[SCRIPT]
    registry = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/production"
    rendered = templatefile(tmp_path, script, _values(script, "production", registry))
    assert rendered == _filled(script, "production", registry)
    assert "ENVIRONMENT='production'" in rendered.splitlines()


@pytest.mark.skipif(SHELLCHECK is None, reason="shellcheck is not installed")
@pytest.mark.parametrize("cloud", CLOUDS)
def test_the_script_and_its_sign_in_pass_shellcheck(tmp_path: Path, cloud: str) -> None:
    script = _filled(_files(cloud)[SCRIPT], "staging", "registry.example/staging")
    login = re.search(r"<<'LOGIN'\n(.*?)\nLOGIN\n", script, re.S)
    assert login is not None
    for name, text in (("setup.sh", script), ("registry-login", login.group(1))):
        (tmp_path / name).write_text(text)
        subprocess.run(["sh", "-n", str(tmp_path / name)], check=True, timeout=60)
        proc = subprocess.run(
            [str(SHELLCHECK), "-s", "sh", str(tmp_path / name)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert proc.returncode == 0, proc.stdout


def _deploy_step(d: Design, environment: str) -> dict[str, object]:
    (workflow,) = [a for a in render_workflows(d, GenerateOptions()) if a.path.endswith("/deploy.yml")]
    job = yaml.safe_load(workflow.content)["jobs"][f"deploy-{environment}"]
    (step,) = [s for s in job["steps"] if s.get("name") == f"Deploy to {environment}"]
    return step  # type: ignore[no-any-return]


@pytest.mark.parametrize("cloud", CLOUDS)
def test_the_workflow_copies_the_design_and_compose_file_to_the_servers_folder(cloud: str) -> None:
    d = _hobby(cloud)
    step = _deploy_step(d, "production")
    script = str(step["run"])
    env = step["env"]
    assert isinstance(env, dict)
    assert f"|| '{deploy_path(d)}'" in env["DEPLOY_PATH"] and f"|| '{DEPLOY_USER}'" in env["DEPLOY_USER"]
    copy = script.index("set -- opsmith.yaml compose.yaml")
    assert script.index('"$@" "$DEPLOY_USER@$DEPLOY_HOST:$DEPLOY_PATH/"') > copy
    assert script.index("opsmith deploy") > script.index("scp ")
    assert "compose.override.yaml" not in script.replace("never compose.override.yaml", "")


def test_the_servers_folder_as_the_workflow_leaves_it_deploys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The files the workflow copies, the environment record the first boot writes, and the
    workflow's own command line: `opsmith deploy --dry-run` there passes gate 1 and plans it."""
    d = _hobby("aws")
    server = tmp_path / "srv"
    server.mkdir()
    (server / "opsmith.yaml").write_text(render_design(d))
    approve(server, "Reviewer <r@example.com>")
    (server / "compose.yaml").write_text(compose.render_compose(d))
    (server / ".opsmith").mkdir()
    (server / ".opsmith" / "environment").write_text("production\n")
    for name in (n for n in compose.env_example(d).splitlines() if "=" in n):  # the server's .env
        with (server / ".env").open("a") as env_file:
            env_file.write(f"{name.split('=')[0]}=x\n")
    step = _deploy_step(d, "production")
    command = re.search(r'"cd \$DEPLOY_PATH && (opsmith deploy [^"]+)"', str(step["run"]))
    assert command is not None
    env = step["env"]
    assert isinstance(env, dict)
    known = {"GITHUB_SHA": "abc123"}  # the image variables hold expressions: a registry stands in

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        return (
            "registry.example/orders-api" if name.startswith("IMAGE_") else known.get(name) or str(env[name])
        )

    argv = shlex.split(re.sub(r"\$(\w+)", value, command.group(1)))[1:]
    assert argv[argv.index("--listen") + 1] == "orders-api=0.0.0.0:80"
    monkeypatch.chdir(server)
    assert main([*argv, "--dry-run"]) == 0
    planned = capsys.readouterr().out.splitlines()
    assert "orders-api (production): registry.example/orders-api:abc123 by blue-green" in planned
