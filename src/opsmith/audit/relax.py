"""The severity a finding keeps in a file judged as a test (see classify.py).

Production-only rules report at most info there: the finding stays visible (a file judged wrongly
still shows what opsmith would say, and `production-paths` brings full severity back), but it
no longer fails a build at the default `--fail-on warning`. Rules marked `everywhere` (script
injection) keep their severity. Rules marked `live-credentials` keep it only when the flagged line
holds a credential in a live provider format (an `AKIA...` key, a `ghp_...` or `xoxb-...` token, a
password in a URL to a host outside the machine or the test network): such a credential works
wherever it was committed. A private key block or a password for a local database in a test
folder is a test credential.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from opsmith.findings import Severity
from opsmith.rules.base import Rule

# Hosts of a throwaway test setup besides this machine: a name without dots (a compose service,
# a pod's neighbour), cluster-internal names and the names reserved for tests and documentation.
_TEST_NETWORK = re.compile(
    r"^[^.]*$|\.(?:local|localhost|test|example|invalid|internal|svc|cluster\.local)$"
    r"|(?:^|\.)example\.(?:com|org|net)$",
    re.IGNORECASE,
)


def severity_in_tests(
    rule: Rule[Any], severity: Severity, line: int | None, lines: Sequence[str]
) -> Severity:
    """The severity of a finding of `rule` at `line` of a file judged as a test."""
    if severity <= Severity.INFO or rule.applies_to == "everywhere":
        return severity
    live = (
        rule.applies_to == "live-credentials"
        and line is not None
        and 1 <= line <= len(lines)
        and holds_live_credential(lines[line - 1])
    )
    return severity if live else Severity.INFO


def holds_live_credential(text: str) -> bool:
    """Whether `text` holds a provider token in its live format or a password in a URL to a host
    outside the test setup (placeholders and `${VAR}` references are not credentials)."""
    from opsmith.secrets.detect import credential_in, is_local_host, url_password

    found = credential_in(text)
    if found is None or found[0] == "private key":
        return False  # a key block: under a test folder it is a test key
    if found[0] != "password in a URL":
        return True
    url = url_password(text)
    return url is not None and not (is_local_host(url[1]) or _TEST_NETWORK.search(url[1]))
