"""Alerts for the workers and crons the design marks critical: users wait on their work (payments,
e-mail, exports), so their failing or stopping pages like a web service's outage does.

What each needs from the app (monitoring/README.md says it too):
- a worker exports a counter `worker_jobs_total` with `status="succeeded"` or `status="failed"` per
  finished job, and a gauge `worker_queue_depth` of jobs waiting; the scrape job's `up` says
  whether it runs (when it serves metrics), and on Kubernetes kube-state-metrics counts restarts;
- a cron, which ends before any scrape, pushes the gauges `cron_last_success_timestamp_seconds`
  and `cron_last_failure_timestamp_seconds` (Unix time) to the Pushgateway at the end of each run,
  under `service="<name>"`. On Kubernetes it pushes nothing: kube-state-metrics reports the
  CronJob's last successful run and its failed Jobs.

A missed run is judged against the schedule: the longest gap between two runs (cron_schedule)
plus up to an hour for the run itself.
"""

from __future__ import annotations

from math import ceil

from opsmith.design.model import Design, Service
from opsmith.generate.cron_schedule import longest_gap_minutes
from opsmith.generate.monitoring_alerts import Alert, Group, Runbook, Series
from opsmith.generate.monitoring_metrics import Metrics
from opsmith.generate.monitoring_red import down
from opsmith.generate.options import KUBERNETES_ORCHESTRATIONS

JOBS = "worker_jobs_total"
QUEUE = "worker_queue_depth"
LAST_SUCCESS = "cron_last_success_timestamp_seconds"
LAST_FAILURE = "cron_last_failure_timestamp_seconds"
FAILED_SHARE = 0.1
_UNKNOWN_GAP = 24 * 60  # a schedule this module cannot read: assume daily
_TEST_POINTS = 40


def critical_jobs(design: Design) -> list[Service]:
    """Workers and crons the design marks critical."""
    return [
        s
        for s in design.services
        if s.kind in ("worker", "cron") and s.critical is not None and s.critical.effective
    ]


def pushes(design: Design) -> bool:
    """Whether a Pushgateway beside Prometheus receives the crons' timestamps: on a server of the
    design's own (on Kubernetes kube-state-metrics reports the CronJobs)."""
    return design.orchestration.effective == "compose" and any(
        s.kind == "cron" for s in critical_jobs(design)
    )


def group(design: Design, service: Service) -> Group:
    kubernetes = design.orchestration.effective in KUBERNETES_ORCHESTRATIONS
    alerts: tuple[Alert, ...]
    if service.kind == "cron":
        # both of a cron's tests sample at the pace its schedule needs: promtool evaluates a rule
        # file at one interval
        step = max(1, ceil(2 * missed_after_minutes(service) / _TEST_POINTS))
        alerts = (_missed(service, kubernetes, step), _failed_run(service, kubernetes, step))
    else:
        alerts = (_jobs_failing(service), _stalled(service))
        if service.metrics is not None and service.metrics.exports:  # a target whose `up` says it runs
            alerts += (down(Metrics(service.name, 1.0)),)
        if kubernetes:
            alerts += (_restarting(service),)
    return Group(f"{service.name}-{service.kind}", alerts=alerts)


def _selector(service: Service) -> str:
    return f'service="{service.name}"'


def _jobs_failing(service: Service) -> Alert:
    s = _selector(service)
    ok, failed = f'{JOBS}{{{s}, status="succeeded"}}', f'{JOBS}{{{s}, status="failed"}}'
    return Alert(
        name="WorkerJobsFailing",
        expr=(
            f'sum(rate({JOBS}{{{s}, status="failed"}}[15m]))\n/\nsum(rate({JOBS}{{{s}}}[15m]))\n'
            f"> {FAILED_SHARE:g}"
        ),
        for_="10m",
        severity="critical",
        summary=f"{service.name} fails more than {FAILED_SHARE:.0%} of its jobs",
        description=f"Over the last 15 minutes more than {FAILED_SHARE:.0%} of the jobs {service.name} "
        f"finished were counted as failed in {JOBS}.",
        runbook=Runbook(
            meaning=f'The worker keeps failing its jobs: {JOBS}{{status="failed"}} grows faster than '
            "a tenth of all jobs.",
            impact="The work users wait for (messages, payments, exports) is not done, or done late after "
            "retries.",
            scope="service",
            mitigation=(
                "Read the worker's logs for the failing job's exception; a dependency it calls is the "
                "usual cause.",
                "If the jobs fail on bad input, move them aside (a dead-letter queue) so the rest flow.",
            ),
        ),
        bad=(Series(ok, "0+5x40"), Series(failed, "0+5x40")),
        good=(Series(ok, "0+10x40"), Series(failed, "0x40")),
        at="35m",
        labels={"service": service.name},
    )


def _stalled(service: Service) -> Alert:
    s = _selector(service)
    return Alert(
        name="WorkerStalled",
        expr=f"sum({QUEUE}{{{s}}}) > 0\nand on ()\nsum(increase({JOBS}{{{s}}}[15m])) == 0",
        for_="15m",
        severity="critical",
        summary=f"{service.name} has jobs waiting and finishes none",
        description=f"{QUEUE} has been above zero for 15 minutes while {service.name} finished no job.",
        runbook=Runbook(
            meaning="Jobs are queued but the worker finishes none: it hangs, lost its connection to the "
            "queue, or all its instances are busy on a job that never ends.",
            impact="Everything users queued waits; nothing is lost yet if the queue is durable.",
            scope="service",
            mitigation=(
                "Restart the worker; if it stalls again, look for the job it was running when it stopped "
                "(its logs), and check the queue's broker.",
            ),
        ),
        bad=(
            Series(f'{QUEUE}{{{s}, instance="{service.name}:9100"}}', "5x40"),
            Series(f'{JOBS}{{{s}, status="succeeded"}}', "100x40"),
        ),
        good=(
            Series(f'{QUEUE}{{{s}, instance="{service.name}:9100"}}', "5x40"),
            Series(f'{JOBS}{{{s}, status="succeeded"}}', "0+10x40"),
        ),
        at="35m",
        labels={"service": service.name},
    )


