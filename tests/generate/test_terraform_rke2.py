"""The compliance tier's self-managed Kubernetes is built whole by Terraform and first-boot
scripts: RKE2 with its CIS profile and a policy-enforcing network plugin, a private API load
balancer, a public ingress load balancer with the app's DNS record, the join token from the
secret store, and a deploy runner inside the network that the deploy workflow runs on.

The first-boot scripts are Terraform templates: each is rendered by `terraform console` with the
values the environment root passes (a placeholder the root does not pass fails there, as it would
at `terraform plan`), then checked with `sh -n` and, where installed, shellcheck.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from design.fixtures import design
from opsmith.design.model import Design, Override
from opsmith.generate.app_secret import ESO_API, store_name
from opsmith.generate.artifact import Artifact
from opsmith.generate.kubernetes import render as render_kubernetes
from opsmith.generate.kubernetes_monitoring import RELEASE
from opsmith.generate.kubernetes_network import CLUSTER_ISSUER
from opsmith.generate.monitoring_telemetry import CLUSTER_NAMESPACE
from opsmith.generate.options import GenerateOptions
from opsmith.generate.terraform import render
from opsmith.generate.terraform_addons import CHARTS, ESO_NAMESPACE
from opsmith.generate.terraform_rke2 import RKE2_VERSION, compliance_steps, installs_addons
from opsmith.generate.workflows import render as render_workflows
from opsmith.generate.workflows import render_deploy

CLOUDS = ("aws", "gcp", "azure")
TERRAFORM = shutil.which("terraform")
SHELLCHECK = shutil.which("shellcheck")
SCRIPTS = ("rke2-server", "rke2-agent", "github-runner")
_PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


def _compliance(cloud: str) -> Design:
    return design("node-express", users=5_000, cloud=cloud, compliance="hipaa")


def _files(cloud: str) -> dict[str, str]:
    return {a.path: a.content for a in render(_compliance(cloud))}


def _script(files: dict[str, str], name: str) -> str:
    return files[f"terraform/modules/servers/user-data/{name}.sh"]


@pytest.mark.parametrize("cloud", CLOUDS)
def test_no_manual_bootstrap_and_no_kubeadm(cloud: str) -> None:
    files = _files(cloud)
    assert "terraform/modules/servers/user-data/kubernetes-node.sh" not in files
    assert not any("kubeadm" in text for text in files.values())
    server, agent = _script(files, "rke2-server"), _script(files, "rke2-agent")
    for script in (server, agent):
        assert f"INSTALL_RKE2_VERSION='{RKE2_VERSION}'" in script
        assert "profile: cis" in script
        assert "rke2-cis-sysctl.conf" in script
        assert 'TOKEN=$(read_secret "$TOKEN_SECRET")' in script
    assert "systemctl enable --now rke2-server.service" in server
    assert "systemctl enable --now rke2-agent.service" in agent
    # The first server starts the cluster; every other node joins through JOIN_HOST.
    assert 'if [ "$CLUSTER_INIT" != true ]; then' in server


@pytest.mark.parametrize("cloud", CLOUDS)
def test_the_servers_install_a_policy_enforcing_cni_ingress_and_cert_manager(cloud: str) -> None:
    server = _script(_files(cloud), "rke2-server")
    assert "cni: canal" in server and "secrets-encryption: true" in server
    assert "audit-policy-file: /etc/rancher/rke2/audit-policy.yaml" in server
    manifests = _manifests(server)
    assert {
        "opsmith-ingress-nginx.yaml",
        "opsmith-cert-manager.yaml",
        "opsmith-cluster-issuer.yaml",
    } <= set(manifests)
    objects = [doc for text in manifests.values() for doc in yaml.safe_load_all(text)]
    charts = _helm_charts(objects)
    assert charts["ingress-nginx"]["targetNamespace"] == "ingress-nginx"  # what the NetworkPolicies admit
    assert re.fullmatch(r"v?\d+\.\d+\.\d+", charts["cert-manager"]["version"])
    issuer = next(o for o in objects if o["kind"] == "ClusterIssuer")
    assert issuer["metadata"]["name"] == CLUSTER_ISSUER  # the generated Ingresses ask for this one
    values = yaml.safe_load(charts["ingress-nginx"]["valuesContent"])["controller"]
    if cloud == "gcp":  # a passthrough load balancer keeps ports 80 and 443
        assert values["hostPort"] == {"enabled": True}
    else:
        assert values["service"]["nodePorts"] == {"http": 30080, "https": 30443}


def _manifests(server: str) -> dict[str, str]:
    """The files the server script writes to RKE2's manifests folder, by name."""
    return dict(
        re.findall(r'cat > "\$manifests/([\w-]+\.yaml)" <<\'?MANIFEST\'?\n(.*?)\nMANIFEST\n', server, re.S)
    )


