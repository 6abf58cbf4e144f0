"""Kubernetes rules KU001-KU018.

Rules read objects, never files: raw manifests, and the rendered output of kustomizations and Helm
charts, whose objects are reported in the file (and at the line) they were written in. A finding
on a base that several overlays render is reported once, naming the overlays where it holds. An
object opts out of a rule with the annotation `opsmith.dev/ignore: KU007,KU016`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace

from opsmith.findings import Problem, Severity
from opsmith.parse.image import image_ref
from opsmith.parse.kubernetes import KubeDoc, KubeObject, string_map
from opsmith.parse.yaml_tree import YMap, YSeq
from opsmith.rules import kubernetes_replicas as replicas
from opsmith.rules import kubernetes_schema as schema
from opsmith.rules import kubernetes_services as services
from opsmith.rules import kubernetes_values as values
from opsmith.rules import kubernetes_workloads as wl
from opsmith.rules.base import AppliesTo, FileContext, RepoContext, Rule, file_rule, repo_rule
from opsmith.rules.host_agents import is_host_agent
from opsmith.rules.kubernetes_build_images import BuildImages, build_images
from opsmith.secrets.detect import (
    credential_in,
    decoded_secret,
    is_secret_name,
    looks_real,
    registry_password,
    secret_in,
)
from opsmith.secrets.masking import described, mask

FAMILY = "kubernetes"
ObjectCheck = Callable[[KubeObject], Iterable[Problem]]
# Built-in API groups: an object of one of these that has no schema is not served by that version.
_BUILT_IN_GROUPS = frozenset(
    {
        "",
        "apps",
        "batch",
        "autoscaling",
        "policy",
        "extensions",
        "networking.k8s.io",
        "rbac.authorization.k8s.io",
        "storage.k8s.io",
        "apiextensions.k8s.io",
        "admissionregistration.k8s.io",
        "scheduling.k8s.io",
        "coordination.k8s.io",
        "node.k8s.io",
        "discovery.k8s.io",
        "flowcontrol.apiserver.k8s.io",
        "certificates.k8s.io",
        "events.k8s.io",
        "apiregistration.k8s.io",
        "resource.k8s.io",
        "storagemigration.k8s.io",
    }
)


def object_rule(
    rule_id: str, severity: str, title: str, *, fix: str, docs: str, applies_to: AppliesTo = "production"
) -> Callable[[ObjectCheck], Rule[KubeDoc]]:
    """A file rule that checks each object of a document on its own."""

    def wrap(check: ObjectCheck) -> Rule[KubeDoc]:
        def run(doc: KubeDoc, ctx: FileContext) -> Iterator[Problem]:
            return _file_only(
                report(rule_id, ((ctx.path, obj, p) for obj in doc.objects for p in check(obj)))
            )

        run.__doc__ = check.__doc__
        return file_rule(rule_id, severity, FAMILY, title, fix=fix, docs=docs, applies_to=applies_to)(run)

    return wrap


def report(rule_id: str, found: Iterable[tuple[str, KubeObject, Problem]]) -> Iterator[Problem]:
    """Problems as reported: objects whose annotation ignores the rule dropped, and the same
    problem found in several renderings of one source object reported once, naming them."""
    renderers: dict[tuple[str, int | None, str, str | None, Severity | None], list[str]] = {}
    for path, obj, problem in found:
        if rule_id in obj.ignored:
            continue
        key = (path, problem.line, problem.message, problem.fix, problem.at_most)
        where = renderers.setdefault(key, [])
        if (
            obj.rendered_by is not None
            and not _inside(path, obj.rendered_by)
            and obj.rendered_by not in where
        ):
            where.append(obj.rendered_by)
    for (path, line, message, fix, at_most), where in renderers.items():
        suffix = f" (as rendered by {' and '.join(sorted(where))})" if where else ""
        yield Problem(message + suffix, line, fix=fix, path=path, at_most=at_most)


def _inside(path: str, folder: str) -> bool:
    return folder in ("", ".") or path.startswith(folder.rstrip("/") + "/")


def _objects(repo: RepoContext) -> list[tuple[str, KubeObject]]:
    """Every audited object of the repository: manifests as written, and rendered ones."""
    return [
        (path, obj) for path, doc in repo.documents(FAMILY) if isinstance(doc, KubeDoc) for obj in doc.objects
    ]


def _file_only(problems: Iterator[Problem]) -> Iterator[Problem]:
    """File rules report in the document's own file: drop the path `report` carries."""
    return (replace(p, path=None) for p in problems)


# KU001 ---------------------------------------------------------------------------------------


@repo_rule(
    "KU001",
    "E",
    FAMILY,
    "Container image is `latest` or has no tag",
    fix="Pin the image to a version tag (and ideally a digest): `image: registry/app:1.4.2`.",
    docs="""
## What it does
Reports a container (init containers and sidecars included) whose `image` has no tag, which means
`latest`, or uses the `latest` tag, unless it is pinned by digest. Kustomize overlays that set the tag
with `images:` are taken into account: the rendered image is checked.

Images a build tool of the repository replaces before deploying are placeholders, not what runs:
`ko://` references (ko), the images a `skaffold.yaml` builds (its `artifacts[].image`) or a
`Tiltfile` builds (`docker_build`, `custom_build`), and, in a repository that has a skaffold, Tilt
or ko configuration, a bare name without registry, owner or tag (`image: frontend`), which those
tools match to their build and rewrite with a tagged reference.

## Why it matters
A moving tag makes every pod restart a silent upgrade: two replicas of one Deployment can run
different code, a rollback to the previous ReplicaSet brings back the same tag and therefore the
new image, and with `imagePullPolicy: Always` (the default for `latest`) a registry outage stops
pods from starting.

## Example
```yaml
containers:
  - name: api
    image: registry.example.com/shop/api
```

## Fix
```yaml
containers:
  - name: api
    image: registry.example.com/shop/api:1.4.2
```

## Equivalent rules
kube-linter `latest-tag`; checkov CKV_K8S_14 (image tag is fixed) and CKV_K8S_43 (image by digest).
""",
)
def ku001(repo: RepoContext) -> Iterator[Problem]:
    objects = _objects(repo)
    if not any(obj.kind in wl.POD_SPEC_PATHS for _, obj in objects):
        return iter(())
    built = build_images(repo)
    return report(
        "KU001", ((path, obj, p) for path, obj in objects for p in _moving_images(obj, built, path))
    )


def _moving_images(obj: KubeObject, built: BuildImages, path: str) -> Iterator[Problem]:
    for c in wl.containers(obj):
        image = c.body.get("image")
        if not isinstance(image, str) or not image.strip() or built.fills_in(image.strip()):
            continue
        ref = image_ref(image.strip())
        if ref.digest:
            continue
        if ref.tag is None:
            yield Problem(
                f"{c.label} uses image `{image}` with no tag, so `latest`", c.line("image"), path=path
            )
        elif ref.tag == "latest":
            yield Problem(f"{c.label} uses the moving `latest` tag (`{image}`)", c.line("image"), path=path)


# KU002 ---------------------------------------------------------------------------------------


