"""The cluster add-ons stage: a second Terraform root per environment, `terraform/addons/<env>`,
applied after `terraform/environments/<env>` has created the cluster, and calling
`terraform/addons/modules/cluster` once per cluster (one per region of a multi-region design).

Why a separate root: the helm and kubernetes providers need the cluster's address and credentials
when they are configured, which the root that creates the cluster cannot give them on its first
plan. Here they come from data sources that look each cluster up by its name (`<app>-<env>`, or
`<app>-<env>-<region suffix>` for several regions: the environment root's naming), so the two
roots share no state and can be planned apart. Provider configurations cannot be repeated with
for_each, so the root writes one set per region of the design.

What it installs, each chart at an exact version:
- External Secrets Operator, with the identity that reads the environment's JSON secret (EKS Pod
  Identity, GKE Workload Identity, AKS workload identity) and the ClusterSecretStore the overlays'
  ExternalSecret names (generate/app_secret.py).
- Argo Rollouts (canary and blue-green services are Rollouts).
- kube-prometheus-stack as release `kube-prometheus-stack` in `monitoring`, where
  generate/kubernetes_monitoring.py's rules and dashboards and each service's PodMonitor expect it,
  with Grafana's admin password generated here instead of the chart's well-known default.
- The load balancer: on EKS the AWS Load Balancer Controller (its IAM role through Pod Identity);
  GKE Ingress is part of GKE, and AKS runs Application Gateway through its own add-on (AGIC, set
  in the cluster module), so nothing is installed for them here.
- Autoscaling: on EKS the cluster autoscaler, which finds the managed node group by its tags and
  keeps within its min and max (the design's node_min and node_max); GKE and AKS scale their node
  pools themselves (the autoscaling settings of the cluster module).
- cert-manager and a Let's Encrypt ClusterIssuer where the ingress serves certificates from Secrets.
- The mesh, when the design has one: Istio's base, istiod and CNI charts and its ingress gateway.
  Sidecars with the Istio CNI node agent: the agent sets up each pod's traffic redirection, so the
  app's pods need no NET_ADMIN init container and keep their restricted security context, and
  sidecars keep Istio's metrics merging (Prometheus scrapes one port per pod under STRICT mTLS).
  Ambient mode would drop the sidecars too, but its L7 features need waypoint proxies the canary
  traffic split would depend on; sidecars are the better-trodden path for it today.

The ClusterSecretStore and ClusterIssuer are custom resources whose definitions the charts above
install in the same apply, so they are shipped as a small local chart (terraform/addons/charts/
cluster-config) that Helm applies after those charts, rather than as kubernetes_manifest resources,
which need the definitions to exist when the plan is made.

Only hashicorp/aws is available offline here (see generate/terraform.py); the helm, kubernetes and
random providers and the Pod Identity module cannot be installed, so this root is checked by the
static cross-check, `terraform fmt` and `opsmith audit`, and `terraform validate` runs in CI.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from opsmith.design.model import Design
from opsmith.generate import app_secret, terraform, terraform_regions
from opsmith.generate.artifact import Artifact
from opsmith.generate.hcl_format import align
from opsmith.generate.kubernetes_meta import Context
from opsmith.generate.kubernetes_monitoring import RELEASE
from opsmith.generate.kubernetes_monitoring import wanted as wants_kube_prometheus
from opsmith.generate.kubernetes_network import CLUSTER_ISSUER, edge
from opsmith.generate.monitoring_telemetry import CLUSTER_NAMESPACE
from opsmith.generate.options import KUBERNETES_ORCHESTRATIONS, wants_terraform
from opsmith.generate.templating import render_template
from opsmith.generate.terraform import (
    CLOUD_PROVIDER,
    ENVIRONMENTS,
    HEADER,
    KUBERNETES_VERSION,
    PROVIDERS,
    TERRAFORM_VERSION,
    ProviderPin,
    RootVar,
    Stack,
)
from opsmith.generate.terraform_backend import PLACES, backend_config
from opsmith.generate.terraform_redundancy import regions

GENERATOR = "terraform"
ROOT = "terraform/addons"
MODULE = f"{ROOT}/modules/cluster"
CONFIG_CHART = f"{ROOT}/charts/cluster-config"
CONFIG_CHART_VERSION = "0.1.0"
MESH_NAMESPACE = "istio-system"
ESO_NAMESPACE = "external-secrets"
ESO_ACCOUNT = "external-secrets"

# Providers of this root (helm 2.x: its `kubernetes {}` block; 3.x changed that syntax).
ADDON_PROVIDERS = {
    "helm": ProviderPin("helm", "hashicorp/helm", "2.17"),
    "kubernetes": ProviderPin("kubernetes", "hashicorp/kubernetes", "2.35"),
}
# terraform-aws-modules/eks-pod-identity: 1.12.1 is the last release for aws provider 5.x (2.x
# needs 6.28); its variables were read from the module's source at that tag.
POD_IDENTITY_MODULE_VERSION = "1.12.1"


@dataclass(frozen=True)
class Chart:
    repository: str
    chart: str
    version: str


# Exact chart versions. They were not fetched here (no network to the chart repositories): each is
# a release seen published in 2025 (upstream release notes and dependency-update pull requests),
# chosen so that together they support Kubernetes KUBERNETES_VERSION. Bump them deliberately.
CHARTS: dict[str, Chart] = {
    "external-secrets": Chart("https://charts.external-secrets.io", "external-secrets", "0.19.2"),
    "argo-rollouts": Chart("https://argoproj.github.io/argo-helm", "argo-rollouts", "2.40.1"),
    "kube-prometheus-stack": Chart(
        "https://prometheus-community.github.io/helm-charts", "kube-prometheus-stack", "79.5.0"
    ),
    "cert-manager": Chart("https://charts.jetstack.io", "cert-manager", "v1.17.4"),
    "aws-load-balancer-controller": Chart(
        "https://aws.github.io/eks-charts", "aws-load-balancer-controller", "1.13.0"
    ),
    "cluster-autoscaler": Chart("https://kubernetes.github.io/autoscaler", "cluster-autoscaler", "9.50.0"),
    # Istio 1.26 supports Kubernetes 1.29 to 1.32; base, istiod, cni and gateway move together.
    "istio-base": Chart("https://istio-release.storage.googleapis.com/charts", "base", "1.26.0"),
    "istiod": Chart("https://istio-release.storage.googleapis.com/charts", "istiod", "1.26.0"),
    "istio-cni": Chart("https://istio-release.storage.googleapis.com/charts", "cni", "1.26.0"),
    "istio-gateway": Chart("https://istio-release.storage.googleapis.com/charts", "gateway", "1.26.0"),
}
# The autoscaler's minor must match the cluster's; the chart's default image follows its own.
CLUSTER_AUTOSCALER_IMAGE = f"v{KUBERNETES_VERSION}.0"


def installs_addons(design: Design) -> bool:
    """Whether opsmith's Terraform creates a managed cluster the add-ons root can install into."""
    return (
        wants_terraform(design)
        and design.orchestration.effective in KUBERNETES_ORCHESTRATIONS
        and terraform._stack(design).platform == "cluster"
    )


