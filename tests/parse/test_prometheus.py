"""Rule files, PrometheusRule objects and server configs as opsmith reads them, cross-checked with
`promtool check rules` when promtool is installed."""

from __future__ import annotations

import shutil
import subprocess
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest

from opsmith.audit.source import SourceFile
from opsmith.parse.errors import ParseFailure
from opsmith.parse.other_tool import OtherTool
from opsmith.parse.prometheus import (
    PrometheusDoc,
    parse,
    parse_duration,
    parse_promql,
    template_problem,
    value_type,
)


def _doc(text: str, path: str = "rules.yml") -> PrometheusDoc | ParseFailure | OtherTool | None:
    return parse(SourceFile(path, textwrap.dedent(text).lstrip("\n")))


def _rules_doc(text: str) -> PrometheusDoc:
    doc = _doc(text)
    assert isinstance(doc, PrometheusDoc), doc
    return doc


RULE_FILE = """
groups:
  - name: api
    interval: 30s
    rules:
      - record: job:requests:rate5m
        expr: sum by (job) (rate(http_requests_total[5m]))
      - alert: APIDown
        expr: up{job="api"} == 0
        for: 5m
        labels:
          severity: critical
        annotations:
          summary: API down
          runbook_url: docs/runbooks/api.md
"""


def test_a_rule_file_is_read_with_lines() -> None:
    doc = _rules_doc(RULE_FILE)
    assert not doc.issues
    [group] = doc.groups
    assert (group.name, group.line, group.interval) == ("api", 2, timedelta(seconds=30))
    record, alert = group.rules
    assert (record.kind, record.name, record.line, record.expr_line) == (
        "record",
        "job:requests:rate5m",
        5,
        6,
    )
    assert (alert.kind, alert.line, alert.for_, alert.for_line) == ("alert", 7, timedelta(minutes=5), 9)
    assert alert.severity == "critical" and alert.label_lines["severity"] == 11
    assert alert.annotation_lines["runbook_url"] == 14
    assert alert.expr is not None and value_type(alert.expr) == "vector"


def test_prometheusrule_objects_are_read_from_spec_groups() -> None:
    doc = _rules_doc(
        """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: unrelated}
        ---
        apiVersion: monitoring.coreos.com/v1
        kind: PrometheusRule
        metadata: {name: api}
        spec:
          groups:
            - name: api
              partial_response_strategy: warn
              rules:
                - alert: APIDown
                  expr: up == 0
        """
    )
    assert not doc.issues
    [rule] = list(doc.rules)
    assert (rule.name, rule.line) == ("APIDown", 13)


def test_a_server_config_gives_scrape_intervals_and_rule_files() -> None:
    doc = _doc(
        """
        global:
          scrape_interval: 20s
        rule_files: [rules/*.yml, /etc/prometheus/alerts/*.yml]
        alerting:
          alertmanagers: [{static_configs: [{targets: ['am:9093']}]}]
        scrape_configs:
          - job_name: api
            scrape_interval: 10s
          - job_name: node
        """,
        "prometheus.yml",
    )
    assert isinstance(doc, PrometheusDoc) and not doc.groups
    [server] = doc.servers
    assert server.scrape_interval == timedelta(seconds=20)
    assert server.rule_files == ["rules/*.yml", "/etc/prometheus/alerts/*.yml"]
    assert server.alerting and not server.operator
    assert server.interval_of("api") == timedelta(seconds=10)
    assert server.interval_of("node") == timedelta(seconds=20)
    assert server.interval_of("missing") is None


def test_scrape_intervals_past_prometheus_range_fall_back_to_the_default() -> None:
    doc = _doc(
        "global: {scrape_interval: 99999999999999d}\n"
        "scrape_configs:\n  - job_name: a\n    scrape_interval: 999999999999999999999999s\n",
        "prometheus.yml",
    )
    assert isinstance(doc, PrometheusDoc)
    [server] = doc.servers
    assert server.scrape_interval == timedelta(minutes=1) and server.jobs[0].interval is None


