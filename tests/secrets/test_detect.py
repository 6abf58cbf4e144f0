"""Finding credentials (RP003's whole-file scanner, and the name-and-value judgement every secret rule
shares) while leaving placeholders, paths, images, public certificates and ordinary code alone."""

from __future__ import annotations

import base64
import json
import random
import string

import pytest

from opsmith.secrets.detect import (
    TOKEN_HINTS,
    credential_in,
    decoded_secret,
    entropy,
    find_leaks,
    has_token_hint,
    is_local_host,
    is_placeholder,
    is_secret_name,
    private_key_in,
    registry_password,
    secret_in,
    url_password,
)
from opsmith.secrets.masking import mask

_RANDOM = random.Random(20261126)  # fixed seed: the same made-up tokens on every run


# The cases added later draw from their own generator, leaving the first one's sequence as it was.
_NEAR_MISSES = random.Random(20261207)


def _token(
    size: int, alphabet: str = string.ascii_letters + string.digits, rng: random.Random = _RANDOM
) -> str:
    return "".join(rng.choice(alphabet) for _ in range(size))


def _other(size: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    return _token(size, alphabet, _NEAR_MISSES)


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
        "changeit",
        "yourpassword",
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


@pytest.mark.parametrize("hint", TOKEN_HINTS)
def test_every_token_hint_is_looked_for_and_only_the_whole_hint(hint: str) -> None:
    assert has_token_hint(f"x = '{hint}'")
    assert not has_token_hint(f"x = '{hint[:-1]} {hint[-1]}'")


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


@pytest.mark.parametrize(
    "name",
    ["DB_PASSWORD", "dbPassword", "SMTP_PASS", "GITHUB_TOKEN", "authtoken", "apiKey", "x-api-key",
     "AWS_SECRET_ACCESS_KEY", "client_secret", "SENTRY_DSN", "PRIVATE_KEY"],
)  # fmt: skip
def test_secret_names(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize(
    "name",
    ["PASSWORD_FILE", "SECRET_IMAGE", "DB_PASSWORD_HOST", "PASSENGER_MAX_POOL_SIZE", "BYPASS_CACHE",
     "TOKENIZERS_PARALLELISM", "SSL_KEY", "TOKEN_URL", "secret_key_ref", "PWD", "API_KEY_NAME"],
)  # fmt: skip
def test_names_that_point_at_or_only_mention_a_secret(name: str) -> None:
    assert not is_secret_name(name)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DB_PASSWORD", "Sup3rS3cret!"),
        ("POSTGRES_PASSWORD", "postgres"),  # a weak default is a real, bad password
        ("JWT_SECRET", _other(32)),
        ("BASIC_AUTH_CREDENTIALS", "admin:s3cret"),  # not an image, whatever its colon says
        ("anything", f"ghp_{_other(36)}"),
    ],
)
def test_secret_in_judges_name_and_value_together(name: str, value: str) -> None:
    assert secret_in(name, value) is not None


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("API_TOKEN", "replace-me-with-a-real-token"),
        ("DB_PASSWORD", "<your-password>"),
        ("PRIVATE_KEY", "/etc/ssl/private/site.key"),
        ("CLIENT_SECRET", "certs/client-secret.json"),
        ("SECRET_STORE_IMAGE", "registry.example.com/vault-agent:1.17"),
        ("VAULT_SECRET", "registry.example.com/team/app:1.2"),
        ("SIGNING_KEY", "ghcr.io/acme/signer@sha256:" + "a" * 64),
        ("AUTH_TOKEN", "https://auth.example.com/oauth/token"),
        ("DB_PASSWORD", "arn:aws:secretsmanager:eu-west-1:1:secret:db"),
        ("TLS_SECRET", "-----BEGIN CERTIFICATE-----\nMIIB" + _other(80) + "\n-----END CERTIFICATE-----"),
        ("DEPLOY_KEY_SECRET", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + _other(40) + " ci@example"),
        ("TOKEN", "true"),
        ("DB_PASSWORD", "${DB_PASSWORD:?}"),
        ("note", "AKIAIOSFODNN7EXAMPLE"),
    ],
)
def test_near_misses_hold_no_secret(name: str, value: str) -> None:
    assert secret_in(name, value) is None