@object_rule(
    "KU002",
    "W",
    "Container without CPU/memory requests or a memory limit",
    fix="Set `resources.requests.cpu`, `resources.requests.memory` and `resources.limits.memory`.",
    docs="""
## What it does
Reports a container, init container or sidecar that lacks a CPU request, a memory request or a
memory limit. A limit given without a request counts as the request, as the API server defaults it.

## Why it matters
Requests are what the scheduler packs nodes by: without them a pod lands on a node that cannot
hold it and is the first evicted under pressure (BestEffort class). Without a memory limit one
leaking container can push the whole node into out-of-memory kills of its neighbours. A namespace
with a ResourceQuota refuses such pods outright.

## Example
```yaml
containers:
  - name: api
    image: shop/api:1.4.2
```

## Fix
```yaml
containers:
  - name: api
    image: shop/api:1.4.2
    resources:
      requests: {cpu: 100m, memory: 256Mi}
      limits: {memory: 512Mi}
```

## Equivalent rules
kube-linter `unset-cpu-requirements` and `unset-memory-requirements`; checkov CKV_K8S_10 (CPU
requests), CKV_K8S_12 (memory requests), CKV_K8S_13 (memory limits).
""",
)
def ku002(obj: KubeObject) -> Iterator[Problem]:
    for c in wl.containers(obj):
        if c.role == "ephemeral":
            continue  # the API forbids resources on ephemeral containers
        resources = c.body.get("resources")
        resources = resources if isinstance(resources, YMap) else YMap(0, 0)
        requests = string_map(resources.get("requests"))
        limits = string_map(resources.get("limits"))
        missing = [
            label
            for label, present in (
                ("CPU request", "cpu" in requests or "cpu" in limits),
                ("memory request", "memory" in requests or "memory" in limits),
                ("memory limit", "memory" in limits),
            )
            if not present
        ]
        if missing:
            yield Problem(f"{c.label} has no {', no '.join(missing)}", c.line_of("resources"))


# KU003 / KU004 ----------------------------------------------------------------------------------


@repo_rule(
    "KU003",
    "E",
    FAMILY,
    "Deployment or StatefulSet container without a readinessProbe",
    fix="Add a `readinessProbe` that checks the container can serve (e.g. an HTTP health endpoint).",
    docs="""
## What it does
Reports a container of a Deployment (or an OpenShift DeploymentConfig) or StatefulSet with no
`readinessProbe`. Init containers and
sidecars are not asked for one (init containers must finish, they are never "ready").

It is an error for pods a Service in the manifests routes to (same namespace, selector matching
the pod template's labels). Pods no Service selects (queue workers, load generators, batch
consumers) receive no traffic that readiness could hold back, so for them the finding is info:
readiness still paces a rolling update there, but missing it drops no request. The same holds
when the repository has no Service for them at all (their Service may live elsewhere): opsmith
cannot tell, so it lowers the severity rather than guess. So it is for pods selected only by
headless Services (`clusterIP: None`) that exist for monitoring: every port named for metrics
(`metrics`, `https-metrics`...), or a prometheus-operator ServiceMonitor selects the Service.
Prometheus scrapes pods whether they are ready or not, and with no cluster IP no proxy balances
requests over them, so readiness there holds back nothing (kube-state-metrics, an operator).

In a pod of several containers, the error goes to the containers the Services' target ports
reach (by port name or number). The others are helpers that take no traffic themselves: a
config reloader, a log shipper, or a process bound to 127.0.0.1 behind an authenticating proxy
in the same pod (the kubelet could not even probe it there). Their finding is info. When no
declared port matches a target port, opsmith cannot tell which container serves and asks it of
every one.

## Why it matters
Without a readiness probe a pod counts as ready the moment its process starts. A rolling update
then sends traffic to pods that are still loading and removes old pods before new ones can serve,
so every deploy drops requests; a pod that loses its database keeps receiving traffic.

## Example
```yaml
kind: Deployment
spec:
  template:
    spec:
      containers:
        - name: api
          image: shop/api:1.4.2
```

## Fix
```yaml
      containers:
        - name: api
          image: shop/api:1.4.2
          readinessProbe:
            httpGet: {path: /healthz/ready, port: 8080}
            periodSeconds: 5
```

## Equivalent rules
kube-linter `no-readiness-probe`; checkov CKV_K8S_9.
""",
)
def ku003(repo: RepoContext) -> Iterator[Problem]:
    objects = _objects(repo)
    all_objects = [obj for _, obj in objects]
    # headless Services that only let Prometheus find the pods gate no traffic on readiness
    scraped = [
        obj for obj in all_objects if services.selector(obj) and services.scrape_only(obj, all_objects)
    ]
    routes = [obj for obj in all_objects if services.selector(obj) and obj not in scraped]
    return report("KU003", _ku003(objects, routes, scraped))


def _ku003(
    objects: list[tuple[str, KubeObject]], routes: list[KubeObject], scraped: list[KubeObject]
) -> Iterator[tuple[str, KubeObject, Problem]]:
    for path, obj in objects:
        if obj.kind not in wl.DEPLOYMENTS | {"StatefulSet"}:
            continue
        served = services.selected(obj, routes)
        scraped_only = not served and services.selected(obj, scraped)
        pod = [c for c in wl.containers(obj) if c.role == "container"]
        targets = services.routed_ports(obj, routes) if served else set()
        # the containers the Services' ports reach, when the ports say so (no declared port: all)
        receiving = {c.index for c in pod if services.container_ports(c.body) & targets} or {
            c.index for c in pod
        }
        for c in pod:
            if "readinessProbe" in c.body:
                continue
            if served and c.index in receiving:
                yield path, obj, Problem(f"{c.label} has no readinessProbe", c.line(), path=path)
            elif served:
                message = (
                    f"{c.label} has no readinessProbe, but no Service port reaches it: a helper beside the "
                    "containers that serve (a reloader, or a process bound to localhost behind a proxy)"
                )
                yield path, obj, Problem(message, c.line(), path=path, at_most=Severity.INFO)
            elif scraped_only:
                message = (
                    f"{c.label} has no readinessProbe, but only headless Services that Prometheus scrapes "
                    "select its pods, and Prometheus scrapes pods that are not ready too"
                )
                yield path, obj, Problem(message, c.line(), path=path, at_most=Severity.INFO)
            else:
                message = f"{c.label} has no readinessProbe (no Service in the manifests selects its pods)"
                yield path, obj, Problem(message, c.line(), path=path, at_most=Severity.INFO)


