"""Finding committed credentials in whole files (RP003's scanner) while leaving placeholders and
ordinary code alone; the older helpers keep their behaviour."""

from __future__ import annotations

import random
import string

import pytest

from opsmith.rules.secrets import (
    credential_in,
    entropy,
    find_leaks,
    is_placeholder,
    is_secret_name,
    mask,
)

_RANDOM = random.Random(20261126)  # fixed seed: the same made-up tokens on every run


def _token(size: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    return "".join(_RANDOM.choice(alphabet) for _ in range(size))


def _leaks(text: str, *, env_file: bool = False) -> list[tuple[int, str]]:
    return [(leak.line, leak.kind) for leak in find_leaks(text, env_file=env_file)]


def test_entropy() -> None:
    assert entropy("") == 0.0
    assert entropy("aaaa") == 0.0
    assert entropy("abcd") == pytest.approx(2.0)
    assert entropy(_token(40)) > 4.5


@pytest.mark.parametrize(
    "value",
    [
        "",
        "changeme",
        "<your-token>",
        "xxxxxxxxxxxx",
        "postgres",
        "${DB_PASSWORD}",
        "sk_live_example_key",
        "****",
    ],
)
def test_placeholders(value: str) -> None:
    assert is_placeholder(value)


@pytest.mark.parametrize("value", ["Sup3rS3cret!", _token(32)])
def test_real_looking_values_are_not_placeholders(value: str) -> None:
    assert not is_placeholder(value)


def test_provider_tokens_anywhere() -> None:
    text = "\n".join(
        [
            "const config = {",
            f'  github: "ghp_{_token(36)}",',
            f'  aws: "AKIA{_token(16, string.ascii_uppercase + string.digits)}",',
            f'  aws_secret_access_key: "{_token(40, string.ascii_letters + "/+")}",',
            f'  gitlab: "glpat-{_token(20)}",',
            f'  stripe: "sk_live_{_token(24)}",',
            f'  hook: "https://hooks.slack.com/services/T{_token(8, string.ascii_uppercase)}/'
            f'B{_token(8, string.ascii_uppercase)}/{_token(24)}",',
            f'  maps: "AIza{_token(35)}",',
            f'  npm: "npm_{_token(36)}",',
            f'  slack: "xoxp-{_token(12, string.digits)}-{_token(24)}",',
            f'  pat: "github_pat_{_token(60)}",',
            "};",
        ]
    )
    assert _leaks(text) == [
        (2, "GitHub token"),
        (3, "AWS access key ID"),
        (4, "AWS secret access key"),
        (5, "GitLab token"),
        (6, "Stripe live key"),
        (7, "Slack webhook"),
        (8, "Google API key"),
        (9, "npm token"),
        (10, "Slack token"),
        (11, "GitHub token"),
    ]


@pytest.mark.parametrize(
    "line",
    [
        f"AWS_SECRET_ACCESS_KEY={_token(40)}",
        f"awsSecretAccessKey: '{_token(40)}'",
        f"ASIA{_token(16, string.ascii_uppercase + string.digits)}",
    ],
)
def test_each_spelling_passes_the_prefilter(line: str) -> None:
    assert len(_leaks(line)) == 1


def test_placeholder_tokens_and_documentation_examples_are_ignored() -> None:
    text = "\n".join(
        [
            "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "AKIAIOSFODNN7EXAMPLE",
            "AKIA0000000000000000",
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "sk_live_" + "0" * 24,
        ]
    )
    assert _leaks(text) == []


def test_private_keys_need_a_real_body() -> None:
    body = "\n".join(_token(64, string.ascii_letters + string.digits + "+/") for _ in range(6))
    real = f"-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----\n"
    placeholder = "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----\n"
    certificate = f"-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n"
    assert _leaks(real) == [(1, "RSA private key")]
    assert _leaks(placeholder + certificate) == []
    assert next(find_leaks(real)).secret == ""  # nothing of a key is ever shown


def test_env_files() -> None:
    text = "\n".join(
        [
            "# comment: PASSWORD=notreal",
            "DATABASE_URL=postgresql://shop:Sup3rS3cret!@db:5432/shop",
            f'export JWT_SECRET="{_token(32)}"  # rotated monthly',
            "POSTGRES_PASSWORD=postgres",
            "API_TOKEN=changeme",
            "TOKEN_URL=https://auth.example.com/token",
            "SESSION_SECRET=${SESSION_SECRET:?}",
            "REDIS_URL=redis://localhost:6379/0",
            "LOCAL_DB=postgres://app:app@localhost/app",
            "DEBUG=true",
        ]
    )
    assert _leaks(text, env_file=True) == [
        (2, "password in a URL (DATABASE_URL)"),
        (3, "secret value of JWT_SECRET"),
    ]
    assert _leaks(text) == []  # the same assignments in code are not judged


def test_masked_output_never_shows_the_secret() -> None:
    secret = "ghp_" + _token(36)
    (leak,) = find_leaks(f"token = '{secret}'")
    assert secret not in mask(leak.secret)


def test_existing_helpers_keep_their_behaviour() -> None:
    assert is_secret_name("DB_PASSWORD") and not is_secret_name("PASSWORD_FILE")
    assert credential_in("postgres://u:hunter22@h/db") == ("password in a URL", "hunter22")
    # Redis and some brokers take a password with no user name.
    assert credential_in("redis://:s3cretpass@cache:6379/0") == ("password in a URL", "s3cretpass")
    assert credential_in("redis://cache:6379/0") is None and credential_in("redis://:${PW}@cache") is None
    assert mask("short") == "*****"
