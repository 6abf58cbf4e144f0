"""What a secret looks like, shared by every rule that hunts for one (DF005, DF016, DC004, KU008,
TF006, RP003). Findings show secrets masked, never whole."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass

from opsmith.regex import lazy

# Names that say "this holds a secret"; suffixes that say "this only points at one".
_SECRET_NAME = re.compile(
    r"(?i)(pass(word|wd|phrase)?|secret|token|api[_-]?key|private[_-]?key|access[_-]?key"
    r"|credentials?|auth[_-]?key|signing[_-]?key|encryption[_-]?key|master[_-]?key|dsn)"
)
_POINTER_SUFFIX = re.compile(
    r"(?i)[_-]?(file|path|dir|url|uri|endpoint|name|header|id|length|ttl|expiry|expires|type"
    r"|enabled|required|env|var|ref|key_?name|location|mount)$"
)
_NOT_SECRET_NAMES = frozenset({"PWD", "OLDPWD", "TOKEN_TYPE"})
_REFERENCE = re.compile(r"^\$(\{[^}]*\}|[A-Za-z_][A-Za-z0-9_]*|\(.*\))$|^\{\{.*\}\}$")
# Flags, small numbers and setting words (AWS `http_tokens = "required"` is the IMDSv2 switch).
_TRIVIAL = re.compile(
    r"(?i)^(|true|false|yes|no|on|off|null|none|required|optional|enabled|disabled|[0-9]{1,3})$"
)


@dataclass(frozen=True)
class CredentialKind:
    label: str
    pattern: re.Pattern[str]


CREDENTIAL_KINDS: tuple[CredentialKind, ...] = (
    CredentialKind("private key", re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")),
    CredentialKind("AWS access key ID", re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b")),
    CredentialKind(
        "GitHub token",
        re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{50,})\b"),
    ),
    CredentialKind("GitLab token", re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}\b")),
    CredentialKind("Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b")),
    CredentialKind("Stripe live key", re.compile(r"\b(?:sk|rk)_live_[A-Za-z0-9]{20,}\b")),
    CredentialKind("Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b")),
    CredentialKind("npm token", re.compile(r"\bnpm_[A-Za-z0-9]{36}\b")),
)
_URL_PASSWORD = re.compile(r"\b[a-z][a-z0-9+.-]*://[^/\s:@'\"]*:(?P<pw>[^@\s/'\"]+)@")


def is_secret_name(name: str) -> bool:
    if name.upper() in _NOT_SECRET_NAMES:
        return False
    return bool(_SECRET_NAME.search(name)) and not _POINTER_SUFFIX.search(name)


def is_reference(value: str) -> bool:
    """`$VAR`, `${VAR:?}`, `${{ secrets.X }}`, `{{ .Values.x }}`: a value supplied elsewhere."""
    return bool(_REFERENCE.match(value.strip()))


def is_literal_secret_value(value: str) -> bool:
    """A value that is really there (not empty, not a reference, not a flag or a small number)."""
    text = value.strip()
    return not _TRIVIAL.match(text) and not is_reference(text)


def credential_in(text: str) -> tuple[str, str] | None:
    """(kind, the matched secret) for the first credential-shaped string in `text`."""
    for kind in CREDENTIAL_KINDS:
        match = kind.pattern.search(text)
        if match:
            return kind.label, match.group(0)
    url = _URL_PASSWORD.search(text)
    if url and is_literal_secret_value(url.group("pw")):
        return "password in a URL", url.group("pw")
    return None


def mask(secret: str) -> str:
    """Enough to find it again, not enough to use it."""
    if len(secret) <= 8:
        return "*" * len(secret)
    return f"{secret[:4]}{'*' * 4}…({len(secret)} chars)"


# --- committed secrets (RP003): whole files scanned, entropy keeps false alarms rare ----------


@dataclass(frozen=True)
class Leak:
    line: int
    kind: str
    secret: str  # "" for private keys: the line says enough and no part of a key is shown


# (label, pattern, how many trailing characters of a match are the secret; 0: all of it).
_LEAK_KINDS: tuple[tuple[str, str, int], ...] = (
    *((k.label, k.pattern.pattern, 0) for k in CREDENTIAL_KINDS if k.label != "private key"),
    (
        "AWS secret access key",
        r"\b(?i:aws_?secret_?access_?key)\b[\"']?\s*[:=]\s*[\"']?[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])",
        40,
    ),
    ("Slack webhook", r"https://hooks\.slack\.com/services/T[A-Z0-9]{6,}/B[A-Z0-9]{6,}/[A-Za-z0-9]{20,}", 0),
)
_LEAKS = lazy("|".join(f"(?P<k{i}>{pattern})" for i, (_, pattern, _) in enumerate(_LEAK_KINDS)))
# Literal text every kind above contains: plain substring tests rule most files out at C speed
# before the (much slower) combined expression runs.
_LEAK_HINTS = (
    "AKIA",
    "ASIA",
    "ABIA",
    "ACCA",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "glpat-",
    "xox",
    "_live_",
    "AIza",
    "npm_",
    "hooks.slack.com",
    "ccess",
    "CCESS",
)
# Compiled on first use (`lazy`): most files hold no hint of a key or token, and few are .env files.
_PRIVATE_KEY = lazy(
    r"-----BEGIN (?P<kind>(?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?)-----(?P<body>.*?)(?:-----END|\Z)", re.DOTALL
)
_ENV_LINE = lazy(r"^\s*(?:export\s+)?(?P<key>[A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(?P<value>.*?)\s*$")
_PLACEHOLDER_WORDS = lazy(
    r"(?i)example|change[-_ ]?me|placeholder|your[-_ ]|<[^>]*>|x{4,}|\*{3,}|dummy|sample|todo|replace"
    r"|redacted|fake|insecure-default|not[-_ ]?a[-_ ]?secret|\.\.\.|^\$|\$\{|\{\{"
)
_WEAK_DEFAULTS = frozenset(
    {
        "password",
        "passwd",
        "secret",
        "postgres",
        "postgresql",
        "mysql",
        "root",
        "admin",
        "pass",
        "guest",
        "user",
        "test",
        "testing",
        "dev",
        "local",
        "default",
        "none",
        "null",
        "empty",
        "foo",
        "bar",
        "foobar",
        "minioadmin",
        "rabbitmq",
        "redis",
    }
)


def entropy(text: str) -> float:
    """Shannon entropy in bits per character: ~2 for words, 4-6 for random tokens."""
    if not text:
        return 0.0
    counts: dict[str, int] = {}
    for char in text:
        counts[char] = counts.get(char, 0) + 1
    size = len(text)
    return -sum(n / size * math.log2(n / size) for n in counts.values())


def is_placeholder(value: str) -> bool:
    """`changeme`, `<your-token>`, `xxxx`, `postgres`: a value that stands in for a real one."""
    text = value.strip().strip("\"'")
    return (
        not text
        or bool(_PLACEHOLDER_WORDS().search(text))
        or text.lower() in _WEAK_DEFAULTS
        or len(set(text)) <= 2
    )


def _random_enough(secret: str, minimum: float = 3.0) -> bool:
    core = re.sub(r"^[a-z]+[_-]|^[A-Z]{4}", "", secret)  # drop a vendor prefix (ghp_, AKIA)
    return not is_placeholder(secret) and entropy(core) >= minimum


def find_leaks(text: str, *, env_file: bool = False) -> Iterator[Leak]:
    """Credentials written in a file's text. Everywhere: private keys and provider-shaped tokens
    (cloud keys, GitHub/GitLab/Slack/Stripe/npm tokens) whose random part really looks random. In
    `.env`-style files also secret-named variables with a real-looking value, and URL passwords."""
    for match in _PRIVATE_KEY().finditer(text) if "PRIVATE KEY" in text else ():
        body = re.sub(r"[^A-Za-z0-9+/=]", "", match.group("body"))
        if len(body) >= 64 and entropy(body) >= 4.0:
            algorithm = match.group("kind").split("PRIVATE", 1)[0].strip()
            yield Leak(_line_at(text, match.start()), f"{algorithm} private key".strip(), "")
    for match in _LEAKS().finditer(text) if any(hint in text for hint in _LEAK_HINTS) else ():
        label, _pattern, tail = _LEAK_KINDS[int((match.lastgroup or "k0")[1:])]
        secret = match.group(0)[-tail:] if tail else match.group(0)
        if _random_enough(secret):
            yield Leak(_line_at(text, match.start()), label, secret)
    if env_file:
        yield from _env_leaks(text)


def _env_leaks(text: str) -> Iterator[Leak]:
    for number, raw in enumerate(text.splitlines(), 1):
        match = _ENV_LINE().match(raw)
        if match is None or raw.lstrip().startswith("#"):
            continue
        key, value = match.group("key"), _env_value(match.group("value"))
        found = credential_in(value)
        if found is not None:  # provider tokens are found by the scan of the whole text
            if found[0] == "password in a URL" and not is_placeholder(found[1]) and entropy(found[1]) >= 2.5:
                yield Leak(number, f"password in a URL ({key})", found[1])
            continue
        if (
            is_secret_name(key)
            and is_literal_secret_value(value)
            and not is_placeholder(value)
            and len(value) >= 8
            and entropy(value) >= 2.5
        ):
            yield Leak(number, f"secret value of {key}", value)


def _env_value(raw: str) -> str:
    value = raw.strip()
    if value[:1] in ("'", '"'):
        end = value.find(value[0], 1)
        return value[1:end] if end > 0 else value[1:]
    return re.split(r"\s+#", value, maxsplit=1)[0]


def _line_at(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1
