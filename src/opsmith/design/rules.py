"""The choices below the table's row, as data: each value with the reason a design cites. Keyed by
tier and cloud; `rule` strings name the entry so a reviewer can find it here."""

from __future__ import annotations

from opsmith.design.table import Cloud, Orchestration, Platform, Tier

VM_PLATFORMS: dict[Cloud, Platform] = {"aws": "aws-ec2", "gcp": "gcp-compute-engine", "azure": "azure-vm"}
K8S_PLATFORMS: dict[Cloud, Platform] = {"aws": "aws-eks", "gcp": "gcp-gke", "azure": "azure-aks"}
SERVERLESS: dict[Cloud, tuple[Platform, Orchestration]] = {
    "aws": ("aws-ecs-fargate", "ecs"),
    "gcp": ("gcp-cloud-run", "cloud-run"),
    "azure": ("azure-container-apps", "container-apps"),
}
PLATFORM_TEXT: dict[str, str] = {
    "railway": (
        "Railway builds and runs each service from this repository's Dockerfile at the deployed commit "
        "(`railway up`); CI scans an image built from the same commit and Dockerfile, but what runs is "
        "Railway's own build: its CLI uploads a folder, and running a registry image instead means "
        "switching the service's source through Railway's API, with registry credentials for a private "
        "GHCR image"
    ),
    "fly": "Fly.io runs each service as Fly Machines behind its own proxy, close to users",
    "aws-ec2": "one EC2 instance runs the compose stack",
    "gcp-compute-engine": "one Compute Engine VM runs the compose stack",
    "azure-vm": "one Azure VM runs the compose stack",
    "aws-ecs-fargate": "ECS on Fargate runs tasks without servers to manage, behind an ALB",
    "gcp-cloud-run": "Cloud Run runs containers per request with revisions and traffic splitting",
    "azure-container-apps": "Azure Container Apps is the Azure equivalent of the row's ECS/Cloud Run",
    "aws-eks": "EKS: managed Kubernetes control plane, node groups over three zones",
    "gcp-gke": "GKE: managed Kubernetes, regional cluster over three zones",
    "azure-aks": "AKS: managed Kubernetes, node pools over availability zones",
    "self-managed-kubernetes": (
        "Kubernetes you run on dedicated (single-tenant) hosts in a private network: RKE2, hardened by"
        " default (CIS profile, Secrets encrypted in etcd, FIPS 140-2 validated crypto in its"
        " binaries) with Canal enforcing NetworkPolicies, installed and joined at first boot, its API"
        " reachable only inside the network, where deploys run on a self-hosted runner"
    ),
}

REGISTRY: dict[Cloud, tuple[str, str]] = {
    "aws": ("ecr", "ECR sits next to the runtime: IAM pulls, image scanning, no extra credentials"),
    "gcp": ("artifact-registry", "Artifact Registry: IAM pulls from Cloud Run/GKE, vulnerability scanning"),
    "azure": ("acr", "ACR: managed identity pulls, geo-replication when regions grow"),
    "fly": ("fly-registry", "Fly's registry (registry.fly.io) is where `fly deploy` pulls from"),
    "railway": (
        "ghcr",
        "GitHub Container Registry: CI pushes the scanned image with GITHUB_TOKEN as the release record; "
        "Railway builds its own from the same commit",
    ),
}
SECRETS: dict[Cloud, tuple[str, str]] = {
    "aws": (
        "aws-secrets-manager",
        "AWS Secrets Manager: versioned (rollback by version), IAM-scoped, rotation",
    ),
    "gcp": ("gcp-secret-manager", "Secret Manager: versioned, IAM-scoped, mounted by Cloud Run and GKE"),
    "azure": ("azure-key-vault", "Key Vault: versioned secrets read through managed identities"),
    "fly": ("fly-secrets", "Fly secrets are encrypted at rest and injected as env vars at boot"),
    "railway": ("railway-variables", "Railway variables (sealed) are injected at deploy; never in the image"),
}
K8S_SECRETS_NOTE = (
    " External Secrets Operator syncs them into Kubernetes Secrets; pods read them by secretKeyRef."
)