def _helm_charts(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o["spec"] for o in objects if o["kind"] == "HelmChart"}


@pytest.mark.parametrize("cloud", CLOUDS)
def test_the_servers_install_the_managed_tiers_addons_at_their_versions(cloud: str) -> None:
    manifests = _manifests(_script(_files(cloud), "rke2-server"))
    objects = [doc for text in manifests.values() for doc in yaml.safe_load_all(text)]
    charts = _helm_charts(objects)
    for name in ("external-secrets", "argo-rollouts", "kube-prometheus-stack", "cert-manager"):
        assert (charts[name]["repo"], charts[name]["chart"], charts[name]["version"]) == (
            CHARTS[name].repository,
            CHARTS[name].chart,
            CHARTS[name].version,
        ), name
    # The release and namespace the generated rules, dashboards and PodMonitors are labelled for.
    assert charts["kube-prometheus-stack"]["targetNamespace"] == CLUSTER_NAMESPACE
    assert RELEASE == {"release": "kube-prometheus-stack"}
    assert charts["external-secrets"]["targetNamespace"] == ESO_NAMESPACE
    namespaces = {o["metadata"]["name"]: o["metadata"]["labels"] for o in objects if o["kind"] == "Namespace"}
    for chart in charts.values():  # each chart's namespace states its Pod Security level
        assert "pod-security.kubernetes.io/enforce" in namespaces[chart["targetNamespace"]]
    # Grafana's password is the shared derived one, never the chart's default.
    grafana = yaml.safe_load(charts["kube-prometheus-stack"]["valuesContent"])["grafana"]
    secret = next(o for o in objects if o["kind"] == "Secret")
    assert grafana["admin"]["existingSecret"] == secret["metadata"]["name"]
    assert secret["stringData"]["admin-password"] == "$GRAFANA_PASSWORD"
    assert "prom-operator" not in manifests["opsmith-kube-prometheus-stack.yaml"]


_SECRET_STORES = {
    "aws": ({"aws": {"service": "SecretsManager", "region": "$SECRET_SCOPE"}}, "secret_scope = var.region"),
    "gcp": ({"gcpsm": {"projectID": "$SECRET_SCOPE"}}, "secret_scope = var.project_id"),
    "azure": (
        {"azurekv": {"authType": "ManagedIdentity", "vaultUrl": "$SECRET_SCOPE"}},
        'secret_scope = "https://',
    ),
}
# How the rke2 module lets the workers' identity read the application's secret.
_APP_SECRET_GRANTS = {
    "aws": ('resource "aws_iam_role_policy" "read_app_secret"', "resources = [var.app_secret_arn]"),
    "gcp": ('resource "google_secret_manager_secret_iam_member" "app"', "secret_id = var.app_secret_id"),
    "azure": (
        'resource "azurerm_role_assignment" "app_secret"',
        "scope                = var.app_key_vault_id",
    ),
}
_APP_SECRET_READERS = {
    "aws": "[module.workers.role_name]",
    "gcp": "[module.workers.service_account_email]",
    "azure": "module.workers.principal_ids",
}


@pytest.mark.parametrize("cloud", CLOUDS)
def test_external_secrets_reads_the_app_secret_as_the_workers(cloud: str) -> None:
    d = _compliance(cloud)
    files = _files(cloud)
    store = yaml.safe_load(_manifests(_script(files, "rke2-server"))["opsmith-cluster-secret-store.yaml"])
    provider, scope = _SECRET_STORES[cloud]
    # No auth block: the operator signs in as the node it runs on.
    assert store["apiVersion"] == ESO_API and store["spec"] == {"provider": provider}
    assert store["metadata"]["name"] == "$SECRET_STORE"
    root = files["terraform/environments/production/main.tf"]
    # The root names the store as the overlays' ExternalSecret does (local.name is app-environment).
    assert store_name(d, "production") == f"{d.app}-production"
    assert 'name = "${var.app}-${var.environment}"' in root
    assert "secret_store = local.name" in root and scope in root
    for piece in _APP_SECRET_GRANTS[cloud]:
        assert piece in files["terraform/modules/rke2/main.tf"], piece
    readers = re.search(r"(?m)^\s+app_secret_readers\s+= (.+)$", root)
    assert readers is not None and readers.group(1) == _APP_SECRET_READERS[cloud]  # workers only


