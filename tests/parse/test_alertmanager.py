"""Alertmanager configs as opsmith reads them, cross-checked with `amtool check-config` (validity)
and `amtool config routes test` (routing) when amtool is installed."""

from __future__ import annotations

import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

from opsmith.audit.source import SourceFile
from opsmith.parse.alertmanager import AlertmanagerDoc, parse, parse_matchers
from opsmith.parse.errors import ParseFailure
from opsmith.rules.alertmanager import reachable

RECEIVER = "receivers:\n- name: default\n  webhook_configs:\n  - url: http://127.0.0.1:9/x\n"


def _doc(text: str) -> AlertmanagerDoc | ParseFailure | None:
    return parse(SourceFile("alertmanager.yml", textwrap.dedent(text).lstrip("\n")))


def test_routes_and_receivers_are_read_with_lines() -> None:
    doc = _doc(
        """
        route:
          receiver: default
          routes:
            - matchers: ['severity="critical"', 'team=~"pay.*"']
              receiver: pager
              continue: true
            - match: {severity: warning}
        receivers:
          - name: default
          - name: pager
            pagerduty_configs: [{routing_key: k}]
        """
    )
    assert isinstance(doc, AlertmanagerDoc) and not doc.issues and doc.route is not None
    first, second = doc.route.routes
    assert (first.receiver, first.receiver_line, first.continue_) == ("pager", 5, True)
    assert [str(m) for m in first.matchers] == ['severity="critical"', 'team=~"pay.*"']
    assert (second.receiver, [str(m) for m in second.matchers]) == (None, ['severity="warning"'])
    assert doc.receivers["pager"].integrations == ("pagerduty_configs",)
    assert doc.receivers["default"].integrations == ()


@pytest.mark.parametrize(
    "text",
    [
        "",
        "route: 1\n",  # no receivers: not an Alertmanager config
        "apiVersion: v1\nkind: ConfigMap\nroute: {}\nreceivers: []\n",
        "app:\n  route: [\n  receivers: x\n",  # broken, and not plainly Alertmanager (nested keys)
    ],
)
def test_other_files_are_left_alone(text: str) -> None:
    assert _doc(text) is None


def test_broken_yaml_of_an_alertmanager_config_is_a_parse_failure() -> None:
    failure = _doc("route:\n  receiver: a\nreceivers:\n  - name: a\n   x: [\n")
    assert isinstance(failure, ParseFailure) and failure.line is not None


@pytest.mark.parametrize(
    "text",
    ["route:\nreceivers:\n", "route: []\nreceivers: {}\n", "route:\n  routes: [1, [2]]\nreceivers: [1]\n"],
)
def test_odd_shapes_become_issues_not_exceptions(text: str) -> None:
    doc = _doc(text)
    assert isinstance(doc, AlertmanagerDoc) and doc.issues


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('a="b"', [("a", "=", "b")]),
        ("a=b", [("a", "=", "b")]),
        ('{a="b", c!~"x|y"}', [("a", "=", "b"), ("c", "!~", "x|y")]),
        ('h = "i,j"', [("h", "=", "i,j")]),
        ("a==b", [("a", "=", "=b")]),  # what Alertmanager makes of it, too
        ('a="with \\"quote\\""', [("a", "=", 'with "quote"')]),
        ("team=", [("team", "=", "")]),
    ],
)
def test_matchers_parse_like_alertmanager(text: str, expected: list[tuple[str, str, str]]) -> None:
    matchers, problem = parse_matchers(text)
    assert problem is None
    assert [(m.name, m.op, m.value) for m in matchers] == expected


@pytest.mark.parametrize("text", ['a="b', 'a=b"c', "1a=b", "severity critical", 'a=~"("', 'a=~"(?=x)"', ""])
def test_bad_matchers(text: str) -> None:
    assert parse_matchers(text)[1] is not None


