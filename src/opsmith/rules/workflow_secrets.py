"""GA015: credentials written into a workflow instead of read from `secrets`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from opsmith.findings import Problem
from opsmith.parse.workflow import Text, WorkflowDoc
from opsmith.rules.base import FileContext, file_rule
from opsmith.secrets.detect import credential_in, is_local_host, url_password
from opsmith.secrets.masking import described, mask


@file_rule(
    "GA015",
    "E",
    "workflow",
    "Credential written in a workflow",
    applies_to="live-credentials",
    fix="Store it as an Actions secret (or an environment secret) and read it with "
    "`${{ secrets.NAME }}`; rotate the one that was committed.",
    docs="""
## What it does
Reports a credential written into a workflow file: in `env:` (workflow, job or step), in `with:`
inputs, in `run:` scripts and anywhere else a string appears. Credentials are private keys with a
real body, provider tokens whose random part looks random (AWS access keys, GitHub, GitLab, Slack,
Stripe, Google, npm), Slack webhooks, and passwords inside URLs that lead off the runner
(`DATABASE_URL: postgres://app:...@db.prod.example.com/app`).

A URL to `localhost`, `127.0.0.1` or a name without dots (a service container of the job) is a
throwaway test database and is not reported; nor are `${{ secrets.X }}` expressions or placeholders.

## Why it matters
A workflow file is read by everyone who can read the repository, and on a public repository by
everyone: a credential written there has leaked, and stays in the git history after it is removed.
GitHub masks `secrets` in logs; it cannot mask a value it does not know is secret.

## Example
```yaml
env:
  DATABASE_URL: postgresql://app:Pr0d-Passw0rd@db.prod.example.com:5432/app
  SLACK_WEBHOOK: https://hooks.slack.com/services/T000/B000/...
```

## Fix
```yaml
env:
  DATABASE_URL: ${{ secrets.DATABASE_URL }}
  SLACK_WEBHOOK: ${{ secrets.SLACK_WEBHOOK }}
```

## Equivalent rules
zizmor and actionlint have none; gitleaks and trufflehog find the token shapes in any file; GitHub
secret scanning.
""",
)
def ga015(doc: WorkflowDoc, ctx: FileContext) -> Iterator[Problem]:
    for path, text in doc.strings():
        found = credential_in(text.value)
        if found is None:
            continue
        where = _where(path)
        if found[0] != "password in a URL":
            yield Problem(f"{where} holds {described(found)}", _line(text, found[1]))
            continue
        url = url_password(text.value)
        if url is None or _stays_on_the_runner(url[1]):
            continue
        yield Problem(
            f"{where} holds a password ({mask(url[0])}) for `{url[1]}`, outside the runner",
            _line(text, url[0]),
        )


def _where(path: tuple[Any, ...]) -> str:
    shown = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path)
    return f"`{shown.lstrip('.')}`"


def _line(text: Text, secret: str) -> int:
    return text.line_at(text.value.find(secret))


def _stays_on_the_runner(host: str) -> bool:
    """The runner itself, or a service container of the job (reached by a name without dots)."""
    return is_local_host(host) or ("." not in host and not host.startswith("["))
