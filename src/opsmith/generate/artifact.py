"""What a generator produces: a file's path and content, nothing written yet."""

from __future__ import annotations

import re
from dataclasses import dataclass

_UNSAFE = re.compile(r"[^a-z0-9-]+")


@dataclass(frozen=True)
class Artifact:
    path: str  # relative to the repository root, '/' separators
    content: str
    executable: bool = False
    generator: str = ""  # which generator wrote it, recorded in the manifest
    # The design decisions this file builds (ids of generate/decisions.py DECISIONS), recorded in
    # .opsmith/generated.json so a reader can find where each choice of the design is implemented.
    implements: tuple[str, ...] = ()
    # For a document: (decision id, section heading) of each decision a person carries out by hand
    # following that section, where opsmith cannot generate it.
    manual: tuple[tuple[str, str], ...] = ()


def safe_name(name: str, fallback: str = "app") -> str:
    """A name usable as a file or folder name and a DNS label: lower-case letters, digits, '-'.

    Service names come from repositories and users; they must never smuggle `..` or `/` into a
    path the writer builds from them.
    """
    cleaned = _UNSAFE.sub("-", name.lower()).strip("-")[:63].strip("-")
    return cleaned or fallback