def apply_commands(design: Design, env: str) -> list[str]:
    """The shell commands that apply an environment's add-ons root, state and region from the
    same variables as its environment root (generate/terraform_backend.py)."""
    cloud = terraform._stack(design).cloud
    place = PLACES[cloud]
    folder = f"{ROOT}/{env}"
    return [
        f"export TF_VAR_{place.region_var}=${place.region_env}",
        f"terraform -chdir={folder} init -input=false {backend_config(cloud)}",
        f"terraform -chdir={folder} apply",
    ]


def mesh(design: Design) -> bool:
    return design.orchestration.effective == "kubernetes-mesh"


def charts(design: Design) -> dict[str, Chart]:
    """The charts an environment's add-ons root installs (the cluster-config chart aside)."""
    stack = terraform._stack(design)
    names = ["external-secrets", "argo-rollouts"]
    if wants_kube_prometheus(design):
        names.append("kube-prometheus-stack")
    if _issuer_class(design) is not None:
        names.append("cert-manager")
    if stack.cloud == "aws":
        names += ["aws-load-balancer-controller", "cluster-autoscaler"]
    if mesh(design):
        names += ["istio-base", "istiod", "istio-cni", "istio-gateway"]
    return {name: CHARTS[name] for name in names}


def _issuer_class(design: Design) -> str | None:
    """The IngressClass a Let's Encrypt HTTP-01 challenge is answered through, when the design's
    ingress serves certificates from Secrets (None: the cloud manages them)."""
    front = edge(Context(design))
    if front.tls == "secret":
        return front.class_name
    if front.tls == "gateway-secret":
        return "istio"
    return None