LOAD_BALANCER: dict[tuple[str, str], tuple[str, str]] = {
    # (tier or "*", cloud or "*") -> (value, reason); the most specific key wins
    ("hobby", "aws"): (
        "haproxy",
        "HAProxy on the server: `opsmith deploy` shifts traffic through its runtime API"
        " with no dropped connections (blue-green on one host)",
    ),
    ("hobby", "gcp"): ("haproxy", "HAProxy on the VM, driven by `opsmith deploy` for zero-downtime switches"),
    ("hobby", "azure"): (
        "haproxy",
        "HAProxy on the VM, driven by `opsmith deploy` for zero-downtime switches",
    ),
    ("*", "fly"): ("platform-edge", "Fly's proxy balances across machines and regions; nothing to run"),
    ("*", "railway"): ("platform-edge", "Railway's edge routes to the service; nothing to run"),
    ("startup", "aws"): (
        "aws-alb",
        "an Application Load Balancer in front of the ECS service, health-checked",
    ),
    ("startup", "gcp"): ("platform-edge", "Cloud Run's own HTTPS endpoint balances across instances"),
    ("startup", "azure"): ("platform-edge", "Container Apps ingress balances across replicas"),
    ("growth", "aws"): (
        "aws-alb",
        "ALB provisioned by the AWS Load Balancer Controller from Ingress objects",
    ),
    ("growth", "gcp"): ("gcp-https-lb", "Google's HTTPS load balancer provisioned by GKE Ingress"),
    ("growth", "azure"): ("azure-app-gateway", "Application Gateway through the AGIC ingress controller"),
    ("enterprise", "*"): (
        "istio-gateway",
        "Istio ingress gateways behind each region's cloud load balancer:"
        " mesh traffic policy from the edge in",
    ),
    ("compliance", "*"): (
        "ingress-nginx",
        "ingress-nginx on the workers behind the cloud's network load balancer, which passes TLS"
        " through: you control TLS settings and access logs for the audit trail; the Kubernetes API"
        " has its own private load balancer",
    ),
}
DNS: dict[Cloud, tuple[str, str]] = {
    "aws": ("route53", "Route 53: alias records to the load balancer, health checks"),
    "gcp": ("cloud-dns", "Cloud DNS, managed next to the load balancer"),
    "azure": ("azure-dns", "Azure DNS, managed next to the gateway"),
    "fly": ("external", "your DNS provider: a CNAME to the app's fly.dev name (`fly certs add`)"),
    "railway": ("external", "your DNS provider: a CNAME to the service's railway.app domain"),
}
MULTI_REGION_DNS = " Latency-based routing with health checks sends users to the nearest healthy region."


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Regions in the order a design takes them: the first is the primary (the database's writer),
# then one per continent before a second on any, so latency routing has a region near each user.
REGIONS: dict[Cloud, tuple[str, ...]] = {
    "aws": _words(
        "us-east-1 eu-west-1 ap-southeast-1 us-west-2 eu-central-1 ap-northeast-1 sa-east-1 "
        "ap-south-1 ca-central-1 ap-southeast-2 eu-west-2 us-east-2 eu-north-1 ap-northeast-2 "
        "eu-west-3 us-west-1 ap-northeast-3 eu-south-1 me-south-1 af-south-1"
    ),
    "gcp": _words(
        "us-central1 europe-west1 asia-southeast1 us-west1 europe-west3 asia-northeast1 "
        "southamerica-east1 asia-south1 northamerica-northeast1 australia-southeast1 "
        "europe-west2 us-east1 europe-north1 asia-northeast3 europe-west9 us-west2 asia-east1 "
        "europe-west4 me-west1 africa-south1"
    ),
    "azure": _words(
        "eastus westeurope southeastasia westus2 germanywestcentral japaneast brazilsouth "
        "centralindia canadacentral australiaeast uksouth eastus2 swedencentral koreacentral "
        "francecentral westus3 northeurope eastasia uaenorth southafricanorth"
    ),
}
ENTERPRISE_MIN_REGIONS = 2  # the enterprise row survives a regional outage: never fewer
TLS: dict[tuple[str, str], tuple[str, str]] = {
    ("hobby", "aws"): ("lets-encrypt", "Let's Encrypt certificates renewed on the server, served by HAProxy"),
    ("hobby", "gcp"): ("lets-encrypt", "Let's Encrypt certificates renewed on the VM, served by HAProxy"),
    ("hobby", "azure"): ("lets-encrypt", "Let's Encrypt certificates renewed on the VM, served by HAProxy"),
    ("*", "fly"): ("platform-managed", "Fly issues and renews certificates for custom domains"),
    ("*", "railway"): ("platform-managed", "Railway issues and renews certificates for custom domains"),
    ("*", "aws"): ("acm", "ACM certificates on the ALB, renewed automatically"),
    ("*", "gcp"): ("google-managed", "Google-managed certificates, renewed automatically"),
    ("*", "azure"): ("azure-managed", "managed certificates on the ingress, renewed automatically"),
    ("compliance", "*"): (
        "cert-manager",
        "cert-manager issues certificates inside the cluster; TLS 1.2+ at the"
        " edge and between services, as regulated data in transit requires",
    ),
    ("growth", "azure"): ("cert-manager", "cert-manager with Let's Encrypt, stored as Secrets AGIC serves"),
    ("enterprise", "azure"): (
        "cert-manager",
        "cert-manager with Let's Encrypt, served by the Istio gateways",
    ),
}

STRATEGY: dict[tuple[str, str], tuple[str, str]] = {
    # (tier or "*", kind) -> (strategy, reason)
    ("hobby", "web"): (
        "blue-green",
        "one host: the new version starts beside the old, traffic switches at once"
        " when it is healthy, and switching back is instant",
    ),
    ("startup", "web"): (
        "rolling",
        "the platform replaces instances a batch at a time behind health checks and"
        " rolls back when the new ones fail (ECS circuit breaker, Cloud Run revisions)",
    ),
    ("growth", "web"): (
        "canary",
        "a small share of traffic first, promoted only while error rate and latency"
        " hold (Argo Rollouts analysis): bad versions reach few users",
    ),
    ("enterprise", "web"): ("canary", "canary per region, promoted on metric analysis, one region at a time"),
    ("compliance", "web"): (
        "blue-green",
        "the full new version is verified before any regulated traffic moves,"
        " and the switch and switch-back are single audited changes",
    ),
    ("*", "worker"): (
        "rolling",
        "workers take no traffic to shift: replace them one at a time, each finishing"
        " its current job (graceful shutdown)",
    ),
    ("*", "cron"): (
        "recreate",
        "a scheduled job has nothing running between runs: the next run uses the new version",
    ),
}
PAAS_STRATEGY: dict[str, tuple[str, str]] = {
    "fly": (
        "blue-green",
        "`fly deploy --strategy bluegreen` boots the new machines and switches when healthy",
    ),
    "railway": (
        "rolling",
        "Railway starts the new deployment, waits for its health check, then drains the old",
    ),
}

REPLICAS: dict[str, tuple[int, int, str]] = {
    "hobby": (1, 1, "one server: one instance of each service"),
    "startup": (2, 4, "two instances so one can fail or be replaced during a deploy; up to four under load"),
    "growth": (3, 10, "three instances, one per availability zone; autoscaled up to ten"),
    "enterprise": (3, 20, "three instances per region (one per zone); autoscaled up to twenty"),
    "compliance": (3, 10, "three instances over three zones; autoscaled up to ten"),
}
WORKER_REPLICAS: dict[str, tuple[int, int, str]] = {
    "hobby": (1, 1, "one worker on the single server"),
    "startup": (1, 3, "one worker, more when the queue grows"),
    "growth": (2, 10, "two workers so a node loss does not stop processing; scaled on queue depth"),
    "enterprise": (2, 20, "two workers per region; scaled on queue depth"),
    "compliance": (2, 10, "two workers; scaled on queue depth"),
}
SINGLETON_REASON = "a scheduler must run exactly once, or every job fires twice"
# Memory and CPU a typical service of each runtime needs at rest, per instance.
RESOURCES: dict[str, tuple[str, str, str]] = {
    "node": ("250m", "256Mi", "Node.js: one event loop per process, ~100-200 MiB resident"),
    "python": ("250m", "384Mi", "Python: a few worker processes of ~80-120 MiB each"),
    "go": ("100m", "128Mi", "Go: a static binary, tens of MiB resident"),
    "rust": ("100m", "128Mi", "Rust: a static binary, tens of MiB resident"),
    "java": ("500m", "768Mi", "JVM: heap plus metaspace and threads; start-up needs CPU"),
    "ruby": ("250m", "512Mi", "Ruby on Rails under Puma: ~250-400 MiB per process"),
    "php": ("250m", "256Mi", "PHP: a handful of workers, each small"),
    "dotnet": ("250m", "384Mi", ".NET: runtime plus server GC heap"),
}
DEFAULT_RESOURCES = ("250m", "256Mi", "no runtime known: a small default to revise after load testing")

METRICS: dict[tuple[str, str], tuple[str, str]] = {
    ("hobby", "*"): ("prometheus-grafana", "Prometheus and Grafana beside the app: RED metrics per service"),
    ("startup", "aws"): (
        "managed-prometheus",
        "Amazon Managed Service for Prometheus with Grafana: no metrics servers to run",
    ),
    ("startup", "gcp"): ("managed-prometheus", "Google Cloud Managed Service for Prometheus with Grafana"),
    ("startup", "azure"): (
        "managed-prometheus",
        "Azure Monitor managed Prometheus with Azure Managed Grafana",
    ),
    ("startup", "*"): (
        "prometheus-grafana",
        "Prometheus and Grafana scraping the platform's metrics endpoint",
    ),
    ("*", "*"): (
        "kube-prometheus-stack",
        "kube-prometheus-stack: Prometheus, Alertmanager, Grafana and"
        " node/kube-state exporters in the cluster",
    ),
}
LOGS: dict[tuple[str, str], tuple[str, str]] = {
    ("hobby", "fly"): ("platform", "Fly's log stream; ship to Loki when you need search and retention"),
    ("hobby", "railway"): ("platform", "Railway's log view; ship to Loki when you need search and retention"),
    ("hobby", "*"): ("loki", "Loki beside the app, fed by the Docker log driver; searchable in Grafana"),
    ("startup", "aws"): (
        "cloudwatch-logs",
        "CloudWatch Logs: ECS sends container output there with no agent",
    ),
    ("startup", "gcp"): ("cloud-logging", "Cloud Logging: Cloud Run sends container output there"),
    ("startup", "azure"): ("azure-monitor-logs", "Azure Monitor Logs: Container Apps stream there"),
    ("compliance", "*"): (
        "loki",
        "Loki with object-storage retention of a year or more and write-once buckets, for the audit trail",
    ),
    ("*", "*"): ("loki", "Loki, fed by an agent on every node (Grafana Alloy), searchable in Grafana"),
}
TRACES: dict[tuple[str, str], tuple[str, str]] = {
    ("hobby", "single"): (
        "none",
        "one service: logs and metrics are enough; add OpenTelemetry with a second service",
    ),
    ("hobby", "*"): (
        "opentelemetry-tempo",
        "several services: OpenTelemetry SDKs export to Tempo, so a slow request can be followed across them",
    ),
    ("startup", "aws"): (
        "opentelemetry-xray",
        "OpenTelemetry SDKs export to AWS X-Ray through the ADOT collector",
    ),
    ("startup", "gcp"): ("opentelemetry-cloud-trace", "OpenTelemetry SDKs export to Cloud Trace"),
    ("startup", "azure"): (
        "opentelemetry-azure-monitor",
        "OpenTelemetry SDKs export to Application Insights",
    ),
    ("*", "*"): ("opentelemetry-tempo", "OpenTelemetry SDKs export through a collector to Tempo"),
}
ALERTS: dict[str, tuple[str, str]] = {
    "hobby": (
        "alertmanager-chat",
        "Alertmanager to a chat channel or e-mail: nobody is on call for a hobby"
        " project; critical and warning both notify, info only logs",
    ),
    "*": (
        "alertmanager-pager",
        "Alertmanager routes by severity: critical pages the on-call (PagerDuty or"
        " Opsgenie), warning opens a ticket or chat message, info is logged only",
    ),
}

SLO: dict[str, tuple[float, int, str]] = {
    "hobby": (99.0, 1000, "99.0% (about 7 hours of downtime a month) fits one server with no standby"),
    "startup": (99.5, 500, "99.5% (about 3.6 hours a month): redundant instances, one region"),
    "growth": (99.9, 300, "99.9% (about 43 minutes a month): three zones and canary releases"),
    "enterprise": (99.95, 300, "99.95% (about 22 minutes a month): regional failover"),
    "compliance": (99.9, 500, "99.9% (about 43 minutes a month): three zones, conservative releases"),
}

# A standby database in a second zone, or a cache replica, is what lets one zone's outage or a
# maintenance restart pass in a minute or two instead of lasting until the zone is back. Needed
# from this availability objective up (about 3.6 hours of downtime a month or less).
STANDBY_FROM_AVAILABILITY = 99.5
# What the standby adds to production's monthly bill, per provider and tier: (the production size
# it doubles, USD). Approximate on-demand list prices in the design's first region for 730 hours,
# instance plus its storage, as published by each cloud in 2025 (not fetched on this machine; the
# cloud's pricing calculator has today's). Sizes are the production sizes terraform.tfvars sets.
STANDBY_COST: dict[str, dict[str, tuple[str, int]]] = {
    # "growth" stands for every tier above startup unless the tier has its own entry
    "aws-rds-postgresql": {
        "startup": ("db.t4g.medium", 53),
        "growth": ("db.r6g.large", 176),
        "enterprise": ("db.r6g.xlarge", 340),
    },
    "aws-rds-mysql": {
        "startup": ("db.t4g.medium", 53),
        "growth": ("db.r6g.large", 169),
        "enterprise": ("db.r6g.xlarge", 326),
    },
    "aws-elasticache-redis": {"startup": ("cache.t4g.small", 23), "growth": ("cache.r7g.large", 160)},
    "cloud-sql-postgresql": {"startup": ("db-custom-2-7680", 107), "growth": ("db-custom-4-15360", 214)},
    "cloud-sql-mysql": {"startup": ("db-custom-2-7680", 107), "growth": ("db-custom-4-15360", 214)},
    "memorystore-redis": {"startup": ("1 GB", 11), "growth": ("5 GB", 29)},
    "azure-postgresql-flexible": {
        "startup": ("GP_Standard_D2ds_v5", 137),
        "growth": ("GP_Standard_D4ds_v5", 275),
    },
    "azure-mysql-flexible": {"startup": ("GP_Standard_D2ds_v5", 107), "growth": ("GP_Standard_D4ds_v5", 215)},
    "azure-cache-redis": {"startup": ("C1", 61), "growth": ("C2", 97)},
}


def standby_cost(provider: str, tier: str) -> tuple[str, int] | None:
    """(production size, USD a month) a standby of `provider` adds at `tier`; None where the
    provider has no standby to choose (containers, services run by others) or the tier no store."""
    costs = STANDBY_COST.get(provider)
    if costs is None or tier == "hobby":
        return None
    return costs.get(tier) or costs["growth"]


_CLOUD_SQL_HA = "Cloud SQL REGIONAL availability: a standby in a second zone, failover in about a minute"
STANDBY_TEXT: dict[str, str] = {
    "aws-rds-postgresql": "RDS Multi-AZ: a synchronous standby in a second zone, promoted in 1-2 minutes",
    "aws-rds-mysql": "RDS Multi-AZ: a synchronous standby in a second zone, promoted in 1-2 minutes",
    "aws-elasticache-redis": "a replica in another zone with automatic failover (Multi-AZ)",
    "cloud-sql-postgresql": _CLOUD_SQL_HA,
    "cloud-sql-mysql": _CLOUD_SQL_HA,
    "memorystore-redis": "Memorystore STANDARD_HA: a replica in another zone, promoted automatically",
    "azure-postgresql-flexible": "zone-redundant high availability: a standby server in a second zone",
    "azure-mysql-flexible": "zone-redundant high availability: a standby server in a second zone",
    "azure-cache-redis": "the Standard tier: a replica beside the primary with automatic failover",
}
BACKING_VERSIONS: dict[str, str | None] = {
    "postgresql": "16",
    "mysql": "8.4",
    "mongodb": "7.0",
    "redis": "7.4",
    "rabbitmq": "3.13",
    "kafka": "3.8",
    "s3": None,
}
MANAGED: dict[Cloud, dict[str, str]] = {
    "aws": {
        "postgresql": "aws-rds-postgresql",
        "mysql": "aws-rds-mysql",
        "mongodb": "mongodb-atlas",
        "redis": "aws-elasticache-redis",
        "rabbitmq": "amazon-mq-rabbitmq",
        "kafka": "aws-msk",
        "s3": "aws-s3",
    },
    "gcp": {
        "postgresql": "cloud-sql-postgresql",
        "mysql": "cloud-sql-mysql",
        "mongodb": "mongodb-atlas",
        "redis": "memorystore-redis",
        "rabbitmq": "cloudamqp",
        "kafka": "gcp-managed-kafka",
        "s3": "gcs-s3-interoperability",
    },
    "azure": {
        "postgresql": "azure-postgresql-flexible",
        "mysql": "azure-mysql-flexible",
        "mongodb": "mongodb-atlas",
        "redis": "azure-cache-redis",
        "rabbitmq": "cloudamqp",
        "kafka": "azure-event-hubs-kafka",
        "s3": "minio",
    },
    "fly": {
        "postgresql": "fly-postgres",
        "mysql": "container",
        "mongodb": "mongodb-atlas",
        "redis": "upstash-redis",
        "rabbitmq": "cloudamqp",
        "kafka": "confluent-cloud",
        "s3": "tigris",
    },
    "railway": {
        "postgresql": "railway-postgres",
        "mysql": "railway-mysql",
        "mongodb": "railway-mongodb",
        "redis": "railway-redis",
        "rabbitmq": "container",
        "kafka": "confluent-cloud",
        "s3": "minio",
    },
}
OBJECT_STORAGE: dict[Cloud, str] = {"aws": "aws-s3", "gcp": "gcs-s3-interoperability", "azure": "minio"}
PROVIDER_TEXT: dict[str, str] = {
    "container": "a container with a named volume on the same host, backed up nightly to object storage",
    "minio": "MinIO (S3 API) in a container with a volume: the app's S3 client works unchanged",
    "mongodb-atlas": "MongoDB Atlas (the cloud's own document stores are not wire-compatible MongoDB)",
    "cloudamqp": "CloudAMQP (managed RabbitMQ; the cloud has no native RabbitMQ service)",
    "confluent-cloud": "Confluent Cloud (managed Kafka reachable from the platform)",
    "gcs-s3-interoperability": "Cloud Storage through its S3-compatible XML API (HMAC keys)",
    "tigris": "Tigris, Fly's S3-compatible object storage",
}


def lookup(table: dict[tuple[str, str], tuple[str, str]], tier: Tier, key: str) -> tuple[str, str, str]:
    """(value, reason, rule) from the most specific entry: (tier, key), (tier, *), (*, key), (*, *)."""
    for candidate in ((tier, key), (tier, "*"), ("*", key), ("*", "*")):
        if candidate in table:
            value, reason = table[candidate]
            return value, reason, f"{candidate[0]}/{candidate[1]}"
    raise KeyError((tier, key))
