"""What a secret looks like: the one judgement every rule that hunts for one (DF005, DC004, KU008,
TF006, GA014, RP003), the analysis, the generators and the reports' masking share.

A name and a value are judged together: a secret-named variable holding a file path, an image
reference, a URL without a password, a public certificate or a placeholder holds no secret, and a
provider token counts only when its random part really looks random. Every pattern is compiled on
first use: most runs never need one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass

from opsmith.regex import lazy

# Words of a variable name (split at `_`, `-`, `.`, spaces and camelCase) that say "a secret".
_SECRET_WORDS = frozenset({"pass", "pwd", "pw", "dsn", "credential", "credentials", "token", "tokens"})
_SECRET_PARTS = ("password", "passwd", "passphrase", "secret", "credential")
# Joined words that make a key a secret one (`apiKey`, `PRIVATE_KEY`, `aws_access_key`).
_SECRET_KEY = lazy(r"(?:api|private|access|auth|signing|encryption|master|client|app|account)key")
# A last word that says the variable only points at a secret, or describes one.
_POINTER_WORDS = frozenset(
    {
        "file", "path", "dir", "url", "uri", "endpoint", "name", "header", "id", "length", "ttl",
        "expiry", "expires", "type", "enabled", "required", "env", "var", "ref", "location",
        "mount", "image", "host", "hostname", "port", "user", "username", "version", "algorithm",
        "mode", "format", "prefix", "size", "timeout", "policy", "method", "issuer", "audience",
        "arn", "keyname", "store",
    }
)  # fmt: skip
_NOT_SECRET_NAMES = frozenset({"PWD", "OLDPWD", "TOKEN_TYPE"})
_CAMEL = lazy(r"(?<=[a-z0-9])(?=[A-Z])")
_WORD_SPLIT = lazy(r"[^A-Za-z0-9]+")
_REFERENCE = lazy(r"^\$(\{[^}]*\}|[A-Za-z_][A-Za-z0-9_]*|\(.*\))$|^\{\{.*\}\}$")
# Flags, small numbers and setting words (AWS `http_tokens = "required"` is the IMDSv2 switch).
_TRIVIAL = lazy(r"(?i)^(|true|false|yes|no|on|off|null|none|required|optional|enabled|disabled|[0-9]{1,3})$")


@dataclass(frozen=True)
class CredentialKind:
    label: str
    pattern: str


# Provider formats: a string of one of these shapes is a credential whatever its name.
CREDENTIAL_KINDS: tuple[CredentialKind, ...] = (
    CredentialKind("AWS access key ID", r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b"),
    CredentialKind("GitHub token", r"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{50,255})\b"),
    CredentialKind("GitLab token", r"\bglpat-[A-Za-z0-9_-]{20,255}\b"),
    CredentialKind("Slack token", r"\bxox[abposr]-[A-Za-z0-9-]{10,255}\b"),
    CredentialKind("Stripe live key", r"\b(?:sk|rk)_live_[A-Za-z0-9]{20,255}\b"),
    CredentialKind("Google API key", r"\bAIza[0-9A-Za-z_-]{35}\b"),
    CredentialKind("npm token", r"\bnpm_[A-Za-z0-9]{36}\b"),
    CredentialKind(
        "Slack webhook",
        r"https://hooks\.slack\.com/(?:services|workflows)/T[A-Z0-9]{6,32}/[A-Za-z0-9/]{20,255}",
    ),
)
# Literal text every kind above contains: substring tests rule most text out at C speed.
TOKEN_HINTS = (
    "AKIA", "ASIA", "ABIA", "ACCA", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-",
    "xox", "_live_", "AIza", "npm_", "hooks.slack.com",
)  # fmt: skip
# The hints that share a first letter, looked for together in long texts (whole files): re finds a
# literal first letter faster than one substring test per hint.
_HINT_GROUPS = (lazy(r"A(?:KIA|SIA|BIA|CCA|Iza)"), lazy(r"g(?:h[pousr]_|ithub_pat_|lpat-)"))
_LONE_HINTS = ("xox", "_live_", "npm_", "hooks.slack.com")
TOKENS = lazy("|".join(f"(?P<k{i}>{kind.pattern})" for i, kind in enumerate(CREDENTIAL_KINDS)))
# Bounded repetitions keep the search linear on hostile input.
URL_PASSWORD = lazy(
    r"(?<![a-z0-9+.-])[a-z][a-z0-9+.-]{0,31}://[^/\s:@'\"]{0,256}:(?P<pw>[^@\s/'\"]{1,256})@"
    r"(?P<host>\[[0-9a-fA-F:]{2,45}\]|[^/\s:'\"?#@]{0,253})"
)
PRIVATE_KEY = lazy(
    r"-----BEGIN (?P<kind>(?:[A-Z0-9]{1,20} ){0,4}PRIVATE KEY(?: BLOCK)?)-----(?P<body>.*?)(?:-----END|\Z)",
    re.DOTALL,
)
# In a key body: a run of one character (`xxxxxx`), an ellipsis or angle brackets, or a line that
# is only a word such as `REDACTED` (random base64 holds none of these).
# The blanks around the word stay on its line: `\s*` would run on over blank lines, from each one.
_KEY_PLACEHOLDER = lazy(
    r"(?i)(\S)\1{5}|\.\.\.|…|[<>*]|^[^\S\n]*(?:example|placeholder|redacted|truncated|change[-_ ]?me|"
    r"your[-_ ].*|\w+ here)[^\S\n]*$",
    re.MULTILINE,
)
_LOCAL_HOSTS = lazy(r"(?i)^(?:localhost|127(?:\.\d{1,3}){3}|\[?::1\]?|0\.0\.0\.0|host\.docker\.internal|)$")
# Searched in lowered text: a case-insensitive search of this many words is fifty times slower.
# `<[^<>]*>` finds the same brackets as `<[^>]*>` but stops at the next `<`: a run of them is linear.
_PLACEHOLDER_WORDS = lazy(
    r"example|change[-_ ]?(?:me|it)|placeholder|your[-_ ]|your(?:pass|secret|token|key)|<[^<>]*>|x{4,}"
    r"|\*{3,}|dummy|sample|todo|replace"
    r"|redacted|fake|insecure-default|not[-_ ]?a[-_ ]?secret|\.\.\.|…|^\$|\$\{|\{\{"
)
_WEAK_DEFAULTS = frozenset(
    {
        "password", "passwd", "secret", "postgres", "postgresql", "mysql", "root", "admin", "pass",
        "guest", "user", "test", "testing", "dev", "local", "default", "none", "null", "empty",
        "foo", "bar", "foobar", "minioadmin", "rabbitmq", "redis",
    }
)  # fmt: skip
# Values that only point at a secret kept elsewhere, or say something about one.
_POINTS_ELSEWHERE = lazy(
    r"(?i)^(?:seconds|minutes|hours|days|(?:arn|projects|secrets|vault|op|ref\+[a-z]+|sm|ssm):.*"
    r"|projects/.*|(?:/|\./|\.\./|~/)\S*|[\w.-]+(?:/[\w.-]+)*\.(?:pem|key|crt|cer|cert|der|p12|pfx|jks"
    r"|keystore|json|txt|asc|gpg|pub|env|ya?ml|conf|cfg|ini|properties)|https?://[^@\s]*)$"
)
# `registry.example.com/team/app:1.2`, `nginx:1.27`, `app@sha256:...`: a repository path with a
# tag, a version-like tag or a digest says image (`admin:s3cret` says nothing of the kind).
_IMAGE_REFERENCE = lazy(
    r"^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*(?::\d{1,5})?/)?[a-z0-9]+(?:[._-][a-z0-9]+)*"
    r"(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?P<tag>:[\w][\w.-]{0,127})?(?P<digest>@sha256:[0-9a-f]{64})?$"
)
_VERSION_TAG = lazy(r"^:(?:v?\d[\w.-]*|latest|stable|edge|alpine|slim|main)$")
_PUBLIC_MATERIAL = lazy(
    r"^\s*(?:-----BEGIN (?:CERTIFICATE|PUBLIC KEY|RSA PUBLIC KEY|X509 CRL|CERTIFICATE REQUEST"
    r"|PGP PUBLIC KEY BLOCK)-----|(?:ssh-(?:rsa|ed25519|dss)|ecdsa-sha2-\S+) )"
)


def _name_words(name: str) -> list[str]:
    return [w.lower() for w in _WORD_SPLIT().split(_CAMEL().sub("_", name)) if w]


def is_secret_name(name: str) -> bool:
    """`DB_PASSWORD`, `apiKey`, `SMTP_PASS`, `GITHUB_TOKEN`; not `PASSWORD_FILE`, `SECRET_IMAGE`,
    `PASSENGER_ENV` or `TOKENIZERS_PARALLELISM`."""
    if name.upper() in _NOT_SECRET_NAMES:
        return False
    words = _name_words(name)
    if not words or words[-1] in _POINTER_WORDS:
        return False
    joined = "".join(words)
    return (
        any(w in _SECRET_WORDS or w.endswith("token") for w in words)
        or any(part in joined for part in _SECRET_PARTS)
        or bool(_SECRET_KEY().search(joined))
    )


def is_reference(value: str) -> bool:
    """`$VAR`, `${VAR:?}`, `${{ secrets.X }}`, `{{ .Values.x }}`: a value supplied elsewhere."""
    return bool(_REFERENCE().match(value.strip()))


def is_literal_secret_value(value: str) -> bool:
    """A value that is really there (not empty, not a reference, not a flag or a small number)."""
    text = value.strip()
    return not _TRIVIAL().match(text) and not is_reference(text)


def is_placeholder(value: str) -> bool:
    """`changeme`, `<your-token>`, `xxxx`, `postgres`: a value that stands in for a real one."""
    text = value.strip().strip("\"'")
    return (
        not text
        or bool(_PLACEHOLDER_WORDS().search(text.lower()))
        or text.lower() in _WEAK_DEFAULTS
        or len(set(text)) <= 2
    )


def is_secret_value(value: str) -> bool:
    """What a secret-named variable may hold and still be a secret: a literal on one line that is
    no placeholder marker and does not point elsewhere (a path, a URL without a password, an image,
    a secret manager's reference) and is no public certificate or key. Weak defaults such as
    `postgres` count: they are real passwords, only bad ones."""
    text = value.strip()
    return (
        is_literal_secret_value(text)
        and "\n" not in text
        and not _PLACEHOLDER_WORDS().search(text.lower())
        and len(set(text)) > 2
        and not _POINTS_ELSEWHERE().match(text)
        and not is_image_reference(text)
        and not _PUBLIC_MATERIAL().match(text)
    )


def is_image_reference(value: str) -> bool:
    match = _IMAGE_REFERENCE().match(value)
    if match is None:
        return False
    tag = match.group("tag")
    return bool(match.group("digest") or (tag and ("/" in value or _VERSION_TAG().match(tag))))


def looks_real(value: str) -> bool:
    """Stricter than `is_secret_value`, for places where samples abound (env files, Secret
    objects): no weak default either, and the value has some length and variety."""
    return is_secret_value(value) and not is_placeholder(value) and len(value) >= 8 and entropy(value) >= 2.5


def is_local_host(host: str) -> bool:
    return bool(_LOCAL_HOSTS().match(host))


def url_password(text: str) -> tuple[str, str] | None:
    """(password, host) of the first URL in `text` that carries a literal password."""
    if "://" not in text:
        return None
    for match in URL_PASSWORD().finditer(text):
        if is_literal_secret_value(match.group("pw")) and not is_placeholder_password(match.group("pw")):
            return match.group("pw"), match.group("host")
    return None


def is_placeholder_password(password: str) -> bool:
    """`${DB_PASSWORD}`, `<password>`, `xxxx`: a URL password that is not written down."""
    return bool(_PLACEHOLDER_WORDS().search(password.lower())) or len(set(password)) <= 1


def private_key_in(text: str) -> str | None:
    """The algorithm ("RSA", "" for PKCS#8) of the first private key block with a real body."""
    if "PRIVATE KEY" not in text:
        return None
    for match in PRIVATE_KEY().finditer(text):
        body = match.group("body").replace("\\n", "\n")
        if _KEY_PLACEHOLDER().search(body):
            continue
        body = re.sub(r"[^A-Za-z0-9+/=]", "", body)
        if len(body) >= 64 and entropy(body) >= 4.0:
            return match.group("kind").split("PRIVATE", 1)[0].strip()
    return None


def credential_in(text: str) -> tuple[str, str] | None:
    """(kind, the matched secret) for the first credential-shaped string in `text`: a private key
    with a real body, a provider token whose random part looks random, a password in a URL."""
    algorithm = private_key_in(text)
    if algorithm is not None:
        header = f"-----BEGIN {algorithm + ' ' if algorithm else ''}PRIVATE KEY-----"
        return "private key", header
    if any(hint in text for hint in TOKEN_HINTS):
        for match in TOKENS().finditer(text):
            if random_enough(match.group(0)):
                return CREDENTIAL_KINDS[int((match.lastgroup or "k0")[1:])].label, match.group(0)
    found = url_password(text)
    if found:
        return "password in a URL", found[0]
    return None


def secret_in(name: str | None, value: str) -> tuple[str, str] | None:
    """(kind, secret) when `name = value` writes a secret down: a credential-shaped value whatever
    the name, or a secret-named variable (`DB_PASSWORD`) holding a real literal value."""
    found = credential_in(value)
    if found:
        return found
    if name and is_secret_name(name) and is_secret_value(value):
        return "literal secret", value.strip()
    return None


def decoded_secret(raw: object) -> str | None:
    """The text a base64 value (a Kubernetes Secret's `data`) holds; None when it is not base64
    or not text."""
    if not isinstance(raw, str):
        return None
    import base64
    import binascii

    try:
        return base64.b64decode("".join(raw.split()), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None


def registry_password(config: str) -> str | None:
    """The first real-looking password of a Docker registry config (`.dockerconfigjson`): its
    `password` field or the `user:password` its `auth` field encodes."""
    import json

    try:
        data = json.loads(config)
    except ValueError:
        return None
    auths = data.get("auths", data) if isinstance(data, dict) else None
    for entry in auths.values() if isinstance(auths, dict) else ():
        if not isinstance(entry, dict):
            continue
        password = entry.get("password")
        if not isinstance(password, str):
            password = (decoded_secret(entry.get("auth")) or "").partition(":")[2]
        if looks_real(password):
            return password
    return None


def entropy(text: str) -> float:
    """Shannon entropy in bits per character: ~2 for words, 4-6 for random tokens."""
    if not text:
        return 0.0
    counts: dict[str, int] = {}
    for char in text:
        counts[char] = counts.get(char, 0) + 1
    size = len(text)
    return -sum(n / size * math.log2(n / size) for n in counts.values())


def random_enough(secret: str, minimum: float = 3.0) -> bool:
    core = re.sub(r"^[a-z]+[_-]|^[A-Z]{4}|^https://[^/]+/\w+/", "", secret)  # drop a vendor prefix
    return not is_placeholder(secret) and entropy(core) >= minimum


# --- committed secrets (RP003): whole files scanned, entropy keeps false alarms rare ----------


@dataclass(frozen=True)
class Leak:
    line: int
    kind: str
    secret: str  # "" for private keys: the line says enough and no part of a key is shown


_AWS_SECRET_KEY = lazy(
    r"\b(?i:aws_?secret_?access_?key)\b[\"']?\s*[:=]\s*[\"']?(?P<secret>[A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])"
)
# The value runs to the end of the line and `_env_value` strips it: a lazy value before `\s*$`
# would retry the blanks from each of their starts.
_ENV_LINE = lazy(r"^\s*(?:export\s+)?(?P<key>[A-Za-z_][A-Za-z0-9_.-]*)\s*=(?P<value>.*)")


def has_token_hint(text: str) -> bool:
    """Whether the text holds one of TOKEN_HINTS."""
    return any(hint in text for hint in _LONE_HINTS) or any(group().search(text) for group in _HINT_GROUPS)


def find_leaks(text: str, *, env_file: bool = False) -> Iterator[Leak]:
    """Credentials written in a file's text. Everywhere: private keys and provider-shaped tokens
    (cloud keys, GitHub/GitLab/Slack/Stripe/npm tokens, Slack webhooks) whose random part really
    looks random. In `.env`-style files also secret-named variables with a real-looking value, and
    URL passwords."""
    found: list[tuple[int, str, str]] = []  # where, what kind, the secret
    for match in PRIVATE_KEY().finditer(text) if "PRIVATE KEY" in text else ():
        algorithm = private_key_in(match.group(0))
        if algorithm is not None:
            found.append((match.start(), f"{algorithm} private key".strip(), ""))
    if has_token_hint(text):
        for match in TOKENS().finditer(text):
            if random_enough(match.group(0)):
                label = CREDENTIAL_KINDS[int((match.lastgroup or "k0")[1:])].label
                found.append((match.start(), label, match.group(0)))
    # the pattern starts case-insensitively, so re tries it at every position: look for its words
    if ("ccess" in text or "CCESS" in text) and ("ecret" in text or "ECRET" in text):
        for match in _AWS_SECRET_KEY().finditer(text):
            if random_enough(match.group("secret")):
                found.append((match.start(), "AWS secret access key", match.group("secret")))
    lines = _lines_of(text, [start for start, _kind, _secret in found])
    yield from sorted(
        (Leak(lines[start], kind, secret) for start, kind, secret in found), key=lambda leak: leak.line
    )
    if env_file:
        yield from _env_leaks(text)


def _env_leaks(text: str) -> Iterator[Leak]:
    from opsmith.secrets.demo_values import account_names, names_itself, repeats_account

    settings: list[tuple[int, str, str]] = []
    for number, raw in enumerate(text.splitlines(), 1):
        match = _ENV_LINE().match(raw)
        if match is not None and not raw.lstrip().startswith("#"):
            settings.append((number, match.group("key"), _env_value(match.group("value"))))
    accounts = account_names((key, value) for _number, key, value in settings)
    for number, key, value in settings:
        found = credential_in(value)
        if found is not None:  # provider tokens are found by the scan of the whole text
            if found[0] == "password in a URL" and not is_placeholder(found[1]) and entropy(found[1]) >= 2.5:
                yield Leak(number, f"password in a URL ({key})", found[1])
            continue
        if not (is_secret_name(key) and looks_real(value)):
            continue
        # a sample's throwaway, like the placeholders `looks_real` already passes over
        if not names_itself(key, value) and not repeats_account(value, accounts):
            yield Leak(number, f"secret value of {key}", value)


def _env_value(raw: str) -> str:
    value = raw.strip()
    if value[:1] in ("'", '"'):
        end = value.find(value[0], 1)
        return value[1:end] if end > 0 else value[1:]
    return re.split(r"(?<!\s)\s+#", value, maxsplit=1)[0]  # a run of blanks is tried from its start only


def _lines_of(text: str, offsets: list[int]) -> dict[int, int]:
    """The line of each offset, the text's line breaks counted once in all (a file of thousands of
    leaks would otherwise be counted from its start for each)."""
    lines: dict[int, int] = {}
    line, counted = 1, 0
    for offset in sorted(set(offsets)):
        line += text.count("\n", counted, offset)
        lines[offset], counted = line, offset
    return lines
