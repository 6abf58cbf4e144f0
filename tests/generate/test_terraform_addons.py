"""The cluster add-ons root (terraform/addons/<env>), the secret that connects Terraform to the
ExternalSecret, network-policy enforcement in the cluster modules and the ConfigMap's use."""

from __future__ import annotations

import json
import re
from pathlib import Path

import hcl2
import pytest
import yaml

from design.fixtures import design
from generate.terraform_static import problems
from helpers import audit_tree, write_tree
from opsmith.config import Config
from opsmith.design.model import Design
from opsmith.findings import Severity
from opsmith.generate import app_secret, kubernetes, terraform, terraform_addons
from opsmith.generate.kubernetes_meta import Context
from opsmith.generate.kubernetes_monitoring import RELEASE
from opsmith.generate.monitoring_telemetry import CLUSTER_NAMESPACE
from opsmith.generate.options import GenerateOptions
from opsmith.generate.terraform_redundancy import regions
from opsmith.generate.workflows import render_terraform

CLOUDS = ("aws", "gcp", "azure")
KUBERNETES_TIERS = {"growth": 200_000, "enterprise": 2_000_000}
MODULE = terraform_addons.MODULE
EXACT = re.compile(r"^v?\d+\.\d+\.\d+$")
# Examples that between them read every backing service and several services.
REPOS = ("monorepo", "python-django")


def _plan(repo: str, tier: str, cloud: str) -> Design:
    return design(repo, cloud=cloud, users=KUBERNETES_TIERS[tier])


def _files(d: Design) -> dict[str, str]:
    return {a.path: a.content for a in terraform_addons.render(d)}


def _hcl(text: str) -> dict[str, object]:
    return hcl2.loads(text)  # type: ignore[no-any-return]


def _unquoted(value: object) -> object:
    """python-hcl2 keeps the quotes of labels and strings and marks blocks: drop both."""
    if isinstance(value, str):
        return value.strip('"')
    if isinstance(value, dict):
        return {str(_unquoted(k)): _unquoted(v) for k, v in value.items() if not k.startswith("__")}
    if isinstance(value, list):
        return [_unquoted(v) for v in value]
    return value


def _blocks(text: str, kind: str, block_type: str = "resource") -> dict[str, dict[str, object]]:
    """The blocks of one kind (helm_release, ...) or, for modules and outputs, every block."""
    out: dict[str, dict[str, object]] = {}
    for block in _unquoted(_hcl(text)).get(block_type, []):  # type: ignore[attr-defined]
        out.update(block.get(kind, {}) if kind else block)
    return out