@object_rule(
    "KU004",
    "I",
    "Container with neither a liveness nor a readiness probe",
    fix="Add a `livenessProbe` that fails only when the process is stuck and a restart would help.",
    docs="""
## What it does
Reports a container (or native sidecar) of a long-running workload (Deployment, OpenShift
DeploymentConfig, StatefulSet, DaemonSet, ReplicaSet, a Pod that restarts) with no
`livenessProbe` and no `readinessProbe`. Jobs, CronJobs, run-once Pods
and init containers are exempt: they are meant to finish, and a liveness probe would only kill a
slow batch run.

It is advice (info), not a warning: a liveness probe is a debatable default. Many experienced
operators leave it out unless the process is known to hang, because a probe that checks a
dependency, or times out under load, restarts every replica at once and turns a slow database
into an outage. A container with a readiness probe is already taken out of service when it stops
answering, so it is not reported; the note is for containers with neither probe (workers,
agents), where nothing at all notices a hang.

## Why it matters
A process that deadlocks or stops answering without exiting stays "running" forever: Kubernetes
only restarts containers that exit or fail their liveness probe, so the pod holds its slot and,
without any probe, keeps receiving whatever work it is given until someone notices.

## Example
```yaml
containers:
  - name: worker
    image: shop/worker:2.0.1
```

## Fix
```yaml
containers:
  - name: worker
    image: shop/worker:2.0.1
    livenessProbe:
      exec: {command: ["celery", "inspect", "ping", "-d", "celery@$(HOSTNAME)"]}
      periodSeconds: 30
      failureThreshold: 3
```

## Equivalent rules
kube-linter `no-liveness-probe`; checkov CKV_K8S_8.
""",
)
def ku004(obj: KubeObject) -> Iterator[Problem]:
    for c in wl.containers(obj):
        probed = "livenessProbe" in c.body or "readinessProbe" in c.body
        if c.runs_alongside and c.pod.long_running and not probed:
            yield Problem(f"{c.label} has no livenessProbe (nor a readinessProbe)", c.line())


# KU005 / KU006 / KU007 --------------------------------------------------------------------------


@object_rule(
    "KU005",
    "E",
    "Container may run as root",
    fix="Set `securityContext.runAsNonRoot: true` (pod or container) and a non-zero `runAsUser`.",
    docs="""
## What it does
Reports a container that runs as UID 0 (`runAsUser: 0`, in the container or inherited from the
pod), or that has neither `runAsNonRoot: true` nor a non-zero `runAsUser` from the pod or the
container, so that it runs as whatever user the image says, root by default. It also reports a
container whose primary group is 0 (`runAsGroup: 0`). A container's own setting overrides the
pod's; the pod's covers every container.

## Why it matters
Root in a container is root on the host's kernel, one escape away from the node: a writable host
mount, a kernel bug or a mis-set capability turns an application bug into a node compromise. With
`runAsNonRoot: true` the kubelet refuses to start an image that would run as root. Group 0 is
root's group: a non-root user in it can still write every file the image left group-writable to
root, and read what only root's group may read on a mounted host path.

## Example
```yaml
spec:
  containers:
    - name: api
      image: shop/api:1.4.2
```

## Fix
```yaml
spec:
  securityContext:
    runAsNonRoot: true
    runAsUser: 10001
  containers:
    - name: api
      image: shop/api:1.4.2
```

## Equivalent rules
kube-linter `run-as-non-root` (which also reports `runAsGroup: 0`); checkov CKV_K8S_23 (root
containers) and CKV_K8S_40 (high UID).
""",
)
def ku005(obj: KubeObject) -> Iterator[Problem]:
    for c in wl.containers(obj):
        if c.role == "ephemeral":
            continue
        user = wl.as_int(c.setting("runAsUser"))
        if user == 0:
            yield Problem(f"{c.label} runs as root (runAsUser: 0)", _setting_line(c, "runAsUser"))
        elif wl.as_bool(c.setting("runAsNonRoot")) is not True and not user:
            yield Problem(
                f"{c.label} sets neither runAsNonRoot: true nor a non-root runAsUser, "
                "so it runs as the image's user (root unless the image says otherwise)",
                c.line(),
            )
        if wl.as_int(c.setting("runAsGroup")) == 0:
            yield Problem(f"{c.label} runs in root's group (runAsGroup: 0)", _setting_line(c, "runAsGroup"))


def _setting_line(c: wl.Container, key: str) -> int | None:
    """The line of a security setting where it is written: the container's, else the pod's."""
    if key in c.security:
        return c.line("securityContext", key)
    return c.pod.line("securityContext", key)


@object_rule(
    "KU006",
    "E",
    "Container is privileged, can escalate privileges, or keeps its capabilities",
    fix="In the container's securityContext: `privileged: false`, `allowPrivilegeEscalation: false`, "
    "`capabilities: {drop: [ALL]}`.",
    docs="""
## What it does
Reports a container (init containers and sidecars included) that runs `privileged: true`, that does
not set `allowPrivilegeEscalation: false`, whose `capabilities.drop` does not include `ALL`, or
that adds `ALL` or `SYS_ADMIN` back. One finding per container lists every gap.

## Why it matters
A privileged container sees every device of the node and can load kernel modules: it is the node.
Without `allowPrivilegeEscalation: false`, a setuid binary in the image regains privileges the
process was started without. The default capability set still allows raw sockets (`NET_RAW`, for
ARP spoofing inside the node) and changing file ownership; almost no application needs any of it.
These three settings are what the Pod Security "restricted" profile requires.

## Example
```yaml
containers:
  - name: api
    image: shop/api:1.4.2
    securityContext:
      privileged: true
```

## Fix
```yaml
containers:
  - name: api
    image: shop/api:1.4.2
    securityContext:
      allowPrivilegeEscalation: false
      capabilities: {drop: [ALL]}
```
Add back a single capability when it is really needed (`add: [NET_BIND_SERVICE]`).

## Equivalent rules
kube-linter `privileged-container`, `privilege-escalation-container` and `drop-net-raw-capability`;
checkov CKV_K8S_16 (privileged), CKV_K8S_20 (allowPrivilegeEscalation), CKV_K8S_28 (NET_RAW),
CKV_K8S_37 (capabilities) and CKV_K8S_39 (SYS_ADMIN).
""",
)
def ku006(obj: KubeObject) -> Iterator[Problem]:
    for c in wl.containers(obj):
        if c.role == "ephemeral":
            continue
        sec = c.security
        caps = sec.get("capabilities")
        caps = caps if isinstance(caps, YMap) else YMap(0, 0)
        drop = {str(x).upper() for x in caps.get("drop") or [] if isinstance(x, str)}
        add = {str(x).upper().removeprefix("CAP_") for x in caps.get("add") or [] if isinstance(x, str)}
        privileged = wl.as_bool(sec.get("privileged")) is True
        gaps = []
        if privileged:
            gaps.append("runs privileged")
        if wl.as_bool(sec.get("allowPrivilegeEscalation")) is not False:
            gaps.append("does not set allowPrivilegeEscalation: false")
        if "ALL" not in drop:
            gaps.append("does not drop ALL capabilities")
        if add & {"ALL", "SYS_ADMIN"}:
            gaps.append(f"adds {', '.join(sorted(add & {'ALL', 'SYS_ADMIN'}))}")
        if not gaps:
            continue
        line = c.line("securityContext", "privileged") if privileged else c.line_of("securityContext")
        yield Problem(f"{c.label} {', '.join(gaps)}", line)


