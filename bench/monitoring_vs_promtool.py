"""opsmith's Prometheus rules (PM) vs `promtool check rules` on the same rule files, in the same run.

    python bench/monitoring_vs_promtool.py [--files 50] [--runs 5]

Writes a corpus of realistic rule files to a temporary folder (per service: recording rules, tiered
SLO alerts, latency quantiles, saturation and availability alerts; per host group: node-exporter
alerts; some PrometheusRule objects; a prometheus.yml and an Alertmanager config beside them), then
times one `opsmith audit DIR --select PM` process and one `promtool check rules FILE...` process
over the same rule files (best of N runs each) and prints both wall times and the ratio. opsmith
does more (every PM rule, routing, runbook links); promtool parses and validates. It asserts
nothing. promtool comes from the Debian package `prometheus`.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import best_of, opsmith_argv, peer, report

SERVICES = ("api", "checkout", "search", "catalog", "payments", "auth", "cart", "gateway", "orders")
TEAMS = ("storefront", "payments", "platform", "search")

RECORDING = """
  - name: {svc}-recording
    interval: 30s
    rules:
      - record: job:http_requests:rate5m
        expr: sum by (job, route) (rate(http_requests_total{{job="{svc}"}}[5m]))
      - record: job:http_errors:ratio_rate5m
        expr: |
          sum by (job) (rate(http_requests_total{{job="{svc}", code=~"5.."}}[5m]))
            / sum by (job) (rate(http_requests_total{{job="{svc}"}}[5m]))
      - record: job:http_errors:ratio_rate1h
        expr: |
          sum by (job) (rate(http_requests_total{{job="{svc}", code=~"5.."}}[1h]))
            / sum by (job) (rate(http_requests_total{{job="{svc}"}}[1h]))
      - record: job:http_request_duration_seconds:p99
        expr: |
          histogram_quantile(0.99,
            sum by (job, le) (rate(http_request_duration_seconds_bucket{{job="{svc}"}}[5m])))
"""
ALERTS = """
  - name: {svc}-alerts
    rules:
      - alert: {Svc}ErrorBudgetBurn
        expr: |
          job:http_errors:ratio_rate1h{{job="{svc}"}} > 14.4 * 0.001
            and job:http_errors:ratio_rate5m{{job="{svc}"}} > 14.4 * 0.001
        for: 2m
        labels:
          severity: critical
          team: {team}
        annotations:
          summary: "{svc} burns its error budget 14x too fast"
          description: "{{{{ $value | humanizePercentage }}}} of requests fail."
          runbook_url: docs/runbooks/{svc}.md
      - alert: {Svc}ErrorBudgetBurn
        expr: job:http_errors:ratio_rate1h{{job="{svc}"}} > 3 * 0.001
        for: 1h
        labels:
          severity: warning
          team: {team}
        annotations:
          summary: "{svc} burns its error budget 3x too fast"
          runbook_url: docs/runbooks/{svc}.md
      - alert: {Svc}LatencyHigh
        expr: job:http_request_duration_seconds:p99{{job="{svc}"}} > {latency}
        for: {wait}m
        labels:
          severity: warning
          team: {team}
        annotations:
          summary: "{svc} p99 latency above {latency}s"
          runbook_url: docs/runbooks/{svc}.md
      - alert: {Svc}Down
        expr: up{{job="{svc}"}} == 0 or absent(up{{job="{svc}"}})
        for: 5m
        labels:
          severity: critical
          team: {team}
        annotations:
          summary: "{svc} cannot be scraped"
          runbook_url: docs/runbooks/{svc}.md
      - alert: {Svc}Saturated
        expr: sum(rate(process_cpu_seconds_total{{job="{svc}"}}[{window}])) by (instance) > 0.9
        labels:
          severity: {sat_severity}
        annotations:
          summary: "{svc} instances run hot"
"""
NODE = """
  - name: nodes-{n}
    rules:
      - alert: NodeFilesystemFillingUp
        expr: predict_linear(node_filesystem_avail_bytes{{fstype!="tmpfs", group="{n}"}}[6h], 86400) < 0
        for: 1h
        labels: {{severity: warning}}
        annotations:
          summary: "{{{{ $labels.mountpoint }}}} on {{{{ $labels.instance }}}} fills up within a day"
          runbook_url: docs/runbooks/node.md
      - alert: NodeMemoryPressure
        expr: node_memory_MemAvailable_bytes{{group="{n}"}} / node_memory_MemTotal_bytes < 0.05
        for: 15m
        labels: {{severity: warning}}
        annotations:
          summary: "{{{{ $labels.instance }}}} is out of memory"
          runbook_url: docs/runbooks/node.md
      - alert: NodeClockSkew
        expr: abs(node_timex_offset_seconds{{group="{n}"}}) > 0.05
        for: 10m
        labels: {{severity: info}}
        annotations:
          summary: Clock skew on {{{{ $labels.instance }}}}
          runbook_url: docs/runbooks/node.md
