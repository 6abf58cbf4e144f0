"""Which Services route to which pods, pods made by operators included (KU003, KU012)."""

from __future__ import annotations

from opsmith.parse.kubernetes import KubeObject, objects_in
from opsmith.parse.yaml_tree import load_documents
from opsmith.rules import kubernetes_services as services


def _objects(text: str) -> list[KubeObject]:
    docs = load_documents(text)
    assert isinstance(docs, list)
    return list(objects_in(docs))


def test_labels_a_controller_adds_are_not_asked_of_the_template() -> None:
    assert services.matches({"app": "db", "statefulset.kubernetes.io/pod-name": "db-0"}, {"app": "db"})
    assert not services.matches({"app": "db", "role": "primary"}, {"app": "db"})


def test_a_service_routes_to_workloads_in_its_scope() -> None:
    svc, api, other = _objects(
        """
kind: Service
apiVersion: v1
metadata: {name: api, namespace: shop}
spec: {selector: {app: api}}
---
kind: Deployment
apiVersion: apps/v1
metadata: {name: api, namespace: shop}
spec: {template: {metadata: {labels: {app: api, tier: web}}}}
---
kind: Deployment
apiVersion: apps/v1
metadata: {name: api, namespace: elsewhere}
spec: {template: {metadata: {labels: {app: api}}}}
"""
    )
    assert services.selected(api, [svc])
    assert not services.selected(other, [svc])


def test_pods_an_operator_makes() -> None:
    objects = _objects(
        """
kind: Prometheus
apiVersion: monitoring.coreos.com/v1
metadata: {name: k8s, namespace: monitoring}
spec: {replicas: 2, podMetadata: {labels: {app.kubernetes.io/name: prometheus}}}
---
kind: ServiceMonitor
apiVersion: monitoring.coreos.com/v1
metadata: {name: grafana, namespace: monitoring, labels: {app: grafana}}
spec: {selector: {matchLabels: {app: grafana}}}
---
kind: Service
apiVersion: v1
metadata: {name: svc, namespace: monitoring}
spec: {selector: {app: x}}
"""
    )
    svc = objects[-1]
    assert services.operator_made(svc, {"app.kubernetes.io/name": "prometheus"}, objects)
    assert services.operator_made(svc, {"alertmanager": "main"}, objects)
    assert services.operator_made(svc, {"app.kubernetes.io/managed-by": "strimzi-cluster-operator"}, objects)
    # a ServiceMonitor carries the app's labels but makes no pods
    assert not services.operator_made(svc, {"app": "grafana"}, objects)