@object_rule(
    "KU007",
    "W",
    "Container root filesystem is writable",
    fix="Set `securityContext.readOnlyRootFilesystem: true` and mount an `emptyDir` where the app "
    "must write (e.g. /tmp).",
    docs="""
## What it does
Reports a container (init containers and sidecars included) whose securityContext does not set
`readOnlyRootFilesystem: true` (the setting exists only at container level).

## Why it matters
An attacker who gets code execution in a writable container can drop tools, rewrite the
application's own files or plant a backdoor that lives as long as the pod. A read-only root also
stops the app from quietly filling the node's disk with logs or caches; the few paths that must be
writable become explicit `emptyDir` mounts with a size limit.

## Example
```yaml
containers:
  - name: api
    image: shop/api:1.4.2
    securityContext:
      allowPrivilegeEscalation: false
```

## Fix
```yaml
containers:
  - name: api
    image: shop/api:1.4.2
    securityContext:
      allowPrivilegeEscalation: false
      readOnlyRootFilesystem: true
    volumeMounts:
      - {name: tmp, mountPath: /tmp}
volumes:
  - name: tmp
    emptyDir: {sizeLimit: 64Mi}
```

## Equivalent rules
kube-linter `no-read-only-root-fs`; checkov CKV_K8S_22.
""",
)
def ku007(obj: KubeObject) -> Iterator[Problem]:
    for c in wl.containers(obj):
        if c.role == "ephemeral" or wl.as_bool(c.security.get("readOnlyRootFilesystem")) is True:
            continue
        yield Problem(f"{c.label} has a writable root filesystem", c.line_of("securityContext"))


# KU008 ---------------------------------------------------------------------------------------


@object_rule(
    "KU008",
    "E",
    "Secret value written inline",
    applies_to="live-credentials",
    fix="Store the value in a Secret (created outside git, or sealed/external) and read it with "
    "`valueFrom.secretKeyRef`.",
    docs="""
## What it does
Reports an `env` entry of any container whose literal `value` is a secret: the variable is named
like one (PASSWORD, SECRET, TOKEN, API_KEY, PRIVATE_KEY, ...) and the value is really there (not
empty, not a `$(VAR)` reference), or the value has the shape of a credential whatever its name
(cloud access keys, GitHub/GitLab/Slack/Stripe tokens and webhooks, private keys, a password inside
a URL). A ConfigMap entry holding such a value is reported too: ConfigMaps are not secret. So is a
committed Secret whose `data` (decoded from base64) or `stringData` holds a credential, a
real-looking value under a secret name, or a registry password in `.dockerconfigjson`; sample
values (`changeme`, `admin`) are left alone. A
secret-named variable holding a file path, an image or a URL without a password holds no secret.

## Why it matters
A manifest lives in git, in CI logs, in `kubectl get -o yaml` output and in every backup of the
cluster's state, readable by anyone with read access to the namespace. A secret written there has
leaked already; it cannot be rotated without a commit, and it stays in the history.

## Example
```yaml
env:
  - name: DATABASE_PASSWORD
    value: hunter2
```

## Fix
```yaml
env:
  - name: DATABASE_PASSWORD
    valueFrom:
      secretKeyRef: {name: shop-db, key: password}
```

## Equivalent rules
kube-linter `env-var-secret`; checkov's secret scanning (CKV_SECRET_*) on Kubernetes files.
""",
)
def ku008(obj: KubeObject) -> Iterator[Problem]:
    for c in wl.containers(obj):
        env = c.body.get("env")
        if not isinstance(env, YSeq):
            continue
        for index, item in enumerate(env):
            if not isinstance(item, YMap) or "value" not in item or item.get("value") is None:
                continue
            name, value = str(item.get("name", "")), str(item["value"])
            problem = _inline_secret(f"{c.label}: env {name}", name, value)
            if problem:
                yield Problem(problem, c.line("env", index, "value"))
    if obj.kind == "ConfigMap" and isinstance(obj.get("data"), YMap):
        for key, value in obj.body["data"].items():
            problem = _inline_secret(f"{obj.title}: key {key}", str(key), str(value or ""))
            if problem:
                yield Problem(problem, obj.line_at("data", key))
    if obj.kind == "Secret":
        yield from _committed_secret_data(obj)


def _inline_secret(what: str, name: str, value: str) -> str | None:
    found = secret_in(name, value)
    if found is None:
        return None
    if found[0] == "literal secret":
        return f"{what} is a secret written in the manifest ({mask(found[1])})"
    return f"{what} holds {described(found)}"


def _committed_secret_data(obj: KubeObject) -> Iterator[Problem]:
    """A Secret's `data` (base64, decoded here) and `stringData` values that are real credentials:
    a provider token, a private key, a URL password, or a real-looking value under a secret name.
    Sample values (`changeme`, `admin`, short or repetitive ones) stay quiet."""
    for field in ("data", "stringData"):
        entries = obj.get(field)
        if not isinstance(entries, YMap):
            continue
        for key, raw in entries.items():
            value = decoded_secret(raw) if field == "data" else raw if isinstance(raw, str) else None
            if value is None:
                continue
            found = credential_in(value)
            if found is None and is_secret_name(str(key)) and looks_real(value):
                found = ("literal secret", value.strip())
            if found is None and str(key) in (".dockerconfigjson", ".dockercfg"):
                password = registry_password(value)
                found = ("registry password", password) if password else None
            if found:
                line = obj.line_at(field, key)
                yield Problem(f"{obj.title}: `{field}.{key}` holds {described(found)}", line)


# KU009 / KU010 ---------------------------------------------------------------------------------


@repo_rule(
    "KU009",
    "W",
    FAMILY,
    "Deployment update strategy causes downtime",
    fix="Use `strategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 0, maxSurge: 1}}`.",
    docs="""
## What it does
Reports a Deployment (or an OpenShift DeploymentConfig) whose strategy is `Recreate`, or a
rolling update whose `maxUnavailable` (an absolute number, or a percentage rounded down as the
controller does: the default 25% is 0 below four replicas) takes pods away while it runs on two
replicas or fewer. It is a warning when the rollout may take every pod away at once (an
outage), and info when some pods keep serving (two replicas, one unavailable: half the capacity
for a moment, which some teams accept on purpose). `Recreate` is not reported when the pod
mounts a PersistentVolumeClaim that only one node can attach (`ReadWriteOnce` or
`ReadWriteOncePod`, or a claim not in the manifests, whose mode is unknown): a rolling update
would leave the new pod waiting for the volume the old one holds, so `Recreate` is the correct
choice there. The replica count is the autoscaler's
`minReplicas` when a HorizontalPodAutoscaler in the manifests targets the Deployment. A strategy
`type` Kubernetes does not know is reported by KU014 (the API server rejects it), not here.

## Why it matters
`Recreate` stops every old pod before starting a new one: each deploy is an outage. With one or
two replicas, letting one pod go unavailable during the rollout removes half or all of the
capacity while the new pods warm up. `maxUnavailable: 0` with `maxSurge: 1` starts each new pod
and waits for it to be ready before stopping an old one.

## Example
```yaml
kind: Deployment
spec:
  replicas: 2
  strategy:
    rollingUpdate: {maxUnavailable: 1}
```

## Fix
```yaml
spec:
  replicas: 2
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxUnavailable: 0, maxSurge: 1}
```
Keep `Recreate` only for what cannot run two versions at once, and say so with
`opsmith.dev/ignore: KU009`.

## Equivalent rules
kube-linter `no-rolling-update-strategy` (partly: it asks for RollingUpdate, not for safe
numbers; its fixture's `type: Other` is a KU014 error here); checkov has none.
""",
)
def ku009(repo: RepoContext) -> Iterator[Problem]:
    objects = _objects(repo)
    return report("KU009", _ku009(objects))


