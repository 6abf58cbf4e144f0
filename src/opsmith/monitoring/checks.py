"""The checks of gate 3, per critical service and once for the alerting pipeline.

Each check looks for evidence in the repository's monitoring and never assumes it: a gap names
what is missing, the file where it belongs, and the fix. How each piece is matched:
- scraped: a scrape job whose name, target host or static labels stand for the service
  (`naming`), whose Kubernetes discovery keeps it by name or label, or which keeps annotated pods
  it carries the annotation for; or a ServiceMonitor/PodMonitor whose selector matches its
  Service's or pods' labels (or, without manifests, names it in a label value);
- error_alert / latency_alert: an alerting rule that reads request errors / latency
  (`expressions`) and is scoped to the service by a matcher or a static label, or that keeps the
  `job` label without scoping (an alert per job) while the service is scraped;
- for a worker or a cron (`coverage.checks_for`), error_alert reads failed jobs or runs and
  liveness_alert whether it still works (`up`, restarts, a queue that drains, the age of a cron's
  last success); `scraped` also holds for a cron through a Pushgateway job, or through
  kube-state-metrics' CronJob series that an alert about it reads;
- dashboard: a Grafana dashboard query scoped to the service (a `$variable` counts through the
  values it offers, and through every scraped job when its values come from a query);
- runbook: every alert of the service links a runbook that resolves (`runbooks`);
- routed: every alert of the service reaches, through some Alertmanager route tree, a receiver
  with at least one notifier configured (alerts of severity info or none are meant to notify no
  one and are left out);
- pipeline: an alert that reads no series (a Watchdog, dead man's switch) or is named for one,
  routed to a receiver that notifies; or alerts on Alertmanager's or Prometheus' own metrics.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from opsmith.monitoring.coverage import Check, Evidence, Unreadable
from opsmith.monitoring.expressions import Reads, Recorded, Scope, reads_of, reads_of_text
from opsmith.monitoring.naming import SCOPE_LABELS, owners, regex_matches, words
from opsmith.monitoring.runbooks import RUNBOOK_ANNOTATIONS, Runbooks
from opsmith.monitoring.services import Watched
from opsmith.monitoring.sources import Sources
from opsmith.parse.prometheus import PromRule
from opsmith.rules.alertmanager import reachable

_UNRELATED = "zz-unrelated-q9x"  # a regex matching this name too scopes nothing
_WATCHDOG_WORDS = frozenset({"watchdog", "deadmansswitch", "deadman", "deadmanswitch", "heartbeat"})
_QUIET_SEVERITIES = frozenset({"info", "none"})  # alerts meant to be seen on a dashboard, not sent
_SELF_PREFIXES = ("alertmanager_", "prometheus_notifications_", "prometheus_rule_", "prometheus_config_")
_JOB_KINDS = frozenset({"worker", "cron"})
# Signal -> (what the missing alert would read, the fix), for a web service and for a job.
_SIGNALS = {
    "error": (
        "reads its request errors (an error ratio or an SLO burn rate)",
        "an alert on the share of failed requests (e.g. 5xx over all requests) or the SLO burn rate",
    ),
    "latency": (
        "reads its request latency (a duration histogram or summary)",
        "an alert on p95/p99 latency from the duration histogram (`histogram_quantile`)",
    ),
}
_JOB_SIGNALS = {
    ("worker", "error"): (
        "reads its failed jobs",
        'an alert on the share of failed jobs (e.g. `worker_jobs_total{status="failed"}` over all)',
    ),
    ("worker", "liveness"): (
        "says whether it still works (`up`, restarts, or a queue that does not drain)",
        "an alert on `up == 0` of its job, or on jobs waiting while none finish "
        "(`worker_queue_depth > 0` and no increase of `worker_jobs_total`)",
    ),
    ("cron", "error"): (
        "reads its failed runs",
        "an alert on its last failed run (`cron_last_failure_timestamp_seconds` newer than the last "
        "success, or kube-state-metrics' `kube_job_failed` for its Jobs)",
    ),
    ("cron", "liveness"): (
        "says when it last succeeded",
        "an alert on the age of its last successful run (`time() - cron_last_success_timestamp_seconds`, "
        "pushed by the cron to a Pushgateway, or kube-state-metrics' "
        "`kube_cronjob_status_last_successful_time`) beyond its schedule",
    ),
}
_PUSHGATEWAY = "pushgateway"


@dataclass
class Alert:
    path: str
    rule: PromRule
    reads: Reads

    @property
    def evidence(self) -> Evidence:
        return Evidence(self.path, self.rule.line)

    @property
    def where(self) -> str:
        return f"`{self.rule.name}` ({self.path}:{self.rule.line})"


@dataclass
class Context:
    sources: Sources
    services: list[Watched]
    runbooks: Runbooks
    recorded: Recorded = field(init=False)
    alerts: list[Alert] = field(init=False)
    names: dict[str, list[str]] = field(init=False)  # service -> every name it may go by
    jobs: dict[str, set[str]] = field(default_factory=dict)  # service -> jobs that scrape it

    def __post_init__(self) -> None:
        self.recorded = self.sources.recorded()
        self.alerts = [Alert(p, r, reads_of(r.expr, self.recorded)) for p, r in self.sources.alerts()]
        self.names = {s.name: sorted(s.aliases | {s.name}) for s in self.services}

    def stands_for(self, scope: Scope, service: str) -> bool:
        if scope.op == "=":
            return scope.value in self.jobs.get(service, ()) or service in owners(scope.value, self.names)
        names = [*self.names[service], *self.jobs.get(service, ())]
        return regex_matches(scope.value, names) and not regex_matches(scope.value, [_UNRELATED])

    def scoped(self, alert: Alert, service: str) -> bool:
        labels = [
            Scope(k, "=", v) for k, v in alert.rule.all_labels.items() if k in SCOPE_LABELS and "{{" not in v
        ]
        return any(self.stands_for(s, service) for s in [*alert.reads.scopes, *labels])

    def unscoped(self, alert: Alert) -> bool:
        """An alert per job: no scope of its own, the `job` label kept in what it returns."""
        labels = [k for k in alert.rule.all_labels if k in SCOPE_LABELS]
        return not alert.reads.scopes and not labels and alert.reads.keeps_job

    def first_file(self, files: set[str], default: str) -> str:
        return sorted(files)[0] if files else default


def _unreadable_note(items: list[Unreadable]) -> str:
    if not items:
        return ""
    shown = "; ".join(f"{u.path}:{u.line or 1} could not be read ({u.message})" for u in items[:3])
    return f" (note: {shown})"


def _with_unreadable(evidence: list[Evidence], items: list[Unreadable]) -> list[Evidence]:
    return [*evidence, *(Evidence(u.path, u.line) for u in items)]


# ---------------------------------------------------------------- scraped


def scraped(ctx: Context, service: Watched) -> Check:
    evidence: list[Evidence] = []
    jobs: set[str] = set()
    names = ctx.names[service.name]
    for job in ctx.sources.scrape_jobs:
        hits = [job.line] if service.name in owners(job.name, ctx.names) else []
        hits += [t.line for t in job.targets if service.name in owners(t.host, ctx.names)]
        if any(service.name in owners(v, ctx.names) for k, v in job.labels.items() if k in SCOPE_LABELS):
            hits.append(job.line)
        candidates = [*names, *service.service_names]
        if any(regex_matches(r, candidates) and not regex_matches(r, [_UNRELATED]) for r in job.keeps):
            hits.append(job.line)
        if job.by_annotation and "kubernetes" in job.discovery and service.annotated:
            hits.append(job.line)
        if hits:
            jobs.add(job.name)
            evidence.extend(Evidence(job.path, line) for line in hits)
    for monitor in ctx.sources.monitors:
        labels = service.service_labels if monitor.kind == "ServiceMonitor" else service.pod_labels
        if labels:
            selected = any(monitor.selects(each) for each in labels)
        else:
            values = [*monitor.match_labels.values(), *(v for _, _, vs in monitor.expressions for v in vs)]
            selected = any(service.name in owners(v, ctx.names) for v in values)
        if selected:
            evidence.append(Evidence(monitor.path, monitor.line))
            jobs |= service.service_names if monitor.kind == "ServiceMonitor" else {monitor.name}
    ctx.jobs[service.name] = jobs
    if not evidence and service.kind == "cron":
        evidence = _cron_collected(ctx, service)
    if evidence:
        return Check.passed(evidence)
    where = ctx.first_file(ctx.sources.scrape_files, "prometheus.yml")
    if service.kind in _JOB_KINDS:
        return Check.failed(
            f"nothing collects `{service.name}`'s signals; fix: "
            + (
                "have it push its last run's timestamps to a Pushgateway scraped (honor_labels) from "
                f"{where}, or on Kubernetes alert on kube-state-metrics' CronJob series"
                if service.kind == "cron"
                else f"serve `worker_jobs_total` and `worker_queue_depth` on /metrics and add a job for it "
                f"to {where}, or a PodMonitor selecting its pods"
            )
        )
    unreadable = ctx.sources.unreadable_in(("monitoring", "scrape"))
    return Check.failed(
        f"no scrape job, ServiceMonitor or PodMonitor collects `{service.name}`; fix: add a job for it "
        f"to {where} (`job_name: {service.name}` with its metrics target), or a ServiceMonitor "
        f"selecting its Service{_unreadable_note(unreadable)}",
        _with_unreadable([], unreadable),
    )


def _cron_collected(ctx: Context, service: Watched) -> list[Evidence]:
    """A cron ends before any scrape: its signals arrive through a Pushgateway, or from
    kube-state-metrics (which the cluster's own Prometheus stack scrapes), read by an alert about it."""
    evidence = [
        Evidence(job.path, job.line)
        for job in ctx.sources.scrape_jobs
        if _PUSHGATEWAY in job.name.lower() or any(_PUSHGATEWAY in t.host.lower() for t in job.targets)
    ]
    evidence += [
        a.evidence
        for a in ctx.alerts
        if ctx.scoped(a, service.name)
        and any(m.startswith(("kube_cronjob_", "kube_job_")) for m in a.reads.metrics)
    ]
    return evidence


# ---------------------------------------------------------------- alerts


def service_alerts(ctx: Context, service: Watched) -> list[Alert]:
    """The alerts that speak about this service: scoped to it, or per job while it is scraped (a
    per-job `up == 0` speaks for a worker or cron, which has no requests to fail)."""
    scraped_by = bool(ctx.jobs.get(service.name))
    job = service.kind in _JOB_KINDS
    return [
        a
        for a in ctx.alerts
        if ctx.scoped(a, service.name)
        or (
            scraped_by
            and ctx.unscoped(a)
            and (a.reads.error or a.reads.latency or (job and a.reads.liveness))
        )
    ]


def signal_alert(ctx: Context, service: Watched, alerts: list[Alert], signal: str) -> Check:
    chosen = [a for a in alerts if getattr(a.reads, signal)]
    if chosen:
        return Check.passed([e for a in chosen for e in (a.evidence, *a.reads.through)])
    scope = f'job="{sorted(ctx.jobs[service.name])[0]}"' if ctx.jobs.get(service.name) else "its job"
    where = ctx.first_file(ctx.sources.rule_files, "a rule file loaded by Prometheus")
    unreadable = ctx.sources.unreadable_in(("rules", "monitoring"))
    what, fix = _SIGNALS[signal] if service.kind not in _JOB_KINDS else _JOB_SIGNALS[(service.kind, signal)]
    return Check.failed(
        f"no alerting rule {what} scoped to `{service.name}`; fix: add {fix}, selected by {scope}, "
        f"to {where}{_unreadable_note(unreadable)}",
        _with_unreadable([], unreadable),
    )


def runbook(ctx: Context, service: Watched, alerts: list[Alert]) -> Check:
    if not alerts:
        return Check.failed(
            f"`{service.name}` has no alert to carry a runbook; fix: add its alerts (see error_alert and "
            "latency_alert), each with a `runbook_url` annotation"
        )
    evidence: list[Evidence] = []
    problems: list[str] = []
    for alert in alerts:
        annotations = alert.rule.annotations
        key = next((k for k in RUNBOOK_ANNOTATIONS if annotations.get(k, "").strip()), None)
        if key is None:
            problems.append(f"{alert.where} has no `runbook_url` annotation")
            continue
        found, why = ctx.runbooks.resolve(annotations[key], alert.path, alert.rule.name)
        if found is None:
            problems.append(f"{alert.where}: {why}")
        else:
            evidence += [Evidence(alert.path, alert.rule.annotation_lines.get(key)), Evidence(found, None)]
    if not problems:
        return Check.passed(evidence)
    return Check.failed(
        f"{_listing(problems)}; fix: write each runbook in the repository (e.g. "
        "docs/runbooks/<alert>.md) and link it from `annotations.runbook_url`",
        [a.evidence for a in alerts],
    )


def _listing(items: list[str]) -> str:
    more = f"; and {len(items) - 3} more" if len(items) > 3 else ""
    return "; ".join(items[:3]) + more


def delivery(ctx: Context, alert: PromRule) -> tuple[list[Evidence], list[str]]:
    """Where an alert can be delivered: (receivers that notify, as evidence; receivers that do not)."""
    labels = {k: v for k, v in alert.all_labels.items() if "{{" not in v}
    labels["alertname"] = alert.name
    notified: list[Evidence] = []
    silent: list[str] = []
    for path, doc in ctx.sources.alertmanagers:
        if doc.route is None:
            continue
        for _, name in reachable(doc.route, labels):
            receiver = doc.receivers.get(name)
            if receiver is not None and receiver.integrations:
                notified.append(Evidence(path, receiver.line))
            else:
                silent.append(f"`{name}` ({path})")
    return notified, silent


def routed(ctx: Context, service: Watched, alerts: list[Alert]) -> Check:
    unreadable = ctx.sources.unreadable_in(("alertmanager", "monitoring"))
    if not ctx.sources.alertmanagers:
        return Check.failed(
            "no Alertmanager configuration in the repository routes alerts; fix: add alertmanager.yml "
            f"with a route per severity to receivers that notify{_unreadable_note(unreadable)}",
            _with_unreadable([], unreadable),
        )
    if not alerts:
        return Check.failed(f"`{service.name}` has no alert to route; fix: add its alerts first")
    evidence: list[Evidence] = []
    problems: list[str] = []
    for alert in alerts:
        if alert.rule.severity in _QUIET_SEVERITIES:
            continue  # logged on purpose, not sent to anyone
        notified, silent = delivery(ctx, alert.rule)
        if notified:
            evidence += [alert.evidence, *notified]
        else:
            ends = ", ".join(sorted(set(silent))) or "no receiver"
            problems.append(f"{alert.where} can only reach {ends}, which notifies no one")
    if not problems:
        return Check.passed(evidence)
    where = ctx.sources.alertmanagers[0][0]
    return Check.failed(
        f"{_listing(problems)}; fix: in {where}, route these alerts (by severity or service) to a receiver "
        "with a notifier (pager, chat, email or webhook)",
        [a.evidence for a in alerts],
    )


# ---------------------------------------------------------------- dashboard


def dashboard(ctx: Context, service: Watched) -> Check:
    evidence: list[Evidence] = []
    scraped_jobs = ctx.jobs.get(service.name, set())
    for board in ctx.sources.dashboards:
        for query in board.queries:
            reads = reads_of_text(query.expr, ctx.recorded)
            if any(
                _dashboard_scope(ctx, s, board.variables, service.name, scraped_jobs) for s in reads.scopes
            ):
                evidence.append(Evidence(board.path, query.line))
    if evidence:
        return Check.passed(evidence)
    unreadable = ctx.sources.unreadable_in(("dashboard", "monitoring"))
    folder = sorted({b.path.rpartition("/")[0] or "." for b in ctx.sources.dashboards})
    where = f"{folder[0]}/" if folder else "a provisioned dashboards folder (e.g. grafana/dashboards/)"
    return Check.failed(
        f"no Grafana dashboard has a panel whose query selects `{service.name}`; fix: add a dashboard JSON "
        f"with its request rate, errors and latency filtered by its job to {where}"
        f"{_unreadable_note(unreadable)}",
        _with_unreadable([], unreadable),
    )


def _dashboard_scope(
    ctx: Context, scope: Scope, variables: dict[str, list[str] | None], service: str, jobs: set[str]
) -> bool:
    if not scope.value.startswith("$"):
        return ctx.stands_for(scope, service)
    values = variables.get(scope.value[1:], [])
    if values is None:  # filled from a query: offers every job there is
        return bool(jobs)
    return any(ctx.stands_for(Scope(scope.label, "=", v), service) for v in values if v and "$" not in v)


# ---------------------------------------------------------------- pipeline


def pipeline(ctx: Context) -> Check:
    evidence: list[Evidence] = []
    for alert in ctx.alerts:
        metrics = alert.reads.metrics - {""}
        if not metrics or set(words(alert.rule.name)) & _WATCHDOG_WORDS:
            notified, _ = delivery(ctx, alert.rule)
            if notified:
                evidence += [alert.evidence, *notified]
        elif any(m.startswith(_SELF_PREFIXES) for m in metrics):
            evidence.append(alert.evidence)
    if evidence:
        return Check.passed(evidence)
    where = ctx.first_file(ctx.sources.rule_files, "a rule file")
    return Check.failed(
        "nothing watches the alerting pipeline itself; fix: add to "
        f"{where} an always-firing `Watchdog` alert (`expr: vector(1)`) routed to an external dead man's "
        "switch that pages when it stops, and alerts on `alertmanager_notifications_failed_total` and "
        "`prometheus_notifications_dropped_total`"
    )