def _restarting(service: Service) -> Alert:
    series = (
        f'kube_pod_container_status_restarts_total{{container="{service.name}", namespace="app", '
        f'pod="{service.name}-7c9d8f6b5-x2x7q"}}'
    )
    return Alert(
        name="WorkerRestarting",
        expr=f'increase(kube_pod_container_status_restarts_total{{container="{service.name}"}}[15m]) > 2',
        for_="5m",
        severity="warning",
        summary=f"{service.name} restarts over and over",
        description=f"A container of {service.name} restarted more than twice in 15 minutes.",
        runbook=Runbook(
            meaning="The worker's container crashes or fails its liveness probe repeatedly.",
            impact="Jobs in flight are retried or lost at each restart; throughput drops.",
            scope="service",
            mitigation=("Read the previous container's logs (`kubectl logs --previous`) for why it exited.",),
        ),
        bad=(Series(series, "0+1x30"),),
        good=(Series(series, "0x30"),),
        at="25m",
        fired={"container": service.name, "namespace": "app", "pod": f"{service.name}-7c9d8f6b5-x2x7q"},
        labels={"service": service.name},
    )


def missed_after_minutes(service: Service) -> int:
    """How long without a successful run before the cron counts as missed."""
    gap = longest_gap_minutes(service.schedule or "") or _UNKNOWN_GAP
    return gap + min(gap, 60)


def _missed(service: Service, kubernetes: bool, step: int) -> Alert:
    limit = missed_after_minutes(service)
    if kubernetes:
        metric, selector = "kube_cronjob_status_last_successful_time", f'cronjob="{service.name}"'
    else:
        metric, selector = LAST_SUCCESS, _selector(service)
    series = f"{metric}{{{selector}}}"
    at = ceil((limit + max(3 * step, 10)) / step) * step
    return Alert(
        name="CronJobMissed",
        expr=f"time() - max({series}) > {limit * 60}",
        for_="5m",
        severity="critical",
        summary=f"{service.name} has not completed a run for {_duration(limit)}",
        description=f"The last successful run of {service.name} (schedule `{service.schedule}`) is older "
        f"than its longest gap between runs plus time to finish ({_duration(limit)})."
        + (
            ""
            if longest_gap_minutes(service.schedule or "") is not None
            else " opsmith could not read the schedule and assumed a run a day: adjust the threshold."
        ),
        runbook=Runbook(
            meaning="The scheduled job did not succeed when it should have: it failed, did not start, or "
            + (
                "its CronJob is suspended."
                if kubernetes
                else f"ran without pushing {LAST_SUCCESS} to the Pushgateway."
            ),
            impact="The work it does on schedule (reports, billing, clean-up) is overdue.",
            scope="service",
            mitigation=(
                "Run it once by hand and watch its output"
                + (
                    f" (`kubectl -n <namespace> create job --from=cronjob/{service.name} "
                    f"{service.name}-manual`)."
                    if kubernetes
                    else "; check that the scheduler that starts it is running."
                ),
            ),
        ),
        bad=(Series(series, f"0x{_TEST_POINTS}"),),
        good=(Series(series, f"0+{step * 60}x{_TEST_POINTS}"),),
        at=f"{at}m",
        step=step,
        labels={"service": service.name},
    )


def _failed_run(service: Service, kubernetes: bool, step: int) -> Alert:
    bad: tuple[Series, ...]
    good: tuple[Series, ...]
    if kubernetes:
        failed = f'kube_job_failed{{condition="true", job_name=~"{service.name}-[0-9]+"}}'
        expr = f"sum({failed}) > 0"
        labels = f'condition="true", job_name="{service.name}-29012345", namespace="app"'
        bad = (Series(f"kube_job_failed{{{labels}}}", "1x20"),)
        good = (Series(f"kube_job_failed{{{labels}}}", "0x20"),)
    else:
        s = _selector(service)
        expr = f"max({LAST_FAILURE}{{{s}}}) > max({LAST_SUCCESS}{{{s}}})"
        bad = (Series(f"{LAST_FAILURE}{{{s}}}", "200x20"), Series(f"{LAST_SUCCESS}{{{s}}}", "100x20"))
        good = (Series(f"{LAST_FAILURE}{{{s}}}", "100x20"), Series(f"{LAST_SUCCESS}{{{s}}}", "200x20"))
    return Alert(
        name="CronJobFailed",
        expr=expr,
        for_="5m",
        severity="warning",
        summary=f"The last run of {service.name} failed",
        description=f"{service.name}'s most recent run ended in failure; CronJobMissed pages if the next "
        "one does not succeed either.",
        runbook=Runbook(
            meaning="The scheduled job ran and failed.",
            impact="The work of that run is not done; the next run may catch up.",
            scope="service",
            mitigation=(
                "Read the failed run's logs"
                + (
                    " (`kubectl -n <namespace> logs job/<the failed job>`); delete the failed Job once "
                    "handled, which clears this alert."
                    if kubernetes
                    else "; a successful run clears this alert."
                ),
            ),
        ),
        bad=bad,
        good=good,
        at=f"{10 * step}m",
        step=step,
        labels={"service": service.name},
    )


def _duration(minutes: int) -> str:
    if minutes % 1440 == 0:
        return f"{minutes // 1440} d"
    if minutes % 60 == 0:
        return f"{minutes // 60} h"
    return f"{minutes} min"