# The rolling strategy of each kind: its `type` (the default) and the key of its parameters.
_ROLLING = {
    "Deployment": ("RollingUpdate", "rollingUpdate"),
    "DeploymentConfig": ("Rolling", "rollingParams"),
}


def _ku009(objects: list[tuple[str, KubeObject]]) -> Iterator[tuple[str, KubeObject, Problem]]:
    for path, obj in objects:
        if obj.kind not in _ROLLING:
            continue
        rolling_type, params = _ROLLING[obj.kind]
        strategy = obj.get("spec", "strategy")
        strategy = strategy if isinstance(strategy, YMap) else YMap(0, 0)
        if strategy.get("type") == "Recreate":
            if _single_writer_claim(obj, objects):
                continue  # a ReadWriteOnce volume cannot be mounted by two pods on two nodes
            problem = Problem(
                f"{obj.title} uses the Recreate strategy: every rollout stops all pods first",
                obj.line_at("spec", "strategy", "type"),
                path=path,
            )
            yield path, obj, problem
            continue
        if strategy.get("type", rolling_type) != rolling_type:
            continue  # a custom strategy, or a type the API server rejects (KU014)
        count, source = replicas.scale_floor(obj, objects)
        if count is None or not 0 < count <= 2:
            continue
        rolling = strategy.get(params)
        raw = rolling.get("maxUnavailable", "25%") if isinstance(rolling, YMap) else "25%"
        unavailable = wl.scaled(raw, count, round_up=False)
        if unavailable:
            line = obj.line_at("spec", "strategy", params, "maxUnavailable")
            message = (
                f"{obj.title} lets {unavailable} of its {count} pod(s){source} go unavailable during "
                f"a rollout (maxUnavailable: {raw})"
            )
            if unavailable < count:  # some pods keep serving: less capacity, not an outage
                message += "; the rest keep serving at reduced capacity"
                yield path, obj, Problem(message, line, path=path, at_most=Severity.INFO)
            else:
                yield path, obj, Problem(message + ": no pod serves meanwhile", line, path=path)


def _single_writer_claim(obj: KubeObject, objects: list[tuple[str, KubeObject]]) -> bool:
    """Does the pod mount a PersistentVolumeClaim that only one node can write (ReadWriteOnce or
    ReadWriteOncePod, or a claim whose access mode the manifests do not show)?"""
    claims = {
        str(volume["persistentVolumeClaim"].get("claimName"))
        for pod in wl.pod_specs(obj)
        for volume in _items(pod.spec.get("volumes"))
        if isinstance(volume, YMap) and isinstance(volume.get("persistentVolumeClaim"), YMap)
    }
    for name in claims:
        modes = [
            set(map(str, _items(pvc.get("spec", "accessModes"))))
            for _, pvc in objects
            if pvc.kind == "PersistentVolumeClaim" and pvc.name == name and wl.same_scope(pvc, obj)
        ]
        if not modes or any(not m or m & {"ReadWriteOnce", "ReadWriteOncePod"} for m in modes):
            return True
    return False


def _items(value: object) -> YSeq:
    return value if isinstance(value, YSeq) else YSeq(0, 0)


@repo_rule(
    "KU010",
    "W",
    FAMILY,
    "Deployment with a single replica or no PodDisruptionBudget",
    fix="Run at least 2 replicas (or an autoscaler with minReplicas >= 2) and add a "
    "PodDisruptionBudget whose selector matches the pods.",
    docs="""
## What it does
Looks at every Deployment (and OpenShift DeploymentConfig) in the manifests (all files, and
rendered kustomizations) and reports one that runs fewer replicas than it should (its
autoscaler's `minReplicas` when a HorizontalPodAutoscaler targets it), or that no
PodDisruptionBudget in the same namespace selects. A HorizontalPodAutoscaler whose target is not
in the manifests is judged on its own `minReplicas`. Deployments scaled to 0 are left alone.

A single replica of a controller that cannot run two is reported at info, with the reason: its
ServiceAccount is bound by a ClusterRoleBinding to a role that watches and writes objects, and it
has no leader election (no `leader-elect`/`election` argument, and no role of its ServiceAccount
may write `leases` in `coordination.k8s.io`, which client-go's leader election needs). Two
replicas of such a controller (prometheus-operator is one) both reconcile every object and fight
over the writes. A role that is not in the manifests, or is aggregated, keeps the warning, since
it may grant Leases.

"Should" is the approved design's `replicas_min` for the service of that name when the
repository has an `opsmith.yaml`, and two otherwise. Both are warnings: one replica is an outage
on every drain, and the design's minimum is what was approved (one replica per availability zone
from the growth tier up).

## Why it matters
A single replica is down during every node drain, cluster upgrade, eviction or crash; fewer
replicas than zones means a zone outage takes the service down. Without a PodDisruptionBudget,
`kubectl drain` and the cluster autoscaler may evict every replica at once: node maintenance
becomes an outage even with several replicas.

## Example
```yaml
kind: Deployment
metadata: {name: api}
spec:
  replicas: 1
```

## Fix
```yaml
kind: Deployment
metadata: {name: api}
spec:
  replicas: 3
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: api}
spec:
  maxUnavailable: 1
  selector:
    matchLabels: {app.kubernetes.io/name: api}
```

## Equivalent rules
kube-linter `minimum-three-replicas` and `hpa-minimum-three-replicas` (replicas only, three by
default: opsmith asks for two unless the design says more, so their fixtures' two replicas pass
here); checkov has none for the PodDisruptionBudget.
""",
)
def ku010(repo: RepoContext) -> Iterator[Problem]:
    objects = _objects(repo)
    minimums = replicas.design_minimums(repo)
    budgets = [o for _, o in objects if o.kind == "PodDisruptionBudget"]
    found = []
    for path, obj in objects:
        if obj.kind not in wl.DEPLOYMENTS:
            continue
        count, source = replicas.scale_floor(obj, objects)
        if count == 0:
            continue
        labels = wl.template_labels(obj) or {}
        covered = any(
            wl.same_scope(pdb, obj) and wl.selector_matches(pdb.get("spec", "selector"), labels)
            for pdb in budgets
        )
        floor, why = replicas.floor_for((obj.origin or obj).name, minimums)
        gaps = []
        if count is not None and count < floor:
            gaps.append(f"runs {_replicas(count)}{source}{why}")
        if not covered:
            gaps.append("no PodDisruptionBudget selects its pods")
        if gaps:
            line = obj.line_at("spec", "replicas") if count is not None and count < floor else obj.line
            message = f"{obj.title}: {' and '.join(gaps)}"
            if count == 1 and replicas.single_controller(obj, objects):
                message += (
                    ", but it is a cluster-wide controller with no leader election, which runs one "
                    "replica by design"
                )
                found.append((path, obj, Problem(message, line, path=path, at_most=Severity.INFO)))
            else:
                found.append((path, obj, Problem(message, line, path=path)))
    found.extend(_autoscalers_below_floor(objects, minimums))
    return report("KU010", found)


