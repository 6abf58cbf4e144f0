"""What gate 3 found: per service and check, whether it holds, the evidence, and the gap."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from opsmith.report.safe_text import json_path, valid_text
from opsmith.secrets.masking import mask_secrets

CHECKS = ("scraped", "error_alert", "latency_alert", "liveness_alert", "dashboard", "runbook", "routed")
# A worker or cron answers no request, so neither latency nor a request dashboard says anything
# about it; whether it runs (up, restarts, a queue that drains, a cron's last success) does.
_JOB_CHECKS = ("scraped", "error_alert", "liveness_alert", "runbook", "routed")
_WEB_CHECKS = tuple(c for c in CHECKS if c != "liveness_alert")


def checks_for(kind: str | None) -> tuple[str, ...]:
    """The checks a service of this kind must pass (a service of unknown kind is judged as web)."""
    return _JOB_CHECKS if kind in ("worker", "cron") else _WEB_CHECKS


PIPELINE = "pipeline"
JSON_VERSION = 1


@dataclass(frozen=True, order=True)
class Evidence:
    path: str
    line: int | None


@dataclass(frozen=True)
class Check:
    ok: bool
    evidence: tuple[Evidence, ...] = ()
    gap: str | None = None  # what is missing, where, and the fix; None when ok

    @staticmethod
    def passed(evidence: list[Evidence]) -> Check:
        return Check(True, tuple(sorted(set(evidence), key=_evidence_key)))

    @staticmethod
    def failed(gap: str, evidence: list[Evidence] | None = None) -> Check:
        return Check(False, tuple(sorted(set(evidence or []), key=_evidence_key)), gap)


def _evidence_key(item: Evidence) -> tuple[str, int]:
    return item.path, item.line or 0


@dataclass(frozen=True)
class Unreadable:
    """A monitoring file that could not be read: it counts as evidence of nothing."""

    path: str
    line: int | None
    message: str


@dataclass
class ServiceCoverage:
    name: str
    critical: bool
    kind: str | None
    checks: dict[str, Check] = field(default_factory=dict)

    @property
    def covered(self) -> bool:
        return all(check.ok for check in self.checks.values())


@dataclass
class Coverage:
    services: list[ServiceCoverage]
    pipeline: Check
    source: str  # "design" or "repository"
    unreadable: list[Unreadable] = field(default_factory=list)

    @property
    def covered(self) -> bool:
        # no service found at all is not "nothing to watch": the gate cannot tell what to check
        critical = [s for s in self.services if s.critical]
        return bool(self.services) and self.pipeline.ok and all(s.covered for s in critical)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": JSON_VERSION,
            "covered": self.covered,
            "services": [
                {
                    "name": _text(s.name),
                    "critical": s.critical,
                    "checks": {name: _check(check) for name, check in s.checks.items()},
                }
                for s in self.services
            ],
            PIPELINE: _check(self.pipeline),
        }


def _check(check: Check) -> dict[str, Any]:
    return {
        "ok": check.ok,
        "evidence": [{"path": json_path(e.path), "line": e.line} for e in check.evidence],
        "gap": _text(check.gap) if check.gap is not None else None,
    }


def _text(text: str) -> str:
    return valid_text(mask_secrets(text))