def test_server_config_defaults_and_operator_object() -> None:
    plain = _doc("scrape_configs:\n  - job_name: a\n", "prometheus.yml")
    assert isinstance(plain, PrometheusDoc)
    assert plain.servers[0].scrape_interval == timedelta(minutes=1) and not plain.servers[0].alerting
    operator = _doc(
        "apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {name: k}\n"
        "spec:\n  ruleSelector: {}\n",
        "prom.yaml",
    )
    assert isinstance(operator, PrometheusDoc)
    assert operator.servers[0].operator and operator.servers[0].scrape_interval == timedelta(seconds=30)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "groups: [a, b]\n",
        "groups:\n  - name: web\n    hosts: [a]\n",  # an inventory, not rules
        "global:\n  domain: example.com\n",  # Helm values with a `global` table
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: groups}\n",
        # Helm chart templates are rendered before Prometheus sees them
        "groups:\n- name: {{ .Values.name }}\n  rules:\n  - alert: A\n    expr: up == 0\n",
    ],
)
def test_files_that_are_not_prometheus_rules_or_configs_are_left_alone(text: str) -> None:
    assert _doc(text) is None


def test_broken_yaml_is_a_parse_failure_only_when_it_plainly_is_a_rule_file() -> None:
    broken = _doc("groups:\n  - name: a\n    rules:\n      - alert: X\n     expr: [\n")
    assert isinstance(broken, ParseFailure) and broken.line is not None
    assert _doc("groups: [\nfoo: bar\n") is None  # no alert/record: not ours to judge


@pytest.mark.parametrize(
    "data",
    [
        b"\x00\x01groups",
        "groups:\n  - name: a\n    rules:\n      - alert: X\n        expr: 'up{",
        "groups:\n" * 50,
    ],
)
def test_bad_input_never_raises(data: str | bytes) -> None:
    text = data.decode("latin-1") if isinstance(data, bytes) else data
    _doc(text)  # any of: a document, a failure, None; never an exception


def test_schema_issues_each_have_their_line() -> None:
    doc = _rules_doc(
        """
        groups:
          - name: a
            rules:
              - alert: X
                expr: up == 0
                for: soon
                labels: {severity: [critical]}
              - record: r
                expr: up
                annotations: {a: b}
          - name: a
            rules: []
        """
    )
    got = {(i.line, i.message.split(" ")[0]) for i in doc.issues}
    assert {line for line, _ in got} == {6, 7, 10, 11}


def test_a_duration_past_prometheus_range_is_an_issue_not_an_overflow() -> None:
    doc = _doc(
        """\
        groups:
          - name: g
            interval: 999999999999999999d
            rules:
              - alert: A
                expr: up == 0
                for: 99999999999999d
        """
    )
    assert [(i.line, i.message) for i in doc.issues] == [
        (3, "`interval` is longer than a Prometheus duration can be (about 292 years)"),
        (7, "`for` is longer than a Prometheus duration can be (about 292 years)"),
    ]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("0", 0),
        ("90s", 90),
        ("1h30m", 5400),
        ("1w", 604800),
        ("250ms", 0.25),
        ("1y", 365 * 86400),
        ("292y", 292 * 365 * 86400),
        ("0" * 5000 + "1s", 1),
    ],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize(
    "text",
    ["", "5", "1.5m", "5 m", "m5", "-1m", "true", None, True, "293y", "99999999999999d", "9" * 5000 + "s"],
)
def test_not_durations(text: object) -> None:
    assert parse_duration(text) is None


def test_template_actions() -> None:
    assert template_problem("{{ $labels.job }} is {{ $value | humanize }}") is None
    assert template_problem("{{- if .Labels.x -}}y{{- end }}") is None
    assert template_problem("{{ $labels.job") is not None
    assert template_problem("a {{ b {{ c }}") is not None
    assert template_problem("{{}}") is not None


def test_rule_expressions_must_return_a_vector_or_scalar() -> None:
    assert parse_promql("up[5m]")[1] is not None
    assert parse_promql('"text"')[1] is not None
    assert parse_promql("rate(up[5m])[10m:]")[1] is not None
    assert parse_promql("1 + 1")[1] is None
    assert parse_promql("scalar(up)")[1] is None


# --------------------------------------------------------------------------- promtool cross-check

