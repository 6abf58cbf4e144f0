"""What the design decided about redundancy, in the terms the Terraform variables take: whether
production keeps a database standby or a cache replica (design/decide.py `_standby`), and the
regions the stacks are placed in."""

from __future__ import annotations

from opsmith.design.model import Design
from opsmith.design.rules import REGIONS


def standby(design: Design, kind: str, fallback: bool) -> bool:
    """The design's standby decision for the backing service `kind` (postgresql, mysql, redis);
    `fallback` for a design written before the decision was recorded."""
    backing = next((b for b in design.backing_services if b.kind == kind), None)
    if backing is None or backing.standby is None:
        return fallback
    return backing.standby.effective


def regions(design: Design, cloud: str) -> list[str]:
    """The design's regions, the primary first; the cloud's first region for a design written
    before regions were recorded."""
    places = design.networking.regions
    if places is not None and places.effective:
        return list(places.effective)
    return [REGIONS[cloud][0]]  # type: ignore[index]
