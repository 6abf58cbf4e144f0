"""k8s/monitoring/: the application's alerts and dashboards as objects for kube-prometheus-stack,
a kustomization of its own applied once into the stack's namespace (not per environment, so each
alert fires once and the Grafana sidecar finds the dashboards where it looks by default):
a PrometheusRule per rule file of monitoring/rules (the same groups, so the alerts, their promtool
tests and their runbooks stay one), and each dashboard of monitoring/grafana/dashboards as a
ConfigMap. Each service's PodMonitor sits beside its workload (kubernetes_rollout).
"""

from __future__ import annotations

from posixpath import relpath
from typing import Any

import yaml

from opsmith.design.model import Design
from opsmith.generate.artifact import Artifact
from opsmith.generate.kubernetes import HEADER, KUSTOMIZE_API, ROOT
from opsmith.generate.kubernetes_meta import (
    COMPONENT,
    NAME,
    PART_OF,
    TEAM,
    Context,
    Doc,
    comment,
    documents,
    metadata,
    obj,
    to_yaml,
)
from opsmith.generate.monitoring_alerts import RuleFile
from opsmith.generate.monitoring_dashboards import to_json
from opsmith.generate.monitoring_grafana import dashboards
from opsmith.generate.monitoring_rules import render_rules, rule_files
from opsmith.generate.monitoring_telemetry import CLUSTER_NAMESPACE

FOLDER = f"{ROOT}/monitoring"
OPERATOR_API = "monitoring.coreos.com/v1"
RELEASE = {"release": "kube-prometheus-stack"}  # what the chart's rule selector wants by default
DASHBOARD_LABEL = {"grafana_dashboard": "1"}  # what the chart's Grafana sidecar looks for
GENERATOR = "monitoring"


def wanted(design: Design) -> bool:
    return design.observability.metrics.effective == "kube-prometheus-stack"


def render(design: Design) -> list[Artifact]:
    if not wanted(design):
        return []
    ctx = Context(design)
    files = {
        "kustomization.yaml": _kustomization(ctx),
        "rules.yaml": documents(
            f"{HEADER}\n\nThe alerts of {ctx.app}, evaluated by kube-prometheus-stack.", _rules(ctx)
        ),
        "dashboards.yaml": documents(
            f"{HEADER}\n\nThe dashboards of {ctx.app}, loaded by kube-prometheus-stack's Grafana sidecar.",
            _dashboards(ctx),
        ),
    }
    return [Artifact(f"{FOLDER}/{name}", text, generator=GENERATOR) for name, text in files.items()]


def _labels(ctx: Context) -> dict[str, str]:
    return {PART_OF: ctx.app, COMPONENT: "monitoring"}


def _rules(ctx: Context) -> list[Doc]:
    docs: list[Doc] = []
    for rules in rule_files(ctx.design):
        groups = groups_in(rules, FOLDER)
        docs.append(
            (
                f"{rules.title} The same groups as monitoring/rules/{rules.stem}.yml, whose promtool\n"
                "tests cover them.",
                obj(
                    OPERATOR_API,
                    "PrometheusRule",
                    metadata(f"{ctx.app}-{rules.stem}", {NAME: f"{ctx.app}-{rules.stem}", **RELEASE}),
                    spec={"groups": groups},
                ),
            )
        )
    return docs


def groups_in(rules: RuleFile, folder: str) -> list[dict[str, Any]]:
    """The rule file's groups as data, for an object written in `folder`: a link is read from the
    file that holds it, so each runbook link leads from there to docs/runbooks/."""
    groups: list[dict[str, Any]] = yaml.safe_load(render_rules(rules))["groups"]
    for rule in (r for g in groups for r in g["rules"] if "annotations" in r):
        rule["annotations"]["runbook_url"] = relpath(rule["annotations"]["runbook_url"], folder)
    return groups


def _dashboards(ctx: Context) -> list[Doc]:
    docs: list[Doc] = []
    for file, board in dashboards(ctx.design).items():
        name = f"{ctx.app}-dashboard-{file.removesuffix('.json')}"
        docs.append(
            (
                f"`{board['title']}`, as monitoring/grafana/dashboards/{file}.",
                obj(
                    "v1",
                    "ConfigMap",
                    metadata(name, {NAME: name, **DASHBOARD_LABEL}),
                    data={file: to_json(board)},
                ),
            )
        )
    return docs


def _kustomization(ctx: Context) -> str:
    body = {
        "apiVersion": KUSTOMIZE_API,
        "kind": "Kustomization",
        "namespace": CLUSTER_NAMESPACE,
        "labels": [{"pairs": {**_labels(ctx), TEAM: ctx.app}, "includeSelectors": False}],
        "resources": ["rules.yaml", "dashboards.yaml"],
    }
    why = (
        f"{HEADER}\n\n"
        f"{ctx.app}'s alerts and dashboards, for kube-prometheus-stack installed as release\n"
        f"`kube-prometheus-stack` in namespace `{CLUSTER_NAMESPACE}`. Apply once per cluster, not per\n"
        "environment (the alerts select services by their `service` label, whichever namespace):\n"
        f"  kubectl apply -k {FOLDER}"
    )
    return comment(why) + to_yaml(body)
