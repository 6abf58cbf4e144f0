"""Generated Kubernetes manifests, for every example repository at every tier that gets them, held to
opsmith's own audit (all families), to `kubectl kustomize` and to `kubernetes-validate`; the Argo
Rollouts custom resources, which no bundled schema covers, to the fields Argo requires."""

from __future__ import annotations

import functools
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import kubernetes_validate.utils as kv
import promql_parser
import pytest
import yaml

from design.fixtures import NAMES, design, facts
from helpers import audit_tree, write_tree
from opsmith.design.model import Design, Override
from opsmith.findings import Severity
from opsmith.generate import kubernetes
from opsmith.generate.artifact import Artifact
from opsmith.generate.dockerfile import GenerateError
from opsmith.generate.kubernetes_mesh import MERGED_METRICS_PORT
from opsmith.generate.kubernetes_meta import PLACEHOLDER_TAG
from opsmith.generate.options import GenerateOptions

REPOS = [name for name in NAMES if facts(name).services]
TIERS: dict[str, dict[str, Any]] = {
    "hobby": {"users": 100},
    "startup": {"users": 5_000},
    "growth": {"users": 200_000},
    "enterprise": {"users": 2_000_000},
    "compliance": {"users": 200_000, "compliance": "hipaa"},
}
BELOW_KUBERNETES = ("hobby", "startup")  # these tiers get manifests only with --k8s
CLOUDS = ("aws", "gcp", "azure")
ENVIRONMENTS = ("staging", "production")
CUSTOM_KINDS = {
    "Rollout",
    "AnalysisTemplate",
    "PodMonitor",
    "ManagedCertificate",
    "ExternalSecret",
    "PeerAuthentication",
}
KUBECTL = shutil.which("kubectl")
needs_kubectl = pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")
Case = tuple[str, str, str]  # repository, tier, cloud
Rendered = dict[tuple[str, str], list[dict[str, Any]]]  # (tree, environment) -> objects


def plan(repo: str, tier: str, cloud: str) -> Design:
    return design(repo, cloud=cloud, **TIERS[tier])


def artifacts(case: Case) -> list[Artifact]:
    repo, tier, cloud = case
    return kubernetes.render(plan(repo, tier, cloud), GenerateOptions(k8s=tier in BELOW_KUBERNETES))


def with_cron(base: Design) -> Design:
    """A design with a scheduled job and a web service whose strategy a person overrode to rolling."""
    data = base.model_dump(mode="json")
    worker = next(s for s in data["services"] if s["kind"] == "worker")
    data["services"].append({**worker, "name": "digest", "kind": "cron", "schedule": "15 3 * * *"})
    web = next(s for s in data["services"] if s["kind"] == "web")
    web["strategy"]["override"] = {"value": "rolling", "reason": "the team prefers plain rollouts"}
    return Design.model_validate(data)


def with_metrics(base: Design) -> Design:
    """A design whose web service serves Prometheus metrics on a port of its own."""
    data = base.model_dump(mode="json")
    web = next(s for s in data["services"] if s["kind"] == "web")
    web["metrics"] = {"exports": True, "path": "/metrics", "port": 9102, "reason": "prometheus_client"}
    return Design.model_validate(data)


CASES: list[Case] = [(r, t, c) for r in REPOS for t in TIERS for c in CLOUDS]


@pytest.fixture(scope="module")
def trees(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[Case, str]]:
    """Every case written under one root, one folder per distinct output (cases whose manifests are
    byte for byte the same, such as a hobby design on two clouds, share a folder)."""
    root = tmp_path_factory.mktemp("k8s")
    folders: dict[str, str] = {}
    where: dict[Case, str] = {}
    extra = {
        ("python-django", "growth", "cron"): kubernetes.render(
            with_cron(plan("python-django", "growth", "aws")), GenerateOptions()
        ),
        ("python-django", "enterprise", "metrics"): kubernetes.render(
            with_metrics(plan("python-django", "enterprise", "aws")), GenerateOptions()
        ),
    }
    every = {case: artifacts(case) for case in CASES} | extra
    for case, arts in every.items():
        assert arts, f"{case}: no manifests"
        key = json.dumps(sorted((a.path, a.content) for a in arts if a.path.endswith(".yaml")))
        if key not in folders:
            folders[key] = "-".join(case)
            write_artifacts(root / folders[key], arts)
        where[case] = folders[key]
    return root, where


