"""Alerts on the alerting pipeline itself: Prometheus and Alertmanager failing at their jobs, and
the always-firing Watchdog that an external dead man's switch expects to hear from (it pages
when the heartbeat stops, which is the one failure no rule inside Prometheus can report)."""

from __future__ import annotations

from dataclasses import dataclass

from opsmith.generate.monitoring_alerts import Alert, Group, Runbook, Series

PROMETHEUS = {"job": "prometheus", "instance": "localhost:9090"}
ALERTMANAGER = {"job": "alertmanager", "instance": "alertmanager:9093"}
_CHECK_CONFIG = "Validate the configuration (`promtool check config`, `amtool check-config`) and reload."


def _selector(labels: dict[str, str]) -> str:
    return ", ".join(f'{k}="{v}"' for k, v in labels.items())


@dataclass(frozen=True)
class _Signal:
    """How a metric of Prometheus or Alertmanager says something is wrong."""

    expr: str
    says: str
    bad: str
    good: str


# A counter of failures that should never grow, and a gauge that is 1 while all is well.
_GROWS = _Signal("increase({metric}[5m]) > 0", "has grown", "0+1x30", "0x30")
_ZERO = _Signal("{metric} == 0", "has been 0", "0x30", "1x30")


def _self_alert(
    name: str, metric: str, signal: _Signal, labels: dict[str, str], *, runbook: Runbook, what: str
) -> Alert:
    series = f"{metric}{{{_selector(labels)}}}"
    return Alert(
        name=name,
        expr=signal.expr.format(metric=metric),
        for_="10m",
        severity="warning",
        summary=f"{{{{ $labels.instance }}}} {what}",
        description=f"{metric} {signal.says} for 10 minutes on {{{{ $labels.instance }}}}.",
        runbook=runbook,
        bad=(Series(series, signal.bad),),
        good=(Series(series, signal.good),),
        at="25m",
        fired=labels,
    )


def group() -> Group:
    return Group(
        "alerting-pipeline",
        alerts=(
            Alert(
                name="Watchdog",
                expr="vector(1)",
                for_="1m",
                severity="none",
                summary="The alerting pipeline is working",
                description="Always firing, on purpose: the heartbeat receiver expects it every minute and "
                "pages when it stops.",
                runbook=Runbook(
                    meaning="This alert always fires. Alertmanager sends it to an external heartbeat "
                    "(dead man's switch) service, never to people.",
                    impact="None while it fires. When the heartbeat service reports it missing, Prometheus, "
                    "Alertmanager or the network between them is down and no other alert can reach anyone.",
                    scope="pipeline",
                    mitigation=(
                        "If the heartbeat service reports it missing: restart Prometheus and Alertmanager "
                        "and check "
                        "that Prometheus lists Alertmanager under Status > Runtime.",
                    ),
                ),
                bad=(),
                good=(),
                at="5m",
            ),
            _self_alert(
                "PrometheusRuleFailures",
                "prometheus_rule_evaluation_failures_total",
                _GROWS,
                {**PROMETHEUS, "rule_group": "rules.yml;example"},
                runbook=Runbook(
                    meaning="Prometheus fails to evaluate some rules: their alerts cannot fire.",
                    impact="Alerts of the failing group are blind until it is fixed.",
                    scope="pipeline",
                    mitigation=(
                        "Prometheus' Rules page shows the failing rule and its error.",
                        _CHECK_CONFIG,
                    ),
                ),
                what="fails to evaluate rules",
            ),
            _self_alert(
                "PrometheusNotificationsFailing",
                "prometheus_notifications_errors_total",
                _GROWS,
                {**PROMETHEUS, "alertmanager": "http://alertmanager:9093/api/v2/alerts"},
                runbook=Runbook(
                    meaning="Prometheus cannot deliver alerts to Alertmanager.",
                    impact="Alerts fire in Prometheus but reach nobody.",
                    scope="pipeline",
                    mitigation=(
                        "Check that Alertmanager is up and reachable from Prometheus at the address in "
                        "prometheus.yml.",
                    ),
                ),
                what="cannot send alerts to Alertmanager",
            ),
            _self_alert(
                "PrometheusAlertmanagerMissing",
                "prometheus_notifications_alertmanagers_discovered",
                _ZERO,
                PROMETHEUS,
                runbook=Runbook(
                    meaning="Prometheus knows of no Alertmanager to send alerts to.",
                    impact="Alerts fire in Prometheus but reach nobody.",
                    scope="pipeline",
                    mitigation=(
                        "Fix the `alerting` section of prometheus.yml or Alertmanager's service discovery.",
                    ),
                ),
                what="has no Alertmanager to send alerts to",
            ),
            _self_alert(
                "PrometheusConfigReloadFailed",
                "prometheus_config_last_reload_successful",
                _ZERO,
                PROMETHEUS,
                runbook=Runbook(
                    meaning="The last configuration reload of Prometheus failed; it still runs the previous "
                    "one.",
                    impact="None yet; the next restart fails to start Prometheus with this configuration.",
                    scope="pipeline",
                    mitigation=(_CHECK_CONFIG,),
                ),
                what="failed to reload its configuration",
            ),
            _self_alert(
                "AlertmanagerNotificationsFailing",
                "alertmanager_notifications_failed_total",
                _GROWS,
                {**ALERTMANAGER, "integration": "pagerduty"},
                runbook=Runbook(
                    meaning="Alertmanager fails to deliver notifications to a receiver.",
                    impact="Pages or messages are not arriving; people may be missing alerts right now.",
                    scope="pipeline",
                    mitigation=(
                        "Read Alertmanager's log for the receiver's error (an expired key, a revoked "
                        "webhook).",
                        "Renew the credential in the file the receiver reads and reload Alertmanager.",
                    ),
                ),
                what="fails to send notifications",
            ),
            _self_alert(
                "AlertmanagerConfigReloadFailed",
                "alertmanager_config_last_reload_successful",
                _ZERO,
                ALERTMANAGER,
                runbook=Runbook(
                    meaning="The last configuration reload of Alertmanager failed; it still runs the "
                    "previous one.",
                    impact="None yet; the next restart fails to start Alertmanager with this configuration.",
                    scope="pipeline",
                    mitigation=(_CHECK_CONFIG,),
                ),
                what="failed to reload its configuration",
            ),
        ),
    )
