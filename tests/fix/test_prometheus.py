"""PM002: a `for:` changes when an alert fires, so it is only applied with --unsafe-fixes."""

from __future__ import annotations

from tests.fix.conftest import Run

RULES = """\
groups:
  - name: app
    rules:
      # page when the app is gone
      - alert: AppDown
        expr: up{job="app"} == 0
        labels:
          severity: critical
        annotations:
          summary: the app is down
          runbook_url: https://runbooks.example.com/app-down
"""
PATH = "monitoring/rules/app.rules.yml"


def test_for_is_added_only_with_unsafe_fixes(fix_run: Run) -> None:
    safe_only = fix_run({PATH: RULES}, "--fix", "--select", "PM002")
    assert safe_only.text(PATH) == RULES
    assert safe_only.findings("PM002")
    outcome = fix_run({}, "--fix", "--unsafe-fixes", "--select", "PM002")
    assert outcome.text(PATH) == RULES.replace("AppDown\n", "AppDown\n        for: 5m\n")
    assert outcome.findings("PM002") == []


def test_an_alert_written_as_a_flow_mapping_is_left_alone(fix_run: Run) -> None:
    text = RULES.replace(
        "      - alert: AppDown\n",
        "      - {alert: Gone, expr: absent(up), labels: {severity: info}, annotations: {summary: x,"
        " runbook_url: 'https://r.example.com/g'}}\n      - alert: AppDown\n        for: 2m\n",
    )
    outcome = fix_run({PATH: text}, "--fix", "--unsafe-fixes", "--select", "PM002")
    assert outcome.text(PATH) == text
    assert outcome.findings("PM002")
