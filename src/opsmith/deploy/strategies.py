"""Deploy strategies as data: each is a list of steps the controller runs in order, one at a time,
persisting the index of the next one (controller.py).

Steps, and what each does to a service behind HAProxy ("new" is the release being deployed,
"stable" the one serving before it; weights are percent of new requests):
- `release`: the design's release command (migrations), once, before any traffic moves;
- `start`: the new release's container, on a port opsmith allocated;
- `wait-healthy`: the new server joins HAProxy at weight 0 and must pass its health check, so a
  release that crashes or hangs never receives a request;
- `weight N`: N % to new, the rest to stable;
- `pause S`: wait S seconds;
- `analyse`: measure new's own success rate and latency until they pass, fail or stay without data;
- `promote`: all traffic to new, stable kept running at weight 0 (warm);
- `retire`: drain and stop every other release of the service;
- `keep-warm`: end with stable still running at weight 0, so `opsmith rollback` is instant.

Built in: rolling (one instance per release on one host: new joins beside stable at an equal
share, then stable drains, so capacity never drops), blue-green (switch all at once after the
health gate, analyse, keep blue warm), canary (5, 25, 50 % with an analysis after each, then 100).
`recreate`, which on a cluster stops the old version first, would mean downtime behind one HAProxy:
opsmith deploys it as rolling, which also never runs two versions at full share at once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

StepKind = Literal[
    "release", "start", "wait-healthy", "weight", "pause", "analyse", "promote", "retire", "keep-warm"
]
StrategyName = Literal["rolling", "blue-green", "canary"]
STRATEGIES: tuple[StrategyName, ...] = ("rolling", "blue-green", "canary")
CANARY_WEIGHTS = (5, 25, 50)  # then 100 at promotion
_VALUED = {"weight": (1, 100), "pause": (0, 86400)}
_STEP = re.compile(r"^(?P<kind>[a-z-]+)(?:\s+(?P<value>\d+))?$")
# What a design's own middle steps may use: the start, the health gate and the end stay opsmith's.
CUSTOM_KINDS = frozenset({"weight", "pause", "analyse"})


@dataclass(frozen=True)
class Step:
    kind: StepKind
    value: int | None = None  # percent for `weight`, seconds for `pause`

    @property
    def text(self) -> str:
        return self.kind if self.value is None else f"{self.kind} {self.value}"

    @property
    def moves_traffic(self) -> bool:
        return self.kind in ("weight", "promote")


def parse_step(text: str) -> Step:
    """A step from its text form (`weight 25`, `pause 30`, `analyse`); ValueError otherwise."""
    match = _STEP.match(text.strip())
    kinds: tuple[str, ...] = StepKind.__args__  # type: ignore[attr-defined]
    if match is None or match["kind"] not in kinds:
        raise ValueError(
            f"not a deploy step: {text.strip()[:60]!r} (expected e.g. `weight 25`, `pause 30`, `analyse`)"
        )
    kind: StepKind = match["kind"]  # type: ignore[assignment]
    value = match["value"]
    if kind in _VALUED:
        low, high = _VALUED[kind]
        if value is None or not low <= int(value) <= high:
            raise ValueError(f"`{kind}` needs a number from {low} to {high}: {text.strip()[:60]!r}")
        return Step(kind, int(value))
    if value is not None:
        raise ValueError(f"`{kind}` takes no number: {text.strip()[:60]!r}")
    return Step(kind)


def effective_strategy(design_strategy: str) -> StrategyName:
    """The strategy a design's choice runs as on one host (`recreate` runs as rolling)."""
    return design_strategy if design_strategy in STRATEGIES else "rolling"


def steps_for(
    strategy: StrategyName,
    *,
    web: bool,
    release_command: bool,
    canary_weights: Sequence[int] = CANARY_WEIGHTS,
    custom: Sequence[Step] | None = None,
) -> list[Step]:
    """The steps of one deploy. A service without HTTP traffic (a worker) has no weights to move:
    its new release starts, must keep running, and replaces the old one. `custom` replaces the
    strategy's steps between the health gate and promotion (weights, pauses, analyses)."""
    head = [Step("release")] if release_command else []
    head += [Step("start"), Step("wait-healthy")]
    if not web:
        return [*head, Step("promote"), Step("retire")]
    if custom is not None:
        bad = [s.text for s in custom if s.kind not in CUSTOM_KINDS]
        if bad:
            raise ValueError(f"custom deploy steps may only set weights, pause and analyse, not `{bad[0]}`")
        return [*head, *custom, Step("promote"), Step("retire")]
    if strategy == "rolling":
        return [*head, Step("weight", 50), Step("promote"), Step("retire")]
    if strategy == "blue-green":
        return [*head, Step("promote"), Step("analyse"), Step("keep-warm")]
    weights = sorted(set(canary_weights))
    if not weights or weights[0] < 1 or weights[-1] > 99:
        raise ValueError("canary weights must be percentages from 1 to 99")
    middle = [step for w in weights for step in (Step("weight", w), Step("analyse"))]
    return [*head, *middle, Step("promote"), Step("retire")]


def rollback_steps(*, warm: bool) -> list[Step]:
    """Back to an earlier release: instant when it still runs (warm), else started again and
    health-gated first. The release rolled back from stays warm, so this too can be undone."""
    if warm:
        return [Step("wait-healthy"), Step("promote"), Step("keep-warm")]
    return [Step("start"), Step("wait-healthy"), Step("promote"), Step("keep-warm")]


def split(step: Step, *, has_stable: bool) -> tuple[int, int]:
    """(new, stable) weights a traffic step leaves; a release alone takes everything."""
    if step.kind == "promote" or not has_stable:
        return 100, 0
    assert step.value is not None
    return step.value, 100 - step.value
