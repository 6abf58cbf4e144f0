"""What an alert is made of, as data: its rule, the runbook it links to and the synthetic series
its promtool unit test feeds it. The rule file, the runbook and the test are all rendered from
one `Alert`, so they cannot drift apart."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["critical", "warning", "info", "none"]
# Which first checks a runbook lists: the service's own, the hosts' or the alerting pipeline's.
Scope = Literal["service", "host", "pipeline"]

RUNBOOKS = "docs/runbooks"
_LABEL_REF = re.compile(r"\{\{ \$labels\.([a-z_]+) \}\}")


@dataclass(frozen=True)
class Series:
    """An input series of a promtool test: PromQL series notation and promtool's expanding values."""

    name: str
    values: str


@dataclass(frozen=True)
class Runbook:
    meaning: str
    impact: str
    scope: Scope
    mitigation: tuple[str, ...]


@dataclass(frozen=True)
class Alert:
    name: str
    expr: str
    for_: str
    severity: Severity
    summary: str
    description: str
    runbook: Runbook
    bad: tuple[Series, ...]  # the alert fires on these at `at`...
    good: tuple[Series, ...]  # ...and stays quiet on these
    at: str
    step: int = 1  # minutes between the test series' samples
    fired: Mapping[str, str] = field(default_factory=dict)  # labels it carries from `bad`
    labels: Mapping[str, str] = field(default_factory=dict)  # static labels beside severity

    @property
    def runbook_path(self) -> str:
        return f"{RUNBOOKS}/{runbook_stem(self.name)}.md"

    def rule_labels(self) -> dict[str, str]:
        return {"severity": self.severity, **self.labels}

    def annotations(self) -> dict[str, str]:
        return {"summary": self.summary, "description": self.description, "runbook_url": self.runbook_path}

    def expected_annotations(self) -> dict[str, str]:
        """The annotations as Prometheus fills them in for the `bad` series."""
        labels = {**self.fired, **self.rule_labels()}
        return {
            k: _LABEL_REF.sub(lambda m: labels.get(m.group(1), ""), v) for k, v in self.annotations().items()
        }


@dataclass(frozen=True)
class Recording:
    record: str
    expr: str
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Group:
    name: str
    recordings: tuple[Recording, ...] = ()
    alerts: tuple[Alert, ...] = ()


@dataclass(frozen=True)
class RuleFile:
    """monitoring/rules/<stem>.yml and its promtool test <stem>_test.yml."""

    stem: str
    title: str
    groups: tuple[Group, ...]

    @property
    def alerts(self) -> tuple[Alert, ...]:
        return tuple(a for g in self.groups for a in g.alerts)


def runbook_stem(alert: str) -> str:
    """`SLOErrorBudgetBurnFast` -> `slo-error-budget-burn-fast`."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "-", alert).lower()


def number(value: float) -> str:
    """A threshold as PromQL and people write it: 0.001, 14.4, 1."""
    return f"{round(value, 6):g}"