def write_artifacts(root: Path, arts: list[Artifact]) -> None:
    for art in arts:
        path = root / art.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(art.content, encoding="utf-8")


@pytest.fixture(scope="module")
def rendered(trees: tuple[Path, dict[Case, str]]) -> Rendered:
    if KUBECTL is None:
        pytest.skip("kubectl is not installed")
    root, where = trees
    jobs = [(tree, env) for tree in sorted(set(where.values())) for env in ENVIRONMENTS]

    def build(job: tuple[str, str]) -> subprocess.CompletedProcess[str]:
        folder = root / job[0] / "k8s" / "overlays" / job[1]
        return subprocess.run(
            [str(KUBECTL), "kustomize", str(folder)], capture_output=True, text=True, check=False
        )

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = dict(zip(jobs, pool.map(build, jobs), strict=True))
    failed = {job: proc.stderr for job, proc in results.items() if proc.returncode != 0}
    assert failed == {}
    return {job: [o for o in yaml.safe_load_all(proc.stdout) if o] for job, proc in results.items()}


def objects(rendered: Rendered, kind: str | None = None) -> Iterator[tuple[tuple[str, str], dict[str, Any]]]:
    for job, items in rendered.items():
        for item in items:
            if kind is None or item["kind"] == kind:
                yield job, item


# opsmith audit ----------------------------------------------------------------------------------


def test_opsmith_audit_reports_nothing_above_info(trees: tuple[Path, dict[Case, str]]) -> None:
    root, where = trees
    result = audit_tree(root)
    serious = [(f.rule, f.path, f.line, f.message) for f in result.findings if f.severity > Severity.INFO]
    assert serious == []
    assert result.notes == []
    infos = {f.rule for f in result.findings}
    if KUBECTL is not None:
        # every overlay was rendered and audited (KU018 would say one was not); only the custom
        # resources no bundled schema covers are noted
        assert infos == {"KU017"}
        noted = {re.search(r"^(\w+) \(", f.message).group(1) for f in result.findings}  # type: ignore[union-attr]
        assert noted == CUSTOM_KINDS
    assert set(CASES) <= set(where)


# kubectl kustomize and kubernetes-validate ------------------------------------------------------


@needs_kubectl
def test_every_overlay_renders_namespaced_with_pinned_placeholder_images(rendered: Rendered) -> None:
    for (tree, env), items in rendered.items():
        namespaces = {o["metadata"].get("namespace") for o in items if o["kind"] != "Namespace"}
        app_namespace = next(o["metadata"]["name"] for o in items if o["kind"] == "Namespace")
        assert namespaces == {app_namespace}, (tree, env)
        assert app_namespace.endswith("-staging") == (env == "staging")
        for item in items:
            for image in re.findall(r"'image': '([^']+)'", str(item)):
                assert image.endswith(f":{PLACEHOLDER_TAG}"), (tree, env, image)


@needs_kubectl
def test_kubernetes_validate_accepts_every_built_in_object(
    rendered: Rendered, monkeypatch: pytest.MonkeyPatch
) -> None:
    # kubernetes-validate re-reads its 1.3 MB definitions for every object: read each file once
    monkeypatch.setattr(kv, "schema_contents", functools.lru_cache(maxsize=None)(kv.schema_contents))
    version = kv.latest_version()  # the CLI's default
    custom: set[str] = set()
    seen: set[str] = set()
    errors = []
    for job, item in objects(rendered):
        key = json.dumps(item, sort_keys=True)
        if key in seen:
            continue
        seen.add(key)
        try:
            kv.validate(item, version, strict=True)
        except kv.SchemaNotFoundError:
            custom.add(item["kind"])
        except kv.ValidationError as exc:
            errors.append((job, item["kind"], item["metadata"]["name"], str(exc)[:300]))
    assert errors == []
    assert custom == CUSTOM_KINDS


