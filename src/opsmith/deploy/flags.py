"""The values of the deploy verbs' repeatable flags (`--image SERVICE=REF`, `--listen
SERVICE=HOST:PORT`, `--image-tag TAG`), checked while the command line is parsed: a bad value is one
line and exit code 2. Standard library only: every opsmith command builds the parser."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

_SERVICE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_REFERENCE = re.compile(r"^[a-z0-9][a-z0-9._/:@-]{0,254}$", re.IGNORECASE)
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")


@dataclass(frozen=True)
class Listen:
    host: str
    port: int

    @property
    def address(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def parse_image(text: str) -> tuple[str, str]:
    """`--image SERVICE=REF`."""
    service, sep, ref = text.partition("=")
    if not sep or not _SERVICE.match(service) or not _REFERENCE.match(ref):
        raise ValueError(f"expected SERVICE=IMAGE (e.g. web=localhost/shop:1.2), got {text[:80]!r}")
    return service, ref


def parse_listen(text: str) -> tuple[str, Listen]:
    """`--listen SERVICE=HOST:PORT` (an IP address; IPv6 in brackets)."""
    service, sep, where = text.partition("=")
    host, colon, port = where.rpartition(":")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        ipaddress.ip_address(host)
        valid_port = port.isdigit() and 1 <= int(port) <= 65535
    except ValueError:
        valid_port = False
    if not sep or not colon or not _SERVICE.match(service) or not valid_port:
        raise ValueError(
            f"expected SERVICE=HOST:PORT with an IP address (e.g. web=127.0.0.1:8080), got {text[:80]!r}"
        )
    return service, Listen(host, int(port))


def parse_tag(text: str) -> str:
    if not _TAG.match(text):
        raise ValueError(f"not an image tag: {text[:80]!r}")
    return text
