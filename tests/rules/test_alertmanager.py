"""PM011's routing simulation and paging receivers."""

from __future__ import annotations

import textwrap
from pathlib import Path

from helpers import audit_tree, write_tree
from opsmith.audit.source import SourceFile
from opsmith.config import Config
from opsmith.parse.alertmanager import AlertmanagerDoc, Receiver, parse
from opsmith.rules.alertmanager import is_paging, reachable


def _route(text: str) -> AlertmanagerDoc:
    doc = parse(SourceFile("am.yml", textwrap.dedent(text).lstrip("\n")))
    assert isinstance(doc, AlertmanagerDoc) and doc.route is not None, doc
    return doc


TREE = """
route:
  receiver: default
  routes:
    - matchers: ['team="payments"']
      receiver: payments
    - matchers: ['severity="critical"']
      receiver: pager
      routes:
        - matchers: ['env="staging"']
          receiver: tickets
receivers: [{name: default}, {name: payments}, {name: pager}, {name: tickets}]
"""


def _receivers(doc: AlertmanagerDoc, labels: dict[str, str]) -> list[str]:
    assert doc.route is not None
    return [receiver for _, receiver in reachable(doc.route, labels)]


def test_known_labels_take_exactly_one_path() -> None:
    doc = _route(TREE)
    every = {"team": "", "severity": "", "env": ""}
    assert _receivers(doc, every | {"team": "payments", "severity": "critical"}) == ["payments"]
    assert _receivers(doc, every | {"severity": "critical"}) == ["pager"]
    assert _receivers(doc, every | {"severity": "critical", "env": "staging"}) == ["tickets"]
    assert _receivers(doc, every) == ["default"]


def test_unknown_labels_open_every_possible_path() -> None:
    doc = _route(TREE)
    # team and env come from the series at run time: anything is possible
    assert _receivers(doc, {"severity": "critical"}) == ["payments", "tickets", "pager"]
    assert _receivers(doc, {"severity": "warning"}) == ["payments", "default"]


def test_continue_and_inheritance() -> None:
    doc = _route(
        """
        route:
          receiver: root
          routes:
            - matchers: ['severity="critical"']
              receiver: chat
              continue: true
            - matchers: ['severity="critical"']
              receiver: pager
              routes:
                - matchers: ['team="a"']
        receivers: [{name: root}, {name: chat}, {name: pager}]
        """
    )
    assert _receivers(doc, {"severity": "critical", "team": "a"}) == ["chat", "pager"]
    assert _receivers(doc, {"severity": "critical", "team": "b"}) == ["chat", "pager"]


def test_paging_receivers() -> None:
    assert is_paging(Receiver("x", 1, ("opsgenie_configs",)), set())
    assert is_paging(
        Receiver("x", 1, ("webhook_configs",), ("https://api.eu.incident.io/v2/alert_events",)), set()
    )
    grafana = "https://oncall-prod-eu-west-0.grafana.net/oncall/integrations/v1/alertmanager/abc/"
    assert is_paging(Receiver("x", 1, ("webhook_configs",), (grafana,)), set())
    assert not is_paging(
        Receiver("x", 1, ("webhook_configs",), ("https://notpagerduty.com.evil.io/",)), set()
    )
    assert not is_paging(Receiver("x", 1, ("slack_configs", "email_configs")), set())
    assert is_paging(Receiver("oncall", 1, ("webhook_configs",)), {"oncall"})


def test_many_swallowed_alerts_make_one_finding_per_route(tmp_path: Path) -> None:
    alerts = "".join(
        f"      - alert: A{i}\n        expr: up == 0\n        labels: {{severity: critical, team: data}}\n"
        for i in range(5)
    )
    write_tree(
        tmp_path,
        {
            "rules.yml": "groups:\n  - name: g\n    rules:\n" + alerts,
            "alertmanager.yml": """
            route:
              receiver: pager
              routes:
                - matchers: [team=data]
                  receiver: data-chat
            receivers:
              - name: pager
                pagerduty_configs: [{routing_key: k}]
              - name: data-chat
            """,
        },
    )
    result = audit_tree(tmp_path, Config(select=("PM011",)))
    [finding] = result.findings
    assert (finding.path, finding.line) == ("alertmanager.yml", 5)  # its `receiver:`
    assert "`A0`" in finding.message and "and 2 more" in finding.message


def test_no_alertmanager_config_means_no_pm011(tmp_path: Path) -> None:
    write_tree(tmp_path, {"rules.yml": "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n"})
    assert audit_tree(tmp_path, Config(select=("PM011",))).findings == []