@pytest.mark.parametrize(
    ("regex", "judged"),
    [
        ("critical|warning", True),
        ("Kube.*", True),
        (".*:9100", True),
        ("(ab)*c", True),
        ("(a+)+b", False),  # exponential in `re`, linear in Alertmanager's RE2
        ("(a|aa)*b", False),
        ("(x(a+))*", False),
        (".*a.*a.*a", False),  # a power of the value's length
    ],
)
def test_regex_matchers_that_would_backtrack_for_ages_are_left_unjudged(regex: str, judged: bool) -> None:
    [matcher], problem = parse_matchers(f'team=~"{regex}"')
    assert problem is None and (matcher.pattern is not None) is judged
    value = "a" * 40
    assert matcher.evaluate({"team": value}) == (False if judged else None)
    assert matcher.evaluate({"team": "a" * 1000}) is None  # too long to judge safely either way


# --------------------------------------------------------------------------- amtool cross-check

CONFIGS = {
    "valid": "route:\n  receiver: default\n" + RECEIVER,
    "no default receiver": "route:\n  group_by: [alertname]\n" + RECEIVER,
    "undefined receiver": "route:\n  receiver: nope\n" + RECEIVER,
    "root matchers": "route:\n  receiver: default\n  matchers: ['a=b']\n" + RECEIVER,
    "root continue": "route:\n  receiver: default\n  continue: true\n" + RECEIVER,
    "unclosed quote": "route:\n  receiver: default\n  routes:\n  - matchers: ['a=\"b']\n" + RECEIVER,
    "bad regex": "route:\n  receiver: default\n  routes:\n  - matchers: ['a=~\"(\"']\n" + RECEIVER,
    "lookahead": "route:\n  receiver: default\n  routes:\n  - matchers: ['a=~\"(?=x)\"']\n" + RECEIVER,
    "bad label": "route:\n  receiver: default\n  routes:\n  - match: {'te-am': x}\n" + RECEIVER,
    "old match ok": "route:\n  receiver: default\n  routes:\n  - match: {a: b}\n    match_re: {c: 'd|e'}\n"
    + RECEIVER,
    "matchers ok": "route:\n  receiver: default\n  routes:\n  - matchers: ['a=b', '{c!~\"x\", d=~e}']\n"
    + RECEIVER,
    "int duration": "route:\n  receiver: default\n  group_wait: 30\n" + RECEIVER,
    "float duration": "route:\n  receiver: default\n  repeat_interval: 1.5h\n" + RECEIVER,
    "duration out of range": "route:\n  receiver: default\n  group_wait: 99999999999999d\n" + RECEIVER,
    "server duration out of range": "global:\n  resolve_timeout: 9999999999999999999999999s\nroute:\n"
    "  receiver: default\n" + RECEIVER,
    "zero group_interval": "route:\n  receiver: default\n  group_interval: 0s\n" + RECEIVER,
    "zero group_wait": "route:\n  receiver: default\n  group_wait: 0s\n" + RECEIVER,
    "unknown field": "route:\n  receiver: default\n  recevier: x\n" + RECEIVER,
    "unknown top": "route:\n  receiver: default\nfoo: 1\n" + RECEIVER,
    "duplicate receiver": "route:\n  receiver: default\n" + RECEIVER + "- name: default\n",
    "nameless receiver": "route:\n  receiver: default\n" + RECEIVER + "- email_configs: []\n",
    "null receiver": "route:\n  receiver: default\nreceivers:\n- name: default\n",
    "pagerduty without key": "route:\n  receiver: d\nreceivers:\n- name: d\n  pagerduty_configs: [{}]\n",
    "slack without url": "route:\n  receiver: d\nreceivers:\n- name: d\n  slack_configs: [{channel: x}]\n",
    "slack global url": "global:\n  slack_api_url: https://hooks.slack.com/x\nroute:\n  receiver: d\n"
    "receivers:\n- name: d\n  slack_configs: [{channel: x}]\n",
    "email without host": "route:\n  receiver: d\nreceivers:\n- name: d\n  email_configs: [{to: a@b.c}]\n",
    "webhook without url": "route:\n  receiver: d\nreceivers:\n- name: d\n  webhook_configs: [{}]\n",
    "duplicate group_by": "route:\n  receiver: default\n  group_by: [a, a]\n" + RECEIVER,
    "undefined interval": "route:\n  receiver: default\n  routes:\n  - mute_time_intervals: [x]\n" + RECEIVER,
    "yes as continue": "route:\n  receiver: default\n  routes:\n  - receiver: default\n    continue: yes\n"
    + RECEIVER,
    "inhibit ok": "route:\n  receiver: default\ninhibit_rules:\n- source_matchers: [a=b]\n"
    "  target_matchers: [c=d]\n  equal: [x]\n" + RECEIVER,
    "inhibit bad": "route:\n  receiver: default\ninhibit_rules:\n- source_matchers: ['a b']\n" + RECEIVER,
}