def _autoscalers_below_floor(
    objects: list[tuple[str, KubeObject]], minimums: dict[str, int]
) -> Iterator[tuple[str, KubeObject, Problem]]:
    """Autoscalers whose target is not in these manifests (their Deployment's finding covers the
    others), judged on their own minReplicas."""
    for path, hpa in replicas.autoscalers(objects):
        if any(replicas.targets(hpa, obj) for _, obj in objects):
            continue
        low = replicas.min_replicas(hpa)
        target = hpa.get("spec", "scaleTargetRef")
        name = str(target.get("name", "")) if isinstance(target, YMap) else ""
        floor, why = replicas.floor_for(name, minimums)
        if low is not None and 0 < low < floor:
            where = f"{target.get('kind', 'its target')} {name}" if isinstance(target, YMap) else "its target"
            message = f"{hpa.title} lets {where} scale down to {_replicas(low)}{why}"
            yield path, hpa, Problem(message, hpa.line_at("spec", "minReplicas"), path=path)


def _replicas(count: int) -> str:
    return "a single replica" if count == 1 else f"{count} replicas"


# KU011 ---------------------------------------------------------------------------------------


@object_rule(
    "KU011",
    "E",
    "Pod shares the node's filesystem or namespaces",
    fix="Remove hostPath volumes and hostNetwork/hostPID/hostIPC; use a PersistentVolumeClaim, "
    "a ConfigMap or an emptyDir instead.",
    docs="""
## What it does
Reports a pod template (any workload kind) that mounts a `hostPath` volume or sets `hostNetwork`,
`hostPID` or `hostIPC` to true.

A DaemonSet of a well-known node agent (node-exporter, cAdvisor, log shippers such as Fluent Bit,
Vector or Promtail, CNI and CSI plugins, kube-proxy, monitoring and security sensors), recognised
by its name or images, is reported at info: reading the node is what it is for, and the note only
asks to check it takes no more than it needs.

## Why it matters
A hostPath mount gives the pod the node's files: the container runtime socket, kubelet
credentials, other pods' logs and secrets. The host namespaces let it see and signal every process
on the node, sniff its traffic or bind its ports. Node agents (log shippers, CNI plugins) need
some of this: they should say so explicitly with an ignore annotation, so that an application
never gets it by accident.

## Example
```yaml
spec:
  hostNetwork: true
  volumes:
    - name: logs
      hostPath: {path: /var/log}
```

## Fix
```yaml
spec:
  volumes:
    - name: logs
      emptyDir: {}
```
For a node agent that truly needs it: `metadata.annotations: {opsmith.dev/ignore: KU011}`.

## Equivalent rules
kube-linter `host-network`, `host-pid`, `host-ipc`, `sensitive-host-mounts` and
`writable-host-mount`; checkov CKV_K8S_17 (hostPID), CKV_K8S_18 (hostIPC), CKV_K8S_19 (hostNetwork).
""",
)
def ku011(obj: KubeObject) -> Iterator[Problem]:
    agent = _node_agent(obj)
    at_most, note = (Severity.INFO, " (a node agent, which may need it)") if agent else (None, "")
    for pod in wl.pod_specs(obj):
        for key in ("hostNetwork", "hostPID", "hostIPC"):
            if wl.as_bool(pod.spec.get(key)) is True:
                yield Problem(f"{obj.title} sets {key}: true{note}", pod.line(key), at_most=at_most)
        volumes = pod.spec.get("volumes")
        if not isinstance(volumes, YSeq):
            continue
        for index, volume in enumerate(volumes):
            if isinstance(volume, YMap) and "hostPath" in volume:
                host = volume["hostPath"]
                where = host.get("path") if isinstance(host, YMap) else None
                what = f"the node's {where or 'filesystem'}"
                message = f"{obj.title} mounts {what} (hostPath volume `{volume.get('name')}`){note}"
                yield Problem(message, pod.line("volumes", index, "hostPath"), at_most=at_most)


def _node_agent(obj: KubeObject) -> bool:
    """A DaemonSet of a well-known node agent (by its name or one of its images)."""
    if obj.kind != "DaemonSet":
        return False
    images = (c.body.get("image") for c in wl.containers(obj))
    return any(is_host_agent(name) for name in (obj.name, *(i for i in images if isinstance(i, str))))


# KU012 ---------------------------------------------------------------------------------------


@repo_rule(
    "KU012",
    "E",
    FAMILY,
    "Service selector matches no pod template",
    fix="Make the Service's `spec.selector` a subset of the pod template labels of the workload it fronts.",
    docs="""
## What it does
Compares every Service's `spec.selector` with the pod template labels of every workload in the
manifests (any file, and rendered kustomizations), in the same namespace, and reports a Service
that selects none of them. Services without a selector (external endpoints), `ExternalName`
Services, and repositories that define no pod template at all are not judged. Labels a controller
adds to each pod (`statefulset.kubernetes.io/pod-name`, `job-name`...) are not asked of the
template.

Pods an operator creates are not in the manifests as pod templates, so a Service that selects
them is not reported: its selector uses a key only operators set (`prometheus: k8s`,
`alertmanager: main`, `app.kubernetes.io/managed-by: ...-operator`), or a custom resource in the
same namespace carries the selected labels for its pods (`spec.podMetadata.labels`, as a
prometheus-operator `Prometheus` does) or on itself when its spec describes pods. A Service in a
namespace no workload of the repository is written for, and whose labels no pod template anywhere
carries, most likely fronts pods that a Helm chart or the platform installs there: that finding is
info, since opsmith cannot see them. So is a Service whose selected label value names a chart that
the instructions in its folder install (`helm install dcgm-exporter nvidia/dcgm-exporter` in a
README, a script or a Makefile beside a Service selecting `app.kubernetes.io/name:
gpu-dcgm-exporter`).

## Why it matters
A Service whose selector matches no pod has no endpoints: the Ingress in front of it answers 503
and nothing in `kubectl apply` complains. It typically comes from a label renamed on one side only,
or a kustomize `commonLabels` that changed the pods but not a hand-written selector.

## Example
```yaml
kind: Service
spec:
  selector: {app: shop-api}
---
kind: Deployment
spec:
  template:
    metadata:
      labels: {app: api}
```

## Fix
```yaml
kind: Service
spec:
  selector: {app: api}
```

## Equivalent rules
kube-linter `dangling-service`; checkov has none.
""",
)
def ku012(repo: RepoContext) -> Iterator[Problem]:
    objects = _objects(repo)
    workloads = [(o, wl.template_labels(o) or {}) for _, o in objects if o.kind in wl.POD_SPEC_PATHS]
    if not workloads:
        return iter(())
    everything = [o for _, o in objects]
    # Namespaces some workload is written for: a Service elsewhere fronts pods installed otherwise.
    homes = {o.namespace for o, _ in workloads if o.namespace is not None}
    found = []
    for path, svc in objects:
        selector = services.selector(svc)
        if not selector:
            continue
        near = [(o, labels) for o, labels in workloads if wl.same_scope(o, svc)]
        if any(services.matches(selector, labels) for _, labels in near):
            continue
        if services.operator_made(svc, selector, everything):
            continue
        wanted = ", ".join(f"{k}={v}" for k, v in selector.items())
        close = [
            f"{o.title} has {', '.join(f'{k}={labels[k]}' for k in selector if k in labels)}"
            for o, labels in near
            if any(k in labels for k in selector)
        ]
        hint = f" ({'; '.join(close[:2])})" if close else ""
        scope = f" in namespace {svc.namespace}" if svc.namespace else ""
        message = f"{svc.title} selects {wanted}, which no pod template{scope} carries{hint}"
        # Pods written for another namespace are a slip; none written at all may be a chart's.
        elsewhere = (
            svc.namespace is not None
            and svc.namespace not in homes
            and not any(services.matches(selector, labels) for _, labels in workloads)
        )
        charted = not elsewhere and services.names_a_chart(
            selector, services.charts_installed_beside(repo, path)
        )
        at_most = Severity.INFO if elsewhere or charted else None
        if elsewhere:
            message += " (no workload here is written for that namespace: its pods may come from a chart)"
        elif charted:
            message += " (the instructions beside it install a Helm chart of that name, which makes its pods)"
        found.append(
            (path, svc, Problem(message, svc.line_at("spec", "selector"), path=path, at_most=at_most))
        )
    return report("KU012", found)


