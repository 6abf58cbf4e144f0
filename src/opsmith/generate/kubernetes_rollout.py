"""Progressive delivery for canary and blue-green services: the Argo Rollouts strategy, the
AnalysisTemplate that gates each step on the service's SLO (the same success-rate and latency
queries `opsmith deploy` runs, from opsmith.deploy.analysis_queries), and the PodMonitor that has
Prometheus scrape the metrics those queries read."""

from __future__ import annotations

from typing import Any

from opsmith.deploy.analysis_queries import prometheus_address, service_checks
from opsmith.design.model import Service
from opsmith.generate.kubernetes_meta import Context, Doc, metadata, name, obj, pod_labels, selector

ROLLOUTS_API = "argoproj.io/v1alpha1"
# Arguments the Rollout passes to the analysis: where it runs (per overlay), and which pods are the
# new release (Argo names them `<rollout>-<pod template hash>-<suffix>`).
NAMESPACE_ARG = "namespace"
REVISION_ARG = "revision"
PAUSE = "2m"  # long enough for the new pods to take traffic before the analysis judges them
MEASUREMENTS = 5  # one a minute: a release is promoted after five good minutes, not one lucky sample
BLUE_GREEN_SCALE_DOWN_DELAY = 600  # keep the old version until post-promotion analysis is over


def template_name(service: Service) -> str:
    return f"{name(service)}-slo"


def _analysis_ref(service: Service) -> dict[str, Any]:
    return {
        "templates": [{"templateName": template_name(service)}],
        "args": [
            {"name": NAMESPACE_ARG, "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
            {"name": REVISION_ARG, "valueFrom": {"podTemplateHashValue": "Latest"}},
        ],
    }


def strategy(service: Service) -> dict[str, Any]:
    """The Rollout's `spec.strategy` for the design's (effective) strategy."""
    if service.strategy.effective == "blue-green":
        return {
            "blueGreen": {
                "activeService": name(service),
                "previewService": f"{name(service)}-preview",
                "autoPromotionEnabled": True,
                "prePromotionAnalysis": _analysis_ref(service),
                "postPromotionAnalysis": _analysis_ref(service),
                "scaleDownDelaySeconds": BLUE_GREEN_SCALE_DOWN_DELAY,
            }
        }
    analysis = {"analysis": _analysis_ref(service)}
    pause = {"pause": {"duration": PAUSE}}
    return {
        "canary": {
            "maxSurge": "25%",
            "maxUnavailable": 0,
            "steps": [
                {"setWeight": 10},
                pause,
                analysis,
                {"setWeight": 50},
                pause,
                analysis,
                {"setWeight": 100},
            ],
        }
    }


def analysis_template(ctx: Context, service: Service) -> Doc:
    pods = f"{name(service)}-{{{{args.{REVISION_ARG}}}}}-.*"
    checks = service_checks(service, f"{{{{args.{NAMESPACE_ARG}}}}}", pods=pods)
    address = prometheus_address(ctx.design.observability.metrics.effective)
    metrics = [
        {
            "name": check.name,
            "interval": "1m",
            "count": MEASUREMENTS,
            "failureLimit": 1,
            "successCondition": check.condition,
            "provider": {"prometheus": {"address": address, "query": check.query}},
        }
        for check in checks
    ]
    slo = service.slo
    target = (
        f"{slo.availability}% of requests succeed and p95 latency stays under {slo.latency_p95_ms} ms"
        if slo
        else "no SLO"
    )
    why = (
        f"Gates every step of {name(service)}'s release on its SLO ({target}), measured on the new\n"
        "pods only. A failed check aborts the rollout and traffic returns to the stable version. The\n"
        "queries are the ones `opsmith deploy` uses (opsmith.deploy.analysis_queries); they read the\n"
        "RED metrics the service exports on /metrics (http_requests_total and\n"
        "http_request_duration_seconds)."
    )
    body = obj(
        ROLLOUTS_API,
        "AnalysisTemplate",
        metadata(template_name(service), pod_labels(ctx, service)),
        spec={"args": [{"name": NAMESPACE_ARG}, {"name": REVISION_ARG}], "metrics": metrics},
    )
    return why, body


def pod_monitor(ctx: Context, service: Service) -> Doc:
    why = (
        "Has the kube-prometheus-stack Prometheus scrape the pods' /metrics, which the release\n"
        "analysis and the dashboards read (its default selector wants the `release` label)."
    )
    labels = {**pod_labels(ctx, service), "release": "kube-prometheus-stack"}
    body = obj(
        "monitoring.coreos.com/v1",
        "PodMonitor",
        metadata(name(service), labels),
        spec={
            "selector": {"matchLabels": selector(ctx, service)},
            "podMetricsEndpoints": [{"port": "http", "path": "/metrics", "interval": "30s"}],
        },
    )
    return why, body