_LOAD_BALANCERS = {
    "aws": (
        'resource "aws_lb" "api"',
        "internal                         = true",
        'resource "aws_route53_record" "app"',
    ),
    "gcp": (
        'load_balancing_scheme = "INTERNAL"',
        'load_balancing_scheme = "EXTERNAL"',
        'resource "google_dns_record_set" "app"',
    ),
    "azure": (
        "subnet_id                     = var.subnet_id",
        "public_ip_address_id = azurerm_public_ip.ingress.id",
        'resource "azurerm_dns_a_record" "app"',
    ),
}


@pytest.mark.parametrize("cloud", CLOUDS)
def test_private_api_and_public_ingress_load_balancers_and_the_dns_record(cloud: str) -> None:
    files = _files(cloud)
    main = files["terraform/modules/rke2/main.tf"]
    for piece in _LOAD_BALANCERS[cloud]:
        assert piece in main, piece
    root = files["terraform/environments/production/main.tf"]
    for call in ('module "control_plane"', 'module "workers"', 'module "rke2"', 'module "runner"'):
        assert call in root
    assert "first_user_data" in root  # the first server starts the cluster
    tfvars = files["terraform/environments/production/terraform.tfvars"]
    assert re.search(r'(?m)^domain\s*=\s*"', tfvars) and re.search(r'(?m)^zone_name\s*=\s*"', tfvars)


@pytest.mark.parametrize("cloud", CLOUDS)
def test_the_join_token_lives_in_the_secret_store_only(cloud: str) -> None:
    files = _files(cloud)
    main = files["terraform/modules/rke2/main.tf"]
    store = {
        "aws": "aws_secretsmanager_secret_version",
        "gcp": "google_secret_manager_secret_version",
        "azure": "azurerm_key_vault_secret",
    }
    assert f'resource "{store[cloud]}" "token"' in main
    for name in ("rke2-server", "rke2-agent"):  # the config gets the value read at boot, nothing else
        assert re.findall(r"(?m)^token: (.*)$", _script(files, name)) == ['"$TOKEN"']
    assert not any(re.search(r"(?i)token\s*=\s*\"[A-Za-z0-9]{20,}", t) for t in files.values())


@pytest.mark.parametrize("cloud", CLOUDS)
def test_every_placeholder_of_the_scripts_is_passed_by_the_root(cloud: str) -> None:
    files = _files(cloud)
    root = files["terraform/environments/production/main.tf"]
    for name in SCRIPTS:
        script = _script(files, name)
        assert "%{" not in script  # no template directive: everything else is plain shell
        for placeholder in set(_PLACEHOLDER.findall(script)):
            assert re.search(rf"\b{placeholder}\s*=", root), (name, placeholder)


def _run(command: list[str], stdin: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "TF_CLI_CONFIG_FILE": "/dev/null", "CHECKPOINT_DISABLE": "1"}
    return subprocess.run(command, input=stdin, cwd=cwd, env=env, capture_output=True, text=True, check=False)


def _rendered(tmp_path: Path, script: str) -> str:
    assert TERRAFORM is not None
    (tmp_path / "script.sh").write_text(script)
    values = ", ".join(f'{key} = "{key}-value"' for key in sorted(set(_PLACEHOLDER.findall(script))))
    run = _run(
        [TERRAFORM, "console"],
        f'templatefile("script.sh", {{ {values}, cluster_init = "true" }})\n',
        tmp_path,
    )
    assert run.returncode == 0, run.stderr
    out = run.stdout.strip()
    assert out.startswith("<<EOT") and out.endswith("EOT")
    return out.split("\n", 1)[1].rsplit("\n", 1)[0]