# KU013 ---------------------------------------------------------------------------------------


@file_rule(
    "KU013",
    "I",
    FAMILY,
    "Object without a label saying what it belongs to",
    fix="Label objects with the recommended `app.kubernetes.io/name` (and `part-of`, `instance`); "
    "kustomize `labels:` sets them on every object at once.",
    docs="""
## What it does
Notes an object none of whose `metadata.labels` says what it belongs to: none of Kubernetes'
recommended labels (`app.kubernetes.io/name`, `instance`, `part-of`, `component`, `managed-by`),
no `app` or `k8s-app` label, and no owner label (`team`, `owner`, `squad`, `maintainer`, with or
without a domain prefix such as `example.com/team`). Labels a kustomization adds are taken into
account.

Which labels to use is a team convention, so the rule is advice (info) and accepts any of the
common ones. A team that requires an owner label on every object can say which in `.opsmith.toml`
(`[kubernetes] owner-labels = ["team"]`): objects without one of those (domain prefix allowed) are
then noted too.

## Why it matters
During an incident the first questions are "what is this?" and "who owns it?". Without a label
that answers them nobody can tell which service a pod, a ConfigMap or a PrometheusRule belongs to,
cost reports and alert routing cannot group by application or team, and orphaned objects pile up
in the cluster because no one dares to delete them.

## Example
```yaml
metadata:
  name: api
```

## Fix
```yaml
metadata:
  name: api
  labels:
    app.kubernetes.io/name: api
    app.kubernetes.io/part-of: shop
```

## Equivalent rules
kube-linter `required-label-owner` (opt-in, asks for an `owner` label); checkov has none.
""",
)
def ku013(doc: KubeDoc, ctx: FileContext) -> Iterator[Problem]:
    required = ctx.setting("kubernetes.owner-labels") or []
    owners = [str(k) for k in required] if isinstance(required, list) else [str(required)]
    found = []
    for obj in doc.objects:
        labels = obj.labels
        missing = []
        if wl.identity_label(labels) is None:
            missing.append("label saying what it belongs to (`app.kubernetes.io/name`, `app`, ...)")
        if owners and not any(v and {k, k.rpartition("/")[2]} & set(owners) for k, v in labels.items()):
            missing.append(f"owner label ({', '.join(f'`{o}`' for o in owners)})")
        if missing:
            meta = obj.metadata
            line = obj.line_at("metadata", "labels") if "labels" in meta else obj.line_at("metadata")
            found.append((ctx.path, obj, Problem(f"{obj.title} has no {' and no '.join(missing)}", line)))
    return _file_only(report("KU013", found))


# KU014 / KU017 ---------------------------------------------------------------------------------


@file_rule(
    "KU014",
    "E",
    FAMILY,
    "Manifest is not valid against the Kubernetes schema",
    fix="Correct the field the message names; `kubectl apply --dry-run=server` shows the same error.",
    docs="""
## What it does
Validates every object against the OpenAPI schema of its kind for the Kubernetes version set in
`.opsmith.toml` (`[kubernetes] version = "1.31"`; by default the newest version the bundled
schemas cover), offline, with the schemas `kubernetes-validate` ships. It reports unknown fields
(a misspelt `readinessProbe` is silently ignored by older clients and then missing), wrong types
(a label value written as a number), missing required fields, keys written twice, an object
without a name, and a built-in API version that this Kubernetes version does not serve (removed
or misspelt, such as `policy/v1beta1` PodDisruptionBudget). It also checks the fields the API
server limits to a fixed list of values while the schemas leave them free text: the update
strategy of Deployments, OpenShift DeploymentConfigs, StatefulSets and DaemonSets, a pod's
`restartPolicy`, a container's `imagePullPolicy`, and a Service's `type`,
`externalTrafficPolicy` and `sessionAffinity`. A manifest that is not valid YAML is
reported here too, when its text shows it is one (`apiVersion:` and `kind:` lines); a
kustomization that kustomize cannot build is reported on its kustomization file.

## Why it matters
The API server rejects an invalid object at deploy time, usually halfway through an apply that
has already changed other objects, or, for fields an older client drops, accepts a manifest that
does not do what it says.

## Example
```yaml
apiVersion: policy/v1beta1
kind: PodDisruptionBudget
metadata:
  name: api
  labels: {version: 1.0}
spec:
  minAvailble: 1
```

## Fix
```yaml
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: api
  labels: {version: "1.0"}
spec:
  minAvailable: 1
```

## Equivalent rules
kubernetes-validate and kubeconform (schema validation); checkov and kube-linter do not validate
schemas (kube-linter's `no-extensions-v1beta` covers one removed API).
""",
)
def ku014(doc: KubeDoc, ctx: FileContext) -> Iterator[Problem]:
    version = schema.pick_version(ctx.setting("kubernetes.version"))
    if version is None:
        return iter(())
    shown = f"{version[0]}.{version[1]}"
    found = []
    for obj in doc.objects:
        for bad in values.bad_values(obj):
            found.append((ctx.path, obj, Problem(f"{obj.title}: {bad.message}", obj.line_at(*bad.path))))
        issues = schema.validate(obj, version)
        if issues is None:
            if obj.group in _BUILT_IN_GROUPS:
                message = (
                    f"{obj.title}: Kubernetes {shown} serves no {obj.kind} in {obj.api_version} "
                    "(removed, or misspelt)"
                )
                found.append((ctx.path, obj, Problem(message, obj.line_at("apiVersion"))))
            continue
        for issue in issues:
            line = issue.line or obj.line_at(*issue.path)
            found.append((ctx.path, obj, Problem(f"{obj.title}: {issue.message}", line)))
    return _file_only(report("KU014", found))


