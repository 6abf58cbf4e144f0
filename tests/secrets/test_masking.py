"""Masking: whatever text may hold a secret keeps its shape and loses the secret; prose, paths,
references and digests stay as they are."""

from __future__ import annotations

import random
import string

import pytest

from opsmith.secrets.masking import described, mask, mask_secrets, mask_value_part, mentions_masked

_RANDOM = random.Random(7)


def _token(size: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    return "".join(_RANDOM.choice(alphabet) for _ in range(size))


GITHUB = "ghp_" + _token(36)
AWS = "AKIA" + _token(16, string.ascii_uppercase + string.digits)
PASSWORD = "Pr0d-" + _token(10)
BODY = _token(64, string.ascii_letters + string.digits + "+/") * 3


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (f"ENV GITHUB_TOKEN={GITHUB}", GITHUB),
        (f"key id {AWS} in a message", AWS),
        (f"DATABASE_URL: postgresql://app:{PASSWORD}@db.prod.example.io/app", PASSWORD),
        (f"password={PASSWORD}", PASSWORD),
        (f'{{"token": "{PASSWORD}"}}', PASSWORD),
        (f"  DB_PASSWORD: {PASSWORD}", PASSWORD),
        (f"mysql --password={PASSWORD} shop", PASSWORD),
        (f'"private_key": "-----BEGIN PRIVATE KEY-----\\n{BODY}\\n-----END PRIVATE KEY-----\\n"', BODY),
        (f"password: {'c3VwZXJzZWNyZXQ' + _token(40)}", "c3VwZXJzZWNyZXQ"),
        (
            f"tls.key: LS0tLS1CRUdJTi{_token(80, string.ascii_letters + string.digits + '+/')}",
            "LS0tLS1CRUdJTi",
        ),
    ],
)
def test_credentials_are_masked(text: str, secret: str) -> None:
    masked = mask_secrets(text)
    assert secret not in masked
    assert mentions_masked(masked) or "***" in masked


@pytest.mark.parametrize(
    "text",
    [
        "Secret db-credentials: `data.password` holds a literal secret (Vq7-****…(14 chars))",
        "ConfigMap api-credentials: key REDIS_HOST is fine",
        "PASSWORD_FILE=/run/secrets/db_password",
        "DB_PASSWORD: ${{ secrets.DB_PASSWORD }}",
        "postgresql://app:${DB_PASSWORD}@db/app",
        "image: nginx@sha256:" + "0123456789abcdef" * 4,
        "POSTGRES_PASSWORD: postgres",
        "services/api/deploy/kubernetes/overlays/production/kustomization.yaml",
    ],
)
def test_prose_references_and_paths_are_left_alone(text: str) -> None:
    assert mask_secrets(text) == text


def test_a_value_a_secret_rule_reported_is_masked_whatever_its_key() -> None:
    # `value:` under `- name: DB_PASSWORD` has no secret-looking name of its own.
    assert mask_value_part(f'          value: "{PASSWORD}"') == f'          value: "{mask(PASSWORD)}"'
    assert mask_value_part(f"  default = {PASSWORD}") == f"  default = {mask(PASSWORD)}"
    assert mask_value_part(f"ENV DB_PASS {PASSWORD}") == f"ENV DB_PASS {mask(PASSWORD)}"
    # a token already masked where it is stays masked once
    assert mask_value_part(f"  run: curl {GITHUB}") == f"  run: curl {mask(GITHUB)}"


def test_described_and_mentions_masked() -> None:
    assert described(("AWS access key ID", AWS)) == f"an AWS access key ID ({mask(AWS)})"
    assert described(("private key", "-----BEGIN PRIVATE KEY-----")) == "a private key"
    assert mentions_masked(f"holds {described(('literal secret', 'hunter2'))}")
    assert not mentions_masked("holds (a value)")
    assert mask("short") == "*****" and mask(GITHUB).endswith("(40 chars)")