def render(design: Design) -> list[Artifact]:
    if not installs_addons(design):
        return []
    stack = terraform._stack(design)
    variables = _variables(stack)
    out = _module(stack)
    for env in ENVIRONMENTS:
        folder = f"{ROOT}/{env}"
        values = _values(stack, env)
        files = {f"{name}.tf": _hcl(_template(stack.cloud, name), values) for name in _ROOT_TEMPLATES}
        files["versions.tf"] = _versions(stack)
        files["variables.tf"] = align(terraform._variables_tf(variables))
        files["terraform.tfvars"] = align(terraform._tfvars(stack, variables, env))
        out += [Artifact(f"{folder}/{name}", text, generator=GENERATOR) for name, text in files.items()]
    out += _config_chart()
    return out


def _module(stack: Stack) -> list[Artifact]:
    """modules/cluster: the add-ons of one cluster, shared by every environment and region."""
    values = _values(stack, "production")
    files = {
        "main.tf": _hcl("terraform/addons/module/main.tf.j2", values),
        "cloud.tf": _hcl(f"terraform/{stack.cloud}/addons/module.tf.j2", values),
        "variables.tf": _hcl("terraform/addons/module/variables.tf.j2", values),
        "outputs.tf": _hcl("terraform/addons/module/outputs.tf.j2", values),
        "versions.tf": render_template(
            "terraform/addons/module/versions.tf.j2",
            header=HEADER,
            providers=_providers(stack),
            terraform_version=TERRAFORM_VERSION,
        ),
    }
    return [
        Artifact(f"{MODULE}/{name}", text, generator=GENERATOR, implements=_implements(stack, name))
        for name, text in files.items()
    ]


def _implements(stack: Stack, name: str) -> tuple[str, ...]:
    """The design decisions (generate/decisions.py) a file of the add-ons module builds."""
    if name == "main.tf":
        return ("secrets", "mesh") if mesh(stack.design) else ("secrets",)
    if name == "cloud.tf":
        # EKS's node autoscaling is the cluster autoscaler installed here
        return ("secrets", "autoscaling") if stack.cloud == "aws" else ("secrets",)
    return ()


@dataclass(frozen=True)
class Cluster:
    """One cluster of an environment as the add-ons root reaches it."""

    key: str  # provider alias and data source name
    module: str  # module call
    title: str
    region: str  # HCL expression
    name: str  # HCL expression


def clusters(stack: Stack) -> list[Cluster]:
    """The environment's clusters: one, or one per region of a multi-region design, named as
    terraform/environments names them (terraform_regions)."""
    place = PLACES[stack.cloud].region_var
    if not terraform_regions.multi_region(stack):
        return [Cluster("main", "addons", "The environment's cluster", f"var.{place}", "local.name")]
    return [
        Cluster(
            f"r{i}",
            f"addons_r{i}",
            f"The cluster of region {i} ({region} in the design{', the primary' if i == 0 else ''})",
            f"var.regions[{i}]",
            f'"${{local.name}}-${{local.region_suffix[var.regions[{i}]]}}"',
        )
        for i, region in enumerate(regions(stack.design, stack.cloud))
    ]


