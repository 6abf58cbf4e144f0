"""What a secret looks like, shared by every rule that hunts for one (DF005, DF016, DC004, KU008,
TF006, RP003). Findings show secrets masked, never whole."""

from __future__ import annotations

import re
from dataclasses import dataclass

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
_TRIVIAL = re.compile(r"(?i)^(|true|false|yes|no|on|off|null|none|[0-9]{1,3})$")


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
_URL_PASSWORD = re.compile(r"\b[a-z][a-z0-9+.-]*://[^/\s:@'\"]+:(?P<pw>[^@\s/'\"]+)@")


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