"""
OPERATOR_HEADER = """apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: {name}
  namespace: monitoring
spec:
  groups:
"""
ALERTMANAGER = """route:
  receiver: tickets
  routes:
    - matchers: ['severity="critical"']
      receiver: pagerduty
    - matchers: ['severity="info"']
      receiver: blackhole
receivers:
  - name: pagerduty
    pagerduty_configs: [{routing_key_file: /etc/alertmanager/pd}]
  - name: tickets
    webhook_configs: [{url: 'http://tickets:8080/hook'}]
  - name: blackhole
"""


def _service(index: int) -> str:
    return SERVICES[index % len(SERVICES)] + (str(index // len(SERVICES)) if index >= len(SERVICES) else "")


def _groups(index: int, rng: random.Random) -> str:
    svc = _service(index)
    values = {
        "svc": svc,
        "Svc": svc.capitalize(),
        "team": rng.choice(TEAMS),
        "latency": rng.choice((0.3, 0.5, 1, 2)),
        "wait": rng.choice((5, 10, 15)),
        "window": rng.choice(("1m", "5m", "5m")),  # some too short for a 30s scrape
        "sat_severity": rng.choice(("warning", "warning", "critical")),  # some page on a cause
        "n": index,
    }
    body = RECORDING.format(**values) + ALERTS.format(**values)
    if index % 4 == 0:
        body += NODE.format(**values)
    return body


def build_corpus(root: Path, files: int) -> list[Path]:
    rng = random.Random(7)
    rules = root / "monitoring" / "rules"
    rules.mkdir(parents=True)
    (root / "docs" / "runbooks").mkdir(parents=True)
    out = []
    for i in range(files):
        if i % 5 == 4:  # a fifth are PrometheusRule objects (promtool reads the plain form only)
            path = root / "deploy" / f"rules-{i:02d}.yaml"
            path.parent.mkdir(exist_ok=True)
            text = OPERATOR_HEADER.format(name=f"svc-{i}") + _groups(i, rng).replace("\n  ", "\n    ")
        else:
            path = rules / f"service-{i:02d}.yml"
            text = "groups:" + _groups(i, rng)
            out.append(path)
        path.write_text(text, encoding="utf-8")
    (root / "monitoring" / "prometheus.yml").write_text(
        "global: {scrape_interval: 30s}\nrule_files: [rules/*.yml]\nscrape_configs:\n  - job_name: api\n",
        encoding="utf-8",
    )
    (root / "monitoring" / "alertmanager.yml").write_text(ALERTMANAGER, encoding="utf-8")
    for svc in (*(_service(i) for i in range(files)), "node"):
        (root / "docs" / "runbooks" / f"{svc}.md").write_text(f"# {svc}\n", encoding="utf-8")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    promtool = peer("promtool")
    with tempfile.TemporaryDirectory(prefix="opsmith-bench-pm-") as tmp:
        root = Path(tmp)
        plain = build_corpus(root, args.files)
        # both over the plain rule files only, so that they read exactly the same input
        ours = best_of(
            opsmith_argv("audit", *map(str, plain), "--select", "PM", "--fail-on", "never", "-f", "json"),
            args.runs,
            cwd=root,
        )
        theirs = best_of([promtool, "check", "rules", *map(str, plain)], args.runs, cwd=root)
        # and opsmith over the whole repository (PrometheusRule objects, config, Alertmanager routing)
        whole = best_of(
            opsmith_argv("audit", ".", "--select", "PM", "--fail-on", "never", "-f", "json"),
            args.runs,
            cwd=root,
        )
    operator = args.files - len(plain)
    print(f"{len(plain)} plain rule files (+{operator} PrometheusRule objects), best of {args.runs}")
    report([("same rule files", ours, theirs)], "promtool")
    print(f"opsmith over the whole corpus (all {args.files} files + configs, routing): {whole:.3f} s")


if __name__ == "__main__":
    main()
