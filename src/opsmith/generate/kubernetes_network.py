"""How traffic reaches the services and what they may reach: Ingress with TLS per web service (for
the design's load balancer and certificate choice) and NetworkPolicies (deny by default, then
what each service needs).

The policies stay simple on purpose, so they hold on every CNI: ports are opened to exactly the
peers that need them, and peers outside the cluster (managed databases, cloud APIs, load
balancers that send from their own addresses) are matched by address block rather than guessed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from opsmith.design.model import Service
from opsmith.generate.kubernetes_meta import (
    COMPONENT,
    NAME,
    PART_OF,
    Context,
    Doc,
    metadata,
    name,
    obj,
    pod_labels,
    selector,
)
from opsmith.generate.options import cloud_of

NETWORKING_API = "networking.k8s.io/v1"
METADATA_NAME = "kubernetes.io/metadata.name"  # every namespace carries it (Kubernetes 1.21+)
PRIVATE_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
# Google's front ends and health checkers: where a GKE Ingress load balancer connects from.
GOOGLE_LB_RANGES = ("130.211.0.0/22", "35.191.0.0/16")
CLUSTER_ISSUER = "letsencrypt"
# Ports of each backing service, plain and TLS (Azure Cache for Redis 6380, AMQPS 5671, Kafka TLS,
# SASL and IAM listeners); object storage is HTTPS, or MinIO's 9000 in a cluster.
BACKING_PORTS: dict[str, tuple[int, ...]] = {
    "postgresql": (5432,),
    "mysql": (3306,),
    "mongodb": (27017,),
    "redis": (6379, 6380),
    "rabbitmq": (5672, 5671),
    "kafka": (9092, 9093, 9094, 9096, 9098),
    "s3": (443, 9000),
}
OTLP_PORTS = (4317, 4318)

TlsMode = Literal["secret", "hosts", "managed-certificate", "gateway-secret"]


@dataclass(frozen=True)
class Edge:
    """The ingress controller in front of the web services."""

    title: str
    class_name: str | None  # spec.ingressClassName (None: GKE, which reads an annotation)
    tls: TlsMode
    sources: tuple[dict[str, Any], ...]  # NetworkPolicy peers the controller's traffic comes from
    annotations: dict[str, str] = field(default_factory=dict)
    service_annotations: dict[str, str] = field(default_factory=dict)  # on the Ingress's backends


def _namespaces(*names: str) -> dict[str, Any]:
    values = list(names)
    return {
        "namespaceSelector": {
            "matchExpressions": [{"key": METADATA_NAME, "operator": "In", "values": values}]
        }
    }


def _blocks(cidrs: Sequence[str]) -> tuple[dict[str, Any], ...]:
    return tuple({"ipBlock": {"cidr": cidr}} for cidr in cidrs)


_NGINX = Edge(
    "ingress-nginx",
    "nginx",
    "secret",
    (_namespaces("ingress-nginx"),),
    {"cert-manager.io/cluster-issuer": CLUSTER_ISSUER},
)
_EDGES: dict[str, Edge] = {
    "ingress-nginx": _NGINX,
    # The AWS Load Balancer Controller finds the ACM certificate for the hosts under `tls`; the ALB
    # sends to pod IPs (target-type ip) from its own addresses inside the VPC.
    "aws-alb": Edge(
        "the AWS Load Balancer Controller (ALB)",
        "alb",
        "hosts",
        _blocks(PRIVATE_RANGES),
        {
            "alb.ingress.kubernetes.io/scheme": "internet-facing",
            "alb.ingress.kubernetes.io/target-type": "ip",
            "alb.ingress.kubernetes.io/listen-ports": '[{"HTTP": 80}, {"HTTPS": 443}]',
            "alb.ingress.kubernetes.io/ssl-redirect": "443",
        },
    ),
    # GKE Ingress: a Google-managed certificate (ManagedCertificate), HTTPS only, sending straight
    # to the pods through network endpoint groups (not the default once network policy is enforced).
    "gcp-https-lb": Edge(
        "GKE Ingress (Google Cloud HTTPS load balancer)",
        None,
        "managed-certificate",
        _blocks(GOOGLE_LB_RANGES),
        {"kubernetes.io/ingress.class": "gce", "kubernetes.io/ingress.allow-http": "false"},
        {"cloud.google.com/neg": '{"ingress": true}'},
    ),
    # Application Gateway sends from its own subnet in the VNet; cert-manager issues the certificate.
    "azure-app-gateway": Edge(
        "the Application Gateway Ingress Controller",
        "azure-application-gateway",
        "secret",
        _blocks(PRIVATE_RANGES),
        {
            "cert-manager.io/cluster-issuer": CLUSTER_ISSUER,
            "appgw.ingress.kubernetes.io/ssl-redirect": "true",
        },
    ),
    # Istio serves an Ingress's certificate from a Secret in the gateway's own namespace.
    "istio-gateway": Edge(
        "the Istio ingress gateway",
        "istio",
        "gateway-secret",
        (_namespaces("istio-system", "istio-ingress"),),
    ),
}


def edge(ctx: Context) -> Edge:
    """The design's load balancer as an ingress controller; one that is not a Kubernetes ingress
    (HAProxy on a server, a platform's edge) is replaced by ingress-nginx."""
    return _EDGES.get(ctx.design.networking.load_balancer.effective, _NGINX)


def edge_key(ctx: Context) -> str:
    """The design's load balancer as it runs in front of the cluster (ingress-nginx for one that
    is not a Kubernetes ingress)."""
    chosen = ctx.design.networking.load_balancer.effective
    return chosen if chosen in _EDGES else "ingress-nginx"


def domain(ctx: Context) -> str:
    chosen = ctx.design.networking.domain
    return chosen.strip().strip(".").lower() if chosen and chosen.strip(".") else f"{ctx.app}.example.com"


def host(ctx: Context, service: Service, environment: str) -> str:
    """`<domain>` for a single web service, `<service>.<domain>` for several; staging one level
    down (`staging.<domain>`), so both environments can share a cluster and a DNS zone."""
    base = domain(ctx)
    if environment != "production":
        base = f"{environment}.{base}"
    return base if len(ctx.web()) == 1 else f"{name(service)}.{base}"


def certificate_name(ctx: Context, service: Service, environment: str = "production") -> str:
    """The certificate's Secret (or ManagedCertificate). Istio reads it from its own namespace,
    shared by every application and environment, so there the name says whose it is."""
    if edge(ctx).tls == "gateway-secret":
        return f"{ctx.namespace(environment)}-{name(service)}-tls"
    return f"{name(service)}-tls"


def ingress(ctx: Context, service: Service) -> list[Doc]:
    front = edge(ctx)
    where = host(ctx, service, "production")
    annotations = dict(front.annotations)
    health = service.health_path or "/"
    if front.class_name == "alb":
        annotations["alb.ingress.kubernetes.io/healthcheck-path"] = health
    elif front.class_name == "azure-application-gateway":
        annotations["appgw.ingress.kubernetes.io/health-probe-path"] = health
    elif front.tls == "managed-certificate":
        # GKE terminates TLS with this ManagedCertificate (spec.tls cannot name one).
        annotations["networking.gke.io/managed-certificates"] = certificate_name(ctx, service)
    spec: dict[str, Any] = {}
    if front.class_name:
        spec["ingressClassName"] = front.class_name
    if front.tls in ("secret", "gateway-secret"):
        spec["tls"] = [{"hosts": [where], "secretName": certificate_name(ctx, service)}]
    elif front.tls == "hosts":
        spec["tls"] = [{"hosts": [where]}]
    spec["rules"] = [
        {
            "host": where,
            "http": {
                "paths": [
                    {
                        "path": "/",
                        "pathType": "Prefix",
                        "backend": {"service": {"name": name(service), "port": {"name": "http"}}},
                    }
                ]
            },
        }
    ]
    placeholder = (
        ""
        if ctx.design.networking.domain
        else f"\n\nThe design names no domain: replace {domain(ctx)} (here and in the overlays) with yours."
    )
    tls_note = {
        "secret": f"cert-manager issues its certificate (ClusterIssuer `{CLUSTER_ISSUER}`) into Secret "
        f"{certificate_name(ctx, service)}.",
        "hosts": "The ALB serves the ACM certificate that covers this host (found by host name).",
        "managed-certificate": "Google issues and renews its certificate (ManagedCertificate below).",
        "gateway-secret": f"Istio serves the certificate in Secret {certificate_name(ctx, service)} of the "
        "gateway's namespace (see k8s/README.md).",
    }[front.tls]
    why = f"HTTPS entry to {name(service)} through {front.title}. {tls_note}{placeholder}"
    docs: list[Doc] = [
        (
            why,
            obj(
                NETWORKING_API,
                "Ingress",
                metadata(name(service), pod_labels(ctx, service), annotations),
                spec=spec,
            ),
        )
    ]
    if front.tls == "managed-certificate":
        docs.append(
            (
                f"The Google-managed certificate for {where}; it turns Active once DNS points at the\n"
                "load balancer.",
                obj(
                    "networking.gke.io/v1",
                    "ManagedCertificate",
                    metadata(certificate_name(ctx, service), pod_labels(ctx, service)),
                    spec={"domains": [where]},
                ),
            )
        )
    return docs


def host_patches(ctx: Context, service: Service, environment: str) -> list[dict[str, Any]]:
    """JSON patches (for an overlay) that move a web service's Ingress to the environment's host."""
    where = host(ctx, service, environment)
    front = edge(ctx)
    ops = [{"op": "replace", "path": "/spec/rules/0/host", "value": where}]
    if front.tls != "managed-certificate":
        ops.append({"op": "replace", "path": "/spec/tls/0/hosts/0", "value": where})
    if front.tls == "gateway-secret":
        secret = certificate_name(ctx, service, environment)
        ops.append({"op": "replace", "path": "/spec/tls/0/secretName", "value": secret})
    patches = [{"target": {"kind": "Ingress", "name": name(service)}, "ops": ops}]
    if front.tls == "managed-certificate":
        patches.append(
            {
                "target": {"kind": "ManagedCertificate", "name": certificate_name(ctx, service)},
                "ops": [{"op": "replace", "path": "/spec/domains/0", "value": where}],
            }
        )
    return patches


# NetworkPolicies --------------------------------------------------------------------------------


def shared_policies(ctx: Context) -> list[Doc]:
    everyone: dict[str, Any] = {}
    labels = {NAME: ctx.app, PART_OF: ctx.app, COMPONENT: "network"}
    deny = obj(
        NETWORKING_API,
        "NetworkPolicy",
        metadata("default-deny", labels),
        spec={"podSelector": everyone, "policyTypes": ["Ingress", "Egress"]},
    )
    dns = obj(
        NETWORKING_API,
        "NetworkPolicy",
        metadata("allow-dns", labels),
        spec={
            "podSelector": everyone,
            "policyTypes": ["Egress"],
            "egress": [{"ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}],
        },
    )
    return [
        (
            "Nothing reaches the pods and the pods reach nothing, unless a policy below allows it.",
            deny,
        ),
        (
            "Name resolution for every pod. Port 53 to any address, so that it also works with a\n"
            "node-local DNS cache (GKE Autopilot and others answer from a link-local address).",
            dns,
        ),
    ]


def _monitoring_namespaces(ctx: Context) -> tuple[str, ...]:
    metrics = ctx.design.observability.metrics.effective
    if metrics == "managed-prometheus":
        return {"gcp": ("gmp-system",), "azure": ("kube-system",)}.get(cloud_of(ctx.design), ("monitoring",))
    return ("monitoring",)


def service_policy(ctx: Context, service: Service) -> Doc:
    others_web = [s for s in ctx.web() if s.name != service.name and s.port is not None]
    spec: dict[str, Any] = {"podSelector": {"matchLabels": selector(ctx, service)}}
    notes = []
    if service.kind == "web" and service.port is not None:
        port = [{"protocol": "TCP", "port": service.port}]
        front = edge(ctx)
        sources: list[dict[str, Any]] = [*front.sources, _namespaces(*_monitoring_namespaces(ctx))]
        if len(ctx.design.services) > 1:
            sources.append({"podSelector": {"matchLabels": {PART_OF: ctx.app}}})
        spec["ingress"] = [{"from": sources, "ports": port}]
        notes.append(
            f"In: port {service.port} from {front.title}, from Prometheus (metrics)"
            + (" and from the app's other services." if len(ctx.design.services) > 1 else ".")
        )
    metrics = service.metrics
    if metrics is not None and metrics.exports and metrics.port and metrics.port != service.port:
        scrape = {"from": [_namespaces(*_monitoring_namespaces(ctx))], "ports": [{"port": metrics.port}]}
        spec.setdefault("ingress", []).append(scrape)
        notes.append(f"In: port {metrics.port} (metrics) from Prometheus.")
    ports = [443]
    for kind in service.uses:
        ports.extend(BACKING_PORTS.get(kind, ()))
    traced = ctx.design.observability.traces.effective != "none"
    if traced:
        ports.extend(OTLP_PORTS)
    outside = [{"ipBlock": {"cidr": "0.0.0.0/0"}}, {"namespaceSelector": {}}]
    egress: list[dict[str, Any]] = [
        {"to": outside, "ports": [{"protocol": "TCP", "port": p} for p in sorted(set(ports))]}
    ]
    uses = ", ".join(service.uses)
    notes.append(
        "Out: HTTPS (cloud and third-party APIs)"
        + (f", the ports of {uses} (managed services live outside the cluster, by address)" if uses else "")
        + (", OTLP to the tracing collector" if traced else "")
        + "."
    )
    if others_web:
        web_ports = sorted({s.port for s in others_web if s.port is not None})
        egress.append(
            {
                "to": [{"podSelector": {"matchLabels": {PART_OF: ctx.app, COMPONENT: "web"}}}],
                "ports": [{"protocol": "TCP", "port": p} for p in web_ports],
            }
        )
        notes.append("Out: the HTTP ports of the app's other web services.")
    spec["egress"] = egress
    spec["policyTypes"] = ["Ingress", "Egress"] if "ingress" in spec else ["Egress"]
    body = obj(NETWORKING_API, "NetworkPolicy", metadata(name(service), pod_labels(ctx, service)), spec=spec)
    return f"What {name(service)} needs on the network, nothing more.\n" + "\n".join(notes), body
