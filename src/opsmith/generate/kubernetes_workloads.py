"""The objects that run one service: its pod template (probes, resources, restricted security
context, environment from the Secret and the ConfigMap), the workload that owns the pods
(Deployment, Argo Rollout, single-replica StatefulSet or CronJob), and what keeps it available
(Service, PodDisruptionBudget, HorizontalPodAutoscaler, ServiceAccount)."""

from __future__ import annotations

import re
import shlex
from typing import Any

from opsmith.design.model import Service
from opsmith.generate.compose import backing_images
from opsmith.generate.dockerfile import GenerateError
from opsmith.generate.kubernetes_meta import (
    DEFAULT_UID,
    IMAGE_UID,
    NEXT_CACHE,
    PLACEHOLDER_TAG,
    PREPARE,
    WRITABLE,
    Context,
    Doc,
    metadata,
    name,
    obj,
    pod_labels,
    replicas,
    selector,
    shape,
)
from opsmith.generate.kubernetes_network import edge
from opsmith.generate.kubernetes_rollout import METRICS_PORT, ROLLOUTS_API, strategy
from opsmith.generate.monitoring_telemetry import kubernetes_environment
from opsmith.generate.specs import ca_variables, container_spec, ecosystem
from opsmith.secrets.detect import is_secret_name

# Variables that usually carry a credential even though their name only points at something:
# connection strings (user and password inside the URL) and keys (Laravel's APP_KEY).
_CREDENTIAL_CARRIER = re.compile(r"(?i)(?:^|_)(?:URL|URI|DSN|CONNECTION(?:_?STRING)?|KEY)$")
_SHELL = re.compile(r"[$`|&;<>(){}*?~\\\n]")
PRE_STOP_SECONDS = 10  # endpoints and load balancers stop sending before the process is told to stop
GRACE = {"web": 45, "worker": 90, "cron": 60}  # pre-stop pause + time to finish in-flight work


def secret_variable(name_: str, backing_urls: set[str]) -> bool:
    return is_secret_name(name_) or name_ in backing_urls or bool(_CREDENTIAL_CARRIER.search(name_))


def environment(ctx: Context, service: Service) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    """The container's env, and the Secret and ConfigMap keys it reads (the ConfigMap's through
    `envFrom`, so they are not in the env)."""
    urls = {backing_images()[kind]["url_var"]: kind for kind in service.uses}
    env: list[dict[str, Any]] = []
    secret_keys: list[str] = []
    config_keys: list[str] = []
    # The root filesystem is read-only: tools that write under $HOME (npm, corepack, pip, .NET)
    # write to the /tmp volume instead.
    env.append({"name": "HOME", "value": "/tmp"})
    if service.port is not None:
        env.append({"name": "PORT", "value": str(service.port)})
    seen = {"PORT", "HOME"}
    # Variables the app reads are required; a backing service's URL the app was not seen reading
    # is passed when the Secret has it (optional), as compose.yaml passes it.
    cas = ca_variables(ctx.design, service)
    wanted = [(v, True) for v in service.env] + [(v, False) for v in [*urls, *cas]]
    for variable, required in wanted:
        if variable in seen:
            continue
        seen.add(variable)
        if secret_variable(variable, set(urls)) or variable in cas:
            ref: dict[str, Any] = {"name": ctx.secret_name, "key": variable}
            if not required:
                ref["optional"] = True
            env.append({"name": variable, "valueFrom": {"secretKeyRef": ref}})
            secret_keys.append(variable)
        else:
            config_keys.append(variable)  # from the ConfigMap, which every container takes whole
    env += [e for e in kubernetes_environment(ctx.design, service) if e["name"] not in seen]
    return env, secret_keys, config_keys


def _command(ctx: Context, service: Service) -> list[str] | None:
    """The start command of a service that runs another service's image (None: the image's own)."""
    if ctx.image_owner(service).name == service.name or not service.start:
        return None
    start = service.start.strip()
    if _SHELL.search(start):
        # Kubernetes replaces `$(VAR)` in a command before the shell runs it; `$$` keeps a `$`.
        return ["sh", "-c", f"exec {start}".replace("$", "$$")]
    try:
        return shlex.split(start)
    except ValueError as exc:
        raise GenerateError(f"service {service.name}: cannot split start command: {exc}") from exc


def _uid(service: Service) -> int:
    """The user the image runs as: opsmith's images' own; 10001 for an image you wrote (it must be
    able to read the application files, which a non-root user of any id usually can)."""
    if container_spec(service) is None:
        return DEFAULT_UID
    return IMAGE_UID.get(ecosystem(service) or "", DEFAULT_UID)