def test_kubernetes_validate_cli_accepts_one_overlay(tmp_path: Path) -> None:
    """The same check through the command line tool, strict, at its default version."""
    cli = shutil.which("kubernetes-validate") or str(Path(sys.executable).parent / "kubernetes-validate")
    if KUBECTL is None or not Path(cli).exists():
        pytest.skip("kubectl or kubernetes-validate is not installed")
    write_artifacts(tmp_path, artifacts(("monorepo", "growth", "gcp")))
    out = subprocess.run(
        [KUBECTL, "kustomize", str(tmp_path / "k8s/overlays/production")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    built_in = [o for o in yaml.safe_load_all(out) if o and o["kind"] not in CUSTOM_KINDS]
    (tmp_path / "built-in.yaml").write_text(yaml.safe_dump_all(built_in))
    proc = subprocess.run(
        [cli, "--strict", "--quiet", str(tmp_path / "built-in.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


# custom resources -------------------------------------------------------------------------------


def _by_kind(items: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in items if o["kind"] == kind}


@needs_kubectl
def test_rollouts_have_what_argo_requires_and_a_valid_pod_template(
    rendered: Rendered, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No schema is bundled for Argo Rollouts: the Rollout's pod template is validated as the pod
    template of a Deployment (the same PodTemplateSpec type), the rest field by field."""
    monkeypatch.setattr(kv, "schema_contents", functools.lru_cache(maxsize=None)(kv.schema_contents))
    strategies = set()
    for (tree, env), items in rendered.items():
        services = _by_kind(items, "Service")
        templates = _by_kind(items, "AnalysisTemplate")
        autoscalers = {
            o["spec"]["scaleTargetRef"]["name"]: o
            for o in _by_kind(items, "HorizontalPodAutoscaler").values()
        }
        for name, rollout in _by_kind(items, "Rollout").items():
            assert rollout["apiVersion"] == "argoproj.io/v1alpha1"
            spec = rollout["spec"]
            labels = spec["template"]["metadata"]["labels"]
            assert spec["selector"]["matchLabels"].items() <= labels.items()
            as_deployment = {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": name},
                "spec": {"selector": spec["selector"], "template": spec["template"]},
            }
            kv.validate(as_deployment, kv.latest_version(), strict=True)
            assert autoscalers[name]["spec"]["scaleTargetRef"] == {
                "apiVersion": "argoproj.io/v1alpha1",
                "kind": "Rollout",
                "name": name,
            }
            ((kind, body),) = spec["strategy"].items()
            strategies.add(kind)
            if kind == "canary":
                weights = [s["setWeight"] for s in body["steps"] if "setWeight" in s]
                assert weights == sorted(weights) and weights[0] == 10 and weights[-1] == 100
                refs = [s["analysis"] for s in body["steps"] if "analysis" in s]
                assert body["maxUnavailable"] == 0
            else:
                assert kind == "blueGreen"
                for role in ("activeService", "previewService"):
                    selected = services[body[role]]["spec"]["selector"]
                    assert selected.items() <= labels.items(), (tree, env, role)
                refs = [body[k] for k in ("prePromotionAnalysis", "postPromotionAnalysis") if k in body]
            # gated by analysis exactly when there is something to measure (an AnalysisTemplate)
            assert bool(refs) == (f"{name}-slo" in templates), (tree, env, name)
            for ref in refs:
                (template,) = ref["templates"]
                declared = {a["name"] for a in templates[template["templateName"]]["spec"]["args"]}
                assert {a["name"] for a in ref["args"]} == declared
    assert strategies == {"canary", "blueGreen"}


def _as_argo_sends_it(query: str, namespace: str) -> str:
    return query.replace("{{args.namespace}}", namespace).replace("{{args.revision}}", "6d4f9c8b7")


@needs_kubectl
def test_analysis_templates_query_prometheus_with_valid_promql(rendered: Rendered) -> None:
    checked = 0
    for _, item in objects(rendered, "AnalysisTemplate"):
        metrics = item["spec"]["metrics"]
        assert metrics[0]["name"] == "success-rate"
        for metric in metrics:
            # an empty result meets neither condition: Argo counts it inconclusive, never a pass
            for condition in ("successCondition", "failureCondition"):
                assert re.fullmatch(r"len\(result\) > 0 && result\[0\] [<>]=? [\d.]+", metric[condition])
            assert metric["inconclusiveLimit"] < metric["count"]
            assert metric["failureLimit"] >= 0 and metric["consecutiveErrorLimit"] >= 1
            assert "vector(" not in metric["provider"]["prometheus"]["query"]
            assert metric["count"] >= 1 and re.fullmatch(r"\d+m", metric["interval"])
            prometheus = metric["provider"]["prometheus"]
            assert re.fullmatch(r"http://[a-z0-9.-]+:\d+", prometheus["address"])
            sent = _as_argo_sends_it(prometheus["query"], item["metadata"]["namespace"])
            promql_parser.parse(sent)
            assert re.search(rf'namespace="{item["metadata"]["namespace"]}"', sent)
            checked += 1
    assert checked > 0


@needs_kubectl
def test_pod_monitors_and_managed_certificates_point_at_what_exists(rendered: Rendered) -> None:
    for (tree, env), items in rendered.items():
        pods = [o["spec"]["template"] for o in items if o["kind"] in ("Deployment", "Rollout")]
        for monitor in _by_kind(items, "PodMonitor").values():
            wanted = monitor["spec"]["selector"]["matchLabels"]
            (target,) = [p for p in pods if wanted.items() <= p["metadata"]["labels"].items()]
            ports = {p["name"] for c in target["spec"]["containers"] for p in c.get("ports", [])}
            for endpoint in monitor["spec"]["podMetricsEndpoints"]:
                if "targetPort" in endpoint:  # the mesh's sidecar agent, injected at admission
                    assert endpoint["targetPort"] == MERGED_METRICS_PORT, (tree, env)
                else:
                    assert endpoint["port"] in ports, (tree, env)
        ingresses = _by_kind(items, "Ingress")
        for name, cert in _by_kind(items, "ManagedCertificate").items():
            ingress = next(
                i
                for i in ingresses.values()
                if i["metadata"]["annotations"].get("networking.gke.io/managed-certificates") == name
            )
            assert cert["spec"]["domains"] == [r["host"] for r in ingress["spec"]["rules"]], (tree, env)


# behaviour ---------------------------------------------------------------------------------------


def files(design_: Design, options: GenerateOptions | None = None) -> dict[str, str]:
    return {a.path: a.content for a in kubernetes.render(design_, options or GenerateOptions())}


def docs(text: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(text) if d]


def test_only_kubernetes_designs_or_k8s_get_manifests() -> None:
    startup = plan("node-express", "startup", "aws")
    assert kubernetes.render(startup, GenerateOptions()) == []
    assert kubernetes.render(startup, GenerateOptions(k8s=True))
    assert kubernetes.render(plan("node-express", "growth", "aws"), GenerateOptions())
    assert all(a.generator == "kubernetes" for a in kubernetes.render(startup, GenerateOptions(k8s=True)))
    assert kubernetes.render(design("unknown", users=200_000, cloud="aws"), GenerateOptions()) == []


def test_layout_is_a_base_and_two_overlays() -> None:
    paths = set(files(plan("python-django", "growth", "aws")))
    assert {
        "k8s/base/kustomization.yaml",
        "k8s/base/namespace.yaml",
        "k8s/base/network-policies.yaml",
        "k8s/base/newsroom.yaml",
        "k8s/base/newsroom-worker.yaml",
        "k8s/base/newsroom-beat.yaml",
        "k8s/overlays/staging/kustomization.yaml",
        "k8s/overlays/production/kustomization.yaml",
        "k8s/README.md",
    } <= paths


def test_workload_kind_follows_the_service_and_its_strategy() -> None:
    growth = files(with_cron(plan("python-django", "growth", "aws")))
    kinds = {
        path: docs(text)[0]["kind"]
        for path, text in growth.items()
        if "/base/newsroom" in path or "digest" in path
    }
    assert kinds == {
        "k8s/base/newsroom.yaml": "Deployment",  # overridden to rolling
        "k8s/base/newsroom-worker.yaml": "Deployment",
        "k8s/base/newsroom-beat.yaml": "StatefulSet",  # a scheduler runs exactly once
        "k8s/base/digest.yaml": "CronJob",
    }
    canary = docs(files(plan("python-django", "growth", "aws"))["k8s/base/newsroom.yaml"])
    assert "canary" in canary[0]["spec"]["strategy"]
    blue_green = docs(files(plan("python-django", "compliance", "aws"))["k8s/base/newsroom.yaml"])
    assert blue_green[0]["spec"]["strategy"]["blueGreen"]["previewService"] == "newsroom-preview"
    assert {d["metadata"]["name"] for d in blue_green if d["kind"] == "Service"} == {
        "newsroom",
        "newsroom-preview",
    }


def test_cron_job_follows_the_design_schedule_and_never_overlaps() -> None:
    (cron, *rest) = docs(files(with_cron(plan("python-django", "growth", "aws")))["k8s/base/digest.yaml"])
    assert cron["spec"]["schedule"] == "15 3 * * *"
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
    assert {d["kind"] for d in rest} == {"ServiceAccount", "NetworkPolicy"}  # no HPA, PDB or Service


def test_every_container_is_locked_down_and_sized_from_the_design() -> None:
    growth = plan("php-laravel", "growth", "aws")
    web = next(s for s in growth.services if s.kind == "web")
    (rollout, *_) = docs(files(growth)["k8s/base/helpdesk.yaml"])
    pod = rollout["spec"]["template"]["spec"]
    assert pod["securityContext"] == {
        "runAsNonRoot": True,
        "runAsUser": 10001,
        "runAsGroup": 10001,
        "fsGroup": 10001,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    assert pod["automountServiceAccountToken"] is False
    for container in pod["containers"] + pod["initContainers"]:
        assert container["securityContext"] == {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "capabilities": {"drop": ["ALL"]},
        }
    (app,) = pod["containers"]
    assert app["resources"] == {
        "requests": {"cpu": web.resources.cpu, "memory": web.resources.memory},
        "limits": {"memory": web.resources.memory},
    }
    # Laravel writes under storage/ and bootstrap/cache: writable volumes, prepared before start
    assert {m["mountPath"] for m in app["volumeMounts"]} == {"/tmp", "/app/storage", "/app/bootstrap/cache"}
    assert "/app/storage/framework/views" in pod["initContainers"][0]["command"]


def test_web_probes_hit_the_health_path_and_the_jvm_gets_time_to_start() -> None:
    (rollout, *_) = docs(files(plan("java-spring", "growth", "gcp"))["k8s/base/inventory.yaml"])
    (app,) = rollout["spec"]["template"]["spec"]["containers"]
    assert app["readinessProbe"]["httpGet"] == {"path": "/actuator/health", "port": "http"}
    # Actuator's health includes the database: startup and liveness only check the port
    for probe in ("startupProbe", "livenessProbe"):
        assert app[probe]["tcpSocket"] == {"port": "http"}
    assert app["startupProbe"]["periodSeconds"] * app["startupProbe"]["failureThreshold"] >= 300
    assert app["lifecycle"]["preStop"] == {"sleep": {"seconds": 10}}


def test_liveness_calls_the_shallow_route_and_readiness_the_deep_one() -> None:
    data = plan("python-django", "growth", "aws").model_dump(mode="json")
    web = next(s for s in data["services"] if s["kind"] == "web")
    web["health_path"] = "/healthz"
    web["liveness"] = {"path": "/livez", "reason": "a route named for liveness"}
    out = {a.path: a.content for a in kubernetes.render(Design.model_validate(data), GenerateOptions())}
    (rollout, *_) = docs(out[f"k8s/base/{web['name']}.yaml"])
    (app,) = rollout["spec"]["template"]["spec"]["containers"]
    assert app["readinessProbe"]["httpGet"]["path"] == "/healthz"
    assert app["livenessProbe"]["httpGet"]["path"] == app["startupProbe"]["httpGet"]["path"] == "/livez"


def test_pod_monitor_only_for_a_service_that_exports_metrics() -> None:
    base = plan("python-django", "enterprise", "aws")
    web = next(s for s in base.services if s.kind == "web")
    silent = {d["kind"] for d in docs(files(base)[f"k8s/base/{web.name}.yaml"])}
    assert "PodMonitor" not in silent
    out = {a.path: a.content for a in kubernetes.render(with_metrics(base), GenerateOptions())}
    objects_ = {d["kind"]: d for d in docs(out[f"k8s/base/{web.name}.yaml"])}
    (endpoint,) = objects_["PodMonitor"]["spec"]["podMetricsEndpoints"]
    (app,) = objects_["Rollout"]["spec"]["template"]["spec"]["containers"]
    assert {"name": endpoint["port"], "containerPort": 9102, "protocol": "TCP"} in app["ports"]
    template = objects_["AnalysisTemplate"]["spec"]["metrics"][0]["provider"]["prometheus"]["query"]
    assert "http_requests_total" in template and "pod=~" in template


def test_secrets_come_from_the_secret_and_settings_from_the_config_map() -> None:
    growth = plan("python-django", "growth", "aws")
    (rollout, *_) = docs(files(growth)["k8s/base/newsroom.yaml"])
    env = {e["name"]: e for e in rollout["spec"]["template"]["spec"]["containers"][0]["env"]}
    for secret in ("DATABASE_URL", "DJANGO_SECRET_KEY", "REDIS_URL"):
        assert env[secret]["valueFrom"]["secretKeyRef"] == {"name": "newsroom-secrets", "key": secret}
    # settings come whole from the ConfigMap, whose overlays list ALLOWED_HOSTS
    assert "ALLOWED_HOSTS" not in env
    container = rollout["spec"]["template"]["spec"]["containers"][0]
    assert container["envFrom"] == [{"configMapRef": {"name": "newsroom-config", "optional": True}}]
    assert '# ALLOWED_HOSTS: ""' in files(growth)["k8s/overlays/production/config.yaml"]
    assert env["PORT"] == {"name": "PORT", "value": "8000"}
    # the OpenTelemetry SDK's settings are the only other values written inline, and none is secret
    assert not any(
        "value" in e for n, e in env.items() if n not in ("PORT", "HOME") and not n.startswith("OTEL_")
    )
    readme = files(growth)["k8s/README.md"]
    assert "Required: `DATABASE_URL`, `DJANGO_SECRET_KEY`, `REDIS_URL`" in readme


def test_overlays_set_namespace_hosts_images_and_staging_replicas() -> None:
    growth = plan("monorepo", "growth", "aws").model_copy(
        update={
            "networking": plan("monorepo", "growth", "aws").networking.model_copy(
                update={"domain": "Shop.Example.org."}
            )
        }
    )
    out = files(growth)
    staging = yaml.safe_load(out["k8s/overlays/staging/kustomization.yaml"])
    production = yaml.safe_load(out["k8s/overlays/production/kustomization.yaml"])
    assert (staging["namespace"], production["namespace"]) == ("monorepo-staging", "monorepo")
    assert staging["images"] == [
        {"name": image, "newTag": PLACEHOLDER_TAG}
        for image in ("monorepo-api", "monorepo-web", "monorepo-billing", "monorepo-notifier")
    ]
    assert kubernetes.images(growth) == [i["name"] for i in staging["images"]]
    ops = {
        (p["target"]["kind"], p["target"]["name"], op["path"]): op["value"]
        for p in staging["patches"]
        if "target" in p
        for op in yaml.safe_load(p["patch"])
    }
    assert ops[("Ingress", "api", "/spec/rules/0/host")] == "api.staging.shop.example.org"
    assert ops[("Ingress", "api", "/spec/tls/0/hosts/0")] == "api.staging.shop.example.org"
    for service in ("api", "web", "billing", "notifier"):
        assert ops[("HorizontalPodAutoscaler", service, "/spec/minReplicas")] == 2
        assert ops[("HorizontalPodAutoscaler", service, "/spec/maxReplicas")] == 2
    assert [p for p in production["patches"] if "target" in p] == []
    ingress = next(d for d in docs(out["k8s/base/api.yaml"]) if d["kind"] == "Ingress")
    assert ingress["spec"]["rules"][0]["host"] == "api.shop.example.org"
    assert "example.com" not in out["k8s/base/api.yaml"]
    assert kubernetes.namespace(growth, "staging") == "monorepo-staging"


def test_without_a_domain_the_host_is_a_commented_placeholder() -> None:
    text = files(plan("node-express", "growth", "aws"))["k8s/base/orders-api.yaml"]
    assert "host: orders-api.example.com" in text
    assert "# The design names no domain: replace orders-api.example.com" in text


@pytest.mark.parametrize(
    ("tier", "cloud", "ingress_class", "tls"),
    [
        ("growth", "aws", "alb", [{"hosts": ["orders-api.example.com"]}]),
        (
            "growth",
            "azure",
            "azure-application-gateway",
            [{"hosts": ["orders-api.example.com"], "secretName": "orders-api-tls"}],
        ),
        (
            "compliance",
            "gcp",
            "nginx",
            [{"hosts": ["orders-api.example.com"], "secretName": "orders-api-tls"}],
        ),
        (
            "enterprise",
            "aws",
            "istio",  # the Secret lives in the gateway namespace: named after its owner
            [{"hosts": ["orders-api.example.com"], "secretName": "orders-api-orders-api-tls"}],
        ),
        ("hobby", "aws", "nginx", [{"hosts": ["orders-api.example.com"], "secretName": "orders-api-tls"}]),
        ("growth", "gcp", None, None),  # GKE: a ManagedCertificate, named by annotation
    ],
)
def test_ingress_follows_the_load_balancer_and_certificate_choice(
    tier: str, cloud: str, ingress_class: str | None, tls: list[dict[str, Any]] | None
) -> None:
    out = files(plan("node-express", tier, cloud), GenerateOptions(k8s=True))
    objects_ = docs(out["k8s/base/orders-api.yaml"])
    ingress = next(d for d in objects_ if d["kind"] == "Ingress")
    assert ingress["spec"].get("ingressClassName") == ingress_class
    assert ingress["spec"].get("tls") == tls
    if tls is None:
        assert (
            ingress["metadata"]["annotations"]["networking.gke.io/managed-certificates"] == "orders-api-tls"
        )
        assert any(d["kind"] == "ManagedCertificate" for d in objects_)


def test_network_policies_deny_by_default_and_open_only_what_is_needed() -> None:
    out = files(plan("python-django", "compliance", "aws"))
    shared = {d["metadata"]["name"]: d["spec"] for d in docs(out["k8s/base/network-policies.yaml"])}
    assert shared["default-deny"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    web = next(d for d in docs(out["k8s/base/newsroom.yaml"]) if d["kind"] == "NetworkPolicy")["spec"]
    (rule,) = web["ingress"]
    assert rule["ports"] == [{"protocol": "TCP", "port": 8000}]
    namespaces = [
        p["namespaceSelector"]["matchExpressions"][0]["values"]
        for p in rule["from"]
        if "namespaceSelector" in p
    ]
    assert namespaces == [["ingress-nginx"], ["monitoring"]]
    worker = next(d for d in docs(out["k8s/base/newsroom-worker.yaml"]) if d["kind"] == "NetworkPolicy")[
        "spec"
    ]
    assert "ingress" not in worker and worker["policyTypes"] == ["Egress"]
    ports = {p["port"] for p in worker["egress"][0]["ports"]}
    assert {443, 5432, 6379} <= ports and 3306 not in ports


def test_below_kubernetes_tiers_still_get_two_replicas_and_a_budget() -> None:
    hobby = plan("node-express", "hobby", "aws")
    assert {s.resources.replicas_min for s in hobby.services} == {1}
    out = files(hobby, GenerateOptions(k8s=True))
    for path in ("k8s/base/orders-api.yaml", "k8s/base/orders-api-worker.yaml"):
        kinds = {d["kind"]: d for d in docs(out[path])}
        assert kinds["HorizontalPodAutoscaler"]["spec"]["minReplicas"] == 2
        assert kinds["PodDisruptionBudget"]["spec"]["maxUnavailable"] == 1
    template = next(d for d in docs(out["k8s/base/orders-api.yaml"]) if d["kind"] == "AnalysisTemplate")
    address = template["spec"]["metrics"][0]["provider"]["prometheus"]["address"]
    assert address == "http://prometheus-server.monitoring.svc.cluster.local:80"  # hobby: prometheus-grafana


def test_recreate_asked_for_by_a_person_is_kept_and_audited_clean(tmp_path: Path) -> None:
    base = plan("rust-axum", "growth", "aws")
    data = base.model_dump(mode="json")
    data["services"][0]["strategy"]["override"] = Override[str](
        value="recreate", reason="single writer"
    ).model_dump()
    out = kubernetes.render(Design.model_validate(data), GenerateOptions())
    deployment = docs(next(a.content for a in out if a.path == "k8s/base/ledger.yaml"))[0]
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    write_artifacts(tmp_path, out)
    result = audit_tree(tmp_path)
    assert [f.rule for f in result.findings if f.severity > Severity.INFO] == []


def test_a_design_the_generator_cannot_honour_is_an_error_not_a_guess() -> None:
    data = plan("go-gin", "growth", "aws").model_dump(mode="json")
    data["services"][0]["port"] = None
    with pytest.raises(GenerateError, match="port"):
        kubernetes.render(Design.model_validate(data), GenerateOptions())


def test_generated_files_survive_the_safe_writer(tmp_path: Path) -> None:
    from opsmith.generate.apply import apply

    out = kubernetes.render(plan("go-gin", "growth", "aws"), GenerateOptions())
    report = apply(tmp_path, out)
    assert len(report.results) == len(out) and not report.kept
    write_tree(tmp_path, {"k8s/overlays/staging/config.yaml": "data: {LOG_LEVEL: debug}\n"})
    again = apply(tmp_path, out)
    assert [r.path for r in again.kept] == ["k8s/overlays/staging/config.yaml"]


def test_istio_certificates_are_named_per_environment() -> None:
    """Istio reads every Ingress certificate from its own namespace: staging and production (and
    other applications) must not share a Secret name there."""
    out = files(plan("node-express", "enterprise", "gcp"))
    staging = yaml.safe_load(out["k8s/overlays/staging/kustomization.yaml"])
    ops = [op for p in staging["patches"] if "target" in p for op in yaml.safe_load(p["patch"])]
    assert {
        "op": "replace",
        "path": "/spec/tls/0/secretName",
        "value": "orders-api-staging-orders-api-tls",
    } in ops
    assert "`orders-api-staging-orders-api-tls`" in out["k8s/README.md"]
