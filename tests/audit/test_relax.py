"""What a finding keeps of its severity in a file judged as a test."""

from __future__ import annotations

from typing import Any

import pytest

from opsmith.audit.relax import holds_live_credential, severity_in_tests
from opsmith.findings import Severity
from opsmith.rules.base import AppliesTo, Rule

# Generated at random for these tests; none is a real credential.
GITHUB_TOKEN = "ghp_" + "Zx81Qm2LpT7vR4nW9cY6bH3kJ5dF0sAeGu1o"  # split: opsmith audits itself
AWS_KEY_ID = "AKIA" + "Q7ZK4M2XW9P3RT6B"


def _rule(applies_to: AppliesTo) -> Rule[Any]:
    return Rule("XX001", Severity.ERROR, "t", "dockerfile", "f", "d", "file", applies_to=applies_to)


@pytest.mark.parametrize(
    ("applies_to", "line", "kept"),
    [
        ("production", f"ENV TOKEN={GITHUB_TOKEN}", Severity.INFO),
        ("everywhere", "run: echo ${{ github.event.issue.title }}", Severity.ERROR),
        ("live-credentials", f"ENV TOKEN={GITHUB_TOKEN}", Severity.ERROR),
        ("live-credentials", "ENV DB_PASSWORD=s3cr3tPassw0rd!", Severity.INFO),
        ("live-credentials", "-----BEGIN OPENSSH PRIVATE KEY-----", Severity.INFO),
    ],
)
def test_production_rules_report_info_and_live_credentials_keep_their_severity(
    applies_to: AppliesTo, line: str, kept: Severity
) -> None:
    assert severity_in_tests(_rule(applies_to), Severity.ERROR, 1, [line]) == kept


def test_info_stays_info_and_a_finding_without_a_line_is_relaxed() -> None:
    assert severity_in_tests(_rule("everywhere"), Severity.INFO, 1, ["x"]) == Severity.INFO
    assert severity_in_tests(_rule("live-credentials"), Severity.ERROR, None, []) == Severity.INFO
    assert severity_in_tests(_rule("live-credentials"), Severity.ERROR, 5, [GITHUB_TOKEN]) == Severity.INFO


@pytest.mark.parametrize(
    "text",
    [
        f"token: {GITHUB_TOKEN}",
        f"aws_access_key_id = {AWS_KEY_ID}",
        "url: postgres://app:Zq8vW3kLm9Tx@db.prod.acme-corp.net:5432/app",
        "DATABASE_URL=mysql://root:Zq8vW3kLm9Tx@10.2.3.4/app",
    ],
)
def test_live_credentials(text: str) -> None:
    assert holds_live_credential(text)


@pytest.mark.parametrize(
    "text",
    [
        "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",  # AWS's documentation key
        "url: postgres://app:Zq8vW3kLm9Tx@localhost:5432/app",
        "url: postgres://app:Zq8vW3kLm9Tx@postgres:5432/app",  # a compose service
        "url: redis://:Zq8vW3kLm9Tx@cache.default.svc.cluster.local:6379",
        "url: postgres://app:${DB_PASSWORD}@db.example.net/app",
        "-----BEGIN RSA PRIVATE KEY-----",
        "password: s3cr3tPassw0rd!",
    ],
)
def test_test_credentials_and_placeholders_are_not_live(text: str) -> None:
    assert not holds_live_credential(text)
