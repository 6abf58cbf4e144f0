"""Kubernetes rules KU001-KU018.

Rules read objects, never files: raw manifests, and the rendered output of kustomizations and Helm
charts, whose objects are reported in the file (and at the line) they were written in. A finding
on a base that several overlays render is reported once, naming the overlays where it holds. An
object opts out of a rule with the annotation `opsmith.dev/ignore: KU007,KU016`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace

from opsmith.findings import Problem
from opsmith.parse.image import image_ref
from opsmith.parse.kubernetes import KubeDoc, KubeObject, string_map
from opsmith.parse.yaml_tree import YMap, YSeq
from opsmith.rules import kubernetes_schema as schema
from opsmith.rules import kubernetes_workloads as wl
from opsmith.rules.base import FileContext, RepoContext, Rule, file_rule, repo_rule
from opsmith.rules.secrets import credential_in, is_literal_secret_value, is_secret_name, mask

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
    rule_id: str, severity: str, title: str, *, fix: str, docs: str
) -> Callable[[ObjectCheck], Rule[KubeDoc]]:
    """A file rule that checks each object of a document on its own."""

    def wrap(check: ObjectCheck) -> Rule[KubeDoc]:
        def run(doc: KubeDoc, ctx: FileContext) -> Iterator[Problem]:
            return _file_only(
                report(rule_id, ((ctx.path, obj, p) for obj in doc.objects for p in check(obj)))
            )

        run.__doc__ = check.__doc__
        return file_rule(rule_id, severity, FAMILY, title, fix=fix, docs=docs)(run)

    return wrap


def report(rule_id: str, found: Iterable[tuple[str, KubeObject, Problem]]) -> Iterator[Problem]:
    """Problems as reported: objects whose annotation ignores the rule dropped, and the same
    problem found in several renderings of one source object reported once, naming them."""
    renderers: dict[tuple[str, int | None, str, str | None], list[str]] = {}
    for path, obj, problem in found:
        if rule_id in obj.ignored:
            continue
        key = (path, problem.line, problem.message, problem.fix)
        where = renderers.setdefault(key, [])
        if (
            obj.rendered_by is not None
            and not _inside(path, obj.rendered_by)
            and obj.rendered_by not in where
        ):
            where.append(obj.rendered_by)
    for (path, line, message, fix), where in renderers.items():
        suffix = f" (as rendered by {' and '.join(sorted(where))})" if where else ""
        yield Problem(message + suffix, line, fix=fix, path=path)


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


@object_rule(
    "KU001",
    "E",
    "Container image is `latest` or has no tag",
    fix="Pin the image to a version tag (and ideally a digest): `image: registry/app:1.4.2`.",
    docs="""
## What it does
Reports a container (init containers and sidecars included) whose `image` has no tag, which means
`latest`, or uses the `latest` tag, unless it is pinned by digest. Kustomize overlays that set the tag
with `images:` are taken into account: the rendered image is checked.

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
def ku001(obj: KubeObject) -> Iterator[Problem]:
    for c in wl.containers(obj):
        image = c.body.get("image")
        if not isinstance(image, str) or not image.strip():
            continue
        ref = image_ref(image.strip())
        if ref.digest:
            continue
        if ref.tag is None:
            yield Problem(f"{c.label} uses image `{image}` with no tag, so `latest`", c.line("image"))
        elif ref.tag == "latest":
            yield Problem(f"{c.label} uses the moving `latest` tag (`{image}`)", c.line("image"))


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


