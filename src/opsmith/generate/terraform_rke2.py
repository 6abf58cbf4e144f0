"""Self-managed Kubernetes at the compliance tier: RKE2 on the `servers` module, built whole by
Terraform and first-boot scripts, and the deploy runner that reaches its private API.

Why RKE2 rather than kubeadm: it is hardened by default (`profile: cis` applies the CIS
Kubernetes Benchmark settings and refuses to start on a host that misses them, Secrets are
encrypted in etcd, its Go binaries use a FIPS 140-2 validated crypto module) and it ships what a
bare kubeadm cluster lacks: a network plugin that enforces NetworkPolicies (Canal: Calico's
policy engine over Flannel), and a Helm controller that installs the ingress controller and
cert-manager from manifests the servers write at boot. Nobody runs `kubeadm init` or `join`:
the first control-plane server starts the cluster, the others and the workers join through the
private API load balancer with a token Terraform puts in the cloud's secret store.

What the environment root gets (module `rke2` per cloud): the join token and the deploy runner's
credential in the secret store, a private load balancer for the API (6443) and RKE2's join
endpoint (9345), a public one sending 80 and 443 to ingress-nginx's node ports on the workers
(TLS passes through to ingress-nginx and cert-manager's certificates), and the DNS record of
the application. The deploy runner is one more `servers` instance in the private network with a
GitHub Actions runner; deploy jobs run there (workflow_platforms.deploy_runner).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from opsmith.design.model import Design
from opsmith.generate import app_secret
from opsmith.generate.artifact import Artifact, safe_name
from opsmith.generate.kubernetes_monitoring import RELEASE
from opsmith.generate.kubernetes_monitoring import wanted as wants_kube_prometheus
from opsmith.generate.kubernetes_network import CLUSTER_ISSUER
from opsmith.generate.monitoring_telemetry import CLUSTER_NAMESPACE
from opsmith.generate.options import KUBERNETES_ORCHESTRATIONS, cloud_of, wants_terraform
from opsmith.generate.templating import render_template

if TYPE_CHECKING:
    from opsmith.generate.terraform import RootVar, Stack

# Versions opsmith was written against; none was fetched here. RKE2 v1.32.3+rke2r1 is Kubernetes
# 1.32 (KUBERNETES_VERSION); ingress-nginx 4.12.1 (early 2025) fixes CVE-2025-1974. The other
# charts are terraform_addons.CHARTS, the managed tiers' versions. The runner's SHA-256 is the one
# its release notes publish.
RKE2_VERSION = "v1.32.3+rke2r1"
INGRESS_NGINX_CHART = "4.12.1"
RUNNER_TOOLS = {
    "runner": "2.323.0",
    "runner_sha256": "0dbc9bf5a58620fc52cb6cc0448abcca964a8d74b5f39773b7afcad9ab691e19",
    "kustomize": "v5.6.0",
    "yq": "v4.45.1",
}
# ingress-nginx's NodePorts on the workers, where the public load balancer sends 80 and 443.
NODE_PORTS = {"http": 30080, "https": 30443}
# Google's passthrough network load balancer cannot change the port: there ingress-nginx listens
# on the workers' own ports 80 and 443.
HOST_PORT_CLOUDS = frozenset({"gcp"})
SECRET_STORES = {"aws": "AWS Secrets Manager", "gcp": "Secret Manager", "azure": "Key Vault"}
# What External Secrets signs in as on the nodes: no credential in the cluster, the node's own.
NODE_IDENTITIES = {
    "aws": "the instance profile's role",
    "gcp": "the node's service account",
    "azure": "the VM's managed identity",
}
# First-boot scripts and the design decisions (generate/decisions.py) each carries out.
USER_DATA = {
    "rke2-server": ("platform", "orchestration", "network-policy"),
    "rke2-agent": ("platform", "orchestration"),
    "github-runner": ("platform",),  # the deploy path to the private API
}
_RUNNER_SIZE = {
    "aws": ("runner_instance_type", "m6i.large"),  # burstable types cannot run on dedicated hosts
    "gcp": ("runner_machine_type", "n2-standard-2"),
    "azure": ("runner_vm_size", "Standard_D2s_v5"),
}


def is_rke2(stack: Stack) -> bool:
    return stack.platform == "nodes"


def installs_addons(design: Design) -> bool:
    """Whether opsmith's Terraform creates an RKE2 cluster, whose servers install the cluster
    add-ons at first boot (the managed tiers' add-ons root does not apply to it)."""
    from opsmith.generate import terraform  # which imports this module

    return (
        wants_terraform(design)
        and design.orchestration.effective in KUBERNETES_ORCHESTRATIONS
        and is_rke2(terraform._stack(design))
    )


def runner_label(design: Design, environment: str) -> str:
    """The label the environment's runner registers with, and deploy jobs ask for."""
    return f"{safe_name(design.app)}-{environment}"


def template_values(stack: Stack) -> dict[str, Any]:
    """What the rke2 module and the environment roots' templates read."""
    return {"node_ports": NODE_PORTS, "rke2_vault_name": vault_name(stack.design.app)}


def vault_name(app: str) -> str:
    """Azure: the rke2 module's own Key Vault (3-24 characters); the environment is appended by
    Terraform from the short names below."""
    return safe_name(app)[:14].strip("-") or "app"


def root_vars(stack: Stack, same: Any) -> list[RootVar]:
    """Variables of the RKE2 roots beyond the servers' sizes: the runner's size, the public host
    name and its zone, and the address Let's Encrypt writes to."""
    from opsmith.generate.terraform import RootVar  # this module builds on terraform.py's types

    name, size = _RUNNER_SIZE[stack.cloud]
    zone = _zone(stack.design)
    return [
        RootVar(name, "string", "Size of the deploy runner (single-tenant like the cluster).", same(size)),
        RootVar(
            "acme_email",
            "string",
            "Address Let's Encrypt sends certificate notices to (cert-manager's ACME account).",
            same(f"platform@{zone}"),
            note="an address of the team that owns the certificates",
        ),
    ]


def _zone(design: Design) -> str:
    domain = design.networking.domain or f"{design.app}.example.com"
    return ".".join(domain.split(".")[-2:])


def user_data(stack: Stack, root: str, generator: str, kubernetes_version: str) -> list[Artifact]:
    """The servers', workers' and runner's first-boot scripts; Terraform's templatefile fills in
    the addresses and secret names."""
    values = {
        **_addon_values(stack),
        "app": stack.design.app,
        "cloud": stack.cloud,
        "secret_store": SECRET_STORES[stack.cloud],
        "rke2_version": RKE2_VERSION,
        "kubernetes_version": kubernetes_version,
        "ingress_nginx_chart": INGRESS_NGINX_CHART,
        "cluster_issuer": CLUSTER_ISSUER,
        "node_ports": NODE_PORTS,
        "ingress_host_ports": stack.cloud in HOST_PORT_CLOUDS,
        "tools": RUNNER_TOOLS,
    }
    return [
        Artifact(
            f"{root}/modules/servers/user-data/{name}.sh",
            render_template(f"terraform/user-data/{name}.sh.j2", **values),
            executable=True,
            generator=generator,
            implements=decisions,
        )
        for name, decisions in USER_DATA.items()
    ]


def _addon_values(stack: Stack) -> dict[str, Any]:
    """What the servers' add-on manifests read: the managed tiers' charts and names, so both
    tiers run the same versions and the generated manifests find the same objects."""
    # terraform_addons builds on terraform.py, which imports this module: import it late.
    from opsmith.generate import terraform_addons

    return {
        "charts": terraform_addons.CHARTS,
        "cert_manager_chart": terraform_addons.CHARTS["cert-manager"].version,
        "eso_api": app_secret.ESO_API,
        "eso_namespace": terraform_addons.ESO_NAMESPACE,
        "eso_account": terraform_addons.ESO_ACCOUNT,
        "app_secret": has_app_secret(stack),
        "node_identity": NODE_IDENTITIES[stack.cloud],
        "monitoring": wants_kube_prometheus(stack.design),
        "monitoring_namespace": CLUSTER_NAMESPACE,
        "monitoring_release": RELEASE["release"],
    }


def has_app_secret(stack: Stack) -> bool:
    """Whether the environment root stores the application's JSON secret (module `secrets`),
    which External Secrets reads with the workers' identity."""
    return "secrets" in stack.modules


def compliance_steps(design: Design) -> list[str]:
    """What a person does by hand between the first apply and the first deploy of a design on
    self-managed Kubernetes, each step with its exact commands (docs/bootstrap.md lists them);
    empty for any other platform."""
    if design.platform.effective != "self-managed-kubernetes" or cloud_of(design) not in SECRET_STORES:
        return []
    cloud = cloud_of(design)
    environments: list[str] = [e.name for e in design.environments]
    labels = ", ".join(f"`{runner_label(design, env)}`" for env in environments)
    return [
        "Create a fine-grained GitHub token for this repository with the Administration permission"
        " (read and write): each environment's deploy runner trades it for a registration token"
        f" before every job. Store it with the repository's name in {SECRET_STORES[cloud]}, where"
        " the runners read it (the token is typed, never echoed or written to history):\n"
        + _store_runner_secret(cloud, environments),
        f"Wait until the runners show as idle under Settings > Actions > Runners, labelled {labels};"
        " deploy jobs wait for them.",
        "In each environment, create the deploy identity in the cluster on a control-plane server"
        " and store its kubeconfig as the `KUBECONFIG` secret of the GitHub environment. The"
        " kubeconfig names the private API load balancer, which only the runner can reach.\n"
        + _deploy_kubeconfig(cloud, environments),
        "Nothing to point by hand at the public address: Terraform wrote the domain's DNS record,"
        " and cert-manager asks Let's Encrypt for the certificate when the first Ingress is deployed.",
    ]


# RKE2's own kubectl, and with the admin kubeconfig (readable by root only).
_KUBECTL = "sudo /var/lib/rancher/rke2/bin/kubectl"
_ADMIN = f"{_KUBECTL} --kubeconfig /etc/rancher/rke2/rke2.yaml"


def _output(env: str, what: str) -> str:
    return f"terraform -chdir=terraform/environments/{env} output {what}"


def _store_runner_secret(cloud: str, environments: list[str]) -> str:
    puts = ""
    for env in environments:
        if cloud == "aws":
            secret = _output(env, "-raw runner_secret")
            puts += f'aws secretsmanager put-secret-value --secret-id "$({secret})" \\\n'
            puts += "  --secret-string file://runner.json\n"
        elif cloud == "gcp":
            secret = _output(env, "-raw runner_secret")
            puts += f'gcloud secrets versions add "$({secret})" --data-file=runner.json\n'
        else:
            puts += f'az keyvault secret set --vault-name "$({_output(env, "-raw runner_vault")})" \\\n'
            puts += "  --name github-runner --file runner.json\n"
    return (
        "```sh\n"
        "GITHUB_REPOSITORY=OWNER/NAME\n"
        "read -rs GITHUB_TOKEN\n"
        "umask 077\n"
        'printf \'{"repository": "%s", "token": "%s"}\' "$GITHUB_REPOSITORY" "$GITHUB_TOKEN" > runner.json\n'
        f"{puts}"
        "rm runner.json\n"
        "```"
    )


def _deploy_kubeconfig(cloud: str, environments: list[str]) -> str:
    first = "| jq -r '.[0]'"
    local = ""
    for env in environments:
        if cloud == "aws":
            target = _output(env, "-json control_plane_instance_ids")
            shell = f'aws ssm start-session --target "$({target} {first})"'
        elif cloud == "gcp":
            target = _output(env, "-json control_plane_names")
            shell = f'gcloud compute ssh "$({target} {first})" --tunnel-through-iap'
        else:  # from a host in admin_cidrs (a VPN or an office): the servers have private addresses only
            shell = f'ssh azureuser@"$({_output(env, "-json control_plane_ips")} {first})"'
        local += (
            f"{env.capitalize()}: note the API address, open a shell on a control-plane server, run the"
            " commands below there, and paste what they print into the environment's secret.\n"
            f"```sh\n{_output(env, '-raw api_host')}\n{shell}\n"
            f"gh secret set KUBECONFIG --env {env}\n```\n"
        )
    return (
        local + "On the server (`API_HOST` is the address noted above):\n"
        "```sh\n"
        "API_HOST=10.0.0.10\n"
        f"{_ADMIN} -n kube-system create serviceaccount deploy\n"
        f"{_ADMIN} create clusterrolebinding deploy --clusterrole=cluster-admin \\\n"
        "  --serviceaccount=kube-system:deploy\n"
        f"{_KUBECTL} config --kubeconfig deploy.kubeconfig set-cluster rke2 \\\n"
        '  --server="https://$API_HOST:6443" --embed-certs \\\n'
        "  --certificate-authority=/var/lib/rancher/rke2/server/tls/server-ca.crt\n"
        f"{_KUBECTL} config --kubeconfig deploy.kubeconfig set-credentials deploy \\\n"
        f'  --token="$({_ADMIN} -n kube-system create token deploy --duration=8760h)"\n'
        f"{_KUBECTL} config --kubeconfig deploy.kubeconfig set-context deploy --cluster=rke2 --user=deploy\n"
        f"{_KUBECTL} config --kubeconfig deploy.kubeconfig use-context deploy\n"
        "sudo base64 -w0 deploy.kubeconfig\n"
        "sudo rm deploy.kubeconfig\n"
        "```\n"
        "cluster-admin lets the first deploy create the application's namespaces; bind a narrower"
        " role to them afterwards."
    )
