"""Shared Kubernetes facts: pod templates, container roles, rounding, selectors, scopes, owners."""

from __future__ import annotations

import textwrap

import pytest

from opsmith.parse.kubernetes import KubeObject, objects_in
from opsmith.parse.yaml_tree import load_documents
from opsmith.rules import kubernetes_workloads as wl


def _object(text: str) -> KubeObject:
    docs = load_documents(textwrap.dedent(text))
    assert isinstance(docs, list)
    return next(objects_in(docs))


def test_containers_of_every_pod_template_kind_with_their_roles() -> None:
    cron = _object(
        """\
        apiVersion: batch/v1
        kind: CronJob
        metadata: {name: c}
        spec:
          jobTemplate:
            spec:
              template:
                spec:
                  initContainers:
                    - {name: init, image: a:1}
                    - {name: proxy, image: p:1, restartPolicy: Always}
                  containers:
                    - {name: main, image: a:1}
                  ephemeralContainers:
                    - {name: debug, image: d:1}
        """
    )
    found = [(c.name, c.role, c.line()) for c in wl.containers(cron)]
    assert found == [
        ("init", "init", 10),
        ("proxy", "sidecar", 11),
        ("main", "container", 13),
        ("debug", "ephemeral", 15),
    ]
    assert not next(wl.pod_specs(cron)).long_running
    assert list(wl.containers(_object("apiVersion: v1\nkind: Service\nmetadata: {name: s}\n"))) == []


@pytest.mark.parametrize(
    ("value", "total", "round_up", "expected"),
    [
        ("25%", 2, False, 0),
        ("25%", 4, False, 1),
        ("50%", 3, False, 1),
        ("25%", 2, True, 1),
        (1, 2, False, 1),
        ("x", 2, False, None),
    ],
)
def test_scaled_rounds_like_the_deployment_controller(
    value: object, total: int, round_up: bool, expected: int | None
) -> None:
    assert wl.scaled(value, total, round_up=round_up) == expected


def test_selectors() -> None:
    labels = {"app": "api", "tier": "web"}
    assert wl.selector_matches({"matchLabels": {"app": "api"}}, labels)
    assert not wl.selector_matches({"matchLabels": {"app": "web"}}, labels)
    assert wl.selector_matches(
        {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["web", "x"]}]}, labels
    )
    assert wl.selector_matches({"matchExpressions": [{"key": "env", "operator": "DoesNotExist"}]}, labels)
    assert not wl.selector_matches(
        {"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["api"]}]}, labels
    )
    assert not wl.selector_matches({}, labels)  # an empty selector protects nothing here
    assert not wl.selector_matches(None, labels)


def test_yaml_words_scopes_and_owner_labels() -> None:
    assert (wl.as_bool("yes"), wl.as_bool("Off"), wl.as_bool(True), wl.as_bool("maybe")) == (
        True,
        False,
        True,
        None,
    )
    a = _object("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: shop}\n")
    b = _object("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n")
    c = _object("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: other}\n")
    assert wl.same_scope(a, b) and not wl.same_scope(a, c)
    b.rendered_by, c.rendered_by = "prod", "staging"
    assert wl.same_scope(
        b, _object("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: d}\n")
    )  # raw: may meet
    assert not wl.same_scope(b, c)  # two different overlays never meet
    assert wl.owner_label({"example.com/team": "payments"}) == "example.com/team"
    assert wl.owner_label({"team": ""}) is None
    assert wl.owner_label({"app.kubernetes.io/managed-by": "helm"}) is None
    assert not wl.is_namespaced(
        _object("apiVersion: cert-manager.io/v1\nkind: ClusterIssuer\nmetadata: {name: x}\n")
    )


def test_labels_that_say_what_an_object_belongs_to() -> None:
    assert wl.identity_label({"app.kubernetes.io/part-of": "shop"}) == "app.kubernetes.io/part-of"
    assert wl.identity_label({"tier": "web", "app": "api"}) == "app"
    assert wl.identity_label({"example.com/team": "payments"}) == "example.com/team"  # an owner
    assert wl.identity_label({"tier": "web", "app.kubernetes.io/name": ""}) is None