def _releases(main: str) -> dict[str, dict[str, object]]:
    return _blocks(main, "helm_release")


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every Kubernetes tier x cloud of two examples, environment roots and add-ons roots together,
    with the Terraform workflow that plans them."""
    root = tmp_path_factory.mktemp("addons")
    for repo in REPOS:
        for tier in KUBERNETES_TIERS:
            for cloud in CLOUDS:
                d = _plan(repo, tier, cloud)
                artifacts = terraform.render(d) + terraform_addons.render(d)
                write_tree(root / f"{repo}-{tier}-{cloud}", {a.path: a.content for a in artifacts})
    workflow = render_terraform(_plan("monorepo", "growth", "aws"))
    write_tree(root, {".github/workflows/terraform.yml": workflow})
    return root


@pytest.mark.parametrize("tier", KUBERNETES_TIERS)
@pytest.mark.parametrize("cloud", CLOUDS)
def test_each_kubernetes_tier_gets_an_addons_root_per_environment(cloud: str, tier: str) -> None:
    files = _files(_plan("monorepo", tier, cloud))
    for env in ("staging", "production"):
        for name in ("main", "providers", "variables", "outputs", "backend", "versions"):
            assert f"terraform/addons/{env}/{name}.tf" in files
        assert f"terraform/addons/{env}/terraform.tfvars" in files
        # the environment's own state key, beside the environment root's
        assert f"{env}-addons" in files[f"terraform/addons/{env}/backend.tf"]
    for name in ("main", "cloud", "variables", "outputs", "versions"):
        assert f"{MODULE}/{name}.tf" in files
    assert "terraform/addons/charts/cluster-config/Chart.yaml" in files


@pytest.mark.parametrize("tier", KUBERNETES_TIERS)
@pytest.mark.parametrize("cloud", CLOUDS)
def test_every_chart_is_pinned_to_an_exact_version(cloud: str, tier: str) -> None:
    files = _files(_plan("monorepo", tier, cloud))
    text = files[f"{MODULE}/main.tf"] + files[f"{MODULE}/cloud.tf"]
    releases = _releases(text)
    wanted = {"external_secrets", "argo_rollouts", "kube_prometheus_stack", "cluster_config"}
    assert wanted <= set(releases)
    for name, body in releases.items():
        assert EXACT.match(str(body["version"])), (name, body["version"])
        if name != "cluster_config":  # the local chart; every other one comes from its repository
            assert str(body["repository"]).startswith("https://"), name
    versions = _unquoted(_hcl(files["terraform/addons/production/versions.tf"]))
    for provider in versions["terraform"][0]["required_providers"][0].values():  # type: ignore[index]
        assert str(provider["version"]).startswith("~> "), provider


def test_eks_installs_the_load_balancer_controller_and_the_cluster_autoscaler() -> None:
    d = _plan("monorepo", "growth", "aws")
    files = _files(d)
    releases = _releases(files[f"{MODULE}/cloud.tf"])
    assert {"aws_load_balancer_controller", "cluster_autoscaler"} <= set(releases)
    cloud = files[f"{MODULE}/cloud.tf"]
    assert "attach_aws_lb_controller_policy = true" in cloud
    assert "cluster_autoscaler_cluster_names = [var.cluster_name]" in cloud
    # the autoscaler keeps within the node group the environment sizes from the design's node_max
    module = {a.path: a.content for a in terraform.render(d)}["terraform/modules/cluster/main.tf"]
    assert re.search(r"max_size\s+= var\.node_max", module)
    assert f'tag = "v{terraform.KUBERNETES_VERSION}.0"' in cloud


@pytest.mark.parametrize("cloud", ("gcp", "azure"))
def test_gke_and_aks_install_no_load_balancer_or_node_autoscaler(cloud: str) -> None:
    files = _files(_plan("monorepo", "growth", cloud))
    releases = _releases(files[f"{MODULE}/main.tf"] + files[f"{MODULE}/cloud.tf"])
    assert not {"aws_load_balancer_controller", "cluster_autoscaler"} & set(releases)
    assert "autoscaling" in files[f"{MODULE}/cloud.tf"]  # it says why


@pytest.mark.parametrize("cloud", CLOUDS)
def test_the_mesh_is_installed_only_when_the_design_has_one(cloud: str) -> None:
    enterprise = _releases(_files(_plan("monorepo", "enterprise", cloud))[f"{MODULE}/main.tf"])
    assert {"istio_base", "istiod", "istio_cni", "istio_ingressgateway"} <= set(enterprise)
    growth = _releases(_files(_plan("monorepo", "growth", cloud))[f"{MODULE}/main.tf"])
    assert not any(name.startswith("istio") for name in growth)


def test_kube_prometheus_stack_is_the_release_the_monitoring_objects_expect() -> None:
    main = _files(_plan("monorepo", "growth", "aws"))[f"{MODULE}/main.tf"]
    release = _releases(main)["kube_prometheus_stack"]
    assert release["name"] == RELEASE["release"]
    assert 'monitoring = { name = "' + CLUSTER_NAMESPACE + '"' in main
    assert "existingSecret" in main  # Grafana's password is generated, never the chart's default


@pytest.mark.parametrize(
    "needs", [{"users": 10}, {"users": 5_000}, {"users": 5_000, "compliance": "hipaa"}], ids=str
)
def test_no_addons_root_without_a_managed_cluster(needs: dict[str, object]) -> None:
    assert terraform_addons.render(design("monorepo", cloud="aws", **needs)) == []  # type: ignore[arg-type]


def test_helm_and_kubernetes_providers_stay_out_of_the_root_that_creates_the_cluster(tree: Path) -> None:
    for path in tree.glob("*/terraform/environments/*/*.tf"):
        text = path.read_text()
        assert not re.search(r'provider "(helm|kubernetes)"|resource "helm_release"', text), path
    assert any(tree.glob("*/terraform/addons/*/providers.tf"))


def test_static_cross_check(tree: Path) -> None:
    folders = sorted(tree.glob("*-*-*"))
    assert len(folders) == len(REPOS) * len(KUBERNETES_TIERS) * len(CLOUDS)
    assert [problem for folder in folders for problem in problems(folder / "terraform")] == []


def test_opsmith_audit_is_clean_at_warning(tree: Path) -> None:
    # with `terraform fmt -check` (TF013) where terraform is installed
    result = audit_tree(tree, Config(settings={"terraform": {"fmt": True}}))
    serious = [(f.rule, f.path, f.message) for f in result.findings if f.severity >= Severity.WARNING]
    assert serious == []


# --------------------------------------------------------------------------- network policies


@pytest.mark.parametrize("tier", KUBERNETES_TIERS)
def test_every_cluster_module_enforces_network_policies(tier: str) -> None:
    modules = {
        cloud: {a.path: a.content for a in terraform.render(_plan("monorepo", tier, cloud))}[
            "terraform/modules/cluster/main.tf"
        ]
        for cloud in CLOUDS
    }
    assert 'configuration_values = jsonencode({ enableNetworkPolicy = "true" })' in modules["aws"]
    assert re.search(r'datapath_provider\s+= "ADVANCED_DATAPATH"', modules["gcp"])
    aks = modules["azure"]
    assert re.search(r'network_policy\s+= "cilium"', aks)
    assert re.search(r'network_data_plane\s+= "cilium"', aks)  # Cilium policy needs Cilium's dataplane
    assert re.search(r'network_plugin\s+= "azure"', aks)


# --------------------------------------------------------------------------- secrets that connect


def _external_secret(d: Design, env: str) -> dict[str, object]:
    k8s = {a.path: a.content for a in kubernetes.render(d, GenerateOptions())}
    overlay = yaml.safe_load(k8s[f"k8s/overlays/{env}/kustomization.yaml"])
    assert kubernetes.EXTERNAL_SECRET in overlay["resources"]
    (doc,) = [x for x in yaml.safe_load_all(k8s[f"k8s/overlays/{env}/{kubernetes.EXTERNAL_SECRET}"]) if x]
    return doc  # type: ignore[no-any-return]


def _secrets_call(main: str) -> dict[str, object]:
    return _blocks(main, "", "module")["secrets"]


@pytest.mark.parametrize("repo", REPOS)
@pytest.mark.parametrize("cloud", CLOUDS)
def test_the_terraform_secret_is_the_one_the_external_secret_reads(cloud: str, repo: str) -> None:
    d = _plan(repo, "growth", cloud)
    tf = {a.path: a.content for a in terraform.render(d)}
    addons = _files(d)
    required, optional = app_secret.secret_keys(d)
    for env in ("staging", "production"):
        external = _external_secret(d, env)
        spec = external["spec"]
        (extract,) = spec["dataFrom"]  # type: ignore[index]
        remote = extract["extract"]["key"]
        assert spec["target"]["name"] == Context(d).secret_name  # type: ignore[index]
        # the name Terraform gives the secret, with the environment root's variables filled in
        call = _secrets_call(tf[f"terraform/environments/{env}/main.tf"])
        name = {"aws": "${var.app}/${var.environment}", "gcp": "${local.name}", "azure": "${local.name}"}[
            cloud
        ]
        assert str(call["secret_name" if cloud == "azure" else "name"]) == name
        assert remote == name.replace("${var.app}", d.app).replace("${var.environment}", env).replace(
            "${local.name}", f"{d.app}-{env}"
        )
        # the store the ExternalSecret names is the one the add-ons root creates
        # (the module names it from the root's app and environment)
        assert spec["secretStoreRef"]["name"] == f"{d.app}-{env}"  # type: ignore[index]
        assert 'name     = "${var.app}-${var.environment}"' in addons[f"{MODULE}/main.tf"]  # type: ignore[index]
        # keys: Terraform's connection URLs are keys the services read; the rest of what they
        # require is what app_secrets is documented to carry
        provided = set(call["names"])  # type: ignore[arg-type]
        stack = terraform._stack(d)
        unused = {b.kind for b in d.backing_services if not b.used_by}
        unread = {k for k, m in stack.secret_sources.items() if terraform._module_kind(stack, m) in unused}
        assert provided - set(required) - set(optional) <= unread
        variables = tf[f"terraform/environments/{env}/variables.tf"]
        for key in set(required) - provided:
            assert key in variables
        assert "app_secrets = var.app_secrets" in re.sub(
            r" +", " ", tf[f"terraform/environments/{env}/main.tf"]
        )


def test_ecs_reads_single_keys_of_the_json_secret() -> None:
    tf = {a.path: a.content for a in terraform.render(design("monorepo", users=5_000, cloud="aws"))}
    outputs = tf["terraform/modules/secrets/outputs.tf"]
    assert '"${aws_secretsmanager_secret.app.arn}:${name}::"' in outputs
    service = tf["terraform/modules/service/main.tf"]
    assert 'trimsuffix(var.secret_arns[env], ":${env}::")' in service  # the policy names the secret
    assert "jsonencode(merge(var.app_secrets, var.values))" in tf["terraform/modules/secrets/main.tf"]


@pytest.mark.parametrize("cloud", ("gcp", "azure"))
def test_per_variable_secrets_only_for_the_platform_that_needs_them(cloud: str) -> None:
    startup = {a.path: a.content for a in terraform.render(design("monorepo", users=5_000, cloud=cloud))}
    growth = {a.path: a.content for a in terraform.render(_plan("monorepo", "growth", cloud))}
    assert re.search(r"per_variable\s+= true", startup["terraform/environments/production/main.tf"])
    assert re.search(r"per_variable\s+= false", growth["terraform/environments/production/main.tf"])


def test_the_config_map_is_taken_by_every_workload() -> None:
    d = _plan("python-django", "growth", "aws")
    k8s = {a.path: a.content for a in kubernetes.render(d, GenerateOptions())}
    config = Context(d).config_name
    workloads = 0
    for service in d.services:
        for doc in yaml.safe_load_all(k8s[f"k8s/base/{service.name}.yaml"]):
            if doc and doc["kind"] in ("Deployment", "Rollout", "StatefulSet", "CronJob"):
                spec = doc["spec"]["jobTemplate"]["spec"] if doc["kind"] == "CronJob" else doc["spec"]
                for container in spec["template"]["spec"]["containers"]:
                    assert {"configMapRef": {"name": config, "optional": True}} in container["envFrom"]
                workloads += 1
    assert workloads == len(d.services)


def test_the_readme_says_the_addons_root_installs_the_add_ons() -> None:
    growth = {
        a.path: a.content for a in kubernetes.render(_plan("monorepo", "growth", "aws"), GenerateOptions())
    }
    readme = growth["k8s/README.md"]
    assert "terraform/addons/<environment>" in readme and "## Cluster add-ons" in readme
    assert "terraform -chdir=terraform/addons/staging apply" in readme
    startup = design("monorepo", users=5_000, cloud="aws")
    own = {a.path: a.content for a in kubernetes.render(startup, GenerateOptions(k8s=True))}["k8s/README.md"]
    assert "## What the cluster must provide" in own
    # and the store the ExternalSecret names is the cluster owner's to create there
    assert "create the ClusterSecretStore `monorepo-<environment>`" in own
    assert "create the ClusterSecretStore" not in readme


def test_outputs_list_every_installed_chart() -> None:
    d = _plan("monorepo", "enterprise", "aws")
    listed = _blocks(_files(d)[f"{MODULE}/outputs.tf"], "", "output")["charts"]
    assert sorted(listed["value"]) == sorted(
        f"{c.chart} {c.version}" for c in terraform_addons.charts(d).values()
    )
    assert json.dumps(listed)  # plain strings


def test_ci_validates_the_addons_roots() -> None:
    workflow = yaml.safe_load(render_terraform(_plan("monorepo", "growth", "gcp")))
    steps = workflow["jobs"]["fmt"]["steps"]
    for env in ("staging", "production"):
        runs = [s["run"] for s in steps if s.get("working-directory") == f"terraform/addons/{env}"]
        assert runs == ["terraform init -backend=false -input=false", "terraform validate -no-color"]
    startup = yaml.safe_load(render_terraform(design("monorepo", users=5_000, cloud="gcp")))
    assert not any("addons" in str(s) for s in startup["jobs"]["fmt"]["steps"])


def test_aks_gets_its_ingress_add_on_where_the_design_chose_application_gateway() -> None:
    growth = {a.path: a.content for a in terraform.render(_plan("monorepo", "growth", "azure"))}
    assert "ingress_application_gateway {" in growth["terraform/modules/cluster/main.tf"]
    assert (
        "gateway_subnet_cidr = cidrsubnet(var.vnet_cidr, 8, 30)"
        in growth["terraform/environments/staging/main.tf"]
    )
    # the enterprise edge is Istio's gateway, installed by the add-ons root instead
    enterprise = {a.path: a.content for a in terraform.render(_plan("monorepo", "enterprise", "azure"))}
    assert "ingress_application_gateway" not in enterprise["terraform/modules/cluster/main.tf"]


@pytest.mark.parametrize("cloud", CLOUDS)
def test_every_regional_cluster_gets_the_add_ons(cloud: str) -> None:
    d = _plan("monorepo", "enterprise", cloud)
    root = _files(d)["terraform/addons/production/main.tf"]
    calls = _blocks(root, "", "module")
    names = regions(d, cloud)
    assert len(names) > 1 and len(calls) == len(names)
    for i, _ in enumerate(names):
        assert calls[f"addons_r{i}"]["providers"]["helm"] == f"${{helm.r{i}}}"  # type: ignore[index]
    providers = _files(d)["terraform/addons/production/providers.tf"]
    # the clusters terraform/environments names `<app>-<environment>-<region suffix>`, per region
    assert providers.count("${local.name}-${local.region_suffix[var.regions[") == len(names)