@object_rule(
    "KU003",
    "E",
    "Deployment or StatefulSet container without a readinessProbe",
    fix="Add a `readinessProbe` that checks the container can serve (e.g. an HTTP health endpoint).",
    docs="""
## What it does
Reports a container of a Deployment or StatefulSet with no `readinessProbe`. Init containers and
sidecars are not asked for one (init containers must finish, they are never "ready").

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
def ku003(obj: KubeObject) -> Iterator[Problem]:
    if obj.kind not in ("Deployment", "StatefulSet"):
        return
    for c in wl.containers(obj):
        if c.role == "container" and "readinessProbe" not in c.body:
            yield Problem(f"{c.label} has no readinessProbe", c.line())


@object_rule(
    "KU004",
    "W",
    "Container without a livenessProbe",
    fix="Add a `livenessProbe` that fails only when the process is stuck and a restart would help.",
    docs="""
## What it does
Reports a container (or native sidecar) of a long-running workload (Deployment, StatefulSet,
DaemonSet, ReplicaSet, a Pod that restarts) with no `livenessProbe`. Jobs, CronJobs, run-once Pods
and init containers are exempt: they are meant to finish, and a liveness probe would only kill a
slow batch run.

## Why it matters
A process that deadlocks or stops answering without exiting stays "running" forever: Kubernetes
only restarts containers that exit or fail their liveness probe, so the pod holds its slot and
(with a readiness probe) quietly drops out of service until someone notices.

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
        if c.runs_alongside and c.pod.long_running and "livenessProbe" not in c.body:
            yield Problem(f"{c.label} has no livenessProbe", c.line())


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
container, so that it runs as whatever user the image says, root by default. A container's own
setting overrides the pod's; the pod's covers every container.

## Why it matters
Root in a container is root on the host's kernel, one escape away from the node: a writable host
mount, a kernel bug or a mis-set capability turns an application bug into a node compromise. With
`runAsNonRoot: true` the kubelet refuses to start an image that would run as root.

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
kube-linter `run-as-non-root`; checkov CKV_K8S_23 (root containers) and CKV_K8S_40 (high UID).
""",
)
def ku005(obj: KubeObject) -> Iterator[Problem]:
    for c in wl.containers(obj):
        if c.role == "ephemeral":
            continue
        user = wl.as_int(c.setting("runAsUser"))
        if user == 0:
            line = (
                c.line("securityContext", "runAsUser")
                if "runAsUser" in c.security
                else c.pod.line("securityContext", "runAsUser")
            )
            yield Problem(f"{c.label} runs as root (runAsUser: 0)", line)
        elif wl.as_bool(c.setting("runAsNonRoot")) is not True and not user:
            yield Problem(
                f"{c.label} sets neither runAsNonRoot: true nor a non-root runAsUser, "
                "so it runs as the image's user (root unless the image says otherwise)",
                c.line(),
            )


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
    fix="Store the value in a Secret (created outside git, or sealed/external) and read it with "
    "`valueFrom.secretKeyRef`.",
    docs="""
## What it does
Reports an `env` entry of any container whose literal `value` is a secret: the variable is named
like one (PASSWORD, SECRET, TOKEN, API_KEY, PRIVATE_KEY, ...) and the value is really there (not
empty, not a `$(VAR)` reference), or the value has the shape of a credential whatever its name
(cloud access keys, GitHub/GitLab/Slack/Stripe tokens, private keys, a password inside a URL). A
ConfigMap entry holding such a value is reported too: ConfigMaps are not secret.

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


def _inline_secret(what: str, name: str, value: str) -> str | None:
    found = credential_in(value)
    if found:
        return f"{what} holds a {found[0]} ({mask(found[1])})"
    if is_secret_name(name) and "\n" not in value.strip() and is_literal_secret_value(value):
        return f"{what} is a secret written in the manifest ({mask(value)})"
    return None


# KU009 / KU010 ---------------------------------------------------------------------------------


def _scale_floor(obj: KubeObject, objects: list[tuple[str, KubeObject]]) -> tuple[int | None, str]:
    """The fewest replicas a Deployment runs: an autoscaler's minReplicas when one targets it,
    else its replicas field. With where the number comes from, for messages ('' for replicas)."""
    for _, hpa in objects:
        if hpa.kind != "HorizontalPodAutoscaler" or not wl.same_scope(hpa, obj):
            continue
        target = hpa.get("spec", "scaleTargetRef")
        source = obj.origin or obj
        if (
            isinstance(target, YMap)
            and target.get("kind") == obj.kind
            and target.get("name")
            in (
                obj.name,
                source.name,
            )
        ):
            low = hpa.get("spec", "minReplicas")
            return (1 if low is None else wl.as_int(low)), f" (the minReplicas of {hpa.title})"
    return wl.replicas(obj), ""


@repo_rule(
    "KU009",
    "W",
    FAMILY,
    "Deployment update strategy causes downtime",
    fix="Use `strategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 0, maxSurge: 1}}`.",
    docs="""
## What it does
Reports a Deployment whose strategy is `Recreate`, or a rolling update whose `maxUnavailable`
(an absolute number, or a percentage rounded down as the controller does: the default 25% is 0
below four replicas) takes pods away while it runs on two replicas or fewer. The replica count is
the autoscaler's `minReplicas` when a HorizontalPodAutoscaler in the manifests targets the
Deployment.

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
Keep `Recreate` only for what cannot run two versions at once (e.g. a single-writer volume), and
say so with `opsmith.dev/ignore: KU009`.

## Equivalent rules
kube-linter `no-rolling-update-strategy` (partly: it asks for RollingUpdate, not for safe
numbers); checkov has none.
""",
)
def ku009(repo: RepoContext) -> Iterator[Problem]:
    objects = _objects(repo)
    return report("KU009", _ku009(objects))


def _ku009(objects: list[tuple[str, KubeObject]]) -> Iterator[tuple[str, KubeObject, Problem]]:
    for path, obj in objects:
        if obj.kind != "Deployment":
            continue
        strategy = obj.get("spec", "strategy")
        strategy = strategy if isinstance(strategy, YMap) else YMap(0, 0)
        if strategy.get("type") == "Recreate":
            problem = Problem(
                f"{obj.title} uses the Recreate strategy: every rollout stops all pods first",
                obj.line_at("spec", "strategy", "type"),
                path=path,
            )
            yield path, obj, problem
            continue
        count, source = _scale_floor(obj, objects)
        if count is None or not 0 < count <= 2:
            continue
        rolling = strategy.get("rollingUpdate")
        raw = rolling.get("maxUnavailable", "25%") if isinstance(rolling, YMap) else "25%"
        unavailable = wl.scaled(raw, count, round_up=False)
        if unavailable:
            line = obj.line_at("spec", "strategy", "rollingUpdate", "maxUnavailable")
            message = (
                f"{obj.title} lets {unavailable} of its {count} pod(s){source} go unavailable during "
                f"a rollout (maxUnavailable: {raw})"
            )
            yield path, obj, Problem(message, line, path=path)


@repo_rule(
    "KU010",
    "W",
    FAMILY,
    "Deployment with a single replica or no PodDisruptionBudget",
    fix="Run at least 2 replicas (or an autoscaler with minReplicas >= 2) and add a "
    "PodDisruptionBudget whose selector matches the pods.",
    docs="""
## What it does
Looks at every Deployment in the manifests (all files, and rendered kustomizations) and reports one
that runs fewer than two replicas (its autoscaler's `minReplicas` when a HorizontalPodAutoscaler
targets it), or that no PodDisruptionBudget in the same namespace selects. Deployments scaled to 0
are left alone.

## Why it matters
A single replica is down during every node drain, cluster upgrade, eviction or crash. Without a
PodDisruptionBudget, `kubectl drain` and the cluster autoscaler may evict every replica at once:
node maintenance becomes an outage even with several replicas.

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
kube-linter `minimum-three-replicas` and `hpa-minimum-three-replicas` (replicas only); checkov
has none for the PodDisruptionBudget.
""",
)
def ku010(repo: RepoContext) -> Iterator[Problem]:
    objects = _objects(repo)
    budgets = [o for _, o in objects if o.kind == "PodDisruptionBudget"]
    found = []
    for path, obj in objects:
        if obj.kind != "Deployment":
            continue
        count, source = _scale_floor(obj, objects)
        if count == 0:
            continue
        labels = wl.template_labels(obj) or {}
        covered = any(
            wl.same_scope(pdb, obj) and wl.selector_matches(pdb.get("spec", "selector"), labels)
            for pdb in budgets
        )
        gaps = []
        if count is not None and count < 2:
            gaps.append(f"runs a single replica{source}")
        if not covered:
            gaps.append("no PodDisruptionBudget selects its pods")
        if gaps:
            line = obj.line_at("spec", "replicas") if count is not None and count < 2 else obj.line
            found.append((path, obj, Problem(f"{obj.title}: {' and '.join(gaps)}", line, path=path)))
    return report("KU010", found)


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
    for pod in wl.pod_specs(obj):
        for key in ("hostNetwork", "hostPID", "hostIPC"):
            if wl.as_bool(pod.spec.get(key)) is True:
                yield Problem(f"{obj.title} sets {key}: true", pod.line(key))
        volumes = pod.spec.get("volumes")
        if not isinstance(volumes, YSeq):
            continue
        for index, volume in enumerate(volumes):
            if isinstance(volume, YMap) and "hostPath" in volume:
                host = volume["hostPath"]
                where = host.get("path") if isinstance(host, YMap) else None
                what = f"the node's {where or 'filesystem'}"
                message = f"{obj.title} mounts {what} (hostPath volume `{volume.get('name')}`)"
                yield Problem(message, pod.line("volumes", index, "hostPath"))


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
Services, and repositories that define no pod template at all are not judged.

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
    found = []
    for path, svc in objects:
        selector = string_map(svc.get("spec", "selector"))
        if svc.kind != "Service" or not selector or svc.get("spec", "type") == "ExternalName":
            continue
        near = [(o, labels) for o, labels in workloads if wl.same_scope(o, svc)]
        if any(all(labels.get(k) == v for k, v in selector.items()) for _, labels in near):
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
        found.append((path, svc, Problem(message, svc.line_at("spec", "selector"), path=path)))
    return report("KU012", found)


# KU013 ---------------------------------------------------------------------------------------


@object_rule(
    "KU013",
    "W",
    "Object without ownership labels",
    fix="Label every object with `app.kubernetes.io/name` and a `team` (or `owner`) label; kustomize "
    "`labels:` sets them on every object at once.",
    docs="""
## What it does
Reports an object whose `metadata.labels` lack `app.kubernetes.io/name` or a label naming its
owning team (`team`, `owner`, `squad`, `maintainer`, with or without a domain prefix such as
`example.com/team`). Labels a kustomization adds are taken into account.

## Why it matters
During an incident the first questions are "what is this?" and "who owns it?". Without these
labels nobody can tell which service a pod, a ConfigMap or a PrometheusRule belongs to, cost
reports and alert routing cannot group by team, and orphaned objects pile up in the cluster
because no one dares to delete them.

## Example
```yaml
metadata:
  name: api
  labels: {app: api}
```

## Fix
```yaml
metadata:
  name: api
  labels:
    app.kubernetes.io/name: api
    app.kubernetes.io/part-of: shop
    team: payments
```

## Equivalent rules
kube-linter `required-label-owner` (opt-in); checkov has none.
""",
)
def ku013(obj: KubeObject) -> Iterator[Problem]:
    labels = obj.labels
    missing = []
    if not labels.get("app.kubernetes.io/name"):
        missing.append("`app.kubernetes.io/name`")
    if wl.owner_label(labels) is None:
        missing.append("a team/owner label")
    if missing:
        meta = obj.metadata
        line = obj.line_at("metadata", "labels") if "labels" in meta else obj.line_at("metadata")
        yield Problem(f"{obj.title} lacks {' and '.join(missing)}", line)


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
or misspelt, such as `policy/v1beta1` PodDisruptionBudget). A manifest that is not valid YAML is
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
