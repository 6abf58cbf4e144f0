"""Kubernetes rules beyond the fixture cases: agreement with kubernetes-validate, settings, merging
of rendered findings, and the example repository."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpers import audit_tree, found, write_tree
from opsmith.config import Config
from opsmith.findings import Problem
from opsmith.parse.kubernetes import KubeObject, objects_in
from opsmith.parse.yaml_tree import load_documents
from opsmith.rules import kubernetes_schema as schema
from opsmith.rules.kubernetes import report

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "shop"

PEER_CASES = {
    "valid-deployment": """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: api, labels: {app: api}}
        spec:
          replicas: 2
          selector: {matchLabels: {app: api}}
          template:
            metadata: {labels: {app: api}}
            spec:
              containers:
                - name: api
                  image: api:1.0.0
                  resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {memory: 128Mi}}
                  ports: [{containerPort: 8080}]
        """,
    "unknown-field": """
        apiVersion: v1
        kind: Service
        metadata: {name: api}
        spec:
          selector: {app: api}
          prots: [{port: 80}]
        """,
    "number-label": """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: c, labels: {version: 2}}
        """,
    "missing-required": """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: api}
        spec:
          template:
            spec:
              containers: [{image: api:1.0.0}]
        """,
    "valid-ingress": """
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: web}
        spec:
          tls: [{hosts: [a.example.com], secretName: tls}]
          rules:
            - host: a.example.com
              http:
                paths:
                  - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
        """,
    "wrong-type": """
        apiVersion: batch/v1
        kind: CronJob
        metadata: {name: nightly}
        spec:
          schedule: 3
          jobTemplate: {spec: {template: {spec: {containers: [{name: a, image: a:1}]}}}}
        """,
}


def _object(text: str) -> KubeObject:
    import textwrap

    docs = load_documents(textwrap.dedent(text))
    assert isinstance(docs, list)
    return next(objects_in(docs))


@pytest.mark.parametrize("name", sorted(PEER_CASES))
def test_ku014_agrees_with_kubernetes_validate(name: str) -> None:
    kubernetes_validate = pytest.importorskip("kubernetes_validate", reason="the kubernetes-validate peer")
    obj = _object(PEER_CASES[name])
    version = schema.pick_version("1.31")
    assert version == (1, 31)
    ours = schema.validate(obj, version)
    assert ours is not None
    try:
        kubernetes_validate.validate(dict(obj.body), "1.31", strict=True)
        theirs_valid = True
    except kubernetes_validate.ValidationError:
        theirs_valid = False
    assert (not ours) == theirs_valid, ours


def test_custom_resources_have_no_schema_for_either_tool() -> None:
    kubernetes_validate = pytest.importorskip("kubernetes_validate", reason="the kubernetes-validate peer")
    obj = _object("apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata: {name: r}\n")
    assert schema.validate(obj, (1, 31)) is None
    with pytest.raises(kubernetes_validate.SchemaNotFoundError):
        kubernetes_validate.validate(dict(obj.body), "1.31", strict=True)


def _keywords(node: object, out: set[str]) -> set[str]:
    """Every keyword of a schema, not counting property and definition names."""
    if isinstance(node, dict):
        for key, value in node.items():
            out.add(key)
            if key.startswith("x-kubernetes") or key == "enum":
                continue  # extension data and allowed values, not schemas
            children = (
                value.values() if key in ("properties", "$defs") and isinstance(value, dict) else [value]
            )
            for child in children:
                _keywords(child, out)
    elif isinstance(node, list):
        for item in node:
            _keywords(item, out)
    return out


@pytest.mark.parametrize("which", [0, -1], ids=["oldest", "newest"])
def test_shipped_schemas_use_only_keywords_the_checker_knows(which: int) -> None:
    import json

    version = schema.shipped_versions()[which]
    folder = schema.version_folder(version)
    assert folder is not None
    used: set[str] = set()
    for name in ("_definitions.json", "deployment-apps-v1.json", "service-v1.json", "cronjob-batch-v1.json"):
        _keywords(json.loads((folder / name).read_text()), used)
    meaningful = {k for k in used if not k.startswith("x-kubernetes")} - schema.IGNORED_KEYWORDS
    assert meaningful <= schema.KNOWN_KEYWORDS


def test_version_setting() -> None:
    newest = schema.shipped_versions()[-1]
    assert schema.pick_version(None) == newest
    assert schema.pick_version("v1.31.4") == (1, 31)
    assert schema.pick_version("1.99") == newest  # newer than shipped: the newest shipped
    assert schema.pick_version("1.10") == schema.shipped_versions()[0]  # older: the oldest
    assert schema.pick_version("latest") == newest  # not a version: the default


def test_schema_issues_point_at_the_offending_key(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "svc.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: api\nspec:\n"
            "  selector: {app: api}\n  prots:\n    - port: 80\n",
        },
    )
    result = audit_tree(tmp_path, Config(select=("KU014",)))
    assert found(result) == [("KU014", "svc.yaml", 7)]
    assert result.findings[0].message == "Service api: unknown field `prots` in spec"


def test_findings_on_one_source_object_from_several_renderings_are_merged() -> None:
    body = load_documents("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")
    assert isinstance(body, list)
    prod, staging, raw = (
        KubeObject("v1", "ConfigMap", body[0], 1, rendered_by="k8s/prod"),
        KubeObject("v1", "ConfigMap", body[0], 1, rendered_by="k8s/staging"),
        KubeObject("v1", "ConfigMap", body[0], 1),
    )
    problem = Problem("ConfigMap c is wrong", 3)
    merged = list(
        report(
            "KU013",
            [
                ("k8s/base/c.yaml", prod, problem),
                ("k8s/base/c.yaml", staging, problem),
                ("k8s/base/c.yaml", prod, problem),
            ],
        )
    )
    assert [p.message for p in merged] == ["ConfigMap c is wrong (as rendered by k8s/prod and k8s/staging)"]
    # written inside the folder that renders it: no need to say so; a raw object: as is
    assert [p.message for p in report("KU013", [("k8s/prod/c.yaml", prod, problem)])] == [
        "ConfigMap c is wrong"
    ]
    assert [p.message for p in report("KU013", [("c.yaml", raw, problem)])] == ["ConfigMap c is wrong"]


@pytest.mark.skipif(
    shutil.which("kubectl") is None and shutil.which("kustomize") is None, reason="no kustomize"
)
def test_a_comment_in_the_base_silences_the_rendered_finding(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "base/kustomization.yaml": "resources: [cm.yaml]\n",
            "base/cm.yaml": "apiVersion: v1\nkind: ConfigMap\n# opsmith: ignore[KU016]\n"
            "metadata:\n  name: c\n",
            "prod/kustomization.yaml": "resources: [../base]\n",
        },
    )
    result = audit_tree(tmp_path, Config(select=("KU013", "KU016")))
    assert found(result) == [("KU013", "base/cm.yaml", 4)]


def test_example_repository_findings() -> None:
    result = audit_tree(EXAMPLE, Config(select=("KU",)))
    assert not [n for n in result.notes if "internal error" in n]
    assert sorted({(f.rule, f.path) for f in result.findings}) == [
        ("KU001", "k8s/worker.yaml"),
        ("KU002", "k8s/worker.yaml"),
        ("KU003", "k8s/api.yaml"),
        ("KU003", "k8s/worker.yaml"),
        ("KU004", "k8s/worker.yaml"),
        ("KU005", "k8s/worker.yaml"),
        ("KU006", "k8s/worker.yaml"),
        ("KU007", "k8s/worker.yaml"),
        ("KU008", "k8s/worker.yaml"),
        ("KU010", "k8s/worker.yaml"),
        ("KU012", "k8s/api.yaml"),
        ("KU015", "k8s/ingress.yaml"),
    ]


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\x00\x01apiVersion: v1\n",
        b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: [\n",
        b"apiVersion: [v1]\nkind: {a: b}\n",
        b"apiVersion: v1\nkind: Pod\nmetadata: 7\nspec:\n  containers: {a: 1}\n"
        b"  volumes: [1, null, {hostPath: 3}]\n",
        b"apiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas: many\n"
        b"  strategy: {rollingUpdate: {maxUnavailable: x%}}\n",
        b"apiVersion: v1\nkind: List\nitems: [1, {apiVersion: v1, kind: Service, spec: {selector: [a]}}]\n",
        b"apiVersion: v1\nkind: Pod\nspec: " + b"[" * 2000 + b"]" * 2000 + b"\n",
        b"apiVersion: networking.k8s.io/v1\nkind: Ingress\n"
        b"spec: {tls: [{hosts: 3}, 7], rules: [{host: 1}]}\n",
    ],
    ids=[
        "empty",
        "binary",
        "truncated",
        "odd-header",
        "odd-pod",
        "odd-deploy",
        "odd-list",
        "deep",
        "odd-ingress",
    ],
)
def test_hostile_manifests_never_crash(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "k8s.yaml").write_bytes(content)
    result = audit_tree(tmp_path, Config(select=("KU",)))
    assert not [n for n in result.notes if "internal error" in n], result.notes


CASES = Path(__file__).parent / "cases" / "kubernetes"


def _severities(case: str, rule: str) -> dict[int | None, str]:
    result = audit_tree(CASES / case, Config(select=(rule,)))
    return {f.line: f.severity.label for f in result.findings}


def test_readiness_matters_most_where_a_service_routes() -> None:
    # the api is behind a Service; the worker is not
    assert _severities("probes-routing", "KU003") == {23: "error", 40: "info"}


def test_readiness_is_an_error_for_the_containers_a_service_port_reaches() -> None:
    assert _severities("probes-sidecars", "KU003") == {
        18: "info",  # bound to localhost, behind the proxy
        21: "info",  # a reloader with no port
        23: "error",  # the proxy the Service targets by port name
        45: "error",  # no declared port matches 8080: both containers are asked
        47: "error",
    }


def test_readiness_gates_nothing_behind_services_only_prometheus_uses() -> None:
    # a ServiceMonitor's headless Service, a metrics-only headless Service, a headless Service
    # with a client port
    assert _severities("probes-scraped", "KU003") == {10: "info", 38: "info", 59: "error"}


def test_a_single_controller_without_leader_election_is_info() -> None:
    assert _severities("ku010-controllers", "KU010") == {
        5: "info",  # watches and writes cluster-wide, cannot elect a leader
        34: "warning",  # may write Leases
        66: "warning",  # takes a leader-elect flag
        95: "warning",  # an exporter behind an authenticating proxy
    }


def test_node_agents_keep_host_access_findings_at_info() -> None:
    assert _severities("host-agents", "KU011") == {
        12: "info",  # node-exporter's hostPID
        18: "info",  # and its /sys
        36: "info",  # a log shipper's /var/log
        49: "error",  # an unknown DaemonSet on the host network
        70: "error",  # an agent's image in a Deployment is no node agent
    }


def test_services_of_pods_installed_elsewhere_are_info() -> None:
    assert _severities("services-operator", "KU012") == {72: "error", 81: "info"}


def test_a_slip_into_another_namespace_stays_an_error(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "app.yaml": """
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers: [{name: api, image: shop/api:1.0.0}]
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop-staging}
spec:
  selector: {app: api}
""",
        },
    )
    result = audit_tree(tmp_path, Config(select=("KU012",)))
    assert [(f.line, f.severity.label) for f in result.findings] == [(15, "error")]


def test_rollouts_that_keep_a_pod_serving_are_info() -> None:
    # Recreate and a single replica are outages; one of two pods away only halves capacity.
    assert _severities("strategy", "KU009") == {8: "warning", 19: "info", 29: "info", 53: "warning"}


def test_services_of_a_chart_the_readme_beside_them_installs_are_info() -> None:
    result = audit_tree(CASES / "services-helm-chart", Config(select=("KU012",)))
    assert {(f.path, f.severity.label) for f in result.findings} == {
        ("gpu/manifests.yaml", "info"),
        ("undocumented/manifests.yaml", "error"),
    }
