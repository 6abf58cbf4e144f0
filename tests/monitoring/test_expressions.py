"""What a rule or a query reads once recording rules are expanded."""

from __future__ import annotations

import pytest

from opsmith.audit.source import SourceFile
from opsmith.monitoring.expressions import Recorded, Scope, reads_of, reads_of_text
from opsmith.parse import prometheus
from opsmith.parse.prometheus import PrometheusDoc, parse_promql

RULES = """
groups:
  - name: rec
    rules:
      - record: job:errors:ratio
        expr: >-
          sum by (job) (rate(grpc_server_handled_total{grpc_code!="OK"}[5m]))
          / sum by (job) (rate(grpc_server_handled_total[5m]))
      - record: loop:a
        expr: loop:b
      - record: loop:b
        expr: loop:a
"""


def _recorded() -> Recorded:
    doc = prometheus.parse(SourceFile("rules.yml", RULES))
    assert isinstance(doc, PrometheusDoc)
    return {name: [("rules.yml", r) for r in rules] for name, rules in doc.recorded().items()}


def _reads(text: str, recorded: Recorded | None = None) -> tuple[bool, bool, list[Scope], bool]:
    expr, error = parse_promql(text)
    assert error is None
    reads = reads_of(expr, recorded or {})
    return reads.error, reads.latency, reads.scopes, reads.keeps_job


def test_error_ratios_are_read_through_recording_rules_and_keep_the_outer_scope() -> None:
    error, latency, scopes, _ = _reads('job:errors:ratio{job="api"} > 0.01', _recorded())
    assert error and not latency
    assert scopes == [Scope("job", "=", "api")]


def test_a_request_counter_split_by_status_reads_errors() -> None:
    assert _reads('sum(rate(http_requests_total{code=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))')[0]
    assert not _reads("sum(rate(http_requests_total[5m]))")[0]  # traffic, not errors


def test_latency_is_a_histogram_or_a_summary_not_a_request_count() -> None:
    assert _reads("histogram_quantile(0.95, sum by (le) (rate(x_bucket[5m]))) > 1")[1]
    assert _reads('rpc_duration_seconds{quantile="0.99"} > 1')[1]
    assert _reads(
        "rate(http_request_duration_seconds_sum[5m]) / rate(http_request_duration_seconds_count[5m])"
    )[1]
    assert not _reads('rate(http_request_duration_seconds_count{code="500"}[5m]) > 1')[1]


def test_an_alert_per_job_keeps_the_job_label_and_one_summed_away_does_not() -> None:
    assert _reads("sum by (job) (rate(errors_total[5m])) > 1")[3]
    assert _reads("rate(errors_total[5m]) > 1")[3]
    assert not _reads("sum(rate(errors_total[5m])) > 1")[3]
    assert not _reads("sum without (job) (rate(errors_total[5m])) > 1")[3]
    assert not _reads("vector(1)")[3]


def test_recording_rules_that_record_each_other_do_not_loop() -> None:
    assert _reads("loop:a > 1", _recorded())[0] is False


def test_grafana_variables_are_kept_as_written() -> None:
    reads = reads_of_text('sum(rate(http_requests_total{job=~"$job", code=~"5.."}[$__rate_interval]))', {})
    assert reads.error
    assert reads.scopes == [Scope("job", "=~", "$job")]


@pytest.mark.parametrize(
    ("expr", "liveness", "error"),
    [
        ('max(up{job="mailer"}) == 0', True, False),
        ('absent(celery_workers{job="mailer"})', True, False),
        ('increase(kube_pod_container_status_restarts_total{container="mailer"}[15m]) > 2', True, False),
        ('sum(worker_queue_depth{service="mailer"}) > 0', True, False),
        ('time() - max(kube_cronjob_status_last_successful_time{cronjob="nightly"}) > 90000', True, False),
        ('time() - cron_last_success_timestamp_seconds{service="nightly"} > 3600', True, False),
        # comparing the last failure with the last success says a run failed, not whether it runs
        ("max(job_last_failure_unixtime) > max(job_last_success_unixtime)", False, True),
        ('sum(rate(worker_jobs_total{status="failed"}[5m])) > 1', False, True),
        ('sum(kube_job_failed{condition="true", job_name=~"nightly-[0-9]+"}) > 0', False, True),
        ('sum(rate(http_requests_total{status=~"5.."}[5m])) > 1', False, True),
    ],
)
def test_what_says_a_worker_or_cron_runs_is_read_as_liveness(expr: str, liveness: bool, error: bool) -> None:
    parsed, problem = parse_promql(expr)
    assert problem is None
    reads = reads_of(parsed, {})
    assert (reads.liveness, reads.error) == (liveness, error)