def test_private_key_bodies_are_judged_wherever_the_key_is() -> None:
    body = "\n".join(_other(64, string.ascii_letters + string.digits + "+/") for _ in range(6))
    indented = body.replace("\n", "\n      ")  # inside a YAML block scalar
    assert private_key_in(f"-----BEGIN PRIVATE KEY-----\n      {indented}\n-----END PRIVATE KEY-----") == ""
    one_line = body.replace("\n", "\\n")
    escaped = f"-----BEGIN RSA PRIVATE KEY-----\\n{one_line}\\n-----END RSA PRIVATE KEY-----"
    assert private_key_in(escaped) == "RSA"  # a JSON string holding the key on one line
    for placeholder in ("xxxxxxxxxxxxxxxx\nxxxxxxxxxx", f"{body[:64]}\n...\n", "REDACTED", f"{body}\n<key>"):
        assert (
            private_key_in(f"-----BEGIN PRIVATE KEY-----\n{placeholder}\n-----END PRIVATE KEY-----") is None
        )


def test_slack_webhooks_are_credentials_everywhere() -> None:
    hook = f"https://hooks.slack.com/services/T{_other(8, string.ascii_uppercase)}/B{_other(8)}/{_other(24)}"
    assert credential_in(f"curl -X POST {hook}") == ("Slack webhook", hook)
    assert (
        credential_in("https://hooks.slack.com/services/TXXXXXXXX/BXXXXXXXX/XXXXXXXXXXXXXXXXXXXXXXXX") is None
    )


def test_url_passwords_come_with_their_host() -> None:
    assert url_password("postgresql://app:Pr0d-pass@db.prod.example.io:5432/app") == (
        "Pr0d-pass",
        "db.prod.example.io",
    )
    assert url_password("mysql://root:hunter22@[2001:db8::1]/app") == ("hunter22", "[2001:db8::1]")
    assert url_password("postgres://app:${{ secrets.DB_PASSWORD }}@db.example.io/app") is None
    assert is_local_host("localhost") and is_local_host("127.0.0.1") and is_local_host("[::1]")
    assert not is_local_host("db.prod.example.io")


def test_base64_values_are_decoded_when_they_are_text() -> None:
    assert decoded_secret("aHVudGVyMjI=") == "hunter22"
    assert decoded_secret("aHVudGVy\n  MjI=") == "hunter22"  # folded across lines
    assert decoded_secret("not*base64") is None
    assert decoded_secret("//79/A==") is None  # bytes that are not text
    assert decoded_secret(12) is None


def test_leaks_come_in_line_order() -> None:
    text = f"aws_secret_access_key = {_other(40)}\ntoken = ghp_{_other(36)}\n"
    assert [leak.line for leak in find_leaks(text)] == [1, 2]


def test_registry_passwords_in_docker_configs() -> None:
    auth = base64.b64encode(b"ci-bot:Rg7-Wq2m-Xz9k").decode()
    assert registry_password(json.dumps({"auths": {"r.example.io": {"auth": auth}}})) == "Rg7-Wq2m-Xz9k"
    assert registry_password(json.dumps({"r.example.io": {"password": "Rg7-Wq2m-Xz9k"}})) == "Rg7-Wq2m-Xz9k"
    assert registry_password(json.dumps({"auths": {"r": {"password": "changeme"}}})) is None
    assert registry_password("not json") is None and registry_password("[1, 2]") is None


def test_env_values_end_at_blanks_and_comments_however_long() -> None:
    secret = _other(32)
    for line in (
        f"JWT_SECRET={secret}" + " " * 5000,
        f"JWT_SECRET = {secret}" + " \t" * 2000 + "# rotated",
        f"export JWT_SECRET={secret}\t# one # two",
    ):
        (leak,) = find_leaks(line, env_file=True)
        assert leak.secret == secret
    assert list(find_leaks("JWT_SECRET=" + " " * 5000 + "# unset", env_file=True)) == []


def test_placeholder_markers_inside_keys_and_values() -> None:
    assert is_placeholder("<<<token>") and not is_placeholder("<" * 50 + _other(20))
    body = "\r\n" * 50 + "   REDACTED  \r\n"
    assert private_key_in(f"-----BEGIN PRIVATE KEY-----{body}-----END PRIVATE KEY-----") is None


def test_many_leaks_keep_their_lines_and_order() -> None:
    tokens = ["ghp_" + _other(36) for _ in range(300)]
    keys = ["AKIA" + _other(16, string.ascii_uppercase + string.digits) for _ in range(300)]
    lines = [
        line
        for pair in zip(tokens, keys, strict=True)
        for line in ("# note", f"b = '{pair[1]}' a = '{pair[0]}'")
    ]
    # each line scanned alone, numbered by hand: the same leaks, lines and order as the whole file
    alone = [
        (number, leak.kind, leak.secret) for number, line in enumerate(lines, 1) for leak in find_leaks(line)
    ]
    assert len(alone) > 500
    assert [(leak.line, leak.kind, leak.secret) for leak in find_leaks("\n".join(lines))] == alone