def _writable(service: Service) -> tuple[str, ...]:
    if container_spec(service) is None:
        return ()
    eco = ecosystem(service) or ""
    paths = WRITABLE.get(eco, ())
    framework = (service.build.framework or "").lower().replace(".", "")
    if eco == "node" and framework.startswith("next"):
        paths = (*paths, NEXT_CACHE)
    return paths


def _volume_name(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "root"


def _security(service: Service) -> dict[str, Any]:
    caps: dict[str, Any] = {"drop": ["ALL"]}
    if service.port is not None and service.port < 1024:
        caps["add"] = ["NET_BIND_SERVICE"]  # a port below 1024 needs it without root
    return {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "capabilities": caps,
    }


def _check(path: str | None) -> dict[str, Any]:
    if path is None:
        return {"tcpSocket": {"port": "http"}}
    return {"httpGet": {"path": path, "port": "http"}}


def _probes(service: Service) -> dict[str, Any]:
    """Readiness may ask the backing services (a replica that cannot reach its database takes no
    traffic); startup and liveness must not, or a database failover restarts every replica at
    once: they call the route that answers alone, else check the port (see design Liveness)."""
    if service.kind != "web" or service.port is None:
        return {}
    ready = _check(service.health_path)
    live = _check(service.liveness.path if service.liveness else None)
    slow_start = 60 if ecosystem(service) == "java" else 24  # the JVM may need minutes, not seconds
    return {
        "startupProbe": {**live, "periodSeconds": 5, "failureThreshold": slow_start},
        "readinessProbe": {**ready, "periodSeconds": 5, "timeoutSeconds": 3, "failureThreshold": 3},
        "livenessProbe": {**live, "periodSeconds": 10, "timeoutSeconds": 3, "failureThreshold": 6},
    }


def pod_template(ctx: Context, service: Service) -> dict[str, Any]:
    env, _, _ = environment(ctx, service)
    uid = _uid(service)
    writable = _writable(service)
    mounts = [{"name": "tmp", "mountPath": "/tmp"}] + [
        {"name": _volume_name(p), "mountPath": p} for p in writable
    ]
    volumes = [{"name": m["name"], "emptyDir": {"sizeLimit": "256Mi"}} for m in mounts]
    resources = {
        "requests": {"cpu": service.resources.cpu, "memory": service.resources.memory},
        # No CPU limit: throttling a busy process hurts latency; the request guarantees its share.
        "limits": {"memory": service.resources.memory},
    }
    image = f"{ctx.image(service)}:{PLACEHOLDER_TAG}"
    container: dict[str, Any] = {"name": name(service), "image": image}
    command = _command(ctx, service)
    if command:
        container["command"] = command
    if service.port is not None:
        container["ports"] = [{"name": "http", "containerPort": service.port, "protocol": "TCP"}]
    metrics = service.metrics
    if metrics is not None and metrics.exports and metrics.port and metrics.port != service.port:
        exposed = {"name": METRICS_PORT, "containerPort": metrics.port, "protocol": "TCP"}
        container["ports"] = [*container.get("ports", []), exposed]
    # Every setting of the ConfigMap, the ones listed in its overlays and any a person adds there;
    # a key left out leaves the variable unset (the app's default). `env` wins over it.
    container["envFrom"] = [{"configMapRef": {"name": ctx.config_name, "optional": True}}]
    container["env"] = env
    container["resources"] = resources
    container.update(_probes(service))
    if service.kind != "cron":
        # Kubernetes' own sleep (1.30+): works in images without a shell or a sleep binary.
        container["lifecycle"] = {"preStop": {"sleep": {"seconds": PRE_STOP_SECONDS}}}
    container["securityContext"] = _security(service)
    container["volumeMounts"] = mounts
    spec: dict[str, Any] = {
        "serviceAccountName": name(service),
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,  # no Docker-link variables that can shadow the app's own (REDIS_PORT)
        "terminationGracePeriodSeconds": GRACE.get(service.kind or "web", 45),
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": uid,
            "runAsGroup": uid,
            "fsGroup": uid,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
    }
    prepare = PREPARE.get(ecosystem(service) or "") if writable else None
    if prepare:
        spec["initContainers"] = [
            {
                "name": "prepare-writable-dirs",
                "image": image,
                "command": ["mkdir", "-p", *prepare],
                "resources": {
                    "requests": {"cpu": "10m", "memory": "16Mi"},
                    "limits": {"memory": "64Mi"},
                },
                "securityContext": _security(service),
                "volumeMounts": mounts,
            }
        ]
    spec["containers"] = [container]
    if shape(service) in ("deployment", "rollout"):  # several replicas: spread them out
        spec["topologySpreadConstraints"] = _spread(ctx, service)
    if service.kind == "cron":
        spec["restartPolicy"] = "Never"
    spec["volumes"] = volumes
    template_meta: dict[str, Any] = {"labels": pod_labels(ctx, service)}
    if service.kind == "web" and service.port is not None:
        template_meta["annotations"] = {
            "prometheus.io/scrape": "true",
            "prometheus.io/port": str(service.port),
            "prometheus.io/path": "/metrics",
        }
    return {"metadata": template_meta, "spec": spec}


def _spread(ctx: Context, service: Service) -> list[dict[str, Any]]:
    """One replica per zone and per node as far as capacity allows (ScheduleAnyway: a full zone
    slows spreading down rather than blocking a rollout or a scale-up)."""
    hash_label = "rollouts-pod-template-hash" if shape(service) == "rollout" else "pod-template-hash"
    return [
        {
            "maxSkew": 1,
            "topologyKey": key,
            "whenUnsatisfiable": "ScheduleAnyway",
            "labelSelector": {"matchLabels": selector(ctx, service)},
            "matchLabelKeys": [hash_label],
        }
        for key in ("topology.kubernetes.io/zone", "kubernetes.io/hostname")
    ]


_NO_PROBE = (
    "serves no traffic and has no health endpoint, so it has no probes (KU003 and KU004 are\n"
    "switched off on it below): Kubernetes restarts it when the process exits, and `minReadySeconds`\n"
    "stops a rollout whose new pods crash on start. Give it a probe once it can report its health\n"
    "(an exec command or a heartbeat file), and drop the annotation."
)


_HOME_NOTE = (
    "\nThe root filesystem is read-only: /tmp is a writable volume, and HOME points there for tools\n"
    "that write under it."
)


def workload(ctx: Context, service: Service) -> Doc:
    kind_of = shape(service)
    labels = pod_labels(ctx, service)
    template = pod_template(ctx, service)
    if kind_of == "cronjob":
        if not service.schedule:
            raise GenerateError(f"service {service.name}: a cron service needs a schedule")
        spec = {
            "schedule": service.schedule,
            "timeZone": "Etc/UTC",
            "concurrencyPolicy": "Forbid",  # a slow run never overlaps the next one
            "startingDeadlineSeconds": 300,
            "successfulJobsHistoryLimit": 3,
            "failedJobsHistoryLimit": 3,
            "jobTemplate": {
                "metadata": {"labels": labels},
                "spec": {"backoffLimit": 2, "ttlSecondsAfterFinished": 86400, "template": template},
            },
        }
        why = f"{name(service)} runs on schedule `{service.schedule}` (UTC), one run at a time."
        return why + _HOME_NOTE, obj("batch/v1", "CronJob", metadata(name(service), labels), spec=spec)
    if kind_of == "singleton":
        annotations = {"opsmith.dev/ignore": "KU003,KU004"}
        spec = {
            "replicas": 1,
            "serviceName": name(service),  # required by the API before 1.33; no DNS needed
            "podManagementPolicy": "OrderedReady",
            "updateStrategy": {"type": "RollingUpdate"},
            "minReadySeconds": 30,
            "selector": {"matchLabels": selector(ctx, service)},
            "template": template,
        }
        why = (
            f"{name(service)} must run exactly once (a scheduler: two would fire every job twice). A\n"
            "StatefulSet of one replica guarantees it: unlike a Deployment, it never starts the new pod\n"
            f"before the old one is gone, during a rollout or a node drain. It {_NO_PROBE}"
        )
        meta = metadata(name(service), labels, annotations)
        return why + _HOME_NOTE, obj("apps/v1", "StatefulSet", meta, spec=spec)
    common: dict[str, Any] = {
        "revisionHistoryLimit": 5,
        "selector": {"matchLabels": selector(ctx, service)},
        "template": template,
    }
    if kind_of == "rollout":
        spec = {**common, "minReadySeconds": 10, "strategy": strategy(ctx, service)}
        how = "as a canary" if service.strategy.effective == "canary" else "blue-green"
        why = (
            f"{name(service)} is released {how} by Argo Rollouts: the new version takes a share of\n"
            "traffic (or stands by as a preview) and is promoted only while its AnalysisTemplate finds\n"
            "the SLO held (without one, while its readiness probes pass).\n"
            "The HorizontalPodAutoscaler owns the replica count."
        )
        return why + _HOME_NOTE, obj(ROLLOUTS_API, "Rollout", metadata(name(service), labels), spec=spec)
    annotations = {}
    if service.kind != "web":
        annotations["opsmith.dev/ignore"] = "KU003,KU004"
    elif service.strategy.effective == "recreate":
        annotations["opsmith.dev/ignore"] = "KU009"
    rolling = {"maxUnavailable": 0, "maxSurge": "25%"}
    recreate = service.kind == "web" and service.strategy.effective == "recreate"
    spec = {
        **common,
        "minReadySeconds": 10 if service.kind == "web" else 30,
        "progressDeadlineSeconds": 600,
        "strategy": {"type": "Recreate"} if recreate else {"type": "RollingUpdate", "rollingUpdate": rolling},
    }
    if recreate:
        why = f"{name(service)}: the design asks for Recreate (every old pod stops before a new one starts)."
    else:
        why = (
            f"{name(service)}: rolling updates that add a pod before removing one (maxUnavailable 0),\n"
            "so capacity never drops during a release. The HorizontalPodAutoscaler owns the replica count."
        )
    if service.kind != "web":
        why += f"\nIt {_NO_PROBE}"
    return why + _HOME_NOTE, obj(
        "apps/v1", "Deployment", metadata(name(service), labels, annotations), spec=spec
    )


def service_objects(ctx: Context, service: Service) -> list[Doc]:
    """ServiceAccount, Service(s), PodDisruptionBudget and HorizontalPodAutoscaler."""
    labels = pod_labels(ctx, service)
    docs: list[Doc] = [
        (
            f"Its own identity, without an API token: {name(service)} never talks to the Kubernetes API.",
            {
                "apiVersion": "v1",
                "kind": "ServiceAccount",
                "metadata": metadata(name(service), labels),
                "automountServiceAccountToken": False,
            },
        )
    ]
    kind_of = shape(service)
    if service.kind == "web" and service.port is not None:
        names = [name(service)]
        if service.strategy.effective == "blue-green" and kind_of == "rollout":
            names.append(f"{name(service)}-preview")
        for service_name in names:
            preview = service_name.endswith("-preview")
            port = {"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}
            why = (
                "The new version before promotion: Argo Rollouts points this Service at it for checks."
                if preview
                else f"Stable in-cluster address of {name(service)} (port 80), and the Ingress backend."
            )
            body = obj(
                "v1",
                "Service",
                metadata(service_name, labels, edge(ctx).service_annotations),
                spec={"type": "ClusterIP", "selector": selector(ctx, service), "ports": [port]},
            )
            docs.append((why, body))
    if kind_of in ("cronjob", "singleton"):
        return docs
    low, high = replicas(service)
    docs.append(
        (
            "Node drains and cluster upgrades evict one pod at a time, never the whole service.",
            obj(
                "policy/v1",
                "PodDisruptionBudget",
                metadata(name(service), labels),
                spec={"maxUnavailable": 1, "selector": {"matchLabels": selector(ctx, service)}},
            ),
        )
    )
    target_kind = "Rollout" if kind_of == "rollout" else "Deployment"
    target_api = ROLLOUTS_API if kind_of == "rollout" else "apps/v1"
    floor_note = (
        f" (the design says {service.resources.replicas_min}; on Kubernetes one replica is an outage "
        "at every node drain)"
        if service.resources.replicas_min < low
        else ""
    )
    why = (
        f"{low} to {high} replicas in production{floor_note}, on CPU use. The staging overlay keeps the\n"
        "minimum."
    )
    if service.kind == "worker":
        why += " Workers scale on CPU here; scale on queue depth (KEDA) once you export it."
    docs.append(
        (
            why,
            obj(
                "autoscaling/v2",
                "HorizontalPodAutoscaler",
                metadata(name(service), labels),
                spec={
                    "scaleTargetRef": {"apiVersion": target_api, "kind": target_kind, "name": name(service)},
                    "minReplicas": low,
                    "maxReplicas": high,
                    "metrics": [
                        {
                            "type": "Resource",
                            "resource": {
                                "name": "cpu",
                                "target": {"type": "Utilization", "averageUtilization": 70},
                            },
                        }
                    ],
                    # scale down slowly: a traffic dip between two peaks should not cost the capacity
                    "behavior": {"scaleDown": {"stabilizationWindowSeconds": 300}},
                },
            ),
        )
    )
    return docs