VALID_EXPRESSIONS = [
    'sum by (job) (rate(http_requests_total{code=~"5.."}[5m]))',
    "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))",
    'up{job="api"} == 0',
    'absent(up{job="api"})',
    "rate(x[5m] offset 1h)",
    "max_over_time(rate(x[5m])[1h:1m])",
    "x @ start()",
    "sum(x) without (instance)",
    'label_replace(up, "a", "$1", "b", "(.*)")',
    "a / on (job) group_left (team) b",
    "1 > bool 2",
    "predict_linear(node_filesystem_avail_bytes[6h], 86400) < 0",
    "topk(3, x)",
    'count_values("version", build_info)',
    "quantile_over_time(0.9, x[10m])",
    "-x",
    "vector(1)",
    "1",
    "x unless y",
    "clamp_min(x, 0)",
    "timestamp(x)",
    "sort_desc(x)",
]
INVALID_EXPRESSIONS = [
    "sum(rate(x[5m])",
    "rate(x)",
    "foo bar",
    "x and",
    "sum(x) by (le)(y)",
    '{job=~".*"}',
    'x{a!~"("}',
    "min(x, y)",
    "rate(x[0s])",
    "unknown_function(x)",
    "x{",
    "x[5m",
    "limitk(2, up)",  # experimental: needs a feature flag
    'sort_by_label(up, "job")',
    'x{job="a" or job="b"}',
]
# Where opsmith knowingly differs from promtool 2.42 (Debian 12's), and why.
STRICTER_THAN_PROMTOOL = {
    # promtool parses rules without type-checking the result; Prometheus then fails every evaluation
    "x[5m]": "range vector result",
    '"text"': "string result",
    # removed in Prometheus 3; 2.x still knows it
    "holt_winters(x[5m], 0.1, 0.1)": "removed function",
}


def _rule_file(expr: str) -> str:
    quoted = expr.replace("'", "''")
    return f"groups:\n- name: g\n  rules:\n  - record: job:x:y\n    expr: '{quoted}'\n"


def _opsmith_pm001(tmp_path: Path, text: str) -> bool:
    from helpers import audit_tree, write_tree
    from opsmith.config import Config

    root = write_tree(tmp_path, {"rules.yml": text})
    result = audit_tree(root, Config(select=("PM001",)))
    return any(f.rule == "PM001" for f in result.findings)