_ROOT_TEMPLATES = ("main", "providers", "outputs", "backend")


def _template(cloud: str, name: str) -> str:
    shared = {"main", "outputs"}  # the rest differs per cloud
    return f"terraform/addons/{name}.tf.j2" if name in shared else f"terraform/{cloud}/addons/{name}.tf.j2"


def _providers(stack: Stack) -> list[ProviderPin]:
    return [
        PROVIDERS[CLOUD_PROVIDER[stack.cloud]],
        ADDON_PROVIDERS["helm"],
        ADDON_PROVIDERS["kubernetes"],
        PROVIDERS["random"],
    ]


def _hcl(template: str, values: dict[str, Any]) -> str:
    return align(render_template(template, **values)).rstrip("\n") + "\n"


def _variables(stack: Stack) -> list[RootVar]:
    """The environment root's identity variables (app, environment, owner, and where: region,
    project or location, and the regions of a multi-region design), with the same values, so both
    roots name the same clusters."""
    wanted = {"app", "environment", "owner", "region", "project_id", "location", "regions"}
    variables = terraform._common_vars(stack)
    variables += terraform_regions.root_variables(stack, RootVar, {v.name for v in variables})
    return [v for v in variables if v.name in wanted]


def _versions(stack: Stack) -> str:
    pins = _providers(stack)
    return render_template(
        "terraform/versions.tf.j2",
        header=HEADER,
        providers=[{"name": p.name, "source": p.source, "constraint": f"~> {p.minor}"} for p in pins],
        terraform_version=f"~> {TERRAFORM_VERSION}",
    )


# What the External Secrets release waits for: its identity, so its first reads succeed.
_ESO_IDENTITY = {
    "aws": ("module.external_secrets_identity",),
    "gcp": (
        "google_service_account_iam_member.external_secrets",
        "google_secret_manager_secret_iam_member.external_secrets",
    ),
    "azure": (
        "azurerm_federated_identity_credential.external_secrets",
        "azurerm_role_assignment.external_secrets",
    ),
}


def _values(stack: Stack, env: str) -> dict[str, Any]:
    """The environment root's template values (names, state storage) and the add-ons'."""
    design = stack.design
    chosen = charts(design)
    return {
        **terraform._values(stack, env),
        "charts": chosen,
        "clusters": clusters(stack),
        "eso_depends": ", ".join(_ESO_IDENTITY[stack.cloud]),
        "mesh": mesh(design),
        "monitoring": "kube-prometheus-stack" in chosen,
        "monitoring_namespace": CLUSTER_NAMESPACE,
        "monitoring_release": RELEASE["release"],
        "cert_manager": "cert-manager" in chosen,
        "issuer": CLUSTER_ISSUER,
        "issuer_class": _issuer_class(design) or "",
        "eso_namespace": ESO_NAMESPACE,
        "eso_account": ESO_ACCOUNT,
        "mesh_namespace": MESH_NAMESPACE,
        "pod_identity_version": POD_IDENTITY_MODULE_VERSION,
        "autoscaler_image": CLUSTER_AUTOSCALER_IMAGE,
        "config_chart_version": CONFIG_CHART_VERSION,
    }


def _config_chart() -> list[Artifact]:
    """The local chart with the cluster-wide custom resources (one copy for both environments)."""
    files = {
        "Chart.yaml": render_template("terraform/addons/chart/Chart.yaml.j2", version=CONFIG_CHART_VERSION),
        "values.yaml": render_template("terraform/addons/chart/values.yaml.j2"),
        "templates/cluster-secret-store.yaml": render_template(
            "terraform/addons/chart/cluster-secret-store.yaml.j2", api=app_secret.ESO_API
        ),
        "templates/cluster-issuer.yaml": render_template("terraform/addons/chart/cluster-issuer.yaml.j2"),
    }
    return [Artifact(f"{CONFIG_CHART}/{name}", text, generator=GENERATOR) for name, text in files.items()]
