"""A complete monitoring setup written by hand, with names of its own (job `api-prod`, recording
rules `svc:*`, runbooks in a wiki folder served under a base URL), shared by the gate 3 tests."""

from __future__ import annotations

COMPOSE = """
services:
  api:
    build: ./api
    ports: ["8000:8000"]
  mailer:
    build: ./mailer
  db:
    image: postgres:16.6
  prometheus:
    image: prom/prometheus:v3.1.0
    volumes: ["./monitoring/prometheus:/etc/prometheus:ro"]
"""

PROMETHEUS = """
global:
  scrape_interval: 15s
rule_files: ["rules/*.yml"]
alerting:
  alertmanagers:
    - static_configs:
        - targets: ["alertmanager:9093"]
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ["localhost:9090"]
  - job_name: api-prod
    metrics_path: /internal/metrics
    static_configs:
      - targets: ["api:8000"]
"""

RECORDING = """
groups:
  - name: svc-recording
    rules:
      - record: svc:errors:ratio5m
        expr: |
          sum by (job) (rate(http_requests_total{status=~"5.."}[5m]))
            / sum by (job) (rate(http_requests_total[5m]))
      - record: svc:latency:p99_5m
        expr: histogram_quantile(0.99, sum by (job, le) (rate(http_request_duration_seconds_bucket[5m])))
"""

ALERTS = """
groups:
  - name: api
    rules:
      - alert: ApiErrorBudgetBurn
        expr: svc:errors:ratio5m{job="api-prod"} > 0.02
        for: 5m
        labels:
          severity: critical
        annotations:
          summary: The API fails more than 2% of requests
          runbook_url: https://wiki.example.com/ops/runbooks/ApiErrorBudgetBurn
      - alert: ApiSlowRequests
        expr: svc:latency:p99_5m{job="api-prod"} > 0.5
        for: 10m
        labels:
          severity: warning
        annotations:
          summary: API p99 latency is over 500 ms
          runbook_url: https://wiki.example.com/ops/runbooks/ApiSlowRequests
  - name: meta
    rules:
      - alert: DeadMansSwitch
        expr: vector(1)
        labels:
          severity: none
        annotations:
          summary: Always firing, so the heartbeat service knows alerting works
"""

ALERTMANAGER = """
route:
  receiver: blackhole
  group_by: [alertname, job]
  routes:
    - matchers: ['alertname="DeadMansSwitch"']
      receiver: heartbeat
      repeat_interval: 1m
    - matchers: ['severity="critical"']
      receiver: oncall
    - matchers: ['severity="warning"']
      receiver: team-chat
receivers:
  - name: blackhole
  - name: oncall
    pagerduty_configs:
      - routing_key_file: /etc/alertmanager/pagerduty-key
  - name: team-chat
    slack_configs:
      - api_url_file: /etc/alertmanager/slack-url
        channel: "#ops"
  - name: heartbeat
    webhook_configs:
      - url: http://127.0.0.1:9999/ping
"""

DASHBOARD = """{
  "title": "API overview",
  "panels": [
    {"type": "timeseries", "title": "Requests",
     "targets": [{"expr": "sum(rate(http_requests_total{job=\\"$service\\"}[5m]))"}]},
    {"type": "timeseries", "title": "p99",
     "targets": [{"expr": "svc:latency:p99_5m{job=\\"api-prod\\"}"}]}
  ],
  "templating": {"list": [{"name": "service", "type": "custom", "query": "api-prod"}]}
}
"""

CONFIG = """
[monitoring]
runbook-base-url = "https://wiki.example.com/ops/runbooks/"
runbook-folder = "wiki/runbooks"
"""

FILES: dict[str, str] = {
    "compose.yaml": COMPOSE,
    "monitoring/prometheus/prometheus.yml": PROMETHEUS,
    "monitoring/prometheus/rules/recording.yml": RECORDING,
    "monitoring/prometheus/rules/api.yml": ALERTS,
    "monitoring/alertmanager/alertmanager.yml": ALERTMANAGER,
    "grafana/dashboards/api-overview.json": DASHBOARD,
    "wiki/runbooks/ApiErrorBudgetBurn.md": "# API error budget burn\n",
    "wiki/runbooks/ApiSlowRequests.md": "# API slow requests\n",
    ".opsmith.toml": CONFIG,
}