@pytest.mark.skipif(TERRAFORM is None, reason="terraform is not on PATH")
@pytest.mark.parametrize("cloud", CLOUDS)
def test_scripts_render_through_templatefile_into_valid_shell(cloud: str, tmp_path: Path) -> None:
    files = _files(cloud)
    for name in SCRIPTS:
        text = _rendered(tmp_path, _script(files, name))
        assert "api_host-value" in text or name == "github-runner"
        check = _run(["sh", "-n"], text)
        assert check.returncode == 0, (name, check.stderr)
        if SHELLCHECK:
            lint = _run([SHELLCHECK, "-s", "sh", "-S", "warning", "-"], text)
            assert lint.returncode == 0, (name, lint.stdout)


@pytest.mark.parametrize("cloud", CLOUDS)
def test_deploys_run_on_the_environments_own_runner(cloud: str) -> None:
    d = _compliance(cloud)
    jobs = yaml.safe_load(render_deploy(d))["jobs"]
    deploys = {
        job["environment"]["name"]: job["runs-on"]
        for job in jobs.values()
        if "environment" in job and job["name"].startswith("Deploy")
    }
    assert deploys == {env: ["self-hosted", f"{d.app}-{env}"] for env in ("staging", "production")}
    config = {a.path: a.content for a in render_workflows(d, GenerateOptions())}[".github/actionlint.yaml"]
    assert yaml.safe_load(config) == {
        "self-hosted-runner": {"labels": [f"{d.app}-staging", f"{d.app}-production"]}
    }
    runner = _script(_files(cloud), "github-runner")
    assert "--ephemeral" in runner and "LABELS='${labels}'" in runner
    assert re.search(
        r"(?m)^\s+labels\s+= local\.name$", _files(cloud)["terraform/environments/production/main.tf"]
    )


def test_other_tiers_keep_github_hosted_runners() -> None:
    d = design("node-express", users=200_000, cloud="aws")
    jobs = yaml.safe_load(render_deploy(d))["jobs"]
    assert all(job["runs-on"] == "ubuntu-24.04" for job in jobs.values() if "runs-on" in job)
    assert ".github/actionlint.yaml" not in {a.path for a in render_workflows(d, GenerateOptions())}
    assert compliance_steps(d) == []


_OUTPUT_USE = re.compile(r"output (?:-raw|-json) (\w+)")


@pytest.mark.parametrize("cloud", CLOUDS)
def test_the_manual_steps_name_outputs_the_roots_declare(cloud: str) -> None:
    d = _compliance(cloud)
    steps = compliance_steps(d)
    assert len(steps) >= 3
    text = "\n".join(steps)
    assert "KUBECONFIG" in text and "Administration" in text
    outputs = _files(cloud)["terraform/environments/production/outputs.tf"]
    named = set(_OUTPUT_USE.findall(text))
    assert named
    for name in named:
        assert f'output "{name}"' in outputs, name
    assert not re.search(r"github_pat_\w{10,}", text)  # the token is read from the terminal, never shown


def test_artifacts_tag_the_decisions_they_build() -> None:
    artifacts: list[Artifact] = render(_compliance("aws"))
    tags = {a.path: a.implements for a in artifacts}
    assert "network-policy" in tags["terraform/modules/servers/user-data/rke2-server.sh"]
    assert "audit-trail" in tags["terraform/modules/audit/main.tf"]
    assert "dns" in tags["terraform/modules/rke2/main.tf"]


def test_without_kube_prometheus_stack_the_servers_leave_it_out() -> None:
    d = _compliance("aws")
    metrics = d.observability.metrics.model_copy(
        update={"override": Override(value="managed-prometheus", reason="the team's own Prometheus")}
    )
    other = d.model_copy(update={"observability": d.observability.model_copy(update={"metrics": metrics})})
    server = _script({a.path: a.content for a in render(other)}, "rke2-server")
    manifests = _manifests(server)
    assert "opsmith-kube-prometheus-stack.yaml" not in manifests
    assert {"opsmith-external-secrets.yaml", "opsmith-argo-rollouts.yaml"} <= set(manifests)
    assert "GRAFANA_PASSWORD" not in server


def test_the_kubernetes_readme_says_the_servers_install_the_addons() -> None:
    compliance = _compliance("gcp")
    assert installs_addons(compliance)
    assert not installs_addons(design("node-express", users=200_000, cloud="gcp"))  # EKS/GKE/AKS tiers
    readme = {a.path: a.content for a in render_kubernetes(compliance, GenerateOptions())}["k8s/README.md"]
    assert "## Cluster add-ons" in readme and "first boot" in readme
    assert "What the cluster must provide" not in readme
    assert "yourself" not in readme  # the ClusterSecretStore is written by the servers
