"""The shapes a repository value must have before a design may carry it.

Folder names, commands, routes and variable names come from the repository (or a hand edit of
opsmith.yaml) and end up in shells, Dockerfiles, YAML, HCL and workflow expressions. Generators
quote each value for its sink; this module refuses, at the design boundary, what no sink can carry
safely: a line break or another control character (it would start a new Dockerfile instruction,
YAML key or shell line), a path that leaves the repository, or a value outside a grammar that is
known (environment variable names, URL paths, cron expressions). Each check returns the value or
raises ValueError with a one-line message that shows the value escaped.
"""

from __future__ import annotations

import re

# C0 controls, DEL, C1 controls, and the Unicode line and paragraph separators YAML 1.1 breaks on.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_FILE_NAME = re.compile(r"^[A-Za-z0-9._+-]+$")
_URL_PATH = re.compile(r"^/[\w.~%/-]*$")  # what the analysis reads as a route, \w in Unicode
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_GO_PACKAGE = re.compile(r"^\.(?:/[\w-][\w.-]*)*$")  # "." or "./cmd/api": words, means the same to a shell
_DOMAIN = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$")
_CRON_FIELD = r"[A-Za-z0-9*/,?#LW-]+"
_CRON = re.compile(
    rf"^(?:@(?:yearly|annually|monthly|weekly|daily|midnight|hourly)|{_CRON_FIELD}(?: {_CRON_FIELD}){{4}})$"
)


def shown(value: str) -> str:
    """`value` quoted with every control character escaped, safe to print on one line."""
    return ascii(value) if _CONTROL.search(value) else repr(value)


def one_line(value: str) -> str:
    """A command or other free text: anything printable, on one line."""
    if _CONTROL.search(value):
        raise ValueError(f"must be one line without control characters, got {shown(value)}")
    return value


def relative_path(value: str) -> str:
    """A folder or file inside the repository, '/'-separated."""
    one_line(value)
    parts = value.split("/")
    if value.startswith("/") or ".." in parts:
        raise ValueError(f"must be a path inside the repository, got {shown(value)}")
    return value


def go_package(value: str) -> str:
    """A Go main package inside the module, written as `go build` takes it ("." or "./cmd/api")."""
    _fits(_GO_PACKAGE, 'a Go package path such as "./cmd/api"', value)
    return value


def file_path(value: str) -> str:
    """A file inside the repository whose name is plain (a lockfile: it is copied by name)."""
    relative_path(value)
    _fits(_FILE_NAME, "a file name of letters, digits, '.', '_', '+' or '-'", value.rsplit("/", 1)[-1])
    return value


def _fits(pattern: re.Pattern[str], what: str, value: str) -> str:
    if not pattern.fullmatch(value):
        raise ValueError(f"must be {what}, got {shown(value)}")
    return value


def url_path(value: str) -> str:
    return _fits(_URL_PATH, "a URL path ('/' then letters, digits or _.~%-/)", value)


def env_name(value: str) -> str:
    return _fits(_ENV_NAME, "an environment variable name (letters, digits, '_')", value)


def cron(value: str) -> str:
    return _fits(_CRON, "a cron expression (five fields, or @daily...)", value)


def domain(value: str) -> str:
    return _fits(_DOMAIN, "a lower-case DNS name such as shop.example.com", value)
