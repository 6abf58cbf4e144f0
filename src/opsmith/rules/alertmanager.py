"""Alertmanager configurations: PM011 (the PM prefix is shared with the prometheus family)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from urllib.parse import urlsplit

from opsmith.findings import Problem
from opsmith.parse.alertmanager import AlertmanagerDoc, Receiver, Route
from opsmith.parse.prometheus import PrometheusDoc, PromRule
from opsmith.rules.base import RepoContext, Rule, repo_rule

FAMILY = "alertmanager"
PAGING_INTEGRATIONS = frozenset(
    {"pagerduty_configs", "opsgenie_configs", "victorops_configs", "incidentio_configs"}
)
# Webhooks that page: the hosts of on-call services, and Grafana OnCall's integration paths.
PAGING_WEBHOOK_HOSTS = (
    "pagerduty.com",
    "opsgenie.com",
    "victorops.com",
    "splunkoncall.com",
    "incident.io",
    "squadcast.com",
    "ilert.com",
    "rootly.com",
    "zenduty.com",
    "firehydrant.io",
    "pagertree.com",
    "spike.sh",
    "betteruptime.com",
    "betterstack.com",
    "xmatters.com",
)
PAGING_WEBHOOK_PATHS = ("/oncall/integrations/", "/integrations/v1/alertmanager/")
CRITICAL = {"severity": "critical"}


@repo_rule(
    "PM011",
    "E",
    FAMILY,
    "Critical alerts do not reach a paging receiver, or the Alertmanager config is invalid",
    fix='Route `severity="critical"` to a receiver that pages (PagerDuty, Opsgenie, ...) and keep the '
    "config valid (`amtool check-config`).",
    docs="""
## What it does
Checks each Alertmanager configuration in the repository (a YAML file with `route` and `receivers`).
First its validity, as `amtool check-config` would judge it: unknown fields, receivers without a
unique name, routes to undefined receivers, a root route without a default receiver or with
matchers, malformed `matchers` (and the deprecated `match`/`match_re`), bad regexes and durations,
undefined time intervals, integrations missing their key or URL.

Then it simulates Alertmanager's routing (matchers, first matching child wins, `continue`, receivers
inherited from the parent route) for an alert labelled only `severity="critical"`, and for every
critical alert of the repository's rule files with its static labels. Labels an alert may get at run
time from its series are treated as unknown, so a route that could match is assumed to; a finding
means no possible path reaches a paging receiver. Paging receivers are those with
`pagerduty_configs`, `opsgenie_configs`, `victorops_configs` or `incidentio_configs`, a webhook to a
known on-call service (PagerDuty, Opsgenie, incident.io, Squadcast, ilert, Rootly, Grafana OnCall...),
or a receiver named in `[alertmanager] paging-receivers = ["oncall-webhook"]`.

## Why it matters
An invalid config is refused: Alertmanager keeps the old one on reload, or does not start at all.
A valid config that sends critical alerts to a Slack channel or email means the alert named
"critical" wakes nobody: the outage is found by customers.

## Example
```yaml
route:
  receiver: slack
  routes:
    - matchers: ['severity="warning"']
      receiver: tickets
receivers:
  - name: slack
    slack_configs: [{channel: '#alerts'}]
  - name: tickets
    webhook_configs: [{url: 'https://tickets.example.com/hook'}]
```

## Fix
```yaml
  routes:
    - matchers: ['severity="critical"']
      receiver: pagerduty
receivers:
  - name: pagerduty
    pagerduty_configs: [{routing_key_file: /etc/alertmanager/pd-key}]
```

## Equivalent rules
`amtool check-config` (validity only) and `amtool config routes test` (routing of one label set);
pint and checkov have none.
""",
)
def pm011(repo: RepoContext) -> Iterator[Problem]:
    declared = repo.setting("alertmanager.paging-receivers", [])
    declared = {str(n) for n in declared} if isinstance(declared, list) else set()
    critical = list(_critical_alerts(repo.documents("prometheus")))
    for path, doc in repo.documents(FAMILY):
        if doc.issues:
            for issue in doc.issues:
                yield Problem(f"invalid Alertmanager config: {issue.message}", issue.line, path=path)
            continue
        if doc.route is not None:
            yield from _routing(path, doc, doc.route, declared, critical)


def _critical_alerts(docs: Iterable[tuple[str, PrometheusDoc]]) -> Iterator[tuple[str, PromRule]]:
    for path, doc in docs:
        for rule in doc.alerts:
            if rule.severity == "critical":
                yield path, rule


def _routing(
    path: str,
    doc: AlertmanagerDoc,
    root: Route,
    declared: set[str],
    critical: list[tuple[str, PromRule]],
) -> Iterator[Problem]:
    paging = {name for name, r in doc.receivers.items() if is_paging(r, declared)}
    ends = reachable(root, CRITICAL)
    if not any(receiver in paging for _, receiver in ends):
        yield Problem(
            "no route sends an alert labelled severity=critical to a paging receiver: it ends at "
            f"{_receivers(ends)}",
            root.receiver_line,
            path=path,
        )
        return
    missed: dict[int, list[str]] = {}
    landing: dict[int, str] = {}
    for rule_path, rule in critical:
        labels = {k: v for k, v in rule.all_labels.items() if "{{" not in v}
        labels["alertname"] = rule.name
        ends = reachable(root, labels)
        if any(receiver in paging for _, receiver in ends):
            continue
        line = ends[0][0].receiver_line
        missed.setdefault(line, []).append(f"`{rule.name}` ({rule_path}:{rule.line})")
        landing[line] = _receivers(ends)
    for line, alerts in missed.items():
        shown = ", ".join(alerts[:3]) + (f" and {len(alerts) - 3} more" if len(alerts) > 3 else "")
        yield Problem(
            f"critical alert{'s' if len(alerts) > 1 else ''} {shown} can only reach "
            f"{landing[line]}, which does not page",
            line,
            path=path,
        )


def _receivers(ends: list[tuple[Route, str]]) -> str:
    names = sorted({receiver for _, receiver in ends})
    return ", ".join(f"receiver `{n}`" for n in names)


def reachable(route: Route, labels: Mapping[str, str], inherited: str = "") -> list[tuple[Route, str]]:
    """Every (route, receiver) an alert with these labels may be delivered through, routing as
    Alertmanager does: children in order, the first match wins unless it says `continue`, the
    route itself when no child matches. Matchers on labels the alert may or may not carry count as
    "may match", so the result is every possible destination."""
    receiver = route.receiver or inherited
    out: list[tuple[Route, str]] = []
    surely_matched = False
    for child in route.routes:
        matched = child.evaluate(labels)
        if matched is False:
            continue
        out.extend(reachable(child, labels, receiver))
        if matched:
            surely_matched = True
            if not child.continue_:
                break
    if not surely_matched:
        out.append((route, receiver))
    return out


def is_paging(receiver: Receiver, declared: set[str]) -> bool:
    if receiver.name in declared or PAGING_INTEGRATIONS.intersection(receiver.integrations):
        return True
    for url in receiver.webhook_urls:
        try:
            parts = urlsplit(url)
        except ValueError:  # not a URL (an unclosed `[` of an IPv6 host): nothing to recognise
            continue
        host = (parts.hostname or "").lower()
        if any(host == h or host.endswith("." + h) for h in PAGING_WEBHOOK_HOSTS):
            return True
        if any(marker in parts.path for marker in PAGING_WEBHOOK_PATHS):
            return True
    return False


RULES: tuple[Rule[AlertmanagerDoc], ...] = (pm011,)