@file_rule(
    "KU017",
    "I",
    FAMILY,
    "Custom resource not validated against a schema",
    fix="Nothing to fix; ignore KU017 once you know which custom resources you use.",
    docs="""
## What it does
Notes, once per file and kind, an object whose kind has no bundled schema: a custom resource
(PrometheusRule, Certificate, an Argo Rollout...). It is still audited by every other rule that
applies (labels, namespace, containers), but KU014 could not check its fields.

## Why it matters
A clean KU014 on such a file does not mean the custom resource is valid: its fields are checked
only when the operator's admission webhook or CRD schema sees it, at deploy time.

## Example
```yaml
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
```

## Fix
Nothing to change in the manifest. Validate custom resources against their CRD in CI (for
example `kubeconform` with the operator's published schemas), and add `KU017` to `ignore` in
`.opsmith.toml` once you have.

## Equivalent rules
kubeconform `-ignore-missing-schemas` and kubernetes-validate's "couldn't find schema" warning;
checkov and kube-linter have none.
""",
)
def ku017(doc: KubeDoc, ctx: FileContext) -> Iterator[Problem]:
    version = schema.pick_version(ctx.setting("kubernetes.version"))
    if version is None:
        return iter(())
    seen: set[tuple[str, str]] = set()
    found = []
    for obj in doc.objects:
        key = (obj.api_version, obj.kind)
        if key in seen or obj.group in _BUILT_IN_GROUPS or schema.has_schema(obj, version):
            continue
        seen.add(key)
        message = f"{obj.kind} ({obj.api_version}) is a custom resource with no bundled schema: not validated"
        found.append((ctx.path, obj, Problem(message, obj.line_at("kind"))))
    return _file_only(report("KU017", found))


# KU015 / KU016 ---------------------------------------------------------------------------------


@object_rule(
    "KU015",
    "W",
    "Ingress without TLS",
    fix="Add `spec.tls` with a certificate Secret covering every host (cert-manager can issue it).",
    docs="""
## What it does
Reports an Ingress with no `spec.tls`, or whose `tls` entries do not cover every host its rules
serve (wildcard certificates such as `*.example.com` count). Certificates attached by the load
balancer controller through annotations (GKE `networking.gke.io/managed-certificates`, AWS
`alb.ingress.kubernetes.io/certificate-arn`) count as TLS.

## Why it matters
Without TLS, credentials, session cookies and personal data cross the internet in clear text, and
browsers mark the site as not secure. A host left out of the `tls` list is served with the
controller's default (self-signed) certificate, which clients reject.

## Example
```yaml
kind: Ingress
spec:
  rules:
    - host: shop.example.com
```

## Fix
```yaml
kind: Ingress
metadata:
  annotations: {cert-manager.io/cluster-issuer: letsencrypt}
spec:
  tls:
    - hosts: [shop.example.com]
      secretName: shop-tls
  rules:
    - host: shop.example.com
```

## Equivalent rules
None in kube-linter or checkov for Kubernetes Ingress objects.
""",
)
def ku015(obj: KubeObject) -> Iterator[Problem]:
    if obj.kind != "Ingress":
        return
    tls = obj.get("spec", "tls")
    if _provider_managed_tls(obj):
        return
    if not isinstance(tls, list) or not tls:
        yield Problem(
            f"{obj.title} serves plain HTTP: it has no tls section", obj.line_at("spec") or obj.line
        )
        return
    covered: list[str] = []
    for entry in tls:
        hosts = entry.get("hosts") if isinstance(entry, YMap) else None
        if not isinstance(hosts, list) or not hosts:
            return  # an entry without hosts applies its certificate to every host (or is invalid: KU014)
        covered.extend(str(h) for h in hosts)
    rules = obj.get("spec", "rules")
    hosts = (
        [str(r["host"]) for r in rules if isinstance(r, YMap) and r.get("host")]
        if isinstance(rules, list)
        else []
    )
    bare = [h for h in dict.fromkeys(hosts) if not any(_covers(c, h) for c in covered)]
    if bare:
        yield Problem(f"{obj.title} has no TLS for {', '.join(bare)}", obj.line_at("spec", "tls"))


# Load balancer controllers that attach certificates through annotations, which `spec.tls` cannot
# express: GKE ManagedCertificates, ACM certificates on the AWS Load Balancer Controller.
_MANAGED_TLS = ("networking.gke.io/managed-certificates", "alb.ingress.kubernetes.io/certificate-arn")


def _provider_managed_tls(obj: KubeObject) -> bool:
    return any(obj.annotations.get(key) for key in _MANAGED_TLS)


def _covers(pattern: str, host: str) -> bool:
    if pattern.startswith("*."):
        head, _, rest = host.partition(".")
        return bool(head) and rest == pattern[2:]
    return pattern == host


@object_rule(
    "KU016",
    "I",
    "Object in the default namespace or with no namespace",
    fix="Set `metadata.namespace` (or `namespace:` in the kustomization) to the application's namespace.",
    docs="""
## What it does
Notes a namespaced object whose `metadata.namespace` is missing or `default`. Cluster-wide kinds
(Namespace, ClusterRole, CustomResourceDefinition, PersistentVolume, StorageClass, ...) are exempt,
and a namespace set by a kustomization counts.

## Why it matters
An object with no namespace lands in whatever namespace the deploying kubectl context points at,
so the same manifest ends up in different places depending on who applies it. The `default`
namespace mixes unrelated applications, so RBAC, quotas and network policies cannot be scoped to
one of them.

## Example
```yaml
metadata:
  name: api
```

## Fix
```yaml
metadata:
  name: api
  namespace: shop
```

## Equivalent rules
kube-linter `use-namespace`; checkov CKV_K8S_21.
""",
)
def ku016(obj: KubeObject) -> Iterator[Problem]:
    if not wl.is_namespaced(obj):
        return
    namespace = obj.namespace
    if namespace is None:
        yield Problem(
            f"{obj.title} has no namespace: it goes wherever kubectl points", obj.line_at("metadata")
        )
    elif namespace == "default":
        yield Problem(f"{obj.title} is in the default namespace", obj.line_at("metadata", "namespace"))


# KU018 ---------------------------------------------------------------------------------------


@file_rule(
    "KU018",
    "I",
    FAMILY,
    "Templated manifests not audited",
    fix="Install helm (or kustomize/kubectl) where opsmith runs, or vendor remote bases, so the "
    "rendered manifests can be audited.",
    docs="""
## What it does
Notes a Helm chart or kustomization whose rendered manifests could not be audited: helm is not
installed (chart templates are Go templates, not YAML, and are never read on their own), `helm
template` fails with the chart's default values, neither kustomize nor kubectl is installed, or
the kustomization needs the network (remote bases) or helm (`helmCharts`).

## Why it matters
Those objects were not checked at all: a clean audit says nothing about them.

## Example
```text
charts/shop/Chart.yaml   (helm not installed)
```

## Fix
Run the audit where helm and kubectl are installed (both work offline), vendor remote bases into
the repository, or render the chart in CI (`helm template . > rendered.yaml`) and audit the
output.

## Equivalent rules
None: checkov and kube-linter render charts themselves when helm is present and skip them
otherwise without saying so.
""",
)
def ku018(doc: KubeDoc, ctx: FileContext) -> Iterator[Problem]:
    for note in doc.render_notes:
        yield Problem(note.message, note.line)


RULES: tuple[Rule[KubeDoc], ...] = (
    ku001,
    ku002,
    ku003,
    ku004,
    ku005,
    ku006,
    ku007,
    ku008,
    ku009,
    ku010,
    ku011,
    ku012,
    ku013,
    ku014,
    ku015,
    ku016,
    ku017,
    ku018,
)