needs_amtool = pytest.mark.skipif(
    shutil.which("amtool") is None,
    reason="amtool not on PATH (Debian package `prometheus-alertmanager`, in .ci/apt-packages.txt)",
)


def _amtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["amtool", *args], capture_output=True, text=True, timeout=60, check=False)


@needs_amtool
@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_validity_agrees_with_amtool(tmp_path: Path, name: str) -> None:
    path = tmp_path / "alertmanager.yml"
    path.write_text(CONFIGS[name], encoding="utf-8")
    doc = _doc(CONFIGS[name])
    assert isinstance(doc, AlertmanagerDoc)
    amtool_ok = _amtool("check-config", str(path)).returncode == 0
    assert (not doc.issues) == amtool_ok, [i.message for i in doc.issues]


ROUTING = """
route:
  receiver: default
  routes:
    - matchers: ['alertname="Watchdog"']
      receiver: deadman
    - matchers: ['severity="info"']
      receiver: blackhole
    - matchers: ['team="payments"']
      receiver: payments
      continue: true
      routes:
        - matchers: ['severity="critical"']
          receiver: payments-pager
    - match_re: {severity: 'critical|page'}
      receiver: pager
      routes:
        - matchers: ['env!="production"']
          receiver: tickets
    - matchers: ['severity=~"warn.*"']
      receiver: tickets
receivers:
  - name: default
  - name: deadman
  - name: blackhole
  - name: payments
  - name: payments-pager
  - name: pager
  - name: tickets
"""
LABEL_SETS = [
    {"severity": "critical", "env": "production"},
    {"severity": "critical", "env": "staging"},
    {"severity": "page", "env": "production", "team": "payments"},
    {"severity": "critical", "team": "payments", "env": "production"},
    {"severity": "warning", "team": "payments"},
    {"severity": "warning"},
    {"severity": "info", "team": "payments"},
    {"alertname": "Watchdog", "severity": "critical"},
    {"team": "search"},
    {},
]


@needs_amtool
@pytest.mark.parametrize("labels", LABEL_SETS, ids=lambda d: ",".join(f"{k}={v}" for k, v in d.items()))
def test_routing_simulation_agrees_with_amtool(tmp_path: Path, labels: dict[str, str]) -> None:
    path = tmp_path / "alertmanager.yml"
    path.write_text(ROUTING, encoding="utf-8")
    doc = _doc(ROUTING)
    assert isinstance(doc, AlertmanagerDoc) and doc.route is not None and not doc.issues
    known = dict.fromkeys(("alertname", "severity", "team", "env"), "") | labels  # nothing unknown
    ours = [receiver for _, receiver in reachable(doc.route, known)]
    done = _amtool(
        "config", "routes", "test", f"--config.file={path}", *[f"{k}={v}" for k, v in labels.items()]
    )
    assert done.returncode == 0, done.stderr
    assert ours == done.stdout.strip().split(","), done.stdout


def test_a_regex_python_warns_about_prints_nothing(recwarn: pytest.WarningsRecorder) -> None:
    # `[[a]` is a literal `[` and `a` in RE2; Python compiles it but warns of a future nested set
    [matcher], problem = parse_matchers('team=~"[[a]"')
    assert problem is None and matcher.pattern is not None
    assert not [w for w in recwarn if issubclass(w.category, FutureWarning)]
