"""Showing text that may hold a secret without showing the secret: every finding's message and fix,
every note and every line a report quotes goes through `mask_secrets`.

What is masked: provider tokens, private key bodies, passwords in URLs, values of secret-named
assignments (`password=...`, `"token": "..."`) that look real, and long random base64 runs (a
Kubernetes Secret's data). Masking keeps a few leading characters and the length, so a reader can
still tell which value is meant.
"""

from __future__ import annotations

import re
from functools import lru_cache

from opsmith.regex import lazy
from opsmith.secrets import detect

# `name = value`, `name: value`, `"name": "value"`, `--name=value`. Bounded so hostile lines stay linear.
_ASSIGNMENT = lazy(
    r"(?<![\w.])(?P<name>[A-Za-z_][\w.-]{0,63}+)[\"']?[ \t]{0,8}(?::|=)[ \t]{0,8}"
    r"(?P<value>\"[^\"\n]{1,512}\"|'[^'\n]{1,512}'|[^\s\"'`,;{}()\[\]]{1,512})"
)
# Every secret name holds one of these (see detect.is_secret_name): a cheap test before the search
# (substring tests on the lowered text; a case-insensitive regex costs fifty times more).
_SECRET_WORDS = ("pass", "pw", "secret", "token", "key", "credential", "dsn")
# A long base64 run that is not a word, a path or a hex digest.
_BASE64_RUN = lazy(r"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{40,}={0,2}")
# What `mask` leaves of a value, as a message shows it.
_MASKED = lazy(r"\*{4}…\(\d+ chars\)|\((?:\*{1,8})\)")
# After the first `=`, `: ` or `ENV NAME ` of a quoted line: the value a secret rule reported.
_VALUE_PART = lazy(r"^(?P<head>\s*(?:-\s+)?(?:(?:ENV|ARG)\s+)?[^\s=:]+(?:\s*=\s*|:\s+|\s+))(?P<value>\S.*)$")


def mask(secret: str) -> str:
    """Enough to find it again, not enough to use it."""
    if len(secret) <= 8:
        return "*" * len(secret)
    return f"{secret[:4]}{'*' * 4}…({len(secret)} chars)"


def mask_secrets(text: str) -> str:
    """`text` with everything credential-shaped masked."""
    return _mask_short(text) if len(text) <= 512 else _mask(text)


def _mask(text: str) -> str:
    if not text:
        return text
    if "PRIVATE KEY" in text:
        text = detect.PRIVATE_KEY().sub(_mask_key_body, text)
    if any(hint in text for hint in detect.TOKEN_HINTS):
        text = detect.TOKENS().sub(lambda m: mask(m.group(0)), text)
    if "://" in text:
        text = detect.URL_PASSWORD().sub(_mask_url_password, text)
    if ("=" in text or ":" in text) and _names_a_secret(text.lower()):
        text = _ASSIGNMENT().sub(_mask_assignment, text)
    return _BASE64_RUN().sub(_mask_random_run, text)


# The same messages and fixes come back for file after file; long lines are not kept.
_mask_short = lru_cache(maxsize=4096)(_mask)


def _names_a_secret(lowered: str) -> bool:
    return any(word in lowered for word in _SECRET_WORDS)


def mask_value_part(line: str) -> str:
    """A quoted line whose value a secret rule reported: everything after the name masked
    (`value: "s3cr3t"` -> `value: "s3cr****…(8 chars)"`), whatever the name is."""
    masked = mask_secrets(line)
    match = _VALUE_PART().match(masked)
    if match is None or masked != line:  # the secret was recognised and masked where it is
        return masked
    value = match.group("value").rstrip()
    inner = value.strip("\"'`,")
    if len(inner) < 2:
        return masked
    return match.group("head") + value.replace(inner, mask(inner), 1)


def _mask_key_body(match: re.Match[str]) -> str:
    body = match.group("body")
    if not body.strip():
        return match.group(0)
    end = match.group(0)[match.end("body") - match.start() :]
    return f"-----BEGIN {match.group('kind')}-----{mask(body.strip())}{end}"


def _mask_url_password(match: re.Match[str]) -> str:
    password = match.group("pw")
    if not detect.is_literal_secret_value(password) or detect.is_placeholder_password(password):
        return match.group(0)
    start, end = match.start("pw") - match.start(), match.end("pw") - match.start()
    whole = match.group(0)
    return whole[:start] + mask(password) + whole[end:]


def _mask_assignment(match: re.Match[str]) -> str:
    name, raw = match.group("name"), match.group("value")
    value = raw[1:-1] if raw[:1] in "\"'" and len(raw) >= 2 else raw
    if not (detect.is_secret_name(name) and detect.is_secret_value(value) and _not_a_word(value)):
        return match.group(0)
    start = match.start("value") - match.start()
    return match.group(0)[:start] + raw.replace(value, mask(value), 1)


def _not_a_word(value: str) -> bool:
    """Passwords mix digits, symbols or cases, or are long; `holds` after `name:` in a message is
    prose. Masked values (`****`) are left as they are."""
    if "****" in value:
        return False
    return len(value) >= 16 or not (value.isalpha() and (value.islower() or value.isupper()))


def _mask_random_run(match: re.Match[str]) -> str:
    run = match.group(0)
    mixed = any(c.isdigit() for c in run) and any(c.isupper() for c in run) and any(c.islower() for c in run)
    return mask(run) if mixed and detect.entropy(run) >= 4.3 else run


def described(found: tuple[str, str]) -> str:
    """A `(kind, secret)` judgement in words: `an AWS access key ID (AKIA****…(20 chars))`."""
    kind, secret = found
    article = "an" if kind[:1].lower() in "aeio" else "a"
    if kind == "private key":  # no part of a key is shown, not even its header
        return f"{article} {kind}"
    return f"{article} {kind} ({mask(secret)})"


def mentions_masked(text: str) -> bool:
    """Whether `text` shows a value masked by `mask`: the finding is about that secret."""
    return bool(_MASKED().search(text))
