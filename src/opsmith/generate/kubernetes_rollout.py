"""Progressive delivery for canary and blue-green services: the Argo Rollouts strategy, the
AnalysisTemplate that gates each step on the service's SLO (the same success-rate and latency
queries and the same pass/fail/inconclusive meaning `opsmith deploy` uses, from
opsmith.deploy.analysis_queries), and the PodMonitor that has Prometheus scrape the service's
metrics when it exports any."""

from __future__ import annotations

from typing import Any

from opsmith.deploy.analysis_queries import (
    CONSECUTIVE_ERROR_LIMIT,
    FAILURE_LIMIT,
    INCONCLUSIVE_LIMIT,
    MEASUREMENTS,
    Check,
    prometheus_address,
    release_source,
    service_checks,
)
from opsmith.design.model import Service
from opsmith.generate.kubernetes_meta import Context, Doc, metadata, name, obj, pod_labels, selector
from opsmith.generate.kubernetes_network import edge_key

ROLLOUTS_API = "argoproj.io/v1alpha1"
# Arguments the Rollout passes to the analysis: where it runs (per overlay), and which pods are the
# new release (Argo names them `<rollout>-<pod template hash>-<suffix>`).
NAMESPACE_ARG = "namespace"
REVISION_ARG = "revision"
PAUSE = "2m"  # long enough for the new pods to take traffic before the analysis judges them
METRICS_PORT = "metrics"  # the container port's name when metrics have a port of their own
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


def checks(ctx: Context, service: Service) -> list[Check]:
    """The release checks of a service, as the AnalysisTemplate runs them (none: no template)."""
    pods = f"{name(service)}-{{{{args.{REVISION_ARG}}}}}-.*"
    namespace = f"{{{{args.{NAMESPACE_ARG}}}}}"
    return service_checks(service, namespace, load_balancer=edge_key(ctx), pods=pods)


def strategy(ctx: Context, service: Service) -> dict[str, Any]:
    """The Rollout's `spec.strategy` for the design's (effective) strategy; without a release
    check (no metrics to read), the steps only pause, and the readiness probes gate them."""
    analysed = bool(checks(ctx, service))
    if service.strategy.effective == "blue-green":
        body: dict[str, Any] = {
            "activeService": name(service),
            "previewService": f"{name(service)}-preview",
            "autoPromotionEnabled": True,
        }
        source = release_source(service, edge_key(ctx))
        if analysed and source is not None and source.name == "app":
            body["prePromotionAnalysis"] = _analysis_ref(service)
        if analysed:  # the edge sees the preview's pods only once they are active
            body["postPromotionAnalysis"] = _analysis_ref(service)
        body["scaleDownDelaySeconds"] = BLUE_GREEN_SCALE_DOWN_DELAY
        return {"blueGreen": body}
    pause = {"pause": {"duration": PAUSE}}
    step = [pause, {"analysis": _analysis_ref(service)}] if analysed else [pause]
    return {
        "canary": {
            "maxSurge": "25%",
            "maxUnavailable": 0,
            "steps": [{"setWeight": 10}, *step, {"setWeight": 50}, *step, {"setWeight": 100}],
        }
    }


def analysis_template(ctx: Context, service: Service) -> Doc | None:
    """None when the service has no release check (see analysis_queries.release_source)."""
    found = checks(ctx, service)
    if not found:
        return None
    address = prometheus_address(ctx.design.observability.metrics.effective)
    metrics = [
        {
            "name": check.name,
            "interval": "1m",
            "count": MEASUREMENTS,
            "failureLimit": FAILURE_LIMIT,
            "inconclusiveLimit": INCONCLUSIVE_LIMIT,
            "consecutiveErrorLimit": CONSECUTIVE_ERROR_LIMIT,
            "successCondition": check.success_condition,
            "failureCondition": check.failure_condition,
            "provider": {"prometheus": {"address": address, "query": check.query}},
        }
        for check in found
    ]
    slo = service.slo
    target = (
        f"{slo.availability}% of requests succeed and latency stays under {slo.latency_p95_ms} ms"
        if slo
        else "no SLO"
    )
    source = release_source(service, edge_key(ctx))
    measured = (
        "measured on the new pods only, from the metrics the service exports"
        if source is not None and source.name == "app"
        else f"measured on the whole service from {source.name if source else 'the edge'}'s request\n"
        "metrics (the service exports none)"
    )
    why = (
        f"Gates every step of {name(service)}'s release on its SLO ({target}),\n"
        f"{measured}. A failed check aborts the rollout and traffic returns to\n"
        "the stable version. No data is inconclusive, never healthy: after "
        f"{INCONCLUSIVE_LIMIT + 1} measurements without\n"
        "data the rollout stops for a person. The queries are the ones `opsmith deploy` uses\n"
        "(opsmith.deploy.analysis_queries)."
    )
    body = obj(
        ROLLOUTS_API,
        "AnalysisTemplate",
        metadata(template_name(service), pod_labels(ctx, service)),
        spec={"args": [{"name": NAMESPACE_ARG}, {"name": REVISION_ARG}], "metrics": metrics},
    )
    return why, body


def pod_monitor(ctx: Context, service: Service) -> Doc | None:
    """None for a service that exports no metrics: a scrape of a missing path only yields 404s."""
    exported = service.metrics
    if exported is None or not exported.exports:
        return None
    path = exported.path or "/metrics"
    why = (
        f"Has the kube-prometheus-stack Prometheus scrape the pods' {path}, which the release\n"
        "analysis and the dashboards read (its default selector wants the `release` label)."
    )
    labels = {**pod_labels(ctx, service), "release": "kube-prometheus-stack"}
    body = obj(
        "monitoring.coreos.com/v1",
        "PodMonitor",
        metadata(name(service), labels),
        spec={
            "selector": {"matchLabels": selector(ctx, service)},
            "podMetricsEndpoints": [
                {
                    "port": METRICS_PORT if exported.port else "http",
                    "path": path,
                    "interval": "30s",
                    # the label the generated alerts and dashboards select the service by
                    "relabelings": [{"targetLabel": "service", "replacement": name(service)}],
                }
            ],
        },
    )
    return why, body
