"""Whether a design decided again only fills what the existing one lacked.

A value supplied after the design was written (a port or a health path in .opsmith.toml, a start
command) should reach the design without `--force`: nothing a person reviewed changes, something
the design could not say now has a value. Anything else that differs (other inputs, a hand edit,
a changed repository) is a change a person must see.
"""

from __future__ import annotations

from typing import Any

from opsmith.design.model import Design

# What the repository or .opsmith.toml states about a service; the rest of a service (sizes,
# strategy, probes' reasons, evidence) follows from these and may move with a filled value.
STATED = ("kind", "start", "port", "health_path", "schedule", "release", "build", "commands", "uses", "env")


def filled(previous: Design, design: Design) -> list[str]:
    """`services[NAME].FIELD` of every value `design` adds where `previous` had none, when that is
    all that differs; [] when anything else differs (or nothing does)."""
    before = previous.model_dump(mode="json", exclude={"approval"})
    after = design.model_dump(mode="json", exclude={"approval"})
    old_services, new_services = before.pop("services"), after.pop("services")
    if before != after or [s["name"] for s in old_services] != [s["name"] for s in new_services]:
        return []
    out: list[str] = []
    for old, new in zip(old_services, new_services, strict=True):
        gained = _gained(old, new)
        if gained is None:
            return []
        if not gained and old != new:
            return []  # only derived values moved, with nothing filled to explain it
        out += [f"services[{old['name']}].{key}" for key in gained]
    return out


def _gained(old: dict[str, Any], new: dict[str, Any]) -> list[str] | None:
    """The stated fields `new` fills; None when a stated value it had changed."""
    gained = []
    for key in STATED:
        if old.get(key) == new.get(key):
            continue
        if old.get(key) not in (None, "", [], {}):
            return None
        gained.append(key)
    return gained