def _promtool_rejects(tmp_path: Path, text: str) -> bool:
    path = tmp_path / "promtool-rules.yml"
    path.write_text(text, encoding="utf-8")
    done = subprocess.run(
        ["promtool", "check", "rules", str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    return done.returncode != 0


needs_promtool = pytest.mark.skipif(
    shutil.which("promtool") is None,
    reason="promtool not on PATH (Debian package `prometheus`, listed in .ci/apt-packages.txt)",
)


@pytest.mark.parametrize("expr", VALID_EXPRESSIONS + INVALID_EXPRESSIONS)
def test_opsmith_classifies_expressions_as_we_expect(tmp_path: Path, expr: str) -> None:
    assert _opsmith_pm001(tmp_path, _rule_file(expr)) == (expr in INVALID_EXPRESSIONS)


@needs_promtool
@pytest.mark.parametrize("expr", VALID_EXPRESSIONS + INVALID_EXPRESSIONS)
def test_promql_validity_agrees_with_promtool(tmp_path: Path, expr: str) -> None:
    text = _rule_file(expr)
    assert _opsmith_pm001(tmp_path, text) == _promtool_rejects(tmp_path, text)


@needs_promtool
@pytest.mark.parametrize("expr", sorted(STRICTER_THAN_PROMTOOL))
def test_known_divergences_from_promtool_stay_known(tmp_path: Path, expr: str) -> None:
    text = _rule_file(expr)
    assert _opsmith_pm001(tmp_path, text) and not _promtool_rejects(tmp_path, text)


SCHEMA_CASES = {
    "valid": "- alert: A\n    expr: up == 0\n    for: 5m\n    keep_firing_for: 1m\n    labels: {tier: 1}\n",
    "both kinds": "- alert: A\n    record: b\n    expr: up\n",
    "neither kind": "- expr: up\n",
    "no expr": "- alert: A\n",
    "bad for": "- alert: A\n    expr: up\n    for: 5\n",
    "float for": "- alert: A\n    expr: up\n    for: 1.5m\n",
    "for out of range": "- alert: A\n    expr: up\n    for: 99999999999999d\n",
    "longest for": "- alert: A\n    expr: up\n    for: 292y\n",
    "for in record": "- record: a:b\n    expr: up\n    for: 5m\n",
    "annotations in record": "- record: a:b\n    expr: up\n    annotations: {a: b}\n",
    "nested label": "- alert: A\n    expr: up\n    labels: {severity: {a: b}}\n",
    "bad label name": "- alert: A\n    expr: up\n    labels: {'a-b': c}\n",
    "unknown field": "- alert: A\n    expr: up\n    severity: critical\n",
    "open template": "- alert: A\n    expr: up\n    annotations: {summary: '{{ $value'}\n",
    "bad record name": "- record: 'a b'\n    expr: up\n",
}


@needs_promtool
@pytest.mark.parametrize("case", sorted(SCHEMA_CASES))
def test_rule_schema_agrees_with_promtool(tmp_path: Path, case: str) -> None:
    text = "groups:\n- name: g\n  rules:\n  " + SCHEMA_CASES[case]
    assert _opsmith_pm001(tmp_path, text) == _promtool_rejects(tmp_path, text)
    assert _opsmith_pm001(tmp_path, text) == (case not in ("valid", "longest for"))


@needs_promtool
def test_duplicate_and_nameless_groups_agree_with_promtool(tmp_path: Path) -> None:
    rule = "  rules:\n  - alert: A\n    expr: up\n"
    for text in (f"groups:\n- name: g\n{rule}- name: g\n{rule}", f"groups:\n- name: ''\n{rule}"):
        assert _opsmith_pm001(tmp_path, text) and _promtool_rejects(tmp_path, text)


@pytest.mark.parametrize(
    ("text", "tool"),
    [
        (  # Grafana alerting provisioning: groups of `orgId`/`folder`, rules of `uid`/`condition`
            """
            apiVersion: 1
            groups:
              - orgId: 1
                name: api
                folder: Services
                interval: 1m
                rules:
                  - uid: api-errors
                    title: API errors
                    condition: C
                    data: []
            """,
            "Grafana alerting provisioning",
        ),
        (  # Loki: a LogQL pipeline
            """
            groups:
              - name: logs
                rules:
                  - alert: Errors
                    expr: count_over_time({app="x"} |= "err" [5m]) > 1
            """,
            "Loki ruler rules",
        ),
        (  # Loki through lokitool: LogQL that also parses as PromQL, every selector a stream's
            """
            namespace: api
            groups:
              - name: logs
                rules:
                  - alert: NoLogs
                    expr: sum(count_over_time({app="api", env="prod"}[10m])) < 1
                    for: 5m
            """,
            "Loki ruler rules",
        ),
        (
            """
            groups:
              - name: logs
                rules:
                  - record: app:log_bytes:rate5m
                    expr: sum by (app) (bytes_rate({app=~".+"}[5m]))
            """,
            "Loki ruler rules",
        ),
        (
            """
            rule_files: [alerts.yml]
            evaluation_interval: 1m
            tests:
              - interval: 1m
                input_series:
                  - series: up{job="api"}
                    values: 0x10
                alert_rule_test:
                  - {eval_time: 10m, alertname: ApiDown}
            """,
            "promtool unit tests",
        ),
        (
            """
            server: {http_listen_port: 9080}
            positions: {filename: /tmp/positions.yaml}
            clients: [{url: "http://loki:3100/loki/api/v1/push"}]
            scrape_configs:
              - job_name: system
                static_configs: [{targets: [localhost], labels: {__path__: /var/log/*log}}]
            """,
            "Promtail configuration",
        ),
    ],
)
def test_files_of_other_tools_are_skipped_as_theirs(text: str, tool: str) -> None:
    assert _doc(text) == OtherTool(tool)


def test_near_misses_of_other_tools_stay_prometheus() -> None:
    namespaced = _rules_doc(
        """
        namespace: api
        groups:
          - name: api
            rules:
              - alert: ApiDown
                expr: up{job="api"} == 0
              - alert: NoTraffic
                expr: absent({__name__="http_requests_total", job="api"})
        """
    )
    assert [r.name for r in namespaced.rules] == ["ApiDown", "NoTraffic"]
    assert namespaced.issues == []  # mimirtool/cortextool name their namespace
    server = _doc("rule_files: [alerts.yml]\nscrape_configs:\n  - job_name: api\n", "prometheus.yml")
    assert isinstance(server, PrometheusDoc) and server.servers
